"""Lint note files: run the registered rules, honour configuration and suppression comments, apply fixes."""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vlmnotes.errors import NoteReadError, UsageError
from vlmnotes.kb import read_toml
from vlmnotes.lint import rules as _rules  # noqa: F401  (registers the rules)
from vlmnotes.lint.document import LintDocument
from vlmnotes.lint.registry import RULES, SEVERITIES, Edit, Finding, Selection, Severity

DEFAULT_EXTENSIONS = (".md", ".markdown", ".txt")


@dataclass
class LintResult:
    """Findings sorted by file and place, the files read, and the files that could not be read."""

    findings: list[Finding] = field(default_factory=list)
    files: int = 0
    errors: list[str] = field(default_factory=list)
    fixed: dict[str, int] = field(default_factory=dict)  # path → findings fixed
    diffs: list[str] = field(default_factory=list)


def lint_files(paths: list[Path], extensions: tuple[str, ...] = DEFAULT_EXTENSIONS) -> list[Path]:
    """The note files named by paths (folders are searched recursively), sorted."""
    out: list[Path] = []
    for path in paths:
        if path.is_file():
            out.append(path)
        elif path.is_dir():
            for folder, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                out += [Path(folder) / f for f in sorted(files) if f.lower().endswith(extensions)]
        else:
            raise UsageError(f"{path}: no such file or folder")
    return out


def _load(path: Path) -> LintDocument:
    from vlmnotes.parse import read_note_text
    from vlmnotes.vocab import load_vocabulary

    shown = _display(path)
    note = read_note_text(path, shown)
    vocab_file = next(
        (p / "vlmnotes-vocab.yaml" for p in path.resolve().parents if (p / "vlmnotes-vocab.yaml").is_file()), None
    )
    doc = LintDocument(shown, note.text, load_vocabulary(vocab_file))
    doc.note = note
    doc.arxiv = _fetched_near(path)
    return doc


def _fetched_near(path: Path) -> dict[str, Any]:
    """What `vlmnotes enrich` fetched for the knowledge base beside these notes ($VLMNOTES_KB, else the
    nearest kb/ at or above the note), or nothing."""
    from vlmnotes.enrich import ARXIV_FILE, EnrichError, load_fetched

    env = os.environ.get("VLMNOTES_KB")
    folders = [Path(env)] if env else [p / "kb" for p in path.resolve().parents]
    for kb in folders:
        if (kb / ARXIV_FILE).is_file():
            return _load_fetched_cached(kb, load_fetched, EnrichError)
    return {}


_FETCHED: dict[Path, dict[str, Any]] = {}


def _load_fetched_cached(kb: Path, load: Any, error: type[Exception]) -> dict[str, Any]:
    if kb not in _FETCHED:
        try:
            _FETCHED[kb] = load(kb)
        except error:
            _FETCHED[kb] = {}
    return _FETCHED[kb]


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def check(doc: LintDocument, selection: Selection) -> list[Finding]:
    """Every finding of the selected per-file rules in one document, suppressions applied."""
    out: list[Finding] = []
    for code in sorted(RULES):
        rule = RULES[code]
        if code == "VN001" or rule.scope != "file" or not selection.enabled(code, doc.path):
            continue
        for finding in rule.check(doc):
            if code != "VN001" and doc.suppressed(code, finding.line):
                continue
            finding.path = finding.path or doc.path
            finding.severity = selection.severity(code)
            finding.slug = rule.slug
            out.append(finding)
    return out


def run(paths: list[Path], selection: Selection, *, fix: bool = False, unsafe: bool = False, diff: bool = False,
        extensions: tuple[str, ...] = DEFAULT_EXTENSIONS) -> LintResult:  # fmt: skip
    """Lint the files under paths; with fix or diff, apply (or show) the fixes as well."""
    from vlmnotes.lint.rules import duplicate_across_files

    result = LintResult()
    docs: list[LintDocument] = []
    for path in lint_files(paths, extensions):
        try:
            docs.append(_load(path))
        except NoteReadError as exc:
            result.errors.append(str(exc))
        except RecursionError:
            result.errors.append(f"{_display(path)}: nested too deeply to lint")
    result.files = len(docs)
    by_path = {d.path: d for d in docs}
    for doc in docs:
        result.findings += check(doc, selection)
    if selection.enabled("VN106"):
        for finding in duplicate_across_files(docs):
            doc = by_path[finding.path]
            if selection.enabled("VN106", doc.path) and not doc.suppressed("VN106", finding.line):
                finding.slug = RULES["VN106"].slug
                finding.severity = selection.configured("VN106") or finding.severity
                result.findings.append(finding)
    for doc in docs:  # unused suppressions are known only once every other rule has run
        if selection.enabled("VN001", doc.path):
            for finding in RULES["VN001"].check(doc):
                finding.path, finding.slug = doc.path, RULES["VN001"].slug
                finding.severity = selection.severity("VN001")
                result.findings.append(finding)
    if fix or diff:
        _apply(result, by_path, unsafe=unsafe, write=fix, diff=diff)
        if result.fixed:
            # Report what is left as a fresh run would: positions and messages on the fixed text.
            again = run(paths, selection, extensions=extensions)
            again.fixed, again.diffs = result.fixed, result.diffs
            again.errors = list(dict.fromkeys(result.errors + again.errors))
            return again
    result.findings.sort(key=lambda f: (f.path, f.line, f.column, f.code))
    return result


def _fixable(finding: Finding, unsafe: bool) -> bool:
    return finding.fix is not None and (finding.fix.safe or unsafe)


def apply_edits(lines: list[str], edits: list[Edit]) -> tuple[list[str], set[int]]:
    """Lines with edits applied, and the indexes of the edits applied; an edit overlapping one already
    applied is skipped (its finding stays, for the next run)."""
    out = list(lines)
    taken: dict[int, list[tuple[int, int]]] = {}
    deleted: set[int] = set()
    applied: set[int] = set()
    order = sorted(range(len(edits)), key=lambda k: (edits[k].line, edits[k].start), reverse=True)
    for k in order:
        edit = edits[k]
        if edit.line in deleted or not 0 < edit.line <= len(out):
            continue
        if edit.delete_line:
            if taken.get(edit.line):
                continue
            deleted.add(edit.line)
            applied.add(k)
            continue
        end = len(out[edit.line - 1]) if edit.end is None else edit.end
        if any((s < end and edit.start < e) or (s == e == edit.start == end) for s, e in taken.get(edit.line, [])):
            continue
        taken.setdefault(edit.line, []).append((edit.start, end))
        line = out[edit.line - 1]
        out[edit.line - 1] = line[: edit.start] + edit.text + line[end:]
        applied.add(k)
    return [line for i, line in enumerate(out, 1) if i not in deleted], applied


def _apply(result: LintResult, docs: dict[str, LintDocument], *, unsafe: bool, write: bool, diff: bool) -> None:
    from vlmnotes.parse.markdown import parse_document

    by_file: dict[str, list[Finding]] = {}
    for finding in result.findings:
        if _fixable(finding, unsafe):
            by_file.setdefault(finding.path, []).append(finding)
    fixed_ids: set[int] = set()
    for path, findings in by_file.items():
        doc = docs[path]
        owners = [(f, e) for f in findings for e in (f.fix.edits if f.fix else ())]
        new_lines, applied = apply_edits(doc.lines, [e for _, e in owners])
        skipped = {id(f) for k, (f, _) in enumerate(owners) if k not in applied}
        findings = [f for f in findings if id(f) not in skipped]
        new_text = "\n".join(new_lines)
        if new_text == doc.text:
            continue
        try:
            parse_document(path, new_text)  # a fix must leave a file that still parses
        except Exception:
            result.errors.append(f"{path}: fixes left a file that does not parse; left untouched")
            continue
        if diff:
            result.diffs.append(
                "".join(
                    difflib.unified_diff(
                        [line + "\n" for line in doc.lines],
                        [line + "\n" for line in new_lines],
                        fromfile=f"a/{path}",
                        tofile=f"b/{path}",
                    )
                )
            )
        if write:
            from vlmnotes.add import write_note

            try:
                # Written back in the file's own encoding and line ends (untouched lines keep their bytes), mode
                # and symlink kept.
                write_note(Path(path), doc.note.encode(new_text) if doc.note else new_text.encode("utf-8"))
            except OSError as exc:
                result.errors.append(f"{path}: cannot write fixes ({exc.strerror})")
                continue
            result.fixed[path] = len(findings)
            fixed_ids.update(id(f) for f in findings)
    if write:
        result.findings = [f for f in result.findings if id(f) not in fixed_ids]


# --- configuration ------------------------------------------------------------------------------------------


def find_config(start: Path) -> tuple[Path, dict[str, Any]] | None:
    """The lint table of the nearest .vlmnotes.toml ([lint]) or pyproject.toml ([tool.vlmnotes.lint])."""
    folder = start.resolve() if start.is_dir() else start.resolve().parent
    for here in [folder, *folder.parents]:
        local = here / ".vlmnotes.toml"
        if local.is_file():
            data = read_toml(local)
            return local, data.get("lint", data)
        project = here / "pyproject.toml"
        if project.is_file():
            table = read_toml(project).get("tool", {}).get("vlmnotes", {}).get("lint")
            if table is not None:
                return project, table
    return None


_KEYS = {"select", "ignore", "extend-select", "per-file-ignores", "severity", "severities"}


def selection_from(config: dict[str, Any] | None, where: str = "") -> Selection:
    """A Selection from a configuration table, checking codes and severities."""
    sel = Selection()
    if not config:
        return sel
    if where:
        sel.root = os.path.dirname(os.path.abspath(where))
    unknown = set(config) - _KEYS
    if unknown:
        raise UsageError(f"{where}: unknown lint setting '{sorted(unknown)[0]}' (settings: {', '.join(sorted(_KEYS))})")
    sel.select = _codes(config.get("select", ["VN"]), where)
    sel.ignore = _codes(config.get("ignore", []), where)
    sel.extend_select = _codes(config.get("extend-select", []), where)
    sel.per_file_ignores = {str(k): _codes(v, where) for k, v in (config.get("per-file-ignores") or {}).items()}
    for code, severity in (config.get("severity") or config.get("severities") or {}).items():
        if severity not in SEVERITIES:
            raise UsageError(f"{where}: severity of {code} must be error, warning or info, not '{severity}'")
        sel.severities[_codes([code], where)[0]] = severity
    return sel


def _codes(values: Any, where: str) -> list[str]:
    if isinstance(values, str):
        values = [v for v in values.replace(",", " ").split() if v]
    out = []
    for value in values:
        code = str(value).strip().upper()
        if code == "ALL":
            out.append("VN")
            continue
        if not code.startswith("VN") or not any(c.startswith(code) for c in RULES):
            hint = f" in {where}" if where else ""
            raise UsageError(f"unknown rule code '{value}'{hint}; `vlmnotes lint --list` shows the codes")
        out.append(code)
    return out


def severity_at_least(severity: Severity, threshold: Severity) -> bool:
    """True when severity is as serious as threshold (error > warning > info)."""
    return SEVERITIES.index(severity) <= SEVERITIES.index(threshold)
