"""Building the knowledge base: re-parse the notes that changed, merge, and write the store.

A parse cache under kb/.cache/ (git-ignored) remembers each note's candidates by modification time
and size, so a build re-parses only the notes that changed; the cache is rebuilt silently when it is
missing or unreadable.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import pickle
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vlmnotes.enrich import load_fetched
from vlmnotes.errors import NoteReadError, RecordError, VlmnotesError
from vlmnotes.kb import (
    _CACHE_VERSION,
    NOTES_CACHE,
    Config,
    _read_built_from,
    _signature,
    _write_built_from,
    note_files,
)
from vlmnotes.model import Paper
from vlmnotes.resolve import load_resolved, search_link
from vlmnotes.store import (
    Store,
    atomic_write,
    dump_record,
    parse_record,
    record_filename,
    record_state,
    value_hash,
)


def _read_cache(path: Path, key: str) -> Any:
    """A pickled cache's payload, or None when it is missing, from another parser version, or unreadable."""
    try:
        with path.open("rb") as fh:
            data = pickle.load(fh)
        return data[key] if data.get("version") == _CACHE_VERSION else None
    except Exception:  # any unreadable cache is simply rebuilt
        return None


def _write_cache(path: Path, key: str, payload: Any) -> None:
    """Write a pickled cache atomically; failing to costs speed on the next build, never data."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        with tmp.open("wb") as fh:
            pickle.dump({"version": _CACHE_VERSION, key: payload}, fh)
        os.replace(tmp, path)
    except OSError:
        pass


class ParseCache:
    """Candidates of each note by (mtime, size), one pickle a note under kb/.cache/notes/, so that a build
    that re-parses one note rewrites one small file."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.dirty: dict[str, tuple[int, int, list[Any]]] = {}
        self.present: set[str] = set()

    def _path(self, name: str) -> Path:
        return self.folder / (hashlib.sha1(name.encode("utf-8")).hexdigest()[:20] + ".pickle")

    def get(self, name: str) -> tuple[int, int, list[Any]] | None:
        """A note's cached (mtime, size, candidates), or None."""
        self.present.add(name)
        entry = _read_cache(self._path(name), "entry")
        return entry if isinstance(entry, tuple) else None

    def put(self, name: str, entry: tuple[int, int, list[Any]]) -> None:
        """Remember a note just parsed."""
        self.present.add(name)
        self.dirty[name] = entry

    def save(self) -> None:
        """Write the notes parsed this time; drop the pickles of notes that are gone."""
        for name, entry in self.dirty.items():
            _write_cache(self._path(name), "entry", entry)
        (self.folder.parent / "parsed.pickle").unlink(missing_ok=True)  # the single-file cache of earlier builds
        keep = {self._path(n).name for n in self.present}
        try:
            for old in self.folder.iterdir():
                if old.suffix == ".pickle" and old.name not in keep:
                    old.unlink(missing_ok=True)
        except OSError:
            pass


@dataclass
class Collected:
    """Candidates from every note, the notes skipped with their reasons, and how many were re-parsed."""

    candidates: list[Any]
    skipped: list[str]
    reparsed: int
    signature: tuple[Any, ...]


def collect(config: Config, cache: ParseCache) -> Collected:
    """Parse the notes that changed since the cache was written; reuse the rest."""
    from vlmnotes.catalogue import load_catalogue
    from vlmnotes.parse import parse_file
    from vlmnotes.vocab import load_vocabulary

    vocab = load_vocabulary(config.vocab_file)
    skipped_catalogue: list[str] = []
    try:
        catalogue = load_catalogue(config.catalogue_file)
    except VlmnotesError as exc:  # a broken vlmnotes-papers.tsv costs its own rows, never the build
        skipped_catalogue.append(f"{exc} (built without it)")
        catalogue = load_catalogue(None)
    notes = note_files(config)
    signature = _signature(config, notes)
    built = _read_built_from(config)
    vocab_changed = not built or built[2:3] != json.loads(json.dumps(signature[2:3]))
    candidates: list[Any] = []
    skipped: list[str] = list(skipped_catalogue)
    reparsed = 0
    for (path, name), (_, mtime, size) in zip(notes, signature[1], strict=True):
        hit = None if vocab_changed else cache.get(name)
        if hit and hit[0] == mtime and hit[1] == size:
            cands = hit[2]
            cache.present.add(name)
        else:
            try:
                cands = parse_file(path, name, vocab, catalogue)
            except NoteReadError as exc:
                skipped.append(str(exc))
                continue
            except RecursionError:
                skipped.append(f"{name}: nested too deeply to read; flatten the deepest lists or quotes")
                continue
            reparsed += 1
            cache.put(name, (mtime, size, cands))
        candidates += cands
    return Collected(candidates, skipped, reparsed, signature)


@dataclass
class BuildReport:
    """What a build did (or, with --check, would do)."""

    papers: int = 0
    created: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    reparsed: int = 0
    notes: int = 0

    @property
    def changes(self) -> int:
        """How many record files were (or would be) created, changed or deleted."""
        return len(self.created) + len(self.changed) + len(self.deleted)


def _apply_hand_edits(paper: Paper, old: Paper | None, remembered: dict[str, str]) -> Paper:
    """Keep the values a user edited in the record file, and list them in `pinned`."""
    from vlmnotes.model import Paper
    from vlmnotes.store import UNPINNABLE, value_hash

    if old is None:
        return paper
    pinned = set(old.pinned)
    old_data = old.to_dict()
    for name, digest in remembered.items():
        if name not in UNPINNABLE and value_hash(old_data.get(name)) != digest:
            pinned.add(name)
    pinned &= set(Paper.model_fields) - set(UNPINNABLE)
    if not pinned:
        return paper
    update = {name: getattr(old, name) for name in pinned}
    update["pinned"] = sorted(pinned)
    return paper.model_copy(update=update)


WRITTEN_FILE = Path(".cache") / "written.json"
GROUPS_FILE = Path(".cache") / "groups.pickle"


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
    def load(cls, path: Path) -> _GroupCache:
        return cls(_read_cache(path, "entries") or {})

    def save(self, path: Path) -> None:
        _write_cache(path, "entries", self.entries)


def _read_written(config: Config) -> dict[str, list[Any]]:
    """file name → [mtime_ns, size, hash of the generated record] as the last build left each record file."""
    try:
        data = json.loads((config.kb / WRITTEN_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _stat(path: Path) -> list[int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return [st.st_mtime_ns, st.st_size]


class _OldRecords:
    """The record files as they are, read only where needed: a file untouched since the last build
    (same time and size) holds what that build wrote, so a 10k-paper rebuild reads almost none."""

    def __init__(self, store: Store, written: dict[str, list[Any]]) -> None:
        self.store = store
        self.written = written
        self.files: dict[str, list[int] | None] = {}
        try:
            for entry in os.scandir(store.papers_dir):
                if entry.name.endswith(".yaml") and entry.is_file():
                    st = entry.stat()
                    self.files[entry.name] = [st.st_mtime_ns, st.st_size]
        except OSError:
            pass
        self.papers: dict[str, Paper] = {}
        self.texts: dict[str, str] = {}
        self.broken: dict[str, str] = {}

    def untouched(self, name: str) -> bool:
        stat = self.files.get(name)
        return stat is not None and self.written.get(name, [None, None])[:2] == stat

    def read(self, name: str) -> Paper | None:
        """The record in a file (None if there is none or it is broken; broken ones are remembered)."""
        if name in self.papers or name in self.broken or name not in self.files:
            return self.papers.get(name)
        path = self.store.papers_dir / name
        shown = self.store.display(path)
        try:
            text = path.read_text("utf-8")
            self.texts[name] = text
            self.papers[name] = parse_record(text, shown)
        except (OSError, UnicodeDecodeError) as exc:
            self.broken[name] = f"{shown}: cannot read ({exc.__class__.__name__}); delete it to rebuild"
        except RecordError as exc:
            self.broken[name] = str(exc)
        return self.papers.get(name)


def run_build(config: Config, *, check: bool = False) -> BuildReport:
    """Bring kb/ up to date with the notes; with check, change nothing and report what would change."""
    # A build makes hundreds of thousands of small objects and frees few of them before it returns:
    # the cyclic garbage collector's passes over them cost a tenth of a one-note rebuild, for nothing.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _run_build(config, check=check)
    finally:
        if enabled:
            gc.enable()


def _run_build(config: Config, *, check: bool) -> BuildReport:
    from vlmnotes.parse.merge import dedupe_ids, group_candidates, paper_key, resolve_relations

    store = Store(config.kb)
    cache = ParseCache(config.kb / NOTES_CACHE)
    collected = collect(config, cache)
    groups = group_candidates(collected.candidates)
    group_cache = _GroupCache.load(config.kb / GROUPS_FILE)
    fetched = load_fetched(config.kb)
    resolved = load_resolved(config.kb)
    noted = {a for members in groups if (a := _group_arxiv(members))}
    searched = [None if _group_arxiv(members) else search_link(members, resolved, noted) for members in groups]
    claimed = Counter(searched)  # an id a search found for two papers is linked to neither
    searched = [a if a and claimed[a] == 1 else None for a in searched]
    group_ids = [_group_id(members, fetched, searched[i]) for i, members in enumerate(groups)]
    built: dict[int, Paper] = {}
    keys = []
    for i, members in enumerate(groups):
        entry = group_cache.get(group_ids[i])
        if entry is None:
            built[i] = _built(members, fetched, searched[i])
            keys.append(paper_key(built[i]))
        else:
            keys.append(entry[0])
    final_ids = dedupe_ids([k.id for k in keys])
    keys = [k._replace(id=final) for k, final in zip(keys, final_ids, strict=True)]
    relations = resolve_relations(groups, keys)
    report = BuildReport(
        papers=len(groups),
        skipped=collected.skipped,
        reparsed=collected.reparsed,
        notes=len(collected.signature[1]),
    )
    old = _OldRecords(store, _read_written(config))
    for name in old.files:  # hand-edited or broken files are read now, so their errors are reported
        if not old.untouched(name):
            old.read(name)
    state = store.read_state()
    new_state: dict[str, Any] = {}
    written: dict[str, list[Any]] = {}
    writes: dict[Path, str] = {}
    records: dict[str, Paper] = {}  # file name → the record written there, for the search index
    new_groups: dict[str, tuple[Any, str, str]] = {}
    generated_names: set[str] = set()
    for i, members in enumerate(groups):
        paper_id = final_ids[i]
        name = record_filename(paper_id)
        generated_names.add(name)
        rels = _quick_hash([r.model_dump() for r in relations[i]]) if relations[i] else ""
        if name in old.broken:
            new_state[paper_id] = state.raw(paper_id) if paper_id in state else {}
            continue  # never overwrite a file the user broke: its edits would be lost
        entry = group_cache.get(group_ids[i])
        if (
            entry is not None
            and entry[1] == rels
            and old.untouched(name)
            and old.written[name][2] == entry[2]
            and paper_id in state
        ):
            # The notes say what they said when this file was written, and nobody touched the file.
            new_state[paper_id] = state.raw(paper_id)
            written[name] = old.written[name]
            new_groups[group_ids[i]] = entry
            continue
        path = store.papers_dir / name
        paper = built.get(i) or _built(members, fetched, searched[i])
        base_key = paper_key(paper)
        paper.id = paper_id
        paper.relations = relations[i]
        generated = _quick_hash(paper.to_dict())
        new_groups[group_ids[i]] = (base_key, rels, generated)
        # A file untouched since this build's predecessor wrote it holds no new hand edit; it needs reading
        # only when it carries pinned fields, whose values must be kept.
        pinned_before = old.written.get(name, [0, 0, "", True])[3:4] != [False]
        previous = old.read(name) if not old.untouched(name) or pinned_before else None
        paper = _apply_hand_edits(paper, previous, state.get(paper.id, {}).get("fields", {}))
        text = dump_record(paper.to_dict())
        new_state[paper.id] = record_state(paper, text)
        old_text = old.texts.get(name) if name in old.texts else (_read_text(path) if name in old.files else None)
        if old_text != text:
            writes[path] = text
            records[name] = paper
            (report.changed if old_text is not None else report.created).append(store.display(path))
        written[name] = [*(old.files.get(name) or [0, 0]), generated, bool(paper.pinned)]
    deletes: list[Path] = []
    for name in old.files:
        if name in generated_names or name in old.broken:
            continue
        record = old.read(name)
        if record is None:
            continue
        path = store.path_of(record.id)
        remembered = state.get(record.id)
        untouched = remembered is not None and remembered.get("file") == value_hash(old.texts.get(name))
        if untouched and not record.pinned:
            deletes.append(path)
            report.deleted.append(store.display(path))
        else:
            new_state[record.id] = state.raw(record.id) if record.id in state else {}
            report.kept.append(store.display(path))
    report.errors = sorted(old.broken.values())
    for items in (report.created, report.changed, report.deleted, report.kept):
        items.sort()
    if check:
        return report
    try:
        for path, text in writes.items():
            atomic_write(path, text)
            written[path.name][:2] = _stat(path) or [0, 0]
        for path in deletes:
            path.unlink(missing_ok=True)
        from vlmnotes.index import note_written

        note_written(
            config.kb,
            [(p.name, records[p.name].model_dump(mode="json")) for p in writes if p.name in records],
            [p.name for p in deletes],
        )
        if state.changed_by(new_state) or not (config.kb / ".generated.json").exists():
            store.write_state(new_state)
    except OSError as exc:
        raise VlmnotesError(f"{store.display(config.kb)}: cannot write the knowledge base ({exc.strerror})") from exc
    cache.save()
    _GroupCache(new_groups).save(config.kb / GROUPS_FILE)
    _save_json(config.kb / WRITTEN_FILE, written)
    _write_built_from(config, collected.signature)
    return report


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


def _quick_hash(data: object) -> str:
    """A fast hash of generated record data, for the build's own cache (repr is C-fast and stable here)."""
    return hashlib.sha1(repr(data).encode("utf-8")).hexdigest()[:16]


def _read_text(path: Path) -> str | None:
    try:
        return path.read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _save_json(path: Path, data: object) -> None:
    """Write a cache file; failing to costs speed on the next build, never data."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, separators=(",", ":")), "utf-8")
    except OSError:
        pass
