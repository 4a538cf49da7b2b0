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
from dataclasses import dataclass
from typing import Any

from vlmnotes.formats import json_safe, one_line, paper_link
from vlmnotes.vocab import Vocabulary, load_vocabulary

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


@dataclass(frozen=True)
class Publication:
    """Where and when a paper came out, as a bibliography cites it."""

    kind: str  # conference, journal or preprint (arXiv only, or nowhere the notes or arXiv name)
    venue: str | None  # NeurIPS, TMLR, or arXiv's journal reference as written; None for a preprint
    date: list[int]  # [year, month, day] as far as known: a venue's year, a preprint's arXiv v1 date


def publication(record: Record, vocab: Vocabulary) -> Publication:
    """The record's venue (`NeurIPS 2022`: a conference of 2022, whatever year its arXiv id has), else the
    venue arXiv's journal reference names, else the reference itself as a journal; a paper with none of them
    is a preprint dated by its v1 (`published` once enriched, else the notes' date)."""
    name, year = _split_year(record.get("venue") or "")
    kind = vocab.venue_kind(name) if name else None
    if kind is None and (ref := record.get("journal_ref")):
        found = vocab.venue_in(ref)
        name, year = found or ref, _split_year(ref)[1]
        kind = vocab.venue_kind(found) if found else "journal"
    if kind is None or kind == "preprint":
        date = record.get("published") or record.get("date") or str(record.get("year") or "")
        return Publication("preprint", None, [int(p) for p in date.split("-") if p.isdigit()][:3])
    year = year or record.get("year")
    return Publication(kind, vocab.venue(name) or name, [int(year)] if year else [])


def _split_year(venue: str) -> tuple[str, int | None]:
    """'NeurIPS 2022' → ('NeurIPS', 2022); 'CVPR' → ('CVPR', None); the year found last in any other text."""
    years = re.findall(r"\b(?:19|20)\d{2}\b", venue)
    return re.sub(r"\s*(?:19|20)\d{2}$", "", venue.strip()).strip(), int(years[-1]) if years else None


def _author_list(record: Record) -> list[str]:
    return [one_line(a) for a in record.get("authors") or []]


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


_BIBTEX_TYPE = {"conference": "inproceedings", "journal": "article", "preprint": "misc"}


def to_bibtex(records: list[Record], keys: dict[str, str] | None = None, *, vocab: Vocabulary | None = None) -> str:
    """BibTeX entries: @inproceedings with the booktitle and the year of a conference, @article with the journal,
    @misc for a preprint with its v1 year; arXiv papers keep eprint, archivePrefix and primaryClass as biblatex
    and natbib expect. An author list the notes end with 等 or et al. ends with `and others`."""
    from bibtexparser import entrypoint, middlewares
    from bibtexparser.library import Library
    from bibtexparser.model import Block, Entry, Field

    vocab = vocab or load_vocabulary()
    logging.getLogger("pylatexenc").setLevel(logging.ERROR)  # CJK has no LaTeX macro: kept as UTF-8, not a warning
    entries: list[Block] = []
    raw: dict[str, list[Field]] = {}
    entry_keys = _keys_for(records, keys)
    by_key = dict(zip(entry_keys, records, strict=True))
    for r, key in zip(records, entry_keys, strict=True):
        pub = publication(r, vocab)
        authors = _author_list(r)
        text_fields: list[tuple[str, Any]] = [
            ("title", r.get("title") or r.get("name")),
            ("author", " and ".join([*authors, "others"] if authors and r.get("authors_et_al") else authors)),
            ("year", str(pub.date[0]) if pub.date else None),
            ("booktitle", pub.venue if pub.kind == "conference" else None),
            ("journal", pub.venue if pub.kind == "journal" else None),
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
        entries.append(Entry(_BIBTEX_TYPE[pub.kind], key, [Field(k, one_line(v)) for k, v in text_fields if v]))
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
    """A CSL name: Chinese and one-word names as written (`literal`), 'Family, Given' and 'Given Family' split."""
    author = author.strip()
    if re.search(r"[\u3400-\u9fff]", author) or (" " not in author and "," not in author):
        return {"literal": author}
    if "," in author:
        family, _, given = author.partition(",")
    else:
        given, _, family = author.rpartition(" ")
    return {"family": family.strip(), "given": given.strip()} if given.strip() else {"literal": family.strip()}


# CSL has no word for "and others"; a last name `{"literal": "others"}` is what pandoc makes of BibTeX's
# `and others`, and what citeproc (pandoc's, the CSL test suite) prints as "et al.".
_CSL_OTHERS = {"literal": "others"}
_CSL_TYPE = {"conference": "paper-conference", "journal": "article-journal", "preprint": "article"}


def to_csl_json(records: list[Record], keys: dict[str, str] | None = None, *, vocab: Vocabulary | None = None) -> str:
    """CSL-JSON (an array of items with id and type, as Zotero and pandoc import it): `paper-conference` or
    `article-journal` with the venue as `container-title` and its year as `issued`; an arXiv preprint is an
    `article` with publisher arXiv and number arXiv:ID, as Zotero writes a preprint, dated by its v1."""
    vocab = vocab or load_vocabulary()
    items = []
    for r, key in zip(records, _keys_for(records, keys), strict=True):
        pub = publication(r, vocab)
        item: dict[str, Any] = {
            "id": key,
            "type": _CSL_TYPE[pub.kind],
            "title": r.get("title") or r.get("name") or r.get("id"),
        }
        if r.get("authors"):
            item["author"] = [_csl_name(a) for a in r["authors"]] + ([_CSL_OTHERS] if r.get("authors_et_al") else [])
        if pub.date:
            item["issued"] = {"date-parts": [pub.date]}
        if pub.venue:
            item["container-title"] = pub.venue
        if pub.kind == "preprint" and r.get("arxiv_id"):
            item.update({"number": f"arXiv:{r['arxiv_id']}", "publisher": "arXiv", "genre": "Preprint"})
        for key, value in (("DOI", r.get("doi")), ("URL", paper_link(r)), ("abstract", r.get("abstract"))):
            if value:
                item[key] = value
        items.append(item)
    return json_safe(json.dumps(items, ensure_ascii=False, indent=2)) + "\n"


_RIS_TYPE = {"conference": "CONF", "journal": "JOUR", "preprint": "GEN"}
RIS_ET_AL_NOTE = "Author list incomplete: the notes name only the first authors (et al.)"


def to_ris(records: list[Record], keys: dict[str, str] | None = None, *, vocab: Vocabulary | None = None) -> str:
    """RIS records (Zotero, EndNote, Mendeley): a tag a line, so every value is on one line. A conference paper
    is CONF with the conference in T2, a journal article JOUR with the journal in JF and JO, anything else GEN
    (an arXiv preprint with publisher arXiv and the id in M1, dated by its v1). RIS has no way to say "et al.":
    an incomplete author list is written as far as it goes, with a note (N1) saying so."""
    import rispy

    vocab = vocab or load_vocabulary()
    entries = []
    for r, key in zip(records, _keys_for(records, keys), strict=True):
        pub = publication(r, vocab)
        entry: dict[str, Any] = {
            "type_of_reference": _RIS_TYPE[pub.kind],
            "id": key,  # ID: the citation key, as in the BibTeX and CSL-JSON of the same papers
            "title": one_line(r.get("title") or r.get("name") or r.get("id")),
            "authors": _author_list(r),
        }
        if pub.date:
            entry["year"] = str(pub.date[0])
        if pub.kind == "conference":
            entry["secondary_title"] = one_line(pub.venue)
        elif pub.kind == "journal":
            entry["alternate_title3"] = entry["journal_name"] = one_line(pub.venue)  # JF and JO
        elif r.get("arxiv_id"):
            entry.update({"publisher": "arXiv", "note": one_line(f"arXiv:{r['arxiv_id']}")})  # PB and M1
        if pub.kind == "preprint" and len(pub.date) > 1:
            entry["date"] = "/".join(f"{p:02d}" for p in pub.date)  # DA: YYYY/MM/DD
        if r.get("authors") and r.get("authors_et_al"):
            entry["notes"] = [RIS_ET_AL_NOTE]
        url = paper_link(r)
        for tag, value in (("doi", one_line(r.get("doi"))), ("urls", [url] if url else None),
                           ("abstract", one_line(r.get("abstract")))):  # fmt: skip
            if value:
                entry[tag] = value
        entries.append(entry)
    text: str = rispy.dumps(entries)
    return text
