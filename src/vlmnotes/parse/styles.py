"""Note styles: an ordered list of named extractors, each turning the blocks it recognises into candidates.

Like markdown-it's rule chains, every extractor sees the whole document and claims the blocks it reads;
later extractors skip claimed blocks. The order goes from the most specific style to the generic
fallback, which takes any heading, list item, paragraph line, table row or footnote carrying a paper link.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from vlmnotes.parse.entry import (
    DERIVED,
    EXPLICIT,
    GUESSED,
    SECTION_LABELS,
    Candidate,
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
    link_kind,
    name_from_title,
    norm_key,
    split_name_parens,
)
from vlmnotes.parse.markdown import Block, Document, Inline, Link
from vlmnotes.vocab import Vocabulary

_GENERIC_LINK_TEXT = re.compile(
    r"^\s*(?:paper|pdf|arxiv|link|论文|原文|here|abs|html|official|code|project|demo|note|notes|详细信息|\d+"
    r"|(?:arxiv:?\s*)?\d{4}\.\d{4,5}(?:v\d+)?|https?://\S+)\s*$",
    re.I,
)


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

    def __post_init__(self) -> None:
        stack: list[tuple[int, str, tuple[str, int] | None]] = []
        for block in self.all_blocks():
            if block.kind == "heading":
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


def _body(ctx: Context, cand: Candidate, blocks: list[Block], with_orgs: bool = False) -> None:
    """Read an entry's body (components, sections, relations), unless the context is light."""
    if not ctx.light:
        read_body(cand, blocks, ctx.vocab, with_orgs=with_orgs)


def _inline(ctx: Context, cand: Candidate, inline: Inline, text: str, *, with_orgs: bool) -> None:
    """Read part of an entry's own line, unless the context is light."""
    if not ctx.light:
        read_inline(cand, inline, text, ctx.vocab, with_orgs=with_orgs)


def _finish(ctx: Context, cand: Candidate, link: Link | None) -> Candidate:
    if link is not None:
        arxiv = arxiv_id_from_url(link.url)
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
    text = clean_title(text)
    if not text or _GENERIC_LINK_TEXT.match(text):
        return  # '[paper](…)', '[2103.00020](…)': the link names no paper
    if is_name_like(text):
        cand.set_name(text, rank)
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


def _paper_link(links: list[Link]) -> Link | None:
    """The first link that points at a paper (arXiv, a proceedings site, a PDF) or an arXiv badge."""
    for link in links:
        if link.image:
            if "badge" in link.url and arxiv_id_from_url(link.url):
                return link
            continue
        if link_kind(link.url) in ("paper", "pdf"):
            return link
    return None


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
        link = _paper_link(block.inline.links) or next(
            (lk for b in region[:1] for sub in b.walk() for lk in [_paper_link(sub.inline.links)] if lk), None
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
        _body(ctx, cand, region)
        ctx.claim([block, *region], cand)
        out.append(_finish(ctx, cand, link))
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
        region = ctx.region(block)
        m = _NUMBERED.match(block.inline.text)
        heading_text = m[1] if m else block.inline.text
        end = max([b.end_line for b in region] + [block.end_line])
        cand = ctx.new("review-card", block, end)
        _name_and_title(cand, heading_text)
        for item in items:
            _card_field(ctx, cand, item)
        _body(ctx, cand, region)
        link = _paper_link(block.inline.links) or next(
            (lk for b in items for lk in [_paper_link(b.inline.links)] if lk), None
        )
        ctx.claim([block, *region], cand)
        out.append(_finish(ctx, cand, link))
    return out


def _card_field(ctx: Context, cand: Candidate, item: Block) -> None:
    text = re.sub(r"\s+", " ", item.inline.text).strip()
    if not text or not _bold_led(item):
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
        _body(ctx, cand, block.children)
        ctx.claim([block], cand)
        out.append(_finish(ctx, cand, first))
    return out


# --- 000: dated bullets `- Thu, 22 Oct 2020 [Title](arxiv)` -------------------------------------------------


def dated_bullet(ctx: Context) -> list[Candidate]:
    """Dated bullets: a date, then a paper link, then remarks and sub-bullets (`- [2025.05] [Title](url) 智谱`)."""
    out = []
    for block in ctx.unclaimed_items():
        if id(block) in ctx.claimed:  # read as part of an entry found earlier in this loop
            continue
        inline = block.inline
        link = _paper_link(inline.links)
        if link is None:
            continue
        found = find_date(inline.text[: link.start])
        if found is None or found.start > 2 or inline.text[found.end : link.start].strip(" ]）)-–:") != "":
            continue
        cand = ctx.new("dated-bullet", block)
        cand.set_date(found.iso, EXPLICIT)
        _name_and_title(cand, link.text)
        remark = inline.text[link.end :].split("\n")[0]
        _inline(ctx, cand, inline, remark.strip(" ]:："), with_orgs=True)
        first_child = block.children[0] if block.children else None
        if first_child is not None and first_child.kind == "item":
            guess = _leading_name(first_child.inline.text)
            if guess and cand.name is None and not first_child.inline.links:
                cand.set_name(guess, GUESSED)
        _body(ctx, cand, block.children, with_orgs=True)
        ctx.claim([block], cand)
        out.append(_finish(ctx, cand, link))
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
        link = _paper_link(inline.links)
        if link is None and inline.links and inline.links[0].start == 0 and not inline.links[0].image:
            link = inline.links[0]  # `- [x] [Name](project page)` is still the paper's own entry
        cand = ctx.new("checklist", block)
        cand.status = "read" if block.checked else "unread"
        if link is not None:
            _name_and_title(cand, link.text)
            remark = inline.text[link.end :].split("\n")[0]
        elif is_name_like(first_line) or (len(first_line) <= 60 and first_line[:1].isupper()):
            _name_and_title(cand, first_line)
            remark = ""
        else:
            continue
        by = re.search(r"et al\.?,?\s*((?:19|20)\d{2})\b", remark)
        if by:
            cand.set_date(by[1], DERIVED)
        _inline(ctx, cand, inline, remark.strip(" -–:："), with_orgs=True)
        _body(ctx, cand, block.children, with_orgs=True)
        ctx.claim([block], cand)
        out.append(_finish(ctx, cand, link if link and link_kind(link.url) in ("paper", "pdf") else None))
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
            out += _generic_row(ctx, block)
            continue
        if block.kind == "footnote":
            out += _generic_footnote(ctx, block, footnote_names)
            continue
        inline = block.inline
        for line_no, start, end in inline.lines():
            links = [lk for lk in inline.links if start <= lk.start <= end]
            link = _paper_link(links)
            if link is None or _seen(ctx, link):
                continue
            host = ctx.hosts.get(id(block))
            arxiv = arxiv_id_from_url(link.url)
            if host is not None and ((arxiv and arxiv == host.arxiv_id) or link.url in host.links.values()):
                continue  # the entry's own paper, linked again in its body
            if block.kind == "heading" and host is None and start == 0:
                out.append(_generic_heading(ctx, block, link))
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
                _read_bold(cand, inline, link, start, end)
            if not cand.passing:
                _inline(ctx, cand, inline, line_text[link.end - start :], with_orgs=True)
                if block.kind == "item" and start == 0:
                    _body(ctx, cand, block.children, with_orgs=True)
                    ctx.claim(block.children, cand)
            for other in links:
                if other is not link and not other.image:
                    cand.add_link(other.url)
            out.append(_finish(ctx, cand, link))
            if host is not None:
                target = cand.name or cand.title or cand.arxiv_id or link.text
                claim = RelationClaim(None, "mentions", target, line_text.strip()[:300], cand.arxiv_id)
                host.relations.append((claim, line_no))
    return out


def _read_bold(cand: Candidate, inline: Inline, link: Link, start: int, end: int) -> None:
    """`**Topic**: [Title](url), venue, (**NAME**)`: bold before the link is a topic, after it the name."""
    for text, at in zip(inline.strong, inline.strong_at, strict=True):
        if not start <= at <= end or text == link.text:
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
    _body(ctx, cand, region)
    ctx.claim([block, *region], cand)
    return _finish(ctx, cand, link)


def _generic_row(ctx: Context, row: Block) -> list[Candidate]:
    links = [lk for cell in row.cells for lk in cell.links]
    link = _paper_link(links)
    if row.header or link is None or _seen(ctx, link):
        return []
    cand = ctx.new("table-row", row)
    for i, cell in enumerate(row.cells):
        text = cell.text.strip()
        column = _column_kind(row.headers[i] if i < len(row.headers) else "")
        if link in cell.links and not _GENERIC_LINK_TEXT.match(link.text):
            _name_and_title(cand, link.text)
        elif not text or cell.links:
            continue
        elif column == "name" or (column == "" and cand.name is None and is_name_like(text)):
            _name_and_title(cand, text)
        elif column == "title":
            cand.title = clean_title(text)
        elif column == "venue":
            venue = find_venue(text, ctx.vocab)
            cand.venue = venue[0] if venue else text
        elif column == "org":
            cand.orgs += [ctx.vocab.org(o) or o for o in re.split(r"\s*[,，;；、]\s*", text) if o]
        elif column == "comment":
            cand.sections["comment"] = text
            _inline(ctx, cand, cell, text, with_orgs=False)
        elif (found := find_date(text)) is not None and column in ("date", ""):
            cand.set_date(found.iso, EXPLICIT)
    for other in links:
        if other is not link:
            cand.add_link(other.url)
    ctx.claim([row], cand)
    return [_finish(ctx, cand, link)]


_COLUMNS = {
    "name": ("name", "model", "模型", "method", "方法", "short"),
    "title": ("title", "paper title", "标题", "题目", "论文题目"),
    "date": ("date", "time", "year", "日期", "时间", "年份"),
    "venue": ("venue", "conference", "conf", "journal", "publication", "会议", "期刊"),
    "org": ("org", "organization", "organisation", "institution", "affiliation", "机构", "单位"),
    "comment": ("comment", "comments", "description", "notes", "note", "resources", "remark", "备注", "说明", "简介"),
}


def _column_kind(header: str) -> str:
    """What a table column holds, from its header ('Model Name' → name, 'Arxiv Time' → date)."""
    header = header.lower().strip()
    for kind, words in _COLUMNS.items():
        if any(w in header for w in words):
            return kind
    return ""


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
    link = _paper_link(block.inline.links)
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
    return [_finish(ctx, cand, link)]


def front_matter(ctx: Context) -> list[Candidate]:
    """Single-paper notes whose front matter names the paper (`arxiv: 2103.00020`, `paper: <url>`)."""
    fm = ctx.doc.front_matter
    url = str(fm.get("arxiv") or fm.get("paper") or fm.get("url") or fm.get("link") or "")
    arxiv = arxiv_id_from_url(url) or (url if re.fullmatch(r"\d{4}\.\d{4,5}", url) else None)
    if not arxiv:
        return []
    cand = Candidate("front-matter", ctx.doc.path, 1, len(ctx.doc.lines), text="")
    cand.arxiv_id = arxiv
    cand.set_date(date_from_arxiv_id(arxiv), GUESSED)
    for key in ("name", "model", "short_name"):
        if isinstance(fm.get(key), str):
            cand.set_name(fm[key], EXPLICIT)
    if isinstance(fm.get("paper_title"), str):
        cand.title = clean_title(fm["paper_title"])
    _body(ctx, cand, ctx.doc.blocks)
    return [cand]


STYLES: list[tuple[str, Extractor]] = [
    ("front-matter", front_matter),
    ("essay", essay),
    ("review-card", review_card),
    ("bracket-list", bracket_list),
    ("dated-bullet", dated_bullet),
    ("checklist", checklist),
    ("generic", generic),
]


def extract(doc: Document, vocab: Vocabulary, *, light: bool = False) -> list[Candidate]:
    """Run every style extractor over a document, in order, and return the candidates found.

    `light` skips components and relations (the linter needs entries, names, links and dates only).
    """
    ctx = Context(doc, vocab, light=light)
    out: list[Candidate] = []
    for _, extractor in STYLES:
        out += extractor(ctx)
    for cand in out:
        if split_label(cand.name or "") is not None:
            cand.name = None
    return out
