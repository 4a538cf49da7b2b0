"""Table rows as paper entries, read by their headers.

A row is a paper when it links one or, without a link, when a name column (Model, Method, 名称, Paper, Base paper,
Checkpoint, 논문) or a bold lead in a cell (`**ReCaption (2024)**：…`) names one. Title, authors, venue, date,
organisation, arXiv and component columns (Vision Encoder, LLM, Connector, 视觉编码器 …) fill its fields; a
spreadsheet export's real header under a row of merged group headers is found and used.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from vlmnotes.parse.entries import row_name
from vlmnotes.parse.entry import COMPONENT_PARTS, DERIVED, EXPLICIT, Candidate, components_in
from vlmnotes.parse.fields import (
    clean_title,
    find_date,
    find_venue,
    is_name_like,
    normalise_arxiv_id,
    read_authors,
    read_venue,
    submitted,
)
from vlmnotes.parse.leads import Lead, apply_lead
from vlmnotes.parse.markdown import Block
from vlmnotes.parse.names import GENERIC_LINK_TEXT, model_from_checkpoint

if TYPE_CHECKING:
    from vlmnotes.parse.context import Context


def table_row(ctx: Context, row: Block) -> list[Candidate]:
    """A table row: the paper its paper link points at, or, without one, the paper its name cell names."""
    if not row.header and _second_header(row):
        row.headers[:] = [cell.text.strip().lower() for cell in row.cells]  # the table's rows share the list
        return []
    from vlmnotes.parse.context import _inline, _name_and_title, finish, paper_link
    from vlmnotes.parse.generic import _seen

    links = [lk for cell in row.cells for lk in cell.links]
    link = paper_link(links)
    if row.header or (link is not None and _seen(ctx, link)) or id(row) in ctx.claimed:
        return []
    lead, name_cell = (None, -1) if link is not None else row_name(ctx, row, _column_kind)
    if link is None and lead is None:
        return []
    cand = ctx.new("table-row", row)
    extra: list[Candidate] = []
    if lead is not None:
        apply_lead(cand, Lead(lead.names[:1], lead.title, lead.deco))
        for name in lead.names[1:]:  # '**Flamingo / Qwen-VL**：…' names two papers
            second = ctx.new("table-row", row)
            second.set_name(name, EXPLICIT)
            extra.append(second)
    for i, cell in enumerate(row.cells):
        text = cell.text.strip()
        column = _column_kind(row.headers[i] if i < len(row.headers) else "")
        if i == name_cell:
            bold = cell.strong[0] if cell.strong and cell.strong_at[:1] == [0] else ""
            _inline(ctx, cand, cell, text[len(bold) :], with_orgs=False)  # '**ReCaption (2024)**：用 BLIP2 …'
            continue
        if link is not None and link in cell.links and not GENERIC_LINK_TEXT.match(link.text):
            _name_and_title(cand, link.text)
        elif column == "authors":  # '| Alec Radford, Jong Wook Kim et al. |', names linked to their pages or not
            if text and not cand.authors:
                cand.authors, cand.authors_et_al = read_authors(text)
        elif not text or (cell.links and column not in (*_SLOT_COLUMNS, "title", "name")):
            continue
        elif cell.links and len(text) - sum(len(lk.text) for lk in cell.links) < 8:
            continue  # a cell that is only links ('[paper](…) [code](…)') names nothing
        elif column in _SLOT_COLUMNS:
            _read_slot_cell(ctx, cand, _SLOT_COLUMNS[column], text)
        elif model_from_checkpoint(text) and (cand.name or cand.title):
            continue  # the checkpoint column beside a 'Base paper' column that named the paper
        elif column == "name" and name_cell >= 0:
            continue  # '| **数据清洗与过滤** | … | **ReCaption (2024)**：… |': the category beside the named paper
        elif column == "name" or (column == "" and not cand.name and is_name_like(text) and not _SIZE.fullmatch(text)):
            _name_and_title(cand, text)
        elif column == "title":
            text = clean_title(re.sub(r"https?://\S+", "", text))
            if len(text.split()) <= 3 and ":" not in text and cand.name is None and not text.islower():
                cand.set_name(text, EXPLICIT)  # a 'Paper Title' column holding the short name ('GLIP v2')
            elif not cand.title and text:
                venue = find_venue(text, ctx.vocab)
                if venue:  # 'Unsupervised Learning of …, NeurIPS 2020'
                    cand.venue = cand.venue or venue[0]
                    cand.set_date(str(venue[1]), DERIVED)
                cand.title = clean_title(re.sub(r",\s*(?:[A-Z][A-Za-z]+\s*(?:19|20)\d{2}).*$", "", text))
        elif column == "arxiv" and (arxiv := normalise_arxiv_id(text.split()[0] if text.split() else "")):
            cand.arxiv_id = cand.arxiv_id or arxiv  # '| 2301.12597 |' in an arXiv column
        elif column == "venue" and not submitted(text):  # '在投', 'ICLR 2025 (rejected)': not published yet
            named = read_venue(text, ctx.vocab)
            cand.venue = named[0] if named else text  # a venue the vocabulary does not know, as written
        elif column == "org":
            cand.orgs += [ctx.vocab.org(o) or o for o in re.split(r"\s*[,，;；、]\s*", text) if o]
        elif column == "comment":
            cand.sections["comment"] = text
            _inline(ctx, cand, cell, text, with_orgs=False)
        elif column == "" and not cell.links and len(text) > 3 and find_date(text) is None:
            _inline(ctx, cand, cell, text, with_orgs=False)  # a column of description: '提高分辨率…
        elif (found := find_date(text)) is not None and column in ("date", ""):
            cand.set_date(found.iso, EXPLICIT)
        elif column == "date" and (m := re.fullmatch(r"(\d{2})\s*[./\-]\s*(0[1-9]|1[0-2])", text)):
            cand.set_date(f"20{m[1]}-{m[2]}", EXPLICIT)  # 'Date (YY.MM)': 24.06
    for other in links:
        if other is not link:
            cand.add_link(other.url)
    ctx.claim([row], cand)
    for second in extra:  # '**Flamingo / Qwen-VL**：融合注意力…': what the row says is said of both
        second.components = {slot: list(values) for slot, values in cand.components.items()}
        second.set_date(cand.date, cand.date_rank)
    return [finish(ctx, cand, link), *extra]


def _second_header(row: Block) -> bool:
    """A spreadsheet export's real header under a row of merged group headers ('| | Paper | | | Architecture |'
    then '| # | Model | arXiv | Org | Vision |'): the first header row is mostly empty and this one names columns."""
    if not row.headers or sum(1 for h in row.headers if h.strip()) * 2 > len(row.headers):
        return False
    if any(cell.links for cell in row.cells):
        return False
    named = [c.text.strip() for c in row.cells if c.text.strip()]
    return len(named) >= 2 and sum(1 for t in named if _column_kind(t) or t.lower() in ("arxiv", "#")) >= 2


_SIZE = re.compile(r"\d+(?:\.\d+)?\s*[BMKbmk]|\d+(?:\.\d+)?\s*(?:GB|MB|px)")  # '7B', '428M': a size, not a name

_SLOT_COLUMNS = {"vision": "vision_encoder", "llm": "llm", "connector": "connector", "text": "text_encoder"}


def _read_slot_cell(ctx: Context, cand: Candidate, slot: str, text: str) -> None:
    """A component column: the vocabulary's names where it knows them, else the cell's own words."""
    if ctx.light:
        return
    for part in COMPONENT_PARTS.split(text):
        part = clean_title(part)
        if not part or part.lower() in ("-", "—", "n/a", "/", "none", "yes", "no", "✓", "✗", "?"):
            continue
        found = components_in(part, ctx.vocab)
        for found_slot, name in found:
            cand.add_component(found_slot, name)
        if not found and len(part) <= 40:
            cand.add_component(slot, part)  # 'QLLaMA', 'SigLIP-L': kept as the note writes them


_COLUMNS = {
    "vision": (
        "vision encoder",
        "visual encoder",
        "image encoder",
        "vision backbone",
        "visual backbone",
        "vision tower",
        "vision model",
        "视觉编码器",
        "图像编码器",
        "视觉模块",
    ),
    "llm": ("llm", "language model", "language encoder", "语言模型", "大模型", "text decoder", "backbone"),
    "connector": ("connector", "projector", "adapter", "bridge", "桥接", "连接器", "对齐模块"),
    "text": ("text encoder", "文本编码器"),
    "name": ("name", "model", "模型", "method", "方法", "short", "名称"),
    "title": ("title", "paper title", "标题", "题目", "论文题目"),
    "date": ("date", "time", "year", "日期", "时间", "年份"),
    "venue": ("venue", "conference", "conf", "journal", "publication", "published in", "会议", "期刊", "发表"),
    "org": ("org", "organization", "organisation", "institution", "affiliation", "机构", "单位"),
    "comment": ("comment", "comments", "description", "notes", "note", "resources", "remark", "备注", "说明", "简介"),
    "authors": ("author", "作者"),  # after org: 'Author affiliation', '作者单位' hold organisations
}


# Whole headers that hold a paper's short name ('Base paper: CLIP, Radford et al. 2021'; a checkpoint id).
_NAME_HEADERS = {
    "paper",
    "base paper",
    "checkpoint",
    "checkpoints",
    "model id",
    "hf model",
    "论文",
    "논문",
    "논문명",
    "모델",
    "論文",
    "モデル",
    "モデル名",
}


# Short headers matched whole, not inside longer words ('Vision' but not 'Revision').
_EXACT_HEADERS = {
    "vision": "vision",
    "bridge": "connector",
    "lm": "llm",
    "vit": "vision",
    "arxiv": "arxiv",
    "arxiv id": "arxiv",
    "arxiv link": "arxiv",
}


def _column_kind(header: str) -> str:
    """What a table column holds, from its header ('Model Name' → name, 'Arxiv Time' → date); a question
    ('LLM frozen?') holds answers, not parts."""
    header = header.lower().strip()
    if header.endswith(("?", "？")):
        return "comment"
    if header in _NAME_HEADERS:
        return "name"
    if header in _EXACT_HEADERS:
        return _EXACT_HEADERS[header]
    for kind, words in _COLUMNS.items():
        if any(w in header for w in words):
            return kind
    return ""
