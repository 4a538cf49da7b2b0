"""Views: records in, rich renderables or plain text out. Nothing here prints or reads files.

Text from a note or a record reaches rich only as `Text` made by `as_text`, never as a `str`: rich reads
a `str` as markup (`[/]` in a title would raise MarkupError, `[bold red]x` would turn red) and `:smile:`
as an emoji. The plain views for pipes put note text on one line with `formats.one_line`.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from vlmnotes.formats import clean, one_line

if TYPE_CHECKING:
    from vlmnotes.model import Paper
    from vlmnotes.timeline import Timeline

SLOT_LABELS = {
    "vision_encoder": "vision encoder",
    "text_encoder": "text encoder",
    "llm": "LLM",
    "connector": "connector",
    "losses": "losses",
    "architecture": "architecture",
}


def as_text(value: object, style: str = "") -> Text:
    """Note or record text as rich Text: shown as written, never read as markup or emoji; control characters
    (which in a terminal move the cursor, retitle the window or open OSC 8 hyperlinks) left out by
    `formats.clean`."""
    return Text(clean(value), style=style)


def paper_label(paper: Paper) -> str:
    """The short way to name a paper: its name, else its title, else its id."""
    return paper.name or paper.title or paper.id


def components_summary(record: dict[str, Any]) -> str:
    """'ViT-L/14 + Q-Former + OPT' style one-liner of the main components."""
    comps = record.get("components") or {}
    parts = [", ".join(comps.get(slot) or []) for slot in ("vision_encoder", "connector", "llm")]
    return " + ".join(p for p in parts if p)


def _styled_snippet(snippet: str) -> Text:
    text = Text()
    for i, part in enumerate(re.split("[\x02\x03]", snippet.replace("\n", " "))):
        text.append_text(as_text(part, style="bold yellow" if i % 2 else ""))
    return text


def records_table(records: list[dict[str, Any]], snippets: list[str] | None = None) -> Table:
    """A rich table of records: name, date, org, venue, arXiv id, components, title (and why it matched)."""
    table = Table(show_lines=False, header_style="bold", expand=False)
    table.add_column("name", style="bold cyan", no_wrap=True)
    table.add_column("date", no_wrap=True)
    table.add_column("org")
    table.add_column("venue", no_wrap=True)
    table.add_column("arXiv", no_wrap=True)
    table.add_column("components")
    table.add_column("title", overflow="fold")
    if snippets is not None:
        table.add_column("match", overflow="fold")
    for i, r in enumerate(records):
        row = [
            as_text(r.get("name")),
            as_text(r.get("date")),
            as_text(", ".join(r.get("orgs") or [])),
            as_text(r.get("venue")),
            as_text(r.get("arxiv_id")),
            as_text(components_summary(r)),
            as_text(r.get("title")),
        ]
        if snippets is not None:
            row.append(_styled_snippet(snippets[i]))
        table.add_row(*row)
    return table


def _field(table: Table, label: str, value: Text | str | None) -> None:
    if value:
        table.add_row(label, value if isinstance(value, Text) else as_text(value))


def paper_panel(paper: Paper) -> Panel:
    """Every field of a record and where each place it comes from, as a rich panel."""
    from vlmnotes.model import SLOTS

    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")

    def mark(name: str, value: str | None) -> Text | None:
        # Values filled in from arXiv are marked, so a reader knows the notes did not say them.
        if not value:
            return None
        shown = as_text(value)
        if paper.provenance.get(name) == "arxiv":
            shown.append("  (arXiv)", style="dim")
        return shown

    _field(grid, "id", paper.id)
    _field(grid, "title", mark("title", paper.title))
    _field(grid, "aliases", ", ".join(paper.aliases))
    _field(grid, "arXiv", paper.arxiv_id)
    _field(grid, "date", mark("date", paper.date))
    _field(grid, "authors", mark("authors", ", ".join(paper.authors) + (" et al." if paper.authors_et_al else "")))
    _field(grid, "published", mark("published", paper.published))
    _field(grid, "updated", mark("updated", paper.updated))
    _field(grid, "categories", mark("categories", ", ".join(paper.categories)))
    _field(grid, "DOI", mark("doi", paper.doi))
    _field(grid, "journal", mark("journal_ref", paper.journal_ref))
    _field(grid, "comment", mark("comment", paper.comment))
    _field(grid, "orgs", ", ".join(paper.orgs))
    _field(grid, "venue", paper.venue)
    _field(grid, "citekey", paper.citekey)
    _field(grid, "citations", str(paper.citations) if paper.citations is not None else None)
    _field(grid, "status", paper.status)
    for kind in ("paper", "pdf", "code", "project"):
        _field(grid, kind, getattr(paper.links, kind))
    for slot in SLOTS:
        _field(grid, SLOT_LABELS[slot], ", ".join(getattr(paper.components, slot)))
    _field(grid, "tags", " · ".join(paper.tags))
    parts: list[RenderableType] = [grid]
    if paper.abstract:
        parts += [
            Text("\nabstract" + ("  (arXiv)" if paper.provenance.get("abstract") else ""), style="bold underline")
        ]
        parts.append(as_text(paper.abstract))
    if paper.sections:
        sections = Table.grid(padding=(0, 2))
        sections.add_column(style="bold magenta", no_wrap=True)
        sections.add_column(overflow="fold")
        for label, text in paper.sections.items():
            sections.add_row(as_text(label), as_text(text or "—"))
        parts += [Text("\nsummaries", style="bold underline"), sections]
    if paper.relations:
        rels = Table.grid(padding=(0, 2))
        rels.add_column(style="yellow", no_wrap=True)
        rels.add_column()
        rels.add_column(style="dim")
        for r in paper.relations:
            target = r.target + (f" ({r.target_id})" if r.target_id and r.target_id != r.target else "")
            rels.add_row(as_text(r.type), as_text(target), as_text(r.source))
        parts += [Text("\nrelations", style="bold underline"), rels]
    if paper.conflicts:
        conf = Table.grid(padding=(0, 2))
        conf.add_column(style="red", no_wrap=True)
        conf.add_column()
        for c in paper.conflicts:
            values = [as_text(v.value) + as_text(f" ({v.source})", style="dim") for v in c.values]
            conf.add_row(as_text(c.field), Text("  vs  ").join(values))
        parts += [Text("\nconflicts (first value kept)", style="bold underline"), conf]
    if paper.pinned:
        parts.append(as_text(f"\npinned by hand: {', '.join(paper.pinned)}", style="italic"))
    src = Table.grid(padding=(0, 2))
    src.add_column(style="green", no_wrap=True)
    src.add_column(style="dim")
    for s in paper.sources:
        src.add_row(as_text(f"{s.file}:{s.line}"), as_text(s.style))
    parts += [Text("\nsources", style="bold underline"), src]
    title = as_text(paper_label(paper), style="bold cyan")
    return Panel(Group(*parts), title=title, title_align="left", expand=False)


def timeline_tree(tl: Timeline) -> Tree:
    """The timeline as a rich tree: year → (month →) paper with date, org and key components."""
    from vlmnotes.timeline import key_components, label

    root = Tree(Text("timeline", style="bold"), guide_style="dim")
    years: dict[int, Tree] = {}
    for period in tl.periods:
        year = years.get(period.year)
        if year is None:
            count = sum(len(p.records) for p in tl.periods if p.year == period.year)
            year = years[period.year] = root.add(
                Text.assemble((str(period.year), "bold cyan"), " ", (f"({count})", "dim"))
            )
        parent = year if period.month is None else year.add(Text(period.label, style="cyan"))
        for r in period.records:
            line = as_text(f"{r.get('date') or r.get('year')}  ", style="dim")
            line.append_text(as_text(label(r), style="bold"))
            orgs = ", ".join(r.get("orgs") or [])
            if orgs:
                line.append_text(as_text(f"  {orgs}", style="green"))
            comps = key_components(r)
            if comps:
                line.append_text(as_text(f"  {comps}", style="magenta"))
            parent.add(line)
    if tl.undated:
        undated = root.add(Text.assemble(("undated", "bold yellow"), " ", (f"({len(tl.undated)})", "dim")))
        for r in tl.undated:
            undated.add(as_text(label(r), style="bold"))
    return root


def timeline_plain(tl: Timeline) -> str:
    """One line per paper, tab-separated (date, name, orgs, components), undated last; for pipes."""
    from vlmnotes.timeline import key_components, label

    lines = []
    for r in tl.records():
        cells = [r.get("date"), label(r), ", ".join(r.get("orgs") or []), key_components(r)]
        lines.append("\t".join(one_line(c) for c in cells))
    return "\n".join(lines) + ("\n" if lines else "")


def compare_table(records: list[dict[str, Any]]) -> Table:
    """Papers side by side: a column per paper, a row per field."""
    from vlmnotes.timeline import compare_rows, label

    table = Table(header_style="bold cyan", show_lines=True)
    table.add_column("", style="bold", no_wrap=True)
    for r in records:
        table.add_column(as_text(label(r)), overflow="fold")
    for name, values in compare_rows(records):
        table.add_row(name, *[as_text(v or "—") for v in values])
    return table


def stats_view(counts: dict[str, list[tuple[str, int]]], top: int = 12) -> Group:
    """Counts with bars, a block per field."""
    titles = {"year": "by year", "orgs": "by organisation", "vision_encoder": "by vision encoder",
              "llm": "by LLM", "connector": "by connector"}  # fmt: skip
    blocks: list[RenderableType] = []
    for key, items in counts.items():
        shown = items if key == "year" else items[:top]
        table = Table(title=titles.get(key, key), title_justify="left", title_style="bold", box=None, show_header=False)
        table.add_column(no_wrap=True)
        table.add_column(justify="right")
        table.add_column()
        most = max((n for _, n in shown), default=1)
        for value, n in shown:
            table.add_row(as_text(value), str(n), Text("█" * max(1, round(24 * n / most)), style="cyan"))
        if len(items) > len(shown):
            table.add_row(f"… {len(items) - len(shown)} more", "", "")
        blocks += [table, Text("")]
    return Group(*blocks)


def stats_plain(counts: dict[str, list[tuple[str, int]]]) -> str:
    """Tab-separated field, value, count lines; for pipes."""
    return "".join(f"{key}\t{one_line(value)}\t{n}\n" for key, items in counts.items() for value, n in items)
