"""Notes in, candidates out: read a note file safely, parse it, run the style extractors."""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

from vlmnotes.catalogue import Catalogue
from vlmnotes.errors import NoteReadError
from vlmnotes.parse.context import known_paper
from vlmnotes.parse.entry import GUESSED, Candidate
from vlmnotes.parse.fields import norm_key
from vlmnotes.parse.markdown import parse_document
from vlmnotes.parse.names import base_name
from vlmnotes.parse.styles import extract
from vlmnotes.vocab import Vocabulary

MAX_NOTE_BYTES = 8 * 1024 * 1024


class NoteText(NamedTuple):
    """A note's text with LF line ends, and how its file spells text (to write it back the same way)."""

    text: str
    encoding: str  # utf-8, utf-8-sig (with BOM) or gb18030
    newline: str  # "\n" or "\r\n"

    def encode(self, text: str) -> bytes:
        """New text as bytes in the file's own encoding and line ends."""
        return text.replace("\n", self.newline).encode(self.encoding)


def decode_note_text(data: bytes, name: str) -> NoteText:
    """Note bytes as text: UTF-8 (with or without BOM), else GB18030; CRLF and CR become LF."""
    if b"\x00" in data[:8192]:
        raise NoteReadError(f"{name}: binary file (NUL bytes), not a note; skipped")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding == "utf-8-sig" and not data.startswith(b"\xef\xbb\xbf"):
            encoding = "utf-8"
        newline = "\r\n" if "\r\n" in text else "\n"
        return NoteText(text.replace("\r\n", "\n").replace("\r", "\n"), encoding, newline)
    raise NoteReadError(f"{name}: neither UTF-8 nor GB18030 text; convert it to UTF-8 (iconv -t UTF-8)")


def read_note(path: Path, name: str) -> str:
    """The text of a note file, or NoteReadError naming the file and what to do."""
    return read_note_text(path, name).text


def read_note_text(path: Path, name: str) -> NoteText:
    """The text of a note file with its encoding and line ends, or NoteReadError."""
    try:
        size = path.stat().st_size
        if size > MAX_NOTE_BYTES:
            mib = size / 1024 / 1024
            raise NoteReadError(f"{name}: {mib:.1f} MiB is larger than a note can be (8 MiB); split the file")
        data = path.read_bytes()
    except OSError as exc:
        raise NoteReadError(f"{name}: cannot read ({exc.strerror or exc})") from exc
    return decode_note_text(data, name)


def parse_text(text: str, name: str, vocab: Vocabulary, catalogue: Catalogue | None = None) -> list[Candidate]:
    """Every candidate paper entry in a note's text; `name` is the file name recorded in sources.

    Entries that name a well-known paper without giving its arXiv id, title or date get them from the
    catalogue (marked in `catalogued`, never over what the note says). Each candidate gets a fingerprint of
    what it says, so a build can tell the entries that changed in an edited note from those that did not."""
    import hashlib

    from vlmnotes.catalogue import load_catalogue

    known = catalogue if catalogue is not None else load_catalogue()
    cands = extract(parse_document(name, text), vocab, catalogue=known)
    from vlmnotes.parse.merge import merge_keys

    for cand in cands:
        fill_from_catalogue(cand, known)
        cand.keys = merge_keys(cand)  # computed once here, not on every build over every cached entry
        cand.fingerprint = hashlib.sha1(repr(cand).encode("utf-8")).hexdigest()[:20]
    return cands


def fill_from_catalogue(cand: Candidate, catalogue: Catalogue) -> None:
    """Fill an entry's missing arXiv id, title and date from the known paper its name, alias or title names."""
    if cand.arxiv_id:
        paper = catalogue.by_id(cand.arxiv_id)
    else:
        paper = None
        for name in [cand.name, *cand.aliases]:
            if name and (paper := known_paper(catalogue, name) or known_paper(catalogue, base_name(name))):
                break
        if paper is not None and cand.title and not same_title(cand.title, paper.title):
            paper = None  # 'Apollo: An Exploration of Video …' is not the known APoLLo: same name, two papers
        if paper is None and cand.title:
            paper = catalogue.by_title(cand.title)
        if paper is None:
            return
        cand.arxiv_id = paper.arxiv_id
        cand.catalogued.append("arxiv_id")
    if paper is None:
        return
    if not cand.name and paper.name:
        cand.set_name(paper.name, GUESSED)
        cand.catalogued.append("name")
        own = norm_key(paper.name)  # read before the name was known: the paper is not its own part
        for slot, values in cand.components.items():
            cand.components[slot] = [v for v in values if norm_key(v) != own]
    if not cand.title and paper.title:
        cand.title = paper.title
        cand.catalogued.append("title")
    if not cand.date and paper.date:
        cand.set_date(paper.date, GUESSED)
        cand.catalogued.append("date")


def same_title(a: str, b: str) -> bool:
    """True when two titles are one paper's: equal once a leading 'Name:' is set aside, or nearly so."""
    import difflib

    def key(title: str) -> str:
        return norm_key(re.sub(r"^[^:：]{1,40}[:：]\s*", "", title))

    ka, kb = key(a), key(b)
    if not ka or not kb:
        return True
    return ka == kb or ka in kb or kb in ka or difflib.SequenceMatcher(None, ka, kb).ratio() >= 0.8


def parse_file(path: Path, name: str, vocab: Vocabulary, catalogue: Catalogue | None = None) -> list[Candidate]:
    """Every candidate paper entry in a note file."""
    return parse_text(read_note(path, name), name, vocab, catalogue)
