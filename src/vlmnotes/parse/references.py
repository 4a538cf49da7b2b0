"""Reference lists: blog posts and essays end with citations, one paper a paragraph or list item.

`Tong S., Liu Z. (2024). Eyes Wide Shut? Exploring … Multimodal LLMs. arXiv preprint arXiv:2401.06209.`,
`Li, Bo, et al. 2024a. Llava-onevision: Easy visual task transfer. Preprint, arXiv:2408.03326.` and
`Vasu, P., et al. "Fastvlm: Efficient vision encoding …" In Proceedings of CVPR, pp. 1-10. 2025.` each name
one paper: its title, year, authors and arXiv id. A paragraph is read as a reference when it sits under a
References heading (or a bold 'References' line), or when it has the unmistakable shape of one (authors, a
year in brackets, a title, an arXiv id).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from vlmnotes.parse.entry import DERIVED, EXPLICIT, Candidate
from vlmnotes.parse.fields import (
    clean_title,
    find_venue,
    name_from_title,
    normalise_arxiv_id,
    read_authors,
)

if TYPE_CHECKING:
    from vlmnotes.parse.context import Context
    from vlmnotes.parse.markdown import Block

_HEADINGS = re.compile(
    r"^\s*(?:\d+[.)]?\s*)?(?:references?|bibliography|citations?|works cited|参考文献|参考资料|引用|文献)\s*[:：]?\s*$",
    re.I,
)
_TEXT_ID = re.compile(r"arxiv\s*[:.]?\s*(\d{4}\.\d{4,5})(?:v\d+)?|arxiv\.org/(?:abs|pdf)/(\d{4}\.\d{4,5})", re.I)
_YEAR_PAREN = re.compile(r"[(（]((?:19|20)\d{2})[a-z]?[)）]\s*[.,:]?\s*")
_YEAR_DOT = re.compile(r"(?<=\.)\s+((?:19|20)\d{2})[a-z]?\.\s+")
_QUOTED = re.compile(r"[\"“]([^\"”]{8,300}?)[.,]?[\"”]")


@dataclass
class Reference:
    """One citation taken apart."""

    title: str
    year: str | None
    authors: list[str]
    arxiv_id: str | None
    venue: str | None
    et_al: bool = False  # the citation names only the first authors ('Li, J., et al.', 'A, B, … Z')


def parse_reference(text: str, vocab: object = None) -> Reference | None:
    """A citation in any of the common styles (APA, ACL, Chicago, numbered), or None when `text` is not one."""
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"^\s*(?:\[\d{1,3}\]|\d{1,3}\.)\s*", "", text)
    if len(text) < 20 or len(text) > 5000:
        return None
    ids = _TEXT_ID.search(text)
    arxiv = normalise_arxiv_id(ids[1] or ids[2]) if ids else None
    authors_part, title, year = "", "", None
    quoted = _QUOTED.search(text)
    paren = _YEAR_PAREN.search(text)
    dotted = _YEAR_DOT.search(text)
    if quoted:
        authors_part, title = text[: quoted.start()], quoted[1]
        year_m = re.findall(r"\b((?:19|20)\d{2})\b", text[quoted.end() :] + " " + authors_part)
        year = year_m[-1] if year_m else None
    elif paren and paren.start() < 2500:
        authors_part = text[: paren.start()]
        year = paren[1]
        title = _first_sentence(text[paren.end() :])
    elif dotted and dotted.start() < 2500:
        authors_part = text[: dotted.start()]
        year = dotted[1]
        title = _first_sentence(text[dotted.end() :])
    else:
        # 'Li J, Li D, Savarese S. Blip-2: Bootstrapping … models. In …' / 'A, B. Title, 2024. URL …'
        head, sep, rest = text.partition(". ")
        if not sep or "," not in head or len(head.split()) > 60:
            return None
        authors_part = head
        title = re.split(r",\s*(?:19|20)\d{2}\b", _first_sentence(rest))[0]
        found = re.findall(r"\b((?:19|20)\d{2})\b", rest)
        year = found[-1] if found else None
    title = clean_title(title)
    if not _authorish(authors_part) or len(title.split()) < 2 or len(title) > 300:
        return None
    venue = None
    if vocab is not None:
        found_venue = find_venue(text[len(authors_part) :], vocab)  # type: ignore[arg-type]
        venue = found_venue[0] if found_venue else None
    # 'Li J, Li D, et al.', 'Tong, S., Liu, Z., & Xie, S.', 'Dao, Tri, et al.': the one author-list reader
    authors, et_al = read_authors(authors_part)
    et_al = et_al or len(authors) > 40
    return Reference(title, year, authors[:40], arxiv, venue, et_al)


_VENUE_START = (
    r"(?:In\b|arXiv|Preprint|Proceedings|Advances|Transactions|Journal|International|URL|CoRR|(?:19|20)\d{2})"
)


def _first_sentence(text: str) -> str:
    """A title ends at the first '. ' that is not inside a name like 'v2.5', or at a '?' before the venue."""
    m = re.search(rf"(?<=[A-Za-z0-9)\]])\.\s+(?=[A-Z\[(]|{_VENUE_START})|[?!]\s+(?={_VENUE_START})", text)
    if m:
        end = m.start() + (1 if text[m.start()] in "?!" else 0)
        return text[:end]
    return text.split(". ")[0]


_BIB_FIELD = re.compile(
    r"\b(title|eprint|year|author|journal|booktitle|url)\s*=\s*[{\"](.+?)[}\"]\s*,?\s*$", re.I | re.M
)


def bibtex_fields(text: str) -> dict[str, str]:
    """The fields of the first BibTeX entry in `text` (braces inside a value dropped)."""
    out: dict[str, str] = {}
    for m in _BIB_FIELD.finditer(text):
        out.setdefault(m[1].lower(), re.sub(r"[{}]", "", m[2]).strip())
    return out


def _key(text: str) -> str:
    return re.sub(r"\W", "", text.lower())


def read_bibtex(ctx: Context, cand: Candidate, first: int, last: int) -> None:
    """Fill an entry from the BibTeX block inside its lines: its title, year, authors and arXiv id. An eprint
    given there beats a paper link of the entry that points at another id (a link copied from the entry above)."""
    for start, _end, text in ctx.doc.bibtex:
        if not first <= start <= last:
            continue
        fields = bibtex_fields(text)
        title = clean_title(fields.get("title", ""))
        if title and not cand.title:
            cand.title = title
        arxiv = normalise_arxiv_id(fields.get("eprint", "")) or next(
            (normalise_arxiv_id(m[1]) for m in re.finditer(r"arxiv[:.\s]*(\d{4}\.\d{4,5})", text, re.I)), None
        )
        if arxiv and arxiv != cand.arxiv_id:
            same = (
                not title or not cand.title or re.sub(r"\W", "", title.lower()) == re.sub(r"\W", "", cand.title.lower())
            )
            if cand.arxiv_id is None or same:
                old = cand.links.pop("paper", None)
                if old:
                    cand.other_links.append(old)
                cand.arxiv_id = arxiv
                cand.links["paper"] = f"https://arxiv.org/abs/{arxiv}"
        year = fields.get("year", "")
        if re.fullmatch(r"(?:19|20)\d{2}", year):
            cand.set_date(year, DERIVED)
        if fields.get("author") and not cand.authors:
            cand.authors, cand.authors_et_al = read_authors(re.split(r"\s+and\s+", fields["author"]))
        return


def _authorish(text: str) -> bool:
    """A run of personal names: capitalised words, initials, commas, 'and', 'et al.'."""
    text = text.strip(" .,")
    if not text or len(text) > 3000:
        return False
    words = re.findall(r"[^\s,;]+", text)
    if not words:
        return False
    caps = sum(1 for w in words if w[0].isupper() or w in ("and", "et", "al.", "al", "&", "van", "de", "der", "von"))
    return caps / len(words) >= 0.8 and ("," in text or " and " in text or "et al" in text or len(words) <= 4)


def reference_list(ctx: Context) -> list[Candidate]:
    """Paragraphs and list items read as citations: under a References heading, or shaped like one anyway."""
    out: list[Candidate] = []
    in_refs = False
    for block in ctx.doc.blocks:
        text = block.inline.text.strip()
        if block.kind == "heading" or (block.kind == "paragraph" and block.inline.strong == [text.strip("*")]):
            in_refs = bool(_HEADINGS.match(text.strip("*")))
            continue
        for sub in block.walk():
            if sub.kind not in ("paragraph", "item") or id(sub) in ctx.claimed:
                continue
            lines = [(n, sub.inline.text[a:b]) for n, a, b in sub.inline.lines()]
            numbered = [(n, t) for n, t in lines if _NUMBERED.match(t)]
            # '[1] Lu et al. … \n[2] Tan and Bansal. …' with no blank lines: one paragraph, one reference a line.
            texts: list[tuple[int | None, str]] = [*numbered] if len(numbered) >= 2 else [(None, sub.inline.text)]
            made = [c for n, t in texts if (c := _reference(ctx, sub, n, t, in_refs)) is not None]
            if made:
                ctx.claim([sub], made[0])
                out += made
    return out


_NUMBERED = re.compile(r"^\s*(?:\[\d{1,3}\]|\d{1,3}\.)\s+\S")


def _reference(ctx: Context, sub: Block, line: int | None, text: str, in_refs: bool) -> Candidate | None:
    """One citation as an entry (`line` set when the block holds one a line), or None when the text is not one
    (outside a reference list it must carry an arXiv id, a year and authors)."""
    ref = parse_reference(text, ctx.vocab)
    if ref is None or not (in_refs or (ref.arxiv_id and ref.year and ref.authors)):
        return None
    cand = ctx.new("reference", sub)
    if line is not None:
        cand.line = cand.end_line = line
        cand.text = ctx.doc.source(line, line)
    cand.title = ref.title
    cand.set_name(name_from_title(ref.title), DERIVED)
    cand.arxiv_id = ref.arxiv_id
    if ref.year:
        cand.set_date(ref.year, EXPLICIT)
    cand.authors, cand.authors_et_al = ref.authors, ref.et_al
    cand.venue = ref.venue
    for link in sub.inline.links:
        if line is not None and link.line != line:
            continue
        cand.add_link(link.url)
        ctx.own_links.add((link.line, link.url))
        if ref.arxiv_id:
            ctx.own_links.add((link.line, ref.arxiv_id))
    return cand
