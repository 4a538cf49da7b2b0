"""Lint rules about links and URLs: arXiv ids and links, link targets that do not render or resolve, full-width
punctuation glued to a bare URL."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

from vlmnotes.lint.document import LintDocument
from vlmnotes.lint.registry import Edit, Finding, Fix, rule
from vlmnotes.parse.fields import arxiv_id_from_url, raw_arxiv_id, valid_arxiv_id
from vlmnotes.parse.markdown import Link


def replacing(code: str, message: str, line: int, start: int, end: int, text: str) -> Finding:
    """A finding on columns [start, end) of a line (0-based) whose fix writes `text` there."""
    return Finding(code, message, line, start + 1, end_column=end + 1, fix=Fix((Edit(line, start, end, text),)))


def links_of(doc: LintDocument) -> Iterator[Link]:
    """Every link and image of the document, in its blocks and table cells."""
    for block in doc.doc.blocks:
        for sub in block.walk():
            yield from sub.inline.links
            for cell in sub.cells:
                yield from cell.links


@rule("VN102", "malformed-arxiv-id", "error")
def malformed_arxiv_id(doc: LintDocument) -> Iterator[Finding]:
    """An arxiv.org link whose id cannot exist (a month of 13, too few or too many digits).

    Bad:  [CLIP](https://arxiv.org/abs/2103.0002)
    Good: [CLIP](https://arxiv.org/abs/2103.00020)
    """
    for link in links_of(doc):
        raw = raw_arxiv_id(link.url)
        if raw and not valid_arxiv_id(raw) and not link.image:
            col = doc.column_of(link.line, raw)
            yield Finding(
                "VN102",
                f"arXiv id '{raw}' cannot exist (YYMM.NNNNN with a month 01-12; 4 digits after the dot before 2015)",
                link.line,
                col,
                end_column=col + len(raw),
            )


@rule("VN103", "non-canonical-arxiv-url", "info", fixable=True)
def non_canonical_arxiv_url(doc: LintDocument) -> Iterator[Finding]:
    """An arXiv link to the PDF, over http, or to one version, where the abstract page serves readers best.

    Bad:  [BLIP-2](http://arxiv.org/pdf/2301.12597v2.pdf)
    Good: [BLIP-2](https://arxiv.org/abs/2301.12597)
    """
    for link in links_of(doc):
        arxiv = arxiv_id_from_url(link.url)
        if not arxiv or link.image or "arxiv.org" not in link.url.lower():
            continue
        canonical = f"https://arxiv.org/abs/{arxiv}"
        if link.url.rstrip("/") == canonical:
            continue
        raw = doc.line(link.line)
        at = raw.find(link.url)
        fix = Fix((Edit(link.line, at, at + len(link.url), canonical),)) if at >= 0 else None
        col = at + 1 if at >= 0 else 1
        yield Finding(
            "VN103", f"write the arXiv link as {canonical}", link.line, col, end_column=col + len(link.url), fix=fix
        )


def _unparsed_link_targets(line: str) -> Iterator[tuple[int, int]]:
    """(start, end) of every link target with a space on a line: `[text](target)` where the target runs to the
    first `)` and has a space before any `<` or `>`. One pass with forward pointers (a regex looking ahead
    for the `)` from every `[` took the square of the line's length: 19 s for `[a](` x 30,000)."""
    # The first `]`, `)`, space and `<`/`>` at or after where each was last sought: still the first at or
    # after any later place before them, so every stretch of the line is searched once.
    close = paren = space = angle = -1
    resume = 0  # after the last target found
    for bracket in _OPEN_BRACKET.finditer(line):
        at = bracket.start()
        if at < resume:
            continue
        if close <= at:
            close = _find(line, "]", at + 1)
        if line[close + 1 : close + 2] != "(":
            continue
        start = close + 2
        if paren < start:
            paren = _find(line, ")", start)
            if paren == len(line):
                return  # no `)` after here: no target can end on this line
        if space < start:
            space = _search(_SPACE, line, start)
        if angle < start:
            angle = _search(_ANGLE, line, start)
        if space < min(paren, angle):
            yield start, paren
            resume = paren + 1


def _find(line: str, needle: str, start: int) -> int:
    at = line.find(needle, start)
    return at if at >= 0 else len(line)


def _search(pattern: re.Pattern[str], line: str, start: int) -> int:
    m = pattern.search(line, start)
    return m.start() if m else len(line)


_OPEN_BRACKET = re.compile(r"\[")
_SPACE = re.compile(r"\s")
_ANGLE = re.compile(r"[<>]")


@rule("VN104", "link-target-space", fixable=True)
def link_target_space(doc: LintDocument) -> Iterator[Finding]:
    """A link target with a space is not a link at all: GitHub shows the brackets as plain text.

    Bad:  [详细信息](./My Note.md)
    Good: [详细信息](<./My Note.md>)
    """
    parsed = {(link.line, link.url) for link in links_of(doc) if link.text != link.url}  # not bare URLs
    for number, _raw, masked in doc.prose_lines():
        for start, end in _unparsed_link_targets(masked):
            target = masked[start:end].strip()
            if target.startswith(("'", '"')) or re.fullmatch(r"\S+\s+([\"'(]).*[\"')]", target):
                continue  # [x](url "title"): a link with a title, which markdown-it reads as a link
            if not target or (number, target.split()[0]) in parsed:
                continue
            yield Finding(
                "VN104",
                f"link target '{target}' has a space, so this is not a link; write it as <{target}>",
                number,
                start + 1,
                end_column=end + 1,
                fix=Fix((Edit(number, start, end, f"<{target}>"),)),
            )


@rule("VN105", "broken-relative-link")
def broken_relative_link(doc: LintDocument) -> Iterator[Finding]:
    """A relative link or image whose target file does not exist.

    Bad:  ![overview](figs/missing.png)
    Good: ![overview](figs/overview.png)
    """
    base = Path(doc.path).parent
    for link in links_of(doc):
        url = link.url.strip()
        if not url or re.match(r"^[a-z][a-z0-9+.\-]*:", url, re.I) or url.startswith(("#", "//", "<")):
            continue
        target = unquote(url.split("#")[0].split("?")[0])
        if not target or (base / target).exists():
            continue
        col = doc.column_of(link.line, url)
        yield Finding("VN105", f"link target '{target}' does not exist", link.line, col, end_column=col + len(url))


_URL_CHARS = r"[A-Za-z0-9\-._~:/?#@!$&'*+,;=%]"
_GLUE = "，。）；：！？、】」』》"
_GLUED_URL = re.compile(rf"(?<![(<\[])(https?://{_URL_CHARS}+)([{_GLUE}])")
# A URL ends where its characters do: the pattern above is tried only on a run of them that ends in a glued
# full-width mark (tried from every `http` in a run that does not, it took the square of the run's length).
_URL_RUN = re.compile(rf"{_URL_CHARS}+(?=[{_GLUE}])")


@rule("VN601", "fullwidth-punct-in-url", fixable=True)
def fullwidth_punct_in_url(doc: LintDocument) -> Iterator[Finding]:
    """A full-width `，` or `）` right after a bare URL is pulled into the link on GitHub.

    Bad:  代码在 https://github.com/salesforce/LAVIS，可以直接用
    Good: 代码在 <https://github.com/salesforce/LAVIS>，可以直接用
    """
    for number, _raw, masked in doc.prose_lines():
        for run in _URL_RUN.finditer(masked):
            m = _GLUED_URL.search(masked, run.start(), run.end() + 1)
            if m is None:
                continue
            url = m[1]
            yield Finding(
                "VN601",
                f"'{m[2]}' is glued to the URL and becomes part of the link; write <{url}>",
                number,
                m.start(1) + 1,
                end_column=m.end(2) + 1,
                fix=Fix((Edit(number, m.start(1), m.end(1), f"<{url}>"),)),
            )
