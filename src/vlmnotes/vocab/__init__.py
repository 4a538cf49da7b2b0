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

import yaml

from vlmnotes.errors import VocabularyError

VENUE_KINDS = ("conference", "journal", "preprint")

# Characters that continue a Latin word; an alias must not be glued to one on either side.
_WORD = "A-Za-z0-9_"
# Full-width ASCII and curly apostrophes fold to plain ASCII without changing string length.
_FOLD = str.maketrans({**{chr(c): chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)}, "’": "'", "‘": "'", "\u3000": " "})


def fold(text: str) -> str:
    """Fold full-width characters and curly apostrophes; the result has the same length."""
    return text.translate(_FOLD)


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


class _Alias:
    """One alias: its term, a compiled pattern (made on first use) and the key that finds it fast."""

    __slots__ = ("_pattern", "alias", "parts", "term")

    def __init__(self, alias: str, term: Term) -> None:
        self.alias = alias
        self.term = term
        self._pattern: re.Pattern[str] | None = None
        self.parts = [p for p in re.split(r"[\s\-_‐‑–]+", fold(alias).lower()) if p]

    @property
    def pattern(self) -> re.Pattern[str]:
        if self._pattern is None:
            flags = 0 if _is_case_sensitive(self.alias, self.term.category) else re.IGNORECASE
            self._pattern = re.compile(_alias_pattern(self.alias), flags)
        return self._pattern


class _Matcher:
    """Finds many aliases in a text: a token lookup picks the few that may occur, their own patterns decide.

    A single alternation of every alias was simple but scanned each text once per alias (0.5 ms a line,
    most of a 10k-paper build); the lookup keeps matching proportional to what the text contains.
    """

    def __init__(self) -> None:
        self.by_token: dict[str, list[_Alias]] = {}
        # Aliases that start with a CJK character, by that character: a text looks up only its own characters.
        self.by_char: dict[str, list[_Alias]] = {}

    def compile(self, entries: list[tuple[str, Term]]) -> None:
        for alias, term in entries:
            item = _Alias(alias, term)
            first = _TOKEN.match(item.parts[0]) if item.parts else None
            if first:
                self.by_token.setdefault(first.group(), []).append(item)
            elif item.parts:
                self.by_char.setdefault(item.parts[0][0], []).append(item)

    def find(self, text: str) -> list[Match]:
        folded = fold(text)
        low = folded.lower()
        candidates = [a for tok in set(_TOKEN.findall(low)) for a in self.by_token.get(tok, ())]
        if not low.isascii():
            chars = {c for c in low if c in self.by_char}
            candidates += [a for c in chars for a in self.by_char[c] if all(p in low for p in a.parts)]
        found: list[tuple[int, int, Term]] = []
        for item in candidates:
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
