"""The command line: thin typer commands that parse arguments, call one library function and render.

This is the only module that prints or exits. Library errors (VlmnotesError) become one line on
stderr, `error: <message>`, with exit code 1, or 2 for usage errors.

Annotations stay text until typer reads them, which it does for the command being run only (see _app_for).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from enum import Enum
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from vlmnotes import __version__
from vlmnotes.entry import listed, report_build, report_problems, resolve_config, write_utf8
from vlmnotes.entry import say as _say  # one plain line on stderr (no rich: no start-up time)
from vlmnotes.errors import UsageError, VlmnotesError
from vlmnotes.formats import count

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress
    from typer._click import Command as ClickCommand
    from typer._click import Context as ClickContext

    from vlmnotes.index import Hit, Results, Texts
    from vlmnotes.kb import Config
    from vlmnotes.query import Filters, Term

# The options of vlmnotes itself, which go before the command, and what each takes (None: nothing).
GLOBAL_OPTIONS = {"--notes": "PATH", "-n": "PATH", "--kb": "PATH", "--ext": "md,markdown,txt", "--version": None}


class _Group(typer.core.TyperGroup):
    """The vlmnotes command: a global option given after the command (`vlmnotes list --notes x`) is a usage error
    that says where it goes, instead of click's 'No such option'."""

    def resolve_command(self, ctx: ClickContext, args: list[str]) -> tuple[str | None, ClickCommand | None, list[str]]:
        name, command, rest = super().resolve_command(ctx, args)
        if name is not None and command is not None:
            hint = _misplaced(name, command, rest)
            if hint is not None:
                raise _fail(hint, 2)
        return name, command, rest


def _misplaced(name: str, command: ClickCommand, args: list[str]) -> str | None:
    """What to say of the first global option in a command's arguments that the command has no option of its own
    by that name (None when there is none): that it goes before the command, and the command line that does so."""
    own = {opt for param in command.params for opt in getattr(param, "opts", [])}
    for i, arg in enumerate(args):
        if arg == "--":
            break
        option, eq, value = arg.partition("=")
        if option not in GLOBAL_OPTIONS or option in own:
            continue
        takes = GLOBAL_OPTIONS[option]
        if takes is not None and not eq:
            value = args[i + 1] if i + 1 < len(args) else takes
            rest = args[:i] + args[i + 2 :]
        else:
            rest = args[:i] + args[i + 1 :]
        moved = [option, value] if takes is not None else [option]
        import shlex

        fixed = shlex.join(["vlmnotes", *moved, name, *rest])
        return f"{option} is an option of vlmnotes itself: put it before the command: {fixed}"
    return None


app = typer.Typer(
    cls=_Group,
    context_settings={"help_option_names": ["-h", "--help"]},
    name="vlmnotes",
    help=(
        "A knowledge base over your reading notes on vision-language-model papers.\n\n"
        "Reads the Markdown notes you already write (English or Chinese, any of the common styles), "
        "keeps one YAML record per paper in kb/papers/, and lets you search, list, compare and export "
        "them, lint the notes and fill in what they leave out from arXiv.\n\n"
        "Exit codes: 0 success, 1 an error or a note that could not be read, 2 a usage error.\n\n"
        "Example: vlmnotes --notes notes/ build && vlmnotes show CLIP"
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)

T = TypeVar("T")


class _State:
    notes: tuple[Path, ...] = ()
    kb: Path | None = None
    extensions: tuple[str, ...] = ()
    broken = False  # a record file could not be read: the command ends with exit code 1


state = _State()


def _out() -> Console:
    from rich.console import Console

    # No markup or emoji codes: a note's `[/]` or `:smile:` that reaches rich as a str is printed as written.
    return Console(highlight=False, soft_wrap=False, markup=False, emoji=False)


def _err() -> Console:
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True, markup=False, emoji=False)


def _fail(message: str, code: int) -> typer.Exit:
    _say(f"error: {message}")
    return typer.Exit(code)


def _guard(fn: Callable[[], T]) -> T:
    """Run library code; a VlmnotesError becomes a one-line message and its exit code."""
    try:
        return fn()
    except VlmnotesError as exc:
        raise _fail(str(exc), exc.exit_code) from None


def _config() -> Config:
    return resolve_config(state.notes, state.kb, state.extensions)


@contextmanager
def _writing_notes(writes: bool, what: str) -> Iterator[None]:
    """Hold the knowledge base's lock while a command rewrites notes, so that no build reads them half done
    (nothing to hold when there is no knowledge base yet, or no notes folder to find it by)."""
    try:
        kb = _config().kb if writes else None
    except VlmnotesError:
        kb = None
    with ExitStack() as stack:
        if kb is not None and kb.is_dir():
            from vlmnotes.state import kb_lock

            _guard(lambda: stack.enter_context(kb_lock(kb, what)))
        yield


def _version(value: bool) -> None:
    if value:
        typer.echo(f"vlmnotes {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    notes: Annotated[
        list[Path] | None,
        typer.Option(
            "--notes",
            "-n",
            help="Notes folder or file (repeatable). Default: $VLMNOTES_NOTES, else the nearest notes/ folder.",
        ),
    ] = None,
    kb: Annotated[
        Path | None,
        typer.Option("--kb", help="Knowledge-base folder. Default: $VLMNOTES_KB, else kb/ beside the notes folder."),
    ] = None,
    ext: Annotated[
        str | None,
        typer.Option("--ext", help="Comma-separated note file endings. Default: md,markdown,txt."),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Global options shared by every command."""
    state.notes = tuple(notes or ())
    state.kb = kb
    state.broken = False  # each command starts afresh (tests run many in one process)
    state.extensions = tuple(f".{e.strip().lstrip('.').lower()}" for e in (ext or "").split(",") if e.strip(" ."))
    if ext is not None and not state.extensions:
        raise _fail(f"--ext: no file ending in '{ext}'; give endings such as md,markdown,txt", 2)


@app.command()
def build(
    check: Annotated[
        bool,
        typer.Option("--check", help="Change nothing; list what would change and exit 1 if anything would."),
    ] = False,
    prune: Annotated[
        bool,
        typer.Option(
            "--prune",
            help="Also drop the records of notes built before but not given now (by default they are kept).",
        ),
    ] = False,
) -> None:
    """Read the notes and bring the knowledge base (kb/papers/*.yaml) up to date.

    Only notes that changed since the last build are parsed again. A build only updates what it was asked
    about: `--notes one-note.md build` updates that note's records and leaves the records of the other notes
    alone (a note deleted from disk does take its records with it, and the summary says so); `--prune`
    drops the records of every note not given. Values you edit by hand in a record file are kept and listed
    under `pinned` in that file. A note that cannot be read is named on stderr, the rest is built, and the
    exit code is 1. No note found at all is an error (exit 2) that changes nothing.

    Example: vlmnotes --notes notes/ build --check
    """
    from vlmnotes.kb import build as run_build

    report = _guard(lambda: run_build(_config(), check=check, prune=prune))
    code = report_build(report, check=check)
    if code:
        raise typer.Exit(code)


class ListFormat(str, Enum):
    table = "table"
    json = "json"
    yaml = "yaml"


class OutFormat(str, Enum):
    table = "table"
    json = "json"
    yaml = "yaml"
    csv = "csv"
    md = "md"


class SortKey(str, Enum):
    date = "date"
    name = "name"
    citations = "citations"


def _report_broken(kb: Path) -> None:
    from vlmnotes.index import broken_records

    for line in broken_records(kb):
        _say(f"error: {line}")


# Seconds a reading command waits for a build another process is running before it answers from the records
# as they are (a build of its own would wait for the lock).
READ_WAIT = 5.0


def _fresh_kb() -> Path:
    """The knowledge-base folder, rebuilt first if a note changed since the last build; a note or record file that
    build could not read is named on stderr, and the command ends with exit code 1 (state.broken)."""
    from vlmnotes.kb import build as run_build
    from vlmnotes.kb import is_current

    config = _guard(_config)
    if not _guard(lambda: is_current(config)):
        try:
            report = run_build(config, wait=READ_WAIT)
        except UsageError as exc:
            raise _fail(str(exc), 2) from exc
        except VlmnotesError as exc:  # a read-only kb/, another build holding it: answer from what is there
            _say(f"warning: {exc}; answering from the records as they are")
            return config.kb
        report_problems(report.skipped, report.errors)
        state.broken = bool(report.skipped or report.errors)  # named above: the command ends with exit code 1
    return config.kb


def _emit(
    records: list[dict[str, object]], fmt: OutFormat, pager: bool, terms: list[Term] | None = None,
    hints: list[str] | None = None,
) -> None:  # fmt: skip
    """Records in the format asked for: on a terminal a table as wide as it is (for a search, with the sentence
    each paper matched the `terms` in; `hints`, the index's snippets); piped, tab-separated lines."""
    from vlmnotes import formats

    text: str | None = None
    if fmt is OutFormat.json:
        text = formats.records_json(records)
    elif fmt is OutFormat.yaml:
        text = formats.records_yaml(records)
    elif fmt is OutFormat.csv:
        text = formats.records_csv(records)
    elif fmt is OutFormat.md:
        text = formats.records_md(records)
    elif not sys.stdout.isatty():
        text = formats.records_tsv(records)
    if text is not None:
        sys.stdout.write(text)
        return
    from vlmnotes import render

    out = _out()
    table = render.records_table(records, out.width, terms, hints)
    if pager:
        os.environ.setdefault("LESS", "-R")  # less shows the colours the pager keeps (styles=True) as colours
        with out.pager(styles=True):
            out.print(table)
    else:
        out.print(table)


def _search(
    query: str | None, filters: Filters, limit: int | None, sort: SortKey | None, snippets: bool = False
) -> Results:
    """The papers a query and filters select, best first or in `sort` order, at most `limit` of them (with the
    index's snippets); a record file that could not be read is named on stderr and makes the command end with
    exit code 1."""
    from vlmnotes.index import search as run_search

    kb = _fresh_kb()
    results = _guard(
        lambda: run_search(
            kb, query, limit=limit, sort=sort.value if sort else None, filters=filters, snippets=snippets
        )
    )
    for line in results.errors:
        _say(f"error: {line}")
    state.broken = state.broken or bool(results.errors)
    return results


def _search_json(
    query: str | None, filters: Filters, limit: int | None, sort: SortKey | None,
    arrange: Callable[[list[dict[str, object]]], list[dict[str, object]]] | None = None,
) -> Texts:  # fmt: skip
    """`_search` for `--format json`: the records' JSON texts, read from the index as they are written out."""
    from vlmnotes.index import search_json

    kb = _fresh_kb()
    results = _guard(
        lambda: search_json(kb, query, limit=limit, sort=sort.value if sort else None, filters=filters, arrange=arrange)
    )
    for line in results.errors:
        _say(f"error: {line}")
    state.broken = state.broken or bool(results.errors)
    return results


def _write_json(results: Texts, output: Path | None = None) -> None:
    """The JSON array of the records, written a record at a time (see _write for `output`)."""
    from vlmnotes.formats import json_array

    pieces = json_array(results.texts)
    if output is None or str(output) == "-":
        _guard(lambda: write_utf8(pieces))
    else:
        _write(_guard(lambda: b"".join(pieces)), output)


def _run_search(query: str | None, filters: Filters, limit: int | None, sort: SortKey | None) -> list[Hit]:
    return list(_search(query, filters, limit, sort).hits)


def _listed(shown_count: int, total: int, query: str | None, filters: Filters | None = None) -> None:
    """How a listing of `shown_count` papers of `total` ends, on stderr (entry.listed); exit code 1 when none
    matched."""
    messages, matched = listed(shown_count, total, query, filters)
    for message in messages:
        _say(message)
    if not matched:
        raise typer.Exit(1)


# The query language, as a table: `\b` keeps click from re-flowing it, and every line fits 80 columns (the help
# indents it by two); tests/test_terminal.py checks that `search --help` shows these lines as written.
QUERY_HELP = """
Query language (shared by search and list):

\b
  clip                    free text: the start of a word (BLI finds BLIP,
                          BLIP-2), in any case and width
  CLIP-2  2103.00020      a number matches whole (CLIP-2 finds no CLIP 2021)
  双流  对比学习          Chinese, from two characters on
  "frozen image encoder"  a phrase
  name:BLIP-2             a whole name or alias (BLIP-2, never BLIP)
  title: tag: author:     text fields
  org:谷歌  venue:NIPS    any name for it (= org:Google, venue:NeurIPS)
  encoder: text-encoder: llm: connector: loss: arch:
                          components, by canonical name or alias
  year:2021  year:>=2021  year:2021..2023  citations:>1000
                          numbers
  status:read  arxiv:2103.00020  id:blip
                          exact values
  -term  NOT term         leave out; may start a query: list -status:read
  a OR b  ( ... )         either; a group; side by side, all must match

Exit codes: 0 results, 1 nothing matched, 2 a malformed query or option.
"""


class _QueryCommand(typer.core.TyperCommand):
    """A command whose query may start with a minus (`vlmnotes list -status:read`)."""

    def parse_args(self, ctx: ClickContext, args: list[str]) -> list[str]:
        return super().parse_args(ctx, _dashed_query(ctx, self.get_params(ctx), args))


def _dashed_query(ctx: ClickContext, params: Sequence[object], args: list[str]) -> list[str]:
    """The arguments with a query that starts with one minus moved behind `--`, where no option can take it
    (a word such as `-x`, `--x` or `-fjson` that may be an option stays one); a usage error when the query
    is more than one argument."""
    if "--" in args:
        return args
    options = {name: p for p in params if isinstance(p, typer.core.TyperOption) for name in p.opts}
    rest: list[str] = []
    words: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        option = options.get(arg.split("=", 1)[0])
        if option is not None and not (option.is_flag or option.count) and "=" not in arg:
            rest += args[i : i + 2]  # the option and its value, which may start with a minus
            i += 2
            continue
        maybe_option = option is not None or arg[:1] != "-" or arg[1:2] == "-" or len(arg) <= 2
        if not maybe_option and not _takes_attached(options.get(arg[:2]), arg[2:], ctx):
            words.append(arg)  # -status:read
            i += 1
            continue
        (words if arg[:1] != "-" or arg == "-" else rest).append(arg)
        i += 1
    dashed = [w for w in words if w[:1] == "-" and w != "-"]
    if not dashed:
        return args
    if len(words) > 1:
        import shlex

        raise _fail(f"give the query as one argument: vlmnotes {ctx.info_name} {shlex.quote(' '.join(words))}", 2)
    return [*rest, "--", *words]


def _takes_attached(option: typer.core.TyperOption | None, value: str, ctx: ClickContext) -> bool:
    """True when `value` is a value `option` takes (`json` for `-f`, so that `-fjson` stays `-f json`)."""
    if option is None:
        return False
    try:
        option.type.convert(value, option, ctx)
    except typer.BadParameter:
        return False
    return True


@app.command(epilog=QUERY_HELP, cls=_QueryCommand)
def search(
    query: Annotated[str, typer.Argument(help="What to look for (see the query language below).")],
    fmt: Annotated[OutFormat, typer.Option("--format", "-f", help="table, json, yaml, csv or md.")] = OutFormat.table,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="Show at most this many results.")] = 20,
    sort: Annotated[
        SortKey | None, typer.Option("--sort", help="date, name or citations (default: relevance).")
    ] = None,
    pager: Annotated[bool, typer.Option("--pager", help="Page long output.")] = False,
) -> None:
    """Search the knowledge base, best match first, in English or Chinese.

    On a terminal: a table, and under each title the sentence of the notes the words were found in; piped:
    tab-separated lines; `--format json` prints an array of records as `list --format json` does, best
    first. When --limit leaves papers out, stderr says how many.

    Examples: vlmnotes search CLIP · vlmnotes search 'llm:Qwen year:>=2023' · vlmnotes search 双流 -f json
    """
    from vlmnotes.query import Filters, parse_query

    _guard(lambda: parse_query(query))  # an empty or malformed query is a usage error before any work
    if fmt is OutFormat.json:
        texts = _search_json(query, Filters(), limit, sort)
        _write_json(texts)
        _listed(texts.shown, texts.total, query)
    else:
        table = fmt is OutFormat.table and sys.stdout.isatty()  # snippets only show in the terminal table
        terms = None
        if table:
            from vlmnotes.snippets import query_terms

            terms = query_terms(query)
        results = _search(query, Filters(), limit, sort, snippets=table)
        _emit([h.record for h in results.hits], fmt, pager, terms, [h.snippet for h in results.hits])
        _listed(len(results.hits), results.total, query)
    if state.broken:
        raise typer.Exit(1)


@app.command("list", epilog=QUERY_HELP, cls=_QueryCommand)
def list_papers(
    query: Annotated[str | None, typer.Argument(help="Optional query (see below); default: every paper.")] = None,
    fmt: Annotated[OutFormat, typer.Option("--format", "-f", help="table, json, yaml, csv or md.")] = OutFormat.table,
    org: Annotated[str | None, typer.Option("--org", help="Organisation (name or alias).")] = None,
    year: Annotated[int | None, typer.Option("--year", help="Exactly this year.")] = None,
    since: Annotated[int | None, typer.Option("--since", help="This year or later.")] = None,
    until: Annotated[int | None, typer.Option("--until", help="This year or earlier.")] = None,
    llm: Annotated[str | None, typer.Option("--llm", help="Language model (name or alias, a prefix).")] = None,
    encoder: Annotated[str | None, typer.Option("--encoder", help="Vision encoder (name or alias).")] = None,
    tag: Annotated[str | None, typer.Option("--tag", help="Section heading the entry sits under.")] = None,
    sort: Annotated[SortKey, typer.Option("--sort", help="date, name or citations.")] = SortKey.date,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="Show at most this many papers.")] = None,
    pager: Annotated[bool, typer.Option("--pager", help="Page long output.")] = False,
) -> None:
    """List papers, oldest first: all of them, or those a query and the options select.

    `--format json` prints a JSON array of records keyed as in schemas/paper.schema.json.

    Examples: vlmnotes list --since 2023 --llm Qwen · vlmnotes list --format json > kb.json
    """
    from vlmnotes.query import Filters

    filters = Filters(org=org, year=year, since=since, until=until, llm=llm, encoder=encoder, tag=tag)
    if fmt is OutFormat.json:
        texts = _search_json(query, filters, limit, sort)
        _write_json(texts)
        _listed(texts.shown, texts.total, query, filters)
    else:
        results = _search(query, filters, limit, sort)
        _emit([h.record for h in results.hits], fmt, pager)
        _listed(len(results.hits), results.total, query, filters)
    if state.broken:
        raise typer.Exit(1)


@app.command()
def show(
    paper: Annotated[str, typer.Argument(help="A name (CLIP), alias, record id, arXiv id or URL, or a title.")],
    fmt: Annotated[ListFormat, typer.Option("--format", "-f", help="table (a panel), json or yaml.")] = (
        ListFormat.table
    ),
) -> None:
    """Show one paper with every field, its relations, conflicts and the note lines it comes from.

    Example: vlmnotes show BLIP-2
    """
    from vlmnotes import formats, render
    from vlmnotes.index import lookup
    from vlmnotes.model import Paper

    kb = _fresh_kb()
    record = _guard(lambda: lookup(kb, paper))
    _report_broken(kb)
    if fmt is ListFormat.json:
        sys.stdout.write(formats.records_json([record]))
    elif fmt is ListFormat.yaml:
        sys.stdout.write(formats.records_yaml([record]))
    else:
        _out().print(render.paper_panel(Paper.model_validate(record)))


class TimelineFormat(str, Enum):
    tree = "tree"
    json = "json"
    md = "md"
    mermaid = "mermaid"
    svg = "svg"
    html = "html"


class GroupBy(str, Enum):
    year = "year"
    month = "month"


class LaneKind(str, Enum):
    org = "org"
    family = "family"
    tag = "tag"
    none = "none"


@app.command(epilog=QUERY_HELP, cls=_QueryCommand)
def timeline(
    query: Annotated[str | None, typer.Argument(help="Optional query to select papers (see below).")] = None,
    since: Annotated[int | None, typer.Option("--since", help="From this year on.")] = None,
    until: Annotated[int | None, typer.Option("--until", help="Up to this year.")] = None,
    by: Annotated[GroupBy, typer.Option("--by", help="Group by year or month.")] = GroupBy.year,
    fmt: Annotated[
        TimelineFormat, typer.Option("--format", "-f", help="tree, json, md, mermaid, svg or html.")
    ] = TimelineFormat.tree,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")] = None,
    lanes: Annotated[
        LaneKind, typer.Option("--lanes", help="svg and html: a lane per organisation, family, tag, or none.")
    ] = LaneKind.org,
) -> None:
    """Papers in date order, grouped by year (or month); undated papers are counted at the end.

    `--format json` prints the records in date order; `md` a list with links; `mermaid` a Mermaid timeline
    diagram; `svg` a picture on a time axis, a lane per organisation (`--lanes family|tag|none`), with lineage
    arrows; `html` the same picture in one offline page with search, zoom to years and details on click.

    Examples: vlmnotes timeline --since 2021 · vlmnotes timeline 'llm:Qwen' -f html --lanes family -o qwen.html
    """
    from vlmnotes import timeline as tl_mod
    from vlmnotes.query import Filters

    filters = Filters(since=since, until=until)
    if fmt is TimelineFormat.json:
        texts = _search_json(query, filters, None, SortKey.date, partial(tl_mod.in_timeline_order, by=by.value))
        _write_json(texts, output)
        _listed(texts.shown, texts.total, query, filters)  # nothing matched: says so, exit 1
        if state.broken:
            raise typer.Exit(1)
        return
    from vlmnotes import render

    results = _search(query, filters, None, SortKey.date)
    hits = results.hits
    tl = tl_mod.build_timeline([h.record for h in hits], by.value)
    writers = {
        TimelineFormat.md: lambda: tl_mod.timeline_md(tl),
        TimelineFormat.mermaid: lambda: tl_mod.timeline_mermaid(tl),
        TimelineFormat.svg: lambda: tl_mod.timeline_svg(tl, lanes.value),
        TimelineFormat.html: lambda: tl_mod.timeline_html(tl, lanes.value),
    }
    if fmt in writers:
        _write(writers[fmt](), output)
    elif output is not None or not sys.stdout.isatty():
        _write(render.timeline_plain(tl), output)
    else:
        _out().print(render.timeline_tree(tl))
    _listed(len(hits), results.total, query, filters)  # nothing matched: says so, exit 1
    if state.broken:
        raise typer.Exit(1)


class GraphFormat(str, Enum):
    text = "text"
    html = "html"
    mermaid = "mermaid"
    dot = "dot"


@app.command(epilog=QUERY_HELP, cls=_QueryCommand)
def graph(
    query: Annotated[
        str | None,
        typer.Argument(help="A paper (BLIP-2) or a query (see below); default: every paper with a relation."),
    ] = None,
    depth: Annotated[
        int, typer.Option("--depth", "-d", min=0, help="Relations to follow out from the papers selected (0: none).")
    ] = 1,
    types: Annotated[
        str,
        typer.Option(
            "--types",
            "-t",
            help="Relation types to follow and draw, comma-separated: improves-on, builds-on, uses, similar-to, "
            "mentions, or all.",
        ),
    ] = "improves-on,builds-on,uses",
    fmt: Annotated[
        GraphFormat | None,
        typer.Option(
            "--format",
            "-f",
            help="text, html, mermaid or dot (default: by the -o file's ending, .html, .dot or .gv, .mmd; else text).",
        ),
    ] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")] = None,
) -> None:
    """The lineage graph: the papers selected, their neighbours within --depth relations, and the relations
    between them, each labelled with its type (BLIP-2 improves-on BLIP).

    A QUERY that names a paper outright (its name, an alias, its id, arXiv id or title: BLIP-2) starts from that
    paper alone, not from every paper whose notes mention the name; any other query (`org:Salesforce`, `BLI`)
    starts from every paper it selects. With no QUERY: every paper that has a relation of these types, and a
    count of those without one.

    `text` (the default on stdout) is an adjacency list; `dot` is Graphviz (`dot -Tsvg`); `mermaid` a flowchart;
    `html` one self-contained page, oldest papers to the left, with pan and zoom, the title on hover and a
    paper's details and links on a click.

    Examples: vlmnotes graph BLIP-2 --depth 2 · vlmnotes graph -o lineage.html · vlmnotes graph 'org:Salesforce' -f dot
    """
    from vlmnotes import graph as lineage
    from vlmnotes.index import search as search_index
    from vlmnotes.query import Filters

    wanted = _guard(lambda: lineage.parse_types(types))
    hits = [h.record for h in _run_search(query, Filters(), None, SortKey.date)]
    if query is not None and not hits:
        _say(f"no papers match '{query}'")
        raise typer.Exit(1)
    kb = _fresh_kb()
    everything = hits if query is None else [h.record for h in _guard(lambda: search_index(kb, None, sort="date")).hits]
    drawn = lineage.build_graph(everything, hits, query, depth, wanted)
    _write(lineage.WRITERS[fmt.value if fmt else lineage.format_for(output)](drawn), output)
    if state.broken:
        raise typer.Exit(1)


def _nothing_to_export(query: str | None) -> str:
    if query is None:
        return "the knowledge base has no papers to export; `vlmnotes build` makes them from the notes"
    return f"nothing matched '{query}'; `vlmnotes list` shows every paper"


def _write(text: str | bytes, output: Path | None) -> None:
    """Write text (or UTF-8 bytes) to stdout (no --output, or `-o -`), else to the file: a regular file is replaced
    atomically (a symlink's target, the link kept); a device or FIFO is written to as it is, never replaced."""
    import stat

    if output is None or str(output) == "-":
        if isinstance(text, bytes):
            write_utf8([text])
        else:
            sys.stdout.write(text)
        return
    from vlmnotes.store import atomic_write_bytes

    data = text if isinstance(text, bytes) else text.encode("utf-8")

    try:
        mode = output.stat().st_mode
    except OSError:
        mode = None
    if mode is not None and stat.S_ISDIR(mode):
        raise _fail(f"{output}: is a folder; give --output the name of a file", 2)
    try:
        if mode is not None and not stat.S_ISREG(mode):
            with output.open("wb") as fh:
                fh.write(data)
        else:
            atomic_write_bytes(output.resolve() if output.is_symlink() else output, data)
    except OSError as exc:
        raise _fail(f"{output}: cannot write ({exc.strerror or exc})", 1) from None
    _err().print(f"wrote {output}", markup=False)


class CompareFormat(str, Enum):
    table = "table"
    json = "json"
    md = "md"


@app.command()
def compare(
    papers: Annotated[list[str], typer.Argument(help="Two or more names, ids or arXiv ids.")],
    fmt: Annotated[CompareFormat, typer.Option("--format", "-f", help="table, json or md.")] = CompareFormat.table,
) -> None:
    """Compare papers side by side: date, organisation, venue and every component.

    Example: vlmnotes compare BLIP-2 Qwen-VL LLaVA
    """
    from vlmnotes import formats, render
    from vlmnotes.index import lookup
    from vlmnotes.timeline import compare_md

    if len(papers) < 2:
        raise _fail("compare needs two or more papers, e.g. vlmnotes compare BLIP-2 Qwen-VL", 2)
    kb = _fresh_kb()
    records = [_guard(partial(lookup, kb, name)) for name in papers]
    _report_broken(kb)
    if fmt is CompareFormat.json:
        sys.stdout.write(formats.records_json(records))
    elif fmt is CompareFormat.md or not sys.stdout.isatty():
        sys.stdout.write(compare_md(records))
    else:
        out = _out()
        out.print(render.compare_table(records, out.width))


@app.command(epilog=QUERY_HELP, cls=_QueryCommand)
def stats(
    query: Annotated[str | None, typer.Argument(help="Optional query to select papers (see below).")] = None,
    fmt: Annotated[CompareFormat, typer.Option("--format", "-f", help="table (bars), json or md.")] = (
        CompareFormat.table
    ),
) -> None:
    """Count papers by year, organisation, vision encoder, LLM and connector, with bars.

    Example: vlmnotes stats 'year:>=2023'
    """
    import json

    from vlmnotes import render
    from vlmnotes.formats import json_safe
    from vlmnotes.query import Filters
    from vlmnotes.timeline import stats as count_values
    from vlmnotes.timeline import stats_md

    results = _search(query, Filters(), None, SortKey.date)
    hits = results.hits
    counts = count_values([h.record for h in hits])
    if fmt is CompareFormat.json:
        text = json.dumps({k: dict(v) for k, v in counts.items()}, ensure_ascii=False, indent=2)
        sys.stdout.write(json_safe(text) + "\n")
    elif fmt is CompareFormat.md:
        sys.stdout.write(stats_md(counts))
    elif not sys.stdout.isatty():
        sys.stdout.write(render.stats_plain(counts))
    else:
        out = _out()
        out.print(count(len(hits), "paper"), style="bold")
        out.print(render.stats_view(counts, width=out.width))
    _listed(len(hits), results.total, query)
    if not hits or state.broken:
        raise typer.Exit(1)


class LintFormat(str, Enum):
    full = "full"
    concise = "concise"
    json = "json"
    github = "github"
    sarif = "sarif"


class FailOn(str, Enum):
    error = "error"
    warning = "warning"
    info = "info"


LINT_HELP = """
Configuration: [tool.vlmnotes.lint] in pyproject.toml or [lint] in .vlmnotes.toml beside the notes, with
select, ignore, extend-select (codes or prefixes such as VN5), per-file-ignores and severity; options here
win. Inline: <!-- vlmnotes-disable VN301 -->, vlmnotes-enable, vlmnotes-disable-next-line, vlmnotes-disable-file.

Exit codes, as ruff's: 0 no finding left at or above --fail-on (default warning: info never fails); 1 a warning or
error left after --fix (--fail-on error: only errors; info: any finding); 2 a usage error or a note that could not be
read or written. --exit-zero: 0 whatever is found, still 2 when lint itself fails.

--fix fixes, lints the fixed text and fixes again until nothing more is fixable (at most 10 rounds), writes each
file once, and says what it fixed in each file and what is left; a second --fix changes nothing.
"""


@app.command(epilog=LINT_HELP)
def lint(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Note files or folders (default: the notes folder).")
    ] = None,
    fmt: Annotated[
        LintFormat, typer.Option("--format", "-f", help="full, concise, json, github or sarif.")
    ] = LintFormat.full,
    select: Annotated[str | None, typer.Option("--select", help="Only these codes or prefixes (VN1,VN501).")] = None,
    ignore: Annotated[str | None, typer.Option("--ignore", help="Leave out these codes or prefixes.")] = None,
    extend_select: Annotated[str | None, typer.Option("--extend-select", help="Add codes to the selection.")] = None,
    fix: Annotated[bool, typer.Option("--fix", help="Apply safe fixes in place, round after round.")] = False,
    diff: Annotated[bool, typer.Option("--diff", help="Print the fixes as a diff; change nothing.")] = False,
    unsafe_fixes: Annotated[bool, typer.Option("--unsafe-fixes", help="Apply unsafe fixes too.")] = False,
    statistics: Annotated[bool, typer.Option("--statistics", help="Count findings by rule.")] = False,
    fail_on: Annotated[
        FailOn, typer.Option("--fail-on", help="Lowest severity that fails the run (exit 1).")
    ] = FailOn.warning,
    exit_zero: Annotated[
        bool, typer.Option("--exit-zero", help="Exit 0 whatever is found (2 still when lint itself fails).")
    ] = False,
    list_rules: Annotated[bool, typer.Option("--list", help="List the rules and exit.")] = False,
    explain_code: Annotated[str | None, typer.Option("--explain", help="Explain one rule and exit.")] = None,
) -> None:
    """Check note files for what makes a note wrong or unreadable: links, arXiv ids, dates, fields, Markdown.

    Example: vlmnotes lint notes/ --format github
    """
    from vlmnotes.lint import find_config, run, selection_from, severity_at_least
    from vlmnotes.lint import report as rep
    from vlmnotes.lint.registry import RULES

    if list_rules:
        sys.stdout.write(rep.rule_list())
        return
    if explain_code:
        code = explain_code.strip().upper()
        if code not in RULES:
            raise _fail(f"no rule '{explain_code}'; `vlmnotes lint --list` shows the codes", 2)
        sys.stdout.write(rep.explain(code))
        return
    targets = list(paths or []) or list(_guard(_config).notes)
    found = _guard(lambda: find_config(targets[0]))
    selection = _guard(lambda: selection_from(found[1] if found else None, str(found[0]) if found else ""))
    cli_codes = _guard(lambda: _lint_codes(select, ignore, extend_select))
    if cli_codes[0] is not None:
        selection.select = cli_codes[0]
        # What the command line selects wins over what the configuration ignores.
        selection.ignore = [i for i in selection.ignore if not any(c.startswith(i) for c in cli_codes[0])]
    selection.ignore += cli_codes[1]
    selection.extend_select += cli_codes[2]
    with _writing_notes(fix and not diff, "lint --fix"):
        result = _guard(lambda: run(targets, selection, fix=fix, unsafe=unsafe_fixes, diff=diff))
    for line in result.errors:
        _say(f"error: {line}")
    if diff:
        sys.stdout.write("".join(result.diffs))
    elif fmt is LintFormat.json:
        sys.stdout.write(rep.as_json(result.findings, unsafe_fixes))
    elif fmt is LintFormat.github:
        sys.stdout.write(rep.github(result.findings))
    elif fmt is LintFormat.sarif:
        sys.stdout.write(rep.sarif(result.findings, Path.cwd(), result.sources))
    elif fmt is LintFormat.concise:
        sys.stdout.write(rep.concise(result.findings))
    else:
        sys.stdout.write(rep.full(result.findings, result.sources))
    if statistics:  # beside machine-readable output the counts go to stderr, so stdout still parses
        counts = rep.statistics(result.findings)
        if fmt in (LintFormat.json, LintFormat.sarif, LintFormat.github):
            sys.stderr.write(counts)
        else:
            sys.stdout.write(counts)
    if fmt in (LintFormat.full, LintFormat.concise) and not diff:
        for line in rep.summary(result, fix=fix, unsafe=unsafe_fixes).splitlines():
            _say(line)
    if result.errors:
        raise typer.Exit(2)
    if not exit_zero and any(severity_at_least(f.severity, fail_on.value) for f in result.findings):
        raise typer.Exit(1)


def _lint_codes(
    select: str | None, ignore: str | None, extend: str | None
) -> tuple[list[str] | None, list[str], list[str]]:
    from vlmnotes.lint import _codes

    return (
        _codes(select, "--select") if select else None,
        _codes(ignore, "--ignore") if ignore else [],
        _codes(extend, "--extend-select") if extend else [],
    )


@app.command()
def enrich(
    papers: Annotated[
        list[str] | None, typer.Argument(help="Names, ids or arXiv ids (default: none; see --all).")
    ] = None,
    all_papers: Annotated[
        bool, typer.Option("--all", help="Every paper with an arXiv id (with --resolve: every paper without one).")
    ] = False,
    resolve: Annotated[
        bool,
        typer.Option(
            "--resolve", help="Find the arXiv id of papers the notes give none, by title search; show what and why."
        ),
    ] = False,
    refresh: Annotated[
        bool, typer.Option("--refresh", help="Fetch again papers fetched before (with --resolve: search again).")
    ] = False,
    offline: Annotated[
        bool, typer.Option("--offline", help="Never touch the network; say what would be fetched (or was found).")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="List what would be fetched (or linked, after searching); write nothing.")
    ] = False,
    delay: Annotated[float, typer.Option("--delay", min=0, help="Seconds between requests (arXiv asks for 3).")] = 3.0,
) -> None:
    """Fill in authors, dates, abstracts and categories from arXiv, without overwriting what the notes say.

    Fetched metadata is kept in kb/arxiv.jsonl, so a paper is fetched once (--refresh to fetch it again);
    at most 100 ids a request, one request every 3 seconds. The API address comes from $VLMNOTES_ARXIV_API.
    An interrupted run keeps every finished batch and resumes where it stopped.

    With --resolve, each selected paper the notes give no arXiv id is looked up by title (or, without one,
    by a name of 4 characters or more) and a line says what it would link and why. Only a title that
    matches closely (or starts with "Name:") is linked, never one of two matching ids. The searches are kept
    in kb/resolved.json (a paper is searched once; --refresh searches again) and builds give the record
    the id found, marked arxiv-search; an id the notes give always wins. --dry-run searches but writes
    nothing; --offline shows the searches stored.

    Examples: vlmnotes enrich --all · vlmnotes enrich --resolve --all --dry-run
    """
    from vlmnotes.enrich import Politeness, targets
    from vlmnotes.enrich import enrich as run_enrich
    from vlmnotes.kb import build as run_build

    config = _guard(_config)
    kb = _fresh_kb()
    if resolve:
        _resolve(config, kb, list(papers or []), all_papers, refresh, offline, dry_run, delay)
        return
    ids = _guard(lambda: targets(kb, list(papers or []), all_papers))
    progress, bar = _progress_bar("arXiv")
    try:
        report = _guard(
            lambda: run_enrich(
                kb, ids, refresh=refresh, offline=offline, dry_run=dry_run, polite=Politeness(delay=delay),
                progress=progress,
            )
        )  # fmt: skip
    finally:
        if bar is not None:
            bar.stop()
    for arxiv_id in report.malformed:
        _say(f"error: '{arxiv_id}' is not an arXiv id that can exist; fix the link in the notes")
    if offline or dry_run:
        verb = "would fetch" if report.planned else "nothing to fetch"
        sys.stdout.write(f"{verb}{': ' + ' '.join(report.planned) if report.planned else ''}\n")
        return
    for line in dict.fromkeys(report.errors):
        _say(f"error: {line}")
    if report.enriched or report.not_found:
        _guard(lambda: run_build(config))
    if report.failed and not (report.enriched or report.unchanged or report.not_found):
        raise typer.Exit(1)  # nothing got through: the error line above says why
    summary = (
        f"enriched {len(report.enriched)}, unchanged {len(report.unchanged)}, "
        f"not found {len(report.not_found)}{' (' + ', '.join(report.not_found) + ')' if report.not_found else ''}, "
        f"failed {len(report.failed)}"
    )
    _say(summary)
    if report.failed or report.malformed:
        raise typer.Exit(1)


def _resolve(
    config: Config, kb: Path, names: list[str], everything: bool, refresh: bool, offline: bool, dry_run: bool,
    delay: float,
) -> None:  # fmt: skip
    """`enrich --resolve`: a line a paper on stdout, the build when a link was added, a summary on stderr."""
    from vlmnotes.enrich import Politeness
    from vlmnotes.kb import build as run_build
    from vlmnotes.resolve import resolve, resolve_targets

    subjects = _guard(lambda: resolve_targets(kb, names, everything))
    progress, bar = _progress_bar("arXiv search")
    try:
        report = _guard(
            lambda: resolve(
                kb,
                subjects,
                refresh=refresh,
                offline=offline,
                dry_run=dry_run,
                polite=Politeness(delay=delay),
                progress=progress,
            )
        )
    finally:
        if bar is not None:
            bar.stop()
    sys.stdout.write("".join(outcome.line() + "\n" for outcome in report.outcomes))
    if report.changed:
        _guard(lambda: run_build(config))
    _say(report.summary())


def _progress_bar(label: str) -> tuple[Callable[[int, int], None] | None, Progress | None]:
    """A rich progress bar on a terminal (and a callback that advances it); nothing when piped."""
    if not sys.stderr.isatty():
        return None, None
    from rich.progress import Progress

    bar = Progress(console=_err(), transient=True)
    task = bar.add_task(label, total=None)
    bar.start()

    def advance(done: int, total: int) -> None:
        bar.update(task, completed=done, total=total)

    return advance, bar


class ExportFormat(str, Enum):
    bibtex = "bibtex"
    csl_json = "csl-json"
    ris = "ris"
    csv = "csv"
    yaml = "yaml"
    json = "json"


@app.command(epilog=QUERY_HELP, cls=_QueryCommand)
def export(
    query: Annotated[str | None, typer.Argument(help="Optional query to select papers (see below).")] = None,
    fmt: Annotated[
        ExportFormat, typer.Option("--format", "-f", help="bibtex, csl-json, ris, csv, yaml or json.")
    ] = ExportFormat.bibtex,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")] = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit 1 when an entry lacks a title, authors or a year (for CI).")
    ] = False,
) -> None:
    """Export papers for the tools you write with: BibTeX (biblatex/natbib), CSL-JSON (Zotero, pandoc), RIS, …

    Citation keys (radford2021clip) are given once and stored in the record's `citekey` field, so a paper
    keeps its key in every later export; set `citekey` in a record file to choose one, or the pattern with
    `[tool.vlmnotes.export] citekey = "{author}{year}{shorttitle}"` in pyproject.toml. arXiv papers carry
    eprint and archivePrefix, and primaryClass once `vlmnotes enrich` has fetched their category. A
    bibliography says on stderr how many entries lack a title, authors or a year (`vlmnotes enrich` fills
    them in); with --strict that is an error.

    Example: vlmnotes export 'year:>=2023' --format bibtex -o refs.bib
    """
    from vlmnotes.query import Filters

    if fmt is ExportFormat.json:
        texts = _search_json(query, Filters(), None, SortKey.date)
        if not texts.shown:
            raise _fail(_nothing_to_export(query), 1)
        _write_json(texts, output)
        if state.broken:
            raise typer.Exit(1)
        return
    from vlmnotes import export as ex
    from vlmnotes import formats

    hits = _run_search(query, Filters(), None, SortKey.date)
    records = [h.record for h in hits]
    if not records:
        raise _fail(_nothing_to_export(query), 1)
    keys: dict[str, str] = {}
    vocab = None
    if fmt in (ExportFormat.bibtex, ExportFormat.csl_json, ExportFormat.ris):
        # A key, once given, is stored in the record: unique over the whole knowledge base, the same in every export.
        from vlmnotes.citekeys import assign_and_store, configured_pattern
        from vlmnotes.index import search as search_kb
        from vlmnotes.vocab import load_vocabulary

        config = _guard(_config)
        _guard(lambda: ex.check_unique_keys(records, config.kb))
        pattern = _guard(lambda: configured_pattern(config.notes[0]))
        vocab = _guard(lambda: load_vocabulary(config.vocab_file))
        # Every record's key is taken; searched quietly, as _run_search has named the broken files already.
        every = _guard(lambda: search_kb(config.kb, None, snippets=False)).hits if query else hits
        everything = [h.record for h in every]
        stored = assign_and_store(config.kb, records, everything, pattern, vocab)
        for line in stored.warnings:
            _say(f"warning: {line}")
        keys = stored.keys
    writers = {
        ExportFormat.bibtex: lambda: ex.to_bibtex(records, keys, vocab=vocab),
        ExportFormat.csl_json: lambda: ex.to_csl_json(records, keys, vocab=vocab),
        ExportFormat.ris: lambda: ex.to_ris(records, keys, vocab=vocab),
        ExportFormat.csv: lambda: formats.records_csv(records),
        ExportFormat.yaml: lambda: formats.records_yaml(records),
    }
    _write(writers[fmt](), output)
    missing = ex.incomplete(records) if fmt in (ExportFormat.bibtex, ExportFormat.csl_json, ExportFormat.ris) else None
    if missing:
        _say(f"{'error' if strict else 'warning'}: {missing}")
    if (missing and strict) or state.broken:
        raise typer.Exit(1)


@app.command()
def add(
    paper: Annotated[str, typer.Argument(help="An arXiv id or URL: 2103.00020, https://arxiv.org/abs/2103.00020v2.")],
    note: Annotated[Path | None, typer.Option("--note", help="The note to add to (default: notes/inbox.md).")] = None,
    tag: Annotated[str | None, typer.Option("--tag", help="Put the entry under this heading (made if missing).")] = (
        None
    ),
    offline: Annotated[bool, typer.Option("--offline", help="Do not look the paper up; write the id alone.")] = False,
) -> None:
    """Add a paper to your notes: look it up on arXiv and append an entry in the note's own style.

    Refuses, naming the entry, when the paper is in the knowledge base already; rebuilds it afterwards.

    Example: vlmnotes add 2301.12597 --tag "Vision-Language Models"
    """
    from vlmnotes.add import add_paper
    from vlmnotes.kb import build as run_build

    config = _guard(_config)
    _fresh_kb()
    with _writing_notes(True, "add"):
        added = _guard(lambda: add_paper(config, paper, note=note, tag=tag, offline=offline))
    report = _guard(lambda: run_build(config))
    report_problems(report.skipped, report.errors)
    _say(f"added to {added.path}:{added.line} ({added.style})")
    sys.stdout.write(added.text if added.text.endswith("\n") else added.text + "\n")


@app.command()
def schema() -> None:
    """Print the JSON Schema of a paper record (the file schemas/paper.schema.json).

    Example: vlmnotes schema > paper.schema.json
    """
    from vlmnotes.model import paper_json_schema_text

    sys.stdout.write(paper_json_schema_text())


def _app_for(args: list[str]) -> typer.Typer:
    """The app with only the command the arguments name, when they name one: typer makes every command's options
    from its signature at each start, a tenth of what a search costs. Anything else (no command, a misspelt one,
    help for vlmnotes itself) gets the whole app."""
    from copy import copy

    from typer.main import get_command_name

    name = _command_name(args)
    commands = [
        c for c in app.registered_commands if name == (c.name or get_command_name(getattr(c.callback, "__name__", "")))
    ]
    if name is None or not commands:
        return app
    one = copy(app)
    one.registered_commands = commands
    return one


def _command_name(args: list[str]) -> str | None:
    """The first argument after vlmnotes's own options (None when there is none, or an option comes first that
    the whole app answers: --help, --version, or one it does not know)."""
    i = 0
    while i < len(args):
        option, eq, _ = args[i].partition("=")
        if option in GLOBAL_OPTIONS and option != "--version":
            i += 1 if eq else 2
        elif option.startswith("-"):
            return None
        else:
            return args[i]
    return None


def main() -> None:
    """Console-script entry point."""
    try:
        _app_for(sys.argv[1:])()
    except KeyboardInterrupt:
        _err().print("interrupted", markup=False)
        sys.exit(130)
