"""Building the knowledge base, in named stages a reader can follow top to bottom:

1. **collect**: list the notes asked for, re-parse those that changed, take the others' candidates from
   the parse cache; notes built before but not asked for this time are kept (their cached candidates),
   unless they are gone from disk or `--prune` drops them.
2. **group**: candidates merged into papers (vlmnotes.parse.merge), with ids and relations.
3. **generate**: each group's record, from the merge cache when nothing about it changed.
4. **reconcile** with the record files as they are: keep hand edits (pinned), never overwrite a broken
   file, delete only files the build itself wrote and nobody touched since.
5. **write**: journal the files about to be written, write each atomically, delete the dropped ones.
6. **commit**: one transaction records what was written, the caches and the search index.

All derived state is in one SQLite database (vlmnotes.state); the YAML records are the source of truth.
"""

from __future__ import annotations

import gc
import hashlib
import json
import multiprocessing
import os
import shutil
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vlmnotes.enrich import load_fetched
from vlmnotes.errors import NoteReadError, RecordError, UsageError, VlmnotesError
from vlmnotes.kb import (
    BuildReport,
    Config,
    NoteFile,
    NoteList,
    build_inputs,
    key_path,
    list_notes,
    note_key,
    vocab_signature,
)
from vlmnotes.model import Paper
from vlmnotes.resolve import load_resolved, search_link
from vlmnotes.state import (
    INSERT_RECORD,
    LEGACY_CACHE,
    LEGACY_FILES,
    LEGACY_STATE,
    RecordRow,
    candidates_from_json,
    candidates_to_json,
    cannot_write,
    discard_state,
    get_meta,
    kb_lock,
    open_readonly,
    open_state,
    read_records,
    record_params,
)
from vlmnotes.store import (
    CARRIED,
    UNPINNABLE,
    Store,
    atomic_write,
    dump_record,
    parse_record,
    record_filename,
    stored_form,
    value_hash,
)


def run_build(
    config: Config,
    listed: NoteList | None = None,
    *,
    check: bool = False,
    prune: bool = False,
    wait: float | None = None,
) -> BuildReport:
    """Bring kb/ up to date with the notes (`listed`: list_notes(config), when the caller has it); with check,
    change nothing and report what would change.

    Raises UsageError when no note is found (nothing is changed), VlmnotesError when kb/ cannot be written
    or another vlmnotes command holds it for longer than `wait` seconds (default: the lock timeout)."""
    listed = listed if listed is not None else list_notes(config)
    if not listed.notes:
        where = ", ".join(str(p) for p in config.notes)
        endings = ", ".join(config.extensions)
        raise UsageError(
            f"{where}: no note files found (looked for {endings}); nothing changed. Check --notes and --ext"
        )
    # A build makes hundreds of thousands of small objects and frees few of them before it returns:
    # the cyclic garbage collector's passes over them cost a tenth of a one-note rebuild, for nothing.
    enabled = gc.isenabled()
    gc.disable()
    try:
        if check:
            with _state(config, check=True) as con:
                return _run(config, listed, con, check=True, prune=prune)
        with kb_lock(config.kb, wait=wait):
            try:
                with _state(config, check=False) as con:
                    return _run(config, listed, con, check=False, prune=prune)
            except sqlite3.DatabaseError as exc:
                if isinstance(exc, sqlite3.OperationalError):
                    raise cannot_write(config.kb, exc) from exc
                # The database is damaged beyond what opening it showed: it is derived, so start afresh.
                discard_state(config.kb)
                with _state(config, check=False) as con:
                    return _run(config, listed, con, check=False, prune=prune)
    finally:
        if enabled:
            gc.enable()


@contextmanager
def _state(config: Config, *, check: bool) -> Iterator[sqlite3.Connection]:
    """The state database; for --check, a read-only view of it (an empty one in memory when there is none)."""
    con = open_readonly(config.kb) if check else open_state(config.kb)
    try:
        yield con
    finally:
        con.close()


def _run(config: Config, listed: NoteList, con: sqlite3.Connection, *, check: bool, prune: bool) -> BuildReport:
    store = Store(config.kb)
    if not check:
        _recover(con, store)
    rows = read_records(con) or _legacy_rows(store)

    collected = collect(config, listed.notes, con, prune=prune)
    grouped = group(collected.candidates, config.kb)
    generated = generate(grouped, _GroupCache.load(con))
    report = BuildReport(
        papers=len(grouped.groups),
        skipped=collected.skipped,
        warnings=[*listed.warnings, *collected.warnings],
        gone=collected.gone,
        pruned=collected.pruned,
        reparsed=collected.reparsed,
        notes=collected.considered,
    )
    report.warnings += grouped.suspicious
    plan = reconcile(store, generated, rows, report)
    if check:
        return report
    # What the next build reports if nothing changed by then (kb.unchanged): the papers and the warnings every
    # build gives again; nothing when a note could not be read, which the next build tries again.
    again = None if report.skipped else {"papers": report.papers, "warnings": grouped.suspicious}
    # The candidates and the merged papers are not needed any more: let them go before the index is filled
    # (a third of the peak memory of a cold build at 100k papers).
    del grouped, generated
    collected.candidates.clear()
    write(store, con, plan, report)
    commit(config, con, plan, collected, again)
    _drop_legacy(config.kb)
    return report


# --- 1. collect ---------------------------------------------------------------------------------------------


@dataclass
class Collected:
    """Candidates from every note the knowledge base is built from, with what the collection found."""

    candidates: list[Any]
    notes: dict[bytes, tuple[str, int, int]]  # note key → (name, mtime_ns, size), every note built from
    parsed: dict[bytes, str]  # note key → candidates JSON, for the notes parsed this time
    skipped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)
    pruned: list[str] = field(default_factory=list)
    reparsed: int = 0
    considered: int = 0  # notes read or tried, skipped ones included
    vocab: str = ""  # the vocabulary's signature (kb.vocab_signature)
    inputs: str = ""  # the stamps of kb/arxiv.jsonl and kb/resolved.json (kb.build_inputs), taken before reading them


def collect(config: Config, asked: list[NoteFile], con: sqlite3.Connection, *, prune: bool) -> Collected:
    """Candidates of the notes asked for (re-parsing those that changed since the parse cache was written),
    plus those of the notes built from before that are still on disk (unless prune), in note-path order."""
    from vlmnotes.catalogue import load_catalogue
    from vlmnotes.vocab import load_vocabulary

    vocab = load_vocabulary(config.vocab_file)
    out = Collected([], {}, {}, vocab=vocab_signature(config), inputs=build_inputs(config.kb))
    try:
        catalogue = load_catalogue(config.catalogue_file)
    except VlmnotesError as exc:  # a broken vlmnotes-papers.tsv costs its own rows, never the build
        out.skipped.append(f"{exc} (built without it)")
        catalogue = load_catalogue(None)
    cache_ok = get_meta(con, "vocab") == out.vocab
    known = {
        bytes(key): (name, mtime, size, cands if cache_ok else None)
        for key, name, mtime, size, cands in con.execute("SELECT path, name, mtime_ns, size, candidates FROM notes")
    }
    todo: dict[bytes, NoteFile] = {}
    for note in asked:
        key = note_key(config.kb, note.path)
        known_name = known[key][0] if key in known else ""
        if known_name.endswith("/" + note.name):  # given alone: keep the name it has in its notes folder
            note = note._replace(name=known_name)
        todo[key] = note
    for key, (name, _, _, _) in known.items():
        if key in todo:
            continue
        if prune:
            out.pruned.append(name)
            continue
        path = key_path(config.kb, key)
        try:
            st = path.stat()
        except OSError:
            st = None
        if st is None or not path.is_file():
            out.gone.append(name)
            continue
        todo[key] = NoteFile(path, name, st.st_mtime_ns, st.st_size)
    out.considered = len(todo)
    order = sorted(todo)
    ready: dict[bytes, list[Any]] = {}  # notes whose cached candidates still hold
    for key in order:
        note = todo[key]
        _, mtime, size, cached = known.get(key, ("", 0, 0, None))
        if cached is not None and (mtime, size) == (note.mtime_ns, note.size):
            decoded = _decode(cached)
            if decoded is not None:
                ready[key] = decoded
    parsed = _parse_notes([todo[k] for k in order if k not in ready], vocab, catalogue)
    for key in order:
        note = todo[key]
        _, mtime, size, cached = known.get(key, ("", 0, 0, None))
        cands = ready.pop(key, None)
        if cands is None:
            cands, text, warnings, message = next(parsed)
            out.warnings += warnings
            if cands is None:
                old = _decode(cached) if cached is not None else None
                if old is None:
                    out.skipped.append(message)
                    continue
                out.skipped.append(f"{message}; its records are kept as the last build read them")
                out.notes[key] = (note.name, mtime, size)
                out.candidates += old
                continue
            out.reparsed += 1
            out.parsed[key] = text
        out.notes[key] = (note.name, note.mtime_ns, note.size)
        out.candidates += cands
    return out


# A note parsed: its candidates and their JSON (None and "" when it could not be read), the warnings of its
# reading, and the message saying why it could not be read.
_Parsed = tuple[list[Any] | None, str, list[str], str]

# Below this many notes to parse, starting worker processes costs more than it saves.
_POOL_MIN_NOTES = 4
_WORKER: tuple[Any, Any] = (None, None)  # (vocabulary, catalogue) of a worker process


def _parse_notes(notes: list[NoteFile], vocab: Any, catalogue: Any) -> Iterator[_Parsed]:
    """Each note parsed, in the order given: in worker processes on every core when there are many (a cold
    build spends most of its time here), else in this process."""
    global _WORKER
    import vlmnotes.parse  # noqa: F401  (loaded once here, not in each worker)

    _WORKER = (vocab, catalogue)
    workers = min(len(notes), _cores())
    if len(notes) < _POOL_MIN_NOTES or workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        yield from map(_parse_note, notes)
        return
    # Forked workers share the loaded parser, vocabulary and catalogue with this process instead of pickling
    # them; results come back in the order the notes were given, so the build's output does not depend on it.
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(workers, context, initializer=_watch_parent, initargs=(os.getpid(),)) as pool:
        yield from pool.map(_parse_note, notes)


def _parse_note(note: NoteFile) -> _Parsed:
    from vlmnotes.parse import parse_file

    vocab, catalogue = _WORKER
    warnings: list[str] = []
    try:
        cands = parse_file(note.path, note.name, vocab, catalogue, warnings=warnings)
    except (NoteReadError, RecursionError) as exc:
        message = str(exc) if isinstance(exc, NoteReadError) else f"{note.name}: nested too deeply to read"
        return None, "", warnings, message
    return cands, candidates_to_json(cands), warnings, ""


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def _watch_parent(parent: int) -> None:
    """In a worker: end when the build that started it is gone (killed), instead of waiting for work forever
    while holding a copy of its kb/.lock."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.2)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def _decode(text: str) -> list[Any] | None:
    try:
        return candidates_from_json(text)
    except (ValueError, TypeError, KeyError):
        return None


# --- 2. group -----------------------------------------------------------------------------------------------


@dataclass
class Grouped:
    """Candidates grouped into papers, with each group's identity and the arXiv data that fills it."""

    groups: list[list[Any]]
    group_ids: list[str]
    searched: list[str | None]
    fetched: dict[str, Any]
    suspicious: list[str]  # one line per group that took in more entries of one note than one paper has


def group(candidates: list[Any], kb: Path) -> Grouped:
    """One group of candidates per paper; an id found by a title search goes to one group at most."""
    from vlmnotes.parse.merge import group_candidates, suspicious_merges

    groups = group_candidates(candidates)
    fetched = load_fetched(kb)
    resolved = load_resolved(kb)
    noted = {a for members in groups if (a := _group_arxiv(members))}
    searched = [None if _group_arxiv(members) else search_link(members, resolved, noted) for members in groups]
    claimed = Counter(searched)  # an id a search found for two papers is linked to neither
    searched = [a if a and claimed[a] == 1 else None for a in searched]
    group_ids = [_group_id(members, fetched, searched[i]) for i, members in enumerate(groups)]
    return Grouped(groups, group_ids, searched, fetched, suspicious_merges(groups))


def _group_arxiv(members: list[Any]) -> str | None:
    return next((c.arxiv_id for c in members if c.arxiv_id), None)


def _group_id(members: list[Any], fetched: dict[str, Any], searched: str | None) -> str:
    """A group's identity: what each of its entries says (their fingerprints) and what arXiv said about it
    (with the id a title search found for it, if any).
    An edit to one entry of a note re-merges that entry's paper, not every paper of the note."""
    parts: list[Any] = [c.fingerprint for c in members]
    if searched:
        parts.append(f"arxiv-search:{searched}")
    arxiv_id = _group_arxiv(members) or searched
    if arxiv_id in fetched:
        parts.append(json.dumps(fetched[arxiv_id], sort_keys=True))
    return hashlib.sha1(repr(parts).encode("utf-8")).hexdigest()


# --- 3. generate --------------------------------------------------------------------------------------------


class _GroupCache:
    """Group id → (PaperKey before id de-duplication, relations hash, record hash) from the last build.

    A group whose entries all sit unchanged in unchanged notes merges to the record it merged to
    before, so the build skips merging it again unless its relations or its file changed.
    """

    def __init__(self, entries: dict[str, tuple[Any, str, str]]) -> None:
        self.entries = entries

    def get(self, group_id: str) -> tuple[Any, str, str] | None:
        return self.entries.get(group_id)

    @classmethod
    def load(cls, con: sqlite3.Connection) -> _GroupCache:
        import msgspec

        from vlmnotes.parse.merge import PaperKey

        # msgspec makes each PaperKey straight from its JSON array, checking its shape, in a fraction of the time
        # json.loads and a PaperKey(...) call take (a one-note rebuild at 10k papers loads every group's key).
        decode = msgspec.json.Decoder(PaperKey).decode
        entries = {}
        for group_id, key, rels, generated in con.execute(
            "SELECT group_id, paper_key, relations, generated FROM groups"
        ):
            try:
                entries[group_id] = (decode(key), rels, generated)
            except msgspec.DecodeError:
                continue  # a damaged row: that group is merged again
        return cls(entries)


@dataclass
class Generated:
    """Each group's record file name, and what is known without merging it again."""

    names: list[str]  # record file name of each group
    ids: list[str]
    papers: dict[int, Paper]  # groups merged this time
    relations: list[list[Any]]
    rels_hash: list[str]
    cached: list[tuple[Any, str, str] | None]  # the merge cache's entry of each group, or None
    grouped: Grouped


def generate(grouped: Grouped, cache: _GroupCache) -> Generated:
    """Each group's record id, file name and relations; groups not in the merge cache are merged now."""
    from vlmnotes.parse.merge import dedupe_ids, paper_key, resolve_relations

    papers: dict[int, Paper] = {}
    keys = []
    cached = []
    for i, members in enumerate(grouped.groups):
        entry = cache.get(grouped.group_ids[i])
        cached.append(entry)
        if entry is None:
            papers[i] = _built(members, grouped.fetched, grouped.searched[i])
            keys.append(paper_key(papers[i]))
        else:
            keys.append(entry[0])
    final_ids = dedupe_ids([k.id for k in keys])
    keys = [k._replace(id=final) for k, final in zip(keys, final_ids, strict=True)]
    relations = resolve_relations(grouped.groups, keys)
    rels_hash = [_quick_hash([r.model_dump() for r in rel]) if rel else "" for rel in relations]
    names = [record_filename(i) for i in final_ids]
    return Generated(names, final_ids, papers, relations, rels_hash, cached, grouped)


def _built(members: list[Any], fetched: dict[str, Any], searched: str | None = None) -> Paper:
    """A group merged into a record, with what arXiv says filled in where the notes are silent (and the id
    a title search found, when the notes give none)."""
    from vlmnotes.enrich import merge_into
    from vlmnotes.parse.merge import build_paper
    from vlmnotes.resolve import link_searched

    paper = build_paper(members)
    if searched and not paper.arxiv_id:
        link_searched(paper, searched)
    arxiv_id = _group_arxiv(members) or searched
    if arxiv_id and arxiv_id in fetched:
        merge_into(paper, fetched[arxiv_id])
    return paper


# --- 4. reconcile -------------------------------------------------------------------------------------------


class _OldRecords:
    """The record files as they are, read only where needed: a file untouched since the last build
    (same time and size as the build left it) holds what that build wrote, so a 10k-paper rebuild reads
    almost none."""

    def __init__(self, store: Store, rows: dict[str, RecordRow]) -> None:
        self.store = store
        self.rows = rows
        self.files: dict[str, tuple[int, int]] = {}
        self.leftovers: list[str] = []  # temporary files of killed builds
        try:
            for entry in os.scandir(store.papers_dir):
                if _is_leftover(entry.name):
                    self.leftovers.append(entry.name)
                elif entry.name.endswith(".yaml") and entry.is_file():
                    st = entry.stat()
                    self.files[entry.name] = (st.st_mtime_ns, st.st_size)
        except OSError:
            pass
        self.papers: dict[str, Paper] = {}
        self.texts: dict[str, str] = {}
        self.broken: dict[str, str] = {}

    def untouched(self, name: str) -> bool:
        """True when the file has the time and size the build left it with."""
        row = self.rows.get(name)
        return row is not None and self.files.get(name) == (row.mtime_ns, row.size)

    def text(self, name: str) -> str | None:
        """The file's text (None when there is no such file or it cannot be read)."""
        if name not in self.texts and name in self.files:
            self.read(name)
        return self.texts.get(name)

    def read(self, name: str) -> Paper | None:
        """The record in a file (None if there is none or it is broken; broken ones are remembered)."""
        if name in self.papers or name in self.broken or name not in self.files:
            return self.papers.get(name)
        path = self.store.papers_dir / name
        shown = self.store.display(path)
        try:
            text = path.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            self.broken[name] = f"{shown}: cannot read ({exc.__class__.__name__}); delete it to rebuild"
            return None
        self.texts[name] = text
        try:
            self.papers[name] = parse_record(text, shown)
        except RecordError as exc:
            self.broken[name] = str(exc)
        return self.papers.get(name)


@dataclass
class Plan:
    """What the build will write: file texts, files to delete, and the state rows of both."""

    writes: dict[str, str] = field(default_factory=dict)  # file name → text (emptied once written)
    records: dict[str, Paper] = field(default_factory=dict)  # file name → the record written there
    deletes: list[str] = field(default_factory=list)
    rows: dict[str, RecordRow] = field(default_factory=dict)  # file name → its row once written
    stamps: dict[str, tuple[int, int] | None] = field(default_factory=dict)  # file → (mtime, size) as read
    leftovers: list[str] = field(default_factory=list)  # temporary files of builds that were killed
    forget: list[str] = field(default_factory=list)  # rows of files that are gone
    groups: dict[str, tuple[Any, str, str]] = field(default_factory=dict)


def reconcile(store: Store, gen: Generated, rows: dict[str, RecordRow], report: BuildReport) -> Plan:
    """Decide every record file's fate: unchanged, (re)written with its hand edits kept, deleted, or kept."""
    from vlmnotes.parse.merge import paper_key

    grouped = gen.grouped
    old = _OldRecords(store, rows)
    for name in old.files:  # hand-edited or broken files are read now, so their errors are reported
        if not old.untouched(name):
            old.read(name)
    plan = Plan()
    # The record texts are rendered in batches, in worker processes when there are many (a cold build).
    renderer = _Renderer(sum(1 for entry in gen.cached if entry is None))
    batch: list[tuple[str, Paper, _Job]] = []
    try:
        for i, members in enumerate(grouped.groups):
            name = gen.names[i]
            if name in old.broken:
                continue  # never overwrite a file the user broke: its edits would be lost
            entry = gen.cached[i]
            row = rows.get(name)
            if (
                entry is not None
                and entry[1] == gen.rels_hash[i]
                and old.untouched(name)
                and row
                and row.generated == entry[2]
            ):
                # The notes say what they said when this file was written, and nobody touched the file.
                plan.groups[grouped.group_ids[i]] = entry
                continue
            paper = gen.papers.get(i) or _built(members, grouped.fetched, grouped.searched[i])
            base_key = paper_key(paper)
            paper.id = gen.ids[i]
            paper.relations = gen.relations[i]
            generated = _quick_hash(paper.to_dict())
            plan.groups[grouped.group_ids[i]] = (base_key, gen.rels_hash[i], generated)
            # A file untouched since the last build wrote it holds no new hand edit; it needs reading only when
            # it has pinned or carried fields (a citation key), whose values must be kept.
            keep = row is not None and (row.pinned or _has_carried(row))
            previous = old.read(name) if not old.untouched(name) or keep else None
            paper = _apply_hand_edits(paper, previous, row.field_hashes() if row is not None else None)
            if row is None and previous is not None and set(paper.pinned) - set(previous.pinned):
                fields = ", ".join(sorted(set(paper.pinned) - set(previous.pinned)))
                report.warnings.append(
                    f"{store.display(store.papers_dir / name)}: {fields} differ from the notes and no build state"
                    " says who wrote them: kept as hand edits (pinned); remove them from `pinned` to take the notes'"
                    " values"
                )
            data = stored_form(paper.to_dict())
            batch.append((name, paper, (data, paper.id, bool(paper.pinned), generated)))
            if len(batch) == _RENDER_BATCH:
                _place(store, old, plan, report, batch, renderer)
                batch = []
        _place(store, old, plan, report, batch, renderer)
    finally:
        renderer.close()
    generated_names = set(gen.names)
    ids: dict[str, str] = {}
    for name in sorted(old.files):
        if name in generated_names or name in old.broken:
            continue
        record = old.read(name)
        if record is None:
            continue
        shown = store.display(store.papers_dir / name)
        row = rows.get(name)
        if row is not None and not record.pinned and value_hash(old.text(name)) == row.file_hash:
            plan.deletes.append(name)  # the build wrote this file and nobody touched it since
            report.deleted.append(shown)
            continue
        report.kept.append(shown)
        ids[name] = record.id
    by_id = {paper_id: name for name, paper_id in zip(gen.names, gen.ids, strict=True)}
    for name, paper_id in ids.items():
        if paper_id in by_id:
            other = store.display(store.papers_dir / by_id[paper_id])
            report.warnings.append(
                f"{store.display(store.papers_dir / name)}: same id '{paper_id}' as {other}; search shows one of"
                " them: give it another id, or move it out of the papers folder"
            )
    plan.forget = [n for n in rows if n not in old.files or n in plan.deletes]
    plan.stamps = {n: old.files.get(n) for n in [*plan.writes, *plan.deletes]}
    plan.leftovers = old.leftovers
    report.errors = sorted(old.broken.values())
    for items in (report.created, report.changed, report.deleted, report.kept):
        items.sort()
    return plan


def _place(
    store: Store,
    old: _OldRecords,
    plan: Plan,
    report: BuildReport,
    batch: list[tuple[str, Paper, _Job]],
    renderer: _Renderer,
) -> None:
    """Render a batch of records and plan each one: written when its text differs from the file's."""
    for (name, paper, _), (text, row) in zip(batch, renderer.render([job for _, _, job in batch]), strict=True):
        plan.rows[name] = row
        shown = store.display(store.papers_dir / name)
        if old.text(name) != text:
            plan.writes[name] = text
            plan.records[name] = paper
            (report.changed if name in old.files and name not in old.broken else report.created).append(shown)
        else:
            stamp = old.files[name]
            plan.rows[name] = row._replace(mtime_ns=stamp[0], size=stamp[1])


# What rendering a record takes: its stored form, id, whether it has pinned fields, and its generated hash.
_Job = tuple[dict[str, Any], str, bool, str]
_RENDER_BATCH = 2048  # records rendered at a time: the stored forms of a batch are held until it is placed
_POOL_MIN_RECORDS = 1000  # below this many records to merge, worker processes cost more than they save


class _Renderer:
    """Renders records (their YAML text and state row) in this process, or in worker processes when there
    are at least _POOL_MIN_RECORDS of them; results come back in the order given."""

    def __init__(self, expected: int) -> None:
        self.pool: Any = None
        workers = _cores()
        if expected >= _POOL_MIN_RECORDS and workers >= 2 and "fork" in multiprocessing.get_all_start_methods():
            from concurrent.futures import ProcessPoolExecutor

            context = multiprocessing.get_context("fork")
            self.pool = ProcessPoolExecutor(workers, context, initializer=_watch_parent, initargs=(os.getpid(),))

    def render(self, jobs: list[_Job]) -> list[tuple[str, RecordRow]]:
        if self.pool is None or len(jobs) < 64:
            return [_render(job) for job in jobs]
        return list(self.pool.map(_render, jobs, chunksize=64))

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown()


def _render(job: _Job) -> tuple[str, RecordRow]:
    """A record's file text and the state row it will have (stamps filled in once it is written)."""
    data, paper_id, pinned, generated = job
    text = dump_record(data)
    fields = {k: value_hash(data.get(k)) for k in Paper.model_fields if k not in UNPINNABLE}
    return text, RecordRow(paper_id, 0, 0, value_hash(text), generated, json.dumps(fields, sort_keys=True), pinned)


def _apply_hand_edits(paper: Paper, old: Paper | None, remembered: dict[str, str] | None) -> Paper:
    """Keep the values a user edited in the record file, and list them in `pinned`.

    `remembered` holds the hash of each value the build last wrote to the file; a value that no longer
    matches was edited by hand. Without it (no build state: a fresh clone, a lost database) every value
    that differs from what the notes give now is taken as a hand edit and kept."""
    if old is None:
        return paper
    carried = {name: getattr(old, name) for name in CARRIED if getattr(old, name) is not None}
    pinned = set(old.pinned)
    old_data = old.to_dict()
    if remembered is None:
        new_data = stored_form(paper.to_dict())
        remembered = {name: value_hash(new_data.get(name)) for name in Paper.model_fields if name not in UNPINNABLE}
    for name, digest in remembered.items():
        if name not in UNPINNABLE and value_hash(old_data.get(name)) != digest:
            pinned.add(name)
    pinned &= set(Paper.model_fields) - set(UNPINNABLE) - set(CARRIED)
    if not pinned:
        return paper.model_copy(update=carried) if carried else paper
    update = {name: getattr(old, name) for name in pinned}
    update["pinned"] = sorted(pinned)
    return paper.model_copy(update={**update, **carried})


_NO_VALUE = value_hash(None)


def _has_carried(row: RecordRow) -> bool:
    """Whether the build last wrote a carried field (a citation key) into the file: it must be read to keep it."""
    hashes = row.field_hashes()
    return any(hashes.get(name, _NO_VALUE) != _NO_VALUE for name in CARRIED)


# --- 5. write -----------------------------------------------------------------------------------------------


def write(store: Store, con: sqlite3.Connection, plan: Plan, report: BuildReport) -> None:
    """Journal the files about to be written, then write them (each atomically) and delete the dropped ones.

    A file that changed since the build read it (a hand edit saved while the build ran) is left as it is and
    named in the report: the next build takes it for the hand edit it is. Raises VlmnotesError when kb/
    cannot be written; the files written before the failure are in the journal, so the next build takes them
    for its own output, not for hand edits."""
    try:
        with con:
            con.execute("DELETE FROM pending")
            con.executemany(
                "INSERT INTO pending VALUES (?, ?)", [(name, plan.rows[name].to_json()) for name in plan.writes]
            )
        for name in plan.leftovers:
            (store.papers_dir / name).unlink(missing_ok=True)
        for name in [*plan.writes, *plan.deletes]:
            path = store.papers_dir / name
            if _stamp(path) != plan.stamps.get(name):
                report.warnings.append(
                    f"{store.display(path)}: changed while the build ran; left as it is (the next build keeps "
                    "your edit)"
                )
                _drop_from_plan(plan, name, report, store.display(path))
            elif name in plan.writes:
                atomic_write(path, plan.writes[name])
                plan.writes[name] = ""  # written: the text is not needed again
                st = path.stat()
                plan.rows[name] = plan.rows[name]._replace(mtime_ns=st.st_mtime_ns, size=st.st_size)
            else:
                path.unlink(missing_ok=True)
    except (OSError, sqlite3.Error) as exc:
        raise cannot_write(store.display(store.root), exc) from exc


def _drop_from_plan(plan: Plan, name: str, report: BuildReport, shown: str) -> None:
    """Take a file out of the plan: not written, not deleted, its state row left as it was."""
    plan.writes.pop(name, None)
    plan.records.pop(name, None)
    plan.rows.pop(name, None)
    if name in plan.deletes:
        plan.deletes.remove(name)
        plan.forget.remove(name)
    for items in (report.created, report.changed, report.deleted):
        if shown in items:
            items.remove(shown)


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size)


def _is_leftover(name: str) -> bool:
    """A temporary file store.atomic_write makes (`.NAME.yaml.XXXX.tmp`), left by a build that was killed."""
    return name.startswith(".") and name.endswith(".tmp") and ".yaml." in name


def _recover(con: sqlite3.Connection, store: Store) -> None:
    """Finish the bookkeeping of a build that was killed while writing: a journalled file whose text is
    the one the journal names was written by that build."""
    pending = con.execute("SELECT file, row FROM pending").fetchall()
    if not pending:
        return
    with con:
        for name, text in pending:
            try:
                row = RecordRow.from_json(text)
            except (ValueError, KeyError, TypeError):
                continue
            path = store.papers_dir / name
            try:
                written = value_hash(path.read_text("utf-8"))
                st = path.stat()
            except (OSError, UnicodeDecodeError):
                continue
            if written == row.file_hash:
                con.execute(INSERT_RECORD, record_params(name, row._replace(mtime_ns=st.st_mtime_ns, size=st.st_size)))
        con.execute("DELETE FROM pending")


# --- 6. commit ----------------------------------------------------------------------------------------------


def commit(
    config: Config, con: sqlite3.Connection, plan: Plan, collected: Collected, again: dict[str, Any] | None = None
) -> None:
    """Record in one transaction what the build wrote, the caches, the search index, and what a build with
    nothing to do reports (kb.unchanged)."""
    from vlmnotes.index import apply_build, prepare, use_vocabulary

    try:
        prepare(con)
        with con:
            for sql, params in _state_changes(con, plan, collected, again):
                con.executemany(sql, params)
            use_vocabulary(con, config.vocab_file, collected.vocab)
            apply_build(
                con,
                config.kb,
                [(n, stored_form(plan.records[n].model_dump(mode="json"))) for n in plan.writes],
                plan.deletes,
            )
    except sqlite3.Error as exc:
        raise cannot_write(config.kb, exc) from exc


def _state_changes(
    con: sqlite3.Connection, plan: Plan, collected: Collected, again: dict[str, Any] | None
) -> list[tuple[str, list[tuple[Any, ...]]]]:
    """The state's changes as (SQL, rows) pairs: records, merge cache, parse cache, signatures, journal, and
    `again`, the report of a build that finds nothing changed."""
    old_groups = {gid for (gid,) in con.execute("SELECT group_id FROM groups")}
    known = {bytes(k) for (k,) in con.execute("SELECT path FROM notes")}
    new_groups = [
        (gid, json.dumps(list(entry[0]), ensure_ascii=False), entry[1], entry[2])
        for gid, entry in plan.groups.items()
        if gid not in old_groups
    ]
    stamps = [(name, m, s, k) for k, (name, m, s) in collected.notes.items() if k not in collected.parsed]
    return [
        ("DELETE FROM records WHERE file = ?", [(n,) for n in plan.forget]),
        (INSERT_RECORD, [record_params(n, row) for n, row in plan.rows.items()]),
        ("DELETE FROM groups WHERE group_id = ?", [(g,) for g in old_groups - plan.groups.keys()]),
        ("INSERT OR REPLACE INTO groups VALUES (?, ?, ?, ?)", new_groups),
        ("DELETE FROM notes WHERE path = ?", [(k,) for k in known - collected.notes.keys()]),
        (
            "INSERT OR REPLACE INTO notes VALUES (?, ?, ?, ?, ?)",
            [(k, *collected.notes[k], cands) for k, cands in collected.parsed.items()],
        ),
        ("UPDATE notes SET name = ?, mtime_ns = ?, size = ? WHERE path = ?", stamps),
        ("INSERT OR REPLACE INTO meta VALUES ('vocab', ?)", [(collected.vocab,)]),
        ("INSERT OR REPLACE INTO meta VALUES ('inputs', ?)", [(collected.inputs,)]),
        ("DELETE FROM meta WHERE key = 'report'", [()]),
        ("INSERT INTO meta VALUES ('report', ?)", [(json.dumps(again, ensure_ascii=False),)] if again else []),
        ("DELETE FROM pending", [()]),
    ]


def _legacy_rows(store: Store) -> dict[str, RecordRow]:
    """What a build of an earlier version remembered writing (kb/.generated.json), read once so that its
    hand-edit bookkeeping carries over; the file is removed after the first build with the database."""
    try:
        data = json.loads((store.root / LEGACY_STATE).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    out = {}
    if isinstance(data, dict):
        for paper_id, entry in data.items():
            if isinstance(entry, dict) and isinstance(entry.get("fields"), dict):
                fields = json.dumps(entry["fields"], sort_keys=True)
                row = RecordRow(paper_id, -1, -1, str(entry.get("file", "")), "", fields, True)
                out[record_filename(paper_id)] = row
    return out


def _drop_legacy(kb: Path) -> None:
    """Remove the state files of earlier versions, now held by the database."""
    for name in (*LEGACY_FILES, LEGACY_STATE):
        with suppress(OSError):
            (kb / name).unlink(missing_ok=True)
    shutil.rmtree(kb / LEGACY_CACHE, ignore_errors=True)


def _quick_hash(data: object) -> str:
    """A fast hash of generated record data, for the build's own cache (repr is C-fast and stable here)."""
    return hashlib.sha1(repr(data).encode("utf-8")).hexdigest()[:16]
