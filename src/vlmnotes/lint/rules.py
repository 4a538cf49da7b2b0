"""The lint rules. Each docstring's first line is its summary; `Bad:` and `Good:` lines are its examples."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterator
from difflib import get_close_matches
from pathlib import Path
from urllib.parse import unquote

from vlmnotes.lint.document import LintDocument
from vlmnotes.lint.registry import Edit, Finding, Fix, rule
from vlmnotes.parse.entry import EXPLICIT, SECTION_LABELS
from vlmnotes.parse.fields import (
    arxiv_id_from_url,
    date_from_arxiv_id,
    find_date,
    norm_key,
    raw_arxiv_id,
    valid_arxiv_id,
)
from vlmnotes.parse.markdown import Link


def _replacing(code: str, message: str, line: int, start: int, end: int, text: str) -> Finding:
    """A finding on columns [start, end) of a line (0-based) whose fix writes `text` there."""
    return Finding(code, message, line, start + 1, end_column=end + 1, fix=Fix((Edit(line, start, end, text),)))


def _links(doc: LintDocument) -> Iterator[Link]:
    for block in doc.doc.blocks:
        for sub in block.walk():
            yield from sub.inline.links
            for cell in sub.cells:
                yield from cell.links


def _label(entry_name: str | None, title: str | None, where: str) -> str:
    return entry_name or (title[:40] + "…" if title and len(title) > 40 else title) or where


@rule("VN101", "missing-paper-link")
def missing_paper_link(doc: LintDocument) -> Iterator[Finding]:
    """An entry recognised as a paper has no link to the paper; unchecked `- [ ]` to-read items and well-known
    papers the catalogue names (`### CLIP`) are exempt.

    Bad:  ### 3. Align before Fuse: Vision and Language Representation Learning
    Good: ### 3. [Align before Fuse: Vision and Language Representation Learning](https://arxiv.org/abs/2107.07651)
    """
    from vlmnotes.catalogue import load_catalogue

    known = load_catalogue()
    for entry in doc.entries:
        if entry.passing or entry.status == "unread" or entry.arxiv_id:
            continue
        if entry.links.get("paper") or entry.links.get("pdf"):
            continue
        if any(known.lookup(n) for n in [entry.name, *entry.aliases] if n):
            continue  # '### 1. CLIP': a well-known paper the knowledge base finds without a link
        name = _label(entry.name, entry.title, entry.where)
        yield Finding("VN101", f"'{name}' has no paper link; add its arXiv or proceedings URL", entry.line)


@rule("VN102", "malformed-arxiv-id", "error")
def malformed_arxiv_id(doc: LintDocument) -> Iterator[Finding]:
    """An arxiv.org link whose id cannot exist (a month of 13, too few or too many digits).

    Bad:  [CLIP](https://arxiv.org/abs/2103.0002)
    Good: [CLIP](https://arxiv.org/abs/2103.00020)
    """
    for link in _links(doc):
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
    for link in _links(doc):
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
    parsed = {(link.line, link.url) for link in _links(doc) if link.text != link.url}  # not bare URLs
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
    for link in _links(doc):
        url = link.url.strip()
        if not url or re.match(r"^[a-z][a-z0-9+.\-]*:", url, re.I) or url.startswith(("#", "//", "<")):
            continue
        target = unquote(url.split("#")[0].split("?")[0])
        if not target or (base / target).exists():
            continue
        col = doc.column_of(link.line, url)
        yield Finding("VN105", f"link target '{target}' does not exist", link.line, col, end_column=col + len(url))


@rule("VN106", "duplicate-paper")
def duplicate_paper(doc: LintDocument) -> Iterator[Finding]:
    """The same paper (arXiv id or title) has two entries in one file.

    Bad:  - [CLIP](https://arxiv.org/abs/2103.00020) … and later again - [CLIP](https://arxiv.org/abs/2103.00020)
    Good: one entry, with everything said about the paper under it
    """
    seen: dict[str, tuple[int, str]] = {}
    for entry in doc.entries:
        # A footnote definition is where a citation points, not a second entry.
        if entry.passing or entry.style == "footnote":
            continue
        name = _label(entry.name, entry.title, entry.where)
        for key, what in [(entry.arxiv_id, f"arXiv id {entry.arxiv_id}"), (norm_key(entry.title or ""), "title")]:
            if not key:
                continue
            if key in seen and seen[key][0] != entry.line:
                line, other = seen[key]
                yield Finding("VN106", f"'{name}' has the same {what} as '{other}' at line {line}", entry.line)
                break
            seen.setdefault(key, (entry.line, name))


def duplicate_across_files(docs: list[LintDocument]) -> Iterator[Finding]:
    """VN106 across files: the same arXiv id in several notes (info, naming the other place)."""
    places: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for doc in docs:
        for entry in doc.entries:
            if entry.arxiv_id and not entry.passing and (doc.path, entry.line) not in places[entry.arxiv_id]:
                places[entry.arxiv_id].append((doc.path, entry.line))
    for arxiv, where in places.items():
        files = {p for p, _ in where}
        if len(files) < 2:
            continue
        for path, line in where:
            other = next((f"{p}:{n}" for p, n in where if p != path), "")
            yield Finding("VN106", f"arXiv {arxiv} also has an entry at {other}", line, path=path, severity="info")


def _months(iso: str) -> int:
    return int(iso[:4]) * 12 + int(iso[5:7])


@rule("VN201", "date-arxiv-mismatch")
def date_arxiv_mismatch(doc: LintDocument) -> Iterator[Finding]:
    """A date written in an entry is more than a month away from its arXiv id's year and month.

    A date in the last days of the month before is fine: papers submitted then get the next month's id.

    Bad:  - Mon, 4 Jan 2021 [CLIP](https://arxiv.org/abs/2103.00020)
    Good: - Fri, 26 Feb 2021 [CLIP](https://arxiv.org/abs/2103.00020)
    """
    for entry in doc.entries:
        if not entry.arxiv_id or not entry.date or entry.date_rank != EXPLICIT or len(entry.date) < 7:
            continue
        yymm = date_from_arxiv_id(entry.arxiv_id)
        if yymm and abs(_months(entry.date) - _months(yymm)) > 1:
            yield Finding(
                "VN201",
                f"date {entry.date} is far from arXiv {entry.arxiv_id} ({yymm}); check the date or the link",
                entry.line,
            )


@rule("VN204", "arxiv-disagreement", "info")
def arxiv_disagreement(doc: LintDocument) -> Iterator[Finding]:
    """An entry's date or title differs from what arXiv says (after `vlmnotes enrich`), or arXiv has no such paper.

    Bad:  - Fri, 5 Mar 2021 [CLIP](https://arxiv.org/abs/2103.00020)   (arXiv: v1 on 2021-02-26)
    Good: - Fri, 26 Feb 2021 [CLIP](https://arxiv.org/abs/2103.00020)
    """
    for entry in doc.entries:
        record = doc.arxiv.get(entry.arxiv_id or "")
        if not record or entry.passing:
            continue
        if record.get("status") == "not-found":
            yield Finding("VN204", f"arXiv has no paper {entry.arxiv_id}; check the link", entry.line)
            continue
        published = record.get("published") or ""
        if (
            entry.date
            and entry.date_rank == EXPLICIT
            and len(entry.date) == 10
            and published
            and entry.date != published
        ):
            yield Finding("VN204", f"the entry says {entry.date}; arXiv has version 1 on {published}", entry.line)
        title = record.get("title") or ""
        if entry.title and title and norm_key(entry.title.partition(": ")[2] or entry.title) not in norm_key(title):
            yield Finding("VN204", f"arXiv's title is '{title}'", entry.line)


_RFC = re.compile(
    r"\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun)(?:day|sday|nesday|rsday|urday)?,?\s+(\d{1,2})\s+"
    r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?,?\s+((?:19|20)\d{2})\b"
)


@rule("VN202", "weekday-mismatch", fixable=True)
def weekday_mismatch(doc: LintDocument) -> Iterator[Finding]:
    """A date whose weekday is wrong for its day.

    Bad:  - Mon, 22 Oct 2020 [ViT](https://arxiv.org/abs/2010.11929)
    Good: - Thu, 22 Oct 2020 [ViT](https://arxiv.org/abs/2010.11929)
    """
    for number, _raw, m in doc.text_matches(_RFC):
        found = find_date(m[0])
        if not found or len(found.iso) != 10:
            continue
        actual = dt.date.fromisoformat(found.iso).strftime("%a")
        if actual != m[1]:
            message = f"{found.iso} was a {actual}, not a {m[1]}"
            yield _replacing("VN202", message, number, m.start(1), m.start(1) + 3, actual)


_FORM_NAMES = {"rfc": "Thu, 22 Oct 2020", "mdy": "Oct 22 2020", "iso": "2020-10-22", "ymd": "2020.10.22",
               "cjk": "2020年10月", "ym": "2020.10", "my": "Oct 2020"}  # fmt: skip


@rule("VN203", "mixed-date-formats", "info")
def mixed_date_formats(doc: LintDocument) -> Iterator[Finding]:
    """One file writes its entries' dates in more than one format.

    Bad:  - Thu, 22 Oct 2020 [ViT](…)  then  - 2021.02 [CLIP](…)
    Good: - Thu, 22 Oct 2020 [ViT](…)  then  - Fri, 26 Feb 2021 [CLIP](…)
    """
    forms: list[tuple[str, int]] = []
    for entry in doc.entries:
        if entry.passing or entry.date_rank != EXPLICIT or entry.style not in ("dated-bullet", "generic", "table-row"):
            continue
        found = find_date(doc.line(entry.line))
        if found and found.form:
            forms.append((found.form, entry.line))
    counts: dict[str, int] = defaultdict(int)
    for form, _ in forms:
        counts[form] += 1
    if len(counts) < 2:
        return
    main = max(counts, key=lambda f: counts[f])
    for form, line in forms:
        if form != main:
            yield Finding(
                "VN203",
                f"date written like '{_FORM_NAMES.get(form, form)}'; this file mostly writes "
                f"'{_FORM_NAMES.get(main, main)}'",
                line,
            )


_FIELD_ONLY = re.compile(r"^\s*(?:\*\*|__)?\s*([^\s:：*][^:：*]{0,19}?)\s*(?:\*\*|__)?\s*[:：]\s*(?:\*\*|__)?\s*$")


@rule("VN301", "empty-field")
def empty_field(doc: LintDocument) -> Iterator[Finding]:
    """A labelled field with nothing after it and no sub-items.

    Bad:  - **背景:**
    Good: - **背景:** 传统视觉模型只能识别固定的一组类别
    """
    for block in doc.doc.blocks:
        for item in block.walk():
            if item.kind != "item" or item.ordered or item.children or item.checked is not None:
                continue
            if any(link.start >= len(item.inline.text.rstrip()) for link in item.inline.links):
                continue  # `- alignment score: ![figure](…)`: the field holds an image
            text = item.inline.text.strip()
            # A label alone is short; on a long text the pattern's runs of spaces backtrack for minutes.
            m = _FIELD_ONLY.match(text) if len(text) <= 80 else None
            label = m[1] if m else (text if text.lower() in SECTION_LABELS and item.inline.strong else None)
            if label:
                yield Finding(
                    "VN301",
                    f"field '{label}' is empty; write something after it or remove it",
                    item.line,
                    doc.column_of(item.line, label),
                )


@rule("VN302", "empty-list-item", fixable=True)
def empty_list_item(doc: LintDocument) -> Iterator[Finding]:
    """A list item with nothing in it (`-` or `- [ ]` alone).

    Bad:  - [ ]
    Good: - [ ] Flamingo
    """
    for block in doc.doc.blocks:
        for item in block.walk():
            if item.kind == "item" and not item.inline.text.strip() and not item.children and not item.inline.links:
                single = item.end_line <= item.line or not "".join(doc.lines[item.line : item.end_line]).strip()
                fix = Fix((Edit(item.line, delete_line=True),)) if single else None
                yield Finding("VN302", "empty list item; remove it or write the entry", item.line, fix=fix)


_LABEL_COLON = re.compile(
    r"^(\s*(?:[-*+]|\d+[.)])\s+(?:\[[ xX]\]\s+)?(?:\*\*|__)?)([^\s:：*\[]{1,12}?)(?:\*\*)?([:：])"
)


@rule("VN303", "mixed-label-colons", "info", fixable=True)
def mixed_label_colons(doc: LintDocument) -> Iterator[Finding]:
    """Field labels in one file mix the ASCII colon `:` and the full-width `：`.

    Bad:  - Insights: …   and   - 思考：…
    Good: - Insights: …   and   - 思考: …
    """
    found: list[tuple[int, int, str, str]] = []
    for number, raw in enumerate(doc.lines, 1):
        if number in doc.code_lines:
            continue
        m = _LABEL_COLON.match(raw)
        if m and (m[2].lower() in SECTION_LABELS or m[2] in SECTION_LABELS or len(m[2]) <= 8):
            found.append((number, m.start(3), m[3], m[2]))
    colons = [c for *_, c, _ in found]
    if ":" not in colons or "：" not in colons:
        return
    main = ":" if colons.count(":") >= colons.count("：") else "："
    for number, at, colon, label in found:
        if colon != main:
            raw = doc.line(number)
            spaced = main == ":" and not raw[at + 1 : at + 2].isspace()
            fix = Fix((Edit(number, at, at + 1, main + (" " if spaced else "")),), safe=False)
            yield Finding(
                "VN303",
                f"label '{label}{colon}' uses a different colon from the rest of this file ('{main}')",
                number,
                at + 1,
                fix=fix,
            )


@rule("VN305", "unknown-org", "info")
def unknown_org(doc: LintDocument) -> Iterator[Finding]:
    """An organisation the vocabulary does not know; add it to vlmnotes-vocab.yaml if it is right.

    Bad:  ### 1. BLIP … then - **BLIP** and - **Salesfroce**
    Good: ### 1. BLIP … then - **BLIP** and - **Salesforce**
    """
    known = {n: n for n in doc.vocab.org_names()}
    known.update({a: n for n, aliases in doc.vocab.orgs for a in aliases})
    for entry in doc.entries:
        for org in entry.orgs:
            if doc.vocab.org(org):
                continue
            close = get_close_matches(org, list(known), n=1, cutoff=0.6)
            hint = f" (did you mean '{known[close[0]]}'?)" if close else ""
            line = entry.org_lines.get(org, entry.line)
            col = doc.column_of(line, org)
            yield Finding("VN305", f"organisation '{org}' is not in the vocabulary{hint}", line, col)


@rule("VN306", "venue-alias", fixable=True)
def venue_alias(doc: LintDocument) -> Iterator[Finding]:
    """A venue written under an old or informal name (NIPS became NeurIPS in 2018).

    Bad:  - **NIPS:2021**
    Good: - **NeurIPS:2021**
    """
    renames = {a: n for n, aliases in doc.vocab.venues for a in aliases if a != n and n != "arXiv"}
    if not renames:
        return
    pattern = re.compile(
        r"(?<![A-Za-z])(" + "|".join(re.escape(a) for a in sorted(renames, key=len, reverse=True)) + r")"
        r"(?=\s*[:：'’\-]?\s*(?:(?:19|20)\d{2}|\d{2})\b)"
    )
    for number, raw, m in doc.text_matches(pattern):
        new = renames[m[1]]
        if raw[: m.end()].endswith(new):
            continue  # 'MM' inside 'ACM MM' is already the new name
        yield _replacing("VN306", f"venue '{m[1]}' is now called '{new}'", number, m.start(1), m.end(1), new)


@rule("VN401", "heading-increment")
def heading_increment(doc: LintDocument) -> Iterator[Finding]:
    """A heading skips a level (an h2 followed by an h4).

    Bad:  ## Models  then  #### CLIP
    Good: ## Models  then  ### CLIP
    """
    previous = 0
    for tok in doc.tokens:
        if tok.type != "heading_open" or not tok.map:
            continue
        level = int(tok.tag[1:])
        if previous and level > previous + 1:
            yield Finding("VN401", f"heading jumps from h{previous} to h{level}; use h{previous + 1}", tok.map[0] + 1)
        previous = level


_NUMBERED_HEADING = re.compile(r"^\s*(\d+)\s*[.、)]\s+\S")


@rule("VN402", "numbering-sequence")
def numbering_sequence(doc: LintDocument) -> Iterator[Finding]:
    """Numbered paper headings out of sequence (### 1. then ### 3.).

    Bad:  ### 1. CLIP  then  ### 3. ALBEF
    Good: ### 1. CLIP  then  ### 2. ALBEF
    """
    last: dict[int, int] = {}
    pending = 0
    for tok in doc.tokens:
        if tok.type == "heading_open" and tok.map:
            pending = int(tok.tag[1:])
            for level in [k for k in last if k > pending]:
                del last[level]  # a new parent section starts its own numbering
            continue
        if pending and tok.type == "inline" and tok.map:
            m = _NUMBERED_HEADING.match(tok.content)
            if m:
                number = int(m[1])
                if pending in last and number != last[pending] + 1:
                    yield Finding(
                        "VN402",
                        f"heading numbered {number} follows {last[pending]}; expected {last[pending] + 1}",
                        tok.map[0] + 1,
                    )
                last[pending] = number
            pending = 0


@rule("VN501", "cjk-emphasis-unclosed", fixable=True)
def cjk_emphasis_unclosed(doc: LintDocument) -> Iterator[Finding]:
    """Bold that does not close: `**现有问题:**传统…` shows the asterisks, because a closing `**` after
    punctuation must be followed by a space or punctuation (CommonMark's flanking rules).

    Bad:  - **现有问题:**传统的模型只能识别固定标签
    Good: - **现有问题:** 传统的模型只能识别固定标签
    """
    seen: set[int] = set()
    for run in doc.runs():
        if run.kind != "text" or "**" not in run.text or run.line in seen:
            continue
        seen.add(run.line)
        raw = doc.line(run.line)
        m = _CLOSE_AFTER_PUNCT.search(raw)
        if m:
            at = m.end(1)
            yield Finding(
                "VN501",
                "bold is not closed: '**' after punctuation needs a space after it",
                run.line,
                at - 1,
                end_column=at + 1,
                fix=Fix((Edit(run.line, at, at, " "),)),
            )
        else:
            yield Finding("VN501", "'**' shows as literal asterisks here; check the bold markers", run.line,
                          doc.column_of(run.line, "**"))  # fmt: skip


_CLOSE_AFTER_PUNCT = re.compile(
    r"\*\*[^*\s][^*\n]*?([:：,，.。!！?？;；)）\]】」』\"”'’]\*\*)(?=[^\s*:：,，.。!！?？;；)）\]】」』\"”'’])"
)
_HTML_TAGS = frozenset(
    """
    a abbr audio b bdi bdo big blockquote br button caption center cite code col colgroup dd del
    details dfn div dl dt em figcaption figure font footer h1 h2 h3 h4 h5 h6 header hr i iframe img
    input ins kbd label li main mark nav ol p picture pre q rp rt ruby s samp section small source
    span strike strong style sub summary sup svg table tbody td tfoot th thead time tr track tt u
    ul var video wbr path g rect circle line text
    """.split()
)
_TAG = re.compile(r"^</?([A-Za-z][A-Za-z0-9_\-]*)")


@rule("VN502", "bare-special-token", fixable=True)
def bare_special_token(doc: LintDocument) -> Iterator[Finding]:
    """A token such as `<box>`, `<ref>` or `<image>` outside code is taken for an HTML tag and vanishes.

    Bad:  boxes are written as <box>(x1,y1),(x2,y2)</box>
    Good: boxes are written as `<box>`(x1,y1),(x2,y2)`</box>`
    """
    for run in doc.runs():
        if run.kind != "html_inline" or run.text.startswith("<!--"):
            continue
        m = _TAG.match(run.text)
        if not m or m[1].lower() in _HTML_TAGS:
            continue
        raw = doc.line(run.line)
        at = raw.find(run.text)
        fix = Fix((Edit(run.line, at, at + len(run.text), f"`{run.text}`"),)) if at >= 0 else None
        yield Finding(
            "VN502",
            f"'{run.text}' is read as an HTML tag and vanishes; write it as `{run.text}`",
            run.line,
            at + 1 if at >= 0 else 1,
            end_column=(at + len(run.text) + 1) if at >= 0 else 2,
            fix=fix,
        )


def _indent(raw: str) -> int:
    expanded = raw.expandtabs(4)
    return len(expanded) - len(expanded.lstrip(" "))


@rule("VN503", "broken-list-indent")
def broken_list_indent(doc: LintDocument) -> Iterator[Finding]:
    """An item indented as if nested that the list does not nest (too few spaces under `1.` or `-`).

    Bad:  3. method:\\n   - stage one\\n - the Q-Former (one space: a new top-level list)
    Good: 3. method:\\n   - stage one\\n   - the Q-Former
    """
    depth = 0
    previous: tuple[int, int] | None = None  # (depth, indent)
    last_at_depth: dict[int, int] = {}
    for tok in doc.tokens:
        if tok.type in ("bullet_list_open", "ordered_list_open"):
            depth += 1
        elif tok.type in ("bullet_list_close", "ordered_list_close"):
            depth -= 1
        elif (tok.level == 0 and tok.type.endswith("_open")) or tok.type in ("fence", "code_block", "html_block", "hr"):
            previous = None  # a paragraph or heading between two lists: the second starts afresh
            last_at_depth.clear()
        elif tok.type == "list_item_open" and tok.map:
            line = tok.map[0] + 1
            raw = doc.line(line)
            if raw.lstrip().startswith(">"):
                continue
            indent = _indent(raw)
            if previous is not None:
                prev_depth, prev_indent = previous
                looks_nested = indent > prev_indent and depth <= prev_depth
                pulled_out = depth < prev_depth and indent > last_at_depth.get(depth, indent)
                if looks_nested or pulled_out:
                    yield Finding(
                        "VN503",
                        f"this item is indented {indent} spaces but is not nested under the item above; "
                        "indent it to the text of that item, or not at all",
                        line,
                        indent + 1,
                    )
            previous = (depth, indent)
            last_at_depth[depth] = indent
            for d in [d for d in last_at_depth if d > depth]:
                del last_at_depth[d]


@rule("VN504", "unread-markup")
def unread_markup(doc: LintDocument) -> Iterator[Finding]:
    """Markdown nested too deep or a paragraph too long to read: lists past 20 levels, block quotes past 41, a
    paragraph over 50,000 characters or with thousands of `[` that never close. Such parts are read flattened
    or as plain text, so the entries and links in them may be missed and are not checked.

    Bad:  - - - - - - - - - - - - - - - - - - - - - - [CLIP](https://arxiv.org/abs/2103.00020)
    Good: - [CLIP](https://arxiv.org/abs/2103.00020)
    """
    for line, what in doc.doc.degraded:
        yield Finding("VN504", what, line)


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


@rule("VN001", "unused-suppression", "info", fixable=True)
def unused_suppression(doc: LintDocument) -> Iterator[Finding]:
    """A `<!-- vlmnotes-disable … -->` comment that suppresses nothing.

    Bad:  <!-- vlmnotes-disable-next-line VN301 -->  above a line with no VN301 finding
    Good: no comment, or one that turns off a finding that is there
    """
    # Runs last (see lint.run): by then every other rule has marked the comments it used.
    for s in doc.suppressions:
        if not s.used and s.kind != "enable":
            codes = " ".join(s.codes) or "every rule"
            raw = doc.line(s.line)
            alone = not (raw[: s.column - 1] + raw[s.end :]).strip()
            edit = Edit(s.line, delete_line=True) if alone else Edit(s.line, s.column - 1, s.end, "")
            yield Finding(
                "VN001",
                f"'vlmnotes-{s.kind}' for {codes} suppresses nothing; remove it",
                s.line,
                s.column,
                fix=Fix((edit,)),
            )
