"""Views: records in, rich renderables or plain text out. Nothing here prints or reads files."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from vlmnotes.model import SLOTS, Paper

SLOT_LABELS = {
    "vision_encoder": "vision encoder",
    "text_encoder": "text encoder",
    "llm": "LLM",
    "connector": "connector",
    "losses": "losses",
    "architecture": "architecture",
}


def paper_label(paper: Paper) -> str:
    """The short way to name a paper: its name, else its title, else its id."""
    return paper.name or paper.title or paper.id


def components_summary(paper: Paper) -> str:
    """'ViT-L/14 + Q-Former + OPT' style one-liner of the main components."""
    c = paper.components
    parts = [", ".join(v) for v in (c.vision_encoder, c.connector, c.llm) if v]
    return " + ".join(parts)


def papers_table(papers: list[Paper]) -> Table:
    """A rich table of papers: name, date, org, venue, arXiv id, components, title."""
    table = Table(show_lines=False, header_style="bold", expand=False)
    table.add_column("name", style="bold cyan", no_wrap=True)
    table.add_column("date", no_wrap=True)
    table.add_column("org")
    table.add_column("venue", no_wrap=True)
    table.add_column("arXiv", no_wrap=True)
    table.add_column("components")
    table.add_column("title", overflow="fold")
    for p in papers:
        table.add_row(
            p.name or "",
            p.date or "",
            ", ".join(p.orgs),
            p.venue or "",
            p.arxiv_id or "",
            components_summary(p),
            p.title or "",
        )
    return table


def papers_tsv(papers: list[Paper]) -> str:
    """Tab-separated lines (id, name, date, orgs, venue, title) for pipes and scripts."""
    rows = ["id\tname\tdate\torgs\tvenue\ttitle"]
    for p in papers:
        cells = [p.id, p.name or "", p.date or "", ", ".join(p.orgs), p.venue or "", p.title or ""]
        rows.append("\t".join(c.replace("\t", " ").replace("\n", " ") for c in cells))
    return "\n".join(rows) + "\n"


def record_data(paper: Paper) -> dict[str, Any]:
    """A record as plain data with every schema key present, for JSON consumers."""
    return paper.model_dump(mode="json")


def papers_json(papers: list[Paper]) -> str:
    """A JSON array of records keyed as in the schema."""
    return json.dumps([record_data(p) for p in papers], ensure_ascii=False, indent=2) + "\n"


def papers_yaml(papers: list[Paper]) -> str:
    """A YAML list of records in the store's own format."""
    from vlmnotes.store import dump_record

    return "".join("---\n" + dump_record(p.to_dict()) for p in papers)


def _field(table: Table, label: str, value: RenderableType | str | None) -> None:
    if value:
        table.add_row(label, value)


def paper_panel(paper: Paper) -> Panel:
    """Every field of a record and where each place it comes from, as a rich panel."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    _field(grid, "id", paper.id)
    _field(grid, "title", paper.title)
    _field(grid, "aliases", ", ".join(paper.aliases))
    _field(grid, "arXiv", paper.arxiv_id)
    _field(grid, "date", paper.date)
    _field(grid, "authors", ", ".join(paper.authors))
    _field(grid, "orgs", ", ".join(paper.orgs))
    _field(grid, "venue", paper.venue)
    _field(grid, "citations", str(paper.citations) if paper.citations is not None else None)
    _field(grid, "status", paper.status)
    for kind in ("paper", "pdf", "code", "project"):
        _field(grid, kind, getattr(paper.links, kind))
    for slot in SLOTS:
        _field(grid, SLOT_LABELS[slot], ", ".join(getattr(paper.components, slot)))
    _field(grid, "tags", " · ".join(paper.tags))
    parts: list[RenderableType] = [grid]
    if paper.sections:
        sections = Table.grid(padding=(0, 2))
        sections.add_column(style="bold magenta", no_wrap=True)
        sections.add_column(overflow="fold")
        for label, text in paper.sections.items():
            sections.add_row(label, text or "—")
        parts += [Text("\nsummaries", style="bold underline"), sections]
    if paper.relations:
        rels = Table.grid(padding=(0, 2))
        rels.add_column(style="yellow", no_wrap=True)
        rels.add_column()
        rels.add_column(style="dim")
        for r in paper.relations:
            target = r.target + (f" ({r.target_id})" if r.target_id and r.target_id != r.target else "")
            rels.add_row(r.type, target, r.source)
        parts += [Text("\nrelations", style="bold underline"), rels]
    if paper.conflicts:
        conf = Table.grid(padding=(0, 2))
        conf.add_column(style="red", no_wrap=True)
        conf.add_column()
        for c in paper.conflicts:
            conf.add_row(c.field, "  vs  ".join(f"{v.value} [dim]({v.source})[/dim]" for v in c.values))
        parts += [Text("\nconflicts (first value kept)", style="bold underline"), conf]
    if paper.pinned:
        parts.append(Text(f"\npinned by hand: {', '.join(paper.pinned)}", style="italic"))
    src = Table.grid(padding=(0, 2))
    src.add_column(style="green", no_wrap=True)
    src.add_column(style="dim")
    for s in paper.sources:
        src.add_row(f"{s.file}:{s.line}", s.style)
    parts += [Text("\nsources", style="bold underline"), src]
    return Panel(Group(*parts), title=f"[bold cyan]{paper_label(paper)}[/]", title_align="left", expand=False)
