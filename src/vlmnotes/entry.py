"""The `vlmnotes` command's entry point, and the answers it gives without the command-line framework.

`vlmnotes search QUERY --format json` and `list`, `timeline` and `export [QUERY] --format json` on a current
index are what scripts and editors call most, and typer with click costs about 50 ms to import and 10 ms to
dispatch: more than the search itself at 10,000 papers. `main` answers those four in their plain
spellings here, from the same functions the full command line calls, and hands everything else to
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

if TYPE_CHECKING:
    from vlmnotes.kb import Config
    from vlmnotes.query import Filters


def main() -> None:
    """Console-script entry point: the fast answer when it applies, else the full command line."""
    code = answer_json(sys.argv[1:])
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
    from vlmnotes.errors import VlmnotesError
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
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130
    if asked.command == "export":
        return 0
    messages, matched = listed(results.shown, results.total, asked.query, filters)
    for message in messages:
        say(message)
    return 0 if matched else 1


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
    notes: list[Path] = []
    kb: Path | None = None
    i = 0
    while i + 1 < len(args) and args[i] in _GLOBAL:
        if _GLOBAL[args[i]] == "notes":
            notes.append(Path(args[i + 1]))
        else:
            kb = Path(args[i + 1])
        i += 2
    if i >= len(args) or args[i] not in _OPTIONS:
        return None
    command, rest, options = args[i], args[i + 1 :], _OPTIONS[args[i]]
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
    return _Request(tuple(notes), kb, command, query, limit, since, until, given.get("by", "year"))


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
    """UTF-8 text to stdout as it comes: as it is when stdout writes UTF-8 and leaves line ends alone (as it
    does unless PYTHONIOENCODING or the locale say otherwise, or on Windows), else through stdout's encoding."""
    import codecs

    out = sys.stdout
    buffer = getattr(out, "buffer", None)
    if buffer is not None and os.linesep == "\n" and codecs.lookup(out.encoding or "ascii").name == "utf-8":
        out.flush()
        buffer.writelines(pieces)
        buffer.flush()
    else:
        out.writelines(p.decode("utf-8") for p in pieces)


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
