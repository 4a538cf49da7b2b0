"""Building the knowledge base: re-parse the notes that changed, merge, and write the store.

A parse cache under kb/.cache/ (git-ignored) remembers each note's candidates by modification time
and size, so a build re-parses only the notes that changed; the cache is rebuilt silently when it is
missing or unreadable.
"""

from __future__ import annotations

import json
import os
import pickle
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vlmnotes.errors import NoteReadError, VlmnotesError
from vlmnotes.kb import (
    _CACHE_VERSION,
    CACHE_FILE,
    Config,
    _read_built_from,
    _signature,
    _write_built_from,
    is_current,
    note_files,
)
from vlmnotes.model import Paper
from vlmnotes.store import LoadResult


@dataclass
class ParseCache:
    """Candidates of each note by (mtime, size), plus what the last build was made from."""

    files: dict[str, tuple[int, int, list[Any]]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> ParseCache:
        """The cache at path, or an empty one when it is missing, stale or unreadable."""
        try:
            with path.open("rb") as fh:
                data = pickle.load(fh)
            if data.get("version") == _CACHE_VERSION:
                return cls(data["files"])
        except Exception:  # any unreadable cache is simply rebuilt
            pass
        return cls()

    def save(self, path: Path) -> None:
        """Write the cache; failure to write it costs speed, never data, so it is ignored."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            with tmp.open("wb") as fh:
                pickle.dump({"version": _CACHE_VERSION, "files": self.files}, fh)
            os.replace(tmp, path)
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
    from vlmnotes.parse import parse_file
    from vlmnotes.vocab import load_vocabulary

    vocab = load_vocabulary(config.vocab_file)
    notes = note_files(config)
    signature = _signature(config, notes)
    built = _read_built_from(config)
    vocab_changed = not built or built[2:3] != json.loads(json.dumps(signature[2:3]))
    candidates: list[Any] = []
    skipped: list[str] = []
    reparsed = 0
    files: dict[str, tuple[int, int, list[Any]]] = {}
    for (path, name), (_, mtime, size) in zip(notes, signature[1], strict=True):
        hit = cache.files.get(name)
        if hit and hit[0] == mtime and hit[1] == size and not vocab_changed:
            cands = hit[2]
        else:
            try:
                cands = parse_file(path, name, vocab)
            except NoteReadError as exc:
                skipped.append(str(exc))
                continue
            except RecursionError:
                skipped.append(f"{name}: nested too deeply to read; flatten the deepest lists or quotes")
                continue
            reparsed += 1
        files[name] = (mtime, size, cands)
        candidates += cands
    cache.files = files
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


def run_build(config: Config, *, check: bool = False) -> BuildReport:
    """Bring kb/ up to date with the notes; with check, change nothing and report what would change."""
    from vlmnotes.parse.merge import merge
    from vlmnotes.store import Store, atomic_write, dump_record, record_state, value_hash

    store = Store(config.kb)
    cache = ParseCache.load(config.kb / CACHE_FILE)
    collected = collect(config, cache)
    papers = merge(collected.candidates)
    existing = store.load()
    report = BuildReport(
        papers=len(papers),
        skipped=collected.skipped,
        reparsed=collected.reparsed,
        notes=len(collected.signature[1]),
    )
    report.errors = list(existing.errors)
    broken = {stem for stem in existing.texts if stem not in {p.id for p in existing.papers}}
    old_by_id = {p.id: p for p in existing.papers}
    state = store.read_state()
    new_state: dict[str, Any] = {}
    writes: dict[Path, str] = {}
    for paper in papers:
        path = store.path_of(paper.id)
        if path.stem in broken:
            new_state[paper.id] = state.get(paper.id, {})
            continue  # never overwrite a file the user broke: its edits would be lost
        remembered = state.get(paper.id, {}).get("fields", {})
        paper = _apply_hand_edits(paper, old_by_id.get(paper.id), remembered)
        text = dump_record(paper.to_dict())
        new_state[paper.id] = record_state(paper, text)
        old_text = existing.texts.get(paper.id)
        if old_text != text:
            writes[path] = text
            (report.changed if old_text is not None else report.created).append(store.display(path))
    deletes: list[Path] = []
    generated = {p.id for p in papers}
    for old in existing.papers:
        if old.id in generated:
            continue
        path = store.path_of(old.id)
        remembered = state.get(old.id)
        untouched = remembered is not None and remembered.get("file") == value_hash(existing.texts.get(old.id))
        if untouched and not old.pinned:
            deletes.append(path)
            report.deleted.append(store.display(path))
        else:
            new_state[old.id] = remembered or {}
            report.kept.append(store.display(path))
    if check:
        return report
    try:
        for path, text in writes.items():
            atomic_write(path, text)
        for path in deletes:
            path.unlink(missing_ok=True)
        if writes or deletes or not (config.kb / ".generated.json").exists():
            store.write_state(new_state)
    except OSError as exc:
        raise VlmnotesError(f"{store.display(config.kb)}: cannot write the knowledge base ({exc.strerror})") from exc
    cache.save(config.kb / CACHE_FILE)
    _write_built_from(config, collected.signature)
    return report


def load_current(config: Config) -> tuple[LoadResult, BuildReport | None]:
    """The records, after bringing the knowledge base up to date if a note changed."""
    from vlmnotes.store import Store

    report = None
    if not is_current(config):
        report = run_build(config)
    result = Store(config.kb).load()
    result.papers.sort(key=lambda p: (p.date or "9999", (p.name or p.title or p.id).lower()))
    return result, report
