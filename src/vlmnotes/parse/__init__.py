"""Notes in, candidates out: read a note file safely, parse it, run the style extractors."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from vlmnotes.errors import NoteReadError
from vlmnotes.parse.entry import Candidate
from vlmnotes.parse.markdown import parse_document
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


def parse_text(text: str, name: str, vocab: Vocabulary) -> list[Candidate]:
    """Every candidate paper entry in a note's text; `name` is the file name recorded in sources.

    Each candidate gets a fingerprint of what it says, so a build can tell the entries that changed in an
    edited note from those that did not."""
    import hashlib

    cands = extract(parse_document(name, text), vocab)
    for cand in cands:
        cand.fingerprint = hashlib.sha1(repr(cand).encode("utf-8")).hexdigest()[:20]
    return cands


def parse_file(path: Path, name: str, vocab: Vocabulary) -> list[Candidate]:
    """Every candidate paper entry in a note file."""
    return parse_text(read_note(path, name), name, vocab)
