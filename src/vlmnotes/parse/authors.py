"""Author lists as notes write them, read into one name an author.

Cards, tables, front matter, reference lists and BibTeX blocks all hand their author text to `read_authors`:
'Alec Radford, Jong Wook Kim et al.', '王小明¹、李华²等', 'Smith, A., Jones, B., & White, C.',
'Chu, Xiangxiang and Qiao, Limeng', 'Ming Wang1, † Tim Brooks, etc.'. A name is kept as the note writes it
('Li J', 'Radford Alec', 'Dao, Tri'); only what is not part of any name (affiliation marks, the marker of an
incomplete list) is taken away.
"""

from __future__ import annotations

import re

# What ends a list that names only the first authors: 'A、B 等', 'A, B et al.', 'A and others', 'A, B, ...', 'A, etc.'.
_ET_AL = re.compile(
    r"[\s,，、;；]*(?:等(?:等|人)?|(?<![A-Za-z])(?:et(?:\.\s*|\s+)al\b\.?|and\s+others|etc\b\.?)|\.{3}|…|⋯)"
    r"\s*[.。]?\s*$",
    re.I,
)
# Authors are parted by these; a comma parts them too, unless it joins a family name to its given names.
_AUTHOR_SEP = re.compile(r"\s*(?:[、;；&]|\band\b)\s*")
_COMMA = re.compile(r"\s*[,，]\s*")
# Marks that point at an affiliation or a role, never part of a name: ¹², Wang1, †, ‡, *, §, #, [1], ^{1,2}.
_MARKS = re.compile(
    r"[†‡*∗⋆§#¶✉★☆♠♣♥♦✝]+|\^\{?[\d,\s]+\}?|\[\d+(?:\s*,\s*\d+)*\]"
    r"|[⁰¹²³⁴⁵⁶⁷⁸⁹]+(?:\s*[,，]\s*[⁰¹²³⁴⁵⁶⁷⁸⁹]+)*"
    r"|(?<=[^\W\d_])\s?\d{1,2}(?:\s*,\s*\d{1,2}(?!\d))*(?=\s*(?:[,，、;；&]|\band\b|$))"
)
_AFFILIATION = re.compile(r"[（(][^)）]*[)）]")  # 'Alec Radford (OpenAI)'
_PARTICLES = set("van von de der den del della di da du dos das le la ten ter".split())  # 'van Strien'
_INITIAL = re.compile(r"(?:[A-Z]\.\s*-?\s*)+|[A-Z]{1,2}")  # 'A.', 'J.-P.', 'C.H.', 'JW'
MAX_AUTHORS = 50  # a list longer than this is kept to its first names and marked incomplete


def strip_et_al(text: str) -> tuple[str, bool]:
    """`text` without the marker that ends an incomplete author list, and whether there was one
    ('A、B 等' → ('A、B', True)); a lone 'others' is BibTeX's marker."""
    rest, et_al = text.strip(), False
    while m := _ET_AL.search(rest):
        rest, et_al = rest[: m.start()], True
    if rest.lower() == "others":
        return "", True
    return rest, et_al


def read_authors(value: str | list[str]) -> tuple[list[str], bool]:
    """The names of an author list and whether the note marks it incomplete ('A、B 等' → ([A, B], True)).

    Text is split at 、;；& and 'and', and at commas unless the parts alternate between a family name and given
    names ('Smith, A., Jones, B.' and 'Dao, Tri' are 'Family, Given' pairs); a list (front matter, BibTeX) is
    read an item at a time the same way, so 'Radford, Alec' stays one name and an item holding several full names
    comma-separated is several. Affiliation marks (¹, Wang1, †, ‡, *) and the incomplete-list marker (et al., 等,
    etc.) are never part of a name; an ellipsis in the list marks it incomplete too; a list cut at MAX_AUTHORS
    counts as incomplete."""
    names: list[str] = []
    et_al = False
    for item in value if isinstance(value, list) else [value]:
        found, cut = _read_list(item)
        names += found
        et_al = et_al or cut
    return names[:MAX_AUTHORS], (et_al or len(names) > MAX_AUTHORS) and bool(names)


def _read_list(text: str) -> tuple[list[str], bool]:
    text = _MARKS.sub(" ", _AFFILIATION.sub(" ", " ".join(text.split())))
    rest, et_al = strip_et_al(text)
    names: list[str] = []
    for group in _AUTHOR_SEP.split(rest):
        parts = []
        for part in _COMMA.split(group):
            part = part.strip(" :：-–—\"'“”")
            if re.fullmatch(r"\.{2,}|…+|⋯+", part):
                et_al = True  # 'A, B, …, Z': the authors between are left out
            if part and not re.fullmatch(r"[\W\d_]*", part):
                parts.append(part)
        names += _pair(parts)
    return [_tidy(name) for name in names], et_al


def _tidy(name: str) -> str:
    """A name without the sentence's full stop: 'Sutskever Ilya.' → 'Sutskever Ilya' ('Hoi S.' keeps its initial's)."""
    name = " ".join(name.split())
    if name.endswith(".") and not _INITIAL.fullmatch(name.split()[-1].split(",")[-1]):
        name = name[:-1]
    return name


def _pair(parts: list[str]) -> list[str]:
    """Comma-separated parts as names: 'Family, Given' pairs where the parts alternate between the two, else one
    name a part. Every part must alternate for given names spelled out ('Dao, Tri'); initials after a family name
    ('Smith, A.') pair wherever they stand."""
    pairs = len(parts) >= 2 and len(parts) % 2 == 0
    if pairs and all(_family(parts[i]) and _given(parts[i + 1]) for i in range(0, len(parts), 2)):
        return [f"{parts[i]}, {parts[i + 1]}" for i in range(0, len(parts), 2)]
    out: list[str] = []
    i = 0
    while i < len(parts):
        if i + 1 < len(parts) and _family(parts[i], words=2) and _initials(parts[i + 1]):
            out.append(f"{parts[i]}, {parts[i + 1]}")
            i += 2
        else:
            out.append(parts[i])
            i += 1
    return out


def _word(token: str) -> bool:
    """A capitalised word of letters, maybe with a hyphen or an apostrophe: 'Radford', 'Allen-Zhu', "O'Brien"."""
    return token[:1].isupper() and all(c.isalpha() or c in "-'’" for c in token)


def _family(part: str, words: int = 1) -> bool:
    """A family name of at most `words` capitalised words, with its particles: 'Smith', 'van Strien', 'Allen-Zhu'
    ('De Mello', 'Bou Hanna' with words=2)."""
    tokens = part.split()
    named = [t for t in tokens if t.lower() not in _PARTICLES]
    return 1 <= len(named) <= words and _word(tokens[-1]) and all(_word(t) for t in named)


def _initials(part: str) -> bool:
    return bool(_INITIAL.fullmatch(part))


def _given(part: str) -> bool:
    """Given names or initials, at most three: 'A.', 'Tri', 'Jong Wook', 'John A.'."""
    words = part.split()
    return 1 <= len(words) <= 3 and all(_word(w) or _initials(w) for w in words)
