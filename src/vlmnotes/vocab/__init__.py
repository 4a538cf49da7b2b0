"""The bilingual vocabulary (components, organisations, venues), kept as YAML data beside this module.

A user extends it with a `vlmnotes-vocab.yaml` file in the notes folder, in the same shape:
`components: {slot: [{name, aliases}]}`, `orgs: [{name, aliases}]`, `venues: [{name, aliases, kind}]`, where a
venue's kind (conference, journal or preprint; conference when left out) decides how a bibliography cites it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import ahocorasick
import yaml

from vlmnotes.errors import VocabularyError

VENUE_KINDS = ("conference", "journal", "preprint")

# Characters that continue a Latin word; an alias must not be glued to one on either side.
_WORD = "A-Za-z0-9_"


class _Table(dict[int, int]):
    """A str.translate table that remembers the characters it leaves as they are: translate looks each one up,
    and a miss in a plain dict costs an exception per character."""

    def __missing__(self, code: int) -> int:
        self[code] = code
        return code


# Full-width ASCII and curly apostrophes fold to plain ASCII without changing string length.
_FOLD = _Table({c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)} | {ord("’"): ord("'"), ord("‘"): ord("'"), 0x3000: 0x20})


def fold(text: str) -> str:
    """Fold full-width characters and curly apostrophes; the result has the same length."""
    return text if text.isascii() else text.translate(_FOLD)


@dataclass(frozen=True)
class Term:
    """A canonical name with its category (a component slot, 'org' or 'venue')."""

    category: str
    name: str
    label_only: bool = False


@dataclass(frozen=True)
class Match:
    """A vocabulary term found in a text, with its span."""

    term: Term
    start: int
    end: int
    text: str


def _alias_pattern(alias: str) -> str:
    """A regex for an alias: spaces, hyphens and underscores alike; glued to no Latin word."""
    alias = fold(alias)
    parts = re.split(r"[\s\-_‐‑–]+", alias.strip())
    body = r"[\s\-_‐‑–]*".join(re.escape(p) for p in parts if p)
    if re.match(f"[{_WORD}]", alias[0]):
        body = rf"(?<![{_WORD}\-]){body}"
    if re.match(f"[{_WORD}]", alias[-1]):
        body = rf"{body}(?![{_WORD}]|-[A-Za-z]|\.\d)"
    return body


def _is_case_sensitive(alias: str, category: str) -> bool:
    if category == "org":
        return True
    return len(alias) <= 3 and alias.isupper()


_TOKEN = re.compile(r"[a-z0-9]+")
_SEPARATORS = re.compile(r"[\s\-_‐‑–]+")  # what an alias's pattern allows between its parts (_alias_pattern)


class _Alias:
    """One alias: its term, a compiled pattern (made on first use), its parts (lower case, folded) and the word
    it starts with, if it starts with a letter or digit."""

    __slots__ = ("_pattern", "alias", "first", "parts", "term")

    def __init__(self, alias: str, term: Term) -> None:
        self.alias = alias
        self.term = term
        self._pattern: re.Pattern[str] | None = None
        self.parts = [p for p in _SEPARATORS.split(fold(alias).lower()) if p]
        first = _TOKEN.match(self.parts[0]) if self.parts else None
        self.first = first.group() if first else None

    @property
    def pattern(self) -> re.Pattern[str]:
        if self._pattern is None:
            flags = 0 if _is_case_sensitive(self.alias, self.term.category) else re.IGNORECASE
            self._pattern = re.compile(_alias_pattern(self.alias), flags)
        return self._pattern


class _Matcher:
    """Finds many aliases in a text: one pass of an Aho-Corasick automaton (pyahocorasick) over the text, in
    lower case and without spaces and hyphens, tells which aliases it may contain; their own patterns then
    find them, with what the automaton does not know (case, word boundaries, 'ViT-L/14' written 'ViT L/14').

    Before, a token lookup picked the aliases whose first word the text has, Chinese ones by their first
    character (a loop over every character of every line), and each picked alias's pattern scanned the
    text: a fifth of the parser's time, most of it on aliases that were not there.
    """

    def __init__(self) -> None:
        self.automaton = ahocorasick.Automaton()
        self.aliases: list[tuple[_Alias, ...]] = []  # the automaton's values index this

    def compile(self, entries: list[tuple[str, Term]]) -> None:
        by_key: dict[str, list[_Alias]] = {}
        for alias, term in entries:
            item = _Alias(alias, term)
            if item.parts:
                by_key.setdefault("".join(item.parts), []).append(item)
        for key, items in by_key.items():
            self.automaton.add_word(key, len(self.aliases))
            self.aliases.append(tuple(items))
        if self.aliases:
            self.automaton.make_automaton()

    def find(self, text: str) -> list[Match]:
        if not self.aliases:
            return []
        folded = fold(text)
        low = folded.lower()
        hits = {value for _, value in self.automaton.iter(_SEPARATORS.sub("", low))}
        if not hits:
            return []
        words = set(_TOKEN.findall(low))
        found: list[tuple[int, int, Term]] = []
        for value in sorted(hits):
            for item in self.aliases[value]:
                # As before the automaton: an alias is looked for where its first word stands alone somewhere in
                # the text ('ViTL/14' alone has no 'ViT-L/14'); one starting otherwise, where each part is there.
                if item.first in words if item.first else not low.isascii() and all(p in low for p in item.parts):
                    found += [(m.start(), -m.end(), item.term) for m in item.pattern.finditer(folded)]
        # Leftmost first, longest at each place ('ViT-L/14' over 'ViT', '掩码语言建模' over '语言建模').
        found.sort(key=lambda f: (f[0], f[1]))
        out: list[Match] = []
        end = 0
        for start, neg_end, term in found:
            if start >= end:
                out.append(Match(term, start, -neg_end, text[start:-neg_end]))
                end = -neg_end
        return out


class Vocabulary:
    """Canonical components, organisations and venues with their English and Chinese aliases."""

    def __init__(self, data: list[dict[str, Any]]) -> None:
        self.components: dict[str, list[tuple[str, list[str], bool]]] = {}
        self.orgs: list[tuple[str, list[str]]] = []
        self.venues: list[tuple[str, list[str]]] = []
        self._venue_kinds: dict[str, str] = {}
        for doc in data:
            for slot, items in (doc.get("components") or {}).items():
                for item in items or []:
                    self.components.setdefault(slot, []).append(
                        (item["name"], list(item.get("aliases") or []), bool(item.get("label_only")))
                    )
            for item in doc.get("orgs") or []:
                self.orgs.append((item["name"], list(item.get("aliases") or [])))
            for item in doc.get("venues") or []:
                self.venues.append((item["name"], list(item.get("aliases") or [])))
                self._venue_kinds[item["name"]] = item.get("kind") or "conference"
        comp_entries: list[tuple[str, Term]] = []
        for slot, items in self.components.items():
            for name, aliases, label_only in items:
                term = Term(slot, name, label_only)
                comp_entries += [(a, term) for a in {name, *aliases}]
        self._components = _Matcher()
        self._components.compile(comp_entries)
        self._orgs = _Matcher()
        self._orgs.compile([(a, Term("org", n)) for n, al in self.orgs for a in {n, *al}])
        self._venue_by_alias = {fold(a).lower(): n for n, al in self.venues for a in {n, *al}}
        self._org_names = {n for n, _ in self.orgs}
        self._org_by_alias = {fold(a).lower(): n for n, al in self.orgs for a in {n, *al}}
        self._component_alias_index: dict[str, set[str]] = {}
        for alias, term in comp_entries:
            self._component_alias_index.setdefault(term.name, set()).add(alias)

    def find_components(self, text: str) -> list[Match]:
        """Every component term in `text`, longest alias first at each place."""
        return self._components.find(text)

    def find_orgs(self, text: str) -> list[Match]:
        """Every organisation named in `text`."""
        return self._orgs.find(text)

    def org(self, text: str) -> str | None:
        """The canonical organisation when `text` is exactly one of its aliases."""
        return self._org_by_alias.get(fold(text).strip().lower())

    def venue(self, text: str) -> str | None:
        """The canonical venue name for an alias such as NIPS, or None."""
        return self._venue_by_alias.get(fold(text).strip().lower())

    def venue_in(self, text: str) -> str | None:
        """The first venue a free text names ('Transactions on … (TMLR), 2023' → TMLR), as a word or two."""
        words = re.findall(r"[A-Za-z][A-Za-z\-]*", fold(text))
        for i in range(len(words)):
            for name in (self.venue(" ".join(words[i : i + n])) for n in (2, 1)):
                if name:
                    return name
        return None

    def venue_kind(self, text: str) -> str:
        """How a venue publishes: 'journal', 'preprint' or 'conference' (also for a venue it does not know).
        `text` is a canonical name or any alias."""
        return self._venue_kinds.get(self.venue(text) or text, "conference")

    def org_names(self) -> list[str]:
        """Every canonical organisation name."""
        return sorted(self._org_names)

    def aliases_of(self, canonical: str) -> set[str]:
        """Every alias of a canonical component name."""
        return self._component_alias_index.get(canonical, set())


def _yaml(text: str) -> Any:
    """YAML through libyaml's C loader where PyYAML has it (five times faster on the vocabulary)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(text, Loader=loader)


def _load_builtin() -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = []
    pkg = resources.files("vlmnotes.vocab")
    docs.append({"components": _yaml(pkg.joinpath("components.yaml").read_text("utf-8"))})
    docs.append({"orgs": _yaml(pkg.joinpath("orgs.yaml").read_text("utf-8"))})
    docs.append({"venues": _yaml(pkg.joinpath("venues.yaml").read_text("utf-8"))})
    return docs


def _check_user_doc(path: Path, doc: object) -> dict[str, Any]:
    if doc is None:
        return {}
    if not isinstance(doc, dict) or not set(doc) <= {"components", "orgs", "venues"}:
        raise VocabularyError(f"{path}: expected the keys components, orgs and venues only")
    for key in ("orgs", "venues"):
        for item in doc.get(key) or []:
            if not isinstance(item, dict) or "name" not in item:
                raise VocabularyError(f"{path}: every entry under {key} needs a name (name: X, aliases: [...])")
    for item in doc.get("venues") or []:
        if item.get("kind", "conference") not in VENUE_KINDS:
            raise VocabularyError(
                f"{path}: venue '{item['name']}' has kind '{item['kind']}'; use one of {', '.join(VENUE_KINDS)}"
            )
    for slot, items in (doc.get("components") or {}).items():
        for item in items or []:
            if not isinstance(item, dict) or "name" not in item:
                raise VocabularyError(f"{path}: every entry under components.{slot} needs a name")
    return doc


def load_vocabulary(user_file: Path | None = None) -> Vocabulary:
    """The built-in vocabulary, extended by a user's vocabulary file when given (read again once it changed).

    Raises VocabularyError naming the file when it is not a vocabulary."""
    try:
        st = user_file.stat() if user_file is not None else None
    except OSError:
        st = None
    return _load_vocabulary(user_file, (st.st_mtime_ns, st.st_size) if st else None)


@lru_cache(maxsize=8)
def _load_vocabulary(user_file: Path | None, stamp: tuple[int, int] | None) -> Vocabulary:
    docs = _load_builtin()
    if user_file is not None and user_file.is_file():
        try:
            user = _yaml(user_file.read_text("utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise VocabularyError(f"{user_file}: not valid YAML ({exc.__class__.__name__}); fix or remove it") from exc
        docs.append(_check_user_doc(user_file, user))
    return Vocabulary(docs)
