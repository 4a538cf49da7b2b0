"""Lint rules as data: each registers with a stable code, a slug, a default severity and a docstring.

    @rule("VN301", "empty-field", "warning")
    def empty_field(doc: LintDocument) -> Iterator[Finding]:
        '''A labelled field with nothing after it and no sub-items.

        Bad:  - **背景:**
        Good: - **背景:** 传统视觉模型只能识别固定类别
        '''

A rule yields Findings; a finding may carry a Fix (line edits) that `vlmnotes lint --fix` applies.
"""

from __future__ import annotations

import inspect
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from vlmnotes.lint.document import LintDocument

Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")


@dataclass(frozen=True)
class Edit:
    """Replace columns [start, end) of one 1-based line with `text` (end None = to the end of the line);
    `delete_line` removes the line."""

    line: int
    start: int = 0
    end: int | None = None
    text: str = ""
    delete_line: bool = False


@dataclass(frozen=True)
class Fix:
    """Edits that make a finding go away; `safe` fixes run with --fix, the others need --unsafe-fixes."""

    edits: tuple[Edit, ...]
    safe: bool = True


@dataclass
class Finding:
    """One problem at one place in one file: line and columns (1-based, in characters of the line as the file
    has it; end_column is exclusive); the message is one line (see escape_controls)."""

    code: str
    message: str
    line: int
    column: int = 1
    end_line: int = 0
    end_column: int = 0
    fix: Fix | None = None
    path: str = ""
    severity: Severity = "warning"
    slug: str = ""

    def __post_init__(self) -> None:
        self.end_line = self.end_line or self.line
        self.end_column = self.end_column or self.column + 1
        self.message = escape_controls(self.message)


# Line breaks, control characters and the bidi overrides that reorder what a terminal shows.
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def escape_controls(text: str) -> str:
    """Text with every line break, control character and bidi override written as an escape (`\\n`, `\\x1b`,
    `\\u2028`), so that a message quoting a note (a tag over two lines, a link with `%0A` decoded) stays one line
    in every output format, and a terminal shows it as text."""
    if text.isprintable():  # the common case, checked in C; ideographic and other spaces fail it: look closer
        return text
    return "".join(_escaped(c) for c in text)


def _escaped(char: str) -> str:
    if char in _NAMED:
        return _NAMED[char]
    if unicodedata.category(char) in ("Cc", "Zl", "Zp") or char in _BIDI:
        return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"
    return char


Check = Callable[["LintDocument"], Iterator[Finding]]


@dataclass(frozen=True)
class Rule:
    """A registered rule."""

    code: str
    slug: str
    severity: Severity
    check: Check
    doc: str
    fixable: bool
    scope: Literal["file", "corpus"] = "file"

    @property
    def summary(self) -> str:
        """The first line of the docstring."""
        return self.doc.strip().split("\n")[0]


RULES: dict[str, Rule] = {}


def rule(
    code: str, slug: str, severity: Severity = "warning", *, fixable: bool = False, scope: str = "file"
) -> Callable[[Check], Check]:
    """Register a rule function under a stable code and slug."""

    def register(check: Check) -> Check:
        if code in RULES:
            raise ValueError(f"rule {code} registered twice")
        doc = inspect.getdoc(check) or ""
        RULES[code] = Rule(code, slug, severity, check, doc, fixable, scope)  # type: ignore[arg-type]
        return check

    return register


@dataclass
class Selection:
    """Which rules run and at what severity: select / ignore / extend-select by code or prefix."""

    select: list[str] = field(default_factory=lambda: ["VN"])
    ignore: list[str] = field(default_factory=list)
    extend_select: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    severities: dict[str, Severity] = field(default_factory=dict)
    root: str = ""  # the folder of the configuration file: per-file patterns are relative to it

    def enabled(self, code: str, path: str = "") -> bool:
        """True when `code` is selected and not ignored (for `path`, with per-file ignores)."""
        chosen = _longest(code, self.select + self.extend_select)
        dropped = _longest(code, self.ignore)
        for pattern, codes in self.per_file_ignores.items():
            if path and self._matches(path, pattern):
                dropped = max(dropped, _longest(code, codes))
        return chosen > 0 and chosen > dropped

    def _matches(self, path: str, pattern: str) -> bool:
        import os
        from fnmatch import fnmatch

        names = {path, path.split("/")[-1]}
        if self.root:
            names.add(os.path.relpath(os.path.abspath(path), self.root).replace(os.sep, "/"))
        return any(fnmatch(name, pattern) for name in names)

    def configured(self, code: str) -> Severity | None:
        """The severity the configuration gives a rule, by code or the longest prefix, if any."""
        best = max((p for p in self.severities if code.startswith(p)), key=len, default=None)
        return self.severities[best] if best else None

    def severity(self, code: str) -> Severity:
        """The severity the configuration gives a rule (by code or prefix), else its default."""
        return self.configured(code) or RULES[code].severity


def _longest(code: str, prefixes: list[str]) -> int:
    """Length of the longest prefix of `code` in the list (0 when none): the more specific entry wins."""
    return max((len(p) for p in prefixes if code.startswith(p) or p == "ALL"), default=0)
