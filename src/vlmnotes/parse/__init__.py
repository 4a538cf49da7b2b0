"""Notes in, candidates out: read a note file safely, parse it, run the style extractors."""

from __future__ import annotations

import os
import re
import stat
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

# The largest note read whole. Reading a note of real notes text (markdown-it, the block tree, the style
# extractors) takes about 3 s a MiB on 2 cores, close to linear now that section look-ups are indexed
# (parse/context.py); benchmarks/hostile.py measures it. A larger note is read up to here, cut before a
# heading, with a warning. The largest real notes seen are 40 KB.
MAX_NOTE_BYTES = 1024 * 1024


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


def read_note(path: Path, name: str, *, warnings: list[str] | None = None) -> str:
    """The text of a note file, or NoteReadError naming the file and what to do (see read_note_text)."""
    return read_note_text(path, name, warnings=warnings).text


def read_note_text(path: Path, name: str, *, warnings: list[str] | None = None) -> NoteText:
    """The text of a note file with its encoding and line ends, or NoteReadError.

    Only a regular file is read (a FIFO would block, /dev/zero never ends). A note over MAX_NOTE_BYTES is
    refused; a caller that passes `warnings` reads its first MAX_NOTE_BYTES instead, cut at a heading, and
    gets a warning saying so. A caller that writes the note back must not pass one."""
    data, size = _read_regular(path, name, MAX_NOTE_BYTES)
    if len(data) <= MAX_NOTE_BYTES:
        return decode_note_text(data, name)
    cap = _size(MAX_NOTE_BYTES)
    mib = _size(size) if size > MAX_NOTE_BYTES else f"more than {cap}"  # a file that grew, or is in /proc
    if warnings is None:
        raise NoteReadError(f"{name}: {mib} is larger than a note can be ({cap}); split the file")
    note = decode_note_text(_head(data[:MAX_NOTE_BYTES]), name)
    lines = note.text.rstrip("\n").count("\n") + 1
    what = f"only its first {lines} lines were read; split the file"
    warnings.append(f"{name}: {mib} is larger than a note is read whole ({cap}); {what}")
    return note


def _size(count: int) -> str:
    return f"{count / 1024 / 1024:.1f} MiB" if count >= 1024 * 1024 else f"{count // 1024} KiB"


_KINDS = {stat.S_IFIFO: "a FIFO", stat.S_IFCHR: "a character device", stat.S_IFBLK: "a block device",
          stat.S_IFSOCK: "a socket", stat.S_IFDIR: "a folder"}  # fmt: skip


def _regular(name: str, mode: int) -> None:
    if not stat.S_ISREG(mode):
        raise NoteReadError(f"{name}: not a regular file ({_KINDS.get(stat.S_IFMT(mode), 'special')}); skipped")


def _read_regular(path: Path, name: str, limit: int) -> tuple[bytes, int]:
    """At most limit + 1 bytes of a regular file (following symlinks), and the size the file says it has."""
    try:
        _regular(name, os.stat(path).st_mode)
        # O_NONBLOCK: should the file be swapped for a FIFO after the check, opening it still does not wait.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
        try:
            info = os.fstat(fd)
            _regular(name, info.st_mode)
            chunks: list[bytes] = []
            left = limit + 1
            while left > 0 and (chunk := os.read(fd, min(left, 1 << 20))):
                chunks.append(chunk)
                left -= len(chunk)
        finally:
            os.close(fd)
    except OSError as exc:
        raise NoteReadError(f"{name}: cannot read ({exc.strerror or exc})") from exc
    return b"".join(chunks), info.st_size


def _head(data: bytes) -> bytes:
    """The bytes of a note's head up to a place to cut: before its last heading in the final quarter, else at
    its last line end (a newline or a space is never inside a UTF-8 or GB18030 character)."""
    floor = len(data) * 3 // 4
    for mark, start in ((b"\n#", floor), (b"\n\n", floor), (b"\n", 0), (b" ", 0)):
        at = data.rfind(mark, start)
        if at >= 0:
            return data[: at + 1]
    return data


def parse_text(
    text: str,
    name: str,
    vocab: Vocabulary,
    catalogue: Catalogue | None = None,
    *,
    warnings: list[str] | None = None,
) -> list[Candidate]:
    """Every candidate paper entry in a note's text; `name` is the file name recorded in sources.

    Entries that name a well-known paper without giving its arXiv id, title or date get them from the
    catalogue (marked in `catalogued`, never over what the note says). Each candidate gets a fingerprint of
    what it says, so a build can tell the entries that changed in an edited note from those that did not.
    What could only be read in part (lists nested too deep, a paragraph too long) is appended to `warnings`,
    one line each naming the place."""
    import hashlib

    from vlmnotes.catalogue import load_catalogue

    known = catalogue if catalogue is not None else load_catalogue()
    doc = parse_document(name, text)
    if warnings is not None:
        warnings += doc.warnings
    cands = extract(doc, vocab, catalogue=known)
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


def parse_file(
    path: Path,
    name: str,
    vocab: Vocabulary,
    catalogue: Catalogue | None = None,
    *,
    warnings: list[str] | None = None,
) -> list[Candidate]:
    """Every candidate paper entry in a note file; what could only be read in part (a note too large, lists
    nested too deep, a paragraph too long) is appended to `warnings`, one line each naming the place."""
    heard = warnings if warnings is not None else []  # a note too large is read in part, said or not
    return parse_text(read_note(path, name, warnings=heard), name, vocab, catalogue, warnings=heard)
