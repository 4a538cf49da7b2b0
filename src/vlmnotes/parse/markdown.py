"""One markdown-it configuration and the block tree the style extractors work on.

The tree keeps what the extractors need and nothing else: headings, list items (with their nested
blocks and checkbox), paragraphs, table rows and footnote definitions, each with 1-based line numbers
taken from `token.map`. Code fences, code blocks and HTML blocks (comments included) never enter it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.front_matter import front_matter_plugin

# Deeper nesting than this is flattened: no real note nests 40 levels, and markdown-it's own
# recursion guard would otherwise turn a hostile file into a long, useless tree.
MAX_NESTING = 40


@lru_cache(maxsize=1)
def markdown_parser() -> MarkdownIt:
    """The one MarkdownIt configuration used everywhere (CommonMark + tables, strikethrough, footnotes)."""
    md = MarkdownIt("commonmark", {"html": True, "maxNesting": MAX_NESTING})
    md.enable(["table", "strikethrough"])
    md.use(front_matter_plugin).use(footnote_plugin)
    return md


@dataclass
class Link:
    """A link or image inside an inline run."""

    text: str
    url: str
    line: int
    image: bool = False
    start: int = 0  # offset of the link text inside Inline.text
    end: int = 0


@dataclass
class Inline:
    """The inline content of one block: plain text plus the links and bold runs in it."""

    text: str = ""
    links: list[Link] = field(default_factory=list)
    strong: list[str] = field(default_factory=list)
    strong_at: list[int] = field(default_factory=list)  # offset in `text` of each bold run
    line: int = 0
    # Offsets into `text` where each source line starts (the first is 0).
    line_starts: list[int] = field(default_factory=lambda: [0])
    footnote_refs: list[tuple[str, int]] = field(default_factory=list)  # (label, offset in text)

    def lines(self) -> list[tuple[int, int, int]]:
        """(line number, start offset, end offset) of every source line in `text`."""
        bounds = [*self.line_starts, len(self.text) + 1]
        return [(self.line + i, bounds[i], bounds[i + 1] - 1) for i in range(len(self.line_starts))]


@dataclass
class Block:
    """A heading, list item, paragraph, table row or footnote definition."""

    kind: str  # heading | item | paragraph | row | footnote
    line: int
    end_line: int
    inline: Inline = field(default_factory=Inline)
    level: int = 0  # heading level, or list depth for items
    children: list[Block] = field(default_factory=list)
    checked: bool | None = None  # list items written `[x]` / `[ ]`
    cells: list[Inline] = field(default_factory=list)  # table rows
    label: str = ""  # footnote label
    header: bool = False  # a table's header row
    headers: list[str] = field(default_factory=list)  # a table row's column names
    ordered: bool = False  # an item of an ordered list
    list_id: int = 0  # items of one list share it: siblings are told apart from the items of the next list

    def walk(self) -> list[Block]:
        """This block and every block nested in it, in document order."""
        out = [self]
        for child in self.children:
            out += child.walk()
        return out

    def all_text(self) -> str:
        """The text of this block and everything nested in it, one block a line."""
        parts = [self.inline.text, *(c.text for c in self.cells)]
        parts += [child.all_text() for child in self.children]
        return "\n".join(p for p in parts if p)


@dataclass
class Document:
    """A parsed note: its blocks in order (headings flat, lists nested) and its front matter."""

    path: str
    lines: list[str]
    blocks: list[Block]
    front_matter: dict[str, Any]
    front_matter_error: str | None = None
    # BibTeX code blocks as (first line, last line, text): never entries, but they state the entry's fields.
    bibtex: list[tuple[int, int, str]] = field(default_factory=list)

    def source(self, line: int, end_line: int) -> str:
        """The raw Markdown of lines line..end_line (1-based, inclusive)."""
        return "\n".join(self.lines[line - 1 : end_line]).strip("\n")


_BARE_URL = re.compile(r"https?://[^\s<>\"'\]\[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]+")
# Obsidian callouts and GitHub alerts: '[!abstract] Flamingo', '[!NOTE]- Architecture', '[!tip]+ Title'.
_CALLOUT = re.compile(r"^\[!([A-Za-z][\w-]*)\][+-]?[ \t]*")
CALLOUT_LEVEL = 7


def _split_callout(inline: Inline, m: re.Match[str]) -> tuple[Inline, Inline | None]:
    """A callout's first paragraph split into its title line (without the marker) and the lines after it."""
    cut = m.end()
    nl = inline.text.find("\n")
    end = nl if nl >= 0 else len(inline.text)
    title = Inline(text=inline.text[cut:end], line=inline.line)
    title.links = [_shift(lk, cut) for lk in inline.links if cut <= lk.start < end]
    title.strong, title.strong_at = [], []
    for run, at in zip(inline.strong, inline.strong_at, strict=True):
        if cut <= at < end:
            title.strong.append(run)
            title.strong_at.append(at - cut)
    if nl < 0:
        return title, None
    rest = Inline(text=inline.text[nl + 1 :], line=inline.line + 1)
    rest.links = [_shift(lk, nl + 1) for lk in inline.links if lk.start > nl]
    for run, at in zip(inline.strong, inline.strong_at, strict=True):
        if at > nl:
            rest.strong.append(run)
            rest.strong_at.append(at - nl - 1)
    rest.line_starts = [0] + [p - nl - 1 for p in inline.line_starts if p > nl + 1]
    return title, rest


def _shift(link: Link, by: int) -> Link:
    return Link(link.text, link.url, link.line, link.image, link.start - by, link.end - by)


_TEXT_ARXIV = re.compile(
    r"(?<![/\w.])(?:arxiv\s*[:：]?\s*|(?:www\.)?arxiv\.org/(?:abs|pdf)/)(\d{4}\.\d{4,5})(?:v\d+)?(?![\d.]\d)"
    r"|(?<![\w(])\[(\d{4}\.\d{4,5})(?:v\d+)?\]",  # arXiv's own tab text: '[2304.08485] Visual Instruction …'
    re.I,
)
_TASK = re.compile(r"^\[([ xX])\](?:\s+|$)")


def _inline(token: Token) -> Inline:
    line = (token.map[0] + 1) if token.map else 0
    out = Inline(line=line)
    text: list[str] = []
    pos = 0
    link_stack: list[tuple[str, int]] = []
    strong_stack: list[int] = []
    for child in token.children or []:
        kind = child.type
        if kind in ("text", "code_inline"):
            if kind == "text" and not link_stack:
                # Bare URLs are links to a reader even without linkify (footnotes, pasted addresses).
                for m in _BARE_URL.finditer(child.content):
                    url = m[0].rstrip(".,;:)）】」。，")
                    at = pos + m.start()
                    line_no = out.line + len(out.line_starts) - 1 + child.content.count("\n", 0, m.start())
                    out.links.append(Link(url, url, line_no, False, at, at + len(url)))
                # 'arXiv:2407.07726', 'arXiv 2407.07726v2' in running text name a paper as surely as a link.
                for m in _TEXT_ARXIV.finditer(child.content):
                    at = pos + m.start()
                    line_no = out.line + len(out.line_starts) - 1 + child.content.count("\n", 0, m.start())
                    url = f"https://arxiv.org/abs/{m[1] or m[2]}"
                    out.links.append(Link(m[0], url, line_no, False, at, at + len(m[0])))
            text.append(child.content)
            pos += len(child.content)
        elif kind in ("softbreak", "hardbreak"):
            text.append("\n")
            pos += 1
            out.line_starts.append(pos)
        elif kind == "link_open":
            link_stack.append((str(child.attrs.get("href", "")), pos))
        elif kind == "link_close" and link_stack:
            url, start = link_stack.pop()
            label = "".join(text)[start:pos]
            out.links.append(Link(label, url, out.line + len(out.line_starts) - 1, False, start, pos))
        elif kind == "image":
            alt = child.content
            url = str(child.attrs.get("src", ""))
            out.links.append(Link(alt, url, out.line + len(out.line_starts) - 1, True, pos, pos))
        elif kind == "strong_open":
            strong_stack.append(pos)
        elif kind == "strong_close" and strong_stack:
            start = strong_stack.pop()
            out.strong.append("".join(text)[start:pos])
            out.strong_at.append(start)
        elif kind == "footnote_ref":
            out.footnote_refs.append((str((child.meta or {}).get("label", "")), pos))
        elif kind == "html_inline":
            # `<img src=...>` inline: keep the URL as an image link so badges are seen; `<a href>` and `<b>`
            # (notebook exports, blog templates) are a link and a bold run like their Markdown forms.
            tag = child.content.strip().lower()
            src = re.search(r"""src\s*=\s*["']([^"']+)""", child.content)
            href = re.match(r"""<a\s[^>]*href\s*=\s*["']([^"']+)""", child.content.strip(), re.I)
            if src:
                out.links.append(Link("", src[1], out.line + len(out.line_starts) - 1, True, pos, pos))
            elif href:
                link_stack.append((href[1], pos))
            elif tag == "</a>" and link_stack:
                url, start = link_stack.pop()
                label = "".join(text)[start:pos]
                out.links.append(Link(label, url, out.line + len(out.line_starts) - 1, False, start, pos))
            elif tag in ("<b>", "<strong>"):
                strong_stack.append(pos)
            elif tag in ("</b>", "</strong>") and strong_stack:
                start = strong_stack.pop()
                out.strong.append("".join(text)[start:pos])
                out.strong_at.append(start)
    out.text = "".join(text)
    out.links.sort(key=lambda link: link.start)
    return out


def _strip_task(inline: Inline) -> bool | None:
    found = _TASK.match(inline.text)
    if not found:
        return None
    m = found
    cut = m.end()
    inline.text = inline.text[cut:]
    for link in inline.links:
        link.start, link.end = max(0, link.start - cut), max(0, link.end - cut)
    inline.line_starts = [0] + [max(0, s - cut) for s in inline.line_starts[1:]]
    inline.footnote_refs = [(label, max(0, p - cut)) for label, p in inline.footnote_refs]
    inline.strong_at = [max(0, p - cut) for p in inline.strong_at]
    return m[1] != " "


def _read_front_matter(content: str) -> tuple[dict[str, Any], str | None]:
    try:
        # BaseLoader keeps every value a string: `arxiv: 2103.00020` must not become the float 2103.0002.
        data = yaml.load(content, Loader=yaml.BaseLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 2}" if mark is not None else "front matter"
        return {}, f"{where}: front matter is not valid YAML"
    return (data if isinstance(data, dict) else {}), None


def parse_document(path: str, text: str, tokens: list[Token] | None = None) -> Document:
    """Parse note text into a Document (reusing `tokens` when the caller already has them)."""
    if tokens is None:
        tokens = markdown_parser().parse(text)
    lines = text.split("\n")
    blocks: list[Block] = []
    stack: list[Block] = []  # open list items and footnotes
    front: dict[str, Any] = {}
    front_error: str | None = None
    depth = 0
    table_row: Block | None = None
    in_thead = False
    ordered_stack: list[bool] = []
    pending_heading: Block | None = None
    table_headers: list[str] = []
    bibtex: list[tuple[int, int, str]] = []
    lists = 0
    list_stack: list[int] = []
    quotes: list[tuple[tuple[int, int], int]] = []  # open blockquotes: (first, last line), blocks before

    def add(block: Block) -> None:
        if stack:
            stack[-1].children.append(block)
        else:
            blocks.append(block)

    for tok in tokens:
        t = tok.type
        if t == "fence" and tok.info.strip().lower() in ("bibtex", "bib", "tex", "latex", "") and "@" in tok.content:
            if re.search(r"@\w+\s*\{", tok.content) and tok.map:
                bibtex.append((tok.map[0] + 1, tok.map[1], tok.content))
        elif t == "front_matter":
            front, front_error = _read_front_matter(tok.content)
        elif t == "blockquote_open":
            quotes.append(((tok.map[0] + 1, tok.map[1]) if tok.map else (0, 0), len(blocks)))
        elif t == "blockquote_close":
            if quotes:
                quotes.pop()
        elif t == "heading_open":
            start, end = (tok.map[0] + 1, tok.map[1]) if tok.map else (0, 0)
            if tok.markup in ("-", "=") and end - start > 1:
                continue  # several lines over '---' are a paragraph and a rule, not one long setext heading
            pending_heading = Block("heading", start, end, level=int(tok.tag[1:]))
        elif t in ("bullet_list_open", "ordered_list_open"):
            ordered_stack.append(t == "ordered_list_open")
            depth += 1
            lists += 1
            list_stack.append(lists)
        elif t in ("bullet_list_close", "ordered_list_close"):
            if ordered_stack:
                ordered_stack.pop()
            if list_stack:
                list_stack.pop()
            depth -= 1
        elif t == "list_item_open":
            start, end = (tok.map[0] + 1, tok.map[1]) if tok.map else (0, 0)
            item = Block("item", start, end, level=depth, ordered=bool(ordered_stack and ordered_stack[-1]))
            item.list_id = list_stack[-1] if list_stack else 0
            add(item)
            stack.append(item)
        elif t == "list_item_close" or t == "footnote_close":
            if stack:
                stack.pop()
        elif t == "footnote_open":
            label = str((tok.meta or {}).get("label", ""))
            note = Block("footnote", 0, 0, label=label)
            blocks.append(note)
            stack.append(note)
        elif t == "thead_open":
            in_thead = True
        elif t == "thead_close":
            in_thead = False
        elif t == "tr_open":
            start, end = (tok.map[0] + 1, tok.map[1]) if tok.map else (0, 0)
            table_row = Block("row", start, end, header=in_thead, headers=table_headers)
            if in_thead:
                table_headers = []
                table_row.headers = table_headers
            add(table_row)
        elif t == "tr_close":
            table_row = None
        elif t == "inline":
            inline = _inline(tok)
            if table_row is not None:
                table_row.cells.append(inline)
                if table_row.header:
                    table_headers.append(inline.text.strip().lower())
                if not table_row.inline.text:
                    table_row.inline = Inline(line=table_row.line)
                continue
            if pending_heading is not None:
                pending_heading.inline = inline
                add(pending_heading)
                pending_heading = None
                continue
            owner = stack[-1] if stack else None
            callout = _CALLOUT.match(inline.text) if quotes and not stack else None
            if callout is not None and inline.line == quotes[-1][0][0]:
                # '> [!abstract] Flamingo': the callout's title heads the callout like a heading of its own,
                # level 7 so that it ends at the quote's end or at any heading (Obsidian, GitHub alerts).
                (first, last), _ = quotes[-1]
                title, rest = _split_callout(inline, callout)
                add(Block("heading", first, last, inline=title, level=CALLOUT_LEVEL + len(quotes) - 1))
                if rest is not None:
                    add(Block("paragraph", rest.line, tok.map[1] if tok.map else rest.line, inline=rest))
                continue
            if owner is not None and owner.kind == "item" and not owner.inline.text and not owner.children:
                owner.checked = _strip_task(inline)
                owner.inline = inline
            elif owner is not None and owner.kind == "footnote" and not owner.inline.text:
                owner.inline = inline
                owner.line = owner.end_line = inline.line
            else:
                start = inline.line
                end = (tok.map[1]) if tok.map else start
                add(Block("paragraph", start, end, inline=inline))
    return Document(path, lines, blocks, front, front_error, bibtex)
