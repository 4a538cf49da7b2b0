"""One markdown-it configuration and the block tree the style extractors work on.

The tree keeps what the extractors need and nothing else: headings, list items (with their nested
blocks and checkbox), paragraphs, table rows and footnote definitions, each with 1-based line numbers
taken from `token.map`. Code fences, code blocks and HTML blocks (comments included) never enter it.

What markdown-it cannot read in bounded time is read in a degraded way and said so in `Document.degraded`:
lists nested past MAX_LIST_DEPTH are flattened into plain paragraphs (markdown-it's own guard would drop the
rest of the file), and a paragraph too long or with too many unclosed brackets is read as plain text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import yaml
from markdown_it import MarkdownIt
from markdown_it.common import normalize_url
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.front_matter import front_matter_plugin

# Lists nested deeper than this (block quotes, twice as deep) are read flattened: the rest of the deepest
# container becomes one plain paragraph. No real note nests 20 lists, and nesting on would turn a hostile
# file into a long, useless tree (and deep recursion).
MAX_LIST_DEPTH = 20
# The same as markdown-it counts block nesting: a list two levels (the list and its item), a block quote one.
FLATTEN_LEVEL = 2 * (MAX_LIST_DEPTH + 1)
# markdown-it's own guard is kept above FLATTEN_LEVEL so that it never fires on blocks: when it does, it
# silently drops everything to the end of the file, the paper entries after the deep part included.
MAX_NESTING = FLATTEN_LEVEL + 8
# A paragraph (or table cell) longer than this is read as plain text: markdown-it's inline parser slows
# down on a long run (0.65 s for 200 KB of prose and links, 3.4 s for 800 KB; about 1 s for 50 KB of dense
# markup such as `**a*` repeated) and no note writes a paragraph this long on purpose. Bare URLs and arXiv
# ids in it are still found.
MAX_INLINE_CHARS = 50_000
# markdown-it looks for the `]` closing each `[` by scanning ahead, so unclosed brackets cost the square of
# their number (`[` x 20,000: 4.5 s; `![` and `[^` are worse). A paragraph that would make it scan further
# than this (about 0.1 s) is read as plain text too.
MAX_BRACKET_SCAN = 200_000
_BRACKETS = re.compile(r"[\[\]]")


@lru_cache(maxsize=1)
def markdown_parser() -> MarkdownIt:
    """The one MarkdownIt configuration used everywhere (CommonMark + tables, strikethrough, footnotes)."""
    md = MarkdownIt("commonmark", {"html": True, "maxNesting": MAX_NESTING})
    md.enable(["table", "strikethrough"])
    md.use(front_matter_plugin).use(footnote_plugin)
    first = md.block.ruler.get_all_rules()[0]
    md.block.ruler.before(first, "flatten_deep", _flatten_deep)
    md.core.ruler.at("inline", _inline_or_plain)
    md.normalizeLink = _normalize_link  # type: ignore[method-assign]
    return md


# An http(s) address with a lower-case host and a path of unreserved characters, which markdown-it's normalizeLink
# returns as it is (it parses, punycodes and percent-encodes every link target: a tenth of the tokenising time).
_PLAIN_URL = re.compile(r"https?://[a-z0-9.\-]+(?:/[A-Za-z0-9\-._~/]*)?")


def _normalize_link(url: str) -> str:
    """markdown-it's normalizeLink, without its work on a plain address."""
    return url if _PLAIN_URL.fullmatch(url) else normalize_url.normalizeLink(url)


def _flatten_deep(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """At FLATTEN_LEVEL, the lines up to the next blank line or the container's end as one plain paragraph."""
    if state.level < FLATTEN_LEVEL:
        return False
    if silent:
        return True
    line = start + 1
    # A line less indented than this container belongs to an outer one; sCount < 0 marks a lazy line
    # inside a block quote, which is still part of this paragraph.
    while line < end and not state.isEmpty(line) and not 0 <= state.sCount[line] < state.blkIndent:
        line += 1
    state.line = line
    token = state.push("paragraph_open", "p", 1)
    token.map = [start, line]
    token.meta = {"flattened": True}
    token = state.push("inline", "", 0)
    token.content = state.getLines(start, line, state.blkIndent, False).strip()
    token.map = [start, line]
    token.children = []
    state.push("paragraph_close", "p", -1)
    return True


def _inline_or_plain(state: StateCore) -> None:
    """markdown-it's inline stage, except that a run too long or with too many unclosed brackets becomes plain
    text and line breaks (its token's meta says why, under "plain")."""
    for token in state.tokens:
        if token.type != "inline":
            continue
        if token.children is None:
            token.children = []
        why = _too_costly(token.content)
        if why is None:
            state.md.inline.parse(token.content, state.md, state.env, token.children)
            continue
        token.meta = {**(token.meta or {}), "plain": why}
        for i, piece in enumerate(token.content.split("\n")):
            if i:
                token.children.append(Token("softbreak", "br", 0))
            if piece:
                token.children.append(Token("text", "", 0, content=piece))


def _too_costly(text: str) -> tuple[str, str, str] | None:
    """What a warning says when markdown-it's inline parser would take too long over a run (what was done, why
    or what it costs, and the fix), or None."""
    if len(text) > MAX_INLINE_CHARS:
        limit = f"Markdown is read in paragraphs up to {MAX_INLINE_CHARS:,} characters; bare URLs still count"
        return f"a paragraph of {len(text):,} characters was read as plain text", limit, "split it with blank lines"
    if text.count("[") * len(text) <= MAX_BRACKET_SCAN:
        return None  # the scan below could not reach the limit
    opened: list[int] = []
    scan = 0  # for every `[`, the distance to the `]` that closes it, or to the end when none does
    for m in _BRACKETS.finditer(text):
        if m[0] == "[":
            opened.append(m.start())
        elif opened:
            scan += m.start() - opened.pop()
    scan += sum(len(text) - at for at in opened)
    if scan <= MAX_BRACKET_SCAN:
        return None
    what = f"with {len(opened):,} '[' that never close" if opened else "with brackets nested too deep"
    cost = "its links and bold are not read; bare URLs still count"
    return f"a paragraph {what} was read as plain text", cost, "write a literal bracket as \\["


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
    # What was read in a degraded way: (line, what), e.g. (12, 'lists nested deeper than 20 levels were read
    # flattened'); each kind once, at its first place, counting the others.
    degraded: list[tuple[int, str]] = field(default_factory=list)

    @property
    def warnings(self) -> list[str]:
        """What was read in a degraded way, one line each naming the place: 'x.md:12: … were read flattened'."""
        return [f"{self.path}:{line}: {what}" for line, what in self.degraded]

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
    # Open links and bold runs: (url,) offset in the text, and index of the next piece in `text`, so that a
    # label is joined from its own pieces, never from the whole run so far (that made long paragraphs quadratic).
    link_stack: list[tuple[str, int, int]] = []
    strong_stack: list[tuple[int, int]] = []
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
            link_stack.append((str(child.attrs.get("href", "")), pos, len(text)))
        elif kind == "link_close" and link_stack:
            url, start, piece = link_stack.pop()
            label = "".join(text[piece:])
            out.links.append(Link(label, url, out.line + len(out.line_starts) - 1, False, start, pos))
        elif kind == "image":
            alt = child.content
            url = str(child.attrs.get("src", ""))
            out.links.append(Link(alt, url, out.line + len(out.line_starts) - 1, True, pos, pos))
        elif kind == "strong_open":
            strong_stack.append((pos, len(text)))
        elif kind == "strong_close" and strong_stack:
            start, piece = strong_stack.pop()
            out.strong.append("".join(text[piece:]))
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
                link_stack.append((href[1], pos, len(text)))
            elif tag == "</a>" and link_stack:
                url, start, piece = link_stack.pop()
                label = "".join(text[piece:])
                out.links.append(Link(label, url, out.line + len(out.line_starts) - 1, False, start, pos))
            elif tag in ("<b>", "<strong>"):
                strong_stack.append((pos, len(text)))
            elif tag in ("</b>", "</strong>") and strong_stack:
                start, piece = strong_stack.pop()
                out.strong.append("".join(text[piece:]))
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
    # What was read flattened or as plain text (the first paragraph's reason stands for the rest) → where.
    degraded: dict[str, tuple[tuple[str, str, str], list[int]]] = {}

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
        elif t == "paragraph_open" and tok.meta.get("flattened"):
            what = _flattened_what(depth, len(quotes))
            degraded.setdefault(what, ((what, "", "nest them less deeply"), []))[1].append(
                tok.map[0] + 1 if tok.map else 0
            )
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
            if tok.meta.get("plain"):
                degraded.setdefault("plain", (tok.meta["plain"], []))[1].append(tok.map[0] + 1 if tok.map else 0)
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
    notices = []
    for (what, why, fix), where in degraded.values():
        more = f" here and in {len(where) - 1} more place{'s' if len(where) > 2 else ''}" if len(where) > 1 else ""
        notices.append((where[0], f"{what}{more}" + (f" ({why})" if why else "") + f"; {fix}"))
    return Document(path, lines, blocks, front, front_error, bibtex, notices)


def _flattened_what(lists: int, quotes: int) -> str:
    """What a flattened paragraph was nested in, for its warning."""
    if not quotes:
        return f"lists nested deeper than {MAX_LIST_DEPTH} levels were read flattened"
    if not lists:
        return f"block quotes nested deeper than {FLATTEN_LEVEL - 1} levels were read flattened"
    deep = f"{lists + quotes} levels deep ({lists} lists, {quotes} quotes)"
    return f"lists and block quotes nested {deep} were read flattened"
