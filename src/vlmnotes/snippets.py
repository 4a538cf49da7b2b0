"""Why a paper matched a search: the sentence of its notes that holds the words of the query, those words marked.

The index finds the papers; the snippet is read from the record itself, so that it shows the notes as written:
the sentence of an entry's text (else of a labelled summary) with the most words of the query in it, its
Markdown links, emphasis and list markers left out and Chinese with its characters together, cut to fit a
line around the first word found. A word only in the title or the name shows nowhere else (the table shows
those); a query that matched a field (`llm:Qwen`, a component, a tag, an alias) shows the field:
`LLM: Qwen-7B, Qwen-7B-Chat`.

Words are matched as the index matches them: NFKC and case folded, a bare word as the start of a word
(`BLI` marks BLIP), a number whole, a Chinese character anywhere, a phrase's words in order.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import Any, NamedTuple

from vlmnotes.query import TEXT_FIELDS, And, Node, Or, Term, parse_query

_CJK = "\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff"  # the index's CJK blocks (index.is_cjk)
_LETTER = f"[^\\W_{_CJK}]"  # a letter or digit of a word that is not Chinese, Japanese or Korean
_TOKEN = re.compile(f"[{_CJK}]|{_LETTER}+")

# Markdown that is not part of a sentence: links and images (their text kept), emphasis and code marks,
# a heading's hashes, a quote's >, list markers and checkboxes, a table row's pipes.
_LINK = re.compile(r"!?\[([^\[\]]*)\]\([^()\s]*(?:\([^()\s]*\)[^()\s]*)*\)")
_EMPHASIS = re.compile(r"\*\*|__|(?<!\w)[*_](?=\S)|(?<=\S)[*_](?!\w)|`+|~~")
_LEAD = re.compile(r"^\s*(?:>\s*)*(?:#{1,6}\s+)?(?:[-*+]\s+|\d{1,9}[.)]\s+)?(?:\[[ xX]\]\s+)?")
_RULE = re.compile(r"^[\s|:\-=*_]*$")
_LATIN = re.compile(_LETTER)
_CLOSING = frozenset("、。，．：；？！）」』】〉》,.;:?!)]}")
_CJK_GAP = re.compile(f"(?<=[{_CJK}])\\s+(?=[{_CJK}])")  # the index's spaces between CJK characters
_SENTENCE_END = re.compile(r"(?<=[。！？；])\s*|(?<=[.!?;])\s+")

# Fields a query may have matched, as (record key, label), in the order a snippet looks at them.
FIELDS = (
    ("aliases", "also"),
    ("vision_encoder", "encoder"),
    ("text_encoder", "text encoder"),
    ("llm", "LLM"),
    ("connector", "connector"),
    ("losses", "loss"),
    ("architecture", "arch"),
    ("tags", "tag"),
    ("authors", "author"),
    ("orgs", "org"),
    ("venue", "venue"),
    ("relations", "relation"),
)

Span = tuple[int, int]


class Snippet(NamedTuple):
    """A line of text and the spans of it (start, end) that a query's words matched."""

    text: str
    marks: tuple[Span, ...] = ()


def query_terms(query: str) -> list[Term]:
    """The words a query looks for: its terms, but those under NOT (a paper matched without them); QueryError
    for a malformed or empty query."""
    return list(_positive(parse_query(query)))


def _positive(node: Node) -> Iterator[Term]:
    if isinstance(node, Term):
        yield node
    elif isinstance(node, And | Or):
        for part in node.parts:
            yield from _positive(part)


def _is_cjk(char: str) -> bool:
    return bool(re.match(f"[{_CJK}]", char))


def _fold(text: str) -> tuple[str, list[int]]:
    """Text NFKC and case folded as the index compares it, and for each folded character the index of the
    character of `text` it comes from (one more at the end)."""
    folded: list[str] = []
    where: list[int] = []
    for i, char in enumerate(text):
        f = unicodedata.normalize("NFKC", char).casefold()
        folded.append(f)
        where += [i] * len(f)
    where.append(len(text))
    return "".join(folded), where


def _pattern(term: Term) -> re.Pattern[str] | None:
    """What a term matches in folded text, as the index matches it (index._match_string)."""
    tokens = _TOKEN.findall(_fold(term.text)[0])
    if not tokens:
        return None
    parts = []
    for before, token in zip([None, *tokens], tokens, strict=False):
        if before is not None:
            parts.append(r"[\W_]*" if _is_cjk(before[-1]) or _is_cjk(token[0]) else r"[\W_]+")
        parts.append(re.escape(token))
    last = tokens[-1]
    prefix = not term.phrase and term.field != "name" and not (_is_cjk(last[-1]) or last.isdigit())
    head = "" if _is_cjk(tokens[0][0]) else f"(?<!{_LETTER})"
    tail = f"{_LETTER}*" if prefix else "" if _is_cjk(last[-1]) else f"(?!{_LETTER})"
    return re.compile(head + "".join(parts) + tail)


def marks(text: str, terms: list[Term]) -> list[tuple[int, Span]]:
    """Where in `text` the terms match: (index of the term, span), in order of position."""
    folded, where = _fold(text)
    found = []
    for i, term in enumerate(terms):
        pattern = _pattern(term)
        if pattern is None:
            continue
        for m in pattern.finditer(folded):
            if m.end() > m.start():
                found.append((i, (where[m.start()], where[m.end() - 1] + 1)))
    found.sort(key=lambda f: f[1])
    kept: list[tuple[int, Span]] = []
    for item in found:  # overlapping matches (CLIP and CLIP-2 in one place) marked once
        if kept and item[1][0] < kept[-1][1][1]:
            continue
        kept.append(item)
    return kept


def inline_text(markdown: str) -> str:
    """Markdown with its links and images left as their text, and its emphasis and code marks left out."""
    text = _LINK.sub(r"\1", _LINK.sub(r"\1", markdown))  # twice, for a link inside a link's text: [[CLIP](url)]
    return _EMPHASIS.sub("", text)


def sentences(markdown: str) -> Iterator[str]:
    """The sentences of a note's text, Markdown markup left out, each on one line."""
    for raw in markdown.splitlines():
        if _RULE.match(raw):
            continue
        line = _LEAD.sub("", inline_text(raw))
        if line.lstrip().startswith("|"):
            line = re.sub(r"\s*\|\s*", " · ", line.strip().strip("|").strip())
        line = " ".join(line.split())
        for sentence in _SENTENCE_END.split(line):
            if sentence.strip():
                yield sentence.strip()


def find(record: dict[str, Any], terms: list[Term], hint: str = "") -> Snippet | None:
    """The snippet that shows why `record` matched the terms: a sentence of its notes, else a field; None when
    the terms are only in its name or title, or the title shows a free word and no sentence holds one (or there
    are no terms). `hint` is the index's own snippet of the record (matched words between \\x02 and \\x03, values
    apart by ';'), which names the alias a field matched by."""
    free = [t for t in terms if t.field is None]
    found = _best_sentence(record, free)
    if found is not None:
        return found
    if free and marks(record.get("title") or "", free):
        return None  # the title, marked in the table, shows why
    return _field_snippet(record, terms, hint)


def _best_sentence(record: dict[str, Any], terms: list[Term]) -> Snippet | None:
    if not terms:
        return None
    texts = [s.get("text") or "" for s in record.get("sources") or []]
    texts += [str(v) for v in (record.get("sections") or {}).values()]
    own = {_fold(n)[0] for n in [record.get("name") or "", *(record.get("aliases") or [])] if n}
    title = _fold(record.get("title") or "")[0]
    best: tuple[int, Snippet] | None = None
    for text in texts:
        for sentence in sentences(text):
            folded, where = _fold(sentence)
            if folded in own or folded == title:
                continue  # the name or the title alone: the table shows them
            # Words inside the title written out in a sentence show nothing the title cell does not.
            at = folded.find(title) if title else -1
            low, high = (where[at], where[at + len(title) - 1] + 1) if at >= 0 else (0, 0)
            found = [(i, s) for i, s in marks(sentence, terms) if not low <= s[0] < s[1] <= high]
            score = len({i for i, _ in found})
            if found and (best is None or score > best[0]):
                best = (score, Snippet(sentence, tuple(s for _, s in found)))
                if score == len(terms):
                    return best[1]
    return best[1] if best else None


def _field_values(record: dict[str, Any], key: str) -> list[str]:
    if key == "relations":
        return [f"{r.get('type', '')} {r.get('target', '')}" for r in record.get("relations") or []]
    value = record.get(key) if key in record else (record.get("components") or {}).get(key)
    if isinstance(value, list):
        return [str(v) for v in value]
    return [str(value)] if value else []


def _field_snippet(record: dict[str, Any], terms: list[Term], hint: str) -> Snippet | None:
    """`label: values` of the first field the terms match by its values; else, for the field the index's snippet
    shows, the value the query matched through an alias, and the alias: `arch: dual-encoder (双流)`; else the
    values of a field the query names (`org:谷歌`: `org: Google`)."""
    free = [t for t in terms if t.field is None]
    shown = [
        " ".join(_CJK_GAP.sub("", p.replace("\x02", "").replace("\x03", "")).split()).strip("…")
        for p in hint.split(";")
    ]
    folded_shown = [_fold(p)[0] for p in shown]
    # The alias the index matched, if the query asked for it (and not for a synonym the index added).
    at = next((i for i, p in enumerate(hint.split(";")) if "\x02" in p and marks(shown[i], terms)), None)
    for key, label in FIELDS:
        values = _field_values(record, key)
        if not values:
            continue
        # A query field's index column is named as the record key it reads (org: orgs, llm: llm, …).
        own = [t for t in terms if t.field and TEXT_FIELDS.get(t.field) == key]
        text = ", ".join(values)
        found = marks(text, own + free)
        if not found and at is not None:
            # The index writes a value's aliases after it: the alias is of the last value shown before it.
            folded = [_fold(v)[0] for v in values]
            owner = next((folded.index(p) for p in reversed(folded_shown[:at]) if p in folded), None)
            if owner is not None:
                text = f"{values[owner]} ({shown[at]})"
                found = marks(text, own + free)
        if found or own:
            head = f"{label}: "
            return Snippet(head + text, tuple((a + len(head), b + len(head)) for _, (a, b) in found))
    return None


def cells(char: str) -> int:
    """How many terminal cells a character takes."""
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in "WF" else 1


def fit(snippet: Snippet, width: int) -> Snippet:
    """The snippet cut to `width` terminal cells around its first mark, an ellipsis where text is left out
    (at a space when one is near)."""
    text, spans = snippet
    if sum(cells(c) for c in text) <= width or width < 2:
        return snippet
    first, first_end = spans[0] if spans else (0, 0)
    start = 0
    if sum(cells(c) for c in text[:first_end]) >= width:  # the mark is not on the first line's worth: start before it
        start, used = first, 0
        while start > 0 and used + cells(text[start - 1]) <= width // 3:
            start -= 1
            used += cells(text[start])
        end, used = len(text), 1  # and earlier when the text after the mark would not fill the line
        while end > 0 and used + cells(text[end - 1]) <= width:
            end -= 1
            used += cells(text[end])
        start = min(start, end)
        # Start at the start of a word: past the rest of one cut, and past punctuation that closes.
        while 0 < start < first and _LATIN.match(text[start - 1]) and _LATIN.match(text[start]):
            start += 1
        while start < first and (text[start].isspace() or text[start] in _CLOSING):
            start += 1
    lead = "…" if start > 0 else ""
    budget = width - len(lead)
    end, used = start, 0
    while end < len(text) and used + cells(text[end]) <= budget:
        used += cells(text[end])
        end += 1
    tail = ""
    if end < len(text):
        tail = "…"
        while end > start and used + 1 > budget:
            end -= 1
            used -= cells(text[end])
        space = text.rfind(" ", start, end)
        if space > max(first_end, end - 12):
            end = space
    body = lead + text[start:end].rstrip() + tail
    shift = len(lead) - start
    last = len(body) - len(tail)
    kept = tuple((max(a + shift, len(lead)), min(b + shift, last)) for a, b in spans if a + shift < last and b > start)
    return Snippet(body, kept)
