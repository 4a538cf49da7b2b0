"""The lint rules. Each docstring's first line is its summary; `Bad:` and `Good:` lines are its examples.

This module holds the rules about entries, fields, headings and Markdown; links.py those about links and URLs,
dates.py those about dates. Importing this module registers them all.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from vlmnotes.lint import dates as _dates  # noqa: F401  (registers the date rules)
from vlmnotes.lint.document import LintDocument
from vlmnotes.lint.links import replacing
from vlmnotes.lint.registry import Edit, Finding, Fix, rule
from vlmnotes.parse import fill_from_catalogue
from vlmnotes.parse.context import paper_link
from vlmnotes.parse.entry import SECTION_LABELS, Candidate
from vlmnotes.parse.fields import link_kind, norm_key
from vlmnotes.parse.names import base_name

if TYPE_CHECKING:
    from vlmnotes.catalogue import Catalogue
    from vlmnotes.vocab import Vocabulary


def _label(entry_name: str | None, title: str | None, where: str) -> str:
    return entry_name or (title[:40] + "…" if title and len(title) > 40 else title) or where


@rule("VN101", "missing-paper-link")
def missing_paper_link(doc: LintDocument) -> Iterator[Finding]:
    """An entry recognised as a paper has no link to the paper (no link at all, or only a blog, code or model page).

    Not reported: unchecked `- [ ]` to-read items; papers the knowledge base finds without a link, as the build
    fills them in from the catalogue of well-known papers (`### CLIP`, a review card with CLIP's title, `Qwen2-VL
    2B`); an entry whose paper is cited by a footnote (`BLIP-2[^4]`, `[^4]: <arXiv link>`) or linked under a
    paper-like address (`…/movie-gen-research-paper`); an entry another one in the note links under the same
    name, a size aside (`| Frobnet-7B | … |` in a model table under `## [Frobnet](…)`); a citation in a reference
    list.

    Bad:  ### 3. Align before Fuse: Vision and Language Representation Learning
    Good: ### 3. [Align before Fuse: Vision and Language Representation Learning](https://arxiv.org/abs/2107.07651)
    Bad:  - 2025.02 [Frobnet](https://github.com/example/frobnet)
    Good: - 2025.02 [Frobnet](https://arxiv.org/abs/2502.01234) [code](https://github.com/example/frobnet)
    """
    from vlmnotes.catalogue import load_catalogue

    catalogue = load_catalogue()
    for entry in doc.entries:
        if entry.passing or entry.status == "unread" or entry.arxiv_id:
            continue
        if entry.links.get("paper") or entry.links.get("pdf") or _paper_like(entry):
            continue
        if entry.style in ("reference", "footnote"):
            continue  # '[3] Vaswani et al. (2017). Attention Is All You Need. NeurIPS.': the citation names the paper
        if _catalogued(entry, catalogue) or _cited(doc, entry) or _linked_elsewhere(doc, entry):
            continue
        name = _label(entry.name, entry.title, entry.where)
        yield Finding("VN101", f"'{name}' has no paper link; add its arXiv or proceedings URL", entry.line)


_PAPER_PATH = re.compile(r"(?i)(?:^|[/_.\-])(?:papers?|technical[_\-]?report|tech[_\-]?report|whitepaper)(?:$|[/_.\-])")


def _paper_like(entry: Candidate) -> bool:
    """A project-page link whose path says it is the paper ('…/movie-gen-research-paper', '…/tech-report/')."""
    for url in [entry.links.get("project", ""), *entry.other_links]:
        path = urlsplit(url).path if url else ""
        if path and link_kind(url) == "project" and _PAPER_PATH.search(path):
            return True
    return False


def _catalogued(entry: Candidate, catalogue: Catalogue) -> bool:
    """True when the build gives the entry an arXiv id from the catalogue of well-known papers (by its name, its
    name without a size, or its title), as parse.fill_from_catalogue does; the entry itself is left as it is."""
    probe = Candidate(entry.style, entry.file, entry.line, entry.end_line, name=entry.name, title=entry.title)
    probe.aliases = list(entry.aliases)
    fill_from_catalogue(probe, catalogue)
    return probe.arxiv_id is not None


def _names(entry: Candidate) -> set[str]:
    return {norm_key(base_name(n)) for n in [entry.name, *entry.aliases] if n} - {""}


def _linked_elsewhere(doc: LintDocument, entry: Candidate) -> bool:
    """True when another entry of the note links the paper under the same name, a size or checkpoint aside
    ('| Frobnet-7B | … | [weights](…) |' under '## [Frobnet](arXiv link)'): the build joins them in one record."""
    linked: set[str] | None = doc.shared.get("linked-names")
    if linked is None:
        linked = set()
        for other in doc.entries:
            if not other.passing and (other.arxiv_id or other.links.get("paper") or other.links.get("pdf")):
                linked |= _names(other)
        doc.shared["linked-names"] = linked
    return bool(_names(entry) & linked)


def _cited(doc: LintDocument, entry: Candidate) -> bool:
    """True when the entry cites a footnote that links a paper ('BLIPv2 … BLIP-2[^4]', '[^4]: [arXiv](…)'): the
    first such reference in the entry's own lines."""
    notes: dict[str, bool] | None = doc.shared.get("footnote-papers")
    if notes is None:
        notes = {}
        for block in doc.doc.blocks:
            for sub in block.walk():
                if sub.kind == "footnote":
                    notes[sub.label] = any(paper_link(b.inline.links) for b in sub.walk())
        doc.shared["footnote-papers"] = notes
    if not any(notes.values()):
        return False
    for block in doc.doc.blocks:
        for sub in block.walk():
            if sub.kind == "footnote" or not entry.line <= sub.line <= entry.end_line:
                continue
            for inline in [sub.inline, *sub.cells]:
                if any(notes.get(label) for label, _ in inline.footnote_refs):
                    return True
    return False


@rule("VN106", "duplicate-paper")
def duplicate_paper(doc: LintDocument) -> Iterator[Finding]:
    """The same paper (arXiv id or title) has two entries in one file (a warning), or entries in two files (info).

    The same arXiv id in entries of two files is reported as info naming the other place, once a file: a reading
    list and a note on one of its papers often both have it.

    A footnote definition is where a citation points, and a link with no name of its own ('updated version:
    [here](…)') points at a paper: neither is a second entry.

    Bad:  - [CLIP](https://arxiv.org/abs/2103.00020) … and later again - [CLIP](https://arxiv.org/abs/2103.00020)
    Good: one entry, with everything said about the paper under it
    """
    seen: dict[str, tuple[int, str]] = {}
    for entry in doc.entries:
        if entry.passing or entry.style == "footnote" or not (entry.name or entry.title or entry.aliases):
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
    """VN106 across files: the same arXiv id in entries of several notes, as info naming the other place. One
    finding a file, at its first entry of the paper (the others in the file are VN106 warnings of their own)."""
    places: dict[str, dict[str, int]] = defaultdict(dict)  # arXiv id → file → first line
    for doc in docs:
        for arxiv, line in doc.papers.items():
            places[arxiv].setdefault(doc.path, line)
    for arxiv, where in places.items():
        if len(where) < 2:
            continue
        for path, line in where.items():
            other = next(f"{p}:{n}" for p, n in where.items() if p != path)
            yield Finding("VN106", f"arXiv {arxiv} also has an entry at {other}", line, path=path, severity="info")


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
    for entry in doc.entries:
        for org in entry.orgs:
            if doc.vocab.org(org):
                continue
            close = _closest_org(doc.vocab, org)
            hint = f" (did you mean '{close}'?)" if close else ""
            line = entry.org_lines.get(org, entry.line)
            col = doc.column_of(line, org)
            yield Finding("VN305", f"organisation '{org}' is not in the vocabulary{hint}", line, col)


@lru_cache(maxsize=4096)
def _closest_org(vocab: Vocabulary, org: str) -> str | None:
    """The organisation whose name or alias is most like `org`, as difflib.get_close_matches(org, every
    name and alias, n=1, cutoff=0.6) finds it, or None. Worked out once for each name: notes repeat their labs."""
    known = _org_spellings(vocab)
    matcher = SequenceMatcher()
    matcher.set_seq2(org)
    best: tuple[float, str] | None = None
    for size, names in known.by_length.items():
        # get_close_matches' first test (real_quick_ratio) is this bound on lengths alone: skip a whole length.
        if size + len(org) and 2.0 * min(size, len(org)) / (size + len(org)) < _CUTOFF:
            continue
        for name in names:
            matcher.set_seq1(name)
            if matcher.quick_ratio() >= _CUTOFF and (score := matcher.ratio()) >= _CUTOFF:
                best = max(best, (score, name)) if best else (score, name)
    return known.canonical[best[1]] if best else None


_CUTOFF = 0.6


@dataclass(frozen=True)
class _OrgSpellings:
    canonical: dict[str, str]  # a name or alias → the canonical name
    by_length: dict[int, list[str]]  # the names and aliases by their length


@lru_cache(maxsize=8)
def _org_spellings(vocab: Vocabulary) -> _OrgSpellings:
    canonical = {n: n for n in vocab.org_names()}
    canonical.update({a: n for n, aliases in vocab.orgs for a in aliases})
    by_length: dict[int, list[str]] = defaultdict(list)
    for name in canonical:
        by_length[len(name)].append(name)
    return _OrgSpellings(canonical, dict(by_length))


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
        yield replacing("VN306", f"venue '{m[1]}' is now called '{new}'", number, m.start(1), m.end(1), new)


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
    for run in doc.runs("text"):
        if "**" not in run.text or run.line in seen:
            continue
        seen.add(run.line)
        if "**" not in doc.masked(run.line):
            continue  # `$x^{**}$`: the asterisks are math (or code), which renderers typeset as such
        broken = list(_CLOSE_AFTER_PUNCT.finditer(doc.line(run.line)))
        for m in broken:  # one finding per bold run, each with its own fix
            at = m.end(1)
            yield Finding(
                "VN501",
                "bold is not closed: '**' after punctuation needs a space after it",
                run.line,
                at - 1,
                end_column=at + 1,
                fix=Fix((Edit(run.line, at, at, " "),)),
            )
        if not broken:
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
    for run in doc.runs("html_inline"):
        if run.text.startswith("<!--"):
            continue
        m = _TAG.match(run.text)
        if not m or m[1].lower() in _HTML_TAGS:
            continue
        raw = doc.line(run.line)
        if "\n" in run.text:  # `<ref\nid=1>`: the tag runs on to the next lines; a code span may too
            yield from _tag_over_lines(doc, run.line, run.text)
            continue
        at = raw.find(run.text)
        if at >= 0 and not doc.masked(run.line)[at : at + len(run.text)].strip():
            continue  # `$a<b>c$`: math, which renderers typeset
        fix = Fix((Edit(run.line, at, at + len(run.text), f"`{run.text}`"),)) if at >= 0 else None
        yield Finding(
            "VN502",
            f"'{run.text}' is read as an HTML tag and vanishes; write it as `{run.text}`",
            run.line,
            at + 1 if at >= 0 else 1,
            end_column=(at + len(run.text) + 1) if at >= 0 else 2,
            fix=fix,
        )


def _tag_over_lines(doc: LintDocument, line: int, text: str) -> Iterator[Finding]:
    """VN502 for a tag written over several lines: marked from its `<` to the end of its first line, fixed by a
    backtick before the `<` and one after the `>` on its last line."""
    parts = text.split("\n")
    first, last = doc.line(line).rstrip(), doc.line(line + len(parts) - 1)
    at, end = len(first) - len(parts[0]), last.find(parts[-1])
    if not first.endswith(parts[0]) or end < 0:
        return  # not where the run says (a container's prefix in between): nothing to mark or fix safely
    end += len(parts[-1])
    yield Finding(
        "VN502",
        f"'{text}' is read as an HTML tag and vanishes; write it as `{text}`",
        line,
        at + 1,
        end_column=len(first) + 1,
        fix=Fix((Edit(line, at, at, "`"), Edit(line + len(parts) - 1, end, end, "`"))),
    )


def _indent(raw: str) -> int:
    expanded = raw.expandtabs(4)
    return len(expanded) - len(expanded.lstrip(" "))


_LIST_CLOSE = ("bullet_list_close", "ordered_list_close")


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
        kind = tok.type
        if kind == "inline" or (kind.endswith("_close") and kind not in _LIST_CLOSE):
            continue  # most tokens: nothing below looks at them
        if kind in ("bullet_list_open", "ordered_list_open"):
            depth += 1
        elif kind in _LIST_CLOSE:
            depth -= 1
        elif (tok.level == 0 and kind.endswith("_open")) or kind in ("fence", "code_block", "html_block", "hr"):
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
