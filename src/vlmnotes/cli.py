"""The command line: thin typer commands that parse arguments, call one library function and render.

This is the only module that prints or exits. Library errors (VlmnotesError) become one line on
stderr, `error: <message>`, with exit code 1, or 2 for usage errors.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from rich.console import Console

from vlmnotes import __version__
from vlmnotes.errors import UsageError, VlmnotesError

app = typer.Typer(
    name="vlmnotes",
    help=(
        "A knowledge base over your reading notes on vision-language-model papers.\n\n"
        "Reads the Markdown notes you already write (English or Chinese, any of the common styles), "
        "keeps one YAML record per paper in kb/papers/, and lets you list and show them.\n\n"
        "Exit codes: 0 success, 1 an error or a note that could not be read, 2 a usage error.\n\n"
        "Example: vlmnotes --notes notes/ build && vlmnotes show CLIP"
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)

if TYPE_CHECKING:
    from vlmnotes.kb import Config
    from vlmnotes.store import LoadResult

T = TypeVar("T")


class _State:
    notes: tuple[Path, ...] = ()
    kb: Path | None = None
    extensions: tuple[str, ...] = ()


state = _State()


def _out() -> Console:
    return Console(highlight=False, soft_wrap=False)


def _err() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def _fail(message: str, code: int) -> typer.Exit:
    _err().print(f"error: {message}", markup=False)
    return typer.Exit(code)


def _guard(fn: Callable[[], T]) -> T:
    """Run library code; a VlmnotesError becomes a one-line message and its exit code."""
    try:
        return fn()
    except VlmnotesError as exc:
        raise _fail(str(exc), exc.exit_code) from None


def _config() -> Config:
    from vlmnotes.kb import DEFAULT_EXTENSIONS, Config, find_notes_dir

    notes = state.notes
    if not notes:
        env = os.environ.get("VLMNOTES_NOTES")
        if env:
            notes = tuple(Path(p) for p in env.split(os.pathsep) if p)
        else:
            found = find_notes_dir(Path.cwd())
            if found is None:
                raise UsageError("no notes/ folder here or above; pass --notes PATH or set VLMNOTES_NOTES")
            notes = (found,)
    kb = state.kb or (Path(os.environ["VLMNOTES_KB"]) if os.environ.get("VLMNOTES_KB") else None)
    if kb is None:
        first = notes[0]
        kb = (first if first.is_dir() else first.parent).resolve().parent / "kb"
    return Config(notes=notes, kb=kb, extensions=state.extensions or DEFAULT_EXTENSIONS)


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
    state.extensions = tuple(f".{e.strip().lstrip('.').lower()}" for e in ext.split(",") if e.strip()) if ext else ()


def _print_report_problems(skipped: list[str], errors: list[str]) -> None:
    err = _err()
    for line in skipped + errors:
        err.print(line, markup=False)


@app.command()
def build(
    check: Annotated[
        bool,
        typer.Option("--check", help="Change nothing; list what would change and exit 1 if anything would."),
    ] = False,
) -> None:
    """Read the notes and bring the knowledge base (kb/papers/*.yaml) up to date.

    Only notes that changed since the last build are parsed again. Values you edit by hand in a record
    file are kept and listed under `pinned` in that file. A note that cannot be read is named on stderr,
    the rest is built, and the exit code is 1.

    Example: vlmnotes --notes notes/ build --check
    """
    from vlmnotes.kb import build as run_build

    report = _guard(lambda: run_build(_config(), check=check))
    out = _out()
    if check:
        for label, items in (
            ("create", report.created),
            ("change", report.changed),
            ("delete", report.deleted),
        ):
            for item in items:
                out.print(f"would {label} {item}", markup=False)
        _print_report_problems(report.skipped, report.errors)
        if report.changes:
            _err().print(f"{report.changes} record file(s) out of date; run `vlmnotes build`", markup=False)
            raise typer.Exit(1)
        if report.skipped or report.errors:
            raise typer.Exit(1)
        out.print(f"knowledge base is current ({report.papers} papers)", markup=False)
        return
    _print_report_problems(report.skipped, report.errors)
    summary = (
        f"{report.papers} papers from {report.notes} notes ({report.reparsed} parsed): "
        f"{len(report.created)} created, {len(report.changed)} changed, {len(report.deleted)} deleted"
    )
    if report.kept:
        summary += f", {len(report.kept)} kept (hand-made or hand-edited, no longer in the notes)"
    _err().print(summary, markup=False)
    if report.skipped or report.errors:
        raise typer.Exit(1)


class ListFormat(str, Enum):
    table = "table"
    json = "json"
    yaml = "yaml"


def _load() -> LoadResult:
    from vlmnotes.kb import load_current

    result, report = _guard(lambda: load_current(_config()))
    if report is not None:
        _print_report_problems(report.skipped, [])
    for line in result.errors:
        _err().print(line, markup=False)
    return result


@app.command("list")
def list_papers(
    fmt: Annotated[
        ListFormat, typer.Option("--format", "-f", help="table (plain TSV when piped), json or yaml.")
    ] = ListFormat.table,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="Show at most this many papers.")] = None,
) -> None:
    """List every paper in the knowledge base, oldest first.

    `--format json` prints a JSON array of records keyed as in schemas/paper.schema.json.

    Example: vlmnotes list --format json > kb.json
    """
    from vlmnotes import render

    result = _load()
    papers = result.papers[:limit] if limit else result.papers
    if fmt is ListFormat.json:
        sys.stdout.write(render.papers_json(papers))
    elif fmt is ListFormat.yaml:
        sys.stdout.write(render.papers_yaml(papers))
    elif sys.stdout.isatty():
        _out().print(render.papers_table(papers))
    else:
        sys.stdout.write(render.papers_tsv(papers))
    if result.errors:
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
    from vlmnotes import render
    from vlmnotes.kb import find_paper

    result = _load()
    found = _guard(lambda: find_paper(result.papers, paper))
    if fmt is ListFormat.json:
        sys.stdout.write(render.papers_json([found]))
    elif fmt is ListFormat.yaml:
        sys.stdout.write(render.papers_yaml([found]))
    else:
        _out().print(render.paper_panel(found))


@app.command()
def schema() -> None:
    """Print the JSON Schema of a paper record (the file schemas/paper.schema.json).

    Example: vlmnotes schema > paper.schema.json
    """
    from vlmnotes.model import paper_json_schema_text

    sys.stdout.write(paper_json_schema_text())


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except KeyboardInterrupt:
        _err().print("interrupted", markup=False)
        sys.exit(130)
