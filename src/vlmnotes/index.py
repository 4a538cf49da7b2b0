"""The derived search index: SQLite FTS5 built from the YAML store, kept in the knowledge base's state database
(kb/.vlmnotes.sqlite, git-ignored; see vlmnotes.state).

The YAML files stay the source of truth. The index is updated incrementally from the record files
that changed (by time and size), and rebuilt silently when it is missing, stale or corrupt.

Chinese, Japanese and Korean text is indexed one character a token, so any run of characters
(`双流`, `对比学习`) is found as a phrase: FTS5's trigram tokenizer could not match two characters.
Text is NFKC-normalised on both sides, so `ＣＬＩＰ` finds CLIP. User text reaches FTS5 only as
quoted strings bound as parameters, never spliced into SQL or into a MATCH expression unescaped.

A query means what the user means:
- the values of a field that holds several (names and aliases, organisations, tags, components and their aliases)
  are kept apart by a separator token no query can contain, so a phrase never runs from one value into the next;
- `name:` compares whole names and aliases (`name:BLIP-2` is BLIP-2, not BLIP), through the exact-name table;
- a number is matched whole, never as a prefix: `CLIP-2` does not find `CLIP 2021` or an id `2103.00020`;
- `org:` and `venue:` values go through the vocabulary the notes go through (`org:谷歌` is `org:Google`,
  `venue:NIPS` is `venue:NeurIPS`), from a copy of its aliases kept in the index, since loading the
  vocabulary itself would cost a search most of its time.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sqlite3
import time
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from vlmnotes.errors import VlmnotesError
from vlmnotes.formats import record_json
from vlmnotes.query import TEXT_FIELDS, And, Compare, Filters, Node, Not, Or, QueryError, Term, combine, shown

_SCHEMA_VERSION = "8"
# FTS columns in order, with their BM25 weights: names and titles well above components and
# organisations, those above the notes' own text.
COLUMNS: list[tuple[str, float]] = [
    ("names", 10.0),
    ("title", 6.0),
    ("vision_encoder", 3.0),
    ("text_encoder", 3.0),
    ("llm", 3.0),
    ("connector", 3.0),
    ("losses", 3.0),
    ("architecture", 3.0),
    ("orgs", 3.0),
    ("venue", 2.0),
    ("tags", 1.5),
    ("authors", 2.0),
    ("relations", 1.5),
    ("body", 1.0),
]
_COLNAMES = [c for c, _ in COLUMNS]
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
# CJK blocks (radicals to CJK unified ideographs, Hangul, compatibility ideographs), compared by hand:
# a regex over these ranges costs ~10 ms to compile, a tenth of a search's whole budget.
_CJK_RANGES = (("\u2e80", "\u9fff"), ("\uac00", "\ud7af"), ("\uf900", "\ufaff"))
# Between two values of one column: a private-use character, which the tokenizer keeps as a token of its own
# (so a phrase cannot step over it) and which is taken out of every query. Snippets show it as ';'.
_SEP = "\ue000"
_VALUES = f" {_SEP} "


def is_cjk(char: str) -> bool:
    """True for a Chinese, Japanese or Korean character."""
    return any(lo <= char <= hi for lo, hi in _CJK_RANGES)


class _Spacing(dict[int, str]):
    """fts_text's str.translate table, filled as characters are met (a table of every CJK character would cost a
    search its import): a CJK character between spaces, the value separator a space, anything else itself."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        self[code] = value = f" {char} " if is_cjk(char) else " " if char == _SEP else char
        return value


_SPACING = _Spacing()


def fts_text(text: str) -> str:
    """Text as the index stores it: NFKC, and a space on each side of every CJK character (and none of the
    character that separates values)."""
    text = unicodedata.normalize("NFKC", text)
    if text.isascii():
        return text
    return text.translate(_SPACING)


def unspace_cjk(text: str) -> str:
    """Undo fts_text's spacing between CJK characters and show value separators as ';', for snippets."""
    if text.isascii():
        return text
    text = text.replace(_SEP, ";")
    out = []
    for i, c in enumerate(text):
        if c == " " and 0 < i < len(text) - 1 and is_cjk(text[i - 1]) and is_cjk(text[i + 1]):
            continue
        out.append(c)
    return "".join(out)


def name_key(text: str) -> str:
    """Names compared as the user means them: NFKC, lower case, letters and digits only."""
    return "".join(_WORD.findall(unicodedata.normalize("NFKC", text).lower()))


# --- building ---------------------------------------------------------------------------------------------


def _with_aliases(values: list[str], aliases: dict[str, list[str]]) -> list[str]:
    out = []
    for value in values:
        out.append(value)
        out += aliases.get(value, [])
    return out


def _row(record: dict[str, Any], aliases: dict[str, list[str]], org_aliases: dict[str, list[str]]) -> list[str]:
    """The record's text, column by column: each value normalised, the values of a column kept apart."""
    comps = record.get("components") or {}
    body = [*(record.get("sections") or {}).values()]
    body += [s.get("text", "") for s in record.get("sources") or []]
    values: dict[str, list[str]] = {
        "names": [record.get("name") or "", *(record.get("aliases") or []), record.get("id") or ""],
        "title": [record.get("title") or ""],
        "orgs": _with_aliases(list(record.get("orgs") or []), org_aliases),
        "venue": [record.get("venue") or ""],
        "tags": list(record.get("tags") or []),
        "authors": list(record.get("authors") or []),
        "relations": [f"{r.get('type', '')} {r.get('target', '')}" for r in record.get("relations") or []],
        "body": body,
    }
    for slot in ("vision_encoder", "text_encoder", "llm", "connector", "losses", "architecture"):
        values[slot] = _with_aliases(list(comps.get(slot) or []), aliases)
    return [_VALUES.join(fts_text(v) for v in values[c] if v) for c in _COLNAMES]


def _vocabulary(user_file: Path | None) -> Any:
    """The vocabulary the notes were read with: the built-in one and the user's file, if it still loads."""
    from vlmnotes.errors import VlmnotesError
    from vlmnotes.vocab import load_vocabulary

    try:
        return load_vocabulary(user_file)
    except VlmnotesError:  # the build reports a broken vocabulary file; a search answers with the built-in one
        return load_vocabulary()


def _user_vocab(con: sqlite3.Connection) -> Path | None:
    """The user's vocabulary file the last build read the notes with (meta `index_vocab_file`), if any."""
    row = con.execute("SELECT value FROM meta WHERE key = 'index_vocab_file'").fetchone()
    return Path(row[0]) if row and row[0] else None


def _vocab_rows(user_file: Path | None = None) -> list[tuple[str, str, str]]:
    """(field, name key of an alias, canonical name) for every alias of an organisation or a venue, as the
    vocabulary reads it in a note (Vocabulary.org, Vocabulary.venue)."""
    vocab = _vocabulary(user_file)
    rows = []
    for field, items, canonical in (("org", vocab.orgs, vocab.org), ("venue", vocab.venues, vocab.venue)):
        for name, aliases in items:
            rows += [(field, name_key(alias), canonical(alias) or name) for alias in {name, *aliases}]
    return sorted(set(rows))


def _vocab_aliases(user_file: Path | None = None) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    vocab = _vocabulary(user_file)
    comps = {name: sorted(vocab.aliases_of(name) - {name}) for items in vocab.components.values() for name, *_ in items}
    orgs = {name: sorted(set(al) - {name}) for name, al in vocab.orgs}
    return comps, orgs


def use_vocabulary(con: sqlite3.Connection, user_file: Path | None, signature: str) -> None:
    """Within the build's transaction: search the way the notes were read, through the user's vocabulary file
    as well (`org:`/`venue:` values, component aliases). When the vocabulary changed since the last build,
    every record is indexed again (by the next search), since their component aliases may differ."""
    row = con.execute("SELECT value FROM meta WHERE key = 'index_vocab'").fetchone()
    if row == (signature,):
        return
    con.execute("DELETE FROM vocab")
    con.executemany("INSERT INTO vocab VALUES (?, ?, ?)", _vocab_rows(user_file))
    if row is not None:
        for table in _ROW_TABLES:
            con.execute(f"DELETE FROM {table}")
        con.execute("DELETE FROM meta WHERE key IN ('count', 'kb')")
    con.execute("INSERT OR REPLACE INTO meta VALUES ('index_vocab_file', ?)", (str(user_file) if user_file else "",))
    con.execute("INSERT OR REPLACE INTO meta VALUES ('index_vocab', ?)", (signature,))


def _connect(path: Path) -> sqlite3.Connection:
    from vlmnotes.state import connect

    return connect(path)


# The tables that hold the records, emptied when every record is to be indexed again.
_ROW_TABLES = ("paper_rows", "paper_json", "broken", "names", "fts")
# Every table and view of the index, this version's and those of the versions before it ("papers" was a table).
_INDEX_TABLES = ("papers", *_ROW_TABLES, "vocab")


def _drop(con: sqlite3.Connection) -> None:
    """Drop the index's tables (made by another version of vlmnotes), keeping the build's state beside them."""
    with con:
        found = con.execute(
            f"SELECT type, name FROM sqlite_master WHERE type IN ('table', 'view') AND name IN"
            f" ({','.join('?' * len(_INDEX_TABLES))})",
            _INDEX_TABLES,
        ).fetchall()
        for kind, table in found:
            con.execute(f"DROP {kind.upper()} IF EXISTS {table}")
        con.execute("DELETE FROM meta WHERE key IN ('schema', 'count', 'kb', 'index_vocab')")


def prepare(con: sqlite3.Connection) -> None:
    """Make the index's tables where they are missing (the build calls this before its transaction)."""
    row = None
    with contextlib.suppress(sqlite3.OperationalError):
        row = con.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
    if row not in (None, (_SCHEMA_VERSION,)):
        _drop(con)
    _create(con)


def _create(con: sqlite3.Connection) -> None:
    """The index's tables: a paper's columns (paper_rows: small, so that a scan over every paper reads little;
    paper_rows_date keeps them in date order, which a listing reads instead of sorting), its record as the JSON
    output writes it (paper_json: a listing streams these, never decoding one), the view `papers` of both, the
    exact names, the full text and the vocabulary's aliases."""
    cols = ", ".join(_COLNAMES)
    con.executescript(
        f"""
        CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);
        CREATE TABLE IF NOT EXISTS paper_rows(
            rowid INTEGER PRIMARY KEY, id TEXT UNIQUE, file TEXT UNIQUE, mtime_ns INTEGER, size INTEGER,
            name TEXT, name_keys TEXT, year INTEGER, date TEXT, status TEXT, arxiv_id TEXT, citations INTEGER);
        CREATE INDEX IF NOT EXISTS paper_rows_date ON paper_rows(COALESCE(date, '9999'), name);
        CREATE TABLE IF NOT EXISTS paper_json(rowid INTEGER PRIMARY KEY, json TEXT);
        CREATE VIEW IF NOT EXISTS papers AS
            SELECT p.*, j.json AS record FROM paper_rows p JOIN paper_json j ON j.rowid = p.rowid;
        CREATE TABLE IF NOT EXISTS broken(file TEXT PRIMARY KEY, mtime_ns INTEGER, size INTEGER, message TEXT);
        CREATE TABLE IF NOT EXISTS names(key TEXT, paper INTEGER);
        CREATE INDEX IF NOT EXISTS names_key ON names(key);
        CREATE INDEX IF NOT EXISTS names_paper ON names(paper);
        CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5({cols}, tokenize='unicode61 remove_diacritics 2');
        CREATE TABLE IF NOT EXISTS vocab(field TEXT, key TEXT, name TEXT, PRIMARY KEY (field, key, name))
            WITHOUT ROWID;
        """
    )
    if con.execute("SELECT 1 FROM vocab LIMIT 1").fetchone() is None:
        con.executemany("INSERT INTO vocab VALUES (?, ?, ?)", _vocab_rows(_user_vocab(con)))
    con.execute("INSERT OR REPLACE INTO meta VALUES ('schema', ?)", (_SCHEMA_VERSION,))


class IndexStatus:
    """What refreshing the index did."""

    def __init__(self) -> None:
        self.added = self.updated = self.removed = 0
        self.rebuilt = False
        self.errors: tuple[str, ...] = ()


# A folder's time comes from a clock that advances a tick at a time (1-10 ms on Linux; a second or two on some
# file systems): a file added in the same tick as the stamp was read leaves the stamp as it was. A stamp read
# sooner than this after the folder changed is not trusted (see _kb_signature).
_SETTLE_NS = 20_000_000
_COARSE_SETTLE_NS = 2_000_000_000


def _kb_signature(kb: Path, *, settle: bool = False) -> str:
    """The stamp of kb/papers that says whether the index may have fallen behind its record files: the folder's
    time, size and inode. O(1) in the number of records: a record created, deleted or replaced (renamed over,
    as the build, git, most editors and `sed -i` do) changes the folder's time; a record rewritten in place
    (`>>`, some editors) does not, and is read by the next `vlmnotes build`, which compares every file.

    "" (which matches no stored stamp) while the folder changed too recently for its time to tell one change
    from the next; with `settle`, wait out that moment instead when it is short (the build does, so that the
    first search after it need not check every file)."""
    papers = kb / "papers"
    for _ in range(2):
        try:
            st = papers.stat()
        except OSError:
            return "-"
        coarse = st.st_mtime_ns % 1_000_000_000 == 0  # a file system that keeps whole seconds only
        wait = (_COARSE_SETTLE_NS if coarse else _SETTLE_NS) - (time.time_ns() - st.st_mtime_ns)
        if wait <= 0:
            return f"{st.st_mtime_ns}:{st.st_size}:{st.st_ino}"
        if not settle or wait > _SETTLE_NS:
            return ""
        time.sleep(wait / 1e9)
    return ""


class Index:
    """The search index of one knowledge base."""

    def __init__(self, kb: Path) -> None:
        self.kb = kb
        from vlmnotes.state import db_path

        self.path = db_path(kb)
        self.con: sqlite3.Connection | None = None

    def open(self) -> sqlite3.Connection:
        """A connection to a current index, refreshing or rebuilding it first when needed."""
        if self.con is None:
            self.refresh()
        assert self.con is not None
        return self.con

    def _is_fresh(self, con: sqlite3.Connection) -> bool:
        """Whether no record file was added, removed or replaced since the index last read the folder: one stat."""
        rows: dict[str, str] = dict(con.execute("SELECT key, value FROM meta WHERE key IN ('schema', 'kb')"))
        if rows.get("schema") != _SCHEMA_VERSION or not rows.get("kb"):
            return False
        return rows["kb"] == _kb_signature(self.kb)

    def errors(self) -> list[str]:
        """One line for each record file that could not be read."""
        con = self.open()
        return [m for (m,) in con.execute("SELECT message FROM broken ORDER BY file")]

    def refresh(self, *, force: bool = False) -> IndexStatus:
        """Bring the index up to date with the record files; rebuild it when it cannot be read."""
        status = IndexStatus()
        con: sqlite3.Connection | None = None
        if self.path.exists():
            try:
                con = _connect(self.path)
                schema = con.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
                if schema == (_SCHEMA_VERSION,) and not force:
                    if not self._is_fresh(con):
                        status = self._update(con)
                    self.con = con
                    return status
                _drop(con)  # made by another version of vlmnotes, or asked for: rebuilt below
            except sqlite3.DatabaseError:
                if con is not None:
                    con.close()
                con = None
                self._remove()  # not a database: the build's state is rebuilt from the records and notes
        try:
            if con is None:
                con = _connect(self.path)
            _create(con)
            status = self._update(con)
        except sqlite3.DatabaseError:
            # An index we cannot write (read-only kb, full disk): search from memory instead.
            if con is not None:
                con.close()
            con = sqlite3.connect(":memory:")
            _create(con)
            status = self._update(con, write_meta=False)
        status.rebuilt = True
        self.con = con
        return status

    def _remove(self) -> None:
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(OSError):
                Path(str(self.path) + suffix).unlink(missing_ok=True)

    def close(self) -> None:
        """Close the connection, if open."""
        if self.con is not None:
            self.con.close()
            self.con = None

    def _update(self, con: sqlite3.Connection, *, write_meta: bool = True) -> IndexStatus:
        _create(con)
        with con:
            return self.sync(con, write_meta=write_meta)

    def sync(self, con: sqlite3.Connection, *, write_meta: bool = True) -> IndexStatus:
        """Read the record files whose time or size changed into the index, within the caller's transaction."""
        status = IndexStatus()
        signature = _kb_signature(self.kb)  # before the scan: a change made during it is seen next time
        known = {
            row[0]: (row[1], row[2], row[3])
            for row in con.execute("SELECT file, mtime_ns, size, rowid FROM paper_rows")
        }
        broken = {row[0]: (row[1], row[2]) for row in con.execute("SELECT file, mtime_ns, size FROM broken")}
        seen: set[str] = set()
        changed: list[tuple[str, int, int]] = []
        for name, mtime, size in _scan(self.kb / "papers"):
            seen.add(name)
            old = known.get(name)
            if (old is None or old[:2] != (mtime, size)) and broken.get(name) != (mtime, size):
                changed.append((name, mtime, size))
        errors: list[str] = []
        for name in [n for n in known if n not in seen]:
            _delete(con, known[name][2])
            status.removed += 1
        con.executemany("DELETE FROM broken WHERE file = ?", [(n,) for n in broken if n not in seen])
        if changed:
            from vlmnotes.errors import RecordError
            from vlmnotes.store import parse_record

            aliases = _vocab_aliases(_user_vocab(con))
            for name, mtime, size in changed:
                old = known.get(name)
                if old is not None:
                    _delete(con, old[2])
                try:
                    text = (self.kb / "papers" / name).read_text("utf-8")
                    record = parse_record(text, f"{self.kb.name}/papers/{name}").model_dump(mode="json")
                except (OSError, UnicodeDecodeError, RecordError) as exc:
                    shown = f"{self.kb.name}/papers/{name}"
                    message = (
                        str(exc)
                        if isinstance(exc, RecordError)
                        else f"{shown}: cannot read ({exc.__class__.__name__}); delete it to rebuild"
                    )
                    errors.append(message)
                    con.execute("INSERT OR REPLACE INTO broken VALUES (?,?,?,?)", (name, mtime, size, message))
                    continue
                con.execute("DELETE FROM broken WHERE file = ?", (name,))
                _insert(con, name, mtime, size, record, aliases)
                status.added += old is None
                status.updated += old is not None
        if write_meta:
            count = len(seen)
            con.execute("INSERT OR REPLACE INTO meta VALUES ('count', ?)", (str(count),))
            con.execute("INSERT OR REPLACE INTO meta VALUES ('kb', ?)", (signature,))
        status.errors = tuple(errors)
        return status


def _delete(con: sqlite3.Connection, rowid: int) -> None:
    con.execute("DELETE FROM paper_rows WHERE rowid = ?", (rowid,))
    con.execute("DELETE FROM paper_json WHERE rowid = ?", (rowid,))
    con.execute("DELETE FROM fts WHERE rowid = ?", (rowid,))
    con.execute("DELETE FROM names WHERE paper = ?", (rowid,))


def _insert(
    con: sqlite3.Connection,
    name: str,
    mtime: int,
    size: int,
    record: dict[str, Any],
    aliases: tuple[dict[str, list[str]], dict[str, list[str]]],
) -> None:
    for (rowid,) in con.execute("SELECT rowid FROM paper_rows WHERE id = ?", (record["id"],)).fetchall():
        _delete(con, rowid)  # the same id from another file name: the newer file wins
    names = [record.get("name") or "", *record.get("aliases", [])]
    keys = "|" + "|".join(name_key(n) for n in names) + "|"
    row = (
        record["id"], name, mtime, size, record.get("name"), keys, record.get("year"), record.get("date"),
        record.get("status"), record.get("arxiv_id"), record.get("citations"),
    )  # fmt: skip
    cur = con.execute(
        "INSERT INTO paper_rows(id, file, mtime_ns, size, name, name_keys, year, date, status, arxiv_id, citations)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        row,
    )
    con.execute("INSERT INTO paper_json(rowid, json) VALUES (?, ?)", (cur.lastrowid, record_json(record)))
    placeholders = ",".join("?" * (len(_COLNAMES) + 1))
    con.execute(
        f"INSERT INTO fts(rowid, {', '.join(_COLNAMES)}) VALUES ({placeholders})",
        (cur.lastrowid, *_row(record, *aliases)),
    )
    # Exact names, looked up by key: the boost that puts CLIP first for `search CLIP` costs no table scan.
    con.executemany(
        "INSERT INTO names(key, paper) VALUES (?, ?)", [(k, cur.lastrowid) for k in {name_key(n) for n in names} if k]
    )


def _scan(folder: Path) -> Iterator[tuple[str, int, int]]:
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        if entry.name.endswith(".yaml") and entry.is_file():
            st = entry.stat()
            yield entry.name, st.st_mtime_ns, st.st_size


# --- querying ---------------------------------------------------------------------------------------------


def _match_string(text: str, prefix: bool) -> str:
    """A safe FTS5 string: the normalised text in double quotes (quotes doubled), optionally a prefix."""
    normalised = fts_text(text).strip()
    words = _WORD.findall(normalised)
    if not words:
        raise _nothing(text)
    quoted = '"' + normalised.replace('"', '""') + '"'
    # Prefixes are for words with a letter in them: `对比*` would widen a Chinese word, and `2*` would make
    # `CLIP-2` find `CLIP 2021` or an id 2103.00020.
    last = words[-1]
    return quoted + ("*" if prefix and not (is_cjk(last[-1]) or last.isdigit()) else "")


def _nothing(text: str) -> QueryError:
    return QueryError(f"query: nothing to search for in '{shown(text)}'; use letters or digits")


def _whole_name(text: str) -> str:
    """The key `name:` compares with each name and alias of a paper."""
    key = name_key(text)
    if not key:
        raise _nothing(text)
    return key


Synonyms = dict[Term, list[str]]


def _synonyms(con: sqlite3.Connection, node: Node | None) -> Synonyms:
    """The canonical names the vocabulary reads each `org:` and `venue:` value as, where they differ from the
    value (`谷歌` → Google, `DeepMind` → Google DeepMind, `NIPS 2021` → NeurIPS 2021)."""
    out: Synonyms = {}
    for term in _terms(node):
        if term.field not in ("org", "venue") or term in out:
            continue
        names = _canonical(con, term.field, term.text)
        year = re.fullmatch(r"(.*?)[\s'\-]*((?:19|20)\d\d)", term.text.strip())
        if not names and term.field == "venue" and year:
            names = [f"{name} {year[2]}" for name in _canonical(con, "venue", year[1])]
        names = [n for n in names if name_key(n) != name_key(term.text)]
        if names:
            out[term] = names
    return out


def _canonical(con: sqlite3.Connection, field: str, text: str) -> list[str]:
    rows = con.execute("SELECT name FROM vocab WHERE field = ? AND key = ? ORDER BY name", (field, name_key(text)))
    return [name for (name,) in rows]


def _terms(node: Node | None) -> list[Term]:
    if isinstance(node, Term):
        return [node]
    if isinstance(node, Not):
        return _terms(node.inner)
    if isinstance(node, And | Or):
        return [t for p in node.parts for t in _terms(p)]
    return []


def _term_match(term: Term, synonyms: Synonyms) -> str:
    """The FTS5 expression of a term (for `name:`, only what ranks and snippets use: the names table selects)."""
    texts = [term.text, *synonyms.get(term, [])]
    exprs = [_match_string(text, prefix=not term.phrase and term.field != "name") for text in texts]
    expr = exprs[0] if len(exprs) == 1 else "(" + " OR ".join(exprs) + ")"
    if term.field:
        return f"{TEXT_FIELDS[term.field]} : {expr}"
    return expr


def _sql(node: Node, params: list[Any], synonyms: Synonyms) -> str:
    if isinstance(node, Term) and node.field == "name":
        params.append(_whole_name(node.text))
        return "p.rowid IN (SELECT paper FROM names WHERE key = ?)"
    if isinstance(node, Term):
        params.append(_term_match(node, synonyms))
        return "p.rowid IN (SELECT rowid FROM fts WHERE fts MATCH ?)"
    if isinstance(node, Compare):  # a paper with no status or year: false, so that -status:read keeps it
        return f"IFNULL({_compare_sql(node, params)}, 0)"
    if isinstance(node, Not):
        return f"NOT ({_sql(node.inner, params, synonyms)})"
    if isinstance(node, And):
        return "(" + " AND ".join(_sql(p, params, synonyms) for p in node.parts) + ")"
    if isinstance(node, Or):
        return "(" + " OR ".join(_sql(p, params, synonyms) for p in node.parts) + ")"
    raise QueryError(f"query: cannot use {node!r}")  # pragma: no cover


def _compare_sql(node: Compare, params: list[Any]) -> str:
    column = {"year": "p.year", "citations": "p.citations", "status": "p.status", "arxiv": "p.arxiv_id", "id": "p.id"}[
        node.field
    ]
    if node.field == "arxiv":
        params.append(re.sub(r"v\d+$", "", node.value))
        return f"{column} = ?"
    if node.field in ("status", "id"):
        params.append(node.value.lower() if node.field == "status" else node.value)
        return f"{column} = ?"
    if node.op == "..":
        params += [int(node.value), int(node.high or node.value)]
        return f"{column} BETWEEN ? AND ?"
    params.append(int(node.value))
    return f"{column} {node.op} ?"


def _positive_terms(node: Node) -> list[Term]:
    if isinstance(node, Term):
        return [node]
    if isinstance(node, And | Or):
        return [t for p in node.parts for t in _positive_terms(p)]
    return []


def _is_text(node: Node) -> bool:
    """A free-text or field term the full text decides (`name:` the names table decides)."""
    return isinstance(node, Term) and node.field != "name"


def _needs_term(node: Node) -> bool:
    """Whether every paper the query matches matches one of its text terms outside a NOT."""
    if isinstance(node, And):
        return any(_needs_term(p) for p in node.parts)
    if isinstance(node, Or):
        return all(_needs_term(p) for p in node.parts)
    return _is_text(node)


class Results(NamedTuple):
    """Search results, best first, the record files that could not be read, and how many papers match in all
    (more than the hits when a limit cut them)."""

    hits: list[Hit]
    errors: list[str]
    total: int = 0


class Hit(NamedTuple):
    """A search result: the record as plain data and, when free text matched, a snippet."""

    record: dict[str, Any]
    snippet: str = ""


class Texts(NamedTuple):
    """Search results as `--format json` writes them: each record's JSON text (formats.record_json) in UTF-8, in
    order, read from the index while they are written out (bytes: a listing neither decodes nor encodes them);
    how many there are, how many papers match in all, and the record files that could not be read."""

    texts: Iterator[bytes]
    shown: int
    total: int
    errors: list[str]


# Orders: ties (same date and name, same score) go by rowid, the order the papers were indexed in.
_SORTS = {
    "date": "COALESCE(p.date, '9999'), p.name, p.rowid",
    "name": "LOWER(COALESCE(p.name, p.id)), p.rowid",
    "citations": "COALESCE(p.citations, -1) DESC, p.name, p.rowid",
}
_WEIGHTS = ", ".join(str(w) for _, w in COLUMNS)
_CHUNK = 900  # rowids a statement, under SQLite's limit on parameters


def search(
    kb: Path,
    query: str | None,
    *,
    limit: int | None = None,
    sort: str | None = None,
    filters: Filters | None = None,
    snippets: bool = True,
) -> Results:
    """Records matching a query and filters, best first (or in `sort` order: date, name, citations).

    An index that turns out to be damaged while it is read is rebuilt from the YAML, and asked again.
    """
    return _answer(kb, lambda index: _search(index, query, limit, sort, filters, snippets))


def search_json(
    kb: Path,
    query: str | None,
    *,
    limit: int | None = None,
    sort: str | None = None,
    filters: Filters | None = None,
    arrange: Callable[[list[dict[str, Any]]], list[dict[str, Any]]] | None = None,
) -> Texts:
    """The records `search` gives, as the JSON text the index keeps of each, never decoded: a listing of every
    paper streams from the index in the order asked. `arrange` puts them in another order, given each paper's
    rowid, id, name, year and date in search order (timeline.build_timeline's, for `timeline --format json`).
    The index stays open, in one snapshot, until the last text is read."""
    return _answer(kb, lambda index: _search_json(index, query, limit, sort, filters, arrange))


R = TypeVar("R")


def _answer(kb: Path, ask: Callable[[Index], R]) -> R:
    """Ask the index; rebuild a damaged one from the records and ask again. A query the index cannot run
    is a QueryError."""
    index = Index(kb)
    try:
        return ask(index)
    except sqlite3.OperationalError as exc:
        index.close()
        raise QueryError(f"query: the index cannot run this query ({exc}); simplify it") from exc
    except sqlite3.DatabaseError:  # damaged pages ("database disk image is malformed")
        index.close()
        _rebuild(kb)
        return ask(Index(kb))
    except BaseException:
        index.close()
        raise


def _rebuild(kb: Path) -> None:
    index = Index(kb)
    try:
        index.refresh(force=True)
    finally:
        index.close()


def _search(
    index: Index, query: str | None, limit: int | None, sort: str | None, filters: Filters | None, snippets: bool
) -> Results:
    """Rank first, then read the records (and snippets) of the rows kept only: a common word may match half
    the papers, and only the first `limit` are shown."""
    try:
        con = index.open()
        rowids, total, rank_match = _select(con, query, filters, limit, sort)
        records = _fetch(con, "SELECT rowid, json FROM paper_json WHERE rowid IN ({})", rowids)
        snips: dict[int, str] = {}
        if snippets and rank_match and rowids:
            snips = _fetch(
                con,
                "SELECT rowid, snippet(fts, -1, char(2), char(3), '…', 64) FROM fts"
                " WHERE fts MATCH ? AND rowid IN ({})",
                rowids,
                [rank_match],
            )
        errors = index.errors()
    finally:
        index.close()
    hits = [Hit(json.loads(records[r]), unspace_cjk(snips.get(r) or "")) for r in rowids if r in records]
    return Results(hits, errors, total - (len(rowids) - len(hits)))


def _search_json(
    index: Index,
    query: str | None,
    limit: int | None,
    sort: str | None,
    filters: Filters | None,
    arrange: Callable[[list[dict[str, Any]]], list[dict[str, Any]]] | None,
) -> Texts:
    """The selection, in one snapshot of the index, and the first texts read (so that a damaged index is found
    while it can still be rebuilt and asked again); the rest is read as it is written out."""
    con = index.open()
    con.execute("BEGIN")  # the records read later are those of the papers selected now
    if combine(query, filters) is None and arrange is None:  # every paper: one pass in the order asked
        (total,) = con.execute("SELECT count(*) FROM paper_rows").fetchone()
        shown = min(total, limit or total)
        rows = con.execute(
            "SELECT CAST(j.json AS BLOB) FROM paper_rows p JOIN paper_json j ON j.rowid = p.rowid"
            f" ORDER BY {_SORTS[sort or 'date']} LIMIT ?",
            (shown,),
        )
        first = [text for (text,) in rows.fetchmany(_CHUNK)]
        rest = iter(lambda: [text for (text,) in rows.fetchmany(_CHUNK)], [])
        return Texts(_stream(index, first, rest), shown, total, index.errors())
    rowids, total, _ = _select(con, query, filters, limit, sort)
    if arrange is not None:
        heads = _fetch(con, "SELECT rowid, id, name, year, date FROM paper_rows WHERE rowid IN ({})", rowids, row=True)
        keys = ("rowid", "id", "name", "year", "date")
        rowids = [h["rowid"] for h in arrange([dict(zip(keys, heads[r], strict=True)) for r in rowids])]
    chunks = _json_chunks(con, rowids)
    first = next(chunks, [])
    return Texts(_stream(index, first, chunks), len(rowids), total, index.errors())


def _json_chunks(con: sqlite3.Connection, rowids: list[int]) -> Iterator[list[bytes]]:
    for start in range(0, len(rowids), _CHUNK):
        chunk = rowids[start : start + _CHUNK]
        texts = dict(
            con.execute(
                f"SELECT rowid, CAST(json AS BLOB) FROM paper_json WHERE rowid IN ({','.join('?' * len(chunk))})",
                chunk,
            )
        )
        yield [texts[r] for r in chunk]


def _stream(index: Index, first: list[bytes], chunks: Iterator[list[bytes]]) -> Iterator[bytes]:
    """The texts, the first chunk read already; the index is closed after the last (or when the reader stops)."""
    try:
        yield from first
        for chunk in chunks:
            yield from chunk
    except sqlite3.DatabaseError as exc:  # damaged while the listing was written: rebuilt for the next command
        index.close()
        _rebuild(index.kb)
        raise VlmnotesError(
            f"the search index was damaged while it was read ({exc}); it has been rebuilt: run the command again"
        ) from exc
    finally:
        index.close()


def _select(
    con: sqlite3.Connection, query: str | None, filters: Filters | None, limit: int | None, sort: str | None
) -> tuple[list[int], int, str]:
    """The rowids of the papers a query and filters select, in order; how many match in all (more than the
    rowids when `limit` cut them); and the FTS5 expression of the query's positive terms ORed, whose bm25 ranks
    them ("" when there are none)."""
    node = combine(query, filters)
    terms = _positive_terms(node) if node is not None else []
    synonyms = _synonyms(con, node)
    rank_match = " OR ".join(f"({_term_match(t, synonyms)})" for t in terms)
    if node is None or not terms:
        params: list[Any] = []
        where = "1" if node is None else _sql(node, params, synonyms)
        found = f"FROM paper_rows p WHERE {where}"
        return (*_ordered(con, found, params, _SORTS[sort or "date"], [], limit), rank_match)
    exact = [name_key(t.text) for t in terms if not t.field]
    if _is_text(node) and not sort and limit:
        return (*_best(con, rank_match, exact[0] if exact else None, limit), rank_match)
    # Best first: the papers a free-text term of the query names (`search CLIP ALIGN`: CLIP and ALIGN), then by
    # rank (a paper no term matched first), then by date.
    exact = list(dict.fromkeys(exact))
    keys = ", ".join("?" * len(exact))
    boost = f"(p.rowid IN (SELECT paper FROM names WHERE key IN ({keys}))) DESC, " if exact else ""
    order = _SORTS[sort] if sort else f"{boost}r.score, COALESCE(p.date, '9999'), p.rowid"
    plan = _plan(node, synonyms, rank_match)
    params = []
    if plan is None:  # a paper may match without any term (`year:2023 OR clip`): the papers drive, unranked ones first
        where = _sql(node, params, synonyms)
        found = (
            f"FROM paper_rows p LEFT JOIN (SELECT rowid, bm25(fts, {_WEIGHTS}) AS score FROM fts WHERE fts MATCH ?) r"
            f" ON r.rowid = p.rowid WHERE {where}"
        )
        return (*_ordered(con, found, [rank_match, *params], order, [] if sort else exact, limit), rank_match)
    drive, rest = plan
    where = "1" if rest is None else _sql(rest, params, synonyms)
    found = (
        f"FROM (SELECT rowid, bm25(fts, {_WEIGHTS}) AS score FROM fts WHERE fts MATCH ?) r"
        f" JOIN paper_rows p ON p.rowid = r.rowid WHERE {where}"
    )
    counted = (
        "FROM fts WHERE fts MATCH ?"
        if rest is None
        else (f"FROM (SELECT rowid FROM fts WHERE fts MATCH ?) r JOIN paper_rows p ON p.rowid = r.rowid WHERE {where}")
    )
    return (*_ordered(con, found, [drive, *params], order, [] if sort else exact, limit, counted), rank_match)


def _plan(node: Node, synonyms: Synonyms, rank_match: str) -> tuple[str, Node | None] | None:
    """How to find the papers of a query with terms in one ranked pass over the full text: the FTS5 expression
    that drives it, and what is left for SQL to check of each paper it finds (None: nothing). None when a paper
    may match without any of the terms (`year:2023 OR clip`, a `name:` alone).

    Terms side by side (with years, statuses, NOTs beside them) drive as one AND expression: its bm25 is the one
    the terms ORed give the papers that hold them all (FTS5 scores a paper by the phrases in it, whatever joins
    them). Terms ORed are the ranking expression itself. Any other query is driven by the ranking expression and
    checked whole."""
    parts = node.parts if isinstance(node, And) else (node,)
    texts = [p for p in parts if _is_text(p)]
    rest = [p for p in parts if not _is_text(p)]
    if texts and not any(_positive_terms(p) for p in rest):
        drive = " AND ".join(f"({_term_match(t, synonyms)})" for t in texts if isinstance(t, Term))
        return drive, (None if not rest else rest[0] if len(rest) == 1 else And(tuple(rest)))
    if isinstance(node, Or) and all(_is_text(p) for p in node.parts):
        return rank_match, None
    if _needs_term(node):
        return rank_match, node
    return None


def _best(con: sqlite3.Connection, match: str, exact: str | None, limit: int) -> tuple[list[int], int]:
    """One free-text or field term, best first: the papers so named (by date), then the best-ranked matches (a
    bounded sort); and how many match in all, counted without ranking."""
    named = [] if exact is None else [
        r for (r,) in con.execute(
            "SELECT p.rowid FROM names n JOIN paper_rows p ON p.rowid = n.paper WHERE n.key = ?"
            " ORDER BY COALESCE(p.date, '9999'), p.rowid", (exact,)
        )
    ]  # fmt: skip
    ranked = con.execute(
        f"SELECT rowid FROM fts WHERE fts MATCH ? ORDER BY bm25(fts, {_WEIGHTS}), rowid LIMIT ?",
        (match, limit + len(named)),
    )
    rowids = list(dict.fromkeys([*named, *(r for (r,) in ranked)]))[:limit]
    if len(rowids) < limit:
        return rowids, len(rowids)
    (total,) = con.execute("SELECT count(*) FROM fts WHERE fts MATCH ?", (match,)).fetchone()
    if named:  # and those named that the text does not match
        matched = _fetch(con, "SELECT rowid, 1 FROM fts WHERE fts MATCH ? AND rowid IN ({})", named, [match])
        total += sum(r not in matched for r in named)
    return rowids, total


def _ordered(
    con: sqlite3.Connection,
    found: str,
    args: list[Any],
    order: str,
    order_args: list[Any],
    limit: int | None,
    counted: str | None = None,
) -> tuple[list[int], int]:
    """The rowids `SELECT p.rowid {found}` gives in `order` (the first `limit`: a bounded sort), and how many it
    gives in all: counted (with `counted`, a FROM clause of the same rows that ranks nothing) only when `limit`
    cut them."""
    sql, all_args = f"SELECT p.rowid {found} ORDER BY {order}", [*args, *order_args]
    if limit:
        sql += " LIMIT ?"
        all_args.append(limit)
    rowids = [r for (r,) in con.execute(sql, all_args)]
    if not limit or len(rowids) < limit:
        return rowids, len(rowids)
    (total,) = con.execute(f"SELECT count(*) {counted or found}", args).fetchone()
    return rowids, total


def _fetch(
    con: sqlite3.Connection, sql: str, rowids: list[int], before: list[Any] | None = None, *, row: bool = False
) -> dict[int, Any]:
    """rowid → value (with `row`, the whole row) for a query over a list of rowids (in chunks, under SQLite's
    parameter limit)."""
    out: dict[int, Any] = {}
    for start in range(0, len(rowids), _CHUNK):
        chunk = rowids[start : start + _CHUNK]
        query = sql.format(",".join("?" * len(chunk)))
        rows = con.execute(query, [*(before or []), *chunk])
        out.update(((r[0], r) for r in rows) if row else rows)
    return out


def lookup(kb: Path, query: str) -> dict[str, Any]:
    """The record a user means by a name, alias, id, arXiv id (any URL form) or title, or by the start of a
    name (`mplug` is mPLUG-Owl); NotFoundError with the closest names otherwise."""
    from difflib import get_close_matches

    from vlmnotes.errors import NotFoundError
    from vlmnotes.formats import count
    from vlmnotes.parse.fields import arxiv_id_from_url

    wanted = query.strip()
    arxiv = arxiv_id_from_url(wanted)
    if arxiv is None and re.fullmatch(r"\d{4}\.\d{4,5}(?:v\d+)?", wanted):
        arxiv = wanted.split("v")[0]
    key = name_key(wanted)
    index = Index(kb)
    con = index.open()
    try:
        row = con.execute(
            "SELECT record FROM papers WHERE id = ? OR arxiv_id = ? OR arxiv_id = ? ORDER BY id = ? DESC LIMIT 1",
            (wanted, wanted, arxiv or "", wanted),
        ).fetchone()
        if row is None and key:
            row = con.execute(
                "SELECT p.record FROM names n JOIN papers p ON p.rowid = n.paper WHERE n.key = ?"
                " ORDER BY p.name_keys LIKE ? DESC LIMIT 1",
                (key, f"|{key}|%"),
            ).fetchone()
        if row is None and key and len(wanted) > 3:
            for (record,) in con.execute(
                "SELECT p.record FROM papers p JOIN fts ON fts.rowid = p.rowid WHERE fts MATCH ?",
                (f"title : {_match_string(wanted, prefix=False)}",),
            ):
                if name_key(json.loads(record).get("title") or "") == key:
                    row = (record,)
                    break
        started: list[str] = []
        if row is None and len(key) >= 2:
            row, started = _started(con, key)
        if row is not None:
            return dict(json.loads(row[0]))
        if len(started) > 1:
            shown_names = ", ".join(started[:5]) + (", …" if len(started) > 5 else "")
            raise NotFoundError(
                f"'{query}' starts the names of {len(started)} papers: {shown_names}; give more of the name"
            )
        names = [n for (n,) in con.execute("SELECT DISTINCT name FROM paper_rows WHERE name IS NOT NULL")]
        broken = [f for (f,) in con.execute("SELECT file FROM broken ORDER BY file")]
    except QueryError:
        names, broken = [], []
    finally:
        index.close()
    if broken:  # the paper may be in a record file that cannot be read: say so rather than guess
        files = ", ".join(f"{kb.name}/papers/{f}" for f in broken[:3]) + (", …" if len(broken) > 3 else "")
        raise NotFoundError(
            f"no readable record matches '{query}'; {count(len(broken), 'record file')} cannot be read: {files}"
        )
    close = get_close_matches(wanted, names, n=3, cutoff=0.6)
    if not close:
        lowered = {n.lower(): n for n in names}
        close = [lowered[n] for n in get_close_matches(wanted.lower(), list(lowered), n=3, cutoff=0.6)]
    if not close and key:  # a word of the name (`Owl` for mPLUG-Owl)
        close = sorted(n for n in names if key in name_key(n))[:3]
    hint = f"; did you mean {', '.join(close)}?" if close else "; `vlmnotes list` shows every paper"
    raise NotFoundError(f"no paper matches '{query}'{hint}")


def _started(con: sqlite3.Connection, key: str) -> tuple[tuple[str] | None, list[str]]:
    """The record of the paper whose name or alias starts with `key`, when that means one paper: the only one,
    or the first of a family whose names all start with its name (`mplug` gives mPLUG-Owl, not mPLUG-Owl2;
    `BLI` gives BLIP). Else None and the names of the papers it starts, shortest first."""
    rows = con.execute(
        "SELECT n.paper, n.key, COALESCE(p.name, p.id) FROM names n JOIN paper_rows p ON p.rowid = n.paper"
        " WHERE n.key >= ? AND n.key < ? ORDER BY length(n.key), COALESCE(p.date, '9999'), p.rowid",
        (key, key[:-1] + chr(ord(key[-1]) + 1)),
    )
    shortest: dict[int, tuple[str, str]] = {}  # paper → its shortest name key that starts with `key`, its name
    for paper, name_key_, name in rows:
        shortest.setdefault(paper, (name_key_, name))
    if not shortest:
        return None, []
    (first, (root, _)), *others = shortest.items()
    if all(other.startswith(root) and other != root for _paper, (other, _name) in others):
        return con.execute("SELECT record FROM papers WHERE rowid = ?", (first,)).fetchone(), []
    return None, [name for _, name in shortest.values()]


def broken_records(kb: Path) -> list[str]:
    """One line for each record file the index could not read."""
    index = Index(kb)
    try:
        return index.errors()
    finally:
        index.close()


def apply_build(
    con: sqlite3.Connection, kb: Path, written: list[tuple[str, dict[str, Any]]], removed: list[str]
) -> IndexStatus:
    """Within the build's transaction: put the records it has just written (file name, record) into the index,
    drop the files it deleted (call prepare first), then compare every other record file with the index and
    read those that changed (a hand edit in place, which the folder's stamp does not show, is read here), and
    stamp the index current: the first search after a build checks one stamp, like any other."""
    _kb_signature(kb, settle=True)  # let the folder's time settle after the build's writes (see _SETTLE_NS)
    aliases = _vocab_aliases(_user_vocab(con)) if written else ({}, {})
    for name in removed + [n for n, _ in written]:
        for (rowid,) in con.execute("SELECT rowid FROM paper_rows WHERE file = ?", (name,)).fetchall():
            _delete(con, rowid)
        con.execute("DELETE FROM broken WHERE file = ?", (name,))
    for name, record in written:
        st = (kb / "papers" / name).stat()
        _insert(con, name, st.st_mtime_ns, st.st_size, record, aliases)
    return Index(kb).sync(con)
