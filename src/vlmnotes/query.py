"""The query language shared by `search` and `list`, parsed into a small tree.

    clip                      free text (a prefix: `BLI` finds BLIP and BLIP-2)
    "frozen image encoder"    a phrase
    org:Salesforce  llm:Qwen  fields (component fields match canonical names and their aliases)
    year:>=2021  year:2021..2023   comparisons and ranges
    -term  NOT term           leave out
    a OR b                    either; terms side by side must all match
    ( ... )                   grouping

A malformed query raises QueryError (a usage error) naming the column and the problem, on one line.
So does a query the index could not answer: control characters, text that is not valid UTF-8, a number
past SQLite's 64-bit integers, more than MAX_TERMS terms or AND/OR/NOT nested deeper than MAX_NESTING.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from difflib import get_close_matches
from typing import NamedTuple

from vlmnotes.errors import UsageError

# field name in the query → index column (text fields) or a column compared as is.
TEXT_FIELDS = {
    "name": "names",
    "title": "title",
    "org": "orgs",
    "venue": "venue",
    "tag": "tags",
    "encoder": "vision_encoder",
    "vision-encoder": "vision_encoder",
    "text-encoder": "text_encoder",
    "llm": "llm",
    "connector": "connector",
    "loss": "losses",
    "arch": "architecture",
    "author": "authors",
}
EXACT_FIELDS = {"status", "arxiv", "id"}
NUMBER_FIELDS = {"year", "citations"}
FIELDS = sorted([*TEXT_FIELDS, *EXACT_FIELDS, *NUMBER_FIELDS])
MAX_DEPTH = 100  # parentheses and NOTs; deeper is refused before Python's own recursion limit
# What the index can answer: it turns the tree into one SQL expression, and SQLite's parser gives up on
# AND/OR/NOT nested ~34 deep ("parser stack overflow") or ~500 terms side by side ("Expression tree is too large").
MAX_NESTING = 20
MAX_TERMS = 200
MAX_DIGITS = 18  # every number of 18 digits fits SQLite's 64-bit integers


class QueryError(UsageError):
    """A malformed query."""


class Term(NamedTuple):
    """Free text or a text field: `clip`, `"frozen encoder"`, `llm:Qwen`."""

    text: str
    field: str | None = None
    phrase: bool = False


class Compare(NamedTuple):
    """A number or exact field: `year:>=2021`, `year:2021..2023`, `status:read`, `arxiv:2103.00020`."""

    field: str
    op: str  # = != < <= > >= ..
    value: str
    high: str | None = None


class Not(NamedTuple):
    """Leave out what the inner query matches."""

    inner: Node


class And(NamedTuple):
    """Every part matches."""

    parts: tuple[Node, ...]


class Or(NamedTuple):
    """Any part matches."""

    parts: tuple[Node, ...]


Node = Term | Compare | Not | And | Or

_TOKEN = re.compile(r'\s+|\(|\)|"[^"]*"|[^\s()"]+(?:"[^"]*")?|"')


class _Tok(NamedTuple):
    text: str
    col: int


def _printable(text: str) -> str:
    """Text safe to show on one line of a terminal, one character for one, so that columns still line up:
    whitespace becomes a space, other characters that do not print (controls, bidi overrides) U+FFFD."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else " " if c.isspace() else "\ufffd" for c in text)


def shown(query: str) -> str:
    """Query text as an error message quotes it: on one line, cut at 80 characters."""
    return _printable(query if len(query) <= 80 else query[:77] + "...")


# Characters no query can mean: control characters other than whitespace (FTS5 reads NUL as the end of a
# string), and lone surrogates, which is how Python hands over bytes that are not UTF-8 (SQLite refuses them).
# (Compiled when a query has a character that does not print: most have none, and the class costs a search a
# millisecond to compile.)
_UNREADABLE = "[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\ud800-\udfff]"


def _check_text(text: str, where: str) -> None:
    """QueryError naming the first character of `text` no query can mean, if there is one."""
    if text.isprintable():  # no control character nor surrogate: nothing to look for
        return
    m = re.search(_UNREADABLE, text)
    if m is None:
        return
    code = ord(m[0])
    if 0xDC80 <= code <= 0xDCFF:  # surrogateescape: the byte itself
        what = f"byte 0x{code - 0xDC00:02X} that is not UTF-8"
    elif code >= 0xD800:
        what = f"lone surrogate U+{code:04X}, not a character"
    else:
        what = f"control character U+{code:04X}"
    raise QueryError(f"{where}: {what} at column {m.start() + 1}: {shown(text)}; remove it")


def _lex(query: str) -> list[_Tok]:
    _check_text(query, "query")
    out: list[_Tok] = []
    pos = 0
    while pos < len(query):
        m = _TOKEN.match(query, pos)
        if m is None:  # pragma: no cover - the pattern matches any character
            raise QueryError(f"query: cannot read column {pos + 1}: {query!r}")
        text = m.group(0)
        if text == '"' or (text.count('"') % 2 == 1):
            raise QueryError(f'query: unclosed quote at column {pos + 1}: {shown(query)}; add the closing "')
        if not text.isspace():
            out.append(_Tok(text, pos + 1))
        pos = m.end()
    return out


class _Parser:
    def __init__(self, query: str) -> None:
        self.query = query
        self.toks = _lex(query)
        self.i = 0
        self.depth = 0
        self.terms = 0

    def peek(self) -> _Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def at_end_of_term(self) -> bool:
        """True when no term follows: the end, an operator or a closing parenthesis."""
        tok = self.peek()
        return tok is None or tok.text in ("OR", "AND", ")")

    def error(self, tok: _Tok | None, message: str) -> QueryError:
        where = f"column {tok.col}" if tok else "the end"
        return QueryError(f"query: {_printable(message)} at {where}: {shown(self.query)}")

    def nested(self, node: Not | And | Or, tok: _Tok | None) -> Node:
        """The node, once it is known to nest no deeper than the index can answer."""
        if _nesting(node) > MAX_NESTING:
            raise self.error(tok, f"AND, OR and NOT nested deeper than {MAX_NESTING} levels; simplify the query")
        return node

    def parse(self) -> Node:
        if not self.toks:
            raise QueryError('query: empty query; give a word, a "phrase" or a field such as year:2021')
        node = self.or_expr()
        tok = self.peek()
        if tok is not None:
            raise self.error(tok, f"unexpected '{_clip(tok.text)}'" + (" (no '(' to close)" if tok.text == ")" else ""))
        return node

    def or_expr(self) -> Node:
        first = self.peek()
        parts = [self.and_expr()]
        while (tok := self.peek()) is not None and tok.text == "OR":
            self.i += 1
            if self.at_end_of_term():
                raise self.error(tok, "'OR' needs a term after it")
            parts.append(self.and_expr())
        return parts[0] if len(parts) == 1 else self.nested(Or(tuple(parts)), first)

    def and_expr(self) -> Node:
        first = self.peek()
        parts = [self.unary()]
        while (tok := self.peek()) is not None and tok.text not in ("OR", ")"):
            if tok.text == "AND":
                self.i += 1
                if self.at_end_of_term():
                    raise self.error(tok, "'AND' needs a term after it")
                continue
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else self.nested(And(tuple(parts)), first)

    def unary(self) -> Node:
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise self.error(self.peek(), f"nested deeper than {MAX_DEPTH} levels; simplify the query")
            return self._unary()
        finally:
            self.depth -= 1

    def _unary(self) -> Node:
        tok = self.peek()
        if tok is None:
            raise self.error(tok, "a term is missing")
        if tok.text in ("AND", "OR"):
            raise self.error(tok, f"'{tok.text}' needs a term before it")
        if tok.text == "NOT":
            self.i += 1
            if self.at_end_of_term():
                raise self.error(tok, "'NOT' needs a term after it")
            return self.nested(Not(self.unary()), tok)
        after = self.toks[self.i + 1] if self.i + 1 < len(self.toks) else None
        if tok.text == "-" and after is not None and after.text == "(" and after.col == tok.col + 1:
            self.i += 1  # -( ... ) leaves out a group, as -term leaves out a term
            return self.nested(Not(self.unary()), tok)
        if tok.text == "(":
            self.i += 1
            if (close := self.peek()) is not None and close.text == ")":
                raise self.error(tok, "empty '( )'")
            node = self.or_expr()
            close = self.peek()
            if close is None or close.text != ")":
                raise self.error(tok, "'(' is never closed")
            self.i += 1
            return node
        if tok.text == ")":
            raise self.error(tok, "')' has no '(' to close")
        self.i += 1
        if tok.text.startswith("-") and len(tok.text) > 1:
            return self.nested(Not(self.atom(_Tok(tok.text[1:], tok.col + 1))), tok)
        return self.atom(tok)

    def atom(self, tok: _Tok) -> Node:
        self.terms += 1
        if self.terms > MAX_TERMS:
            raise self.error(tok, f"more than {MAX_TERMS} terms; simplify the query")
        text = tok.text
        m = re.match(r"([A-Za-z][A-Za-z\-]*):(.*)$", text, re.S)
        if not m or m[2].startswith("//"):
            return _term(text, None)
        field, value = m[1].lower(), m[2]
        if field not in FIELDS:
            close = get_close_matches(field, FIELDS, n=1)
            hint = f" (did you mean '{close[0]}:'?)" if close else f" (fields: {', '.join(FIELDS)})"
            raise self.error(tok, f"unknown field '{field}'{hint}")
        if not value:
            raise self.error(tok, f"'{field}:' needs a value, e.g. {_example(field)}")
        if field in NUMBER_FIELDS:
            return _number(field, value, lambda msg: self.error(tok, msg))
        if field in EXACT_FIELDS:
            return Compare(field, "=", value.strip('"'))
        return _term(value, field)


def _nesting(node: Node) -> int:
    """How deep AND, OR and NOT nest in a tree: 0 for a term."""
    if isinstance(node, Not):
        return 1 + _nesting(node.inner)
    if isinstance(node, And | Or):
        return 1 + max(_nesting(p) for p in node.parts)
    return 0


def _clip(text: str, limit: int = 40) -> str:
    """User text quoted inside a message, cut short."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _example(field: str) -> str:
    return {"year": "year:>=2021", "citations": "citations:>100", "status": "status:read"}.get(
        field, f"{field}:CLIP" if field != "arxiv" else "arxiv:2103.00020"
    )


def _term(text: str, field: str | None) -> Term:
    if text.startswith('"') and text.endswith('"') and len(text) >= 2:
        return Term(text[1:-1], field, phrase=True)
    return Term(text, field)


def _number(field: str, value: str, fail: Callable[[str], QueryError]) -> Compare:
    m = re.fullmatch(r"(\d+)\.\.(\d+)|(>=|<=|>|<|=|!=)?(\d+)", value)
    if not m:
        raise fail(f"{field}:{_clip(value)} needs a number, e.g. {field}:2021, {field}:>=2021 or {field}:2021..2023")
    numbers = [n for n in (m[1], m[2], m[4]) if n is not None]
    if any(len(n.lstrip("0")) > MAX_DIGITS for n in numbers):
        raise fail(f"{field}:{_clip(value)} is too large a number (more than {MAX_DIGITS} digits)")
    low, *high = [str(int(n.lstrip("0") or "0")) for n in numbers]  # any script's digits (٢٠٢١) as ASCII
    if not high:
        return Compare(field, m[3] or "=", low)
    if int(low) > int(high[0]):
        raise fail(f"{field}:{_clip(value)} is an empty range; write the smaller number first")
    return Compare(field, "..", low, high[0])


# Full-width forms (ＣＬＩＰ, ｙｅａｒ：２０２３, －status:read, a Chinese input method's ：（）) as their ASCII
# letters, one character for one, so that the columns of an error still point into the query as typed.
_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def parse_query(query: str) -> Node:
    """Parse a query string into a tree; QueryError for anything malformed. Full-width letters, digits and
    signs read as their ASCII forms (`name：BLIP-2` is `name:BLIP-2`)."""
    return _Parser(query.translate(_FULL_WIDTH)).parse()


class Filters(NamedTuple):
    """Command-line filters (`--org`, `--since` …), each ANDed to the query."""

    org: str | None = None
    year: int | None = None
    since: int | None = None
    until: int | None = None
    llm: str | None = None
    encoder: str | None = None
    tag: str | None = None

    def nodes(self) -> list[Node]:
        """The filters as query nodes; QueryError for a value no query could hold."""
        out: list[Node] = []
        for field in ("org", "llm", "encoder", "tag"):
            value = getattr(self, field)
            if value:
                _check_text(value, f"--{field}")
                out.append(Term(value, field))
        for field in ("year", "since", "until"):
            number = getattr(self, field)
            if number is not None and abs(number) >= 10**MAX_DIGITS:
                raise QueryError(f"--{field}: a number of more than {MAX_DIGITS} digits; give a year such as 2021")
        if self.year is not None:
            out.append(Compare("year", "=", str(self.year)))
        if self.since is not None:
            out.append(Compare("year", ">=", str(self.since)))
        if self.until is not None:
            out.append(Compare("year", "<=", str(self.until)))
        return out


def combine(query: str | None, filters: Filters | None = None) -> Node | None:
    """The query (if any) ANDed with the filters (if any); None matches everything."""
    parts: list[Node] = [parse_query(query)] if query and query.strip() else []
    parts += filters.nodes() if filters else []
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else And(tuple(parts))
