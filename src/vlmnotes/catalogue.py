"""The known-paper catalogue: well-known papers found by their short name, their title or their arXiv id.

The built-in table is `vocab/papers.tsv` (made by `tools/make_catalogue.py`; columns arxiv_id, name, aliases,
title, date, orgs, with aliases and orgs joined by `|`). A user extends it with a `vlmnotes-papers.tsv` in the
same columns, header line first; blank lines and lines starting with # are skipped. A user row replaces the
built-in row of the same paper (its empty cells keep the built-in values), and a name the user gives points at
the user's paper whatever the built-in table says.

Names match whole and exactly after normalisation ('LLaVA 1.5' == 'llava-1.5' == 'LLaVA1.5'), never as a word
inside a sentence; a name that two papers share answers nothing.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from vlmnotes.errors import VocabularyError

USER_FILE = "vlmnotes-papers.tsv"
COLUMNS = ("arxiv_id", "name", "aliases", "title", "date", "orgs")

# Removed from a name after NFKC and casefolding: hyphens and dashes, underscores, dots and middle dots.
_DROP = str.maketrans("", "", "-_.·・‐‑‒–—―−")
_NOT_ALNUM = re.compile(r"[\W_]+")
_NOT_ALNUM_ASCII = re.compile(r"[^a-z0-9]+")
_ARXIV_ID = re.compile(r"\d{4}\.\d{4,5}|[a-z][a-z\-]*(?:\.[A-Z]{2})?/\d{7}")
_NEW_STYLE = re.compile(r"(\d\d)(\d\d)\.\d{4,5}")
_DATE = re.compile(r"\d{4}-(?:0[1-9]|1[0-2])")


def name_key(name: str) -> str:
    """The look-up key of a name: NFKC, casefolded, without spaces, hyphens, underscores or dots."""
    if not name.isascii():  # NFKC leaves ASCII as it is; skipping it halves the cost of loading
        name = unicodedata.normalize("NFKC", name)
    return "".join(name.casefold().split()).translate(_DROP)


def title_key(title: str) -> str:
    """The look-up key of a title: its letters and digits only, casefolded."""
    if title.isascii():
        return _NOT_ALNUM_ASCII.sub("", title.lower())
    return _NOT_ALNUM.sub("", unicodedata.normalize("NFKC", title).casefold())


@dataclass(frozen=True, slots=True)
class KnownPaper:
    """One paper of the catalogue."""

    arxiv_id: str  # new-style arXiv id without version, '2103.00020'
    name: str  # the short name most sources use, 'CLIP'
    aliases: tuple[str, ...]  # other names and spellings of the same paper
    title: str  # the title as sources write it
    date: str  # YYYY-MM of the first arXiv version
    orgs: tuple[str, ...]  # organisations, where a source states them

    @property
    def names(self) -> tuple[str, ...]:
        """The name, then the aliases."""
        return (self.name, *self.aliases) if self.name else self.aliases


class Catalogue:
    """Known papers by name, title and arXiv id; `overrides` (a user's rows) win over `papers`."""

    def __init__(self, papers: Iterable[KnownPaper], overrides: Iterable[KnownPaper] = ()) -> None:
        self._by_id: dict[str, KnownPaper] = {p.arxiv_id: p for p in papers}
        self._by_title: dict[str, KnownPaper | None] | None = None  # built on the first by_title call
        claims: dict[str, set[str]] = {}
        for user in overrides:
            self._by_id[user.arxiv_id] = _fill(user, self._by_id.get(user.arxiv_id))
            for key in {name_key(n) for n in user.names}:
                claims.setdefault(key, set()).add(user.arxiv_id)
        self._by_key = _index(self._by_id.values(), name_key, lambda p: p.names)
        for key, ids in claims.items():
            self._by_key[key] = self._by_id[next(iter(ids))] if len(ids) == 1 else None

    def lookup(self, name: str) -> KnownPaper | None:
        """The paper whose name or alias is exactly `name` after normalisation; None when unknown or shared."""
        return self._by_key.get(name_key(name))

    def by_title(self, title: str) -> KnownPaper | None:
        """The paper whose title is `title`, comparing letters and digits only; None when unknown or shared."""
        if self._by_title is None:
            self._by_title = _index(self._by_id.values(), title_key, lambda p: (p.title,) if p.title else ())
        return self._by_title.get(title_key(title))

    def by_id(self, arxiv_id: str) -> KnownPaper | None:
        """The paper with this arXiv id (no version suffix)."""
        return self._by_id.get(arxiv_id.strip())

    def is_known_name(self, name: str) -> bool:
        """Whether `name` names exactly one known paper."""
        return self.lookup(name) is not None

    def __len__(self) -> int:
        return len(self._by_id)

    def __iter__(self) -> Iterator[KnownPaper]:
        return iter(self._by_id.values())


def _index(
    papers: Iterable[KnownPaper],
    key_of: Callable[[str], str],
    values_of: Callable[[KnownPaper], Iterable[str]],
) -> dict[str, KnownPaper | None]:
    """Key -> paper; None marks a key that two papers share."""
    index: dict[str, KnownPaper | None] = {}
    for paper in papers:
        for value in values_of(paper):
            key = key_of(value)
            if not key:
                continue
            if key not in index:
                index[key] = paper
            else:
                other = index[key]
                if other is not None and other.arxiv_id != paper.arxiv_id:
                    index[key] = None
    return index


def _fill(user: KnownPaper, base: KnownPaper | None) -> KnownPaper:
    """A user's row over the built-in row of the same paper: empty cells keep the built-in values."""
    if base is None:
        return user
    seen = {name_key(n) for n in user.names}
    extra = tuple(n for n in base.names if name_key(n) not in seen)
    return KnownPaper(
        arxiv_id=user.arxiv_id,
        name=user.name,
        aliases=user.aliases + extra,
        title=user.title or base.title,
        date=user.date or base.date,
        orgs=user.orgs or base.orgs,
    )


def _split(cell: str) -> tuple[str, ...]:
    return tuple(p for p in (s.strip() for s in cell.split("|")) if p) if cell else ()


@lru_cache(maxsize=1)
def _builtin() -> tuple[KnownPaper, ...]:
    """The shipped table: written by tools/make_catalogue.py with no quoting (no cell holds a tab or a newline),
    so plain splitting reads it, four times faster than the csv module."""
    # Anchored on the top package: files("vlmnotes.vocab") would import the YAML vocabulary (+25 ms) just to
    # find the folder. importlib.resources itself costs ~15 ms to import, paid only when the table is read.
    from importlib import resources

    return _parse_table(resources.files("vlmnotes").joinpath("vocab").joinpath("papers.tsv").read_text("utf-8"))


def _parse_table(text: str) -> tuple[KnownPaper, ...]:
    rows = (line.split("\t") for line in text.split("\n")[1:] if line)
    return tuple(
        KnownPaper(aid, name, tuple(aliases.split("|")) if aliases else (), title, date, _split(orgs))
        for aid, name, aliases, title, date, orgs in rows
    )


def _date_of(arxiv_id: str) -> str:
    match = _NEW_STYLE.fullmatch(arxiv_id)
    return f"20{match.group(1)}-{match.group(2)}" if match else ""


def _read_user(path: Path) -> list[KnownPaper]:
    """A user's catalogue file; every mistake is a VocabularyError naming the line and the fix."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise VocabularyError(f"{path}: cannot be read ({exc.strerror}); check that it is a readable file") from exc
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise VocabularyError(f"{path}:{line}: not UTF-8 text; save the file as UTF-8") from exc
    reader = csv.reader(io.StringIO(text, newline=""), delimiter="\t")
    header = f"'{', '.join(COLUMNS)}' (tab-separated)"
    papers: list[KnownPaper] = []
    first_line: dict[str, int] = {}
    end = 0
    try:
        for row in reader:
            line, end = end + 1, reader.line_num
            if line == 1:
                if [c.strip().lower() for c in row] != list(COLUMNS):
                    raise VocabularyError(f"{path}:1: the first line must be the header {header}; add it")
                continue
            if not row or not "".join(row).strip() or row[0].lstrip().startswith("#"):
                continue
            if any("\n" in cell or "\r" in cell or "\t" in cell for cell in row):
                raise VocabularyError(f'{path}:{line}: a quote (") opens a cell that never closes; close or remove it')
            papers.append(_user_row(path, line, row, first_line))
    except csv.Error as exc:
        raise VocabularyError(f"{path}:{reader.line_num}: {exc}; fix or remove the line") from exc
    if end == 0:
        raise VocabularyError(f"{path}:1: the first line must be the header {header}; add it")
    return papers


def _user_row(path: Path, line: int, row: list[str], first_line: dict[str, int]) -> KnownPaper:
    where = f"{path}:{line}"
    if len(row) > len(COLUMNS):
        raise VocabularyError(
            f"{where}: {len(row)} columns, expected at most 6 ({', '.join(COLUMNS)}); "
            "separate columns with one tab and join several aliases or orgs with |"
        )
    arxiv_id, name, aliases, title, date, orgs = (c.strip() for c in row + [""] * (len(COLUMNS) - len(row)))
    if not _ARXIV_ID.fullmatch(arxiv_id):
        raise VocabularyError(f"{where}: '{arxiv_id[:40]}' is not an arXiv id; write it like 2103.00020")
    if arxiv_id in first_line:
        raise VocabularyError(f"{where}: {arxiv_id} is already on line {first_line[arxiv_id]}; keep one row a paper")
    first_line[arxiv_id] = line
    if not name:
        raise VocabularyError(f"{where}: the name column is empty; give the paper's short name or remove the row")
    if date and not _DATE.fullmatch(date):
        raise VocabularyError(f"{where}: date '{date[:20]}' is not YYYY-MM; write it like 2021-03 or leave it empty")
    return KnownPaper(arxiv_id, name, _split(aliases), title, date or _date_of(arxiv_id), _split(orgs))


@lru_cache(maxsize=8)
def load_catalogue(user_file: Path | None = None) -> Catalogue:
    """The built-in catalogue, extended and overridden by a user's `vlmnotes-papers.tsv` when it exists."""
    builtin = _builtin()
    if user_file is None or not user_file.is_file():
        return Catalogue(builtin)
    return Catalogue(builtin, _read_user(user_file))
