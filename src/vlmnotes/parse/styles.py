"""Note styles: an ordered list of named extractors, each turning the blocks it recognises into candidates.

Like markdown-it's rule chains, every extractor sees the whole document and claims the blocks it reads;
later extractors skip claimed blocks. The order goes from the most specific style to the generic
fallback, which takes any heading, list item, paragraph line, table row or footnote carrying a paper link.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from vlmnotes.catalogue import Catalogue, KnownPaper
from vlmnotes.parse.entry import (
    DERIVED,
    EXPLICIT,
    GUESSED,
    SECTION_LABELS,
    Candidate,
    orgs_in,
    read_body,
    read_inline,
    split_label,
)
from vlmnotes.parse.fields import (
    RelationClaim,
    arxiv_id_from_url,
    clean_title,
    date_from_arxiv_id,
    find_date,
    find_venue,
    is_name_like,
    is_social,
    link_kind,
    name_from_title,
    norm_key,
    normalise_arxiv_id,
    split_name_parens,
)
from vlmnotes.parse.markdown import CALLOUT_LEVEL, Block, Document, Inline, Link
from vlmnotes.parse.names import GENERIC_LINK_TEXT, base_name
from vlmnotes.parse.orgs import org_phrases
from vlmnotes.vocab import Vocabulary

_GENERIC_LINK_TEXT = GENERIC_LINK_TEXT


@dataclass
class Context:
    """What every extractor shares: the document, the vocabulary, claimed blocks and section headings."""

    doc: Document
    vocab: Vocabulary
    claimed: set[int] = field(default_factory=set)
    own_links: set[tuple[int, str]] = field(default_factory=set)  # (line, arxiv id or url) used as entries
    tags: dict[int, list[str]] = field(default_factory=dict)
    venues: dict[int, tuple[str, int]] = field(default_factory=dict)
    hosts: dict[int, Candidate] = field(default_factory=dict)  # body block → the entry it belongs to
    light: bool = False
    catalogue: Catalogue | None = None
    parents: dict[int, Block] = field(default_factory=dict)  # nested block → the block that holds it

    def known(self, name: str) -> bool:
        """True when the catalogue of well-known papers has this exact name or alias (a plain word must match
        its case too: 'Star' is not STaR)."""
        return self.catalogue is not None and known_paper(self.catalogue, name) is not None

    def section(self, heading: Block) -> list[Block]:
        """The blocks a heading heads: the following siblings (top-level, or inside the list item that holds the
        heading) up to the next heading of the same or a higher level."""
        parent = self.parents.get(id(heading))
        siblings = parent.children if parent is not None else self.doc.blocks
        try:
            i = next(k for k, b in enumerate(siblings) if b is heading)
        except StopIteration:
            return []
        out = []
        callout = heading.level >= CALLOUT_LEVEL  # a callout's section is its quote
        for block in siblings[i + 1 :]:
            if block.kind == "heading" and block.level <= heading.level:
                break
            if callout and block.line > heading.end_line:
                break
            out.append(block)
        return out

    def section_end(self, heading: Block) -> int:
        """The last line before the next heading of the same or a higher level (code blocks included)."""
        if heading.level >= CALLOUT_LEVEL:
            return heading.end_line
        for block in self.all_blocks():
            if block.kind == "heading" and block.line > heading.line and block.level <= heading.level:
                return block.line - 1
        return len(self.doc.lines)

    def paper_link_of(self, block: Block) -> Link | None:
        """The paper link a block carries itself."""
        return paper_link(block.inline.links)

    def __post_init__(self) -> None:
        for top in self.doc.blocks:
            for block in top.walk():
                for child in block.children:
                    self.parents[id(child)] = block
        stack: list[tuple[int, str, tuple[str, int] | None]] = []
        for block in self.all_blocks():
            if block.kind == "heading" and block.level >= CALLOUT_LEVEL:
                self.tags[id(block)] = [s[1] for s in stack]  # a callout's title tags nothing after its quote
            elif block.kind == "heading":
                while stack and stack[-1][0] >= block.level:
                    stack.pop()
                self.tags[id(block)] = [s[1] for s in stack]
                venue = find_venue(block.inline.text, self.vocab)
                stack.append((block.level, block.inline.text.strip(), venue))
            else:
                self.tags[id(block)] = [s[1] for s in stack]
            for _, _, venue in reversed(stack):
                if venue and block.kind != "heading":
                    self.venues[id(block)] = venue
                    break

    def all_blocks(self) -> list[Block]:
        """Every block in document order, nested ones included."""
        out: list[Block] = []
        for block in self.doc.blocks:
            out += block.walk()
        return out

    def unclaimed_items(self) -> list[Block]:
        """List items no earlier extractor has read, in document order."""
        return [b for b in self.all_blocks() if b.kind == "item" and id(b) not in self.claimed]

    def claim(self, blocks: list[Block], host: Candidate) -> None:
        """Mark blocks (and everything nested in them) as read by `host`'s entry."""
        for block in blocks:
            for sub in block.walk():
                self.claimed.add(id(sub))
                self.hosts.setdefault(id(sub), host)

    def new(self, style: str, block: Block, end_line: int | None = None) -> Candidate:
        """A candidate for an entry starting at `block`, with its tags, section venue and own text."""
        end = end_line or block.end_line or block.line
        cand = Candidate(style, self.doc.path, block.line, end, text=self.doc.source(block.line, end))
        cand.tags = [t for t in self.tags.get(id(block), []) if t]
        venue = self.venues.get(id(block))
        if venue:
            cand.venue = venue[0]
            cand.set_date(str(venue[1]), DERIVED)
        return cand

    def region(self, heading: Block, *, any_heading: bool = False) -> list[Block]:
        """The top-level blocks after a heading up to the next heading of the same or a higher level
        (of any level, with `any_heading`)."""
        blocks = self.doc.blocks
        try:
            i = next(k for k, b in enumerate(blocks) if b is heading)
        except StopIteration:
            return []
        out = []
        for block in blocks[i + 1 :]:
            if block.kind == "heading" and (any_heading or block.level <= heading.level):
                break
            out.append(block)
        return out


Extractor = Callable[[Context], list[Candidate]]


def known_paper(catalogue: Catalogue, name: str) -> KnownPaper | None:
    """The known paper a name names: any spelling of a coined name ('llava-1.5'), a plain word only as written."""
    paper = catalogue.lookup(name)
    if paper is None or re.search(r"\d|[A-Z]{2}|[a-z][A-Z]|[\-_.]", name) or name in paper.names:
        return paper
    return None


def read_section(ctx: Context, cand: Candidate, blocks: list[Block], with_orgs: bool = False) -> None:
    """Read an entry's body (components, sections, relations), unless the context is light."""
    if not ctx.light:
        read_body(cand, blocks, ctx.vocab, with_orgs=with_orgs)


def _inline(ctx: Context, cand: Candidate, inline: Inline, text: str, *, with_orgs: bool) -> None:
    """Read part of an entry's own line, unless the context is light."""
    if not ctx.light:
        read_inline(cand, inline, text, ctx.vocab, with_orgs=with_orgs)


def finish(ctx: Context, cand: Candidate, link: Link | None) -> Candidate:
    if link is not None:
        arxiv = arxiv_id_from_url(link.url)
        if arxiv and cand.links.get("paper") and not arxiv_id_from_url(cand.links["paper"]):
            cand.other_links.append(cand.links.pop("paper"))  # the arXiv page is the paper link, OpenReview another
        # A badge image stands for the paper: file the arXiv page, not the picture.
        cand.add_link(f"https://arxiv.org/abs/{arxiv}" if link.image and arxiv else link.url)
        if arxiv:
            cand.arxiv_id = arxiv
            cand.set_date(date_from_arxiv_id(arxiv), GUESSED)
            ctx.own_links.add((link.line, arxiv))
        ctx.own_links.add((link.line, link.url))
    return cand


def _name_and_title(cand: Candidate, text: str, rank: int = EXPLICIT) -> None:
    """Read a link text or heading: a short name, a title with a name prefix, or a title with (Name)."""
    text = clean_title(re.sub(r"^\[\s*(?:arxiv:\s*)?\d{4}\.\d{4,5}(?:v\d+)?\s*\]\s*", "", text, flags=re.I))
    if not text or _GENERIC_LINK_TEXT.match(text):
        return  # '[paper](…)', '[2103.00020](…)': the link names no paper
    if is_name_like(text) or (base_name(text) != text and is_name_like(base_name(text))):
        cand.set_name(text, rank)  # 'Qwen2-VL-72B Model' names Qwen2-VL's checkpoint: a name, not a title
        return
    body, paren = split_name_parens(text)
    if paren:
        cand.set_name(paren, rank)
        if is_name_like(body):
            cand.aliases.append(body)
        elif len(body.split()) > 3:
            cand.title = body
        else:
            cand.aliases.append(body)
        return
    cand.title = text
    cand.set_name(name_from_title(text), DERIVED)


def paper_link(links: list[Link]) -> Link | None:
    """The link that points at the paper (arXiv, a proceedings site, a PDF) or an arXiv badge.

    An arXiv link wins over an earlier OpenReview or proceedings link of the same entry (`[[paper link](openreview)]
    [[arxiv link](arxiv)]`), unless its text names another paper."""
    first: Link | None = None
    for link in links:
        if link.image:
            if "badge" in link.url and arxiv_id_from_url(link.url):
                return link
            continue
        if link_kind(link.url) in ("paper", "pdf"):
            if arxiv_id_from_url(link.url):
                if first is None or _GENERIC_LINK_TEXT.match(link.text):
                    return link
                return first
            first = first or link
    return first


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
        for item in items:
            _card_field(ctx, cand, item)
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


def _card_field(ctx: Context, cand: Candidate, item: Block) -> None:
    text = re.sub(r"\s+", " ", item.inline.text).strip()
    if not text or not _bold_led(item):
        return
    bare = text.strip("*").strip()
    if (found := find_date(bare)) is not None and found.start == 0 and len(bare) <= 12:
        cand.set_date(found.iso, EXPLICIT)  # '- **2024.09**'
        return
    if cand.name and bare == cand.name:
        return
    if cand.name_rank == EXPLICIT and (phrases := org_phrases(bare)) and len(phrases[0][0]) >= len(bare) - 2:
        if bare not in cand.orgs:  # '- **Allen AI**' after the name line: an organisation, never an alias
            cand.orgs.append(ctx.vocab.org(bare) or bare)
            cand.org_lines[cand.orgs[-1]] = item.line
        return
    m = re.match(r"^([^:：]{1,12}?)\s*[:：]\s*(.*)$", text)
    label, rest = (m[1].strip(), m[2].strip()) if m else ("", text)
    low = label.lower()
    if low in _AUTHOR_LABELS:
        rest = re.sub(r"\s*(?:等人?|et\s+al\.?)\s*$", "", rest)  # "A、B 等" / "A, B et al.": the rest unnamed
        cand.authors = [a.strip() for a in re.split(r"\s*(?:[、,，;；]|\band\b)\s*", rest) if a.strip()]
    elif low in _DATE_LABELS:
        found = find_date(rest)
        if found:
            cand.set_date(found.iso, EXPLICIT)
    elif low in _CITE_LABELS:
        digits = re.sub(r"[^\d]", "", rest)
        if digits:
            cand.citations = int(digits)
    elif label and ctx.vocab.venue(label) and re.fullmatch(r"(?:19|20)\d{2}", rest):
        cand.venue = f"{ctx.vocab.venue(label)} {rest}"
        cand.set_date(rest, DERIVED)
    elif label or text.rstrip(":：").strip().lower() in SECTION_LABELS:
        return  # a summary section: read_body files it under its label
    elif any(ctx.vocab.org(part) for part in _org_parts(text)) or (
        cand.name_rank == EXPLICIT and re.fullmatch(r"[A-Z][a-z]+(?: [A-Z][a-z]+)*", text)
    ):
        # A known organisation, or a plain capitalised word after the card's name ('Salesfroce').
        for part in _org_parts(text):
            org = ctx.vocab.org(part) or part
            if org not in cand.orgs:
                cand.orgs.append(org)
                cand.org_lines[org] = item.line
    elif (venue := find_venue(text, ctx.vocab)) and len(text) <= 24:
        cand.venue = venue[0]
        cand.set_date(str(venue[1]), DERIVED)
    elif is_name_like(text):
        cand.set_name(text, EXPLICIT if cand.name_rank < EXPLICIT else GUESSED)
    elif len(text) <= 60 and not re.search(r"[。.!?！？]", text) and not item.children:
        for part in _org_parts(text):
            if part not in cand.orgs:
                cand.orgs.append(part)
                cand.org_lines[part] = item.line


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
        elif (lead := read_lead(ctx, first_line)) is not None and lead.names:
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


# --- fallback: any heading, item, paragraph line, table row or footnote with a paper link ------------------


def generic(ctx: Context) -> list[Candidate]:
    """Any block carrying a paper link; inside another entry's body it becomes a passing mention."""
    out: list[Candidate] = []
    footnote_names = _footnote_names(ctx)
    for block in ctx.all_blocks():
        if block.kind == "row":
            out += table_row(ctx, block)
            continue
        if block.kind == "footnote":
            out += _generic_footnote(ctx, block, footnote_names)
            continue
        inline = block.inline
        for line_no, start, end in inline.lines():
            links = [lk for lk in inline.links if start <= lk.start <= end]
            link = paper_link(links)
            if link is None or _seen(ctx, link):
                continue
            host = ctx.hosts.get(id(block))
            arxiv = arxiv_id_from_url(link.url)
            if host is not None and ((arxiv and arxiv == host.arxiv_id) or link.url in host.links.values()):
                continue  # the entry's own paper, linked again in its body
            if block.kind == "heading" and host is None and start == 0:
                out.append(_generic_heading(ctx, block, link))
                continue
            if host is not None and (_GENERIC_LINK_TEXT.match(link.text) or link.image):
                # 'the paper [here](…)' inside another entry: a relation to that id, not a paper of its own.
                claim = RelationClaim(None, "mentions", arxiv or link.url, inline.text[start:end].strip()[:300], arxiv)
                host.relations.append((claim, line_no))
                continue
            cand = ctx.new("mention" if host else "generic", block)
            cand.line = cand.end_line = line_no
            cand.text = ctx.doc.source(line_no, line_no)
            cand.passing = host is not None
            _name_and_title(cand, link.text if not _GENERIC_LINK_TEXT.match(link.text) else "")
            line_text = inline.text[start:end]
            rest = line_text[: link.start - start] + " " + line_text[link.end - start :]
            _read_line_fields(ctx, cand, rest)
            if not cand.passing:
                context_title(ctx, cand, block, link, start, end)
                _read_bold(cand, inline, link, start, end)
            if not cand.passing:
                _inline(ctx, cand, inline, line_text[link.end - start :], with_orgs=True)
                before = line_text[: link.start - start]
                if len(before) > 20:  # '- LLaVA-OneVision (ByteDance, 2024) — SigLIP + Qwen2, 2-layer MLP [arXiv](…)'
                    _inline(ctx, cand, inline, before, with_orgs=True)
                elif before.strip():  # 'DeepSeek-AI, arXiv 2410.13848'
                    cand.orgs += [o for o in orgs_in(before, ctx.vocab) if o not in cand.orgs]
                if len(_paper_links(inline.links)) == 1 and len(inline.line_starts) > 1:
                    # one paper in a wrapped paragraph or item: its other lines describe it too
                    rest = inline.text[:start] + "\n" + inline.text[end:]
                    _inline(ctx, cand, inline, rest, with_orgs=False)
                if block.kind == "item" and start == 0:
                    read_section(ctx, cand, block.children, with_orgs=True)
                    ctx.claim(block.children, cand)
            others = _other_papers(ctx, links, link)
            for other in links:
                if other is not link and not other.image and other not in others:
                    cand.add_link(other.url)
            out.append(finish(ctx, cand, link))
            for other in others:  # 'Compare [Qwen-VL](…) with [Qwen2-VL](…)': each link its own paper
                second = ctx.new("mention", block)
                second.line = second.end_line = line_no
                second.text = cand.text
                second.passing = True
                _name_and_title(second, other.text)
                out.append(finish(ctx, second, other))
                target = second.name or second.title or second.arxiv_id or other.text
                claim = RelationClaim(None, "mentions", target, line_text.strip()[:300], second.arxiv_id)
                cand.relations.append((claim, line_no))
            if host is not None:
                target = cand.name or cand.title or cand.arxiv_id or link.text
                claim = RelationClaim(None, "mentions", target, line_text.strip()[:300], cand.arxiv_id)
                host.relations.append((claim, line_no))
    return out


def _paper_links(links: list[Link]) -> set[str]:
    """The distinct papers a block links (arXiv ids, or proceedings and PDF URLs)."""
    return {arxiv_id_from_url(lk.url) or lk.url for lk in links if link_kind(lk.url) in ("paper", "pdf")}


def _other_papers(ctx: Context, links: list[Link], link: Link) -> list[Link]:
    """Further paper links on a line that name papers of their own (another arXiv id, a name or title as text)."""
    ids = {arxiv_id_from_url(link.url) or link.url}
    out = []
    for other in links:
        if other is link or other.image or link_kind(other.url) not in ("paper", "pdf"):
            continue
        key = arxiv_id_from_url(other.url) or other.url
        if key in ids or _GENERIC_LINK_TEXT.match(other.text) or not arxiv_id_from_url(other.url):
            continue
        ids.add(key)
        out.append(other)
    return out


def named_link(ctx: Context, links: list[Link]) -> Link | None:
    """A link to a code, project or blog page whose text names a paper: a coined or known name ('Ovis2',
    'InternVL 2.5') or a 'Name: subtitle' title. Posts on social sites never count."""
    for link in links:
        if link.image or is_social(link.url) or link_kind(link.url) is None or _GENERIC_LINK_TEXT.match(link.text):
            continue
        lead = read_lead(ctx, link.text)
        if lead is not None and (lead.names or (lead.title and re.search(r"\w[:：]\s", lead.title))):
            return link
    return None


def context_title(ctx: Context, cand: Candidate, block: Block, link: Link, start: int, end: int) -> None:
    """Name and title from around a link whose text names nothing ('[Paper]', '[[arxiv link]]', a badge):
    the line before it (`**ODE**: Open-Set …  [Paper](…)`), after it, or a bold title line opening the block."""
    if cand.title and cand.name:
        return
    inline = block.inline
    cut = min([lk.start for lk in inline.links if start <= lk.start <= link.start] + [link.start])
    before = inline.text[start:cut]
    if before.count("(") + before.count("（") > before.count(")") + before.count("）"):
        # '**MM1** (Apple, arXiv 2403.09611)': the link sits inside the name's own brackets; read them whole.
        close = re.search(r"[)）]", inline.text[link.end : end])
        before = inline.text[start : link.end + close.end()] if close else before
    before = before.rstrip(" [(（【|:：,，-–")
    found = find_date(before)
    if found is not None and found.start <= 2:
        before = before[found.end :].lstrip(" ]）)-–:：")
        before = re.sub(r"^(?:(?:re)?read|skimmed|finished|reviewed|读了|看了|读完)\s+", "", before.strip(), flags=re.I)
    before = before.strip()
    bold = next((t for t, at in zip(inline.strong, inline.strong_at, strict=True) if at == start), None)
    lead = read_lead(ctx, before, bold=bold) if before and len(before) < 300 else None
    if lead is None:
        nxt = next((lk.start for lk in inline.links if lk.start > link.end), end)
        after = clean_title(inline.text[link.end : min(nxt, end)].strip(" ]):：-–"))
        lead = read_lead(ctx, after) if after and len(after) < 250 else None
        if lead is not None and not lead.title:
            lead = None
    if lead is None and block.kind == "paragraph" and inline.strong and inline.strong_at[0] == 0:
        first = inline.strong[0]
        lead = read_lead(ctx, first) if len(first) < 250 else None
    if lead is None and block.kind == "paragraph":
        above = _block_before(ctx, block)  # '**Bold Title**' then, after a blank line, '[[Paper](…)]'
        if above is not None and above.kind == "paragraph" and above.inline.strong == [above.inline.text.strip()]:
            lead = read_lead(ctx, above.inline.text.strip()) if len(above.inline.text) < 250 else None
    if lead is None:
        return
    if lead.name and cand.name is None:
        cand.set_name(lead.name, EXPLICIT)
    if lead.title and not cand.title:
        cand.title = lead.title
        if cand.name is None:
            cand.set_name(name_from_title(lead.title), DERIVED)
    deco = lead.deco
    if deco.venue and not cand.venue:
        cand.venue = deco.venue
        cand.set_date(str(deco.year), DERIVED)
    if deco.date:
        cand.set_date(deco.date, EXPLICIT)
    cand.orgs += [o for o in deco.orgs if o not in cand.orgs]


def _block_before(ctx: Context, block: Block) -> Block | None:
    """The sibling block just before `block`, or None."""
    parent = ctx.parents.get(id(block))
    siblings = parent.children if parent is not None else ctx.doc.blocks
    for i, other in enumerate(siblings):
        if other is block:
            return siblings[i - 1] if i > 0 else None
    return None


def _read_bold(cand: Candidate, inline: Inline, link: Link, start: int, end: int) -> None:
    """`**Topic**: [Title](url), venue, (**NAME**)`: bold before the link is a topic, after it the name."""
    for text, at in zip(inline.strong, inline.strong_at, strict=True):
        if not start <= at <= end or text == link.text:
            continue
        if cand.name and text.strip().startswith(cand.name):
            continue  # the bold lead that named the entry: '**ODE**: Open-Set …', '**ViT(ICLR2021)**'
        if cand.title and text.strip().strip(":：") in cand.title:
            continue
        if at >= link.end and is_name_like(text):
            cand.set_name(text, DERIVED)
        elif at < link.start and text.strip() and text.strip() not in cand.tags:
            cand.tags.append(text.strip().rstrip(":："))


def _seen(ctx: Context, link: Link) -> bool:
    arxiv = arxiv_id_from_url(link.url)
    return (link.line, link.url) in ctx.own_links or (arxiv is not None and (link.line, arxiv) in ctx.own_links)


def _read_line_fields(ctx: Context, cand: Candidate, rest: str) -> None:
    found = find_date(rest)
    if found:
        cand.set_date(found.iso, EXPLICIT)
    venue = find_venue(rest, ctx.vocab)
    if venue:
        cand.venue = venue[0]
        cand.set_date(str(venue[1]), DERIVED)


def _generic_heading(ctx: Context, block: Block, link: Link) -> Candidate:
    region = ctx.region(block)
    end = max([b.end_line for b in region] + [block.end_line])
    cand = ctx.new("heading", block, end)
    _name_and_title(cand, link.text if not _GENERIC_LINK_TEXT.match(link.text) else block.inline.text)
    _read_line_fields(ctx, cand, block.inline.text[link.end :])
    read_section(ctx, cand, region)
    ctx.claim([block, *region], cand)
    return finish(ctx, cand, link)


def _footnote_names(ctx: Context) -> dict[str, str]:
    """Footnote label → the name written just before its reference (`Albef[^1]`, `[**CLIP**](…)[^2]`)."""
    names: dict[str, str] = {}
    for block in ctx.all_blocks():
        for label, pos in block.inline.footnote_refs:
            before = block.inline.text[:pos]
            m = re.search(r"([A-Za-z][A-Za-z0-9.\-+]{1,30})\s*$", before)
            if m and label not in names:
                names[label] = m[1]
    return names


def _generic_footnote(ctx: Context, block: Block, names: dict[str, str]) -> list[Candidate]:
    link = paper_link(block.inline.links)
    if link is None or _seen(ctx, link):
        return []
    cand = ctx.new("footnote", block)
    text = block.inline.text
    label_text = link.text if link.text != link.url else text.replace(link.url, "")
    _name_and_title(cand, label_text if not _GENERIC_LINK_TEXT.match(label_text) else "")
    name = names.get(block.label)
    if name and is_name_like(name):
        cand.set_name(name.upper() if name.lower() == name.lower() and len(name) <= 5 else name, DERIVED)
    ctx.claim([block], cand)
    return [finish(ctx, cand, link)]


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
    venue = find_venue(str(fm.get("venue") or fm.get("conference") or fm.get("journal") or ""), ctx.vocab)
    if venue:
        cand.venue = venue[0]
    tags = fm.get("tags")
    cand.tags = [str(t) for t in tags] if isinstance(tags, list) else []
    orgs = fm.get("affiliations") or fm.get("affiliation") or fm.get("institution") or fm.get("org")
    for org in orgs if isinstance(orgs, list) else [orgs] if isinstance(orgs, str) else []:
        cand.orgs.append(ctx.vocab.org(str(org)) or str(org))
    authors = fm.get("authors") or fm.get("author")
    if isinstance(authors, list):
        cand.authors = [str(a) for a in authors if str(a).strip()]
    elif isinstance(authors, str) and authors.strip():
        cand.authors = [a.strip() for a in re.split(r"\s*(?:[;；、]|,|\band\b)\s*", authors) if a.strip()]
    read_section(ctx, cand, ctx.doc.blocks)
    return [cand]


from vlmnotes.parse.cards import definition_entry, field_card  # noqa: E402
from vlmnotes.parse.entries import heading_entry, item_entry  # noqa: E402
from vlmnotes.parse.leads import apply_lead, read_lead  # noqa: E402
from vlmnotes.parse.references import reference_list  # noqa: E402
from vlmnotes.parse.tables import table_row  # noqa: E402

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
