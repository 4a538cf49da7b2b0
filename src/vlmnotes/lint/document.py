"""A note file as the lint rules see it: raw lines, markdown-it tokens, the block tree, the paper entries
the parser recognises, which lines are code, and the suppression comments in it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from markdown_it.token import Token

from vlmnotes.parse import NoteText
from vlmnotes.parse.entry import Candidate
from vlmnotes.parse.markdown import Document, markdown_parser, parse_document
from vlmnotes.parse.styles import extract
from vlmnotes.vocab import Vocabulary

_SUPPRESS = re.compile(r"<!--\s*vlmnotes-(disable-next-line|disable-file|disable|enable)\b([^>]*?)-->")


_TICKS = re.compile(r"`+")


def _strip_code_spans(raw: str) -> str:
    """A line with `code spans` blanked out (same length), so nothing inside them is taken for markup.

    A span closes at the next run of as many backticks; a run that nothing closes is literal. One pass: a regex
    that looks ahead for the closing run from every opening one takes the square of the line's length."""
    if "`" not in raw:
        return raw
    runs = [(m.start(), m.end()) for m in _TICKS.finditer(raw)]
    closer: list[int | None] = [None] * len(runs)
    seen: dict[int, int] = {}  # run length → index of the next run of that length
    for i in range(len(runs) - 1, -1, -1):
        size = runs[i][1] - runs[i][0]
        closer[i] = seen.get(size)
        seen[size] = i
    out: list[str] = []
    done = 0
    i = 0
    while i < len(runs):
        j = closer[i]
        if j is None:
            i += 1
            continue
        start, end = runs[i][0], runs[j][1]
        out += [raw[done:start], " " * (end - start)]
        done = end
        i = j + 1
    return "".join(out) + raw[done:]


def _strip_comments(raw: str) -> str:
    """A line with its <!-- HTML comments --> blanked out (same length), found in one pass."""
    out: list[str] = []
    done = 0
    while (start := raw.find("<!--", done)) >= 0 and (end := raw.find("-->", start + 4)) >= 0:
        out += [raw[done:start], " " * (end + 3 - start)]
        done = end + 3
    return "".join(out) + raw[done:]


def _strip_math(raw: str, display: bool) -> tuple[str, bool]:
    """A line with its math blanked out (same length) and whether a `$$` display block is still open after it.

    Math is `$…$` (a `$` before a non-space, a closing `$` after a non-space and before no digit, so '$5 and $10'
    is prose), `$$…$$` (over lines too) and `\\(…\\)` or `\\\\(…\\\\)` (KaTeX in blog posts): GitHub and blog
    renderers typeset it, so `^{**}` in it is no bold and `<x>` no tag. Each delimiter is searched for once from
    where the last search ended, so a line of unclosed ones costs no more than one pass."""
    if not display and "$" not in raw and "\\(" not in raw:
        return raw, False
    out: list[str] = []
    done = 0
    if display:
        end = raw.find("$$")
        if end < 0:
            return " " * len(raw), True
        out.append(" " * (end + 2))
        done = end + 2
    at = done
    dollar = paren = closer = -2  # next `$`, next `\\(`, next `\\)` at or after where each was last sought
    while True:
        if dollar != -1 and dollar < at:
            dollar = raw.find("$", at)
        if paren != -1 and paren < at:
            paren = raw.find("\\(", at)
        if dollar < 0 and paren < 0:
            break
        if paren >= 0 and (dollar < 0 or paren < dollar):
            if closer != -1 and closer < paren + 2:
                closer = raw.find("\\)", paren + 2)
            if closer < 0:
                paren = -1  # nothing closes this one or any after it
                continue
            start = paren - 1 if paren > 0 and raw[paren - 1] == "\\" else paren  # a blog's `\\\\(`
            end = closer + 2
        elif raw.startswith("$$", dollar):
            start, close = dollar, raw.find("$$", dollar + 2)
            if close < 0:
                out += [raw[done:start], " " * (len(raw) - start)]
                return "".join(out), True
            end = close + 2
        else:
            start, close = dollar, raw.find("$", dollar + 1)
            opens = (
                not raw[dollar + 1 : dollar + 2].isspace()
                and raw[dollar + 1 : dollar + 2] != ""
                and not (dollar > 0 and raw[dollar - 1] == "\\")
            )
            if not opens or close < 0 or raw[close - 1].isspace() or raw[close + 1 : close + 2].isdigit():
                at = dollar + 1  # a literal dollar ('$5'): the next one may open math
                continue
            end = close + 1
        out += [raw[done:start], " " * (end - start)]
        done = at = end
    return "".join(out) + raw[done:], False


@dataclass
class Suppression:
    """One `<!-- vlmnotes-disable… -->` comment."""

    kind: str
    codes: tuple[str, ...]  # empty: every rule
    line: int
    column: int
    end: int = 0  # 0-based end offset of the comment on its line
    used: bool = False

    def covers(self, code: str) -> bool:
        return not self.codes or any(code.startswith(c) for c in self.codes)


@dataclass
class TextRun:
    """A piece of inline content outside code: its text, the line it starts on, and its token type."""

    line: int
    text: str
    kind: str  # text | html_inline | code_inline


@dataclass
class LintDocument:
    """Everything the rules need about one note file."""

    path: str  # as shown in findings
    text: str
    vocab: Vocabulary
    note: NoteText | None = None  # encoding and line ends of the file, for writing fixes back
    arxiv: dict[str, Any] = field(default_factory=dict)  # what `vlmnotes enrich` fetched, by arXiv id
    lines: list[str] = field(init=False)
    tokens: list[Token] = field(init=False)
    shared: dict[str, Any] = field(default_factory=dict, init=False)  # what several rules work out once

    def __post_init__(self) -> None:
        self.lines = self.text.split("\n")
        self.tokens = markdown_parser().parse(self.text)

    @cached_property
    def doc(self) -> Document:
        """The block tree the parser works on."""
        return parse_document(self.path, self.text, self.tokens)

    @cached_property
    def entries(self) -> list[Candidate]:
        """The paper entries the parser recognises in this file."""
        return extract(self.doc, self.vocab, light=True)

    @cached_property
    def papers(self) -> dict[str, int]:
        """arXiv id → line of the first entry of that paper in this file (passing mentions left out), in the order
        of the lines: what VN106 compares across files."""
        out: dict[str, int] = {}
        for entry in sorted(self.entries, key=lambda e: e.line):
            if entry.arxiv_id and not entry.passing:
                out.setdefault(entry.arxiv_id, entry.line)
        return out

    def __getstate__(self) -> dict[str, Any]:
        """What lint's parent process needs of a file a worker process has checked: the cross-file rules' inputs
        (papers, suppressions with what they were used for) and the lines the findings point into. Not the text,
        tokens, block tree, entries or vocabulary: sending them costs more than reading the file again."""
        return {"path": self.path, "lines": self.lines, "papers": self.papers, "suppressions": self.suppressions}

    @cached_property
    def code_lines(self) -> set[int]:
        """1-based lines inside code fences, indented code, HTML blocks and front matter."""
        out: set[int] = set()
        for tok in self.tokens:
            if tok.type in ("fence", "code_block", "html_block", "front_matter") and tok.map:
                out.update(range(tok.map[0] + 1, tok.map[1] + 1))
        return out

    def line(self, number: int) -> str:
        """The raw text of a 1-based line ('' past the end)."""
        return self.lines[number - 1] if 0 < number <= len(self.lines) else ""

    def runs(self, kind: str = "") -> Iterator[TextRun]:
        """Inline text, inline HTML and code spans (only those of `kind` when given: text, html_inline or
        code_inline), each with the line it sits on; found once a note."""
        key = f"runs:{kind}"
        if key not in self.shared:
            self.shared[key] = list(self._find_runs(kind))
        found: list[TextRun] = self.shared[key]
        return iter(found)

    def _find_runs(self, kind: str) -> Iterator[TextRun]:
        kinds = (kind,) if kind else ("text", "html_inline", "code_inline")
        for tok in self.tokens:
            if tok.type != "inline" or not tok.map or tok.meta.get("plain"):
                continue  # a paragraph read as plain text has no markup to check (VN504 says so)
            if kind == "html_inline" and "<" not in tok.content:
                continue  # inline HTML starts at a '<' the note writes
            line = tok.map[0] + 1
            for child in tok.children or []:
                if child.type in ("softbreak", "hardbreak"):
                    line += 1
                elif child.type in kinds:
                    yield TextRun(line, child.content, child.type)
                    line += child.content.count("\n")
                elif child.type in ("text", "html_inline", "code_inline"):
                    line += child.content.count("\n")

    @cached_property
    def masked_lines(self) -> list[str | None]:
        """Every line with its code spans, HTML comments (one that runs over lines too) and math blanked out, the
        same length as the raw line; None for a line in a code block, an HTML block or the front matter. Worked
        out once: every rule that reads prose uses it."""
        out: list[str | None] = []
        code = self.code_lines
        comment = display = False
        for number, raw in enumerate(self.lines, 1):
            if number in code or not raw.strip():
                # A blank line ends a paragraph, and with it any comment or math left open in it.
                out.append(None if number in code else raw)
                comment = display = False
                continue
            line = _strip_code_spans(raw)
            if comment:  # inside a comment opened on a line above
                end = line.find("-->")
                if end < 0:
                    out.append(" " * len(raw))
                    continue
                line = " " * (end + 3) + line[end + 3 :]
                comment = False
            line = _strip_comments(line)
            opened = line.find("<!--")
            if opened >= 0:
                line, comment = line[:opened] + " " * (len(line) - opened), True
            line, display = _strip_math(line, display)
            out.append(line)
        return out

    def prose_lines(self) -> Iterator[tuple[int, str, str]]:
        """(line, raw line, the line with its code spans, HTML comments and math blanked out) for every line
        outside code blocks: offsets in the masked line are those of the raw line, so a fix can edit it directly."""
        return iter(self._prose)

    @cached_property
    def _prose(self) -> list[tuple[int, str, str]]:
        return [
            (number, raw, masked)
            for number, (raw, masked) in enumerate(zip(self.lines, self.masked_lines, strict=True), 1)
            if masked is not None
        ]

    def masked(self, number: int) -> str:
        """The masked text of a 1-based line ('' in code or past the end): see masked_lines."""
        return (self.masked_lines[number - 1] or "") if 0 < number <= len(self.lines) else ""

    def text_matches(self, pattern: re.Pattern[str]) -> Iterator[tuple[int, str, re.Match[str]]]:
        """Matches of a pattern in prose only (not code, not HTML), as (line, raw line, match on the raw line).

        The pattern must not look far ahead from where it starts (a regex that can scan to the end of the line
        from every start takes the square of the line's length; see prose_lines for those)."""
        for number, raw, masked in self.prose_lines():
            for m in pattern.finditer(masked):
                yield number, raw, m

    def column_of(self, line: int, needle: str, start: int = 0) -> int:
        """1-based column of `needle` on a line (1 when not found)."""
        at = self.line(line).find(needle, start)
        return at + 1 if at >= 0 else 1

    @cached_property
    def suppressions(self) -> list[Suppression]:
        """Every suppression comment in the file, in order."""
        # Only real HTML comments count: one shown in a code span or a code block suppresses nothing.
        comment_lines: set[int] = set()
        for tok in self.tokens:
            if tok.type == "html_block" and tok.map and "<!--" in tok.content:
                comment_lines.update(range(tok.map[0] + 1, tok.map[1] + 1))
        for run in self.runs("html_inline"):
            if run.text.startswith("<!--"):
                comment_lines.add(run.line)
        out = []
        for i, raw in enumerate(self.lines, 1):
            if i not in comment_lines:
                continue
            line = _strip_code_spans(raw)
            done = 0  # each comment is matched on its own: a search from every '<!--' to a far '-->' is quadratic
            while (start := line.find("<!--", done)) >= 0 and (end := line.find("-->", start + 4)) >= 0:
                done = end + 3
                m = _SUPPRESS.match(line, start, done)
                if m:
                    codes = tuple(c for c in re.split(r"[\s,]+", m[2].strip()) if c)
                    out.append(Suppression(m[1], codes, i, m.start() + 1, m.end()))
        return out

    def suppressed(self, code: str, line: int) -> bool:
        """True when a comment turns `code` off at `line` (and marks that comment used)."""
        active: Suppression | None = None
        for s in self.suppressions:
            if not s.covers(code):
                continue
            if s.kind == "disable-file" or (s.kind == "disable-next-line" and s.line + 1 == line):
                s.used = True
                return True
            if s.line < line and s.kind == "disable":
                active = s
            elif s.line < line and s.kind == "enable":
                active = None
        if active is not None:
            active.used = True
            return True
        return False
