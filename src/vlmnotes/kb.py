"""The knowledge base as a whole: where the notes are, which files are notes, and whether kb/ is current.

Data flows one way: notes → parse → merge → store → index (see vlmnotes.build for the stages). The build's
derived state (parse cache, merge cache, what it wrote, the search index) lives in one SQLite database in
kb/ (vlmnotes.state); the YAML records are the source of truth.

Whether kb/ is current is told from stamps (time and size) kept in that database, without loading the parser:
a search asks about the notes only (is_current); a build also about every record file (unchanged), and
does nothing more when none changed.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path
from typing import Any, NamedTuple

from vlmnotes import __version__
from vlmnotes.errors import UsageError

DEFAULT_EXTENSIONS = (".md", ".markdown", ".txt")
USER_VOCAB_NAME = "vlmnotes-vocab.yaml"
USER_CATALOGUE_NAME = "vlmnotes-papers.tsv"


def _parser_signature() -> str:
    """The version plus the size and time of the parser's own files: a changed parser re-parses every note."""
    here = Path(__file__).parent
    parts = [__version__]
    for path in sorted([*(here / "parse").glob("*.py"), *(here / "vocab").glob("*.*")]):
        st = path.stat()
        parts.append(f"{path.name}:{st.st_size}:{st.st_mtime_ns}")
    return "|".join(parts)


_CACHE_VERSION = _parser_signature()


class Config(NamedTuple):
    """Where the notes and the knowledge base are, and which files count as notes."""

    notes: tuple[Path, ...]
    kb: Path
    extensions: tuple[str, ...] = DEFAULT_EXTENSIONS

    def _beside_notes(self, name: str) -> Path | None:
        for path in self.notes:
            folder = path if path.is_dir() else path.parent
            if (folder / name).is_file():
                return folder / name
        return None

    @property
    def vocab_file(self) -> Path | None:
        """The user's vocabulary file in the (first) notes folder, or beside a note given alone, if there is one."""
        return self._beside_notes(USER_VOCAB_NAME)

    @property
    def catalogue_file(self) -> Path | None:
        """The user's known-paper table (`vlmnotes-papers.tsv`) beside the notes, if there is one."""
        return self._beside_notes(USER_CATALOGUE_NAME)


def read_toml(path: Path) -> dict[str, Any]:
    """A TOML file as data. Raises UsageError naming the file when it is not valid TOML or cannot be read."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]
    try:
        with path.open("rb") as fh:
            data: dict[str, Any] = tomllib.load(fh)
            return data
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"{path}: not valid TOML ({exc}); fix it") from exc


def settings(start: Path, section: str) -> tuple[Path, dict[str, Any]] | None:
    """The `[section]` table of the nearest `.vlmnotes.toml`, or `[tool.vlmnotes.<section>]` of the nearest
    `pyproject.toml` that has one, looking from `start` up; None when neither has it.

    Raises UsageError when a file on the way is not valid TOML."""
    folder = start.resolve() if start.is_dir() else start.resolve().parent
    for here in [folder, *folder.parents]:
        local = here / ".vlmnotes.toml"
        if local.is_file():
            table = read_toml(local).get(section)
            if isinstance(table, dict):
                return local, table
        project = here / "pyproject.toml"
        if project.is_file():
            table = read_toml(project).get("tool", {}).get("vlmnotes", {}).get(section)
            if isinstance(table, dict):
                return project, table
    return None


def find_notes_dir(start: Path) -> Path | None:
    """The nearest `notes/` folder at or above `start`."""
    for folder in [start, *start.parents]:
        if (folder / "notes").is_dir():
            return folder / "notes"
    return None


class NoteFile(NamedTuple):
    """A note to read: its path, the name sources show, and its time and size when listed."""

    path: Path
    name: str
    mtime_ns: int
    size: int


class NoteList(NamedTuple):
    """The notes found under --notes, and one line for each file that looks like a note but cannot be one."""

    notes: list[NoteFile]
    warnings: list[str]


def shown_name(name: str) -> str:
    """A file name as text: bytes that are not UTF-8 (kept by Python as surrogates) shown as U+FFFD."""
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _note(path: Path, name: str, warnings: list[str]) -> NoteFile | None:
    """The note at path, or None (with a warning) when it is not a regular file or its name is not UTF-8."""
    shown = shown_name(name)
    try:
        st = path.stat()  # follows symlinks: a link to a note is a note; a link to /dev/zero is not
    except OSError as exc:
        warnings.append(f"{shown}: cannot read ({exc.strerror or exc}); skipped")
        return None
    if not stat.S_ISREG(st.st_mode):
        warnings.append(f"{shown}: {_kind(st.st_mode)}, not a note file; skipped")
        return None
    if shown != name:
        warnings.append(f"{shown}: the file name is not UTF-8 (shown with �); rename it, e.g. convmv -f latin1 -t utf8")
    return NoteFile(path, shown, st.st_mtime_ns, st.st_size)


def list_notes(config: Config) -> NoteList:
    """Every note file under --notes, sorted by folder then name; names are relative to their notes folder.

    Raises UsageError when a given path does not exist."""
    out: list[NoteFile] = []
    warnings: list[str] = []
    kb = config.kb.resolve()
    for root in config.notes:
        if not root.is_dir():
            if not os.path.lexists(root):
                raise UsageError(f"{root}: no such notes folder or file; pass --notes PATH or set VLMNOTES_NOTES")
            note = _note(root, root.name, warnings)
            if note is not None:
                out.append(note)
            continue
        for folder, dirs, files in os.walk(root):
            here = Path(folder)
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") and (here / d).resolve() != kb)
            for name in sorted(files):
                if name.lower().endswith(config.extensions) and not name.startswith("."):
                    path = here / name
                    note = _note(path, path.relative_to(root).as_posix(), warnings)
                    if note is not None:
                        out.append(note)
    return NoteList(out, warnings)


def note_key(kb: Path, path: Path) -> bytes:
    """How the state database names a note: its path relative to kb/ (so that moving the project together
    with its kb/ keeps the names), as file-system bytes."""
    return os.fsencode(os.path.relpath(os.path.abspath(path), os.path.abspath(kb)))


def key_path(kb: Path, key: bytes) -> Path:
    """The path of a note from its note_key."""
    return Path(os.path.abspath(kb)) / os.fsdecode(key)


def vocab_signature(config: Config) -> str:
    """What the parse cache depends on besides the notes: the parser and the user's vocabulary files."""
    parts: list[object] = [_CACHE_VERSION]
    for path in (config.vocab_file, config.catalogue_file):
        try:
            st = path.stat() if path else None
        except OSError:
            st = None
        parts.append([str(path), st.st_mtime_ns, st.st_size] if st else None)
    return json.dumps(parts)


def is_current(config: Config) -> bool:
    """True when no note under --notes, nor the vocabulary, changed since the last build, no note it was built
    from has gone, and no build was interrupted. Reads the state database only; False when there is none."""
    import sqlite3

    from vlmnotes.state import STATE_SCHEMA, connect, db_path

    path = db_path(config.kb)
    if not path.exists() or not (config.kb / "papers").is_dir():
        return False
    notes = list_notes(config).notes
    try:
        con = connect(path, readonly=True)
        try:
            meta = dict(con.execute("SELECT key, value FROM meta WHERE key IN ('vocab', 'state_schema')"))
            known = {key: (mtime, size) for key, mtime, size in con.execute("SELECT path, mtime_ns, size FROM notes")}
            pending = con.execute("SELECT count(*) FROM pending").fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error:
        return False
    if pending or meta.get("state_schema") != STATE_SCHEMA or meta.get("vocab") != vocab_signature(config):
        return False
    for note in notes:
        if known.pop(note_key(config.kb, note.path), None) != (note.mtime_ns, note.size):
            return False
    return all(key_path(config.kb, key).is_file() for key in known)


# The files in kb/ that a build reads besides the records: what `enrich` fetched from arXiv and the title
# searches it made (vlmnotes.enrich.ARXIV_FILE, vlmnotes.resolve.RESOLVED_FILE; a test keeps them in step).
BUILD_INPUTS = ("arxiv.jsonl", "resolved.json")


def build_inputs(kb: Path) -> str:
    """The stamps (time and size) of the files in kb/ that a build reads besides the notes and the records."""
    parts: list[object] = []
    for name in BUILD_INPUTS:
        try:
            st = (kb / name).stat()
            parts.append([name, st.st_mtime_ns, st.st_size])
        except OSError:
            parts.append([name, None])
    return json.dumps(parts)


class BuildReport:
    """What a build did (or, with --check, would do). A plain class, not a dataclass: `dataclasses` imports
    `inspect`, 10-20 ms of a build with nothing to do."""

    def __init__(
        self,
        *,
        papers: int = 0,
        skipped: list[str] | None = None,
        warnings: list[str] | None = None,
        gone: list[str] | None = None,
        pruned: list[str] | None = None,
        reparsed: int = 0,
        notes: int = 0,
    ) -> None:
        self.papers = papers
        self.created: list[str] = []
        self.changed: list[str] = []
        self.deleted: list[str] = []
        self.kept: list[str] = []
        self.skipped = skipped if skipped is not None else []  # one line per note that could not be read
        self.errors: list[str] = []  # one line per record file that could not be read
        self.warnings = warnings if warnings is not None else []  # read anyway, but the user should know
        self.gone = gone if gone is not None else []  # notes built from before, now deleted from disk
        self.pruned = pruned if pruned is not None else []  # notes built from before, dropped by --prune
        self.reparsed = reparsed
        self.notes = notes

    @property
    def changes(self) -> int:
        """How many record files were (or would be) created, changed or deleted."""
        return len(self.created) + len(self.changed) + len(self.deleted)


def unchanged(config: Config, listed: NoteList, *, prune: bool = False) -> BuildReport | None:
    """The report of a build that would change nothing, when nothing a build reads changed since the last one:
    the notes (listed, and those built from before), the vocabulary and the parser, kb/arxiv.jsonl and
    kb/resolved.json, and every record file (each one's time and size against what the build wrote, so that
    a hand edit, in place or not, is read by the build). None when anything did, or the last build was
    interrupted, read a note it could not, or left files it did not write: the build proper runs then.

    Reads stamps only, never a note or a record: a build with nothing to do loads no parser and no YAML."""
    import sqlite3

    from vlmnotes.state import LEGACY_CACHE, LEGACY_FILES, LEGACY_STATE, connect, db_path

    kb = config.kb
    path = db_path(kb)
    if (
        not listed.notes
        or not path.is_file()
        or any(os.path.lexists(kb / n) for n in (*LEGACY_FILES, LEGACY_STATE, LEGACY_CACHE))
    ):
        return None
    try:
        con = connect(path, readonly=True)
        try:
            con.execute("BEGIN")  # one snapshot of the state
            meta = dict(con.execute("SELECT key, value FROM meta"))
            pending = con.execute("SELECT count(*) FROM pending").fetchone()[0]
            known = {
                bytes(k): (name, m, s) for k, name, m, s in con.execute("SELECT path, name, mtime_ns, size FROM notes")
            }
            if _changed(config, listed, meta, pending, known, prune):
                return None  # before reading a row a record: the usual answer once a note is edited
            written = {f: (m, s) for f, m, s in con.execute("SELECT file, mtime_ns, size FROM records")}
        finally:
            con.close()
    except sqlite3.Error:
        return None
    if _record_stamps(kb / "papers") != written:
        return None
    last = json.loads(meta["report"])
    return BuildReport(papers=last["papers"], warnings=[*listed.warnings, *last["warnings"]], notes=len(known))


def _changed(
    config: Config,
    listed: NoteList,
    meta: dict[str, str],
    pending: int,
    known: dict[bytes, tuple[str, int, int]],
    prune: bool,
) -> bool:
    """Whether anything but the record files changed since the last build (see unchanged)."""
    from vlmnotes.state import STATE_SCHEMA

    kb = config.kb
    if (
        pending
        or "report" not in meta
        or meta.get("state_schema") != STATE_SCHEMA
        or meta.get("vocab") != vocab_signature(config)
        or meta.get("index_vocab") != meta.get("vocab")
        or meta.get("inputs") != build_inputs(kb)
    ):
        return True
    asked = set()
    for note in listed.notes:
        key = note_key(kb, note.path)
        name, mtime, size = known.get(key, ("", None, None))
        if (mtime, size) != (note.mtime_ns, note.size) or (name != note.name and not name.endswith("/" + note.name)):
            return True
        asked.add(key)
    others = [key for key in known if key not in asked]
    if others and prune:
        return True
    for key in others:
        try:
            st = key_path(kb, key).stat()
        except OSError:
            return True
        if not stat.S_ISREG(st.st_mode) or (st.st_mtime_ns, st.st_size) != known[key][1:]:
            return True
    return False


def _record_stamps(papers: Path) -> dict[str, tuple[int, int]] | None:
    """Time and size of every record file; None when there is no papers folder or a killed build left a
    temporary file in it (the build clears it)."""
    out = {}
    try:
        with os.scandir(papers) as entries:
            for entry in entries:
                if entry.name.startswith(".") and entry.name.endswith(".tmp") and ".yaml." in entry.name:
                    return None
                if entry.name.endswith(".yaml") and entry.is_file():
                    st = entry.stat()
                    out[entry.name] = (st.st_mtime_ns, st.st_size)
    except OSError:
        return None
    return out


def build(config: Config, *, check: bool = False, prune: bool = False, wait: float | None = None) -> BuildReport:
    """Bring kb/ up to date with the notes (see vlmnotes.build); with check, only report; `wait` bounds the
    seconds spent waiting for another command writing kb/.

    When nothing changed (see unchanged), the build ends there; the search index is brought up to date first
    when its stamp says the record files may have moved on."""
    from vlmnotes.state import db_path, kb_lock

    listed = list_notes(config)
    if listed.notes and db_path(config.kb).is_file():
        if check:
            report = unchanged(config, listed, prune=prune)
            if report is not None:
                return report
        else:
            with kb_lock(config.kb, wait=wait):
                report = unchanged(config, listed, prune=prune)
                if report is not None:
                    _refresh_index(config.kb)
                    return report
    from vlmnotes.build import run_build

    return run_build(config, listed, check=check, prune=prune, wait=wait)


def _refresh_index(kb: Path) -> None:
    from vlmnotes.index import Index

    index = Index(kb)
    try:
        index.refresh()
    finally:
        index.close()
