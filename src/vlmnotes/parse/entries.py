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

from vlmnotes.parse.cards import card_fields, field_of, read_fields
from vlmnotes.parse.entry import DERIVED, EXPLICIT, SECTION_LABELS, Candidate, orgs_in, read_inline, slot_field
from vlmnotes.parse.fields import (
    arxiv_id_from_url,
    clean_title,
    find_date,
    find_venue,
    is_social,
)
from vlmnotes.parse.leads import (
    Lead,
    _bare_acronym,
    _lead_phrase,
    _names_a_part,
    _norm,
    apply_lead,
    read_lead,
)
from vlmnotes.parse.markdown import CALLOUT_LEVEL, Block, Link
from vlmnotes.parse.names import (
    GENERIC_LINK_TEXT,
    Decorated,
    coined,
    decorations,
    not_a_name,
    read_meta,
    strip_emoji,
    strip_numbering,
    title_like,
)
from vlmnotes.parse.orgs import org_phrases
from vlmnotes.parse.references import read_bibtex

if TYPE_CHECKING:
    from vlmnotes.parse.context import Context


# --- headings ------------------------------------------------------------------------------------------------


def _own_link(ctx: Context, block: Block, region: list[Block], names: set[str]) -> Link | None:
    """The paper link of a heading entry: in the heading, or near the top of its section with a generic text
    ('paper link: [here](…)', a badge, a bare URL) or a text naming the entry."""
    from vlmnotes.parse.context import paper_link

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
    # An id written as text in the section's prose ('阿里巴巴 2023 年发布，arXiv 2308.12966。'), the only one there.
    written = [
        lk
        for top in region[:8]
        for sub in top.walk()
        if sub.kind in ("paragraph", "item") and id(sub) not in ctx.claimed
        for lk in sub.inline.links
        if arxiv_id_from_url(lk.url)
        and re.fullmatch(r"(?i)\[?(?:arxiv\s*[:：]?\s*)?\d{4}\.\d{4,5}(?:v\d+)?\]?", lk.text)
    ]
    if len({arxiv_id_from_url(lk.url) for lk in written}) == 1:
        return written[0]
    return None


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
        from vlmnotes.parse.generic import named_link

        if not (links and links[0].start == 0 and named_link(ctx, links[:1])):
            return None  # a title-like heading with no name and no link: a section, unless it heads the note
    if links and links[0].start == 0 and is_social(links[0].url):
        return None  # '## [Prompt injection in GPT-4V](a tweet)': a post, not a paper
    if _bare_acronym(ctx, lead) and not links:
        return None  # '### AUC', '### QKV': an unknown short acronym with nothing else is a term, not a paper
    return lead


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
    from vlmnotes.parse.context import finish, read_section

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
            from vlmnotes.parse.generic import named_link

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
            under = _title_under(ctx, cand, region)  # its facts count when the heading has given the title too
            cand.title = cand.title or under
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
        if field_of(first) is not None:  # 'Paper: InstructBLIP: Towards …' is a field, read with the others
            return None
        # '… Language Models，Salesforce，2023 年。' sets its facts apart with a full-width comma as well as a dash
        parts = re.split(r"\s+[—–-]\s+|\s*，\s*", first, maxsplit=1)
        head, tail = parts[0], (parts[1] if len(parts) > 1 else "")
        deco = decorations(head, ctx.vocab, ctx.known)
        meta = Decorated("")
        if tail:
            read_meta(re.sub(r"[()（）]", ",", tail).strip(" .,"), meta, ctx.vocab)
        first_links = [lk for lk in block.inline.links if lk.line == block.inline.line]  # the next lines may link
        if deco.text and not first_links and title_like(deco.text):
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
    from vlmnotes.parse.context import paper_link

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
    from vlmnotes.parse.context import paper_link, read_section

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
            if top.kind != "item" and block.line > max(b.end_line for b in [top, *trailing]) + 1:
                break  # a log line keeps only what is written right under it ('> CLIP ViT-L/14 + Vicuna-13B')
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
    from vlmnotes.parse.context import paper_link, read_section

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
    if any(not_a_name(n, ctx.vocab, ctx.known) for n in lead.names) or lead.name in {"Figure", "Fig", "Table"}:
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
            if lead is not None and lead.names and not any(not_a_name(n, ctx.vocab, ctx.known) for n in lead.names):
                return lead, i
    for i, cell in enumerate(row.cells):
        if cell.strong and cell.strong_at[:1] == [0]:
            lead = read_lead(ctx, cell.text.strip(), bold=cell.strong[0])
            if lead is not None and lead.names and len(cell.text.strip()) > len(cell.strong[0]) + 2:
                return lead, i
    return None, -1
