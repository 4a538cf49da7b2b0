"""Where a paper goes in the timeline picture: its lane (by organisation, family or tag), its place on the time
axis, and the rows that keep labels from overlapping. Records in, plain geometry out; the SVG view in
timeline.py draws it, and the HTML page's script lays out the same lanes again when a reader zooms.

A *family* is a set of papers that one of these ties together, directly or through others:

- one improves on or builds on the other (a lineage relation of the notes; `uses` is left out, since half the
  field uses CLIP or ViT);
- their names are the same once versions are left out (`family_key`: BLIP and BLIP-2; Qwen-VL and Qwen2-VL;
  LLaVA, LLaVA-1.5 and LLaVA-NeXT);
- the other's name is one word of at least four letters that is a word of this one's (EVA-CLIP, Video-LLaVA),
  or that ends this one's one-word name after a known prefix (InstructBLIP, OpenFlamingo, TinyLLaVA).

A family is named after its earliest paper; papers in no family share one lane.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from vlmnotes.formats import one_line
from vlmnotes.lineage import Edge

Record = dict[str, Any]

LANE_KINDS = ("org", "family", "tag", "none")
# More lanes than this make a picture no one reads: the smallest of the rest are gathered in one.
MAX_LANES = 30
# Relations that make two papers one family; `uses` is a component taken, not a lineage.
FAMILY_TYPES = ("improves-on", "builds-on")
# Words of a name that mark a version, a size or a release, not another model.
_VERSION = re.compile(r"v?\d+[a-z]?|next|onevision|plus|pro|hd|chat")
_FAMILY_PREFIXES = ("instruct", "video", "open", "tiny", "mini", "mobile")
_NAME_WORDS = re.compile(r"[^\W_]+")


def family_key(name: str) -> str:
    """The name without its version: words lower-cased, version and size words left out, trailing digits cut
    ('Qwen2.5-VL-7B' -> 'qwen vl', 'LLaVA-1.5' -> 'llava', 'BLIP-2' -> 'blip')."""
    words = _NAME_WORDS.findall(unicodedata.normalize("NFKC", name).lower())
    kept = [w.rstrip("0123456789") for w in words if not _VERSION.fullmatch(w)]
    return " ".join(w for w in kept if w)


class _Union:
    """Disjoint sets over record indices (union by joining to the smaller index, so a root is the first)."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def join(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def families(records: list[Record], edges: Iterable[Edge]) -> list[int | None]:
    """For each record (in date order), the index of the earliest record of its family, or None when it has
    no family (no relation and no name shared with another record)."""
    union = _Union(len(records))
    at = {str(r["id"]): i for i, r in enumerate(records)}
    for edge in edges:
        if edge.type in FAMILY_TYPES and edge.source in at and edge.target in at:
            union.join(at[edge.source], at[edge.target])
    keys = [family_key(str(r.get("name") or "")) for r in records]
    first: dict[str, int] = {}
    for i, key in enumerate(keys):
        if len(key.replace(" ", "")) >= 3:
            union.join(first.setdefault(key, i), i)
    single = {key: i for key, i in first.items() if " " not in key and len(key) >= 4}
    for i, key in enumerate(keys):
        words = key.split()
        for word in words if len(words) > 1 else ():
            if word in single:
                union.join(single[word], i)
        if len(words) == 1:
            for prefix in _FAMILY_PREFIXES:
                rest = words[0].removeprefix(prefix)
                if rest != words[0] and rest in single:
                    union.join(single[rest], i)
    roots = [union.find(i) for i in range(len(records))]
    sizes: dict[int, int] = {}
    for root in roots:
        sizes[root] = sizes.get(root, 0) + 1
    return [root if sizes[root] > 1 else None for root in roots]


@dataclass(frozen=True)
class Lanes:
    """The lanes of a picture: their labels in order, and the lane of each record (in the records' order)."""

    kind: str
    names: list[str]
    of: list[int]


NONE_LABELS = {"org": "no organisation", "family": "no family", "tag": "no tag", "none": ""}
_PLURAL = {"org": "organisations", "family": "families", "tag": "tags"}


def _tag_of(records: list[Record]) -> list[str | None]:
    """Each record's most specific shared tag: of its tags that at least two records carry, the one the fewest
    carry (the first of equals); a tag of one paper would make a lane of one."""
    counts: dict[str, int] = {}
    for r in records:
        for tag in set(r.get("tags") or []):
            counts[tag] = counts.get(tag, 0) + 1
    out: list[str | None] = []
    for r in records:
        shared = [t for t in r.get("tags") or [] if counts[t] > 1]
        out.append(min(shared, key=lambda t: counts[t]) if shared else None)
    return out


def lanes(records: list[Record], kind: str, edges: Iterable[Edge] = ()) -> Lanes:
    """Lanes for `records` (in date order) by `kind`: `org` (a paper's first organisation), `family` (see the
    module's docstring), `tag` (its most specific shared tag) or `none` (one lane). Lanes are in the order of
    their first paper, the lane of papers without one last; past MAX_LANES the smallest lanes become one."""
    if kind == "org":
        keys: list[str | None] = [((r.get("orgs") or [None])[0]) for r in records]
    elif kind == "family":
        roots = families(records, edges)
        keys = [None if root is None else str(records[root].get("name") or records[root]["id"]) for root in roots]
    elif kind == "tag":
        keys = _tag_of(records)
    elif kind == "none":
        keys = [None] * len(records)
    else:
        raise ValueError(f"unknown lane kind {kind!r}; one of {', '.join(LANE_KINDS)}")
    keys = [None if k is None else one_line(k) for k in keys]  # a label: on one line, nothing invisible
    sizes: dict[str, int] = {}
    for key in keys:
        if key is not None:
            sizes[key] = sizes.get(key, 0) + 1
    names = list(sizes)  # in the order of their first paper
    if len(names) > MAX_LANES - 1:
        kept = set(sorted(names, key=lambda k: -sizes[k])[: MAX_LANES - 2])
        names = [k for k in names if k in kept] + [f"{len(names) - len(kept)} more {_PLURAL[kind]}"]
        keys = [k if k is None or k in kept else names[-1] for k in keys]
    if None in keys:
        names.append(NONE_LABELS[kind])
    index: dict[str | None, int] = {key: i for i, key in enumerate(names)}
    index[None] = len(names) - 1
    return Lanes(kind, names, [index[k] for k in keys])


# --- time and geometry ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    """Where a date lies on the time axis, in years (2021.5 is the start of July 2021): from `start` to `end`,
    the whole year for a year-only date, the month for a month, a point for a day."""

    start: float
    end: float
    precision: str  # year, month or day


def span(record: Record) -> Span | None:
    """The record's date on the time axis, None when it is undated."""
    date = str(record.get("date") or record.get("year") or "")
    parts = date.split("-")
    try:
        year = int(parts[0])
        if len(parts) == 1:
            return Span(year, year + 1, "year")
        month = int(parts[1])
        if len(parts) == 2:
            return Span(year + (month - 1) / 12, year + month / 12, "month")
        day = int(parts[2][:2])
    except ValueError:
        return None
    at = year + (month - 1) / 12 + (min(day, 30) - 1) / 360
    return Span(at, at, "day")


def text_width(text: str, size: float) -> float:
    """A generous guess at how wide `text` is in a sans-serif font of `size` pixels (wide CJK characters one em,
    capitals and digits wider than small letters), so that laid-out labels never overlap or get cut."""
    width = 0.0
    for ch in text:
        if unicodedata.east_asian_width(ch) in "WF":
            width += 1.0
        elif ch.isupper():
            width += 0.7
        elif ch.isdigit() or ch.islower():
            width += 0.58
        elif ch == " ":
            width += 0.3
        else:
            width += 0.62
    return width * size


def pack(items: Iterable[tuple[float, float]], gap: float) -> list[int]:
    """Rows for intervals (left, right) given in left order: each goes in the first row where it clears the one
    before it by `gap`, else in a new row."""
    ends: list[float] = []
    rows = []
    for left, right in items:
        row = next((i for i, end in enumerate(ends) if end + gap <= left), len(ends))
        if row == len(ends):
            ends.append(right)
        else:
            ends[row] = right
        rows.append(row)
    return rows


@dataclass(frozen=True)
class Mark:
    """One dated paper placed in the picture: its mark from `x0` to `x1` (a point for a day), its label from
    `label_x` to `right`, on the row centred at `y`."""

    index: int  # in the records given
    span: Span
    x0: float
    x1: float
    label_x: float
    right: float
    y: float


@dataclass(frozen=True)
class Layout:
    """The dated papers of a picture placed on a time axis in lanes; `lane_rows[i]` is (top, bottom) of lane i."""

    marks: list[Mark]
    lane_rows: list[tuple[float, float]]
    first_year: int
    last_year: int  # the axis ends where this year ends
    left: float  # x of the start of first_year
    per_year: float
    right: float  # the right end of the widest thing drawn
    bottom: float


def place(
    records: list[Record], lanes: Lanes, *, left: float, top: float, per_year: float, row: float, font: float
) -> Layout:
    """Lay the dated records out: x from the date, lanes one under the other, labels packed into rows so that
    none overlaps another (`text_width` guesses their width)."""
    spans = [span(r) for r in records]
    dated = [i for i, s in enumerate(spans) if s is not None]
    years = [int(s.start) for s in spans if s is not None]
    first, last = (min(years), max(years)) if years else (0, 0)
    boxes: dict[int, tuple[Span, float, float, float, float]] = {}  # index -> span, x0, x1, label_x, right
    for i, s in enumerate(spans):
        if s is None:
            continue
        x0 = left + (s.start - first) * per_year
        x1 = max(x0 + (s.end - s.start) * per_year, x0 + (0 if s.precision == "day" else 6))
        label_x = x0 + 5 if s.precision == "year" else max(x1, x0 + 4) + 5
        end = label_x + text_width(label_of(records[i]), font)
        boxes[i] = (s, x0, x1, label_x, max(end, x1))
    marks: list[Mark] = []
    lane_rows: list[tuple[float, float]] = []
    y = top
    for lane in range(len(lanes.names)):
        members = [i for i in dated if lanes.of[i] == lane]
        rows = pack(((boxes[i][1], boxes[i][4]) for i in members), gap=8)
        height = (max(rows) + 1 if rows else 1) * row
        for i, r in zip(members, rows, strict=True):
            marks.append(Mark(i, *boxes[i], y + 4 + r * row + row / 2))
        lane_rows.append((y, y + height + 8))
        y += height + 8
    right = max([left + (last + 1 - first) * per_year] + [m.right for m in marks])
    return Layout(marks, lane_rows, first, last, left, per_year, right, y)


def label_of(record: Record) -> str:
    """The short way to name a record: its name, else its title, else its id."""
    return str(record.get("name") or record.get("title") or record.get("id"))
