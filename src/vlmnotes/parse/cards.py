"""Labelled fields and the entries made of them: literature-note cards (题目/作者/单位, Title/Authors/Affiliation,
`key:: value`, `【论文】` heads) and definition lists (`CLIP` then `: *Title*. Radford et al., OpenAI, 2021`).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from vlmnotes.parse.entry import DERIVED, EXPLICIT, Candidate, read_inline
from vlmnotes.parse.fields import (
    arxiv_id_from_url,
    clean_title,
    find_date,
    is_name_like,
    name_from_title,
    normalise_arxiv_id,
    read_authors,
    read_venue,
)
from vlmnotes.parse.leads import Lead, _norm, apply_lead, read_lead
from vlmnotes.parse.markdown import Block
from vlmnotes.parse.names import (
    Decorated,
    decorations,
    read_meta,
    title_like,
)
from vlmnotes.parse.orgs import org_field_value

if TYPE_CHECKING:
    from vlmnotes.parse.context import Context
    from vlmnotes.vocab import Vocabulary

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
    value = m[2].strip().strip("*").strip()
    if kind == "link" and m[1].strip().lower() == "paper" and value and "http" not in value and "](" not in value:
        kind = "title"  # 'Paper: InstructBLIP: Towards … (NeurIPS 2023)' names the paper, it does not link it
    return (kind, value) if kind else None


_ANY_LABEL = re.compile(r"^[^\w\u4e00-\u9fff*]*\**\s*[^:：\n]{1,20}[:：]")


def card_fields(blocks: list[Block]) -> list[tuple[str, str, Block, int]]:
    """The labelled fields among consecutive list items or paragraph lines: (kind, value, block, line)."""
    out: list[tuple[str, str, Block, int]] = []
    for block in blocks:
        if block.kind == "row" and len(block.cells) == 2 and not block.header:
            # a property table ('| Org | DeepMind |', Notion and Obsidian exports): a field a row
            found = field_of(f"{block.cells[0].text.strip()}: {block.cells[1].text.strip()}")
            if found:
                out.append((found[0], found[1], block, block.line))
            continue
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
            elif (
                out
                and out[-1][2] is block
                and line.strip()
                and not _ANY_LABEL.match(line)
                and not re.search(r"[)）。.!?！？]\s*$", out[-1][1])  # a value that ends, ends: prose follows
                and not line.rstrip().endswith("。")
            ):
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
            cand.authors, cand.authors_et_al = read_authors(value)
        elif kind == "orgs":
            for org in org_field_value("affiliation", value) or []:
                org = _known_org(ctx.vocab, org) or org
                if org not in cand.orgs:
                    cand.orgs.append(org)
        elif kind == "venue":
            _read_venue(ctx, cand, value)
            by = re.search(r"et\s+al\.?,?\s*\(?((?:19|20)\d{2})\b", value)
            if by:
                cand.set_date(by[1], DERIVED)
        elif kind == "date":
            found = find_date(value)
            if found:
                cand.set_date(found.iso, EXPLICIT)
            elif re.fullmatch(r"(?:19|20)\d{2}", value.strip()):
                cand.set_date(value.strip(), EXPLICIT)
            else:
                _read_venue(ctx, cand, value)  # 'Published: TMLR': where, not when
        elif kind == "name" and is_name_like(value):
            cand.set_name(value, EXPLICIT)
        elif kind == "link":
            lead_id = re.match(r"(\d{4}\.\d{4,5})(?:v\d+)?\b", value)
            if lead_id and not cand.arxiv_id:  # 'arXiv: 2408.15998 · NVIDIA'
                cand.arxiv_id = normalise_arxiv_id(lead_id[1])
            for link in block.inline.links:
                if link.line == line and not link.image:
                    cand.add_link(link.url)


def _read_venue(ctx: Context, cand: Candidate, value: str) -> None:
    """A venue field's venue ('CVPR 2024', 'TMLR', not 'Under review at ICLR 2025') and the year it gives."""
    venue = read_venue(value, ctx.vocab)
    if venue and not cand.venue:
        cand.venue = venue[0]
        if venue[1]:
            cand.set_date(str(venue[1]), DERIVED)


def _known_org(vocab: Vocabulary, text: str) -> str | None:
    """The canonical organisation `text` names, whole or by either side of 'Full name (ABBR)' / '全称（缩写）'."""
    both = re.fullmatch(r"(.+?)\s*[(（]\s*([^()（）]{2,40}?)\s*[)）]", text.strip())
    return vocab.org(text) or next(filter(None, map(vocab.org, both.groups() if both else ())), None)


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
        # A card is a run of blocks that each carry fields themselves; the first block that does not ends it
        # (an outliner page's properties, then its bullets, is a card and then a list).
        while j < len(blocks) and blocks[j].kind in ("item", "paragraph") and id(blocks[j]) not in ctx.claimed:
            if not card_fields([blocks[j]]):
                if run and blocks[j].kind == "paragraph" and _ANY_LABEL.match(blocks[j].inline.text):
                    run.append(blocks[j])  # '核心思想：…', 'Notes: …': a line of the card the labels do not know
                    j += 1
                    continue
                break
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
    if not run:
        return None
    fields = card_fields([b for b in run if b.kind in ("item", "paragraph")])
    kinds = {f[0] for f in fields if f[1]}
    arxiv = any(_arxiv_in(f[1], f[2]) for f in fields)
    if len({f[0] for f in fields}) < 2 or not (kinds & {"authors", "orgs", "venue", "date"} or arxiv):
        return None  # 'title:: Contrastive pretraining' with tags only: a page's title, not a paper's
    head = _CARD_HEAD.match(run[0].inline.text.split("\n")[0])
    if not ("title" in kinds or head or arxiv):
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


# --- definition lists -----------------------------------------------------------------------------------------


def definition_entry(ctx: Context) -> list[Candidate]:
    """Definition lists (`CLIP` then `: *Title*. Radford et al., OpenAI, 2021 (ICML).` then `: what it is`): a
    term that names a paper, given a title, a year, an organisation or a known name, is an entry."""
    from vlmnotes.parse.context import finish, paper_link

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
