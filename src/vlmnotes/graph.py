"""The lineage graph (`vlmnotes graph`): the papers a query selects, their neighbours within N relations and the
relations between them, as a plain-text adjacency list, Graphviz DOT, a Mermaid flowchart or one self-contained
interactive HTML page.

Every format draws an edge from the paper whose note states the relation to the paper it names, labelled with
its type (BLIP-2 -improves-on-> BLIP), and places older papers to the left of newer ones.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from vlmnotes.errors import UsageError
from vlmnotes.formats import clean, json_safe, one_line, paper_link, web_link
from vlmnotes.lineage import ALL_TYPES, LINEAGE_TYPES, Edge, edges, neighbourhood

Record = dict[str, Any]

# How an edge reads from its target's side, for the adjacency list ("BLIP  improved on by  BLIP-2").
_PASSIVE = {
    "improves-on": "improved on by",
    "builds-on": "built on by",
    "uses": "used by",
    "similar-to": "similar-to",
    "mentions": "mentioned by",
}
# One colour per type in every picture; the weak types are drawn dashed.
COLOURS = {
    "improves-on": "#c2410c",
    "builds-on": "#1d4ed8",
    "uses": "#047857",
    "similar-to": "#7c3aed",
    "mentions": "#6b7280",
}
_DASHED = ("similar-to", "mentions")


@dataclass(frozen=True)
class Graph:
    """Papers in date order and the relations between them; `seeds` are the ids the query selected."""

    records: list[Record]
    edges: list[Edge]
    types: tuple[str, ...]
    query: str | None
    depth: int
    seeds: frozenset[str]
    left_out: int  # papers without a relation, left out of the whole knowledge base's graph

    def marked(self, record_id: str) -> bool:
        """Whether a paper is drawn as one the query selected: only when some paper drawn is not."""
        return record_id in self.seeds and len(self.seeds) < len(self.records)

    def summary(self) -> str:
        """One line saying what the graph shows: '3 papers and 2 relations (…) within 1 step of BLIP-2'."""
        shown = (
            f"{_count(len(self.records), 'paper')} and {_count(len(self.edges), 'relation')} ({', '.join(self.types)})"
        )
        if self.query is not None:
            return f"{shown} within {_count(self.depth, 'step')} of {one_line(self.query)}"
        return shown + (f"; {_count(self.left_out, 'paper')} without a relation not shown" if self.left_out else "")


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def parse_types(text: str) -> tuple[str, ...]:
    """The relation types of a `--types` value ('improves-on,uses', or 'all'), in the canonical order."""
    asked = [t.strip().lower() for t in text.split(",") if t.strip()]
    if asked == ["all"]:
        return ALL_TYPES
    unknown = [t for t in asked if t not in ALL_TYPES]
    if unknown or not asked:
        shown = f"unknown relation type '{unknown[0]}'" if unknown else "no relation type given"
        raise UsageError(f"--types: {shown}; choose from {', '.join(ALL_TYPES)} (comma-separated) or all")
    return tuple(t for t in ALL_TYPES if t in asked)


def _key(text: object) -> str:
    from vlmnotes.index import name_key

    return name_key(str(text or ""))


def named(query: str, hits: list[Record]) -> list[Record]:
    """The hits a query names outright: a name, alias, record id, arXiv id or title equal to it (compared as
    `show` compares names: case, width and punctuation aside)."""
    wanted = _key(query)
    if not wanted:
        return []
    return [
        r
        for r in hits
        if wanted in {_key(v) for v in (r.get("name"), r.get("id"), r.get("arxiv_id"), r.get("title"))}
        or wanted in {_key(a) for a in r.get("aliases") or []}
    ]


def build_graph(
    everything: list[Record],
    hits: list[Record] | None,
    query: str | None,
    depth: int = 1,
    types: Iterable[str] = LINEAGE_TYPES,
) -> Graph:
    """The graph around the papers a query selected (`hits`, with `query` as given), or, with no query, of every
    paper of `everything` (the whole knowledge base, in date order) that has a relation of these types.

    A query that names a paper outright (BLIP-2) starts from that paper alone, not from every paper whose text
    mentions it; any other query starts from every paper it selects."""
    types = tuple(types)
    if query is None or not query.strip():  # `graph ''` is the whole knowledge base, as `list ''` is
        all_edges = edges(everything, types)
        linked = {e.source for e in all_edges} | {e.target for e in all_edges}
        records = [r for r in everything if str(r["id"]) in linked]
        return Graph(records, all_edges, types, None, depth, frozenset(), len(everything) - len(records))
    selected = hits or []
    seeds = named(query, selected) or selected
    seed_ids = frozenset(str(r["id"]) for r in seeds)
    records = neighbourhood(everything, seed_ids, depth, types)
    return Graph(records, edges(records, types), types, query, depth, seed_ids, 0)


def format_for(output: Path | None) -> str:
    """The format a file's ending asks for (.html, .dot or .gv, .mmd); plain text otherwise and on stdout."""
    suffix = output.suffix.lower() if output else ""
    return {".html": "html", ".htm": "html", ".dot": "dot", ".gv": "dot", ".mmd": "mermaid"}.get(suffix, "text")


# --- plain text --------------------------------------------------------------------------------------------------


def _label(record: Record) -> str:
    """'BLIP-2 (2023-01-30)': the name (or id) and date as the record has them, on one line."""
    name = one_line(record.get("name") or record.get("id"))
    when = record.get("date") or record.get("year")
    return f"{name} ({one_line(when)})" if when else name


def graph_text(graph: Graph) -> str:
    """An adjacency list: each paper in date order, then every relation it states and every one stated of it."""
    by_id = {str(r["id"]): r for r in graph.records}
    stated: dict[str, list[str]] = {}  # record id -> its lines: the relations it states, then those stated of it
    of_it: dict[str, list[str]] = {}
    width = max((len(_PASSIVE[t]) for t in graph.types), default=0)
    for edge in graph.edges:
        stated.setdefault(edge.source, []).append(f"  {edge.type:<{width}}  {_label(by_id[edge.target])}")
        of_it.setdefault(edge.target, []).append(f"  {_PASSIVE[edge.type]:<{width}}  {_label(by_id[edge.source])}")
    lines = [graph.summary()]
    for record in graph.records:
        here = str(record["id"])
        lines.append(_label(record) + ("  *" if graph.marked(here) else ""))
        lines += stated.get(here, []) + of_it.get(here, [])
    if any(graph.marked(str(r["id"])) for r in graph.records):
        lines.append("* selected by the query")
    return "\n".join(lines) + "\n"


# --- Graphviz DOT ------------------------------------------------------------------------------------------------


def _url(url: str) -> str:
    """A web address with every character a quoted string or an attribute could act on percent-encoded."""
    return quote(url, safe=":/?#[]@!$&'()*+,;=%-._~")


def dot_text(value: object) -> str:
    """Note text inside a DOT double-quoted string: one line; backslash and quote escaped (a backslash starts
    Graphviz's own escapes, \\n or \\N, in labels, tooltips and URLs)."""
    return one_line(value).replace("\\", "\\\\").replace('"', '\\"')


def _node_ids(graph: Graph) -> dict[str, str]:
    """Record id -> a node id no tool reads as anything else: n1, n2, … in date order."""
    return {str(r["id"]): f"n{i}" for i, r in enumerate(graph.records, 1)}


def graph_dot(graph: Graph) -> str:
    """A Graphviz digraph: boxes labelled with name and year (a link and a tooltip with the title), edges
    labelled with their type, newer papers to the right (`dot -Tsvg` renders it)."""
    ids = _node_ids(graph)
    lines = [
        f"// {dot_text(graph.summary())}",
        "digraph lineage {",
        '  graph [rankdir=RL, fontname="Helvetica", nodesep=0.3, ranksep=0.6];',
        '  node [shape=box, style="rounded,filled", fillcolor="#f5f7fb", color="#64748b", fontname="Helvetica"];',
        '  edge [fontname="Helvetica", fontsize=10];',
    ]
    for record in graph.records:
        name = dot_text(record.get("name") or record.get("id"))
        year = f"\\n{dot_text(record['year'])}" if record.get("year") else ""
        attrs = [f'label="{name}{year}"']
        if record.get("title"):
            attrs.append(f'tooltip="{dot_text(record["title"])}"')
        link = paper_link(record)
        if link:
            attrs.append(f'URL="{dot_text(_url(link))}"')
        if graph.marked(str(record["id"])):
            attrs.append("penwidth=2.5")
        lines.append(f"  {ids[str(record['id'])]} [{', '.join(attrs)}];")
    for edge in graph.edges:
        colour = COLOURS[edge.type]
        style = ", style=dashed" if edge.type in _DASHED else ""
        line = f'label="{edge.type}", color="{colour}", fontcolor="{colour}"{style}'
        if edge.evidence:
            line += f', tooltip="{dot_text(edge.evidence)}"'
        lines.append(f"  {ids[edge.source]} -> {ids[edge.target]} [{line}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


# --- Mermaid -----------------------------------------------------------------------------------------------------

# Letters, digits, CJK and a few harmless marks stay; every other ASCII character is written as an entity code,
# which a quoted Mermaid label shows as the character and never reads as syntax, markdown or HTML.
_MERMAID_SPECIAL = re.compile(r"[^\w\s.,'’:/+?!-]|_")


def mermaid_text(value: object) -> str:
    """Note text inside a quoted Mermaid label: one line, every special character an entity code (#34; for ")."""
    return _MERMAID_SPECIAL.sub(lambda m: "".join(f"#{ord(c)};" for c in m[0]), one_line(value)).strip()


def graph_mermaid(graph: Graph) -> str:
    """A Mermaid `flowchart RL`: nodes n1, n2, … labelled with name and year, edges labelled with their type
    (dotted for similar-to and mentions), the papers the query selected outlined, links to the papers."""
    ids = _node_ids(graph)
    lines = [f"%% {one_line(graph.summary())}", "flowchart RL"]
    for record in graph.records:
        name = mermaid_text(record.get("name") or record.get("id")) or "?"
        year = f"<br/>{int(record['year'])}" if isinstance(record.get("year"), int) else ""
        lines.append(f'  {ids[str(record["id"])]}["{name}{year}"]')
    for edge in graph.edges:
        arrow = "-.->" if edge.type in _DASHED else "-->"
        lines.append(f"  {ids[edge.source]} {arrow}|{edge.type}| {ids[edge.target]}")
    for record in graph.records:
        link = paper_link(record)
        if link:
            lines.append(f'  click {ids[str(record["id"])]} href "{_url(link)}" _blank')
    selected = [ids[str(r["id"])] for r in graph.records if graph.marked(str(r["id"]))]
    if selected:
        lines.append("  classDef seed stroke-width:3px")
        lines.append(f"  class {','.join(selected)} seed")
    return "\n".join(lines) + "\n"


# --- HTML --------------------------------------------------------------------------------------------------------

# The picture's grid, in CSS pixels: a column per month (or year, for a year-only date), a row per paper.
COLUMN_WIDTH = 270
ROW_HEIGHT = 64
NODE_WIDTH = 168
NODE_HEIGHT = 42
_MARGIN = 40
_MONTHS = ("", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _column(record: Record) -> str:
    """The time column of a paper: 'YYYY-MM', 'YYYY' for a year-only date, '~' (after every year) when undated."""
    date = str(record.get("date") or record.get("year") or "")
    return date[:7] if re.match(r"\d{4}", date) else "~"


def layout(graph: Graph) -> dict[str, tuple[int, int]]:
    """Record id -> the (x, y) centre of its box: time columns left to right (oldest first, undated last), and in
    each column the order that crosses fewest edges by a few barycentre sweeps, columns centred vertically."""
    columns: dict[str, list[str]] = {}
    for record in graph.records:
        columns.setdefault(_column(record), []).append(str(record["id"]))
    order = [columns[k] for k in sorted(columns)]
    neighbours: dict[str, list[str]] = {}
    for edge in graph.edges:
        neighbours.setdefault(edge.source, []).append(edge.target)
        neighbours.setdefault(edge.target, []).append(edge.source)
    row = {node: i for column in order for i, node in enumerate(column)}
    tallest = max((len(c) for c in order), default=0)

    def centred(node: str) -> float:
        column = order[at[node]]
        return row[node] + (tallest - len(column)) / 2

    at = {node: i for i, column in enumerate(order) for node in column}
    for sweep in range(8):
        for i in range(len(order)) if sweep % 2 == 0 else reversed(range(len(order))):
            column = order[i]

            def barycentre(node: str, column: list[str] = column) -> float:
                near = [centred(n) for n in neighbours.get(node, []) if at[n] != at[node]]
                own = row[node] + (tallest - len(column)) / 2
                return sum(near) / len(near) if near else own

            column.sort(key=barycentre)
            for j, node in enumerate(column):
                row[node] = j
    return {
        node: (_MARGIN + NODE_WIDTH // 2 + at[node] * COLUMN_WIDTH, _MARGIN + 50 + round(centred(node) * ROW_HEIGHT))
        for node in at
    }


def _node_data(record: Record, xy: tuple[int, int], seed: bool) -> dict[str, Any]:
    links = record.get("links") or {}
    return {
        "id": clean(record["id"]),
        "name": one_line(record.get("name") or record.get("id")),
        "title": one_line(record.get("title")),
        "date": one_line(record.get("date") or record.get("year")),
        "venue": one_line(record.get("venue")),
        "orgs": [one_line(o) for o in record.get("orgs") or []],
        "links": {
            k: v
            for k, v in (
                ("paper", paper_link(record)),
                ("code", web_link(links.get("code"))),
                ("project", web_link(links.get("project"))),
            )
            if v
        },
        "x": xy[0],
        "y": xy[1],
        "seed": seed,
    }


def graph_data(graph: Graph) -> dict[str, Any]:
    """What the HTML page draws: nodes placed by `layout`, edges by node index, the time axis, the colours."""
    places = layout(graph)
    index = {str(r["id"]): i for i, r in enumerate(graph.records)}
    axis: dict[int, dict[str, object]] = {}
    for record in graph.records:
        x, column = places[str(record["id"])][0], _column(record)
        year, month = ("undated", "") if column == "~" else (column[:4], _MONTHS[int(column[5:7] or 0)])
        axis.setdefault(x, {"x": x, "year": year, "month": month})
    return {
        "summary": graph.summary(),
        "types": list(graph.types),
        "colours": {t: COLOURS[t] for t in graph.types},
        "dashed": [t for t in graph.types if t in _DASHED],
        "node": {"width": NODE_WIDTH, "height": NODE_HEIGHT},
        "nodes": [_node_data(r, places[str(r["id"])], graph.marked(str(r["id"]))) for r in graph.records],
        "edges": [
            {
                "s": index[e.source],
                "t": index[e.target],
                "type": e.type,
                "evidence": one_line(e.evidence),
                "where": one_line(e.where),
            }
            for e in graph.edges
        ],
        "axis": [axis[x] for x in sorted(axis)],
    }


def script_json(data: object) -> str:
    """JSON to sit inside <script type="application/json">: <, >, & and the line separators as \\u escapes, so
    no text in it can close the element or start markup."""
    text = json_safe(json.dumps(data, ensure_ascii=False, separators=(",", ":")))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def graph_html(graph: Graph) -> str:
    """One self-contained HTML page (inline CSS and script, nothing fetched): the graph laid out by date left to
    right, pan and zoom, hover for the title, a click for a paper's details and links, a filter box."""
    from importlib.resources import files

    from jinja2 import Environment
    from markupsafe import Markup

    source = files("vlmnotes").joinpath("templates/graph.html").read_text("utf-8")
    template = Environment(autoescape=True, keep_trailing_newline=True).from_string(source)
    heading = "Lineage" if graph.query is None else f"Lineage of {one_line(graph.query)}"
    return template.render(heading=heading, summary=graph.summary(), data=Markup(script_json(graph_data(graph))))


WRITERS: dict[str, Callable[[Graph], str]] = {
    "text": graph_text,
    "dot": graph_dot,
    "mermaid": graph_mermaid,
    "html": graph_html,
}
