"""The `vlmnotes` command's entry point, and the answers it gives without the command-line framework.

typer with click costs about 50 ms to import and 10 ms to dispatch: more than a search at 10,000 papers, and
half of a build with nothing to do. `main` runs `vlmnotes build [--check] [--prune]`, and answers `search
QUERY --format json` and `list`, `timeline` and `export [QUERY] --format json` on a current index, in their
plain spellings, from the same functions the full command line calls. Everything else goes to
`vlmnotes.cli.main` untouched: any other command or option, an option written `--x=y` or bundled, a query
starting with `-`, a malformed query, an index that is not current (the full command line rebuilds it first),
or a record file that cannot be read. A command is handed over before anything is written, so its output and
exit code are the full command line's.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from vlmnotes.errors import VlmnotesError

if TYPE_CHECKING:
    from vlmnotes.kb import BuildReport, Config
    from vlmnotes.query import Filters


def main() -> None:
    """Console-script entry point: the fast answer when it applies, else the full command line."""
    try:
        code = answer_build(sys.argv[1:])
        if code is None:
            code = answer_json(sys.argv[1:])
    except KeyboardInterrupt:  # quietly, as typer ends the full command line
        sys.exit(130)
    except BrokenPipeError:  # `| head`: the reader has gone; end quietly with exit code 1, as click does
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 (nothing is flushed into the closed pipe at exit)
        sys.exit(1)
    if code is None:
        from vlmnotes.cli import main as full

        full()
    else:
        sys.exit(code)


def answer_json(args: list[str]) -> int | None:
    """Answer `search`, `list`, `timeline` and `export` with `--format json` as the full command line would: the exit
    code, or None (nothing written) when the full command line must answer."""
    asked = _plain_json_request(args)
    if asked is None:
        return None
    from vlmnotes.index import search_json
    from vlmnotes.kb import is_current
    from vlmnotes.query import Filters, parse_query

    filters = Filters(since=asked.since, until=asked.until)
    arrange = None
    if asked.command == "timeline":
        from functools import partial

        from vlmnotes.timeline import in_timeline_order

        arrange = partial(in_timeline_order, by=asked.by)
    try:
        if asked.query is not None:
            parse_query(asked.query)
        config = resolve_config(asked.notes, asked.kb, ())
        if not is_current(config):
            return None
        sort = None if asked.command == "search" else "date"
        results = search_json(config.kb, asked.query, limit=asked.limit, sort=sort, filters=filters, arrange=arrange)
    except VlmnotesError:
        return None  # the full command line says what is wrong, as it always does
    if results.errors or (asked.command == "export" and not results.shown):
        return None  # an unreadable record, or an export of nothing: the full command line's error
    from vlmnotes.formats import json_array

    try:
        write_utf8(json_array(results.texts))
    except VlmnotesError as exc:
        say(f"error: {exc}")
        return exc.exit_code
    if asked.command == "export":
        return 0
    messages, matched = listed(results.shown, results.total, asked.query, filters)
    for message in messages:
        say(message)
    return 0 if matched else 1


def answer_build(args: list[str]) -> int | None:
    """Run `[--notes P]... [--kb P] build [--check] [--prune]` as the full command line would (a build with
    nothing to do then costs no more than reading the stamps): the exit code, or None for any other command."""
    request = _global_options(args)
    if request is None:
        return None
    notes, kb, rest = request
    if not rest or rest[0] != "build" or len(set(rest[1:])) != len(rest[1:]):
        return None
    if not set(rest[1:]) <= {"--check", "--prune"}:
        return None
    from vlmnotes.kb import build

    try:
        report = build(resolve_config(notes, kb, ()), check="--check" in rest, prune="--prune" in rest)
    except VlmnotesError as exc:
        say(f"error: {exc}")
        return exc.exit_code
    return report_build(report, check="--check" in rest)


def report_build(report: BuildReport, *, check: bool) -> int:
    """What `vlmnotes build` says of a build (stdout: with check, what would change; stderr: warnings, dropped
    notes, unreadable files and the summary), and its exit code: 1 when a note or record could not be read or,
    with check, when anything would change."""
    from vlmnotes.formats import count

    for line in report.warnings:
        say(f"warning: {line}")
    for label, names in (("no longer on disk", report.gone), ("not given (--prune)", report.pruned)):
        for name in names:
            say(f"{'would drop' if check else 'dropped'} the records of {name}: {label}")
    if check:
        for label, items in (("create", report.created), ("change", report.changed), ("delete", report.deleted)):
            for item in items:
                sys.stdout.write(f"would {label} {item}\n")
        report_problems(report.skipped, report.errors)
        if report.changes:
            say(f"{count(report.changes, 'record file')} out of date; run `vlmnotes build`")
            return 1
        if report.skipped or report.errors:
            return 1
        sys.stdout.write(f"knowledge base is current ({count(report.papers, 'paper')})\n")
        return 0
    report_problems(report.skipped, report.errors)
    summary = (
        f"{count(report.papers, 'paper')} from {count(report.notes, 'note')} ({report.reparsed} parsed): "
        f"{len(report.created)} created, {len(report.changed)} changed, {len(report.deleted)} deleted"
    )
    if report.kept:
        summary += f", {len(report.kept)} kept (hand-made or hand-edited, no longer in the notes)"
    say(summary)
    return 1 if report.skipped or report.errors else 0


def report_problems(skipped: list[str], errors: list[str]) -> None:
    """The notes and record files a build could not read, an `error:` line each on stderr."""
    for line in [*skipped, *errors]:
        say(f"error: {line}")


def _global_options(args: list[str]) -> tuple[tuple[Path, ...], Path | None, list[str]] | None:
    """The notes and kb given before the command (`--notes P`, `-n P`, `--kb P`), and the arguments from the
    command on; None when another option comes first."""
    notes: list[Path] = []
    kb: Path | None = None
    i = 0
    while i + 1 < len(args) and args[i] in _GLOBAL:
        if _GLOBAL[args[i]] == "notes":
            notes.append(Path(args[i + 1]))
        else:
            kb = Path(args[i + 1])
        i += 2
    if i < len(args) and args[i].startswith("-"):
        return None
    return tuple(notes), kb, args[i:]


class _Request(NamedTuple):
    notes: tuple[Path, ...]
    kb: Path | None
    command: str
    query: str | None
    limit: int | None
    since: int | None
    until: int | None
    by: str


# The global options, and each command's options, the fast answer reads (by the name of their parameter); any
# other goes to the full command line.
_GLOBAL = {"--notes": "notes", "-n": "notes", "--kb": "kb"}
_OPTIONS = {
    "search": {"--format": "format", "-f": "format", "--limit": "limit"},
    "list": {"--format": "format", "-f": "format", "--limit": "limit"},
    "timeline": {"--format": "format", "-f": "format", "--since": "since", "--until": "until", "--by": "by"},
    "export": {"--format": "format", "-f": "format"},
}


def _plain_json_request(args: list[str]) -> _Request | None:
    """What `[--notes P]... [--kb P] search|list|timeline|export [QUERY] --format json [its options]` asks, options in
    any order after the command; None for anything else."""
    request = _global_options(args)
    if request is None or not request[2] or request[2][0] not in _OPTIONS:
        return None
    notes, kb, (command, *rest) = request
    options = _OPTIONS[command]
    given: dict[str, str] = {}
    positional: list[str] = []
    j = 0
    while j < len(rest):
        word = rest[j]
        if word.startswith("-"):
            key = options.get(word)
            if key is None or key in given or j + 1 >= len(rest):
                return None
            given[key] = rest[j + 1]
            j += 2
        else:
            positional.append(word)
            j += 1
    if given.get("format") != "json" or len(positional) > 1 or (command == "search" and not positional):
        return None
    if given.get("by", "year") not in ("year", "month"):
        return None
    numbers = {k: given[k] for k in ("limit", "since", "until") if k in given}
    if not all(v.isascii() and v.isdigit() for v in numbers.values()) or int(numbers.get("limit", 1)) < 1:
        return None
    query = positional[0] if positional else None
    if query is not None and not query.strip():
        return None
    limit = int(numbers["limit"]) if "limit" in numbers else 20 if command == "search" else None
    since, until = (int(numbers[k]) if k in numbers else None for k in ("since", "until"))
    return _Request(notes, kb, command, query, limit, since, until, given.get("by", "year"))


def resolve_config(notes: tuple[Path, ...], kb: Path | None, extensions: tuple[str, ...]) -> Config:
    """The notes, knowledge base and note endings a command works on: those given, else $VLMNOTES_NOTES (paths
    separated by os.pathsep) and $VLMNOTES_KB, else the nearest notes/ folder at or above the working directory
    and kb/ beside it. Raises UsageError when no notes folder is found."""
    from vlmnotes.errors import UsageError
    from vlmnotes.kb import DEFAULT_EXTENSIONS, Config, find_notes_dir

    if not notes:
        env = os.environ.get("VLMNOTES_NOTES")
        if env:
            notes = tuple(Path(p) for p in env.split(os.pathsep) if p)
            if not notes:
                raise UsageError(f"VLMNOTES_NOTES holds no path ('{env}'); set it to a notes folder, or unset it")
        else:
            found = find_notes_dir(Path.cwd())
            if found is None:
                raise UsageError("no notes/ folder here or above; pass --notes PATH or set VLMNOTES_NOTES")
            notes = (found,)
    kb = kb or (Path(os.environ["VLMNOTES_KB"]) if os.environ.get("VLMNOTES_KB") else None)
    if kb is None:
        first = notes[0]
        kb = (first if first.is_dir() else first.parent).resolve().parent / "kb"
    return Config(notes=notes, kb=kb, extensions=extensions or DEFAULT_EXTENSIONS)


def say(message: str) -> None:
    """One plain line on stderr; a name or note text quoted in it reaches the terminal without control
    characters."""
    from vlmnotes.formats import clean

    sys.stderr.write(clean(message) + "\n")


def write_utf8(pieces: Iterable[bytes]) -> None:
    """JSON text in UTF-8 to stdout as it comes: as it is when stdout writes UTF-8 and leaves line ends alone (as
    it does unless PYTHONIOENCODING or the locale say otherwise, or on Windows), else through stdout's encoding,
    a character it cannot hold written as a JSON escape (`\\u00e9`). Raises VlmnotesError when stdout is closed
    or cannot be written (a full disk); BrokenPipeError when its reader has gone."""
    import codecs

    out = sys.stdout
    if out is None:
        raise VlmnotesError("standard output is closed; send it to a file or a pipe")
    buffer = getattr(out, "buffer", None)
    encoding = codecs.lookup(out.encoding or "ascii").name
    try:
        if buffer is not None and os.linesep == "\n" and encoding == "utf-8":
            out.flush()
            buffer.writelines(pieces)
            buffer.flush()
        else:
            codecs.register_error(_JSON_ESCAPE, _json_escape)
            out.writelines(p.decode("utf-8").encode(encoding, _JSON_ESCAPE).decode(encoding) for p in pieces)
            out.flush()
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise VlmnotesError(f"cannot write the output ({exc.strerror or exc})") from exc


_JSON_ESCAPE = "vlmnotes-json-escape"


def _json_escape(exc: UnicodeError) -> tuple[str, int]:
    """A codec error handler: the characters an encoding cannot hold as JSON escapes (a pair of them above U+FFFF)."""
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    escaped = []
    for char in exc.object[exc.start : exc.end]:
        n = ord(char)
        if n > 0xFFFF:
            n -= 0x10000
            escaped.append(f"\\u{0xD800 + (n >> 10):04x}\\u{0xDC00 + (n & 0x3FF):04x}")
        else:
            escaped.append(f"\\u{n:04x}")
    return "".join(escaped), exc.end


def listed(shown_count: int, total: int, query: str | None, filters: Filters | None = None) -> tuple[list[str], bool]:
    """How a listing of `shown_count` papers of `total` ends: the lines for stderr (how many papers a --limit
    left out, or that none matched), and False when none matched a query or filter (exit code 1)."""
    from vlmnotes.formats import count
    from vlmnotes.query import Filters, shown

    lines = []
    if total > shown_count:
        lines.append(f"{shown_count} of {count(total, 'paper')} (--limit to see more)")
    given = (filters or Filters())._asdict().items()
    options = [f"--{k} {_quoted(shown(str(v)))}" for k, v in given if v is not None]
    if not shown_count and (query or options):
        asked = [f"'{shown(query)}'"] if query else []
        lines.append(f"no papers match {' '.join(asked + options)}")
        return lines, False
    return lines, True


def _quoted(text: str) -> str:
    """Text as a shell reads it back (shlex is imported only for the message that needs it)."""
    import shlex

    return shlex.quote(text)
