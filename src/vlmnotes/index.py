"""The derived search index: SQLite FTS5 built from the YAML store, kept in the knowledge base's state database
(kb/.vlmnotes.sqlite, git-ignored; see vlmnotes.state).

The YAML files stay the source of truth. The index is updated incrementally from the record files
that changed (by time and size), and rebuilt silently when it is missing, stale or corrupt.

Chinese, Japanese and Korean text is indexed one character a token, so any run of characters
(`双流`, `对比学习`) is found as a phrase: FTS5's trigram tokenizer could not match two characters.
Text is NFKC-normalised on both sides, so `ＣＬＩＰ` finds CLIP. User text reaches FTS5 only as
quoted strings bound as parameters, never spliced into SQL or into a MATCH expression unescaped.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import sqlite3
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

from vlmnotes.query import TEXT_FIELDS, And, Compare, Filters, Node, Not, Or, QueryError, Term, combine, shown

_SCHEMA_VERSION = "5"
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


def is_cjk(char: str) -> bool:
    """True for a Chinese, Japanese or Korean character."""
    return any(lo <= char <= hi for lo, hi in _CJK_RANGES)


def fts_text(text: str) -> str:
    """Text as the index stores it: NFKC, and a space on each side of every CJK character."""
    text = unicodedata.normalize("NFKC", text)
    if text.isascii():
        return text
    return "".join(f" {c} " if is_cjk(c) else c for c in text)


def unspace_cjk(text: str) -> str:
    """Undo fts_text's spacing between CJK characters, for showing snippets."""
    if text.isascii():
        return text
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


def _component_text(values: list[str], aliases: dict[str, list[str]]) -> str:
    out = []
    for value in values:
        out.append(value)
        out += aliases.get(value, [])
    return " ; ".join(out)


def _row(record: dict[str, Any], aliases: dict[str, list[str]], org_aliases: dict[str, list[str]]) -> list[str]:
    comps = record.get("components") or {}
    body = [*(record.get("sections") or {}).values()]
    body += [s.get("text", "") for s in record.get("sources") or []]
    rels = [f"{r.get('type', '')} {r.get('target', '')}" for r in record.get("relations") or []]
    orgs = _component_text(list(record.get("orgs") or []), org_aliases)
    values = {
        "names": " ; ".join([record.get("name") or "", *(record.get("aliases") or []), record.get("id") or ""]),
        "title": record.get("title") or "",
        "orgs": orgs,
        "venue": record.get("venue") or "",
        "tags": " ; ".join(record.get("tags") or []),
        "authors": " ; ".join(record.get("authors") or []),
        "relations": " ; ".join(rels),
        "body": "\n".join(body),
    }
    for slot in ("vision_encoder", "text_encoder", "llm", "connector", "losses", "architecture"):
        values[slot] = _component_text(list(comps.get(slot) or []), aliases)
    return [fts_text(values[c]) for c in _COLNAMES]


def _vocab_aliases() -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    from vlmnotes.vocab import load_vocabulary

    vocab = load_vocabulary()
    comps = {name: sorted(vocab.aliases_of(name) - {name}) for items in vocab.components.values() for name, *_ in items}
    orgs = {name: sorted(set(al) - {name}) for name, al in vocab.orgs}
    return comps, orgs


def _connect(path: Path) -> sqlite3.Connection:
    from vlmnotes.state import connect

    return connect(path)


_INDEX_TABLES = ("papers", "broken", "names", "fts")


def _drop(con: sqlite3.Connection) -> None:
    """Drop the index's tables (made by another version of vlmnotes), keeping the build's state beside them."""
    with con:
        for table in _INDEX_TABLES:
            con.execute(f"DROP TABLE IF EXISTS {table}")
        con.execute("DELETE FROM meta WHERE key IN ('schema', 'count', 'kb')")


def prepare(con: sqlite3.Connection) -> None:
    """Make the index's tables where they are missing (the build calls this before its transaction)."""
    row = None
    with contextlib.suppress(sqlite3.OperationalError):
        row = con.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
    if row not in (None, (_SCHEMA_VERSION,)):
        _drop(con)
    _create(con)


def _create(con: sqlite3.Connection) -> None:
    cols = ", ".join(_COLNAMES)
    con.executescript(
        f"""
        CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);
        CREATE TABLE IF NOT EXISTS papers(
            rowid INTEGER PRIMARY KEY, id TEXT UNIQUE, file TEXT UNIQUE, mtime_ns INTEGER, size INTEGER,
            name TEXT, name_keys TEXT, year INTEGER, date TEXT, status TEXT, arxiv_id TEXT, citations INTEGER,
            record TEXT);
        CREATE TABLE IF NOT EXISTS broken(file TEXT PRIMARY KEY, mtime_ns INTEGER, size INTEGER, message TEXT);
        CREATE TABLE IF NOT EXISTS names(key TEXT, paper INTEGER);
        CREATE INDEX IF NOT EXISTS names_key ON names(key);
        CREATE INDEX IF NOT EXISTS names_paper ON names(paper);
        CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5({cols}, tokenize='unicode61 remove_diacritics 2');
        """
    )
    con.execute("INSERT OR REPLACE INTO meta VALUES ('schema', ?)", (_SCHEMA_VERSION,))


class IndexStatus:
    """What refreshing the index did."""

    def __init__(self) -> None:
        self.added = self.updated = self.removed = 0
        self.rebuilt = False
        self.errors: tuple[str, ...] = ()


# Up to this many record files, every query checks each file's time and size, so a record edited in
# place is seen at once; past it (a stat costs ~4 µs, 400 ms at 100k) only the folder and the build's
# state file are checked, and an in-place edit is seen after the next `vlmnotes build`.
FULL_CHECK_LIMIT = 5000


def _kb_signature(kb: Path, count: int | None) -> str:
    papers = kb / "papers"
    parts = []
    try:
        st = papers.stat()
        parts.append(f"{st.st_mtime_ns}:{st.st_size}")
    except OSError:
        parts.append("-")
    if count is not None and count <= FULL_CHECK_LIMIT:
        digest = hashlib.sha1()
        for name, mtime, size in sorted(_scan(papers)):
            digest.update(f"{name}\0{mtime}\0{size}\n".encode())
        parts.append(digest.hexdigest())
    return "|".join(parts)


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
        rows = dict(con.execute("SELECT key, value FROM meta").fetchall())
        if rows.get("schema") != _SCHEMA_VERSION or "count" not in rows:
            return False
        return rows.get("kb") == _kb_signature(self.kb, int(rows["count"]))

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
        known = {
            row[0]: (row[1], row[2], row[3]) for row in con.execute("SELECT file, mtime_ns, size, rowid FROM papers")
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

            aliases = _vocab_aliases()
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
            con.execute("INSERT OR REPLACE INTO meta VALUES ('kb', ?)", (_kb_signature(self.kb, count),))
        status.errors = tuple(errors)
        return status


def _delete(con: sqlite3.Connection, rowid: int) -> None:
    con.execute("DELETE FROM papers WHERE rowid = ?", (rowid,))
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
    for (rowid,) in con.execute("SELECT rowid FROM papers WHERE id = ?", (record["id"],)).fetchall():
        _delete(con, rowid)  # the same id from another file name: the newer file wins
    names = [record.get("name") or "", *record.get("aliases", [])]
    keys = "|" + "|".join(name_key(n) for n in names) + "|"
    row = (
        record["id"], name, mtime, size, record.get("name"), keys, record.get("year"), record.get("date"),
        record.get("status"), record.get("arxiv_id"), record.get("citations"), json.dumps(record, ensure_ascii=False),
    )  # fmt: skip
    cur = con.execute(
        "INSERT INTO papers(id, file, mtime_ns, size, name, name_keys, year, date, status, arxiv_id, citations,"
        " record) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        row,
    )
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
    if not _WORD.search(normalised):
        raise QueryError(f"query: nothing to search for in '{shown(text)}'; use letters or digits")
    quoted = '"' + normalised.replace('"', '""') + '"'
    last = normalised.split()[-1] if normalised.split() else ""
    # A prefix on a CJK character would widen `对比` to `对比*`; prefixes are for Latin words only.
    return quoted + ("*" if prefix and not (last and is_cjk(last[-1])) else "")


def _term_match(term: Term) -> str:
    expr = _match_string(term.text, prefix=not term.phrase)
    if term.field:
        return f"{TEXT_FIELDS[term.field]} : {expr}"
    return expr


def _sql(node: Node, params: list[Any]) -> str:
    if isinstance(node, Term):
        params.append(_term_match(node))
        return "p.rowid IN (SELECT rowid FROM fts WHERE fts MATCH ?)"
    if isinstance(node, Compare):
        return _compare_sql(node, params)
    if isinstance(node, Not):
        return f"NOT ({_sql(node.inner, params)})"
    if isinstance(node, And):
        return "(" + " AND ".join(_sql(p, params) for p in node.parts) + ")"
    if isinstance(node, Or):
        return "(" + " OR ".join(_sql(p, params) for p in node.parts) + ")"
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


class Results(NamedTuple):
    """Search results, best first, and the record files that could not be read."""

    hits: list[Hit]
    errors: list[str]


class Hit(NamedTuple):
    """A search result: the record as plain data and, when free text matched, a snippet."""

    record: dict[str, Any]
    snippet: str = ""


_SORTS = {
    "date": "COALESCE(p.date, '9999'), p.name",
    "name": "LOWER(COALESCE(p.name, p.id))",
    "citations": "COALESCE(p.citations, -1) DESC, p.name",
}


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
    try:
        return _search(kb, query, limit=limit, sort=sort, filters=filters, snippets=snippets)
    except sqlite3.OperationalError as exc:
        raise QueryError(f"query: the index cannot run this query ({exc}); simplify it") from exc
    except sqlite3.DatabaseError:  # damaged pages ("database disk image is malformed")
        Index(kb).refresh(force=True)
        return _search(kb, query, limit=limit, sort=sort, filters=filters, snippets=snippets)


def _search(
    kb: Path,
    query: str | None,
    *,
    limit: int | None = None,
    sort: str | None = None,
    filters: Filters | None = None,
    snippets: bool = True,
) -> Results:
    """Search a current index: rank first, then read the records (and snippets) of the rows kept only.

    A common word may match half the papers, and only the first `limit` are shown.
    """
    node = combine(query, filters)
    params: list[Any] = []
    terms = _positive_terms(node) if node is not None else []
    # A query of one free-text or field term needs no second pass over the index: the ranking join is it.
    single = isinstance(node, Term)
    where = "1" if node is None or single else _sql(node, params)
    index = Index(kb)
    con = index.open()
    weights = ", ".join(str(w) for _, w in COLUMNS)
    rank_match = " OR ".join(f"({_term_match(t)})" for t in terms)
    exact = [name_key(t.text) for t in terms if not t.field]
    rowids_fast: list[int] = []
    if single and not sort and limit:
        # The common case, one word: papers so named first, then the best-ranked matches, and no join.
        named = [] if not exact else [
            r for (r,) in con.execute(
                "SELECT p.rowid FROM names n JOIN papers p ON p.rowid = n.paper WHERE n.key = ?"
                " ORDER BY COALESCE(p.date, '9999'), p.rowid", (exact[0],)
            )
        ]  # fmt: skip
        ranked = con.execute(
            f"SELECT rowid FROM fts WHERE fts MATCH ? ORDER BY bm25(fts, {weights}), rowid LIMIT ?",
            (rank_match, limit + len(named)),
        )
        sql, args = "", []
        rowids_fast = list(dict.fromkeys([*named, *(r for (r,) in ranked)]))[:limit]
    elif terms:
        exact_sql = " OR ".join("?" for _ in exact)
        boost = f"p.rowid IN (SELECT paper FROM names WHERE key IN ({exact_sql}))" if exact else "0 = 1"
        order = _SORTS[sort] if sort else f"({boost}) DESC, r.score, COALESCE(p.date, '9999')"
        join = "JOIN" if single else "LEFT JOIN"
        sql = (
            f"SELECT p.rowid FROM papers p {join} (SELECT rowid, bm25(fts, {weights}) AS score FROM fts"
            f" WHERE fts MATCH ?) r ON r.rowid = p.rowid WHERE {where} ORDER BY {order}"
        )
        args = [rank_match, *params] + ([] if sort else list(exact))
    else:
        sql = f"SELECT p.rowid FROM papers p WHERE {where} ORDER BY {_SORTS[sort or 'date']}"
        args = params
    if limit and sql:
        sql += " LIMIT ?"
        args.append(limit)
    try:
        rowids = [r for (r,) in con.execute(sql, args)] if sql else rowids_fast
        records = _fetch(con, "SELECT rowid, record FROM papers WHERE rowid IN ({})", rowids)
        snips: dict[int, str] = {}
        if snippets and terms and rowids:
            snips = _fetch(
                con,
                "SELECT rowid, snippet(fts, -1, char(2), char(3), '…', 12) FROM fts"
                " WHERE fts MATCH ? AND rowid IN ({})",
                rowids,
                [rank_match],
            )
        errors = index.errors()
    finally:
        index.close()
    hits = [Hit(json.loads(records[r]), unspace_cjk(snips.get(r) or "")) for r in rowids if r in records]
    return Results(hits, errors)


def _fetch(con: sqlite3.Connection, sql: str, rowids: list[int], before: list[Any] | None = None) -> dict[int, Any]:
    """rowid → value for a query over a list of rowids (in chunks, under SQLite's parameter limit)."""
    out: dict[int, Any] = {}
    for start in range(0, len(rowids), 900):
        chunk = rowids[start : start + 900]
        query = sql.format(",".join("?" * len(chunk)))
        out.update(con.execute(query, [*(before or []), *chunk]).fetchall())
    return out


def lookup(kb: Path, query: str) -> dict[str, Any]:
    """The record a user means by a name, alias, id, arXiv id (any URL form) or title; NotFoundError with
    the closest names otherwise."""
    from difflib import get_close_matches

    from vlmnotes.errors import NotFoundError
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
        if row is not None:
            return dict(json.loads(row[0]))
        names = [n for (n,) in con.execute("SELECT DISTINCT name FROM papers WHERE name IS NOT NULL")]
        broken = [f for (f,) in con.execute("SELECT file FROM broken ORDER BY file")]
    except QueryError:
        names, broken = [], []
    finally:
        index.close()
    if broken:  # the paper may be in a record file that cannot be read: say so rather than guess
        files = ", ".join(f"{kb.name}/papers/{f}" for f in broken[:3]) + (", …" if len(broken) > 3 else "")
        raise NotFoundError(
            f"no readable record matches '{query}'; {len(broken)} record file(s) cannot be read: {files}"
        )
    close = get_close_matches(wanted, names, n=3, cutoff=0.6)
    if not close:
        lowered = {n.lower(): n for n in names}
        close = [lowered[n] for n in get_close_matches(wanted.lower(), list(lowered), n=3, cutoff=0.6)]
    hint = f"; did you mean {', '.join(close)}?" if close else "; `vlmnotes list` shows every paper"
    raise NotFoundError(f"no paper matches '{query}'{hint}")


def broken_records(kb: Path) -> list[str]:
    """One line for each record file the index could not read."""
    index = Index(kb)
    try:
        return index.errors()
    finally:
        index.close()


def apply_build(
    con: sqlite3.Connection, kb: Path, written: list[tuple[str, dict[str, Any]]], removed: list[str]
) -> None:
    """Within the build's transaction: put the records it has just written (file name, record) into the index
    and drop the files it deleted (call prepare first). Files changed by hand are read by the next query."""
    aliases = _vocab_aliases() if written else ({}, {})
    for name in removed + [n for n, _ in written]:
        for (rowid,) in con.execute("SELECT rowid FROM papers WHERE file = ?", (name,)).fetchall():
            _delete(con, rowid)
        con.execute("DELETE FROM broken WHERE file = ?", (name,))
    for name, record in written:
        st = (kb / "papers" / name).stat()
        _insert(con, name, st.st_mtime_ns, st.st_size, record, aliases)
