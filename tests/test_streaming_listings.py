"""`--format json` listings (`list`, `timeline`, `export`, `search`) write the records as the index keeps their JSON:
the same records, in the same order, whatever state the index is in (current, stale, missing, from an older
version), one record a line, and nothing in them a terminal would act on."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from conftest import Run
from vlmnotes.formats import records_json
from vlmnotes.store import parse_record

INDEX = Path("kb") / ".vlmnotes.sqlite"
# A record made by hand with no date: a timeline lists it after the dated papers.
UNDATED = "id: my-own-model\nname: AAA-Undated\ntitle: A paper the notes give no date\n"


def records_on_disk(kb: Path) -> dict[str, dict[str, object]]:
    """Every record file's record, as `--format json` writes one, by id."""
    out = {}
    for path in sorted((kb / "papers").glob("*.yaml")):
        record = parse_record(path.read_text("utf-8"), path.name).model_dump(mode="json")
        out[record["id"]] = record
    return out


def ids(text: str) -> list[str]:
    return [r["id"] for r in json.loads(text)]


@pytest.fixture
def listed(built: Path, run: Run) -> Path:
    """The project after a build, with a hand-made undated record beside the built ones."""
    (built / "kb" / "papers" / "my-own-model.yaml").write_text(UNDATED, encoding="utf-8")
    assert run("build").exit_code == 0
    return built


def test_list_writes_every_record_a_line_oldest_first(listed: Path, run: Run) -> None:
    result = run("list", "--format", "json")

    assert result.exit_code == 0
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0] == "[" and lines[-1] == "]"
    assert all(line.endswith(",") for line in lines[1:-2])
    assert ids(result.stdout) == ["2102.05918", "2103.00020", "2301.12597", "my-own-model"]
    on_disk = records_on_disk(listed / "kb")
    assert json.loads(result.stdout) == [on_disk[i] for i in ids(result.stdout)]
    assert result.stdout == records_json(json.loads(result.stdout))


def test_timeline_lists_the_dated_papers_by_date_then_the_undated(listed: Path, run: Run) -> None:
    result = run("timeline", "--format", "json")
    since = run("timeline", "--since", "2022", "--format", "json")

    assert ids(result.stdout) == ["2102.05918", "2103.00020", "2301.12597", "my-own-model"]
    assert ids(since.stdout) == ["2301.12597"]


def test_name_order_and_a_limit(listed: Path, run: Run) -> None:
    result = run("list", "--format", "json", "--sort", "name", "--limit", "2")

    assert ids(result.stdout) == ["my-own-model", "2102.05918"]  # AAA-Undated, ALIGN
    assert result.stderr == "2 of 4 papers (--limit to see more)\n"


def test_export_writes_what_list_writes(listed: Path, run: Run) -> None:
    listing = run("list", "--format", "json").stdout

    assert run("export", "--format", "json").stdout == listing
    assert run("export", "--format", "json", "-o", "kb.json").exit_code == 0
    assert (listed / "kb.json").read_text("utf-8") == listing
    assert run("export", "CLIP", "--format", "json").stdout == run("list", "CLIP", "--format", "json").stdout


def test_search_writes_the_records_best_first(listed: Path, run: Run) -> None:
    result = run("search", "CLIP", "--format", "json")

    assert ids(result.stdout)[0] == "2103.00020"
    on_disk = records_on_disk(listed / "kb")
    assert json.loads(result.stdout) == [on_disk[i] for i in ids(result.stdout)]


def test_nothing_matched_is_an_empty_array(listed: Path, run: Run) -> None:
    for command in ("list", "search", "timeline"):
        result = run(command, "zzyzx", "--format", "json")

        assert (result.exit_code, result.stdout, result.stderr) == (1, "[]\n", "no papers match 'zzyzx'\n")
    result = run("export", "zzyzx", "--format", "json")
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == "error: nothing matched 'zzyzx'; `vlmnotes list` shows every paper\n"


def test_a_missing_index_is_rebuilt_and_lists_the_same(listed: Path, run: Run) -> None:
    before = {c: run(c, "--format", "json").stdout for c in ("list", "timeline", "export")}
    (listed / INDEX).unlink()

    assert {c: run(c, "--format", "json").stdout for c in ("list", "timeline", "export")} == before


def test_an_index_of_the_version_before_is_rebuilt(listed: Path, run: Run) -> None:
    """Version 6 kept each record in the papers table: its index is dropped and made again from the records."""
    before = run("list", "--format", "json").stdout
    with closing(sqlite3.connect(listed / INDEX)) as con, con:
        con.execute("DROP VIEW papers")
        con.execute("DROP TABLE paper_json")
        con.execute("CREATE TABLE papers(rowid INTEGER PRIMARY KEY, id TEXT, record TEXT)")
        con.execute("UPDATE meta SET value = '6' WHERE key = 'schema'")

    assert run("list", "--format", "json").stdout == before
    with closing(sqlite3.connect(listed / INDEX)) as con:
        assert con.execute("SELECT count(*) FROM papers").fetchone() == (4,)
        assert con.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone() != ("6",)


def test_a_record_replaced_since_the_last_listing_is_listed_as_it_is_now(listed: Path, run: Run) -> None:
    run("list", "--format", "json")
    path = listed / "kb" / "papers" / "my-own-model.yaml"
    replacement = path.with_name(".replacement")
    replacement.write_text(UNDATED.replace("AAA-Undated", "ZZZ-Undated"), encoding="utf-8")
    replacement.replace(path)  # as an editor saves: the folder's time moves

    result = run("list", "--format", "json", "--sort", "name")

    assert [r["name"] for r in json.loads(result.stdout)][-1] == "ZZZ-Undated"


def test_text_a_terminal_would_act_on_is_escaped(built: Path, run: Run) -> None:
    title = "Evil \u202etxt.exe\u2028next \x85line \x7f"
    (built / "kb" / "papers" / "evil.yaml").write_text(
        f"id: evil\nname: Evil\ntitle: {json.dumps(title)}\n", encoding="utf-8"
    )
    run("build")

    result = run("list", "Evil", "--format", "json")

    assert "\\u202e" in result.stdout and "\\u2028" in result.stdout and "\\u0085" in result.stdout
    assert "\\u007f" in result.stdout
    assert not any(c in result.stdout for c in "\u202e\u2028\x85\x7f")
    assert json.loads(result.stdout)[0]["title"] == title


@pytest.mark.parametrize(
    "args",
    [
        ["search", "--help"],
        ["--notes", "notes", "--kb", "kb", "list", "--format", "json"],
        ["--kb=kb", "-n", "notes", "timeline", "--since", "2022", "--format", "json"],
        ["--notes", "notes", "search", "--notes", "x", "CLIP"],
        ["--notes", "notes", "serch", "CLIP"],
        ["--help"],
        ["--version"],
    ],
)
def test_the_app_a_command_line_runs_answers_as_the_whole_app(built: Path, args: list[str]) -> None:
    """`vlmnotes` makes the options of the one command it is asked to run, not of every command."""
    from typer.testing import CliRunner

    from vlmnotes.cli import _app_for, app

    one, whole = (CliRunner().invoke(a, args) for a in (_app_for(args), app))

    assert (one.exit_code, one.stdout, one.stderr) == (whole.exit_code, whole.stdout, whole.stderr)
    named = [a for a in args if a in ("search", "list", "timeline")]
    assert len(_app_for(args).registered_commands) == (1 if named else len(app.registered_commands))


def test_lines_ending_in_spaces_list_the_same_from_the_build_and_from_the_records(project: Path, run: Run) -> None:
    # A record file holds no spaces at line ends (YAML block text): the index the build fills must not have them
    # either, or a listing changes when the index is next made from the record files.
    (project / "notes" / "spaces.md").write_text(
        "# Spaces\n\n### [ALIGN](https://arxiv.org/abs/2102.05918)\nNoisy alt-text pairs. \nA billion of them.  \n",
        encoding="utf-8",
    )
    assert run("build").exit_code == 0
    from_build = run("list", "--format", "json").stdout
    with closing(sqlite3.connect(project / INDEX)) as con, con:
        con.execute("UPDATE meta SET value = '0' WHERE key = 'schema'")  # made again from the record files

    assert run("list", "--format", "json").stdout == from_build
    assert "pairs. \\n" not in from_build
