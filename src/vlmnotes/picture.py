"""The timeline as a picture: a static SVG and one offline HTML page, from the lanes and the layout of lanes.py.

Note text reaches the SVG through `xml_text`; the page gets it as JSON in a script of type application/json
(`script_json`), which templates/timeline.js turns into the picture with textContent and setAttribute only.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from typing import Any

from vlmnotes import lineage
from vlmnotes.formats import SLOT_LABELS, json_safe, one_line, paper_link, web_link
from vlmnotes.lanes import LANE_KINDS, NONE_LABELS, Lanes, Layout, Mark, place, span, text_width
from vlmnotes.lanes import lanes as make_lanes
from vlmnotes.timeline import Record, Timeline, key_components, label, xml_text

# Colours of lanes (Tableau 10) and of the lineage arrows; the lane of papers without one is grey.
PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f")
NO_LANE = "#9a9a9a"
# Relation type -> (legend text, colour, SVG dash pattern); an arrow goes from the older paper to the newer.
ARROWS = {
    "improves-on": ("improved on by", "#c0392b", ""),
    "builds-on": ("built on by", "#2c7fb8", "6 3"),
    "uses": ("used by", "#7a7a7a", "2 3"),
}
MANY_ARROWS = 250  # as in templates/timeline.js
LANE_TITLES = {"org": "organisation", "family": "family", "tag": "tag", "none": "none"}
_FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', 'Noto Sans CJK SC', sans-serif"


def dated(tl: Timeline) -> list[Record]:
    """The dated records in date order."""
    return [r for p in tl.periods for r in p.records]


def lane_colour(lanes: Lanes, lane: int) -> str:
    """A lane's colour: grey for the lane of papers without an organisation, family or tag."""
    last = lane == len(lanes.names) - 1 and lanes.names[lane] == NONE_LABELS[lanes.kind]
    return NO_LANE if last and lanes.kind != "none" else PALETTE[lane % len(PALETTE)]


def ink(colour: str, factor: float = 0.7) -> str:
    """A darker shade of a lane's colour, for its name: yellow and pink on white are hard to read."""
    r, g, b = (round(int(colour[i : i + 2], 16) * factor) for i in (1, 3, 5))
    return f"#{r:02x}{g:02x}{b:02x}"


_ABBREVIATED = re.compile(r".{12,}\(([^()]{2,12})\)")


def short_name(name: str) -> str:
    """A lane's label: the abbreviation of a long name that ends with one in brackets ('King Abdullah University
    of Science and Technology (KAUST)' -> 'KAUST'), else the name."""
    found = _ABBREVIATED.fullmatch(name)
    return found[1] if found else name


def main_link(record: Record) -> str | None:
    """The one address a mark links to: the paper, else its project page, else its code."""
    links = record.get("links") or {}
    return paper_link(record) or web_link(links.get("project")) or web_link(links.get("code"))


def name_and_title(record: Record) -> str:
    """'BLIP-2: Bootstrapping …': the name, and the title when there is one that does not start with it."""
    name, title = one_line(label(record)), one_line(record.get("title"))
    return title if title.startswith(name) else f"{name}: {title}" if title else name


def hover_text(record: Record) -> str:
    """What a tooltip says of a paper: name and title, date and venue, organisations, components."""
    lines = [name_and_title(record)]
    lines.append(" · ".join(x for x in [one_line(record.get("date")), one_line(record.get("venue"))] if x))
    lines.append(one_line(", ".join(record.get("orgs") or [])))
    lines.append(key_components(record))
    return "\n".join(line for line in lines if line)


def svg(tl: Timeline, lane_kind: str = "org") -> str:
    """A self-contained SVG: a time axis, a lane per organisation (family, tag), a mark per paper where its date
    lies (a bar over the month or year when that is all the date says), lineage arrows from the older paper to
    the newer, each label linked to the paper, and the undated papers listed below. As wide as it needs."""
    records = dated(tl)
    links = lineage.edges(records)
    lanes = make_lanes(records, lane_kind, links)
    lane_width = max([text_width(short_name(n), 13) * 1.1 for n in lanes.names] + [60]) + 24
    layout = place(records, lanes, left=lane_width + 16, top=96, per_year=216, row=22, font=12)
    undated_top = layout.bottom + 36
    undated_lines = [(r, name_and_title(r)) for r in tl.undated]
    width = max([layout.right, 520.0] + [24 + text_width(text, 12) for _, text in undated_lines]) + 24
    height = undated_top + (22 * (len(undated_lines) + 1) if undated_lines else 0) + 8
    years = f"{layout.first_year}–{layout.last_year}" if records else "no dated papers"
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="{width:.0f}" '
        f'height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" font-family="{xml_text(_FONT)}" '
        'font-size="12">',
        "<defs>",
        *[
            f'<marker id="arrow-{kind}" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" '
            f'markerWidth="10" markerHeight="10" orient="auto-start-reverse">'
            f'<path d="M0,0L10,5L0,10z" fill="{colour}"/></marker>'
            for kind, (_, colour, _) in ARROWS.items()
        ],
        "</defs>",
        '<rect width="100%" height="100%" fill="white"/>',
        '<text x="16" y="26" font-size="18" font-weight="bold">Vision-language papers</text>',
        f'<text x="16" y="46" fill="#555">{len(records) + len(tl.undated)} papers · {years} · lanes by '
        f"{LANE_TITLES[lane_kind]}</text>",
        *_svg_legend(16, 66),
        *_svg_axis(layout, height=layout.bottom),
    ]
    for lane, (top, bottom) in enumerate(layout.lane_rows):
        fill = "#f6f7f9" if lane % 2 == 0 else "#ffffff"
        out.append(f'<rect x="0" y="{top:.1f}" width="{width:.0f}" height="{bottom - top:.1f}" fill="{fill}"/>')
        name = lanes.names[lane]
        full = f"<title>{xml_text(name)}</title>" if short_name(name) != name else ""
        out.append(
            f'<text x="16" y="{top + 18:.1f}" font-size="13" font-weight="bold" '
            f'fill="{ink(lane_colour(lanes, lane))}">{full}{xml_text(short_name(name))}</text>'
        )
    out += _svg_grid(layout)
    out += _svg_arrows(layout, links, {str(r["id"]): i for i, r in enumerate(records)})
    for mark in layout.marks:
        out.append(_svg_mark(records[mark.index], mark, lane_colour(lanes, lanes.of[mark.index])))
    if undated_lines:
        out.append(f'<text x="16" y="{undated_top:.1f}" font-size="13" font-weight="bold">undated '
                   f"({len(undated_lines)})</text>")  # fmt: skip
        for n, (record, text) in enumerate(undated_lines, 1):
            line = f'<text x="24" y="{undated_top + 22 * n:.1f}">{xml_text(text)}</text>'
            out.append(_svg_linked(record, line, hover_text(record)))
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _svg_legend(x: float, y: float) -> list[str]:
    out = []
    for kind, (text, colour, dash) in ARROWS.items():
        dashes = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(
            f'<line x1="{x:.0f}" y1="{y - 4}" x2="{x + 28:.0f}" y2="{y - 4}" stroke="{colour}" stroke-width="1.6"'
            f'{dashes} marker-end="url(#arrow-{kind})"/>'
        )
        out.append(f'<text x="{x + 34:.0f}" y="{y}" fill="#555">{text}</text>')
        x += 52 + text_width(text, 12)
    out.append(f'<circle cx="{x + 8:.0f}" cy="{y - 4}" r="4" fill="#777"/>')
    out.append(f'<text x="{x + 16:.0f}" y="{y}" fill="#555">day</text>')
    x += 52
    out.append(f'<rect x="{x:.0f}" y="{y - 9}" width="18" height="10" rx="2" fill="#777"/>')
    out.append(f'<text x="{x + 24:.0f}" y="{y}" fill="#555">month</text>')
    x += 70
    out.append(f'<rect x="{x:.0f}" y="{y - 11}" width="40" height="14" rx="3" fill="#777" fill-opacity="0.18"/>')
    out.append(f'<text x="{x + 46:.0f}" y="{y}" fill="#555">year: all the date says</text>')
    return out


def _svg_axis(layout: Layout, height: float) -> list[str]:
    out = []
    top = layout.lane_rows[0][0] if layout.lane_rows else height
    for year in range(layout.first_year, layout.last_year + 2):
        x = layout.left + (year - layout.first_year) * layout.per_year
        out.append(f'<line x1="{x:.1f}" y1="{top - 14:.1f}" x2="{x:.1f}" y2="{top:.1f}" stroke="#444"/>')
        if year <= layout.last_year:
            out.append(f'<text x="{x + 4:.1f}" y="{top - 4:.1f}" font-weight="bold">{year}</text>')
    end = layout.left + (layout.last_year + 1 - layout.first_year) * layout.per_year
    out.append(f'<line x1="{layout.left:.1f}" y1="{top:.1f}" x2="{end:.1f}" y2="{top:.1f}" stroke="#444"/>')
    return out


def _svg_grid(layout: Layout) -> list[str]:
    if not layout.lane_rows:
        return []
    top, bottom = layout.lane_rows[0][0], layout.lane_rows[-1][1]
    out = []
    for year in range(layout.first_year, layout.last_year + 2):
        x = layout.left + (year - layout.first_year) * layout.per_year
        out.append(f'<line x1="{x:.1f}" y1="{top:.1f}" x2="{x:.1f}" y2="{bottom:.1f}" stroke="#d8dbe0"/>')
    return out


def _svg_arrows(layout: Layout, links: list[lineage.Edge], at: dict[str, int]) -> list[str]:
    where = {m.index: m for m in layout.marks}
    # Hundreds of arrows hide the papers under them; faint, they still show where lineages run.
    opacity = 0.85 if len(links) <= MANY_ARROWS else 0.3
    out = []
    for edge in links:
        newer, older = where[at[edge.source]], where[at[edge.target]]
        _, colour, dash = ARROWS[edge.type]
        dashes = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(
            f'<path d="{arrow_path(older, newer)}" fill="none" stroke="{colour}" stroke-width="1.6" '
            f'stroke-opacity="{opacity}"{dashes} marker-end="url(#arrow-{edge.type})"/>'
        )
    return out


def arrow_path(older: Mark, newer: Mark) -> str:
    """A curve from the end of the older paper's label to the start of the newer one's mark, bending out to the
    right when the newer one is not further right."""
    x1, y1 = older.right + 2, older.y
    x2, y2 = newer.x0 - 3, newer.y
    bend = max(30.0, abs(x2 - x1) / 2)
    return f"M{x1:.1f},{y1:.1f} C{x1 + bend:.1f},{y1:.1f} {x2 - bend:.1f},{y2:.1f} {x2:.1f},{y2:.1f}"


def _svg_mark(record: Record, mark: Mark, colour: str) -> str:
    y = mark.y
    if mark.span.precision == "day":
        shape = f'<circle cx="{mark.x0:.1f}" cy="{y:.1f}" r="4.5" fill="{colour}"/>'
    elif mark.span.precision == "month":
        shape = (
            f'<rect x="{mark.x0:.1f}" y="{y - 5:.1f}" width="{mark.x1 - mark.x0:.1f}" height="10" rx="2" '
            f'fill="{colour}"/>'
        )
    else:
        shape = (
            f'<rect x="{mark.x0:.1f}" y="{y - 9:.1f}" width="{mark.x1 - mark.x0:.1f}" height="18" rx="3" '
            f'fill="{colour}" fill-opacity="0.18"/>'
        )
    text = f'<text x="{mark.label_x:.1f}" y="{y + 4:.1f}">{xml_text(label(record))}</text>'
    return _svg_linked(record, shape + text, hover_text(record))


def _svg_linked(record: Record, inner: str, hover: str) -> str:
    tip = f"<title>{xml_text(hover)}</title>"
    url = main_link(record)
    if url is None:
        return f"<g>{tip}{inner}</g>"
    href = xml_text(url)
    return f'<a href="{href}" xlink:href="{href}" target="_blank">{tip}{inner}</a>'


# --- the HTML page -----------------------------------------------------------------------------------------------

ARROW_INVERSE = {"improves-on": "improves on", "builds-on": "builds on", "uses": "uses"}
SUMMARY_CHARS = 320


def summary(record: Record, limit: int = SUMMARY_CHARS) -> str:
    """The first lines of what the notes say of a paper (each labelled section on a line, `label: text`), else
    of its abstract; cut at a word near `limit` characters."""
    sections = record.get("sections") or {}
    text = "\n".join(f"{one_line(k)}: {one_line(v)}" for k, v in sections.items() if v) or one_line(
        record.get("abstract")
    )
    if len(text) <= limit:
        return text
    cut = text[:limit]
    return (cut[: cut.rfind(" ")] if cut.rfind(" ") > limit * 0.7 else cut).rstrip() + "…"


def _paper_data(record: Record) -> dict[str, Any]:
    at = span(record)
    comps = record.get("components") or {}
    links = record.get("links") or {}
    orgs = [one_line(o) for o in record.get("orgs") or []]
    tags = [one_line(t) for t in record.get("tags") or []]
    title = one_line(record.get("title"))
    components = [[name, one_line(", ".join(comps.get(slot) or []))] for slot, name in SLOT_LABELS.items()]
    fields = [one_line(label(record)), title, one_line(record.get("venue")), *orgs, *tags, *(c[1] for c in components)]
    return {
        "label": one_line(label(record)),
        "title": title,
        "date": one_line(record.get("date") or record.get("year") or ""),
        "precision": at.precision if at else None,
        "start": at.start if at else None,
        "end": at.end if at else None,
        "venue": one_line(record.get("venue")),
        "orgs": orgs,
        "tags": tags,
        "components": [c for c in components if c[1]],
        "summary": summary(record),
        "links": [
            [k, url]
            for k, url in (("paper", paper_link(record)), *((k, web_link(links.get(k))) for k in ("code", "project")))
            if url
        ],
        "find": " ".join(f.lower() for f in fields if f),
    }


def picture_data(tl: Timeline, lane_kind: str = "org") -> dict[str, Any]:
    """What the HTML page draws, as plain data: the papers (dated ones in date order, then the undated), their
    lanes of every kind, the lineage edges as (older, newer, type) indices, the colours of arrows and lanes."""
    records = dated(tl)
    links = lineage.edges(records)
    at = {str(r["id"]): i for i, r in enumerate(records)}
    lane_sets = {}
    for kind in LANE_KINDS:
        made = make_lanes(records, kind, links)
        colours = [lane_colour(made, n) for n in range(len(made.names))]
        names = [short_name(n) for n in made.names]
        inks = [ink(c) for c in colours]
        lane_sets[kind] = {"names": names, "full": made.names, "of": made.of, "colours": colours, "inks": inks}
    years = tl.years()
    arrows = [
        {"type": kind, "text": text, "inverse": ARROW_INVERSE[kind], "colour": colour, "dash": dash}
        for kind, (text, colour, dash) in ARROWS.items()
    ]
    return {
        "lanes": lane_kind,
        "first": years[0] if years else 0,
        "last": years[-1] if years else 0,
        "dated": len(records),
        "papers": [_paper_data(r) for r in records + tl.undated],
        "laneSets": lane_sets,
        "edges": [[at[e.target], at[e.source], e.type] for e in links],
        "arrows": arrows,
        "arrowsByType": {a["type"]: a for a in arrows},
    }


# In a script element the HTML parser looks for `</script` and `<!--`; as \u escapes these characters are the
# same JSON and no markup. U+2028/9 end a line in older JavaScript.
_SCRIPT_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"})


def script_json(value: object) -> str:
    """JSON to embed in <script type="application/json">: nothing in it can end the script or start markup, and
    no invisible or control character written as it is (`formats.json_safe`)."""
    return json_safe(json.dumps(value, ensure_ascii=False, separators=(",", ":"))).translate(_SCRIPT_SAFE)


def _csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def html_page(tl: Timeline, lane_kind: str = "org") -> str:
    """One self-contained HTML page, offline: the timeline drawn by an inline script from the papers embedded
    as JSON (see templates/timeline.html.j2 for how note text is kept text)."""
    import jinja2
    from markupsafe import Markup

    env = jinja2.Environment(loader=jinja2.PackageLoader("vlmnotes", "templates"), autoescape=True)
    script = _resource("timeline.js")
    css = _resource("timeline.css")
    data = picture_data(tl, lane_kind)
    years = f"{data['first']}–{data['last']}" if data["dated"] else "no dated papers"
    count = len(data["papers"])
    return env.get_template("timeline.html.j2").render(
        title="Vision-language papers",
        summary=f"{count} paper{'s' * (count != 1)} · {years}",
        lanes=lane_kind,
        lane_kinds=[(k, LANE_TITLES[k]) for k in LANE_KINDS],
        arrows=[(k, text, colour, dash) for k, (text, colour, dash) in ARROWS.items()],
        undated=len(tl.undated),
        data=Markup(script_json(data)),
        css=Markup(css),
        script=Markup(script),
        script_hashes=_csp_hash(script),
        style_hash=_csp_hash(css),
    )


def _resource(name: str) -> str:
    from importlib.resources import files

    return (files("vlmnotes") / "templates" / name).read_text("utf-8")
