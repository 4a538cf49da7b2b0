"""Timeline, comparison and statistics views: records in, grouped data or text (Markdown, Mermaid, SVG, HTML) out."""

from __future__ import annotations

import html
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from vlmnotes.formats import clean, md_text, one_line, paper_link

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


def label(record: Record) -> str:
    """The short way to name a record: its name, else its title, else its id."""
    return str(record.get("name") or record.get("title") or record.get("id"))


def key_components(record: Record) -> str:
    """'ViT-L/14 · Q-Former · OPT' from the vision encoder, connector and LLM."""
    comps = record.get("components") or {}
    parts = [", ".join(comps.get(s) or []) for s in ("vision_encoder", "connector", "llm")]
    return " · ".join(p for p in parts if p)


def timeline_md(tl: Timeline) -> str:
    """Markdown: a heading per year (and month), a bullet per paper."""
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
            lines.append(f"- {when} **{md_text(label(r))}**" + (f" ({extra})" if extra else ""))
        lines.append("")
    if tl.undated:
        lines += [f"## Undated ({len(tl.undated)})", ""] + [f"- **{md_text(label(r))}**" for r in tl.undated] + [""]
    return "\n".join(lines)


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


def timeline_svg(tl: Timeline) -> str:
    """A self-contained SVG: a vertical axis, a band per year, a dot and a label per paper."""
    row, top, left = 22, 40, 90
    rows: list[tuple[str, Record | None]] = []
    for year in tl.years():
        rows.append((str(year), None))
        rows += [("", r) for p in tl.periods if p.year == year for r in p.records]
    if tl.undated:
        rows.append((f"undated ({len(tl.undated)})", None))
        rows += [("", r) for r in tl.undated]
    height = top + row * len(rows) + 20
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="900" height="{height}" viewBox="0 0 900 {height}"'
        ' font-family="sans-serif" font-size="13">',
        '<rect width="100%" height="100%" fill="white"/>',
        f'<text x="{left}" y="24" font-size="16" font-weight="bold">Vision-language papers</text>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{height - 20}" stroke="#888" stroke-width="2"/>',
    ]
    for i, (heading, record) in enumerate(rows):
        y = top + row * i + 14
        if record is None:
            out.append(f'<text x="{left - 10}" y="{y}" text-anchor="end" font-weight="bold">{xml_text(heading)}</text>')
            continue
        date = xml_text(record.get("date") or "")
        name = xml_text(label(record))
        extra = xml_text(", ".join(x for x in [", ".join(record.get("orgs") or []), key_components(record)] if x))
        out.append(f'<circle cx="{left}" cy="{y - 4}" r="4" fill="#3b6fb6"/>')
        out.append(
            f'<text x="{left + 12}" y="{y}"><tspan fill="#666">{date}</tspan> '
            f'<tspan font-weight="bold">{name}</tspan> <tspan fill="#666">{extra}</tspan></text>'
        )
    out.append("</svg>")
    return "\n".join(out) + "\n"


def timeline_html(tl: Timeline) -> str:
    """A self-contained HTML page (inline CSS, no scripts) a person can open in a browser."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8"><title>vlmnotes timeline</title><style>',
        "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;color:#222}",
        "h2{border-bottom:1px solid #ccc;margin-top:2rem}ul{list-style:none;padding-left:1rem;"
        "border-left:3px solid #3b6fb6}li{margin:.4rem 0}.d{color:#666;font-variant-numeric:tabular-nums}"
        ".c{color:#666;font-size:.9em}a{color:#3b6fb6}",
        "</style></head><body><h1>Vision-language papers</h1>",
    ]
    year = None
    for period in tl.periods:
        if period.year != year:
            if year is not None:
                parts.append("</ul>")
            year = period.year
            parts.append(f"<h2>{year}</h2><ul>")
        for r in period.records:
            parts.append(_html_item(r))
    if year is not None:
        parts.append("</ul>")
    if tl.undated:
        parts.append(f"<h2>Undated ({len(tl.undated)})</h2><ul>")
        parts += [_html_item(r) for r in tl.undated]
        parts.append("</ul>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _html_item(r: Record) -> str:
    url = paper_link(r)
    name = xml_text(label(r))
    title = xml_text(r.get("title") or "")
    head = f'<a href="{xml_text(url)}">{name}</a>' if url else name
    extra = xml_text(", ".join(x for x in [", ".join(r.get("orgs") or []), key_components(r)] if x))
    date = xml_text(r.get("date") or "")
    return f'<li><span class="d">{date}</span> <b>{head}</b> {title} <span class="c">{extra}</span></li>'


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
