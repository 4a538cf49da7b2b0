"""Lint output: full (with the source line and a caret), concise, json, github workflow commands, SARIF 2.1.0, and the
summary on stderr. Messages are one line in each (Finding escapes them); columns count characters of the line."""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from vlmnotes import __version__
from vlmnotes.formats import count
from vlmnotes.lint.registry import RULES, Finding, Rule, escape_controls

if TYPE_CHECKING:
    from vlmnotes.lint import LintResult

PROJECT_URL = "https://github.com/vlmnotes/vlmnotes"
HELP_URL = f"{PROJECT_URL}#linting-notes"  # the README section on lint, where the rules are listed


def _marker(finding: Finding) -> str:
    return " [*]" if finding.fix is not None and finding.fix.safe else ""


def concise(findings: list[Finding]) -> str:
    """`path:line:col: CODE [*] message`, one line each."""
    return "".join(
        f"{escape_controls(f.path)}:{f.line}:{f.column}: {f.code}{_marker(f)} {f.message}\n" for f in findings
    )


def full(findings: list[Finding], sources: dict[str, list[str]]) -> str:
    """The concise line, then the source line and a caret under the columns. `sources`: the lines of each file as
    the linter read them (decoded, line ends removed), which the columns count in."""
    out = []
    for f in findings:
        out.append(f"{escape_controls(f.path)}:{f.line}:{f.column}: {f.code}{_marker(f)} {f.message} [{f.severity}]\n")
        lines = sources.get(f.path, [])
        if 0 < f.line <= len(lines):
            shown, cells = _shown(lines[f.line - 1])
            end = f.end_column if f.end_line == f.line and f.end_column > f.column else f.column + 1
            before = cells[min(f.column, len(cells)) - 1]
            width = max(1, cells[min(end, len(cells)) - 1] - before)
            out.append(f"  {f.line:>4} | {shown}\n")
            out.append(f"       | {' ' * before}{'^' * width}\n")
    return "".join(out)


def _shown(line: str) -> tuple[str, list[int]]:
    """A source line as a terminal should show it, and the cell each character starts at (plus where the line
    ends): tabs to the next multiple of 4, wide (CJK) characters two cells, control characters escaped (`\\x1b`
    takes four cells), so the caret lines up and the line cannot move the cursor or change colours."""
    pieces: list[str] = []
    cells = [0]
    for char in line:
        if char == "\t":
            piece = " " * (4 - cells[-1] % 4)
            width = len(piece)
        elif (piece := escape_controls(char)) != char:
            width = len(piece)
        else:
            width = 2 if unicodedata.east_asian_width(char) in "WF" else 1
        pieces.append(piece)
        cells.append(cells[-1] + width)
    return "".join(pieces), cells


def as_json(findings: list[Finding], unsafe: bool = False) -> str:
    """An array of {path, line, column, end_line, end_column, code, slug, severity, message, fixable};
    `fixable` means `--fix` would fix it (with `--unsafe-fixes`, when that was given, unsafe fixes too)."""
    data = [
        {
            "path": f.path,
            "line": f.line,
            "column": f.column,
            "end_line": f.end_line,
            "end_column": f.end_column,
            "code": f.code,
            "slug": f.slug,
            "severity": f.severity,
            "message": f.message,
            "fixable": f.fix is not None and (f.fix.safe or unsafe),
        }
        for f in findings
    ]
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github(findings: list[Finding]) -> str:
    """GitHub Actions workflow commands: ::error / ::warning / ::notice with file, line, col and title."""
    kinds = {"error": "error", "warning": "warning", "info": "notice"}
    out = []
    for f in findings:
        props = ",".join(
            [
                f"file={_escape_property(f.path)}",
                f"line={f.line}",
                f"col={f.column}",
                f"endLine={f.end_line}",
                f"endColumn={f.end_column}",
                f"title={_escape_property(f'{f.code} {f.slug}')}",
            ]
        )
        out.append(f"::{kinds[f.severity]} {props}::{_escape_data(f.message)}\n")
    return "".join(out)


_SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def sarif(findings: list[Finding], root: Path, sources: dict[str, list[str]] | None = None) -> str:
    """A SARIF 2.1.0 log as GitHub code scanning reads it: every rule with its descriptions, help and helpUri;
    results with repo-relative URIs, full regions and a partial fingerprint that survives lines moving."""
    used = sorted({f.code for f in findings} | set(RULES))
    rules = [_sarif_rule(RULES[code]) for code in used]
    index = {code: i for i, code in enumerate(used)}
    results = []
    seen: Counter[str] = Counter()
    for f in findings:
        uri = _uri(f.path, root)
        key = fingerprint(f.code, uri, matched_text(f, (sources or {}).get(f.path, [])))
        seen[key] += 1
        results.append(
            {
                "ruleId": f.code,
                "ruleIndex": index[f.code],
                "level": _SARIF_LEVEL[f.severity],
                "message": {"text": f.message},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": quote(uri), "uriBaseId": "%SRCROOT%"},
                            "region": {
                                "startLine": f.line,
                                "startColumn": f.column,
                                "endLine": f.end_line,
                                "endColumn": f.end_column,
                            },
                        }
                    }
                ],
                # The nth finding of one rule on one text in one file: a line added above it changes nothing.
                "partialFingerprints": {FINGERPRINT_KEY: f"{key}:{seen[key]}"},
            }
        )
    log = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "vlmnotes",
                        "version": __version__,
                        "informationUri": PROJECT_URL,
                        "rules": rules,
                    }
                },
                "columnKind": "unicodeCodePoints",
                "originalUriBaseIds": {"%SRCROOT%": {"uri": root.resolve().as_uri() + "/"}},
                "results": results,
            }
        ],
    }
    return json.dumps(log, ensure_ascii=False, indent=2) + "\n"


# Not GitHub's own primaryLocationLineHash, which its upload action computes from the lines around a result and
# warns about when a tool sets it to anything else.
FINGERPRINT_KEY = "vlmnotesMatchHash/v1"


def fingerprint(code: str, path: str, text: str) -> str:
    """A stable hash of what a finding is about: its rule, its file (repo-relative) and the text it points at."""
    return hashlib.sha256(f"{code}\0{path}\0{text}".encode()).hexdigest()[:32]


def matched_text(f: Finding, lines: list[str]) -> str:
    """The text a finding points at, stripped; for a finding that marks a place rather than a stretch (one
    character), its whole line."""
    if not 0 < f.line <= len(lines):
        return ""
    first = lines[f.line - 1]
    if f.end_line > f.line:
        last = lines[f.end_line - 1] if f.end_line <= len(lines) else ""
        text = "\n".join([first[f.column - 1 :], *lines[f.line : f.end_line - 1], last[: f.end_column - 1]])
    else:
        text = first[f.column - 1 : f.end_column - 1]
    return text.strip() if len(text.strip()) > 1 else first.strip()


def _sarif_rule(rule: Rule) -> dict[str, Any]:
    description, examples = _split_doc(rule.doc)
    markdown = description + "".join(f"\n\n{label}\n\n```markdown\n{text}\n```" for label, text in examples)
    return {
        "id": rule.code,
        "name": rule.slug,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": description},
        "help": {"text": rule.doc, "markdown": markdown},
        "helpUri": HELP_URL,
        "defaultConfiguration": {"level": _SARIF_LEVEL[rule.severity]},
        "properties": {"tags": ["vlmnotes", "markdown"]},
    }


def _split_doc(doc: str) -> tuple[str, list[tuple[str, str]]]:
    """A rule's docstring as its description (the paragraphs before the examples) and its `Bad:` and `Good:`
    examples, each (label, text)."""
    description: list[str] = []
    examples: list[tuple[str, str]] = []
    for line in doc.strip().split("\n"):
        label, _, text = line.strip().partition(":")
        if label in ("Bad", "Good") and text:
            examples.append((f"{label}:", text.strip()))
        elif examples:  # a line continuing an example
            examples[-1] = (examples[-1][0], f"{examples[-1][1]}\n{line.strip()}")
        else:
            description.append(line)
    return "\n".join(description).strip(), examples


def _uri(path: str, root: Path) -> str:
    p = Path(path)
    try:
        return (p.resolve().relative_to(root.resolve())).as_posix()
    except ValueError:
        return p.as_posix()


def summary(result: LintResult, *, fix: bool, unsafe: bool) -> str:
    """What stderr says after the findings: with fix, a line for each file fixed (how many, of which rules);
    then the count of findings and files, and what is fixed, fixable, or fixable only with --unsafe-fixes.

        notes/a.md: fixed 3 (VN501 ×2, VN103)
        2 findings in 4 files, 3 fixed, 1 more fixable with --unsafe-fixes
    """
    out = []
    for path, codes in sorted(result.fixed.items()) if fix else ():
        which = ", ".join(code + (f" ×{n}" if n > 1 else "") for code, n in sorted(codes.items()))
        out.append(f"{escape_controls(path)}: fixed {sum(codes.values())} ({which})\n")
    safe = sum(1 for f in result.findings if f.fix is not None and (f.fix.safe or unsafe))
    hidden = sum(1 for f in result.findings if f.fix is not None and not f.fix.safe and not unsafe)
    line = f"{count(len(result.findings), 'finding')} in {count(result.files, 'file')}"
    if fix:
        line += f", {sum(sum(c.values()) for c in result.fixed.values())} fixed"
        line += f", {safe} still fixable" if safe else ""  # a fix that would break the file, or a write that failed
    elif safe:
        line += f", {safe} fixable with --fix"
    if hidden:
        line += f", {hidden} {'more ' if safe and not fix else ''}fixable with --unsafe-fixes"
    return "".join(out) + line + "\n"


def statistics(findings: list[Finding]) -> str:
    """Counts by rule, most frequent first: `12  VN103  [*] non-canonical-arxiv-url`."""
    counts = Counter(f.code for f in findings)
    fixable = {f.code for f in findings if f.fix is not None and f.fix.safe}
    lines = [
        f"{n:>5}  {code}  {'[*]' if code in fixable else '   '} {RULES[code].slug}"
        for code, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    return "\n".join(lines) + ("\n" if lines else "")


def rule_list() -> str:
    """Every rule: code, slug, default severity, fixable, summary."""
    return "".join(
        f"{r.code}  {r.slug:<26} {r.severity:<8} {'fix' if r.fixable else '   '}  {r.summary}\n"
        for r in sorted(RULES.values(), key=lambda r: r.code)
    )


def explain(code: str) -> str:
    """One rule in full: header and docstring."""
    r = RULES[code]
    fix = "yes" if r.fixable else "no"
    return f"{r.code} ({r.slug})\nseverity: {r.severity}; fixable: {fix}\n\n{r.doc}\n"
