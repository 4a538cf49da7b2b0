"""Note styles: an ordered list of named extractors, each turning the blocks it recognises into candidates.

Like markdown-it's rule chains, every extractor sees the whole document and claims the blocks it reads;
later extractors skip claimed blocks. The order goes from the most specific style to the generic
fallback, which takes any heading, list item, paragraph line, table row or footnote carrying a paper link.
"""

from __future__ import annotations

import re

from vlmnotes.catalogue import Catalogue
from vlmnotes.parse.context import (
    _GENERIC_LINK_TEXT,
    Context,
    Extractor,
    _inline,
    _name_and_title,
    finish,
    paper_link,
    read_section,
)
from vlmnotes.parse.entry import (
    DERIVED,
    EXPLICIT,
    GUESSED,
    SECTION_LABELS,
    Candidate,
    split_label,
)
from vlmnotes.parse.fields import (
    clean_title,
    date_from_arxiv_id,
    find_date,
    find_venue,
    is_name_like,
    link_kind,
    name_from_title,
    norm_key,
    normalise_arxiv_id,
    read_authors,
    read_venue,
)
from vlmnotes.parse.generic import context_title, generic, named_link
from vlmnotes.parse.markdown import Block, Document
from vlmnotes.parse.names import not_a_name
from vlmnotes.parse.orgs import org_phrases
from vlmnotes.vocab import Vocabulary

# --- 004: essays `# 第一篇：Title (Short)` -----------------------------------------------------------------

_ESSAY = re.compile(
    r"^\s*(?:第\s*[一二三四五六七八九十百零〇两\d]+\s*篇|(?:Paper|论文)\s*#?\d+)\s*[:：.、]?\s*(.+)$", re.I
)


def essay(ctx: Context) -> list[Candidate]:
    """Essays: one heading per paper (`# 第一篇：Vision Transformer (ViT)`), numbered paragraphs, 思考."""
    out = []
    for block in ctx.doc.blocks:
        if block.kind != "heading" or id(block) in ctx.claimed:
            continue
        m = _ESSAY.match(block.inline.text)
        if not m:
            continue
        region = ctx.region(block)
        end = max([b.end_line for b in region] + [block.end_line])
        cand = ctx.new("essay", block, end)
        _name_and_title(cand, m[1])
        # An essay links its paper in the heading, in its opening paragraph, or anywhere in it by a link
        # that names it (or names nothing: a bare URL); a link naming another paper is a mention.
        names = {norm_key(n) for n in [cand.name, cand.title, *cand.aliases] if n}
        link = paper_link(block.inline.links) or next(
            (lk for b in region[:1] for sub in b.walk() for lk in [paper_link(sub.inline.links)] if lk), None
        )
        if link is None:
            link = next(
                (
                    lk
                    for b in region
                    for sub in b.walk()
                    for lk in sub.inline.links
                    if link_kind(lk.url) in ("paper", "pdf")
                    and (_GENERIC_LINK_TEXT.match(lk.text) or norm_key(clean_title(lk.text)) in names)
                ),
                None,
            )
        read_section(ctx, cand, region)
        ctx.claim([block, *region], cand)
        out.append(finish(ctx, cand, link))
    return out


# --- 002: review cards `### 1. Title` + bold field bullets ------------------------------------------------

_AUTHOR_LABELS = {"作者", "authors", "author", "作者们"}
_DATE_LABELS = {
    "终版提交",
    "提交",
    "发表",
    "发表时间",
    "日期",
    "时间",
    "date",
    "published",
    "submitted",
    "首次提交",
}
_CITE_LABELS = {"cite", "cites", "citations", "citation", "引用", "被引", "引用量"}
_NUMBERED = re.compile(r"^\s*\d+\s*[.、)]\s*(.+)$")


def _bold_led(block: Block) -> bool:
    text = block.inline.text.strip()
    return bool(block.inline.strong) and text.startswith(block.inline.strong[0].strip()[:4])


def _card_items(region: list[Block]) -> list[Block]:
    items = [b for block in region if block.kind == "item" for b in [block]]
    return items


def review_card(ctx: Context) -> list[Candidate]:
    """Review cards: a heading per paper, then bold bullets for name, 作者, org, venue, 终版提交, Cite, 背景 …"""
    out = []
    for block in ctx.doc.blocks:
        if block.kind != "heading" or id(block) in ctx.claimed:
            continue
        items = _card_items(ctx.region(block, any_heading=True))
        if len(items) < 3 or sum(_bold_led(i) for i in items) < 3:
            continue
        m = _NUMBERED.match(block.inline.text)
        heading_text = m[1] if m else block.inline.text
        lead = re.split(r"\s*[:：]\s*", heading_text.strip(), maxsplit=1)[0].strip()
        if not any(_is_card_field(ctx, item, lead) for item in items):
            continue  # bold-led bullets of labelled prose ('**来源**：…', '**原理**：…'): not a card
        region = ctx.region(block)
        end = max([b.end_line for b in region] + [block.end_line])
        cand = ctx.new("review-card", block, end)
        _name_and_title(cand, heading_text)
        if lead and cand.name is None and 1 < len(lead) <= 12 and any(_bold_text(i) == lead for i in items):
            cand.set_name(lead, EXPLICIT)  # '### 1. 视界：…' with a bold '视界' line: a name no pattern knows
        named = False  # the card's name line has been read (its first unlabelled bold line, or one equal to it)
        for item in items:
            named = _card_field(ctx, cand, item, named) or named
        read_section(ctx, cand, region)
        link = paper_link(block.inline.links) or next(
            (lk for b in items for lk in [paper_link(b.inline.links)] if lk), None
        )
        ctx.claim([block, *region], cand)
        out.append(finish(ctx, cand, link))
    return out


def _bold_text(item: Block) -> str:
    return re.sub(r"\s+", " ", item.inline.text).strip().strip("*").strip()


def _is_card_field(ctx: Context, item: Block, lead: str) -> bool:
    """A bullet that only review cards write: authors, a date, citations, an organisation, a venue, the name."""
    if not _bold_led(item):
        return False
    text = _bold_text(item)
    m = re.match(r"^([^:：]{1,12}?)\s*[:：]\s*(.*)$", text)
    label = m[1].strip().lower() if m else ""
    if label in _AUTHOR_LABELS or label in _DATE_LABELS or label in _CITE_LABELS:
        return True
    if label and ctx.vocab.venue(label) and re.fullmatch(r"(?:19|20)\d{2}", m[2].strip() if m else ""):
        return True
    if m:
        return False
    if len(item.inline.text.strip()) > len(item.inline.strong[0]) + 4:
        return False  # '**Chameleon** (Meta, 2024) — long prose': an entry of its own, not a field of a card
    if (found := find_date(text)) is not None and found.start == 0 and len(text) <= 12:
        return True
    return bool(text == lead or any(ctx.vocab.org(p) for p in _org_parts(text)) or org_phrases(text))


def _card_field(ctx: Context, cand: Candidate, item: Block, named: bool) -> bool:
    """Read one bold bullet of a review card into `cand`; True when it was the card's name line.

    A card writes its name first (`- **CLIP**`), then its authors, organisation, venue and dates: an unlabelled
    bold line after the name line, or under a heading that names the paper itself, is an organisation
    ('- **Allen AI**', '- **Hooli**'), never a second name that would join every card it appears in.
    """
    text = re.sub(r"\s+", " ", item.inline.text).strip()
    if not text or not _bold_led(item):
        return False
    bare = text.strip("*").strip()
    if len(bare) <= 12 and (found := find_date(bare)) is not None and found.start == 0:
        cand.set_date(found.iso, EXPLICIT)  # '- **2024.09**'
        return False
    if cand.name and bare == cand.name:
        cand.set_name(bare, EXPLICIT)  # the heading's 'CLIP: …' and the line '- **CLIP**' agree
        return True
    after_name = named or cand.name_rank == EXPLICIT
    if after_name and (phrases := org_phrases(bare)) and len(phrases[0][0]) >= len(bare) - 2:
        if bare not in cand.orgs:  # '- **Allen AI**' after the name line: an organisation, never an alias
            _add_card_org(cand, ctx.vocab.org(bare) or bare, item.line)
        return False
    m = re.match(r"^([^:：]{1,12}?)\s*[:：]\s*(.*)$", text)
    label, rest = (m[1].strip(), m[2].strip()) if m else ("", text)
    low = label.lower()
    if low in _AUTHOR_LABELS:
        cand.authors, cand.authors_et_al = read_authors(rest)  # "A、B 等" / "A, B et al.": the rest unnamed
    elif low in _DATE_LABELS:
        found = find_date(rest)
        if found:
            cand.set_date(found.iso, EXPLICIT)
        elif (venue := read_venue(rest, ctx.vocab)) and not cand.venue:
            cand.venue = venue[0]  # '发表：TMLR', 'Published: CVPR 2024': where it appeared
            if venue[1]:
                cand.set_date(str(venue[1]), DERIVED)
    elif low in _CITE_LABELS:
        digits = re.sub(r"[^\d]", "", rest)
        if digits:
            cand.citations = int(digits)
    elif label and ctx.vocab.venue(label) and re.fullmatch(r"(?:19|20)\d{2}", rest):
        cand.venue = f"{ctx.vocab.venue(label)} {rest}"
        cand.set_date(rest, DERIVED)
    elif label or text.rstrip(":：").strip().lower() in SECTION_LABELS:
        return False  # a summary section: read_body files it under its label
    elif any(ctx.vocab.org(part) for part in _org_parts(text)) or (
        after_name and re.fullmatch(r"[A-Z][a-z]+(?: [A-Z][a-z]+)*", text)
    ):
        # A known organisation, or a plain capitalised word after the card's name ('Salesfroce').
        for part in _org_parts(text):
            _add_card_org(cand, ctx.vocab.org(part) or part, item.line)
    elif len(text) <= 24 and (venue := find_venue(text, ctx.vocab)):
        cand.venue = venue[0]
        cand.set_date(str(venue[1]), DERIVED)
    elif is_name_like(text) and not after_name and not not_a_name(text, ctx.vocab, ctx.known):
        if cand.name and not ctx.known(text):
            # '### 1. AlphaNet: …' then '- **DeepCorp**': a card's name line repeats the name its heading starts
            # with; another word in its place is the organisation line
            _add_card_org(cand, text, item.line)
            return False
        cand.set_name(text, EXPLICIT)
        return True
    elif len(text) <= 60 and not re.search(r"[。.!?！？]", text) and not item.children:
        for part in _org_parts(text):  # 'DeepCorp' after the name line, '韩国Kakao公司': who made it
            if ctx.vocab.org(part) or not not_a_name(part):
                _add_card_org(cand, ctx.vocab.org(part) or part, item.line)
    return False


def _add_card_org(cand: Candidate, org: str, line: int) -> None:
    if org not in cand.orgs:
        cand.orgs.append(org)
        cand.org_lines[org] = line


def _org_parts(text: str) -> list[str]:
    """'Kakao Enterprise、Kakao Brain' → both; one bold line may name several organisations."""
    return [p.strip() for p in re.split(r"\s*(?:[、,，;；/&]|\band\b)\s*", text) if p.strip()]


# --- 003: `[[NAME](url)] Title.[[code](url)]` lists ---------------------------------------------------------


def bracket_list(ctx: Context) -> list[Candidate]:
    """Bracketed-name lists: `- [[LENS](pdf)]: Title. [[code](url)]` with Insights / 思考 sub-bullets."""
    out = []
    for block in ctx.unclaimed_items():
        if id(block) in ctx.claimed:  # read as part of an entry found earlier in this loop
            continue
        inline = block.inline
        text = inline.text
        if not (text.startswith("[") and inline.links and inline.links[0].start == 1):
            continue
        first = inline.links[0]
        if text[first.end : first.end + 1] != "]" or first.image:
            continue
        cand = ctx.new("bracket-list", block)
        cand.set_name(clean_title(first.text), EXPLICIT)
        rest_start = first.end + 1
        later = [lk for lk in inline.links[1:] if lk.start > rest_start]
        rest_end = (later[0].start - 1) if later else len(text)
        title = clean_title(text[rest_start:rest_end].split("\n")[0])
        if title and len(title.split()) >= 2:
            cand.title = title
        for lk in later:
            cand.add_link(lk.url)
        read_section(ctx, cand, block.children)
        ctx.claim([block], cand)
        out.append(finish(ctx, cand, first))
    return out


# --- 000: dated bullets `- Thu, 22 Oct 2020 [Title](arxiv)` -------------------------------------------------


def dated_bullet(ctx: Context) -> list[Candidate]:
    """Dated bullets: a date, then a paper link, then remarks and sub-bullets (`- [2025.05] [Title](url) 智谱`)."""
    out = []
    for block in ctx.unclaimed_items():
        if id(block) in ctx.claimed:  # read as part of an entry found earlier in this loop
            continue
        inline = block.inline
        link = paper_link(inline.links) or named_link(ctx, inline.links[:1])
        if link is None:
            continue
        found = find_date(inline.text[: link.start])
        if found is None or found.start > 2 or inline.text[found.end : link.start].strip(" ]）)-–:") != "":
            continue
        cand = ctx.new("dated-bullet", block)
        cand.set_date(found.iso, EXPLICIT)
        _name_and_title(cand, link.text)
        if _GENERIC_LINK_TEXT.match(link.text) or link.image:
            context_title(ctx, cand, block, link, 0, len(inline.text.split("\n")[0]))
        remark = inline.text[link.end :].split("\n")[0]
        _inline(ctx, cand, inline, remark.strip(" ]:："), with_orgs=True)
        first_child = block.children[0] if block.children else None
        if first_child is not None and first_child.kind == "item":
            guess = _leading_name(first_child.inline.text)
            if guess and cand.name is None and not first_child.inline.links:
                cand.set_name(guess, GUESSED)
        read_section(ctx, cand, block.children, with_orgs=True)
        ctx.claim([block], cand)
        out.append(finish(ctx, cand, link))
    return out


_ROLE_WORDS = {"LLM", "VLM", "MLLM", "LMM", "IO", "IMG", "TXT", "NOTE", "TODO", "TLDR", "PS"}


def _leading_name(text: str) -> str | None:
    """The model name a remark starts with: 'ViT', 'ALIGN (Google), …', 'BEiT-3: …' (not 'CLIP dual-encoder')."""
    m = re.match(r"\s*([A-Za-z][\w.\-+]*)\s*(?:[(（,，:：]|$)", text)
    if m and m[1].upper() in _ROLE_WORDS:
        return None
    if m and is_name_like(m[1]) and re.search(r"\d|[A-Z].*[A-Z]|[a-z][A-Z]", m[1]):
        return m[1]
    text = text.strip()
    return text if is_name_like(text) and " " not in text else None


# --- 001: awesome-list checklists `- [x] [Name](url)` -----------------------------------------------------


def _bare(text: str) -> str:
    """A to-read line without its pasted URLs and #tags: '- [ ] Cambrian-1 https://github.com/… #mllm'."""
    return re.sub(r"\s+(?:https?://\S+|#[\w\-]+)", "", text).strip()


def checklist(ctx: Context) -> list[Candidate]:
    """Checklists: `- [x] [CLIP](url) - remark` (read) or `- [ ] Flamingo` (to read), motivation/contribution."""
    out = []
    for block in ctx.unclaimed_items():
        if block.checked is None or id(block) in ctx.claimed:
            continue
        inline = block.inline
        first_line = inline.text.split("\n")[0].strip()
        if not first_line:
            continue
        link = paper_link(inline.links)
        if link is None and inline.links and inline.links[0].start == 0 and not inline.links[0].image:
            link = inline.links[0]  # `- [x] [Name](project page)` is still the paper's own entry
        cand = ctx.new("checklist", block)
        cand.status = "read" if block.checked else "unread"
        if link is not None:
            _name_and_title(cand, link.text)
            if _GENERIC_LINK_TEXT.match(link.text) or link.image:
                context_title(ctx, cand, block, link, 0, len(first_line))
            remark = inline.text[link.end :].split("\n")[0]
        elif (lead := read_lead(ctx, _bare(first_line))) is not None and lead.names:
            apply_lead(cand, lead)  # '- [ ] MM1 (Apple)': Apple is the organisation, not the name
            remark = ""
        elif is_name_like(first_line) or (len(first_line) <= 60 and first_line[:1].isupper()):
            _name_and_title(cand, first_line)
            remark = ""
        else:
            continue
        by = re.search(r"et al\.?,?\s*((?:19|20)\d{2})\b", remark)
        if by:
            cand.set_date(by[1], DERIVED)
        _inline(ctx, cand, inline, remark.strip(" -–:："), with_orgs=True)
        read_section(ctx, cand, block.children, with_orgs=True)
        ctx.claim([block], cand)
        out.append(finish(ctx, cand, link if link and link_kind(link.url) in ("paper", "pdf") else None))
        if link is not None and link_kind(link.url) not in ("paper", "pdf"):
            cand.add_link(link.url)
    return out


def front_matter(ctx: Context) -> list[Candidate]:
    """Single-paper notes whose front matter names the paper (`arxiv: 2103.00020v1`, `paper: <url>`, `doi:`),
    with `title:`, `date:`, `name:` and `authors:` read too. A front matter title alone is the post's, not a paper's."""
    fm = ctx.doc.front_matter
    url = ""
    for key in ("arxiv", "arxiv_id", "eprint", "paper", "url", "link", "doi", "pdf"):
        if isinstance(fm.get(key), str) and fm[key].strip():
            url = fm[key].strip()
            if normalise_arxiv_id(url):
                break
    arxiv = normalise_arxiv_id(url)
    if not arxiv:
        return []
    cand = Candidate("front-matter", ctx.doc.path, 1, len(ctx.doc.lines), text="")
    cand.arxiv_id = arxiv
    cand.set_date(date_from_arxiv_id(arxiv), GUESSED)
    for key in ("name", "model", "short_name", "shortname", "alias"):
        if isinstance(fm.get(key), str):
            cand.set_name(fm[key], EXPLICIT)
    for key in ("paper_title", "title"):
        if isinstance(fm.get(key), str) and fm[key].strip() and not cand.title:
            cand.title = clean_title(fm[key])
            cand.set_name(name_from_title(cand.title), DERIVED)
    for key in ("date", "published", "year"):
        found = find_date(str(fm.get(key) or ""))
        if found:
            cand.set_date(found.iso, EXPLICIT)
            break
        if re.fullmatch(r"(?:19|20)\d{2}", str(fm.get(key) or "").strip()):
            cand.set_date(str(fm[key]).strip(), EXPLICIT)
            break
    venue = read_venue(str(fm.get("venue") or fm.get("conference") or fm.get("journal") or ""), ctx.vocab)
    if venue:
        cand.venue = venue[0]
    tags = fm.get("tags")
    cand.tags = [str(t) for t in tags] if isinstance(tags, list) else []
    orgs = fm.get("affiliations") or fm.get("affiliation") or fm.get("institution") or fm.get("org")
    for org in orgs if isinstance(orgs, list) else [orgs] if isinstance(orgs, str) else []:
        cand.orgs.append(ctx.vocab.org(str(org)) or str(org))
    authors = fm.get("authors") or fm.get("author")
    if isinstance(authors, list):
        cand.authors, cand.authors_et_al = read_authors([str(a) for a in authors])
    elif isinstance(authors, str) and authors.strip():
        cand.authors, cand.authors_et_al = read_authors(authors)
    read_section(ctx, cand, ctx.doc.blocks)
    return [cand]


from vlmnotes.parse.cards import definition_entry, field_card  # noqa: E402
from vlmnotes.parse.entries import heading_entry, item_entry  # noqa: E402
from vlmnotes.parse.leads import apply_lead, read_lead  # noqa: E402
from vlmnotes.parse.references import reference_list  # noqa: E402

STYLES: list[tuple[str, Extractor]] = [
    ("front-matter", front_matter),
    ("essay", essay),
    ("review-card", review_card),
    ("bracket-list", bracket_list),
    ("dated-bullet", dated_bullet),
    ("checklist", checklist),
    ("heading", heading_entry),
    ("field-card", field_card),
    ("reference", reference_list),
    ("item", item_entry),
    ("definition", definition_entry),
    ("generic", generic),
]


def _one_paper_note(ctx: Context, out: list[Candidate]) -> None:
    """A note whose only entry is a field card or its front matter is that paper's note: the rest of it is the
    paper's body (its sections and parts), and it starts where the note does."""
    entries = [c for c in out if not c.passing]
    if len(entries) != 1 or entries[0].style != "field-card" or ctx.light:
        return
    cand = entries[0]
    rest = [b for b in ctx.doc.blocks if id(b) not in ctx.claimed]
    read_section(ctx, cand, rest)
    first = next((b for b in ctx.doc.blocks if b.kind == "heading" and b.level == 1), None)
    if cand.style == "field-card" and first is not None and first.line < cand.line:
        cand.line = first.line
    cand.end_line = max([cand.end_line, *(b.end_line for b in rest)])


def _only_names(ctx: Context, cand: Candidate) -> None:
    """Drop an organisation, venue, date or link text that a style read as the entry's name, alias or title
    ('[[Allen AI](…)]', '[项目主页](…)', '| Hugging Face |'): it names no paper, and merging by it would join
    every entry that writes it into one record."""
    if cand.name and not_a_name(cand.name, ctx.vocab, ctx.known):
        cand.name = None
    cand.aliases = [a for a in cand.aliases if not not_a_name(a, ctx.vocab, ctx.known)]
    if cand.title and not_a_name(cand.title, ctx.vocab, ctx.known):
        cand.title = None


def extract(
    doc: Document, vocab: Vocabulary, *, light: bool = False, catalogue: Catalogue | None = None
) -> list[Candidate]:
    """Run every style extractor over a document, in order, and return the candidates found.

    `light` skips components and relations (the linter needs entries, names, links and dates only).
    """
    from vlmnotes.catalogue import load_catalogue

    ctx = Context(doc, vocab, light=light, catalogue=catalogue or load_catalogue())
    out: list[Candidate] = []
    for _, extractor in STYLES:
        out += extractor(ctx)
    _one_paper_note(ctx, out)
    for cand in out:
        _only_names(ctx, cand)
    # A record always has a name, a title or an arXiv id: a bare link to slides or a blog names no paper.
    out = [c for c in out if c.name or c.title or c.arxiv_id or c.aliases]
    papers = {c.text.split("\n")[0].lstrip("#").strip() for c in out if c.style == "heading"}
    for cand in out:
        if papers and cand.style != "heading":  # a heading that is a paper does not tag the papers after it
            cand.tags = [t for t in cand.tags if t not in papers]
        if split_label(cand.name or "") is not None:
            cand.name = None
        if cand.name is None and cand.aliases:
            cand.name = cand.aliases.pop(0)
    return out
