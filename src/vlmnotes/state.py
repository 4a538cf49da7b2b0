"""The build's derived state: one SQLite database in kb/ (git-ignored), shared with the search index.

Everything here can be rebuilt from the YAML records and the notes; a missing or damaged database is
rebuilt silently (see `reconcile` in vlmnotes.build for what a build does without it). Tables:

- `meta(key, value)`: the parser and vocabulary signatures the parse cache was made with.
- `notes(path, name, mtime_ns, size, candidates)`: every note the knowledge base was built from (`path` is
  the note's file-system path relative to kb/, as bytes; `name` is how sources show it) with its
  candidates as JSON: a build re-parses only the notes whose time or size changed.
- `groups(group_id, paper_key, relations, generated)`: the merge cache (see vlmnotes.build._GroupCache).
- `records(file, id, mtime_ns, size, file_hash, generated, fields, pinned)`: what the build last wrote to
  each record file: its stamps, the hash of its text, of the generated record, and of each field's value,
  by which a later build tells a hand edit from its own output.
- `pending(file, row)`: a journal. Before a build writes record files it lists them here with the rows
  they will have; once they are in place one transaction moves the rows into `records` and empties the
  journal. A build killed in between finds the journal: a file whose text is the one the journal names
  was written by that build, not edited by hand.

A build holds `kb/.lock` (an OS file lock, released when the process ends however it ends), so two
builds, or a build and `lint --fix` / `add`, never interleave.
"""

from __future__ import annotations

import functools
import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

from vlmnotes.errors import VlmnotesError

DB_FILE = ".vlmnotes.sqlite"
LOCK_FILE = ".lock"
STATE_SCHEMA = "1"
# Files of earlier versions, replaced by the database; a build removes them once it has read them.
LEGACY_FILES = (".index.sqlite", ".index.sqlite-wal", ".index.sqlite-shm")
LEGACY_STATE = ".generated.json"
LEGACY_CACHE = ".cache"

_TABLES = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS notes(
    path BLOB PRIMARY KEY, name TEXT NOT NULL, mtime_ns INTEGER NOT NULL, size INTEGER NOT NULL,
    candidates TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS groups(
    group_id TEXT PRIMARY KEY, paper_key TEXT NOT NULL, relations TEXT NOT NULL, generated TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS records(
    file TEXT PRIMARY KEY, id TEXT NOT NULL, mtime_ns INTEGER NOT NULL, size INTEGER NOT NULL,
    file_hash TEXT NOT NULL, generated TEXT NOT NULL, fields TEXT NOT NULL, pinned INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS pending(file TEXT PRIMARY KEY, row TEXT NOT NULL);
"""
_STATE_TABLES = ("notes", "groups", "records", "pending")


def db_path(kb: Path) -> Path:
    """The derived-state database of a knowledge base."""
    return kb / DB_FILE


def connect(path: Path, *, readonly: bool = False) -> sqlite3.Connection:
    """A connection in WAL mode that waits for a writer instead of failing at once.

    Raises sqlite3.Error when the file cannot be opened (or, read-only, does not exist)."""
    if readonly:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=10)
    else:
        con = sqlite3.connect(path, timeout=30)
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=NORMAL")
    con.execute("PRAGMA busy_timeout=10000")
    return con


def open_state(kb: Path) -> sqlite3.Connection:
    """The state database, created if missing; a damaged file, or one from another state schema, starts afresh
    (it is derived: the build rebuilds it from the records and the notes).

    Raises VlmnotesError when kb/ cannot be written."""
    path = db_path(kb)
    try:
        kb.mkdir(parents=True, exist_ok=True)
        try:
            con = connect(path)
            con.executescript(_TABLES)
            row = con.execute("SELECT value FROM meta WHERE key = 'state_schema'").fetchone()
        except sqlite3.DatabaseError as exc:
            if isinstance(exc, sqlite3.OperationalError) and "readonly" in str(exc):
                raise
            discard_state(kb)  # not a database any more: start afresh
            con = connect(path)
            con.executescript(_TABLES)
            row = None
        if row != (STATE_SCHEMA,):
            with con:
                for table in _STATE_TABLES:
                    con.execute(f"DELETE FROM {table}")
                con.execute("INSERT OR REPLACE INTO meta VALUES ('state_schema', ?)", (STATE_SCHEMA,))
        return con
    except (OSError, sqlite3.Error) as exc:
        raise cannot_write(kb, exc, "check its permissions") from exc


def open_readonly(kb: Path) -> sqlite3.Connection:
    """The state database opened read-only, for `build --check`; an empty one in memory when there is none,
    or when it lacks a table (made by another version)."""
    try:
        con = connect(db_path(kb), readonly=True)
        tables = {name for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if {"meta", *_STATE_TABLES} <= tables:
            return con
        con.close()
    except sqlite3.Error:
        pass
    con = sqlite3.connect(":memory:")
    con.executescript(_TABLES)
    return con


def discard_state(kb: Path) -> None:
    """Remove a damaged state database (and its WAL files); the next build rebuilds it."""
    for suffix in ("", "-wal", "-shm"):
        Path(str(db_path(kb)) + suffix).unlink(missing_ok=True)


def cannot_write(where: object, exc: BaseException, fix: str = "") -> VlmnotesError:
    """The one-line error for a knowledge base that could not be written: `kb: cannot write the knowledge base
    (Read-only file system); check its permissions` (`fix` is what follows the semicolon, if anything)."""
    reason = (exc.strerror or exc.__class__.__name__) if isinstance(exc, OSError) else str(exc).split("\n")[0]
    return VlmnotesError(f"{where}: cannot write the knowledge base ({reason})" + (f"; {fix}" if fix else ""))


def get_meta(con: sqlite3.Connection, key: str) -> str | None:
    """A meta value, or None."""
    row = con.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return None if row is None else str(row[0])


# --- the lock ------------------------------------------------------------------------------------------------


def lock_timeout() -> float:
    """Seconds a command waits for another one writing the same kb/ ($VLMNOTES_LOCK_TIMEOUT, default 120)."""
    try:
        return float(os.environ.get("VLMNOTES_LOCK_TIMEOUT", "120"))
    except ValueError:
        return 120.0


@contextmanager
def kb_lock(kb: Path, what: str = "build", wait: float | None = None) -> Iterator[None]:
    """Hold kb/.lock for the duration: one writer at a time on a knowledge base and its notes.

    Waits up to `wait` seconds (default lock_timeout()) for another vlmnotes command; raises VlmnotesError
    when it is still running then, or when kb/ cannot be written. The OS releases the lock when a process
    dies, so a killed build never leaves a stale lock behind."""
    fd = _lock_at_once(kb / LOCK_FILE)
    if fd is not None:
        try:
            yield
        finally:
            _unlock(fd)
        return
    from filelock import FileLock, Timeout

    seconds = lock_timeout() if wait is None else min(wait, lock_timeout())
    try:
        kb.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(kb / LOCK_FILE), timeout=seconds)
        lock.acquire()
    except Timeout as exc:
        raise VlmnotesError(
            f"{kb}: another vlmnotes command (a build, `lint --fix` or `add`) is still writing it; "
            f"the {what} waited {seconds:.0f} s; try again when it ends"
        ) from exc
    except OSError as exc:
        raise cannot_write(kb, exc, "check its permissions") from exc
    try:
        yield
    finally:
        lock.release()


def _lock_at_once(path: Path) -> int | None:
    """The lock file's descriptor, locked, when flock takes it at once; None otherwise (held by another command,
    no flock on this system or file system, cannot be opened), and filelock is asked instead.

    filelock locks with the same flock where there is one, so the two exclude each other; this saves the tens
    of milliseconds importing filelock costs, which is a fifth of a build with nothing to do."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        return None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


def _unlock(fd: int) -> None:
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


# --- rows ------------------------------------------------------------------------------------------------------


class RecordRow(NamedTuple):
    """What the build last wrote to one record file."""

    id: str
    mtime_ns: int
    size: int
    file_hash: str  # value_hash of the file's text
    generated: str  # hash of the record as generated from the notes, before hand edits
    fields: str  # JSON: field name → value_hash of the value written (parsed only where needed: field_hashes)
    pinned: bool  # whether the record had pinned fields

    def field_hashes(self) -> dict[str, str]:
        """field name → value_hash of the value the build wrote (empty when the row is damaged)."""
        return {k: v for k, v in _json_dict(self.fields).items() if isinstance(v, str)}

    def to_json(self) -> str:
        """The row as JSON, for the journal."""
        return json.dumps(self._asdict(), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> RecordRow:
        """A row from the journal (ValueError, KeyError or TypeError when it is not one)."""
        return cls(**json.loads(text))


def read_records(con: sqlite3.Connection) -> dict[str, RecordRow]:
    """file name → the row of every record file the build wrote."""
    out = {}
    for file, id_, mtime, size, file_hash, generated, fields, pinned in con.execute(
        "SELECT file, id, mtime_ns, size, file_hash, generated, fields, pinned FROM records"
    ):
        out[file] = RecordRow(id_, mtime, size, file_hash, generated, fields, bool(pinned))
    return out


def _json_dict(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def record_params(file: str, row: RecordRow) -> tuple[Any, ...]:
    """The values of a records row, in column order."""
    return (file, row.id, row.mtime_ns, row.size, row.file_hash, row.generated, row.fields, int(row.pinned))


INSERT_RECORD = "INSERT OR REPLACE INTO records VALUES (?,?,?,?,?,?,?,?)"


# --- candidates as JSON ------------------------------------------------------------------------------------------


def candidates_to_json(candidates: list[Any]) -> str:
    """A note's candidates (vlmnotes.parse.entry.Candidate) as JSON: data, never code (unlike a pickle).

    msgspec writes the text json.dumps wrote of dataclasses.asdict (compact, unicode as is), byte for byte
    (tests/test_build_workers.py), in a twentieth of the time."""
    import msgspec

    return msgspec.json.encode(candidates).decode("utf-8")


def candidates_from_json(text: str) -> list[Any]:
    """Candidates back from candidates_to_json. Raises ValueError on anything else.

    msgspec makes the dataclasses straight from the text: a one-note rebuild decodes every other note's
    candidates, a tenth of a second at 10,000 papers instead of three times that with json."""
    import msgspec

    try:
        candidates: list[Any] = _candidate_decoder().decode(text)
    except msgspec.DecodeError as exc:  # not JSON, or JSON of another shape (a ValidationError)
        raise ValueError(str(exc)) from exc
    return candidates


@functools.cache
def _candidate_decoder() -> Any:
    import msgspec

    from vlmnotes.parse.entry import Candidate

    return msgspec.json.Decoder(list[Candidate])
