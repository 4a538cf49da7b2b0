"""Lint rules about links and URLs: arXiv ids and links, link targets that do not render or resolve, full-width
punctuation glued to a bare URL."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

from vlmnotes.lint.document import LintDocument
from vlmnotes.lint.registry import Edit, Finding, Fix, rule
from vlmnotes.parse.fields import _URL_ID as ARXIV_URL
from vlmnotes.parse.fields import arxiv_id_from_url, raw_arxiv_id, valid_arxiv_id
from vlmnotes.parse.markdown import Link


def replacing(code: str, message: str, line: int, start: int, end: int, text: str) -> Finding:
    """A finding on columns [start, end) of a line (0-based) whose fix writes `text` there."""
    return Finding(code, message, line, start + 1, end_column=end + 1, fix=Fix((Edit(line, start, end, text),)))


def links_of(doc: LintDocument) -> Iterator[Link]:
    """Every link and image of the document, in its blocks and table cells (found once a note)."""
    if "links" not in doc.shared:
        found: list[Link] = []
        for block in doc.doc.blocks:
            for sub in block.walk():
                found += sub.inline.links
                for cell in sub.cells:
                    found += cell.links
        doc.shared["links"] = found
    return iter(doc.shared["links"])


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
    """An arXiv link to the PDF or HTML page, over http or through www., where the abstract page serves readers best.

    A version in the link is kept (`/pdf/2301.12597v1` → `/abs/2301.12597v1`): it pins what was read. A link with
    a query or a `#fragment` after the id (`…/pdf/2301.12597#page=5`) gets an unsafe fix, which drops it.

    Bad:  [BLIP-2](http://arxiv.org/pdf/2301.12597v2.pdf)
    Good: [BLIP-2](https://arxiv.org/abs/2301.12597v2)
    """
    cursor: dict[tuple[int, str], int] = {}  # where to look for the next copy of a URL on its line
    for link in links_of(doc):
        url = link.url
        if link.image or ("arxiv" not in url and "arxiv" not in url.lower()) or _CANONICAL_URL.fullmatch(url):
            continue  # no arXiv link, or one as it should be (the common case, checked first)
        # The parser's reading of an arXiv URL: the id (None when it cannot exist: VN102) and the version.
        m = ARXIV_URL.match(link.url.strip())
        arxiv = arxiv_id_from_url(m[0]) if m else None
        if m is None or arxiv is None:
            continue
        canonical = f"https://arxiv.org/abs/{arxiv}{m['ver'] or ''}"
        rest = link.url.strip()[m.end() :]
        if m[0] == canonical and rest in ("", "/"):
            continue
        raw = doc.line(link.line)
        start = cursor.get((link.line, link.url), 0)
        at, text_at = _target_at(raw, link, start)
        if at >= 0:
            cursor[(link.line, link.url)] = at + len(link.url)
        edits = [Edit(link.line, at, at + len(link.url), canonical)] if at >= 0 else []
        if text_at >= 0:  # [https://arxiv.org/pdf/…](https://arxiv.org/pdf/…): the text shows the URL, keep them one
            edits.insert(0, Edit(link.line, text_at, text_at + len(link.url), canonical))
        dropped = rest.strip("/")
        fix = Fix(tuple(edits), safe=not dropped) if edits else None
        also = f"; this drops '{dropped}'" if dropped else ""
        col = at + 1 if at >= 0 else 1
        yield Finding(
            "VN103",
            f"write the arXiv link as {canonical}{also}",
            link.line,
            col,
            end_column=col + len(link.url),
            fix=fix,
        )


_CANONICAL_URL = re.compile(r"https://arxiv\.org/abs/(?:\d{4}\.\d{4,5}|[a-z\-]+/\d{7})(?:v\d+)?/?")


def _target_at(raw: str, link: Link, start: int) -> tuple[int, int]:
    """Where a link's URL is written on its line, at or after `start`: the target of `[text](url)` or `<url>`, or
    a bare URL; and where its text is written too when the text is that same URL (else -1)."""
    url = link.url
    for opener in ("](", "<", ""):
        at = raw.find(opener + url, max(0, start - len(opener)))
        if at >= 0:
            at += len(opener)
            break
    if at < 0 or link.text != url or opener != "](":
        return at, -1
    text_at = raw.rfind("[" + url + "]", 0, at)
    return at, (text_at + 1 if text_at >= 0 else -1)


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
        if "](" not in masked:
            continue  # no link target starts on this line
        for start, end in _unparsed_link_targets(masked):
            target = masked[start:end].strip()
            if target.startswith(("'", '"')) or re.fullmatch(r"\S+\s+([\"'(]).*[\"')]", target):
                continue  # [x](url "title"): a link with a title, which markdown-it reads as a link
            if not target or (number, target.split()[0]) in parsed:
                continue
            if "{{" in target or "{%" in target:
                continue  # '{{ site.baseurl }}/x.png': a template fills it in before Markdown is read
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

    A path from the site's root (`/images/x.png`) or one a template fills in (`{{ site.baseurl }}/x.png`) is the
    site's to resolve and is not checked.

    Bad:  ![overview](figs/missing.png)
    Good: ![overview](figs/overview.png)
    """
    base = Path(doc.path).parent
    for link in links_of(doc):
        url = link.url.strip()
        if not url or re.match(r"^[a-z][a-z0-9+.\-]*:", url, re.I) or url.startswith(("#", "/", "<")):
            continue  # '/image/x.png' is a path on the site the note is published to, not on this disk
        if "{{" in url or "{%" in url or "%7B%7B" in url or "%7B%25" in url:
            continue  # '{{ site.baseurl }}/x.png': a template fills it in
        target = unquote(url.split("#")[0].split("?")[0])
        if not target or (base / target).exists():
            continue
        at, written = _written_target(doc.line(link.line), url)
        col = at + 1 if at >= 0 else doc.column_of(link.line, url)
        yield Finding("VN105", f"link target '{written}' does not exist", link.line, col, end_column=col + len(written))


# A link's target as written after `](`: `<…>` or a run without spaces (balanced parentheses allowed).
_WRITTEN_TARGET = re.compile(r"\]\(\s*(<[^<>\n]*>|(?:[^\s()]|\([^\s()]*\))+)")


def _written_target(raw: str, url: str) -> tuple[int, str]:
    """Where `url` (as markdown-it gives it: percent-encoded, `<>` taken off) is written on its line, and how.

    Returns (0-based column, text as written); (-1, the decoded URL) when the line does not hold it (a reference
    link, whose target is on its definition's line)."""
    wanted = unquote(url)
    for m in _WRITTEN_TARGET.finditer(raw):
        written = m[1][1:-1] if m[1].startswith("<") else m[1]
        if written == url or unquote(written) == wanted:
            return m.start(1) + (m[1] != written), written
    return -1, unquote(url.split("#")[0].split("?")[0])


# A link's `(…)` closed, or opened and closed, with full-width parentheses: `[text](url）`, `[text]（url）`. A target
# runs to a space or bracket, so each stretch of a line is read once whatever the number of `](` on it.
_FULLWIDTH_CLOSE = re.compile(
    r"\]\((?P<half>[^()\s（）\[\]]+)）|\]（(?P<full>(?:https?://|www\.|\.{0,2}/)[^()\s（）\[\]]+)）"
)


@rule("VN107", "fullwidth-link-paren", fixable=True)
def fullwidth_link_paren(doc: LintDocument) -> Iterator[Finding]:
    """A link closed with a full-width `）`, or written `[text]（url）`, is no link: brackets and URL show as text.

    The fix writes the ASCII `)`; where a `（` before the link is still open, the `）` is taken to close it and the
    `)` goes before it.

    Bad:  BLIP-2 [论文](https://arxiv.org/abs/2301.12597）提出了 Q-Former
    Good: BLIP-2 [论文](https://arxiv.org/abs/2301.12597)提出了 Q-Former
    """
    for number, _raw, masked in doc.prose_lines():
        if "）" not in masked or "]" not in masked:
            continue
        for m in _FULLWIDTH_CLOSE.finditer(masked):
            bracket = masked.rfind("[", 0, m.start())
            if bracket < 0:
                continue
            close = m.end() - 1
            tail = masked[m.end() :].split(maxsplit=1)[0] if masked[m.end() :].strip() else ""
            if m["half"] and not masked[m.end() : m.end() + 1].isspace() and ")" in tail:
                continue  # `(https://zh.wikipedia.org/wiki/A（B）C)`: a `）` inside a target that `)` closes
            edits: tuple[Edit, ...]
            if m["full"]:
                edits = (Edit(number, m.start() + 1, m.start() + 2, "("), Edit(number, close, close + 1, ")"))
                message = "link written with full-width parentheses '（…）' is no link; write them as '(…)'"
            elif masked.count("（", 0, bracket) > masked.count("）", 0, bracket):
                edits = (Edit(number, close, close, ")"),)
                message = "link closed with a full-width '）' is no link; write ')' before it"
            else:
                edits = (Edit(number, close, close + 1, ")"),)
                message = "link closed with a full-width '）' is no link; write ')'"
            yield Finding("VN107", message, number, close + 1, fix=Fix(edits))


_EMPTY_TEXT = re.compile(r"(?<!!)\[\s*\]\(")
_SIMPLE_TARGET = re.compile(r"(?P<url>[^()\s]*)\)")


@rule("VN108", "empty-link-text", fixable=True)
def empty_link_text(doc: LintDocument) -> Iterator[Finding]:
    """A link with no text, `[](url)`, shows nothing at all: the reader never sees it.

    Write its text between the brackets; the unsafe fix writes a web address as `<url>`, which shows the address.

    Bad:  代码见 [](https://github.com/salesforce/LAVIS)
    Good: 代码见 [LAVIS](https://github.com/salesforce/LAVIS)
    """
    candidates = [(n, masked) for n, _raw, masked in doc.prose_lines() if "]" in masked and _EMPTY_TEXT.search(masked)]
    if not candidates:
        return
    empty: dict[int, int] = {}  # line → links markdown-it read with no text there
    for link in links_of(doc):
        if not link.image and not link.text.strip():
            empty[link.line] = empty.get(link.line, 0) + 1
    for number, masked in candidates:
        if number not in empty:
            continue
        for m in list(_EMPTY_TEXT.finditer(masked))[: empty[number]]:
            target = _SIMPLE_TARGET.match(masked, m.end())
            url = target["url"] if target else ""
            fix = None
            if target and re.match(r"https?://", url, re.I):
                fix = Fix((Edit(number, m.start(), target.end(), f"<{url}>"),), safe=False)
            what = (
                f"; write its text between the brackets, or the address as <{url}>"
                if fix
                else ("; write its text between the brackets" if url else " and no target; fill it in or remove it")
            )
            yield Finding("VN108", f"link has no text, so it shows nothing{what}", number, m.start() + 1,
                          end_column=(target.end() if target else m.end()) + 1, fix=fix)  # fmt: skip


_URL_CHARS = r"[A-Za-z0-9\-._~:/?#@!$&'*+,;=%]"
_OPENERS = "（【「『《“"
_GLUE = "，。）；：！？、】」』》" + _OPENERS
# Not a link target: `](url`, `<url`, `[url`, and `]（url` (VN107's).
_GLUED_URL = re.compile(rf"(?<![(<\[])(?<!\]（)(https?://{_URL_CHARS}+)([{_GLUE}])")
# A URL ends where its characters do: the pattern above is tried only on a run of them that ends in a glued
# full-width mark (tried from every `http` in a run that does not, it took the square of the run's length). A run
# is tried from its first character only: from one inside it, it would fail just as the whole run did.
_URL_RUN = re.compile(rf"(?<!{_URL_CHARS}){_URL_CHARS}+(?=[{_GLUE}])")


@rule("VN601", "fullwidth-punct-in-url", fixable=True)
def fullwidth_punct_in_url(doc: LintDocument) -> Iterator[Finding]:
    """A full-width `，` or `）` right after a bare URL is pulled into the link on GitHub; after an opening `（`,
    `【`, `「`, `『`, `《` or `“` the text that follows goes into the link too.

    Bad:  代码在 https://github.com/salesforce/LAVIS，可以直接用
    Good: 代码在 <https://github.com/salesforce/LAVIS>，可以直接用
    Bad:  见 https://arxiv.org/abs/2301.12597（BLIP-2）
    Good: 见 <https://arxiv.org/abs/2301.12597>（BLIP-2）
    """
    for number, _raw, masked in doc.prose_lines():
        if "://" not in masked:
            continue  # no URL, nothing glued to one
        for run in _URL_RUN.finditer(masked):
            m = _GLUED_URL.search(masked, run.start(), run.end() + 1)
            if m is None:
                continue
            url = m[1]
            what = ", which takes it and the text after it into" if m[2] in _OPENERS else " and becomes part of"
            yield Finding(
                "VN601",
                f"'{m[2]}' is glued to the URL{what} the link; write <{url}>",
                number,
                m.start(1) + 1,
                end_column=m.end(2) + 1,
                fix=Fix((Edit(number, m.start(1), m.end(1), f"<{url}>"),)),
            )
