"""Lint output: full (with the source line and a caret), concise, json, github workflow commands, SARIF 2.1.0."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import quote

from vlmnotes import __version__
from vlmnotes.lint.registry import RULES, Finding


def _marker(finding: Finding) -> str:
    return " [*]" if finding.fix is not None and finding.fix.safe else ""


def concise(findings: list[Finding]) -> str:
    """`path:line:col: CODE [*] message`, one line each."""
    return "".join(f"{f.path}:{f.line}:{f.column}: {f.code}{_marker(f)} {f.message}\n" for f in findings)


def full(findings: list[Finding], sources: dict[str, list[str]]) -> str:
    """The concise line, then the source line and a caret under the column."""
    out = []
    for f in findings:
        out.append(f"{f.path}:{f.line}:{f.column}: {f.code}{_marker(f)} {f.message} [{f.severity}]\n")
        lines = sources.get(f.path, [])
        if 0 < f.line <= len(lines):
            raw = lines[f.line - 1].rstrip("\r")
            end = f.end_column if f.end_line == f.line and f.end_column > f.column else f.column + 1
            before = _cells(raw[: f.column - 1])
            width = max(1, _cells(raw[: end - 1]) - before)
            out.append(f"  {f.line:>4} | {_expand(raw)}\n")
            out.append(f"       | {' ' * before}{'^' * width}\n")
    return "".join(out)


def _expand(text: str) -> str:
    """Tabs expanded the way _cells counts them, so the caret lines up."""
    out: list[str] = []
    for char in text:
        out.append(" " * (4 - _cells("".join(out)) % 4) if char == "\t" else char)
    return "".join(out)


def _cells(text: str) -> int:
    """Terminal cells the text takes: tabs to the next multiple of 4, wide (CJK) characters two."""
    import unicodedata

    cells = 0
    for char in text:
        if char == "\t":
            cells += 4 - cells % 4
        else:
            cells += 2 if unicodedata.east_asian_width(char) in "WF" else 1
    return cells


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


def sarif(findings: list[Finding], root: Path) -> str:
    """A SARIF 2.1.0 log as GitHub code scanning reads it: rules with help, repo-relative URIs, full regions."""
    used = sorted({f.code for f in findings} | set(RULES))
    rules: list[dict[str, Any]] = []
    for code in used:
        rule = RULES[code]
        rules.append(
            {
                "id": code,
                "name": rule.slug,
                "shortDescription": {"text": rule.summary},
                "fullDescription": {"text": rule.doc},
                "help": {"text": rule.doc, "markdown": rule.doc},
                "defaultConfiguration": {"level": _SARIF_LEVEL[rule.severity]},
                "properties": {"tags": ["vlmnotes", "markdown"]},
            }
        )
    index = {code: i for i, code in enumerate(used)}
    results = []
    for f in findings:
        results.append(
            {
                "ruleId": f.code,
                "ruleIndex": index[f.code],
                "level": _SARIF_LEVEL[f.severity],
                "message": {"text": f.message},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": quote(_uri(f.path, root)), "uriBaseId": "%SRCROOT%"},
                            "region": {
                                "startLine": f.line,
                                "startColumn": f.column,
                                "endLine": f.end_line,
                                "endColumn": f.end_column,
                            },
                        }
                    }
                ],
                "partialFingerprints": {"primaryLocationLineHash": f"{f.code}:{f.path}:{f.line}"},
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
                        "informationUri": "https://github.com/vlmnotes/vlmnotes",
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


def _uri(path: str, root: Path) -> str:
    p = Path(path)
    try:
        return (p.resolve().relative_to(root.resolve())).as_posix()
    except ValueError:
        return p.as_posix()


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
