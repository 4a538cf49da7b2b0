"""Candidate: what one place in one note says about one paper, before records are merged.

Also the reading that every style shares: components, organisations, labelled sections,
relations and extra links from an entry's body blocks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from vlmnotes.parse.fields import RelationClaim, find_relations, link_kind
from vlmnotes.parse.markdown import Block, Inline
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
    fingerprint: str = ""  # a hash of everything above, set once parsing is done (see parse_text)

    @property
    def where(self) -> str:
        """file:line of the entry."""
        return f"{self.file}:{self.line}"

    def set_name(self, name: str | None, rank: int) -> None:
        """Keep the best-ranked name; the others become aliases."""
        if not name:
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


def components_in(text: str, vocab: Vocabulary) -> list[tuple[str, str]]:
    """(slot, canonical name) for every component the text names."""
    out: list[tuple[str, str]] = []
    # 'Mistral AI' and 'Qwen Team' are organisations, not the Mistral or Qwen language models.
    orgs = [(o.start, o.end) for o in vocab.find_orgs(text)]
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
    for m in vocab.find_orgs(text):
        after = text[m.end : m.end + 8]
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
    """Read components, relations (and orgs) from part of an entry's own line."""
    _read_text(cand, text, inline.line, vocab, with_orgs=with_orgs, components=True)


def _read_text(cand: Candidate, text: str, line: int, vocab: Vocabulary, *, with_orgs: bool, components: bool) -> None:
    for slot, name in components_in(text, vocab) if components else []:
        cand.add_component(slot, name)
    if with_orgs:
        for org in orgs_in(text, vocab):
            if org not in cand.orgs:
                cand.orgs.append(org)
    for claim in find_relations(text):
        cand.relations.append((claim, line))


def _read_block(cand: Candidate, block: Block, vocab: Vocabulary, with_orgs: bool, *, components: bool = True) -> None:
    inline = block.inline
    text = inline.text
    if block.kind == "item":
        label = _section_label(text)
        if label:
            body = "\n".join([label[1], *(c.all_text() for c in block.children)]).strip()
            key = label[0]
            cand.sections[key] = (cand.sections[key] + "\n" + body).strip() if key in cand.sections else body
    for line_no, start, end in inline.lines():
        _read_text(cand, text[start:end], line_no, vocab, with_orgs=with_orgs, components=components)
    for link in inline.links:
        if not link.image and link_kind(link.url) in ("code", "project"):
            cand.add_link(link.url)
