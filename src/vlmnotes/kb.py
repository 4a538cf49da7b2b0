"""The knowledge base as a whole: find the notes, re-parse what changed, merge, and write the store.

Data flows one way: notes → parse → merge → store. A parse cache under kb/.cache/ (git-ignored)
remembers each note's candidates by modification time and size, so a build re-parses only the
notes that changed; the cache is rebuilt silently when it is missing or unreadable.
"""

from __future__ import annotations

import json
import os
import pickle
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vlmnotes import __version__
from vlmnotes.errors import NoteReadError, UsageError, VlmnotesError

if TYPE_CHECKING:  # the store and the model load lazily: a fresh-index search needs neither
    from vlmnotes.model import Paper
    from vlmnotes.store import LoadResult

DEFAULT_EXTENSIONS = (".md", ".markdown", ".txt")
USER_VOCAB_NAME = "vlmnotes-vocab.yaml"
CACHE_FILE = Path(".cache") / "parsed.pickle"
BUILT_FILE = Path(".cache") / "built-from.json"


def _parser_signature() -> str:
    """The version plus the size and time of the parser's own files: a changed parser re-parses every note."""
    here = Path(__file__).parent
    parts = [__version__]
    for path in sorted([*(here / "parse").glob("*.py"), *(here / "vocab").glob("*.*")]):
        st = path.stat()
        parts.append(f"{path.name}:{st.st_size}:{st.st_mtime_ns}")
    return "|".join(parts)


_CACHE_VERSION = _parser_signature()


@dataclass(frozen=True)
class Config:
    """Where the notes and the knowledge base are, and which files count as notes."""

    notes: tuple[Path, ...]
    kb: Path
    extensions: tuple[str, ...] = DEFAULT_EXTENSIONS

    @property
    def vocab_file(self) -> Path | None:
        """The user's vocabulary file in the (first) notes folder, if there is one."""
        for path in self.notes:
            if path.is_dir() and (path / USER_VOCAB_NAME).is_file():
                return path / USER_VOCAB_NAME
        return None


def find_notes_dir(start: Path) -> Path | None:
    """The nearest `notes/` folder at or above `start`."""
    for folder in [start, *start.parents]:
        if (folder / "notes").is_dir():
            return folder / "notes"
    return None


def note_files(config: Config) -> list[tuple[Path, str]]:
    """Every note file as (path, name shown in sources): names are relative to their notes folder."""
    out: list[tuple[Path, str]] = []
    kb = config.kb.resolve()
    for root in config.notes:
        if root.is_file():
            out.append((root, root.name))
            continue
        if not root.is_dir():
            raise UsageError(f"{root}: no such notes folder or file; pass --notes PATH or set VLMNOTES_NOTES")
        for folder, dirs, files in os.walk(root):
            here = Path(folder)
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") and (here / d).resolve() != kb)
            for name in sorted(files):
                if name.lower().endswith(config.extensions) and not name.startswith("."):
                    path = here / name
                    out.append((path, path.relative_to(root).as_posix()))
    return out


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


def _read_built_from(config: Config) -> Any:
    try:
        return json.loads((config.kb / BUILT_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return None


def _write_built_from(config: Config, signature: tuple[Any, ...]) -> None:
    try:
        path = config.kb / BUILT_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(signature), "utf-8")
    except OSError:
        pass


def _signature(config: Config, notes: list[tuple[Path, str]]) -> tuple[Any, ...]:
    """What a build is made from: the kb path, each note's name, time and size, the user vocabulary, the parser."""
    stats = []
    for path, name in notes:
        try:
            st = path.stat()
            stats.append((name, st.st_mtime_ns, st.st_size))
        except OSError:
            stats.append((name, 0, -1))
    vocab = config.vocab_file
    vocab_sig = (vocab.stat().st_mtime_ns, vocab.stat().st_size) if vocab else None
    return (str(config.kb.resolve()), tuple(stats), vocab_sig, _CACHE_VERSION)


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


def build(config: Config, *, check: bool = False) -> BuildReport:
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


def is_current(config: Config) -> bool:
    """True when no note (nor the user vocabulary) changed since the last build."""
    built = _read_built_from(config)
    if not built or not (config.kb / "papers").is_dir():
        return False
    return bool(json.loads(json.dumps(_signature(config, note_files(config)))) == built)


def load_current(config: Config) -> tuple[LoadResult, BuildReport | None]:
    """The records, after bringing the knowledge base up to date if a note changed."""
    from vlmnotes.store import Store

    report = None
    if not is_current(config):
        report = build(config)
    result = Store(config.kb).load()
    result.papers.sort(key=lambda p: (p.date or "9999", (p.name or p.title or p.id).lower()))
    return result, report


def record_file(config: Config, paper: Paper) -> Path:
    """The record file of a paper."""
    from vlmnotes.store import record_filename

    return config.kb / "papers" / record_filename(paper.id)


def find_paper(papers: list[Paper], query: str) -> Paper:
    """The paper a user means by a name, alias, id, arXiv id (any URL form) or title."""
    from difflib import get_close_matches

    from vlmnotes.errors import NotFoundError
    from vlmnotes.parse.fields import arxiv_id_from_url, norm_key

    wanted = query.strip()
    arxiv = arxiv_id_from_url(wanted)
    if arxiv is None and re.fullmatch(r"\d{4}\.\d{4,5}(?:v\d+)?", wanted):
        arxiv = wanted.split("v")[0]
    key = norm_key(wanted)
    for paper in papers:
        if wanted in (paper.id, paper.arxiv_id) or (arxiv and arxiv == paper.arxiv_id):
            return paper
    for paper in papers:
        names = [paper.name, *paper.aliases]
        if key and key in {norm_key(n) for n in names if n}:
            return paper
    for paper in papers:
        if key and paper.title and norm_key(paper.title) == key:
            return paper
    labels = {n: p for p in papers for n in [p.name, *p.aliases] if n}
    close = get_close_matches(wanted, list(labels), n=3, cutoff=0.6)
    if not close:
        lowered = {n.lower(): n for n in labels}
        close = [lowered[n] for n in get_close_matches(wanted.lower(), list(lowered), n=3, cutoff=0.6)]
    hint = f"; did you mean {', '.join(close)}?" if close else "; `vlmnotes list` shows every paper"
    raise NotFoundError(f"no paper matches '{query}'{hint}")
