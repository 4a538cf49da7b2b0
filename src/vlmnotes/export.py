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
from pathlib import Path
from typing import Any, NamedTuple

from vlmnotes.citekeys import INITIALS, clashes
from vlmnotes.formats import json_safe, one_line, paper_link, web_link
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
    venue arXiv's journal reference names, else the reference itself as a journal; a paper with none of them,
    or only a preprint server (arXiv, CoRR), is a preprint dated by its v1 (`published` once enriched, else
    the notes' date)."""
    name, year = _split_year(record.get("venue") or "")
    kind = venue_kind(name, vocab) if name else None
    if kind in (None, "preprint") and (ref := record.get("journal_ref")):
        found = vocab.venue_in(ref)
        name, year = found or ref, _split_year(ref)[1]
        kind = vocab.venue_kind(found) if found else "journal"
    if kind is None or kind == "preprint":
        date = record.get("published") or record.get("date") or str(record.get("year") or "")
        return Publication("preprint", None, [int(p) for p in date.split("-") if p.isdigit()][:3])
    year = year or record.get("year")
    return Publication(kind, vocab.venue(name) or name, [int(year)] if year else [])


# How a venue the vocabulary does not know is cited, by the words in its name: the first rule that matches.
# `preprint` and `CoRR` are in the vocabulary (aliases of arXiv); "under review at ICLR" is no ICLR paper yet.
_KIND_WORDS = (
    ("preprint", re.compile(r"\b(?:preprint|under review|submitted)\b", re.IGNORECASE)),
    # Nature and Science by name here, not in the vocabulary, where the parser would read "Computer Science
    # 2023" as the journal Science.
    ("journal", re.compile(r"\b(?:journal|transactions|trans\.|letters|reviews?|nature|science)(?!\w)", re.IGNORECASE)),
    ("conference", re.compile(r"\b(?:workshops?|conference|proceedings|symposium)\b", re.IGNORECASE)),
)


def venue_kind(name: str, vocab: Vocabulary) -> str:
    """How a venue (without its year) is cited: 'conference', 'journal' or 'preprint'. A venue the vocabulary
    knows has its `kind` (TMLR: journal; CoRR: preprint); any other by the words it holds (Journal,
    Transactions, Trans., Letters, Review, Nature, Science: journal; Workshop, Conference, Proceedings,
    Symposium: conference), else as the known venue it names ("Findings of ACL": a conference, as ACL), else a
    conference."""
    if vocab.venue(name):
        return vocab.venue_kind(name)
    for kind, words in _KIND_WORDS:
        if words.search(name):
            return kind
    known = vocab.venue_in(name)
    return vocab.venue_kind(known) if known else "conference"


def _split_year(venue: str) -> tuple[str, int | None]:
    """'NeurIPS 2022' → ('NeurIPS', 2022); 'CVPR' → ('CVPR', None); the year found last in any other text."""
    years = re.findall(r"\b(?:19|20)\d{2}\b", venue)
    return re.sub(r"\s*(?:19|20)\d{2}$", "", venue.strip()).strip(), int(years[-1]) if years else None


def check_unique_keys(records: list[Record], kb: Path) -> None:
    """Raise RecordError when two of the records carry the same `citekey` (compared as biber does, ignoring
    case), naming the key and both record files: one key for two entries makes BibTeX cite the wrong paper
    and a reference manager drop or merge one of them."""
    from vlmnotes.errors import RecordError
    from vlmnotes.store import Store

    store = Store(kb)
    for key, other, paper_id in clashes(records):
        first, second = (store.display(store.path_of(i)) for i in (other, paper_id))
        raise RecordError(f"citation key '{key}' is given to both {first} and {second}; change one of them")


def _title(record: Record) -> str | None:
    """The entry's title: the paper's title, else its name (a blog post such as Fuyu-8B has only a name)."""
    title = record.get("title") or record.get("name")
    return str(title) if title else None


def _url(record: Record) -> str | None:
    """Where a reader finds the paper: its paper or PDF link, else its arXiv abstract page, else its project
    page or blog (LLaVA-NeXT, Fuyu-8B have nothing else)."""
    links = record.get("links") or {}
    arxiv = f"https://arxiv.org/abs/{record['arxiv_id']}" if record.get("arxiv_id") else None
    return paper_link(record) or web_link(arxiv) or web_link(links.get("project"))


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
            ("title", _title(r)),
            ("author", " and ".join([*authors, "others"] if authors and r.get("authors_et_al") else authors)),
            ("year", str(pub.date[0]) if pub.date else None),
            ("booktitle", pub.venue if pub.kind == "conference" else None),
            ("journal", pub.venue if pub.kind == "journal" else None),
            ("primaryclass", r.get("primary_category")),
        ]
        url = _url(r)
        # Identifiers are written as they are: `_` or `%` in a URL or DOI must not become `\_`. A web page
        # (a blog post, no eprint or DOI) also gets `howpublished`: `plain`, `alpha`, `ieee` and the like print
        # no `url` field, so there it would be a title and nothing saying where to read it.
        web_only = pub.kind == "preprint" and url and not r.get("arxiv_id") and not r.get("doi")
        raw[key] = [
            Field(k, _balanced(one_line(v), _IDENTIFIER_BRACE, _LONE_IN_IDENTIFIER))
            for k, v in (
                ("eprint", r.get("arxiv_id")),
                ("archiveprefix", "arXiv" if r.get("arxiv_id") else None),
                ("doi", r.get("doi")),
                ("url", url),
                ("howpublished", f"\\url{{{url}}}" if web_only else None),
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


_IDENTIFIERS = ("eprint", "archiveprefix", "doi", "url", "howpublished")
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
    """One line saying how many entries lack a title (neither title nor name), authors or a year and what
    fills them, or None when none does."""
    counts = [
        (sum(1 for r in records if not _title(r)), "title"),
        (sum(1 for r in records if not r.get("authors")), "authors"),
        (sum(1 for r in records if not r.get("year")), "year"),
    ]
    parts = [f"{n} no {what}" for n, what in counts if n]
    if not parts:
        return None
    listed = ", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0]
    entries = "1 entry" if len(records) == 1 else f"{len(records)} entries"
    return f"of {entries}, {listed}; `vlmnotes enrich --all` fills them from arXiv for papers with an arXiv id"


# Lower-case words that start a family name ("Ludwig van Beethoven", "Jan van der Berg"): CSL's
# non-dropping-particle, which styles print before the family name and may sort by or not.
_PARTICLES = set("van von de der den del della di da du le la dos das ten ter".split())
_SUFFIXES = {"Jr.", "Jr", "Sr.", "Sr", "II", "III", "IV"}
# Words of letters (with dots, hyphens, apostrophes: "J.", "Jean-Luc", "O'Hara"): anything else is no name to split.
_NAME = re.compile(r"[^\W\d_][\w.'’-]*(?:\s+[^\W\d_][\w.'’-]*)*")


class PersonName(NamedTuple):
    """A name in its parts, as CSL and RIS want it: 'Ludwig van Beethoven' → Ludwig · van · Beethoven."""

    given: str
    particle: str
    family: str
    suffix: str = ""


def person_name(author: str) -> PersonName | None:
    """An author's name split into its parts: 'Family, Given' (', Jr.' after either form) as written, a
    Western 'Given [particle] Family' at its last word or its first lower-case particle; None for a name kept
    as written (Chinese, one word, or nothing before the comma or after it)."""
    parts = [p.strip() for p in author.strip().split(",")]
    suffix = parts.pop() if len(parts) > 1 and parts[-1] in _SUFFIXES else ""
    if re.search(r"[\u3400-\u9fff]", author) or len(parts) > 2 or not all(_NAME.fullmatch(p) for p in parts):
        return None
    if len(parts) == 2:
        words, given = parts[0].split(), parts[1]
        at = next((i for i, w in enumerate(words[:-1]) if w not in _PARTICLES), len(words) - 1)
        return PersonName(given, " ".join(words[:at]), " ".join(words[at:]), suffix)
    words = parts[0].split()
    if not suffix and len(words) > 2 and words[-1] in _SUFFIXES:
        suffix = words.pop()
    if len(words) < 2:
        return None
    if INITIALS.fullmatch(words[-1]) and not INITIALS.fullmatch(words[0]):  # family first: Li J, Kingma Diederik P.
        return PersonName(" ".join(words[1:]), "", words[0], suffix)
    start = next((i for i in range(1, len(words) - 1) if words[i] in _PARTICLES), len(words) - 1)
    end = next((i for i in range(start, len(words) - 1) if words[i] not in _PARTICLES), len(words) - 1)
    return PersonName(" ".join(words[:start]), " ".join(words[start:end]), " ".join(words[end:]), suffix)


def _csl_name(author: str) -> dict[str, str]:
    """A CSL name: family, given, non-dropping-particle and suffix where the name splits, else `literal`."""
    name = person_name(author)
    if name is None:
        return {"literal": author.strip()}
    fields = {"family": name.family, "given": name.given, "non-dropping-particle": name.particle, "suffix": name.suffix}
    return {k: v for k, v in fields.items() if v}


def _ris_name(author: str) -> str:
    """An RIS author, 'Family, Given' or 'Family, Given, Suffix' as the RIS spec writes it ('van Beethoven,
    Ludwig'); a name that does not split (Chinese, one word, more than letters) as written."""
    name = person_name(author)
    if name is None:
        return one_line(author.strip())
    family = f"{name.particle} {name.family}" if name.particle else name.family
    return one_line(", ".join(p for p in (family, name.given, name.suffix) if p))


# CSL has no word for "and others"; a last name `{"literal": "others"}` is what pandoc makes of BibTeX's
# `and others`, and what citeproc (pandoc's, the CSL test suite) prints as "et al.".
_CSL_OTHERS = {"literal": "others"}
_CSL_TYPE = {"conference": "paper-conference", "journal": "article-journal", "preprint": "article"}


def to_csl_json(records: list[Record], keys: dict[str, str] | None = None, *, vocab: Vocabulary | None = None) -> str:
    """CSL-JSON (an array of items with id and type, as Zotero and pandoc import it): `paper-conference` or
    `article-journal` with the venue as `container-title` and its year as `issued`, and its arXiv id as a note
    `arXiv:ID` (Zotero's Extra, which styles do not print); an arXiv preprint is an `article` with publisher
    arXiv and number arXiv:ID, as Zotero writes a preprint, dated by its v1. No title is written rather than
    an id in its place (`incomplete` counts it)."""
    vocab = vocab or load_vocabulary()
    items = []
    for r, key in zip(records, _keys_for(records, keys), strict=True):
        pub = publication(r, vocab)
        item: dict[str, Any] = {"id": key, "type": _CSL_TYPE[pub.kind]}
        if title := _title(r):
            item["title"] = title
        if r.get("authors"):
            item["author"] = [_csl_name(a) for a in r["authors"]] + ([_CSL_OTHERS] if r.get("authors_et_al") else [])
        if pub.date:
            item["issued"] = {"date-parts": [pub.date]}
        if pub.venue:
            item["container-title"] = pub.venue
        if pub.kind == "preprint" and r.get("arxiv_id"):
            item.update({"number": f"arXiv:{r['arxiv_id']}", "publisher": "arXiv", "genre": "Preprint"})
        elif r.get("arxiv_id"):
            item["note"] = f"arXiv:{r['arxiv_id']}"
        for key, value in (("DOI", r.get("doi")), ("URL", _url(r)), ("abstract", r.get("abstract"))):
            if value:
                item[key] = value
        items.append(item)
    return json_safe(json.dumps(items, ensure_ascii=False, indent=2)) + "\n"


_RIS_TYPE = {"conference": "CONF", "journal": "JOUR", "preprint": "GEN"}
RIS_ET_AL_NOTE = "Author list incomplete: the notes name only the first authors (et al.)"


def to_ris(records: list[Record], keys: dict[str, str] | None = None, *, vocab: Vocabulary | None = None) -> str:
    """RIS records (Zotero, EndNote, Mendeley): a tag a line, so every value is on one line. A conference paper
    is CONF with the conference in T2, a journal article JOUR with the journal in JF and JO, anything else GEN
    (an arXiv preprint with publisher arXiv, dated by its v1); an arXiv id is in M1 (`arXiv:ID`, which Zotero
    keeps in Extra) whatever the type. Authors are 'Family, Given' as the RIS spec has them. RIS has no way to
    say "et al.": an incomplete author list is written as far as it goes, with a note (N1) saying so."""
    import rispy

    vocab = vocab or load_vocabulary()
    entries = []
    for r, key in zip(records, _keys_for(records, keys), strict=True):
        pub = publication(r, vocab)
        entry: dict[str, Any] = {
            "type_of_reference": _RIS_TYPE[pub.kind],
            "id": key,  # ID: the citation key, as in the BibTeX and CSL-JSON of the same papers
            "title": one_line(_title(r)),
            "authors": [_ris_name(a) for a in r.get("authors") or []],
        }
        if pub.date:
            entry["year"] = str(pub.date[0])
        if pub.kind == "conference":
            entry["secondary_title"] = one_line(pub.venue)
        elif pub.kind == "journal":
            entry["alternate_title3"] = entry["journal_name"] = one_line(pub.venue)  # JF and JO
        elif r.get("arxiv_id"):
            entry["publisher"] = "arXiv"
        if r.get("arxiv_id"):
            entry["note"] = one_line(f"arXiv:{r['arxiv_id']}")  # M1
        if pub.kind == "preprint" and len(pub.date) > 1:
            entry["date"] = "/".join(f"{p:02d}" for p in pub.date)  # DA: YYYY/MM/DD
        if r.get("authors") and r.get("authors_et_al"):
            entry["notes"] = [RIS_ET_AL_NOTE]
        url = _url(r)
        for tag, value in (("doi", one_line(r.get("doi"))), ("urls", [url] if url else None),
                           ("abstract", one_line(r.get("abstract")))):  # fmt: skip
            if value:
                entry[tag] = value
        entries.append({k: v for k, v in entry.items() if v})
    text: str = rispy.dumps(entries, implementation=_ris_writer())
    return text


def _ris_writer() -> type[Any]:
    import rispy

    class RisWriter(rispy.RisWriter):  # type: ignore[misc]
        """rispy's writer without the `1.`, `2.` line it writes before each TY, which is no RIS tag."""

        def set_header(self, count: int) -> str:
            return ""

    return RisWriter
