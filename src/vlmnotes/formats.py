"""Plain-text record formats for pipes and files: TSV, CSV, Markdown, JSON and YAML. No rich, no pydantic.

It also holds the one rule every output follows for text that comes from a note or a record (`clean`,
`one_line`, `md_text`, `json_safe`) and for links (`web_link`, `paper_link`): the other views import them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from typing import Any


def _pattern(text: str, flags: int = 0) -> Callable[[], re.Pattern[str]]:
    """A regular expression compiled when it is first used: these classes of non-ASCII characters take a
    millisecond each to compile, which a search (that needs none of them) would pay at its start."""
    return cache(lambda: re.compile(text, flags))


# --- note text and links, the same way in every output ----------------------------------------------------------

# Characters no output carries from a note: C0 controls but tab and newline (ESC starts a terminal escape
# sequence, BEL ends one, CR moves back over what was written), DEL, the C1 controls (U+009B is a one-character
# CSI), the bidirectional embeddings, overrides and isolates that make a terminal or an editor show text in
# another order than it is stored, and what XML forbids or UTF-8 cannot write (U+FFFE, U+FFFF, lone surrogates).
_UNSAFE = _pattern("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufffe\uffff\ud800-\udfff]")
# Whatever some reader takes for the end of a line (str.splitlines does for all of them), and tab.
_BREAK = _pattern("[\t\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
# A web address, with nothing in it a terminal or a page would act on.
_WEB_LINK = _pattern(r"https?://[^\s\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]+", re.IGNORECASE)


def clean(value: object) -> str:
    """Note text ('' for None) without the characters no output should carry; tab and newline kept."""
    text = "" if value is None else str(value)
    if text.isascii() and text.isprintable():  # the common case, without the pattern
        return text
    return _UNSAFE().sub("", text)


def one_line(value: object) -> str:
    """Note text for a cell or a line: `clean`, with every tab and line break a space."""
    return clean(_BREAK().sub(" ", "" if value is None else str(value)))


def web_link(url: str | None) -> str | None:
    """The URL if an output may carry it as a link: http(s) only, never javascript:, data:, vbscript: or the like."""
    return url if url and _WEB_LINK().fullmatch(url) else None


def paper_link(record: dict[str, Any]) -> str | None:
    """Where a record's paper is on the web: the first of its paper and PDF links that `web_link` accepts."""
    links = record.get("links") or {}
    return next((url for url in (links.get("paper"), links.get("pdf")) if web_link(url)), None)


# Backslash-escaped (CommonMark escapes any ASCII punctuation), these can start no link, image, autolink, raw
# HTML, emphasis or code span and end no table cell; `\` first, so an escape in the note stays text.
_MD_INLINE = _pattern(r"([\\`*_\[\]<|])")
# At the start of a line item these would make a heading, a list or a quote of the text.
_MD_BLOCK = _pattern(r"(#{1,6}|[-+>]|\d{1,9}[.)])(?=\s|$)")
_MD_URL = _pattern(r"([\\()|])")


def md_text(value: object) -> str:
    """Note text for a Markdown table cell or list item: on one line, shown as written, never markup."""
    text = _MD_INLINE().sub(r"\\\1", one_line(value))
    block = _MD_BLOCK().match(text)
    if block:
        at = block.end() - 1 if text[0].isdigit() else 0
        text = text[:at] + "\\" + text[at:]
    return text


def md_link(text: str, url: str | None) -> str:
    """`text` (already Markdown) as a link to `url` when that is a web address, else `text` alone."""
    url = web_link(url)
    if not (url and text):
        return text
    return f"[{text}](" + _MD_URL().sub(r"\\\1", url) + ")"


# JSON escapes C0 controls itself; these it writes as they are, and a terminal acts on them or hides them.
_JSON_INVISIBLE = _pattern("[\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029\ud800-\udfff]")


def json_safe(text: str) -> str:
    """JSON text (from json.dumps) with the characters `_JSON_INVISIBLE` names written as \\u escapes: the
    same data, nothing a terminal acts on (outside strings json.dumps writes only ASCII)."""
    if text.isascii() and "\x7f" not in text:  # the common case, without the pattern
        return text
    return _JSON_INVISIBLE().sub(lambda m: f"\\u{ord(m[0]):04x}", text)


def count(n: int, noun: str, plural: str | None = None) -> str:
    """'1 paper', '2 papers', '0 papers': a number and its noun, in the singular only for one."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


# --- the formats ------------------------------------------------------------------------------------------------

_PLAIN_COLUMNS = ("id", "name", "date", "orgs", "venue", "title")


def _plain(record: dict[str, Any], key: str) -> str:
    value = record.get(key)
    if isinstance(value, list):
        value = ", ".join(str(v) for v in value)
    return one_line(value or "")


def records_tsv(records: list[dict[str, Any]]) -> str:
    """Tab-separated lines (id, name, date, orgs, venue, title) with a header, for pipes and scripts."""
    rows = ["\t".join(_PLAIN_COLUMNS)]
    rows += ["\t".join(_plain(r, k) for k in _PLAIN_COLUMNS) for r in records]
    return "\n".join(rows) + "\n"


# A spreadsheet runs a cell that starts with one of these as a formula (OWASP: CSV injection); an apostrophe
# in front makes it text. Leading spaces are looked past: `_plain` turns a leading tab or CR into one, and
# some spreadsheets trim them before they look.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(text: str) -> str:
    return "'" + text if text.lstrip(" ").startswith(_FORMULA_START) else text


def records_csv(records: list[dict[str, Any]]) -> str:
    """CSV with a header: id, name, year, date, orgs, venue, arxiv_id, title; a cell a spreadsheet would run as
    a formula starts with an apostrophe."""
    import csv
    import io

    columns = ("id", "name", "year", "date", "orgs", "venue", "arxiv_id", "title")
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for r in records:
        writer.writerow([_csv_cell(_plain(r, k)) for k in columns])
    return buf.getvalue()


def records_md(records: list[dict[str, Any]]) -> str:
    """A Markdown table: name, year, orgs, venue, title linked to the paper (web addresses only)."""
    lines = ["| name | year | org | venue | title |", "| --- | --- | --- | --- | --- |"]
    for r in records:
        name, year, orgs, venue = (md_text(_plain(r, k)) for k in ("name", "year", "orgs", "venue"))
        title = md_link(md_text(_plain(r, "title")), paper_link(r))
        lines.append(f"| {name} | {year} | {orgs} | {venue} | {title} |")
    return "\n".join(lines) + "\n"


def record_json(record: dict[str, Any]) -> str:
    """One record as every `--format json` writes it: on one line (the C encoder, which an indented dump cannot
    use), Chinese as it is, `json_safe`. The index keeps this text of every record, so that a listing writes it
    as it is."""
    return json_safe(json.dumps(record, ensure_ascii=False))


def json_array(texts: Iterable[bytes]) -> Iterator[bytes]:
    """The pieces of a JSON array of records, a record a line (jq- and grep-friendly), from their `record_json`
    texts in UTF-8, written as they come."""
    sep = b"[\n"
    for text in texts:
        yield sep
        yield text
        sep = b",\n"
    yield b"[]\n" if sep == b"[\n" else b"\n]\n"


def records_json(records: list[dict[str, Any]]) -> str:
    """A JSON array of records keyed as in the schema (json_array)."""
    return b"".join(json_array(record_json(r).encode("utf-8") for r in records)).decode("utf-8")


def records_yaml(records: list[dict[str, Any]]) -> str:
    """YAML documents in the store's own format."""
    from vlmnotes.model import Paper
    from vlmnotes.store import dump_record

    return "".join("---\n" + dump_record(Paper.model_validate(r).to_dict()) for r in records)


# Component slots as a reader names them (model.SLOTS in order).
SLOT_LABELS = {
    "vision_encoder": "vision encoder",
    "text_encoder": "text encoder",
    "llm": "LLM",
    "connector": "connector",
    "losses": "losses",
    "architecture": "architecture",
}
