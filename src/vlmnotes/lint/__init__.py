"""Lint note files: run the registered rules, honour configuration and suppression comments, apply fixes."""

from __future__ import annotations

import difflib
import gc
import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vlmnotes.errors import NoteReadError, UsageError
from vlmnotes.kb import read_toml
from vlmnotes.lint import rules as _rules  # noqa: F401  (registers the rules)
from vlmnotes.lint.document import LintDocument
from vlmnotes.lint.registry import RULES, SEVERITIES, Edit, Finding, Selection, Severity

if TYPE_CHECKING:
    from vlmnotes.vocab import Vocabulary

DEFAULT_EXTENSIONS = (".md", ".markdown", ".txt")


MAX_FIX_ROUNDS = 10  # --fix lints and fixes again until nothing changes, at most this often


@dataclass
class LintResult:
    """Findings sorted by file and place, the files read, and the files that could not be read; with --fix, what
    was fixed in each file (codes counted) and in how many rounds; the lines the findings point into."""

    findings: list[Finding] = field(default_factory=list)
    files: int = 0
    errors: list[str] = field(default_factory=list)
    fixed: dict[str, Counter[str]] = field(default_factory=dict)  # path → codes of the findings fixed
    rounds: int = 0  # rounds of fixes that changed a file
    diffs: list[str] = field(default_factory=list)
    sources: dict[str, list[str]] = field(default_factory=dict)  # path → lines the findings count columns in


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

    shown = _display(path)
    note = read_note_text(path, shown)
    doc = LintDocument(shown, note.text, _vocabulary_near(path))
    doc.note = note
    doc.arxiv = _fetched_near(path)
    return doc


def _vocabulary_near(path: Path) -> Vocabulary:
    """The vocabulary, with the nearest vlmnotes-vocab.yaml at or above the note."""
    from vlmnotes.vocab import load_vocabulary

    vocab_file = next(
        (p / "vlmnotes-vocab.yaml" for p in path.resolve().parents if (p / "vlmnotes-vocab.yaml").is_file()), None
    )
    return load_vocabulary(vocab_file)


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
    """Lint the files under paths. With fix (or diff), fix what is fixable, lint the fixed text again and fix
    again, until nothing more changes (at most MAX_FIX_ROUNDS rounds); then write the files (or show the diffs).
    The findings are those of the text on disk at the end: after the fixes written, or as it was with diff."""
    # Linting makes millions of small objects and frees few before it returns: the cyclic garbage collector's
    # passes over them cost a third of a 10k lint, for nothing (as in vlmnotes.build.run_build).
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _run(paths, selection, fix=fix, unsafe=unsafe, diff=diff, extensions=extensions)
    finally:
        if enabled:
            gc.enable()


def _run(paths: list[Path], selection: Selection, *, fix: bool, unsafe: bool, diff: bool,
         extensions: tuple[str, ...]) -> LintResult:  # fmt: skip
    result = LintResult()
    unique: dict[str, Path] = {}
    for path in lint_files(paths, extensions):
        unique.setdefault(_display(path), path)  # a file named twice (`lint notes notes/a.md`) is linted once
    docs: list[LintDocument] = []
    per_file: dict[str, list[Finding]] = {}
    # Fixing needs every document whole in this process; otherwise large runs are linted by a pool of workers.
    for doc, found, error in _lint_each(list(unique.values()), selection, parallel=not (fix or diff)):
        if error:
            result.errors.append(error)
        elif doc is not None:
            docs.append(doc)
            per_file[doc.path] = found
    result.files = len(docs)
    # Fix rounds lint again only the files that changed; the suppression comments of the others must then be as
    # their own rules left them before the cross-file rules and VN001 look at them again.
    used = {doc.path: [s.used for s in doc.suppressions] for doc in docs} if fix or diff else {}
    findings = _whole(docs, per_file, selection)
    final = docs
    if (fix or diff) and any(_fixable(f, unsafe) for f in findings):
        fixed, after = _fix_rounds(result, docs, per_file, used, findings, selection, unsafe)
        changed = [(old, new) for old, new in zip(docs, fixed, strict=True) if new is not old]
        if diff:  # nothing is written: the findings stay those of the files as they are
            result.diffs = [_diff(old, new) for old, new in changed]
        else:
            failed = {new.path for _, new in changed if not _write(result, new)}
            findings = [f for f in after if f.path not in failed] + [f for f in findings if f.path in failed]
            final = [old if old.path in failed else new for old, new in zip(docs, fixed, strict=True)]
            for name in failed:
                del result.fixed[name]
    findings.sort(key=lambda f: (f.path, f.line, f.column, f.code))
    result.findings = findings
    flagged = {f.path for f in findings}
    result.sources = {doc.path: doc.lines for doc in final if doc.path in flagged}
    return result


PARALLEL_BYTES = 128 * 1024  # below this much text, starting worker processes costs more than it saves


def _lint_each(paths: list[Path], selection: Selection, *, parallel: bool) -> Iterator[_Linted]:
    """Each file read and checked by its own rules, in the order of paths: (document, findings, None), or
    (None, [], the error) for a file that cannot be read. With parallel, a run of more than PARALLEL_BYTES goes
    to a process a core; the documents come back without their tokens (see LintDocument.__getstate__)."""
    workers = min(_cores(), len(paths))
    if not parallel or workers < 2 or sum(_size(p) for p in paths) < PARALLEL_BYTES:
        yield from (_lint_one(path, selection) for path in paths)
        return
    from concurrent.futures import ProcessPoolExecutor

    from vlmnotes.catalogue import load_catalogue

    # Read once here what every file needs: workers forked from this process start with it.
    _vocabulary_near(paths[0])
    load_catalogue()
    import multiprocessing

    # Forked, so that workers start with what was read above (Python 3.14 on Linux defaults to forkserver);
    # where there is no fork (Windows, or macOS's default spawn) workers read it again, which is only slower.
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    try:
        pool = ProcessPoolExecutor(workers, context, initializer=gc.disable)
    except (OSError, NotImplementedError):  # no process pools here (no /dev/shm): one process does it all
        yield from (_lint_one(path, selection) for path in paths)
        return
    with pool:
        yield from pool.map(_lint_one, paths, [selection] * len(paths))


_Linted = tuple[LintDocument | None, list[Finding], str | None]


def _lint_one(path: Path, selection: Selection) -> _Linted:
    try:
        doc = _load(path)
    except NoteReadError as exc:
        return None, [], str(exc)
    except RecursionError:
        return None, [], f"{_display(path)}: nested too deeply to lint"
    return doc, check(doc, selection), None


def _cores() -> int:
    affinity = getattr(os, "sched_getaffinity", None)
    return len(affinity(0)) if affinity else os.cpu_count() or 1


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _whole(docs: list[LintDocument], per_file: dict[str, list[Finding]], selection: Selection,
           used: dict[str, list[bool]] | None = None) -> list[Finding]:  # fmt: skip
    """The findings of every file: its own rules' (per_file), then VN106 across files and VN001 (which needs to
    know which suppression comments every other rule used). `used`: the suppression flags to start from."""
    from vlmnotes.lint.rules import duplicate_across_files

    if used:
        for doc in docs:
            for comment, was_used in zip(doc.suppressions, used[doc.path], strict=True):
                comment.used = was_used
    out = [f for doc in docs for f in per_file[doc.path]]
    by_path = {d.path: d for d in docs}
    if selection.enabled("VN106"):
        for finding in duplicate_across_files(docs):
            doc = by_path[finding.path]
            if selection.enabled("VN106", doc.path) and not doc.suppressed("VN106", finding.line):
                finding.slug = RULES["VN106"].slug
                finding.severity = selection.configured("VN106") or finding.severity
                out.append(finding)
    for doc in docs:  # unused suppressions are known only once every other rule has run
        if selection.enabled("VN001", doc.path):
            for finding in RULES["VN001"].check(doc):
                finding.path, finding.slug = doc.path, RULES["VN001"].slug
                finding.severity = selection.severity("VN001")
                out.append(finding)
    return out


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


def _fix_rounds(result: LintResult, docs: list[LintDocument], per_file: dict[str, list[Finding]],
                used: dict[str, list[bool]], findings: list[Finding], selection: Selection,
                unsafe: bool) -> tuple[list[LintDocument], list[Finding]]:  # fmt: skip
    """Fix, lint the fixed text, fix again, until a round changes nothing (or MAX_FIX_ROUNDS): the documents as
    fixed (in memory; the unchanged ones are the same objects) and their findings. Counts what it fixed."""
    from vlmnotes.parse.markdown import parse_document

    current = {doc.path: doc for doc in docs}
    stuck: set[str] = set()  # files whose fixes would break them: left as they are
    for _ in range(MAX_FIX_ROUNDS):
        by_file: dict[str, list[Finding]] = {}
        for finding in findings:
            if _fixable(finding, unsafe) and finding.path not in stuck:
                by_file.setdefault(finding.path, []).append(finding)
        changed: list[LintDocument] = []
        for path, fixable in by_file.items():
            doc = current[path]
            owners = [(f, e) for f in fixable for e in (f.fix.edits if f.fix else ())]
            new_lines, applied = apply_edits(doc.lines, [e for _, e in owners])
            skipped = {id(f) for k, (f, _) in enumerate(owners) if k not in applied}
            new_text = "\n".join(new_lines)
            if new_text == doc.text:
                continue
            try:
                parse_document(path, new_text)  # a fix must leave a file that still parses
            except Exception:
                result.errors.append(f"{path}: fixes would leave a file that does not parse; not applied")
                stuck.add(path)
                continue
            new = LintDocument(path, new_text, doc.vocab)
            new.note, new.arxiv = doc.note, doc.arxiv
            current[path] = new
            result.fixed.setdefault(path, Counter()).update(f.code for f in fixable if id(f) not in skipped)
            changed.append(new)
        if not changed:
            break
        result.rounds += 1
        for doc in changed:
            per_file[doc.path] = check(doc, selection)
            used[doc.path] = [s.used for s in doc.suppressions]
        findings = _whole(list(current.values()), per_file, selection, used)
    return list(current.values()), findings


def _diff(old: LintDocument, new: LintDocument) -> str:
    return "".join(
        difflib.unified_diff(
            [line + "\n" for line in old.lines],
            [line + "\n" for line in new.lines],
            fromfile=f"a/{old.path}",
            tofile=f"b/{old.path}",
        )
    )


def _write(result: LintResult, doc: LintDocument) -> bool:
    """Write a fixed note back in its own encoding and line ends (untouched lines keep their bytes), mode and
    symlink kept; False (and an error said) when it cannot be written."""
    from vlmnotes.add import write_note

    try:
        write_note(Path(doc.path), doc.note.encode(doc.text) if doc.note else doc.text.encode("utf-8"))
    except OSError as exc:
        result.errors.append(f"{doc.path}: cannot write fixes ({exc.strerror})")
        return False
    return True


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
