"""Views: records in, rich renderables or plain text out. Nothing here prints or reads files.

Text from a note or a record reaches rich only as `Text` made by `as_text`, never as a `str`: rich reads
a `str` as markup (`[/]` in a title would raise MarkupError, `[bold red]x` would turn red) and `:smile:`
as an emoji. The plain views for pipes put note text on one line with `formats.one_line`.

The terminal views fit the terminal's width: a list of papers is a line a paper with as many columns as fit,
the tree a line a paper, a comparison as many papers side by side as fit, and long text (a panel's notes)
wraps between words, and between Chinese characters, never inside a word that fits on a line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from itertools import pairwise
from typing import TYPE_CHECKING, Any, NamedTuple

from rich import box
from rich.cells import cell_len, chop_cells
from rich.console import Console, ConsoleOptions, Group, RenderableType
from rich.containers import Lines
from rich.measure import Measurement
from rich.padding import Padding
from rich.panel import Panel
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from vlmnotes.formats import SLOT_LABELS, clean, count, one_line

if TYPE_CHECKING:
    from rich.console import JustifyMethod, OverflowMethod

    from vlmnotes.model import Paper
    from vlmnotes.query import Term
    from vlmnotes.snippets import Snippet
    from vlmnotes.timeline import Timeline


# Line breaking as in Chinese and Japanese typesetting: a line may break between two wide characters, or
# beside one, but never before closing punctuation nor after opening punctuation.
_NO_LINE_START = frozenset("、。，．：；？！）」』】〉》〕〗〙〛’”…‥・ー—,.;:?!)]}%")
_NO_LINE_END = frozenset("（「『【〈《〔〖〘〚‘“([{")


def _line_starts(line: str) -> list[int]:
    """Where in `line` a new line may start: after a space, or beside a wide (CJK) character."""
    out = []
    for i in range(1, len(line)):
        before, char = line[i - 1], line[i]
        if char.isspace() or char in _NO_LINE_START or before in _NO_LINE_END:
            continue
        if before.isspace() or cell_len(before) == 2 or cell_len(char) == 2:
            out.append(i)
    return out


def _divide(line: str, width: int, hang: int = 0) -> list[int]:
    """Offsets at which to break `line` into lines of at most `width` cells, every line after the first `hang`
    cells narrower (a word wider than a line folded)."""
    offsets: list[int] = []
    used = 0
    for start, end in _spans(_line_starts(line), len(line)):
        room = width - (hang if offsets else 0)
        piece = line[start:end]
        need = cell_len(piece.rstrip())
        if used + need <= room:
            used += cell_len(piece)
            continue
        if used:
            offsets.append(start)
            room = width - hang
        if need <= room:
            used = cell_len(piece)
            continue
        *full, last = chop_cells(piece, room)
        for chunk in full:
            start += len(chunk)
            offsets.append(start)
        used = cell_len(last)
    return offsets


# The indentation and list marker of a line of Markdown, under which its wrapped lines hang.
_HANG = re.compile(r"\s*(?:(?:[-*+]|\d{1,9}[.)])\s+(?:\[[ xX]\]\s+)?)?")


def _spans(starts: list[int], end: int) -> Iterable[tuple[int, int]]:
    """(start, end) of each piece between the line starts."""
    points = [0, *starts, end]
    return pairwise(points)


class Prose(Text):
    """Text that wraps between words and between CJK characters (rich alone breaks only at spaces, so that a
    Chinese sentence jumps to a line of its own, or is cut into a column of three-character lines)."""

    def wrap(
        self,
        console: Console,
        width: int,
        *,
        justify: JustifyMethod | None = None,
        overflow: OverflowMethod | None = None,
        tab_size: int = 8,
        no_wrap: bool | None = None,
    ) -> Lines:
        if (self.no_wrap if no_wrap is None else no_wrap) or overflow == "ignore":
            return super().wrap(console, width, justify=justify, overflow=overflow, tab_size=tab_size, no_wrap=no_wrap)
        lines = Lines()
        for line in self.split(allow_blank=True):
            if "\t" in line.plain:
                line.expand_tabs(tab_size)
            match = _HANG.match(line.plain)
            hang = cell_len(match[0]) if match and cell_len(match[0]) <= width // 3 else 0
            for i, part in enumerate(line.divide(_divide(line.plain, width, hang))):
                if i:
                    part.pad_left(hang)
                part.rstrip_end(width)
                part.truncate(width, overflow=overflow or self.overflow or "fold")
                lines.append(part)
        return lines

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        lines = self.plain.splitlines() or [""]
        widest = max(cell_len(line) for line in lines)
        pieces = [line[a:b] for line in lines for a, b in _spans(_line_starts(line), len(line))]
        return Measurement(max((cell_len(p.strip()) for p in pieces), default=widest), widest)


def as_text(value: object, style: str = "") -> Text:
    """Note or record text as rich Text: shown as written, never read as markup or emoji; control characters
    (which in a terminal move the cursor, retitle the window or open OSC 8 hyperlinks) left out by
    `formats.clean`; wrapped, when it is, between words and CJK characters (`Prose`)."""
    return Prose(clean(value), style=style)


def paper_label(paper: Paper) -> str:
    """The short way to name a paper: its name, else its title, else its id."""
    return paper.name or paper.title or paper.id


def components_summary(record: dict[str, Any]) -> str:
    """'ViT-L/14 + Q-Former + OPT' style one-liner of the main components."""
    comps = record.get("components") or {}
    parts = [", ".join(comps.get(slot) or []) for slot in ("vision_encoder", "connector", "llm")]
    return " + ".join(p for p in parts if p)


# Columns of a list of papers, in the order they join the table as the terminal widens: the name, year,
# organisations and title always; then venue, the full date for the year and the arXiv id, each while the title
# keeps TITLE_ROOM cells (or all it needs), and the components while it keeps COMPONENTS_ROOM: a whole title
# says more than a component list cut short. No cell wraps: each paper is one line.
TITLE_ROOM = 50
COMPONENTS_ROOM = 100
GAP = 2  # cells between two columns: the padding and the (blank) rule between them


class _Column(NamedTuple):
    header: str
    cells: list[str]
    cap: int  # widest it gets
    style: str = ""
    under: tuple[str, ...] = ()  # lines shown under the cells (a search's snippets), which it would show whole

    @property
    def natural(self) -> int:
        """As wide as its widest cell (or line under one)."""
        return max(cell_len(c) for c in [self.header, *self.cells, *self.under])

    @property
    def width(self) -> int:
        return min(self.cap, self.natural)


def short_org(name: str) -> str:
    """An organisation as a narrow column shows it: the abbreviation it ends with, if any
    ('King Abdullah University of Science and Technology (KAUST)' is KAUST)."""
    m = re.fullmatch(r".*\S\s*[(（]([^()（）\s]{2,12})[)）]", name)
    return m[1] if m else name


def _list_columns(records: list[dict[str, Any]], width: int, under_title: tuple[str, ...] = ()) -> list[_Column]:
    """The columns of a list of papers that fit `width` cells, the title (with `under_title` under it) last."""

    def cells(key: str) -> list[str]:
        return [one_line(r.get(key)) for r in records]

    # A paper without a name goes by its id (which `show` takes), as wide as the names leave room for.
    names = [one_line(r.get("name")) for r in records]
    widest = max((cell_len(n) for n in names), default=0)
    name = _Column(
        "name",
        [n or one_line(r.get("id")) for n, r in zip(names, records, strict=True)],
        min(24, max(10, widest)),
        "bold cyan",
    )
    orgs = _Column("org", [one_line(", ".join(map(short_org, r.get("orgs") or []))) for r in records], 18, "green")
    title = _Column("title", cells("title"), 120, under=under_title)
    year = _Column("year", [one_line(r.get("year")) for r in records], 4)
    extras = [
        (_Column("venue", cells("venue"), 16), TITLE_ROOM),
        (_Column("date", cells("date"), 10), TITLE_ROOM),
        (_Column("arXiv", cells("arxiv_id"), 12), TITLE_ROOM),
        (_Column("components", [one_line(components_summary(r)) for r in records], 40, "magenta"), COMPONENTS_ROOM),
    ]
    columns = [name, year, orgs]

    def room(cols: list[_Column]) -> int:
        return width - sum(c.width + GAP for c in cols)

    for extra, keep in extras:
        if not any(extra.cells):
            continue  # a column no paper has a value for
        trial = [c for c in columns if not (extra.header == "date" and c.header == "year")] + [extra]
        trial.sort(key=lambda c: [*_ORDER, c.header].index(c.header))
        if room(trial) >= min(title.width, keep):
            columns = trial
    # A terminal too narrow for even these: the organisations, then the names, give way to the title.
    for i, least in ((2, 6), (0, 10)):
        short = room(columns) - 16
        if short < 0:
            columns[i] = columns[i]._replace(cap=max(least, columns[i].width + short))
    # A terminal wider than the whole title needs: the columns cut short get what is left.
    for i, column in enumerate(columns):
        spare = room(columns) - title.width
        if spare > 0 and column.natural > column.width:
            columns[i] = column._replace(cap=column.width + spare)
    return [*columns, title._replace(cap=max(8, min(title.width, room(columns))))]


_ORDER = ["name", "year", "date", "org", "venue", "arXiv", "components"]


def records_table(
    records: list[dict[str, Any]], width: int = 80, terms: list[Term] | None = None, hints: list[str] | None = None
) -> Table:
    """Papers as a table `width` cells wide, a line each, as many columns as fit (see `_list_columns`); for a
    search (`terms` given), the title's matched words marked and, under it, the sentence of the notes that
    matched (`snippets.find`; `hints` are the index's snippets, a record each)."""
    from vlmnotes import snippets

    found: list[Snippet | None] = [None] * len(records)
    if terms:
        found = [snippets.find(r, terms, hints[i] if hints else "") for i, r in enumerate(records)]
    columns = _list_columns(records, width, tuple(f.text for f in found if f is not None))
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, GAP - 1, 0, 0), header_style="bold")
    for column in columns:
        table.add_column(column.header, width=column.width, no_wrap=True, overflow="ellipsis", style=column.style)
    in_title = [t for t in terms or [] if t.field in (None, "title")]
    for i, record in enumerate(records):
        row: list[RenderableType] = [as_text(c.cells[i]) for c in columns]
        if not record.get("name"):
            row[0] = as_text(columns[0].cells[i], style="dim")  # an id, not a name
        if terms is not None:
            title = row[-1]
            assert isinstance(title, Text)
            for _, (a, b) in snippets.marks(title.plain, in_title):
                title.stylize(MATCH, a, b)
            snippet = found[i]
            if snippet is not None:
                row[-1] = Group(title, _snippet_text(snippets.fit(snippet, columns[-1].width)))
        table.add_row(*row)
    return table


MATCH = "bold yellow"


def _snippet_text(snippet: Snippet) -> Text:
    """The snippet dim, its matched words marked (each piece cleaned apart, so that the marks stay in place)."""
    text = Text(no_wrap=True, overflow="ellipsis")
    at = 0
    for a, b in snippet.marks:
        text.append_text(as_text(snippet.text[at:a], style="dim"))
        text.append_text(as_text(snippet.text[a:b], style=MATCH))
        at = b
    text.append_text(as_text(snippet.text[at:], style="dim"))
    return text


def _field(table: Table, label: str, value: Text | str | None) -> None:
    if value:
        table.add_row(label, value if isinstance(value, Text) else as_text(value))


def paper_panel(paper: Paper) -> Panel:
    """Every field of a record, and what each note says of the paper, as written, under the place it says it."""
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
    _field(grid, "links", "\n".join(paper.links.other))
    for slot in SLOTS:
        _field(grid, SLOT_LABELS[slot], ", ".join(getattr(paper.components, slot)))
    _field(grid, "tags", " · ".join(paper.tags))
    parts: list[RenderableType] = [grid]
    if paper.abstract:
        parts += [
            Text("\nabstract" + ("  (arXiv)" if paper.provenance.get("abstract") else ""), style="bold underline")
        ]
        parts.append(as_text(paper.abstract))
    # A labelled summary is shown apart only when the notes below do not already say it (one written into the
    # record by hand, or read from Markdown the notes show differently); nothing said is left out.
    said = [_plain(s.text) for s in paper.sources if s.text]
    summaries = {k: v for k, v in paper.sections.items() if not _said_in(v, said)}
    if summaries:
        sections = Table.grid(padding=(0, 2))
        sections.add_column(style="bold magenta", no_wrap=True)
        sections.add_column(overflow="fold")
        for label, text in summaries.items():
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
    parts.append(Text("\nnotes", style="bold underline"))
    for s in paper.sources:
        lines = f"{s.line}-{s.end_line}" if s.end_line > s.line else f"{s.line}"
        head = as_text(f"{s.file}:{lines}", style="green") + as_text(f"  {s.style}", style="dim")
        parts.append(head)
        if s.text.strip():
            note = as_text(s.text.strip("\n"))
            for link in _LINK_TARGET.finditer(note.plain):
                note.stylize("dim", *link.span(1))  # the addresses, so that the text around them reads first
            parts.append(Padding(note, (0, 0, 1, 2)))
    title = as_text(paper_label(paper), style="bold cyan")
    return Panel(Group(*parts), title=title, title_align="left", expand=False)


_LINK_TARGET = re.compile(r"\]\((\S+?)\)")


def _plain(markdown: str) -> str:
    """Note text with links, emphasis and line breaks flattened, to compare what two texts say."""
    from vlmnotes.snippets import inline_text

    return " ".join(inline_text(markdown).split())


def _said_in(value: str, texts: list[str]) -> bool:
    """True when every line of `value` is in one of the (flattened) note texts."""
    return all(any(_plain(line) in text for text in texts) for line in value.splitlines() if line.strip())


def timeline_tree(tl: Timeline) -> Tree:
    """The timeline as a rich tree: year → (month →) paper, a line each, with date, org and key components
    (cut with an ellipsis where the terminal ends)."""
    from vlmnotes.timeline import key_components, label

    root = Tree(Text("timeline", style="bold"), guide_style="dim")
    years: dict[int, Tree] = {}
    for period in tl.periods:
        year = years.get(period.year)
        if year is None:
            n = sum(len(p.records) for p in tl.periods if p.year == period.year)
            year = years[period.year] = root.add(Text.assemble((str(period.year), "bold cyan"), " ", (f"({n})", "dim")))
        parent = year if period.month is None else year.add(Text(period.label, style="cyan"))
        for r in period.records:
            line = as_text(f"{r.get('date') or r.get('year')}  ", style="dim")
            line.append_text(as_text(label(r), style="bold"))
            orgs = ", ".join(short_org(o) for o in r.get("orgs") or [])
            if orgs:
                line.append_text(as_text(f"  {orgs}", style="green"))
            comps = key_components(r)
            if comps:
                line.append_text(as_text(f"  {comps}", style="magenta"))
            line.no_wrap, line.overflow = True, "ellipsis"
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


COMPARED_WIDTH = 20  # the narrowest a paper's column gets before the next paper goes to a table below


def compare_table(records: list[dict[str, Any]], width: int = 80) -> Group:
    """Papers side by side: a column per paper, a row per field; as many papers a table as leave each column
    COMPARED_WIDTH cells in `width`, the rest in tables below."""
    from vlmnotes.timeline import compare_rows, label

    rows = compare_rows(records)
    head = max(cell_len(name) for name, _ in rows)
    per_table = max(1, (width - head - 4) // (COMPARED_WIDTH + 3))
    # Every paper's column as wide, in every table: as wide as the widest value needs, or as fit.
    widest = max(cell_len(one_line(v)) for _, values in rows for v in [*values, *map(label, records)])
    column = min(widest, (width - head - 4) // min(per_table, len(records)) - 3)
    tables: list[RenderableType] = []
    for start in range(0, len(records), per_table):
        chunk = records[start : start + per_table]
        table = Table(header_style="bold cyan", show_lines=True)
        table.add_column("", style="bold", no_wrap=True)
        for r in chunk:
            table.add_column(as_text(label(r)), overflow="fold", width=max(COMPARED_WIDTH, column))
        for name, values in compare_rows(chunk):
            table.add_row(name, *[as_text(v or "—") for v in values])
        tables.append(table)
    return Group(*tables)


BAR = 24  # cells of the longest bar


def stats_view(counts: dict[str, list[tuple[str, int]]], top: int = 12, width: int = 80) -> Group:
    """Counts with bars, a block per field: the longest bar is the most common value; papers with no value are
    counted last (`(none)`, dim), without a bar."""
    titles = {"year": "by year", "orgs": "by organisation", "vision_encoder": "by vision encoder",
              "llm": "by LLM", "connector": "by connector"}  # fmt: skip
    blocks: list[RenderableType] = []
    for key, items in counts.items():
        values = [(v, n) for v, n in items if v != "(none)"]
        missing = [(v, n) for v, n in items if v == "(none)"]
        shown = values if key == "year" else values[:top]
        table = Table(box=None, show_header=False)
        table.add_column(no_wrap=True, overflow="ellipsis", max_width=max(10, width - BAR - 12))
        table.add_column(justify="right")
        table.add_column(no_wrap=True)
        most = max((n for _, n in values), default=1)
        for value, n in shown:
            table.add_row(as_text(value), str(n), Text("█" * max(1, round(BAR * n / most)), style="cyan"))
        if len(values) > len(shown):
            more = count(len(values) - len(shown), "more value", "more values")
            table.add_row(Text(f"… {more}", style="dim"), "", "")
        for value, n in missing:  # counted, but no bar: the bars compare values, and this is none
            table.add_row(as_text(value, style="dim"), Text(str(n), style="dim"), "")
        blocks += [Text(titles.get(key, key), style="bold"), table, Text("")]
    return Group(*blocks)


def stats_plain(counts: dict[str, list[tuple[str, int]]]) -> str:
    """Tab-separated field, value, count lines; for pipes."""
    return "".join(f"{key}\t{one_line(value)}\t{n}\n" for key, items in counts.items() for value, n in items)
