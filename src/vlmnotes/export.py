"""Bibliography export: BibTeX (bibtexparser 2), RIS (rispy) and CSL-JSON, from records as plain data.

BibTeX and RIS are written by libraries rather than string templates: they know the escaping
(`&`, `%`, `_`, braces, accented letters) that hand-written templates get wrong. Chinese text is kept
as it is: BibTeX engines with UTF-8 input (biber, modern bibtex) read it, and LaTeX has no macro for it.
One thing they leave to us: BibTeX counts an escaped brace as a brace, so a lone brace in a title would end
the field early or swallow the rest of the file; `_balanced` rewrites such a brace.
Note text goes in as `formats.one_line` makes it (a newline would start a new RIS tag, a control character
would reach the terminal of whoever prints the file), and a link only when `formats.paper_link` accepts it.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Collection
from typing import Any

from vlmnotes.formats import json_safe, one_line, paper_link

Record = dict[str, Any]


def _keys_for(records: list[Record], keys: dict[str, str] | None) -> list[str]:
    """The citation key of each record: from `keys` (record id → key, as citekeys.assign_and_store gives
    them), else its stored `citekey`, else one made by the default pattern, unique within the records given."""
    from vlmnotes.citekeys import DEFAULT_PATTERN, KeyPattern, new_keys

    keys = dict(keys or {})
    for r in records:
        if r["id"] not in keys and r.get("citekey"):
            keys[r["id"]] = r["citekey"]
    missing = [r for r in records if r["id"] not in keys]
    if missing:
        keys |= new_keys(missing, set(keys.values()), KeyPattern.parse(DEFAULT_PATTERN))
    return [keys[r["id"]] for r in records]


def _venue_name(record: Record) -> str | None:
    venue = record.get("venue") or ""
    name = re.sub(r"\s*(?:19|20)\d{2}$", "", venue).strip()
    return name or None


def _date_parts(record: Record) -> list[int]:
    date = record.get("published") or record.get("date") or (str(record["year"]) if record.get("year") else "")
    return [int(p) for p in date.split("-") if p.isdigit()][:3]


# BibTeX counts every brace, `\{` too. A brace with no partner is rewritten: in text (where the LaTeX encoder
# writes it `\{`) as a macro whose own braces balance, in an identifier percent-encoded, as a URL has it.
_TEXT_BRACE = re.compile(r"\\?[{}]")
_LONE_IN_TEXT = {"{": r"\ensuremath{\lbrace}", "}": r"\ensuremath{\rbrace}"}
_IDENTIFIER_BRACE = re.compile(r"[{}]")
_LONE_IN_IDENTIFIER = {"{": "%7B", "}": "%7D"}


def _balanced(value: str, braces: re.Pattern[str], lone: dict[str, str]) -> str:
    """`value` with every brace that has no partner replaced by `lone[brace]`, so its braces balance."""
    opened: list[re.Match[str]] = []
    unmatched: list[re.Match[str]] = []
    for match in braces.finditer(value):
        if match[0].endswith("{"):
            opened.append(match)
        elif opened:
            opened.pop()
        else:
            unmatched.append(match)
    out: list[str] = []
    start = 0
    for match in sorted(unmatched + opened, key=lambda m: m.start()):
        out += [value[start : match.start()], lone[match[0][-1]]]
        start = match.end()
    return "".join(out) + value[start:]


def _balanced_text(key: str, value: str) -> str:
    # Each author on their own: a brace group spanning ' and ' would make two authors one.
    parts = value.split(" and ") if key == "author" else [value]
    return " and ".join(_balanced(part, _TEXT_BRACE, _LONE_IN_TEXT) for part in parts)


def to_bibtex(records: list[Record], keys: dict[str, str] | None = None) -> str:
    """BibTeX entries; arXiv papers with eprint, archivePrefix and primaryClass as biblatex and natbib expect."""
    from bibtexparser import entrypoint, middlewares
    from bibtexparser.library import Library
    from bibtexparser.model import Block, Entry, Field

    logging.getLogger("pylatexenc").setLevel(logging.ERROR)  # CJK has no LaTeX macro: kept as UTF-8, not a warning
    entries: list[Block] = []
    raw: dict[str, list[Field]] = {}
    entry_keys = _keys_for(records, keys)
    by_key = dict(zip(entry_keys, records, strict=True))
    for r, key in zip(records, entry_keys, strict=True):
        venue = _venue_name(r)
        kind = "inproceedings" if venue and venue != "arXiv" else ("article" if r.get("journal_ref") else "misc")
        text_fields: list[tuple[str, Any]] = [
            ("title", r.get("title") or r.get("name")),
            ("author", " and ".join(one_line(a) for a in r.get("authors") or [])),
            ("year", str(r["year"]) if r.get("year") else None),
            ("booktitle", venue if kind == "inproceedings" else None),
            ("journal", r.get("journal_ref") if kind == "article" else None),
            ("primaryclass", r.get("primary_category")),
        ]
        # Identifiers are written as they are: `_` or `%` in a URL or DOI must not become `\_`.
        raw[key] = [
            Field(k, _balanced(one_line(v), _IDENTIFIER_BRACE, _LONE_IN_IDENTIFIER))
            for k, v in (
                ("eprint", r.get("arxiv_id")),
                ("archiveprefix", "arXiv" if r.get("arxiv_id") else None),
                ("doi", r.get("doi")),
                ("url", paper_link(r)),
            )
            if v
        ]
        entries.append(Entry(kind, key, [Field(k, one_line(v)) for k, v in text_fields if v]))
    encoded = middlewares.LatexEncodingMiddleware(enclose_urls=False).transform(Library(entries))
    for entry in encoded.entries:
        for field in list(entry.fields):
            value = _balanced_text(field.key, str(field.value))
            if field.key == "title":
                value = case_protected(value, _names_of(by_key[entry.key]))
            entry.set_field(Field(field.key, value))
        for field in raw[entry.key]:
            entry.set_field(field)
    text: str = entrypoint.write_string(encoded)
    return text


_IDENTIFIERS = ("eprint", "archiveprefix", "doi", "url")
_PART = re.compile(r"[A-Za-z0-9]+")


def _names_of(record: Record) -> set[str]:
    return {n for n in [record.get("name"), *(record.get("aliases") or [])] if isinstance(n, str) and n}


def _keeps_case(word: str, names: Collection[str]) -> bool:
    """True for a word a bibliography style must not lower-case: a capital after its first letter in any
    part (BLIP-2, PaLI-X, VQA, k-NN, ViT-L/14), letters mixed with digits (GPT4V, 3D), or one of the paper's
    names ("Flamingo"). A plain capitalised word (Learning, Vision-Language) is left to the style."""
    bare = word.strip(".,:;!?()[]\"'")
    if bare in names:
        return True
    for part in _PART.findall(bare):
        if any(c.isupper() for c in part[1:]):
            return True
        if any(c.isdigit() for c in part) and any(c.isalpha() for c in part):
            return True
    return False


def case_protected(title: str, names: Collection[str] = ()) -> str:
    """A BibTeX title with each word that must keep its case in braces, as Better BibTeX does, so that
    `plain` or `IEEEtran` print BLIP-2 rather than "Blip-2". Words already holding braces or LaTeX macros are
    left as they are. Only for BibTeX: CSL-JSON and RIS keep the plain title."""
    out = []
    for word in title.split(" "):
        if word and "{" not in word and "}" not in word and "\\" not in word and _keeps_case(word, names):
            lead = len(word) - len(word.lstrip("([\"'"))
            trail = len(word.rstrip(".,:;!?)]\"'"))
            word = f"{word[:lead]}{{{word[lead:trail]}}}{word[trail:]}" if trail > lead else word
        out.append(word)
    return " ".join(out)


def parse_bibtex(text: str) -> list[dict[str, str]]:
    """BibTeX read back (for round-trip checks): one dict of fields per entry, with `ID` and `ENTRYTYPE`;
    text fields LaTeX-decoded, identifiers (eprint, doi, url) as written."""
    from bibtexparser import entrypoint, middlewares

    decoded = entrypoint.parse_string(text, append_middleware=[middlewares.LatexDecodingMiddleware()])
    raw = {e.key: e for e in entrypoint.parse_string(text).entries}
    out = []
    for entry in decoded.entries:
        fields = {f.key: str(f.value) for f in entry.fields}
        fields.update({f.key: str(f.value) for f in raw[entry.key].fields if f.key in _IDENTIFIERS})
        fields["ID"], fields["ENTRYTYPE"] = entry.key, entry.entry_type
        out.append(fields)
    return out


def incomplete(records: list[Record]) -> str | None:
    """One line saying how many entries lack authors or a year and what fills them, or None when none does."""
    no_authors = sum(1 for r in records if not r.get("authors"))
    no_year = sum(1 for r in records if not r.get("year"))
    if not no_authors and not no_year:
        return None
    parts = [f"{n} no {what}" for n, what in ((no_authors, "authors"), (no_year, "year")) if n]
    return (
        f"of {len(records)} entries, {' and '.join(parts)}; `vlmnotes enrich --all` fills them from arXiv "
        "for papers with an arXiv id"
    )


def _csl_name(author: str) -> dict[str, str]:
    if re.search(r"[\u3400-\u9fff]", author) or " " not in author.strip():
        return {"literal": author.strip()}
    given, _, family = author.strip().rpartition(" ")
    return {"family": family, "given": given}


def to_csl_json(records: list[Record], keys: dict[str, str] | None = None) -> str:
    """CSL-JSON (an array of items with id and type, as Zotero and pandoc import it)."""
    items = []
    for r, key in zip(records, _keys_for(records, keys), strict=True):
        venue = _venue_name(r)
        item: dict[str, Any] = {
            "id": key,
            "type": "paper-conference" if venue and venue != "arXiv" else "article",
            "title": r.get("title") or r.get("name") or r.get("id"),
        }
        if r.get("authors"):
            item["author"] = [_csl_name(a) for a in r["authors"]]
        parts = _date_parts(r)
        if parts:
            item["issued"] = {"date-parts": [parts]}
        if venue and venue != "arXiv":
            item["container-title"] = venue
        if r.get("arxiv_id"):
            item.update({"number": f"arXiv:{r['arxiv_id']}", "publisher": "arXiv", "genre": "Preprint"})
        for key, value in (("DOI", r.get("doi")), ("URL", paper_link(r)), ("abstract", r.get("abstract"))):
            if value:
                item[key] = value
        items.append(item)
    return json_safe(json.dumps(items, ensure_ascii=False, indent=2)) + "\n"


def to_ris(records: list[Record], keys: dict[str, str] | None = None) -> str:
    """RIS records (Zotero, EndNote, Mendeley): a tag a line, so every value is on one line."""
    import rispy

    entries = []
    for r in records:
        venue = _venue_name(r)
        entry: dict[str, Any] = {
            "type_of_reference": "CPAPER" if venue and venue != "arXiv" else "JOUR",
            "title": one_line(r.get("title") or r.get("name") or r.get("id")),
            "authors": [one_line(a) for a in r.get("authors") or []],
        }
        if r.get("year"):
            entry["year"] = str(r["year"])
        if venue and venue != "arXiv":
            entry["secondary_title"] = one_line(venue)
        elif r.get("arxiv_id"):
            entry["journal_name"] = one_line(f"arXiv:{r['arxiv_id']}")
        url = paper_link(r)
        for key, value in (("doi", one_line(r.get("doi"))), ("urls", [url] if url else None),
                           ("abstract", one_line(r.get("abstract")))):  # fmt: skip
            if value:
                entry[key] = value
        entries.append(entry)
    text: str = rispy.dumps(entries)
    return text
