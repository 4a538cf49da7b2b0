"""Timeline, comparison and statistics views: records in, grouped data or text (Markdown, Mermaid, SVG, HTML) out."""

from __future__ import annotations

import html
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from vlmnotes.formats import clean, md_link, md_text, one_line, paper_link, web_link
from vlmnotes.lanes import label_of

Record = dict[str, Any]


@dataclass
class Period:
    """Papers of one year (and month, when grouping by month); `month` None holds year-only dates."""

    year: int
    month: int | None
    records: list[Record] = field(default_factory=list)

    @property
    def label(self) -> str:
        """'2021' or '2021-02'."""
        return f"{self.year}" if self.month is None else f"{self.year}-{self.month:02d}"


@dataclass
class Timeline:
    """Papers in date order, grouped; undated papers kept apart, never dropped."""

    periods: list[Period]
    undated: list[Record]

    def records(self) -> list[Record]:
        """Every dated record in date order, then the undated ones."""
        return [r for p in self.periods for r in p.records] + self.undated

    def years(self) -> list[int]:
        """The years in order."""
        return sorted({p.year for p in self.periods})


def _month(record: Record) -> int | None:
    date = record.get("date") or ""
    return int(date[5:7]) if len(date) >= 7 else None


def build_timeline(records: list[Record], by: str = "year") -> Timeline:
    """Group records by year (and month with by='month'); year-only dates sit at their year."""
    dated = [r for r in records if r.get("year")]
    undated = [r for r in records if not r.get("year")]
    dated.sort(key=lambda r: (r.get("date") or str(r.get("year")), (r.get("name") or r.get("id") or "").lower()))
    periods: dict[tuple[int, int | None], Period] = {}
    for record in dated:
        month = _month(record) if by == "month" else None
        key = (int(record["year"]), month)
        periods.setdefault(key, Period(key[0], month)).records.append(record)
    ordered = sorted(periods.values(), key=lambda p: (p.year, p.month or 0))
    return Timeline(ordered, undated)


def in_timeline_order(records: list[Record], by: str = "year") -> list[Record]:
    """Records in the order a timeline lists them (`--format json`): the dated ones by period, in date order,
    then the undated ones. Reads the date, year, name and id of each record only."""
    return build_timeline(records, by).records()


label = label_of


def key_components(record: Record) -> str:
    """'ViT-L/14 · Q-Former · OPT' from the vision encoder, connector and LLM."""
    comps = record.get("components") or {}
    parts = [", ".join(comps.get(s) or []) for s in ("vision_encoder", "connector", "llm")]
    return " · ".join(p for p in parts if p)


def timeline_md(tl: Timeline) -> str:
    """Markdown: a heading per year (and month), a bullet per paper, its name linked to the paper, then links to
    its code and project page (web addresses only)."""
    lines = ["# Timeline", ""]
    year = None
    for period in tl.periods:
        if period.year != year:
            year = period.year
            lines += [f"## {year}", ""]
        if period.month is not None:
            lines += [f"### {period.label}", ""]
        for r in period.records:
            extra = md_text(", ".join(x for x in [", ".join(r.get("orgs") or []), key_components(r)] if x))
            when = md_text(r.get("date") or r.get("year"))
            lines.append(f"- {when} {_md_paper(r)}" + (f" ({extra})" if extra else "") + _md_more_links(r))
        lines.append("")
    if tl.undated:
        lines += [f"## Undated ({len(tl.undated)})", ""]
        lines += [f"- {_md_paper(r)}{_md_more_links(r)}" for r in tl.undated] + [""]
    return "\n".join(lines)


def _md_paper(record: Record) -> str:
    return f"**{md_link(md_text(label(record)), paper_link(record))}**"


def _md_more_links(record: Record) -> str:
    links = record.get("links") or {}
    return "".join(f" · {md_link(kind, links.get(kind))}" for kind in ("code", "project") if web_link(links.get(kind)))


# Mermaid's own escape is an entity code, `#lt;` or `#58;`, which it shows as the character. Written so: what
# separates events (`: `), starts a comment, a directive or an entity code (`%%`, `#`), or would be HTML or a
# string in the diagram (`<`, `>`, `&`, quotes, backtick).
_MERMAID = str.maketrans({"<": "#lt;", ">": "#gt;", "&": "#amp;", '"': "#quot;"} | {c: f"#{ord(c)};" for c in "'`#:%"})


def mermaid_text(value: object) -> str:
    """Note text for a Mermaid diagram: on one line, Mermaid's syntax and HTML written as entity codes."""
    return one_line(value).translate(_MERMAID).strip()


def timeline_mermaid(tl: Timeline) -> str:
    """A Mermaid `timeline` diagram: a section per year, a line per period, the papers as its events."""
    lines = ["timeline", "    title Vision-language papers"]
    year = None
    for period in tl.periods:
        if period.year != year:
            year = period.year
            lines.append(f"    section {year}")
        when = period.label if period.month is not None else str(period.year)
        events = " : ".join(mermaid_text(label(r)) for r in period.records)
        lines.append(f"        {when} : {events}")
    if tl.undated:
        lines.append("    section undated")
        lines.append("        ? : " + " : ".join(mermaid_text(label(r)) for r in tl.undated))
    return "\n".join(lines) + "\n"


def xml_text(value: object) -> str:
    """Note text for HTML or SVG, in a text node or a quoted attribute: escaped, and without the characters
    `formats.clean` leaves out (among them every one XML forbids, which would make the whole SVG unreadable)."""
    return html.escape(clean(value), quote=True)


def timeline_svg(tl: Timeline, lane_kind: str = "org") -> str:
    """The timeline as a self-contained SVG picture (`picture.svg`)."""
    from vlmnotes import picture

    return picture.svg(tl, lane_kind)


def timeline_html(tl: Timeline, lane_kind: str = "org") -> str:
    """The timeline as one self-contained, offline HTML page (`picture.html_page`)."""
    from vlmnotes import picture

    return picture.html_page(tl, lane_kind)


COMPARE_FIELDS: list[tuple[str, str]] = [
    ("date", "date"),
    ("orgs", "org"),
    ("venue", "venue"),
    ("arxiv_id", "arXiv"),
    ("vision_encoder", "vision encoder"),
    ("text_encoder", "text encoder"),
    ("llm", "LLM"),
    ("connector", "connector"),
    ("losses", "losses"),
    ("architecture", "architecture"),
    ("title", "title"),
]


def compare_rows(records: list[Record]) -> list[tuple[str, list[str]]]:
    """(field label, one value per paper) for the fields compared side by side."""
    rows = []
    for key, name in COMPARE_FIELDS:
        values = []
        for r in records:
            value = (r.get("components") or {}).get(key) if key not in r else r.get(key)
            values.append(", ".join(value) if isinstance(value, list) else str(value or ""))
        rows.append((name, values))
    return rows


def compare_md(records: list[Record]) -> str:
    """The comparison as a Markdown table, a column per paper; every cell of note text escaped alike."""
    head = "| | " + " | ".join(md_text(label(r)) for r in records) + " |"
    lines = [head, "|---" * (len(records) + 1) + "|"]
    for name, values in compare_rows(records):
        lines.append(f"| {name} | " + " | ".join(md_text(v) or "—" for v in values) + " |")
    return "\n".join(lines) + "\n"


STAT_FIELDS = ("year", "orgs", "vision_encoder", "llm", "connector")


def stats(records: list[Record]) -> dict[str, list[tuple[str, int]]]:
    """Counts by year, organisation, vision encoder, LLM and connector, most common first (years in order)."""
    out: dict[str, list[tuple[str, int]]] = {}
    for key in STAT_FIELDS:
        counter: Counter[str] = Counter()
        for r in records:
            value = r.get(key) if key in ("year", "orgs") else (r.get("components") or {}).get(key)
            if value is None or value == []:
                counter["(none)"] += 1
            elif isinstance(value, list):
                counter.update(str(v) for v in set(value))
            else:
                counter[str(value)] += 1
        if key == "year":
            out[key] = sorted(counter.items(), key=lambda kv: (kv[0] == "(none)", kv[0]))
        else:
            out[key] = sorted(counter.items(), key=lambda kv: (kv[0] == "(none)", -kv[1], kv[0]))
    return out


def stats_md(counts: dict[str, list[tuple[str, int]]]) -> str:
    """The counts as Markdown: a heading per field, a `value: count` bullet per value."""
    return "".join(
        f"## {key}\n\n" + "".join(f"- {md_text(value)}: {n}\n" for value, n in items) + "\n"
        for key, items in counts.items()
    )
