"""The fallback reader: any heading, list item, paragraph line, table row or footnote carrying a paper link, and
the name and title written around a link whose text names nothing ('[Paper]', a badge, 'here').

A link inside another entry's body is a passing mention; a second paper link on a line is a paper of its own.
"""

from __future__ import annotations

import re
from itertools import pairwise

from vlmnotes.parse.context import (
    _GENERIC_LINK_TEXT,
    Context,
    _inline,
    _name_and_title,
    finish,
    paper_link,
    read_section,
)
from vlmnotes.parse.entry import (
    DERIVED,
    EXPLICIT,
    Candidate,
    orgs_in,
)
from vlmnotes.parse.fields import (
    RelationClaim,
    arxiv_id_from_url,
    clean_title,
    find_date,
    find_venue,
    is_name_like,
    is_social,
    link_kind,
    name_from_title,
)
from vlmnotes.parse.leads import read_lead
from vlmnotes.parse.markdown import Block, Inline, Link
from vlmnotes.parse.tables import table_row

# --- fallback: any heading, item, paragraph line, table row or footnote with a paper link ------------------


def generic(ctx: Context) -> list[Candidate]:
    """Any block carrying a paper link; inside another entry's body it becomes a passing mention."""
    out: list[Candidate] = []
    footnote_names = _footnote_names(ctx)
    blocks = ctx.doc.blocks
    right_under = {  # a paragraph's note written on the very next line: a quote set under it
        id(a): b
        for a, b in pairwise(blocks)
        if a.kind == b.kind == "paragraph" and b.line == a.end_line + 1 and id(b) not in ctx.claimed
    }
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
                under = right_under.get(id(block))
                if under is not None and len(_paper_links(inline.links)) == 1 and not _paper_links(under.inline.links):
                    # '[2301.12597] BLIP-2: … — Junnan Li, …' then '> Salesforce Research. Q-Former …' on the next line
                    read_section(ctx, cand, [under], with_orgs=True)
                    ctx.claim([under], cand)
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
    before = before.rstrip(" [(（【|:：,，-–—")
    found = find_date(before)
    if found is not None and found.start <= 2:
        before = before[found.end :].lstrip(" ]）)-–:：")
        before = re.sub(r"^(?:(?:re)?read|skimmed|finished|reviewed|读了|看了|读完)\s+", "", before.strip(), flags=re.I)
    before = before.strip()
    bold = next((t for t, at in zip(inline.strong, inline.strong_at, strict=True) if at == start), None)
    lead = read_lead(ctx, before, bold=bold) if before and len(before) < 300 else None
    if lead is None:
        nxt = next((lk.start for lk in inline.links if lk.start > link.end), end)
        after = inline.text[link.end : min(nxt, end)].strip(" ]):：-–")
        after = clean_title(re.split(r"\s+[—–-]\s+", after, maxsplit=1)[0])  # '… Tuning — Haotian Liu, …
        lead = read_lead(ctx, after) if after and len(after) < 250 else None
        if lead is not None and not lead.title:
            lead = None
    if lead is None and block.kind == "paragraph" and inline.strong and inline.strong_at[0] == 0:
        first = inline.strong[0]
        lead = read_lead(ctx, first) if len(first) < 250 else None
    if lead is None and block.kind in ("paragraph", "item"):
        # '**Bold Title**' then, after a blank line, '[[Paper](…)]'; a slide's bold title bullet over its facts
        above = _block_before(ctx, block)
        if above is not None and above.kind == block.kind and above.inline.strong == [above.inline.text.strip()]:
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
