"""Candidate: what one place in one note says about one paper, before records are merged.

Also the reading that every style shares: components, organisations, labelled sections,
relations and extra links from an entry's body blocks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from vlmnotes.parse.fields import RelationClaim, find_relations, link_kind, norm_key
from vlmnotes.parse.markdown import Block, Inline
from vlmnotes.parse.names import not_a_name
from vlmnotes.parse.negation import excluded_spans
from vlmnotes.vocab import Vocabulary

# How sure a style is of a value: an explicit field beats a guess when sources disagree.
EXPLICIT, DERIVED, GUESSED = 3, 2, 1

SECTION_LABELS = {
    "背景",
    "现有问题",
    "问题",
    "贡献",
    "创新点",
    "动机",
    "方法",
    "实验",
    "结论",
    "局限",
    "局限性",
    "不足",
    "思考",
    "总结",
    "评价",
    "摘要",
    "训练代价",
    "启发",
    "笔记",
    "收获",
    "核心思想",
    "主要贡献",
    "motivation",
    "contribution",
    "contributions",
    "insights",
    "insight",
    "summary",
    "rating",
    "method",
    "methods",
    "results",
    "limitations",
    "takeaways",
    "takeaway",
    "thoughts",
    "notes",
    "idea",
    "key idea",
    "abstract",
    "problem",
    "pros",
    "cons",
    "review",
    "tldr",
}
# Reflections compare the paper with others: the components they name are not the paper's own.
REFLECTION_LABELS = {
    "思考",
    "thoughts",
    "rating",
    "评价",
    "启发",
    "收获",
    "review",
    "pros",
    "cons",
    "对比",
    "comparison",
}
_LABEL = re.compile(r"^\s*([^\s:：][^:：\n]{0,15}?)\s*[:：]\s*(.*)$", re.S)
_TEXT_LABEL = re.compile(r"(?:文本|文字|text|txt|语言|language)\s*(?:encoder|编码器)?\s*[:：]?\s*$", re.I)


@dataclass
class Candidate:
    """One paper as one entry in one note presents it."""

    style: str
    file: str
    line: int
    end_line: int
    text: str = ""
    name: str | None = None
    name_rank: int = 0
    aliases: list[str] = field(default_factory=list)
    title: str | None = None
    arxiv_id: str | None = None
    date: str | None = None
    date_rank: int = 0
    venue: str | None = None
    authors: list[str] = field(default_factory=list)
    authors_et_al: bool = False  # the note ends the list with 等, et al. or and others
    orgs: list[str] = field(default_factory=list)
    org_lines: dict[str, int] = field(default_factory=dict)  # where a card names each organisation
    citations: int | None = None
    links: dict[str, str] = field(default_factory=dict)
    other_links: list[str] = field(default_factory=list)
    components: dict[str, list[str]] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    status: str | None = None
    sections: dict[str, str] = field(default_factory=dict)
    relations: list[tuple[RelationClaim, int]] = field(default_factory=list)
    passing: bool = False
    catalogued: list[str] = field(default_factory=list)  # fields filled from the known-paper catalogue
    keys: list[str] = field(default_factory=list)  # what merging joins it by (name, aliases, title), set once parsed
    fingerprint: str = ""  # a hash of everything above, set once parsing is done (see parse_text)

    @property
    def where(self) -> str:
        """file:line of the entry."""
        return f"{self.file}:{self.line}"

    def set_name(self, name: str | None, rank: int) -> None:
        """Keep the best-ranked name; the others become aliases. A link's text, a date or a venue is neither
        ('[[paper](…)]', '- **2023.05**'): it would join every entry that writes it into one record."""
        if not name or not_a_name(name):
            return
        name = name.strip()
        if self.name is None or rank > self.name_rank:
            if self.name and self.name != name:
                self.aliases.append(self.name)
            self.name, self.name_rank = name, rank
        elif name != self.name and name not in self.aliases:
            self.aliases.append(name)

    def set_date(self, iso: str | None, rank: int) -> None:
        """Keep the best-ranked date (ties: the more precise one)."""
        if iso and (self.date is None or (rank, len(iso)) > (self.date_rank, len(self.date))):
            self.date, self.date_rank = iso, rank

    def add_link(self, url: str) -> None:
        """File a URL under paper, pdf, code or project (the first of each kind wins)."""
        kind = link_kind(url)
        if kind is None:
            return
        if kind in self.links:
            if url not in self.other_links and url not in self.links.values():
                self.other_links.append(url)
        else:
            self.links[kind] = url

    def add_component(self, slot: str, name: str) -> None:
        """Add a canonical component name to a slot once."""
        values = self.components.setdefault(slot, [])
        if name not in values:
            values.append(name)


_USES_CLIP = re.compile(
    r"(?:\b(?:uses?|using|used|built\s+(?:on|upon)|based\s+on|adopts?|on\s+top\s+of)\s+(?:the\s+|a\s+)?|使用|采用|基于|用)"
    r"\s*(CLIP)(?![\w\-])",
    re.I,
)


def components_in(text: str, vocab: Vocabulary) -> list[tuple[str, str]]:
    """(slot, canonical name) for every component the text names."""
    out: list[tuple[str, str]] = []
    # 'Mistral AI' and 'Qwen Team' are organisations, not the Mistral or Qwen language models.
    orgs = [(o.start, o.end) for o in vocab.find_orgs(text)]
    # '去掉了 Faster R-CNN', 'unlike CLIP', 'replaces the Q-Former with …': not this paper's parts.
    orgs += excluded_spans(text)
    # 'Uses CLIP and Vicuna', 'built on CLIP': a bare CLIP after a verb of use is its vision encoder.
    for used in _USES_CLIP.finditer(text):
        if not any(s <= used.start(1) < e for s, e in orgs):
            out.append(("vision_encoder", "OpenAI CLIP"))
    for m in vocab.find_components(text):
        if any(s <= m.start and m.end <= e for s, e in orgs):
            continue
        if m.term.label_only and not _TEXT_LABEL.search(text[max(0, m.start - 20) : m.start]):
            continue
        item = (m.term.category, m.term.name)
        if item not in out:
            out.append(item)
    return out


def orgs_in(text: str, vocab: Vocabulary) -> list[str]:
    """Organisations a text names as the paper's own, leaving out possessives ("OpenAI's ViT")."""
    out: list[str] = []
    parts = [(c.start, c.end) for c in vocab.find_components(text)] if text else []
    for m in vocab.find_orgs(text):
        after = text[m.end : m.end + 8]
        if any(s <= m.start and m.end <= e for s, e in parts):
            continue  # 'Uses OpenAI CLIP': the organisation names a part's maker, not this paper's
        # "OpenAI's ViT", "OpenAI 的 ViT", "谷歌的模型": the organisation owns a part, not this paper.
        if after[:1] in ("'", "’") or re.match(r"\s*的\s*(?:[A-Za-z]|模型)", after):
            continue
        if re.match(r"\s+licen[cs]e", after, re.I):
            continue
        if m.term.name not in out:
            out.append(m.term.name)
    return out


def split_label(text: str) -> tuple[str, str] | None:
    """'motivation: xyz' → ('motivation', 'xyz') when the label is a known summary label."""
    m = _LABEL.match(text.strip())
    if not m:
        return None
    label = m[1].strip().strip("*").strip()
    if label.lower() in SECTION_LABELS or label in SECTION_LABELS:
        return label, m[2].strip()
    return None


def read_body(cand: Candidate, blocks: list[Block], vocab: Vocabulary, *, with_orgs: bool = False) -> None:
    """Read components, sections, relations, extra links (and orgs, if asked) from an entry's body."""
    section: str | None = None
    for block in blocks:
        if block.kind == "heading":
            label = _section_label(block.inline.text)
            section = label[0] if label else None
            if label:
                cand.sections[label[0]] = label[1]
        elif section is not None:
            text = block.all_text().strip()
            if text:
                cand.sections[section] = (cand.sections[section] + "\n" + text).strip()
        _read_tree(cand, block, vocab, with_orgs, reflective=(section or "").lower() in REFLECTION_LABELS)


def _read_tree(cand: Candidate, block: Block, vocab: Vocabulary, with_orgs: bool, *, reflective: bool) -> None:
    label = split_label(block.inline.text) if block.kind == "item" else None
    reflective = reflective or bool(label and label[0].lower() in REFLECTION_LABELS)
    _read_block(cand, block, vocab, with_orgs, components=not reflective)
    for child in block.children:
        _read_tree(cand, child, vocab, with_orgs, reflective=reflective)


def _section_label(text: str) -> tuple[str, str] | None:
    """'思考', '背景:' or '思考：BLIP与BLIP-2的关系' as a section label and the text after it."""
    bare = text.strip().rstrip(":：").strip()
    return split_label(text) or ((bare, "") if bare.lower() in SECTION_LABELS else None)


def read_inline(cand: Candidate, inline: Inline, text: str, vocab: Vocabulary, *, with_orgs: bool) -> None:
    """Read components, relations (and orgs) from part of an entry's own line; on its own line an organisation
    may also be written as open text (`NVIDIA出品`, `by Salesforce`, `X University`)."""
    _read_text(cand, text, inline.line, vocab, with_orgs=with_orgs, components=True)
    if with_orgs:
        open_orgs(cand, text, vocab)


def open_orgs(cand: Candidate, text: str, vocab: Vocabulary) -> None:
    """Organisations written as open text, resolved against the vocabulary where it knows them."""
    from vlmnotes.parse.orgs import org_phrases

    for name, _, end in org_phrases(text):
        made_by = text[end : end + 2] == "出品"  # 'Mistral出品': whoever made it is an organisation, whatever its name
        if name.startswith("`") or (vocab.find_components(name) and not vocab.org(name) and not made_by):
            continue  # a backticked tag or a model name ('EVA团队' is a team, 'Mistral发布' a model) is not enough
        org = vocab.org(name) or name
        if org not in cand.orgs and org != cand.name and norm_key(org) != norm_key(cand.name or ""):
            cand.orgs.append(org)


def _read_text(
    cand: Candidate,
    text: str,
    line: int,
    vocab: Vocabulary,
    *,
    with_orgs: bool,
    components: bool,
    org_text: str | None = None,
) -> None:
    own = {norm_key(n) for n in [cand.name, *cand.aliases] if n}
    for slot, name in components_in(text, vocab) if components else []:
        if norm_key(name) not in own:  # SigLIP's notes name SigLIP: the paper, not its own vision encoder
            cand.add_component(slot, name)
    if with_orgs:
        for org in orgs_in(text if org_text is None else org_text, vocab):
            if org not in cand.orgs:
                cand.orgs.append(org)
    for claim in find_relations(text):
        cand.relations.append((claim, line))


_SLOT_LABELS = {
    "vision_encoder": (
        "vision encoder",
        "visual encoder",
        "image encoder",
        "vision model",
        "vision backbone",
        "visual backbone",
        "vision tower",
        "vit",
        "视觉编码器",
        "图像编码器",
        "视觉模型",
        "视觉backbone",
        "视觉部分",
    ),
    "text_encoder": ("text encoder", "文本编码器"),
    "llm": ("llm", "language model", "base llm", "llm backbone", "语言模型", "大语言模型", "基座模型", "基座"),
    "connector": (
        "connector",
        "projector",
        "projecter",
        "adapter",
        "bridge",
        "连接器",
        "投影层",
        "适配器",
        "桥接",
        "对齐层",
    ),
    "losses": ("loss", "losses", "objective", "objectives", "training objective", "损失", "损失函数", "训练目标"),
    "architecture": ("architecture", "arch", "架构"),
}
_SLOT_OF = {label: slot for slot, labels in _SLOT_LABELS.items() for label in labels}
_SLOT_FIELD = re.compile(r"^[\W_]*([A-Za-z\u4e00-\u9fff][\w \u4e00-\u9fff]{0,20}?)\s*\**\s*[:：]\s*(.+)$")


def slot_field(text: str) -> tuple[str, str] | None:
    """'LLM: Vicuna-13B', '视觉编码器：EVA-CLIP', 'Projector：CrossAttn' → (slot, value); None for other text."""
    m = _SLOT_FIELD.match(text.strip().replace("::", ":", 1))
    if not m:
        return None
    label = re.sub(r"^[^\w\u4e00-\u9fff]+", "", m[1]).strip().strip("*").lower()  # '🧩 结构：…'
    if label in ("结构", "模型结构", "structure", "model structure", "组成", "components", "parts"):
        return ("parts", m[2].strip())  # the parts of the model, each in its own slot
    slot = _SLOT_OF.get(label)
    if slot is None and re.search(r"[\u4e00-\u9fff]$", label):
        # '预训练大语言模型：…', 'MLP 适配器：…': a Chinese label ends with its slot word
        slot = next((v for k, v in _SLOT_OF.items() if len(k) >= 2 and label.endswith(k) and not k.isascii()), None)
    return (slot, m[2].strip().strip("*=").strip()) if slot else None


# Parts of a component field or cell: 'CLIP ViT-L/14 plus ConvNeXt, SAM and EVA-02' (a slash inside a name stays).
COMPONENT_PARTS = re.compile(r"\s*(?:[,，;；、+|]|<br>|\s/\s|\band\b|\bplus\b|和|与)\s*")


def read_slot_value(cand: Candidate, slot: str, value: str, vocab: Vocabulary) -> None:
    """A component field's value: the vocabulary's names where it knows them, else its short Latin parts."""
    for found_slot, name in components_in(value, vocab):
        cand.add_component(found_slot, name)
    if slot == "parts":
        return
    # 'Moonlight（MoE、活性化 2.8B / 総 16B）': what brackets say about a part is not another part; sizes alone
    # ('7B', '72B') are not parts.
    value = re.sub(r"\s*[(（][^()（）]*[)）]", "", value)
    for part in COMPONENT_PARTS.split(value):
        if re.fullmatch(r"\d+(?:\.\d+)?\s*[BMKbmk]", part.strip()):
            continue
        part = part.strip(" .。*=`")
        short = part and len(part) <= 30 and re.search(r"[A-Za-z]", part) and len(part.split()) <= 4
        if short and not components_in(part, vocab):
            cand.add_component(slot, part)


def _read_block(cand: Candidate, block: Block, vocab: Vocabulary, with_orgs: bool, *, components: bool = True) -> None:
    inline = block.inline
    text = inline.text
    if block.kind == "item":
        label = _section_label(text)
        if label:
            body = "\n".join([label[1], *(c.all_text() for c in block.children)]).strip()
            key = label[0]
            cand.sections[key] = (cand.sections[key] + "\n" + body).strip() if key in cand.sections else body
    if block.kind == "row" and components and not block.header:
        cells = [c.text.strip() for c in block.cells]
        field = slot_field(f"{cells[0]}: {cells[1]}") if len(cells) >= 2 and cells[1] else None
        if field is not None:  # a vertical 'Part | What' table: '| LLM | Qwen2-7B |'
            read_slot_value(cand, field[0], field[1], vocab)
        else:
            for cell in cells:
                _read_text(cand, cell, block.line, vocab, with_orgs=False, components=True)
        return
    # '[HuggingFace](https://huggingface.co/…)': a link's text names where the link goes, not who made the paper.
    masked = text
    for link in inline.links:
        if link_kind(link.url) in ("code", "project") and link.end > link.start:
            masked = masked[: link.start] + " " * (link.end - link.start) + masked[link.end :]
    for line_no, start, end in inline.lines():
        field = slot_field(text[start:end]) if components else None
        if field is not None:
            read_slot_value(cand, field[0], field[1], vocab)
            continue
        _read_text(
            cand,
            text[start:end],
            line_no,
            vocab,
            with_orgs=with_orgs,
            components=components,
            org_text=masked[start:end],
        )
    for link in inline.links:
        if not link.image and link_kind(link.url) in ("code", "project"):
            cand.add_link(link.url)
