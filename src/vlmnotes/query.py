"""The query language shared by `search` and `list`, parsed into a small tree.

    clip                      free text (a prefix: `BLI` finds BLIP and BLIP-2)
    "frozen image encoder"    a phrase
    org:Salesforce  llm:Qwen  fields (component fields match canonical names and their aliases)
    year:>=2021  year:2021..2023   comparisons and ranges
    -term  NOT term           leave out
    a OR b                    either; terms side by side must all match
    ( ... )                   grouping

A malformed query raises QueryError (a usage error) naming the column and the problem.
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


def _lex(query: str) -> list[_Tok]:
    out: list[_Tok] = []
    pos = 0
    while pos < len(query):
        m = _TOKEN.match(query, pos)
        if m is None:  # pragma: no cover - the pattern matches any character
            raise QueryError(f"query: cannot read column {pos + 1}: {query!r}")
        text = m.group(0)
        if text == '"' or (text.count('"') % 2 == 1):
            raise QueryError(f'query: unclosed quote at column {pos + 1}: {query}; add the closing "')
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

    def peek(self) -> _Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def at_end_of_term(self) -> bool:
        """True when no term follows: the end, an operator or a closing parenthesis."""
        tok = self.peek()
        return tok is None or tok.text in ("OR", "AND", ")")

    def error(self, tok: _Tok | None, message: str) -> QueryError:
        where = f"column {tok.col}" if tok else "the end"
        shown = self.query if len(self.query) <= 80 else self.query[:77] + "..."
        return QueryError(f"query: {message} at {where}: {shown}")

    def parse(self) -> Node:
        if not self.toks:
            raise QueryError('query: empty query; give a word, a "phrase" or a field such as year:2021')
        node = self.or_expr()
        tok = self.peek()
        if tok is not None:
            raise self.error(tok, f"unexpected '{tok.text}'" + (" (no '(' to close)" if tok.text == ")" else ""))
        return node

    def or_expr(self) -> Node:
        parts = [self.and_expr()]
        while (tok := self.peek()) is not None and tok.text == "OR":
            self.i += 1
            if self.at_end_of_term():
                raise self.error(tok, "'OR' needs a term after it")
            parts.append(self.and_expr())
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def and_expr(self) -> Node:
        parts = [self.unary()]
        while (tok := self.peek()) is not None and tok.text not in ("OR", ")"):
            if tok.text == "AND":
                self.i += 1
                if self.at_end_of_term():
                    raise self.error(tok, "'AND' needs a term after it")
                continue
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else And(tuple(parts))

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
            return Not(self.unary())
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
            return Not(self.atom(_Tok(tok.text[1:], tok.col + 1)))
        return self.atom(tok)

    def atom(self, tok: _Tok) -> Node:
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


def _example(field: str) -> str:
    return {"year": "year:>=2021", "citations": "citations:>100", "status": "status:read"}.get(
        field, f"{field}:CLIP" if field != "arxiv" else "arxiv:2103.00020"
    )


def _term(text: str, field: str | None) -> Term:
    if text.startswith('"') and text.endswith('"') and len(text) >= 2:
        return Term(text[1:-1], field, phrase=True)
    return Term(text, field)


def _number(field: str, value: str, fail: Callable[[str], QueryError]) -> Compare:
    m = re.fullmatch(r"(\d+)\.\.(\d+)", value)
    if m:
        if int(m[1]) > int(m[2]):
            raise fail(f"{field}:{value} is an empty range; write the smaller number first")
        return Compare(field, "..", m[1], m[2])
    m = re.fullmatch(r"(>=|<=|>|<|=|!=)?(\d+)", value)
    if not m:
        raise fail(f"{field}:{value} needs a number, e.g. {field}:2021, {field}:>=2021 or {field}:2021..2023")
    return Compare(field, m[1] or "=", m[2])


def parse_query(query: str) -> Node:
    """Parse a query string into a tree; QueryError for anything malformed."""
    return _Parser(query).parse()


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
        """The filters as query nodes."""
        out: list[Node] = []
        for field in ("org", "llm", "encoder", "tag"):
            value = getattr(self, field)
            if value:
                out.append(Term(value, field))
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
