"""The knowledge base as a whole: find the notes, re-parse what changed, merge, and write the store.

Data flows one way: notes → parse → merge → store. A parse cache under kb/.cache/ (git-ignored)
remembers each note's candidates by modification time and size, so a build re-parses only the
notes that changed; the cache is rebuilt silently when it is missing or unreadable.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from vlmnotes import __version__
from vlmnotes.errors import UsageError

if TYPE_CHECKING:  # the store and the model load lazily: a fresh-index search needs neither
    from vlmnotes.build import BuildReport

DEFAULT_EXTENSIONS = (".md", ".markdown", ".txt")
USER_VOCAB_NAME = "vlmnotes-vocab.yaml"
USER_CATALOGUE_NAME = "vlmnotes-papers.tsv"
NOTES_CACHE = Path(".cache") / "notes"
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


class Config(NamedTuple):
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

    @property
    def catalogue_file(self) -> Path | None:
        """The user's known-paper table (`vlmnotes-papers.tsv`) in the (first) notes folder, if there is one."""
        for path in self.notes:
            if path.is_dir() and (path / USER_CATALOGUE_NAME).is_file():
                return path / USER_CATALOGUE_NAME
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
    vocab_sig: Any = (vocab.stat().st_mtime_ns, vocab.stat().st_size) if vocab else None
    known = config.catalogue_file
    if known is not None:  # a changed known-paper table re-reads every note, like a changed vocabulary
        vocab_sig = (vocab_sig, known.stat().st_mtime_ns, known.stat().st_size)
    return (str(config.kb.resolve()), tuple(stats), vocab_sig, _CACHE_VERSION)


def is_current(config: Config) -> bool:
    """True when no note (nor the user vocabulary) changed since the last build."""
    built = _read_built_from(config)
    if not built or not (config.kb / "papers").is_dir():
        return False
    return bool(json.loads(json.dumps(_signature(config, note_files(config)))) == built)


def build(config: Config, *, check: bool = False) -> BuildReport:
    """Bring kb/ up to date with the notes (see vlmnotes.build); with check, only report."""
    from vlmnotes.build import run_build

    return run_build(config, check=check)
