"""Entries from evidence, not from links: headings, list items, table rows and field cards that name a paper.

A block becomes a paper entry when what it says adds up: a coined or known model name leading it
(`### CLIP：…（2021，OpenAI）`, `+ LLaVA`, `` - `Qwen/Qwen2-VL-7B-Instruct` ``), a title-like heading, a paper
link in the block or just under it, labelled fields (`题目：`, `Authors:`, `单位：`). A heading whose section
holds other entries only groups them: it is a tag, never a paper.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from vlmnotes.parse.entry import DERIVED, EXPLICIT, SECTION_LABELS, Candidate, orgs_in, read_inline, slot_field
from vlmnotes.parse.fields import (
    arxiv_id_from_url,
    clean_title,
    find_date,
    find_venue,
    is_name_like,
    is_social,
    name_from_title,
    normalise_arxiv_id,
)
from vlmnotes.parse.markdown import CALLOUT_LEVEL, Block, Link
from vlmnotes.parse.names import (
    GENERIC_LINK_TEXT,
    Decorated,
    coined,
    decorations,
    lead_name,
    model_from_checkpoint,
    name_ok,
    name_ok_word,
    read_meta,
    split_names,
    strip_emoji,
    strip_numbering,
    title_like,
)
from vlmnotes.parse.orgs import org_field_value, org_phrases
from vlmnotes.parse.references import read_bibtex

if TYPE_CHECKING:
    from vlmnotes.parse.styles import Context

_CJK = re.compile(r"[\u4e00-\u9fff]")

# --- labelled fields: literature-note cards ----------------------------------------------------------------

FIELD_LABELS: dict[str, tuple[str, ...]] = {
    "title": (
        "title",
        "题目",
        "标题",
        "论文题目",
        "论文标题",
        "paper title",
        "论文",
        "name",
        "名称",
        "full title",
        "논문",
        "論文",
        "タイトル",
        "제목",
    ),
    "authors": ("authors", "author", "作者", "作者们"),
    "orgs": (
        "发布",
        "发布方",
        "出品",
        "released by",
        "institution",
        "institutions",
        "affiliation",
        "affiliations",
        "organization",
        "organisation",
        "org",
        "orgs",
        "单位",
        "机构",
        "作者单位",
        "团队",
        "lab",
        "team",
        "company",
        "公司",
    ),
    "venue": (
        "venue",
        "published in",
        "publication",
        "conference",
        "journal",
        "期刊",
        "会议",
        "发表",
        "发表于",
        "期刊及影响因子",
        "出处",
        "来源",
        "source",
        "proceedings",
    ),
    "date": ("date", "year", "time", "日期", "时间", "年份", "发表时间", "发布时间", "published", "publish date"),
    "link": (
        "link",
        "paper link",
        "url",
        "paper",
        "arxiv",
        "pdf",
        "doi",
        "论文链接",
        "链接",
        "原文",
        "code",
        "github",
        "citation",
        "cite",
        "引用",
        "bibtex",
        "talk link",
        "related",
        "tags",
        "project",
        "homepage",
    ),
    "name": ("model", "model name", "short name", "简称", "模型", "模型名称", "method", "方法名"),
}
_LABEL_OF = {label: kind for kind, labels in FIELD_LABELS.items() for label in labels}
_FIELD = re.compile(r"^[^\w\u4e00-\u9fff*]*\**\s*([^:：*\n]{1,14}?)\s*\**\s*[:：]\s*\**\s*(.*)$", re.S)


def field_of(text: str) -> tuple[str, str] | None:
    """'题目：Foo' → ('title', 'Foo'); '**Authors**: A, B' → ('authors', 'A, B'); None for other text."""
    m = _FIELD.match(text.strip().replace("::", ":", 1))  # 'org:: OpenAI': outliner properties
    if not m:
        return None
    kind = _LABEL_OF.get(m[1].strip().lower())
    return (kind, m[2].strip().strip("*").strip()) if kind else None


_ANY_LABEL = re.compile(r"^[^\w\u4e00-\u9fff*]*\**\s*[^:：\n]{1,20}[:：]")


def card_fields(blocks: list[Block]) -> list[tuple[str, str, Block, int]]:
    """The labelled fields among consecutive list items or paragraph lines: (kind, value, block, line)."""
    out: list[tuple[str, str, Block, int]] = []
    for block in blocks:
        if block.kind not in ("item", "paragraph"):
            continue
        inline = block.inline
        bold_at = dict(zip(inline.strong_at, inline.strong, strict=True))
        for line_no, start, end in inline.lines():
            line = inline.text[start:end]
            found = field_of(line)
            if not found and start in bold_at:  # '**发布** Google': markdown-it has taken the asterisks away
                label = bold_at[start].strip().rstrip(":：")
                kind = _LABEL_OF.get(label.lower())
                found = (kind, line[len(bold_at[start]) :].strip(" :：")) if kind else None
            if found:
                out.append((found[0], found[1], block, line_no))
            elif out and out[-1][2] is block and line.strip() and not _ANY_LABEL.match(line):
                # a field's value wrapped onto the next line (a line with a label of its own is another field)
                kind, value, _, first = out[-1]
                out[-1] = (kind, f"{value} {line.strip()}", block, first)
    return out


def read_fields(ctx: Context, cand: Candidate, fields: list[tuple[str, str, Block, int]]) -> None:
    """File labelled field values into a candidate (values the note left empty are skipped)."""
    for kind, value, block, line in fields:
        if not value:
            continue
        arxiv = _arxiv_in(value, block)
        if arxiv and not cand.arxiv_id:
            cand.arxiv_id = arxiv
        if kind == "title":
            deco = decorations(re.sub(r"\[[^\]]*\]\([^)]*\)", "", value), ctx.vocab, ctx.known)
            apply_lead(cand, Lead([], None, deco))  # '논문: ViLT: … (Kakao Enterprise, ICML 2021)'
            title = clean_title(deco.text)
            # A field's full title beats a heading that only starts it ('# Eyes Wide Shut' over 'Title: Eyes …?').
            prefix = cand.title is not None and _norm(title).startswith(_norm(cand.title))
            if len(title) > 3 and (not cand.title or prefix):
                cand.title = title
                cand.set_name(name_from_title(title), DERIVED)
        elif kind == "authors" and not cand.authors:
            rest = re.sub(r"\s*(?:等人?|et\s+al\.?)\s*$", "", value)
            rest = re.sub(r"[*†‡]|[（(][^)）]*[)）]", "", rest)
            cand.authors = [a.strip() for a in re.split(r"\s*(?:[、,，;；]|\band\b)\s*", rest) if a.strip()][:50]
        elif kind == "orgs":
            for org in org_field_value("affiliation", value) or []:
                org = ctx.vocab.org(org) or org
                if org not in cand.orgs:
                    cand.orgs.append(org)
        elif kind == "venue":
            venue = find_venue(value, ctx.vocab)
            if venue and not cand.venue:
                cand.venue = venue[0]
                cand.set_date(str(venue[1]), DERIVED)
            by = re.search(r"et\s+al\.?,?\s*\(?((?:19|20)\d{2})\b", value)
            if by:
                cand.set_date(by[1], DERIVED)
        elif kind == "date":
            found = find_date(value)
            if found:
                cand.set_date(found.iso, EXPLICIT)
            elif re.fullmatch(r"(?:19|20)\d{2}", value.strip()):
                cand.set_date(value.strip(), EXPLICIT)
        elif kind == "name" and is_name_like(value):
            cand.set_name(value, EXPLICIT)
        elif kind == "link":
            lead_id = re.match(r"(\d{4}\.\d{4,5})(?:v\d+)?\b", value)
            if lead_id and not cand.arxiv_id:  # 'arXiv: 2408.15998 · NVIDIA'
                cand.arxiv_id = normalise_arxiv_id(lead_id[1])
            for link in block.inline.links:
                if link.line == line and not link.image:
                    cand.add_link(link.url)


def _arxiv_in(value: str, block: Block) -> str | None:
    m = re.search(r"arxiv\s*[:：]?\s*(\d{4}\.\d{4,5})(?:v\d+)?", value, re.I)
    if m:
        return m[1]
    for link in block.inline.links:
        arxiv = arxiv_id_from_url(link.url)
        if (arxiv and link.url in value) or (arxiv and link.text in value):
            return arxiv
    return None


def field_card(ctx: Context) -> list[Candidate]:
    """Literature-note cards: two or more labelled fields (题目/Title, 作者/Authors, 单位/Affiliation, …) in a row.

    A card on its own (under `## 基本信息`) is the note's paper; paragraphs that are each a whole card
    (`【论文】Title` then `🏢 机构：…`, `🔗 链接：…`) are one paper each.
    """
    out: list[Candidate] = []
    blocks = ctx.doc.blocks
    i = 0
    while i < len(blocks):
        run: list[Block] = []
        j = i
        while j < len(blocks) and blocks[j].kind in ("item", "paragraph") and id(blocks[j]) not in ctx.claimed:
            run += blocks[j].walk() if blocks[j].kind == "item" else [blocks[j]]
            j += 1
        paragraphs = [b for b in run if b.kind == "paragraph"]
        whole = [b for b in paragraphs if len({f[0] for f in card_fields([b])}) >= 2]
        runs = [[b] for b in whole] if len(whole) >= 2 else [run]
        for part in runs:
            cand = _card(ctx, part)
            if cand is not None:
                out.append(cand)
        i = max(j, i + 1)
    return out


_CARD_HEAD = re.compile(r"^\s*[【\[]\s*(?:论文|论文名|paper|文章)\s*[】\]]\s*[:：]?\s*(.+)$", re.I)


def _card(ctx: Context, run: list[Block]) -> Candidate | None:
    fields = card_fields([b for b in run if b.kind in ("item", "paragraph")])
    kinds = {f[0] for f in fields if f[1]}
    if len({f[0] for f in fields}) < 2 or not kinds & {"title", "authors", "orgs", "venue", "date"}:
        return None
    head = _CARD_HEAD.match(run[0].inline.text.split("\n")[0]) if run else None
    if not ("title" in kinds or head or any(_arxiv_in(f[1], f[2]) for f in fields)):
        return None
    cand = ctx.new("field-card", run[0], max(b.end_line for b in run))
    if head:  # '【论文】DeepSeek-VL: Towards Real-World …'
        lead = read_lead(ctx, head[1])
        if lead is not None:
            apply_lead(cand, lead)
    read_fields(ctx, cand, fields)
    if not (cand.title or cand.arxiv_id or cand.name):
        return None
    if not ctx.light:
        for block in run:  # '🧩 结构：…', '点评：…': the card's other lines describe the paper too
            read_inline(cand, block.inline, block.inline.text, ctx.vocab, with_orgs=False)
    ctx.claim(run, cand)
    ctx.own_links.update((b.line, lk.url) for b in run for lk in b.inline.links)
    return cand


# --- headings ------------------------------------------------------------------------------------------------


class Lead:
    """What the text leading a block says: its name(s), title, and the decorations around them."""

    def __init__(self, names: list[str], title: str | None, deco: Decorated) -> None:
        self.names = names
        self.title = title
        self.deco = deco

    @property
    def name(self) -> str | None:
        return self.names[0] if self.names else None


def read_lead(ctx: Context, text: str, *, bold: str | None = None) -> Lead | None:
    """Read a heading or the lead of an item: 'CLIP：中文说明（2021，OpenAI）', '**ViT(ICLR2021)** An Image is …',
    'Improving Image Generation with Better Captions (DALL-E 3)', 'M-HalDetect / HaELM'. None when it names nothing."""
    text = re.sub(r"\[\[([^\]|]+)(?:\|[^\]]*)?\]\]", r"\1", text)  # Logseq / Obsidian '[[CLIP]]' page links
    text = strip_emoji(strip_numbering(text.strip()))
    text = re.sub(r"^(?:Q|A|问|答)\s*[:：]\s*", "", text)  # an FAQ's 'A: *Title* (Org, Venue)'
    label = re.match(r"^([\u4e00-\u9fff\u3040-\u30ff\uac00-\ud7af]{1,8})\s*[:：]\s*(?=\S)", text)
    lead = _read_lead(ctx, text[label.end() :] if label and not bold else text, bold)
    if label and not bold and lead is not None:
        # '下周分享：MM1（苹果）' names a paper after a Chinese label only with something more ('对齐阶段：
        # CogVLM-Chat 用…' is a step of the note's own paper): a known name, an organisation, a year or an id.
        deco = lead.deco
        if not (ctx.known(lead.name or "") or deco.orgs or deco.year or deco.date or deco.arxiv or deco.venue):
            return None
    if lead is not None and lead.names:
        lead.names = [n for n in lead.names if not ctx.vocab.org(n)]  # '- DeepMind, 2022.': an organisation
        if not lead.names and not lead.title:
            return None
    return lead


def _read_lead(ctx: Context, text: str, bold: str | None) -> Lead | None:
    checkpoint = model_from_checkpoint(text.split()[0]) if text else None
    if checkpoint and ctx.catalogue:  # '`Qwen/Qwen2-VL-7B-Instruct`' names the known paper of its model
        forms = (checkpoint, re.sub(r"(?i)-v(\d)", r"-\1", checkpoint), re.sub(r"-v?\d+(?:\.\d+)*$", "", checkpoint))
        for form in forms:
            known = ctx.catalogue.lookup(form)
            if known is not None:
                return Lead([known.name], None, Decorated(text))
        return None
    if bold and text.startswith(bold.strip()):
        deco = decorations(bold.strip().rstrip(":："), ctx.vocab)
        after_deco = decorations(text[len(bold.strip()) :], ctx.vocab)
        after = after_deco.text
        deco.venue, deco.year = deco.venue or after_deco.venue, deco.year or after_deco.year
        deco.date = deco.date or after_deco.date
        deco.orgs += after_deco.orgs
        name, rest = lead_name(deco.text, ctx.known)
        names = [name] if name else [*split_names(deco.text, ctx.known)] or ([deco.names[0]] if deco.names else [])
        evidence = deco.year or deco.date or deco.venue or deco.orgs
        if not names and evidence and re.fullmatch(r"[A-Z][\w\-]{2,24}", deco.text) and name_ok_word(deco.text):
            # '**Volcano (2024)**', '**Chameleon** (Meta FAIR, 2024)': a bold word dated or placed like a citation
            names = [deco.text]
        if not names and title_like(deco.text):
            return Lead([], deco.text, deco)
        if not names:
            return None
        head = re.split(r"\s+[—–-]\s+|\s*[—–]\s*", after, maxsplit=1)[0].strip() if after else ""
        title = head if head and title_like(head) else None  # '**ViT(…)** An Image is Worth …', not its gloss
        return Lead(names, title, deco)
    deco = decorations(text, ctx.vocab, ctx.known)
    core = deco.text
    if not core:
        return None
    several = split_names(core, ctx.known)
    if several:
        return Lead(several, None, deco)
    name, rest = lead_name(core, ctx.known)
    if name is None and deco.names:
        name = deco.names[0]
    if name is None and (deco.year or deco.date or deco.venue or deco.orgs):
        # 'Oscar (Li et al., 2020, Microsoft) - …': a plain word placed and dated like a citation names a paper.
        m = re.match(r"([A-Z][A-Za-z]{2,20})\s*(?:[:：,，]|\s[-–—]\s|$)", core)
        if m and name_ok_word(m[1]):
            name, rest = m[1], core[m.end() :].strip()
    if name is not None:
        title = core if rest and re.match(r"\s*[A-Za-z]", rest) and title_like(rest) else None
        if title is None and name_from_title(core) == name and len(core.split()) >= 3 and not _CJK.search(rest):
            title = core
        return Lead([name], title, deco)
    m = re.fullmatch(r"(.+?)\s*[(（]\s*([^()（）]{1,32}?)\s*[)）]", core)
    sentence_case = m is not None and m[1][:1].isupper() and len(m[1].split()) >= 4
    if m and name_ok(m[2], ctx.known) and (title_like(m[1]) or sentence_case):
        return Lead([m[2]], clean_title(m[1]), deco)  # 'Learning transferable … supervision (CLIP)
    if title_like(core):
        # 'Apollo: An Exploration of …' names Apollo even though no one coined the word for it.
        named = [n for n in [name_from_title(core)] if n and (name_ok(n.split()[0], ctx.known) or name_ok_word(n))]
        return Lead(named, core, deco)
    return None


def apply_lead(cand: Candidate, lead: Lead, rank: int = EXPLICIT) -> None:
    """Put what a lead says into a candidate."""
    if lead.name:
        cand.set_name(lead.name, rank)
    if lead.title and not cand.title:
        cand.title = lead.title
    deco = lead.deco
    if deco.arxiv and not cand.arxiv_id:
        cand.arxiv_id = normalise_arxiv_id(deco.arxiv)
    if deco.venue and not cand.venue:
        cand.venue = deco.venue
    if deco.date:
        cand.set_date(deco.date, EXPLICIT)
    elif deco.year:
        cand.set_date(str(deco.year), DERIVED)
    for org in deco.orgs:
        if org not in cand.orgs:
            cand.orgs.append(org)


def _own_link(ctx: Context, block: Block, region: list[Block], names: set[str]) -> Link | None:
    """The paper link of a heading entry: in the heading, or near the top of its section with a generic text
    ('paper link: [here](…)', a badge, a bare URL) or a text naming the entry."""
    from vlmnotes.parse.styles import paper_link

    link = paper_link(block.inline.links)
    if link is not None:
        return link
    for sub in [b for top in region[:8] for b in top.walk()]:
        if sub.kind == "heading" and sub.level < CALLOUT_LEVEL:
            break
        for lk in sub.inline.links:
            found = paper_link([lk])
            if found is None or id(sub) in ctx.claimed:
                continue
            text = clean_title(found.text)
            if _norm(text) in names or found.image:
                return found
            # 'paper link: [here](…)', '[arXiv](…)', a bare URL: a line that only points at the paper, not a
            # sentence that happens to say 'described [here](…)' about another one.
            own_line = next((sub.inline.text[a:b] for _, a, b in sub.inline.lines() if a <= found.start <= b), "")
            short = len(own_line) - len(found.text) <= 30
            if GENERIC_LINK_TEXT.match(text) and short:
                return found
    return None


def _norm(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.lower())


def heading_looks(ctx: Context, block: Block) -> Lead | None:
    """What a heading says when it reads as a paper (a name or title leads it, or it links a paper)."""
    text = block.inline.text
    links = [lk for lk in block.inline.links if not lk.image]
    if links and links[0].start == 0 and not GENERIC_LINK_TEXT.match(links[0].text):
        text = links[0].text + text[links[0].end :]
    if not text.strip() or _is_section(text):
        return None
    lead = read_lead(ctx, text)
    if lead is None or (lead.name and _names_a_part(ctx, lead.name)) or _names_a_part(ctx, _lead_phrase(text)):
        return None  # '###### Q-Former', '### Perceiver Resampler': a heading about a part of a model
    if not lead.names and block.level > 1 and not ctx.paper_link_of(block):
        from vlmnotes.parse.styles import named_link

        if not (links and links[0].start == 0 and named_link(ctx, links[:1])):
            return None  # a title-like heading with no name and no link: a section, unless it heads the note
    if links and links[0].start == 0 and is_social(links[0].url):
        return None  # '## [Prompt injection in GPT-4V](a tweet)': a post, not a paper
    if _bare_acronym(ctx, lead) and not links:
        return None  # '### AUC', '### QKV': an unknown short acronym with nothing else is a term, not a paper
    return lead


def _bare_acronym(ctx: Context, lead: Lead) -> bool:
    """A lead that is only an unknown all-capitals word of 2-3 letters, with no title, date, venue or organisation."""
    deco = lead.deco
    bare = not (lead.title or deco.year or deco.date or deco.venue or deco.orgs)
    return bare and bool(re.fullmatch(r"[A-Z]{2,3}", lead.name or "")) and not ctx.known(lead.name or "")


_GROUP = re.compile(
    r"(?:[\-\s](?:like|based|style|family|series|models|papers|variants|works|methods|line)|系列|家族|类模型|相关工作)\s*$",
    re.I,
)


def _is_section(text: str) -> bool:
    """A heading that names a section or a group of papers ('BERT-like Pretrained Family', 'Qwen 系列')."""
    bare = strip_emoji(strip_numbering(text)).strip().rstrip(":：").strip("* ").lower()
    if bare in SECTION_LABELS or bare in {"基本信息", "basic info", "paper info", "metadata", "info", "信息"}:
        return True
    head = re.split(r"[:：(（]", bare, maxsplit=1)[0]
    return len(head.split()) <= 4 and bool(_GROUP.search(head))  # not 'On pre-training … language models (VILA)'


def heading_entry(ctx: Context) -> list[Candidate]:
    """Headings that name a paper, with or without a link; the section under one is its body."""
    from vlmnotes.parse.styles import finish, read_section

    headings = [b for b in ctx.all_blocks() if b.kind == "heading" and id(b) not in ctx.claimed]
    looks = {id(h): lead for h in headings if (lead := heading_looks(ctx, h)) is not None}
    h1s = [h for h in headings if h.level == 1]
    out: list[Candidate] = []
    for block in headings:
        lead = looks.get(id(block))
        if lead is None or id(block) in ctx.claimed:
            continue
        region = ctx.section(block)
        subs = [b for top in region for b in top.walk() if b.kind == "heading"]
        own = {_norm(n) for n in lead.names}
        # '## Qwen-VL' over '> [!NOTE] Qwen-VL': the callout is the heading's own card, not another paper.
        papers_below = [
            s
            for s in subs
            if id(s) in looks and not (s.level >= CALLOUT_LEVEL and {_norm(n) for n in looks[id(s)].names} & own)
        ]
        if papers_below and ctx.paper_link_of(block) is not None:
            # '## [EMMA: …](pdf)' then '### [Janus-Pro: …](…)': a heading that links its own paper is that paper,
            # and its section ends where the next paper's heading starts (notes do not keep levels tidy).
            cut = papers_below[0]
            region = region[: next((k for k, b in enumerate(region) if cut in b.walk()), len(region))]
        elif papers_below:
            continue  # a heading over headings that are papers groups them
        first_claimed = next((k for k, top in enumerate(region) if any(id(b) in ctx.claimed for b in top.walk())), None)
        if first_claimed is not None:
            # A heading over entries other styles read is a section of a list, unless the heading has its own
            # text first ('### Flamingo', a paragraph, then '- [ ] PixelWeaver'): that text is its body.
            prose = [b for b in region[:first_claimed] if b.kind == "paragraph"]
            if not (prose and lead.names and (ctx.known(lead.names[0]) or coined(lead.names[0]))):
                continue
            region = region[:first_claimed]
        if not lead.names and not ctx.paper_link_of(block) and block.level == 1 and _lists_papers(ctx, region):
            continue  # '# From Contrastive Pretraining to MLLMs: A Survey' over references: the document's title
        if not lead.names and not (block.level == 1 and len(h1s) == 1) and not ctx.paper_link_of(block):
            from vlmnotes.parse.styles import named_link

            if named_link(ctx, block.inline.links[:1]) is None:
                continue
        if _many_papers(region):
            continue
        end = max([b.end_line for b in region] + [block.end_line])
        names = lead.names if lead.names else [None]
        for k, name in enumerate(names):
            cand = ctx.new("heading", block, end)
            apply_lead(cand, Lead([name] if name else [], lead.title if k == 0 else None, lead.deco))
            if k > 0:
                out.append(cand)
                continue
            known = {_norm(n) for n in [cand.name, cand.title, *cand.aliases] if n}
            link = _own_link(ctx, block, region, known)
            if link is None and block.inline.links and block.inline.links[0].start == 0:
                cand.add_link(block.inline.links[0].url)  # '## [Movie Gen: …](a project page)'
                ctx.own_links.add((block.line, block.inline.links[0].url))
            if link is not None and link.text and not GENERIC_LINK_TEXT.match(link.text) and link in block.inline.links:
                apply_lead(cand, read_lead(ctx, link.text) or Lead([], None, Decorated("")), EXPLICIT)
                if not cand.title and len(link.text.split()) >= 3:
                    cand.title = clean_title(link.text)  # '## [GPT-4V(ision) system card](…)': the link names it
            if not cand.title:
                cand.title = _title_under(ctx, cand, region)
            _meta_line(ctx, cand, region)
            _org_lines(ctx, cand, region)
            if not ctx.light:  # '#### BLIP-2: … (Q-Former)': the heading names a part too
                read_inline(cand, block.inline, block.inline.text, ctx.vocab, with_orgs=False)
            read_section(ctx, cand, region)
            fields = card_fields([b for top in region[:12] for b in top.walk()])
            read_fields(ctx, cand, fields)
            ctx.claim([block, *region], cand)
            finish(ctx, cand, link)
            read_bibtex(ctx, cand, block.line, ctx.section_end(block))
            out.append(cand)
    return out


def _lists_papers(ctx: Context, region: list[Block]) -> bool:
    """True when a section holds entries of other papers: citations, dated reading-log lines, lines that lead
    with a paper link, or two or more arXiv ids."""
    from vlmnotes.parse.references import parse_reference

    ids: set[str] = set()
    for top in region:
        for block in top.walk():
            if block.kind not in ("paragraph", "item"):
                continue
            ids.update(found for lk in block.inline.links if (found := arxiv_id_from_url(lk.url)))
            for _, start, end in block.inline.lines():
                line = block.inline.text[start:end]
                if _LOG_DATE.match(line) or (len(line) > 40 and parse_reference(line, ctx.vocab) is not None):
                    return True
    return len(ids) >= 2


def _title_under(ctx: Context, cand: Candidate, region: list[Block]) -> str | None:
    """A title written on the first line under a name heading (`# BuboGPT` then `BuboGPT: Enabling …`), with
    what follows it on that line read as authors, organisation, venue and year ('— Dai et al., Salesforce
    Research, 2023 (NeurIPS 2023)', '(Chen et al., Google Research, ICLR 2023)')."""
    for block in region[:2]:
        if block.kind != "paragraph":
            continue
        first = block.inline.text.split("\n")[0].strip().strip("*_ ")
        parts = re.split(r"\s+[—–-]\s+", first, maxsplit=1)
        head, tail = parts[0], (parts[1] if len(parts) > 1 else "")
        deco = decorations(head, ctx.vocab, ctx.known)
        meta = Decorated("")
        if tail:
            read_meta(re.sub(r"[()（）]", ",", tail).strip(" .,"), meta, ctx.vocab)
        if deco.text and not block.inline.links and title_like(deco.text):
            apply_lead(cand, Lead([], None, deco))
            apply_lead(cand, Lead([], None, meta))
            return clean_title(deco.text)
        return None
    return None


def _meta_line(ctx: Context, cand: Candidate, region: list[Block]) -> None:
    """A short line of facts under a heading, parts set apart by · | • /: 'arXiv: 2408.15998 · NVIDIA · 2024-08'."""
    for block in region[:2]:
        if block.kind != "paragraph":
            continue
        first = block.inline.text.split("\n")[0]
        parts = [p.strip() for p in re.split(r"\s+[·•|/]\s+|\s*[·•]\s*", first) if p.strip()]
        if len(first) > 160 or len(parts) < 2:
            continue
        for part in parts:
            org = ctx.vocab.org(part) or (part if org_phrases(part) and org_phrases(part)[0][0] == part else None)
            if org and org not in cand.orgs:
                cand.orgs.append(org)
            elif (venue := find_venue(part, ctx.vocab)) and len(part) <= 24:
                cand.venue = cand.venue or venue[0]
                cand.set_date(str(venue[1]), DERIVED)
            elif (found := find_date(part)) is not None and found.start == 0:
                cand.set_date(found.iso, EXPLICIT)
        return


def _org_lines(ctx: Context, cand: Candidate, region: list[Block]) -> None:
    """Lines of a paper's section that name only an organisation, with a link or not: '[Waymo Research](…)',
    '1. OpenAI [post](…)'. They say who made it."""
    for top in region:
        for block in top.walk():
            if block.kind not in ("item", "paragraph"):
                continue
            for _, start, end in block.inline.lines():
                line = block.inline.text[start:end]
                links = [lk for lk in block.inline.links if start <= lk.start <= end]
                rest = line
                for link in links:
                    org = ctx.vocab.org(link.text) or (link.text if _is_org_phrase(link.text) else None)
                    if org and len(line.strip()) <= len(link.text) + 2:
                        rest = ""
                        _add_org(cand, org)
                    rest = rest.replace(link.text, "")
                rest = rest.strip(" .:：-–—,")
                if rest and len(rest) <= 40 and (org := ctx.vocab.org(rest)):
                    _add_org(cand, org)


def _is_org_phrase(text: str) -> bool:
    found = org_phrases(text)
    return bool(found) and found[0][0] == text.strip()


def _add_org(cand: Candidate, org: str) -> None:
    if org not in cand.orgs and org != cand.name:
        cand.orgs.append(org)


def _many_papers(region: list[Block]) -> bool:
    """A section that lists two or more papers by their own links is a group, not one paper's notes."""
    from vlmnotes.parse.styles import paper_link

    ids: set[str] = set()
    for top in region:
        for block in top.walk():
            if block.kind not in ("item", "row", "paragraph"):
                continue
            # Entries of a list lead with their link ('- [Title](…)', '**[Title](…)**, CVPR'); a link in the
            # middle of a sentence is a mention, which a one-paper section has plenty of.
            cells = block.cells if block.kind == "row" else [block.inline]
            # '- **Added** [DeepSeek-VL](…)': a link near the start of its line leads the entry
            links = [lk for cell in cells for lk in cell.links if block.kind == "row" or lk.start <= 40]
            link = paper_link(links)
            if link is not None and (block.kind == "row" or not GENERIC_LINK_TEXT.match(link.text)):
                ids.add(arxiv_id_from_url(link.url) or link.url)
    return len(ids) >= 2


# --- list items ----------------------------------------------------------------------------------------------


def item_entry(ctx: Context) -> list[Candidate]:
    """Top-level list items that a model name leads, with no paper link (`+ LLaVA`, `* BLIP2：…`, `- NVLM?`,
    `` - `Qwen/Qwen2-VL-7B-Instruct` ``); the paragraphs after one, up to the next such item, are its body."""
    from vlmnotes.parse.styles import paper_link, read_section

    out: list[Candidate] = []
    found: list[tuple[int, Block, Candidate]] = []
    for index, top in enumerate(ctx.doc.blocks):
        if top.kind == "item" and id(top) not in ctx.claimed:
            out += _nested_entries(ctx, top)
        logged = top.kind == "paragraph" and bool(_LOG_DATE.match(top.inline.text))  # '2024-03-02: read …'
        if not ((top.kind == "item" and top.level == 1) or logged) or id(top) in ctx.claimed:
            continue
        inline = top.inline
        if paper_link(inline.links) is not None:
            continue
        first = inline.text.split("\n")[0].strip()
        lead_link = inline.links[0] if inline.links and inline.links[0].start == 0 else None
        lead = _item_lead(ctx, top, lead_link.text if lead_link else first)
        if lead is None:
            continue
        cand = ctx.new("item", top)
        apply_lead(cand, lead)
        if lead_link is not None:
            cand.add_link(lead_link.url)  # '- [NVLM: …](project page), Sep. 17 2024.'
            ctx.own_links.add((lead_link.line, lead_link.url))
            dated = find_date(first[len(lead_link.text) :])
            if dated:
                cand.set_date(dated.iso, EXPLICIT)
        for name in lead.names[1:]:
            extra = ctx.new("item", top)
            extra.set_name(name, EXPLICIT)
            out.append(extra)
        for org in orgs_in(first, ctx.vocab) if not ctx.light else []:
            if org not in cand.orgs and org != cand.name:
                cand.orgs.append(org)
        found.append((index, top, cand))
    starts = [i for i, _, _ in found]
    for k, (index, top, cand) in enumerate(found):
        stop = starts[k + 1] if k + 1 < len(starts) else len(ctx.doc.blocks)
        trailing: list[Block] = []
        for block in ctx.doc.blocks[index + 1 : stop]:
            if block.kind == "heading" or id(block) in ctx.claimed or block.kind == "row":
                break
            if block.kind == "item" and block.list_id == top.list_id:
                break  # the next bullet of the same list is another topic, whatever it says
            trailing.append(block)
        body = [*top.children, *trailing]
        cand.end_line = max([b.end_line for b in body] + [top.end_line])
        if not ctx.light:  # '* PaliGemma (Google, 2024) — SigLIP + Gemma-2B', and the item's next lines
            read_inline(cand, top.inline, top.inline.text, ctx.vocab, with_orgs=False)
        read_section(ctx, cand, body, with_orgs=True)
        ctx.claim([top, *trailing], cand)
        out.append(cand)
    return out


def _nested_entries(ctx: Context, topic: Block) -> list[Candidate]:
    """Bullets under a topic bullet ('- Pretraining objectives' then '  - BLIP (Salesforce, 2022)') that a known
    name leads, or a name dated or placed like a citation: entries of their own, read with their own children."""
    from vlmnotes.parse.styles import paper_link, read_section

    if paper_link(topic.inline.links) is not None or _item_lead(ctx, topic, "") is not None:
        return []  # the outer bullet is itself an entry (or a generic one): its children are its body
    out: list[Candidate] = []
    # '* 经典的对比学习' then, on its own lines, '1.SimCLR(图像)', '2.BERT-CT(nlp)', '3.SimCSE': numbered names
    numbered: list[tuple[int, Lead]] = []
    for line_no, start, end in topic.inline.lines()[1:]:
        m = re.match(r"\s*\d{1,2}\s*[.、)]\s*(\S.*)", topic.inline.text[start:end])
        lead = read_lead(ctx, m[1]) if m else None
        if lead is not None and lead.name and not _names_a_part(ctx, lead.name) and not _bare_acronym(ctx, lead):
            numbered.append((line_no, lead))
    for line_no, lead in numbered if len(numbered) >= 2 else []:
        cand = ctx.new("item", topic)
        cand.line = cand.end_line = line_no
        cand.text = ctx.doc.source(line_no, line_no)
        apply_lead(cand, lead)
        out.append(cand)
    for child in topic.children:
        if child.kind != "item" or id(child) in ctx.claimed or paper_link(child.inline.links) is not None:
            continue
        first = child.inline.text.split("\n")[0].strip()
        lead = _item_lead(ctx, child, first)
        deco = lead.deco if lead is not None else None
        if lead is None or deco is None or not (ctx.known(lead.name or "") or deco.year or deco.orgs or deco.venue):
            out += _nested_entries(ctx, child)
            continue
        cand = ctx.new("item", child)
        apply_lead(cand, lead)
        if not ctx.light:
            read_inline(cand, child.inline, child.inline.text, ctx.vocab, with_orgs=False)
        read_section(ctx, cand, child.children, with_orgs=True)
        ctx.claim([child], cand)
        out.append(cand)
    return out


def _item_lead(ctx: Context, item: Block, first: str) -> Lead | None:
    first = first or item.inline.text.split("\n")[0].strip()
    if not first or slot_field(first) is not None or field_of(first) is not None:
        return None  # 'Bridge: Q-Former, …', 'LLM: Vicuna', '作者：…' are fields of an entry, not entries
    # A checkpoint id names a model, not a paper: read_lead makes it an entry when the model is a known paper.
    bold = item.inline.strong[0] if item.inline.strong and item.inline.strong_at[:1] == [0] else None
    logged = _LOGGED.match(first)
    if logged and not bold:  # '2024-03-02: read **MM1** (Apple, …)', '2024-03-09: skimmed DeepSeek-VL (…)'
        first = first[logged.end() :]
        at = next((at for at in item.inline.strong_at if item.inline.text[at:].startswith(first[:8])), None)
        bold = item.inline.strong[item.inline.strong_at.index(at)] if at is not None else None
    lead = read_lead(ctx, first, bold=bold)
    if lead is None or not lead.names:
        return None
    if any(ctx.vocab.org(n) for n in lead.names) or lead.name in {"Figure", "Fig", "Table"}:
        return None
    if _names_a_part(ctx, lead.name or "") or _names_a_part(ctx, _lead_phrase(first)) or _bare_acronym(ctx, lead):
        return None  # 'ITC: …', 'Q-Former: …' describe a part, not a paper; 'AUC: …' a term
    tags = ctx.tags.get(id(item), [])
    if tags and _NOT_PAPERS.search(strip_numbering(tags[-1])) and not ctx.known(lead.name or ""):
        return None  # '## Training setup' / '## 数据集' list datasets and tools: 'COCO: 118k images', 'AdamW: …'
    return lead


_LOG_DATE = re.compile(r"^\s*\d{4}[-./]\d{1,2}[-./]\d{1,2}\s*[:：\-–—]")
_LOGGED = re.compile(
    r"^\s*(?:\d{4}[-./]\d{1,2}(?:[-./]\d{1,2})?|\d{1,2}/\d{1,2})\s*[:：\-–—]?\s*"
    r"(?:(?:re)?read|skimmed|finished|started|reviewed|presented|读了|看了|读完|精读|略读)?\s*",
    re.I,
)
_NOT_PAPERS = re.compile(
    r"\b(?:datasets?|benchmarks?|training\s+(?:setup|settings?|recipe|details)|setup|implementation|hyper-?parameters?"
    r"|experiments?|results?|tools?|libraries|evaluation|metrics?|baselines?|settings?|environment|install)\b"
    r"|数据集|训练设置|训练细节|实验|评测|评估|指标|工具|环境|超参",
    re.I,
)


def _names_a_part(ctx: Context, name: str) -> bool:
    """True for a component's name (Q-Former, ITC, Perceiver Resampler) that no well-known paper has by that very
    spelling (the catalogue's QFormer is another paper; SigLIP is both a part and a paper)."""
    found = ctx.vocab.find_components(name)
    if not (found and found[0].start == 0 and found[0].end == len(name)):
        return False
    paper = ctx.catalogue.lookup(name) if ctx.catalogue else None
    return paper is None or name.lower() not in {n.lower() for n in paper.names}


def _lead_phrase(text: str) -> str:
    """The words before a lead's first delimiter: 'Perceiver Resampler: …' → 'Perceiver Resampler'."""
    text = strip_numbering(text.strip()).strip("*").strip()
    return re.split(r"\s*(?:[:：(（,，]|\s[-–—]\s)", text, maxsplit=1)[0].strip("* ")


# --- definition lists -----------------------------------------------------------------------------------------


def definition_entry(ctx: Context) -> list[Candidate]:
    """Definition lists (`CLIP` then `: *Title*. Radford et al., OpenAI, 2021 (ICML).` then `: what it is`): a
    term that names a paper, given a title, a year, an organisation or a known name, is an entry."""
    from vlmnotes.parse.styles import finish, paper_link

    out: list[Candidate] = []
    for block in ctx.doc.blocks:
        if block.kind != "paragraph" or id(block) in ctx.claimed:
            continue
        lines = [(n, block.inline.text[a:b]) for n, a, b in block.inline.lines()]
        if len(lines) < 2 or not lines[1][1].lstrip().startswith(":"):
            continue
        lead = read_lead(ctx, lines[0][1])
        if lead is None or not lead.names:
            continue
        first = lines[1][1].lstrip()[1:].strip()
        head, _, tail = first.partition(". ")
        title = clean_title(head) if title_like(clean_title(head)) else None
        meta = Decorated("")
        read_meta(re.sub(r"[()（）]", ",", tail).strip(" ."), meta, ctx.vocab)
        if not (title or meta.year or meta.orgs):
            continue  # 'InfoNCE' defined as a loss: a term, not a paper
        cand = ctx.new("definition", block)
        apply_lead(cand, lead)
        if title and not cand.title:
            cand.title = title
        apply_lead(cand, Lead([], None, meta))
        if not ctx.light:
            for _, text in lines[1:]:
                read_inline(cand, block.inline, text.lstrip().lstrip(":"), ctx.vocab, with_orgs=False)
        ctx.claim([block], cand)
        out.append(finish(ctx, cand, paper_link(block.inline.links)))
    return out


# --- table rows without a paper link --------------------------------------------------------------------------


def row_name(ctx: Context, row: Block, column_kind: Callable[[str], str]) -> tuple[Lead | None, int]:
    """The name a table row gives its paper (from a name column, a leading coined name, or a bold lead in any
    cell such as `**ReCaption (2024)**：…`), and the index of the cell it came from (-1 when none)."""
    for i, cell in enumerate(row.cells):
        header = row.headers[i] if i < len(row.headers) else ""
        text = cell.text.strip()
        if not text or cell.links:
            continue
        if column_kind(header) == "name" or (i == 0 and not header) or (i == 0 and column_kind(header) == "title"):
            lead = read_lead(ctx, text, bold=cell.strong[0] if cell.strong and cell.strong_at[:1] == [0] else None)
            if lead is not None and lead.names and not any(ctx.vocab.org(n) for n in lead.names):
                return lead, i
    for i, cell in enumerate(row.cells):
        if cell.strong and cell.strong_at[:1] == [0]:
            lead = read_lead(ctx, cell.text.strip(), bold=cell.strong[0])
            if lead is not None and lead.names and len(cell.text.strip()) > len(cell.strong[0]) + 2:
                return lead, i
    return None, -1


def guess_orgs(ctx: Context, cand: Candidate, text: str) -> None:
    """Organisations written as open text (`by Salesforce`, `NVIDIA出品`, `单位：…`), as written when unknown."""
    for name, _, _ in org_phrases(text):
        org = ctx.vocab.org(name) or name
        if org not in cand.orgs and org != cand.name:
            cand.orgs.append(org)
