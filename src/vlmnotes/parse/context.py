"""What every reader of a note shares: the parsed document, the vocabulary and catalogue, which blocks are read,
and the small steps every reader takes (a paper's link, a name and title from a link text, a section's body).
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
    Candidate,
    read_body,
    read_inline,
)
from vlmnotes.parse.fields import (
    arxiv_id_from_url,
    clean_title,
    date_from_arxiv_id,
    find_venue,
    is_name_like,
    link_kind,
    name_from_title,
    split_name_parens,
)
from vlmnotes.parse.markdown import CALLOUT_LEVEL, Block, Document, Inline, Link
from vlmnotes.parse.names import GENERIC_LINK_TEXT, base_name
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
    # Computed once: a note has as many headings as blocks, and a look-up per heading must not walk the note.
    _blocks: list[Block] = field(default_factory=list)
    _position: dict[int, int] = field(default_factory=dict)  # block → its index among its siblings
    _ends: dict[int, int] = field(default_factory=dict)  # heading → the last line of its section

    def known(self, name: str) -> bool:
        """True when the catalogue of well-known papers has this exact name or alias (a plain word must match
        its case too: 'Star' is not STaR)."""
        return self.catalogue is not None and known_paper(self.catalogue, name) is not None

    def section(self, heading: Block) -> list[Block]:
        """The blocks a heading heads: the following siblings (top-level, or inside the list item that holds the
        heading) up to the next heading of the same or a higher level."""
        parent = self.parents.get(id(heading))
        siblings = parent.children if parent is not None else self.doc.blocks
        i = self._position.get(id(heading), -1)
        if i < 0 or i >= len(siblings) or siblings[i] is not heading:
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
        return self._ends.get(id(heading), len(self.doc.lines))

    def paper_link_of(self, block: Block) -> Link | None:
        """The paper link a block carries itself."""
        return paper_link(block.inline.links)

    def __post_init__(self) -> None:
        for k, top in enumerate(self.doc.blocks):
            self._position[id(top)] = k
            for block in top.walk():
                self._blocks.append(block)
                for n, child in enumerate(block.children):
                    self.parents[id(child)] = block
                    self._position[id(child)] = n
        open_headings: list[Block] = []  # headings whose section has not ended yet, levels increasing
        for block in self._blocks:
            if block.kind != "heading" or block.level >= CALLOUT_LEVEL:
                continue
            while open_headings and open_headings[-1].level >= block.level:
                heading = open_headings.pop()
                if block.line > heading.line:
                    self._ends[id(heading)] = block.line - 1
            open_headings.append(block)
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
        """Every block in document order, nested ones included (the same list each time: do not change it)."""
        return self._blocks

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
        i = self._position.get(id(heading), -1)
        if i < 0 or i >= len(blocks) or blocks[i] is not heading:
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
