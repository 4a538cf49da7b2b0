"""What the text leading a block says: the paper's name(s), its title, and the decorations around them.

`read_lead('CLIP：用对比学习…（2021，OpenAI）')` gives the name CLIP, the year 2021 and the organisation OpenAI;
headings, list items, table cells, card heads and definition terms are all read this way.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from vlmnotes.parse.entry import DERIVED, EXPLICIT, Candidate
from vlmnotes.parse.fields import (
    clean_title,
    name_from_title,
    normalise_arxiv_id,
)
from vlmnotes.parse.names import (
    Decorated,
    decorations,
    lead_name,
    model_from_checkpoint,
    name_ok,
    name_ok_word,
    not_a_name,
    split_names,
    strip_emoji,
    strip_numbering,
    title_like,
)

if TYPE_CHECKING:
    from vlmnotes.parse.context import Context

_CJK = re.compile(r"[\u4e00-\u9fff]")


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
        # '- DeepMind, 2022.', '- **CVPR 2023**', '- [ ] 项目主页': an organisation, a venue, a link's text
        lead.names = [n for n in lead.names if not not_a_name(n, ctx.vocab, ctx.known)]
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
            title = core if title_like(core) else None  # not 'PaliGemma: SigLIP-So400m + Gemma-2B, linear …'
        return Lead([name], title, deco)
    glossed = _GLOSSED_NAME.fullmatch(core)
    if glossed and name_ok(glossed["name"], ctx.known):
        return Lead([glossed["name"]], None, deco)  # '曾氏测试模型 ZengNet': what it is, then its name
    m = re.fullmatch(r"(.+?)\s*[(（]\s*([^()（）]{1,32}?)\s*[)）]", core)
    sentence_case = m is not None and m[1][:1].isupper() and len(m[1].split()) >= 4
    if m and name_ok(m[2], ctx.known) and (title_like(m[1]) or sentence_case):
        return Lead([m[2]], clean_title(m[1]), deco)  # 'Learning transferable … supervision (CLIP)
    if title_like(core):
        # 'Apollo: An Exploration of …' names Apollo even though no one coined the word for it.
        named = [n for n in [name_from_title(core)] if n and (name_ok(n.split()[0], ctx.known) or name_ok_word(n))]
        return Lead(named, core, deco)
    return None


# A Chinese description of what a paper made (a model, a framework, a benchmark …), then its Latin name, and
# nothing after it: '曾氏测试模型 ZengNet', '谷歌的多模态大模型：PaLI-X'. Not '使用 LoRA' or '视觉编码器 ViT': only
# these kind words say that the name is the paper's.
_GLOSSED_NAME = re.compile(
    r"[\u4e00-\u9fff]{0,16}(?:模型|框架|方法|网络|算法|基准|数据集|评测集|论文)\s*[:：]?\s*"
    r"(?P<name>[A-Za-z][\w.\-+]*(?:[ \-][A-Z0-9][\w.\-+]*){0,2})"
)


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


def _bare_acronym(ctx: Context, lead: Lead) -> bool:
    """A lead that is only an unknown all-capitals word of 2-3 letters, with no title, date, venue or organisation."""
    deco = lead.deco
    bare = not (lead.title or deco.year or deco.date or deco.venue or deco.orgs)
    return bare and bool(re.fullmatch(r"[A-Z]{2,3}", lead.name or "")) and not ctx.known(lead.name or "")


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


def _norm(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.lower())
