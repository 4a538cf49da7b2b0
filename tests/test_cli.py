"""The command line end to end: help, output on success, exact stderr and exit code on failure."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from conftest import FIRST_BUILD, RECORD_FILES, REPO, Run, load_record, stderr_lines
from vlmnotes import __version__
from vlmnotes.cli import app
from vlmnotes.model import paper_json_schema_text

CLIP_TITLE = "Learning Transferable Visual Models From Natural Language Supervision"


def _commands() -> dict[str, object]:
    """Every command registered on the app, by the name a user types."""
    import typer.main

    group = typer.main.get_command(app)
    return dict(group.commands)  # type: ignore[attr-defined]


COMMANDS = sorted(_commands())


def _flat(text: str) -> str:
    """Text with every run of whitespace made one space: help output is wrapped to the terminal."""
    return " ".join(text.split())


def _example(command: object) -> str:
    doc = getattr(command, "callback", None).__doc__ or ""  # type: ignore[union-attr]
    lines = [line.strip() for line in doc.splitlines() if line.strip().startswith(("Example:", "Examples:"))]
    assert lines, "a command's docstring (its --help) ends with an example"
    return lines[-1]


# --- help and version ---------------------------------------------------------------------------------------


def test_the_core_commands_are_registered() -> None:
    assert {"build", "list", "show", "schema"} <= set(COMMANDS)


def test_app_help_lists_every_command_and_shows_the_example(cli: Run) -> None:
    result = cli("--help")

    assert result.exit_code == 0
    assert "Example: vlmnotes --notes notes/ build && vlmnotes show CLIP" in _flat(result.stdout)
    for name in COMMANDS:
        assert re.search(rf"^\s+{re.escape(name)}\s", result.stdout, re.M), f"{name} missing from --help"


def test_no_arguments_shows_help(cli: Run) -> None:
    result = cli()

    assert "Usage:" in result.output
    assert "build" in result.output


@pytest.mark.parametrize("name", COMMANDS)
def test_command_help_shows_its_docstring_example(cli: Run, name: str) -> None:
    result = cli(name, "--help")

    assert result.exit_code == 0
    assert _flat(_example(_commands()[name])) in _flat(result.stdout)


def test_version(cli: Run) -> None:
    result = cli("--version")

    assert result.exit_code == 0
    assert result.stdout == f"vlmnotes {__version__}\n"


# --- build --------------------------------------------------------------------------------------------------


def test_build_writes_one_record_per_paper_and_a_summary_on_stderr(project: Path, run: Run) -> None:
    result = run("build")

    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr == FIRST_BUILD
    assert sorted(p.name for p in (project / "kb" / "papers").iterdir()) == RECORD_FILES
    clip = load_record(project / "kb", "2103.00020")
    assert clip["name"] == "CLIP"
    assert clip["title"] == CLIP_TITLE
    assert clip["date"] == "2021-02-26"
    assert clip["orgs"] == ["OpenAI"]


def test_kb_defaults_to_a_kb_folder_beside_the_notes(project: Path, cli: Run) -> None:
    result = cli("--notes", "notes", "build")

    assert result.exit_code == 0
    assert sorted(p.name for p in (project / "kb" / "papers").iterdir()) == RECORD_FILES


def test_missing_notes_folder_is_one_line_and_exit_2(project: Path, run: Run, cli: Run) -> None:
    result = cli("--notes", "nowhere", "--kb", "kb", "build")

    assert result.exit_code == 2
    assert stderr_lines(result) == [
        "error: nowhere: no such notes folder or file; pass --notes PATH or set VLMNOTES_NOTES"
    ]
    assert not (project / "kb").exists()


def test_no_notes_folder_anywhere_is_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Run) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.chdir(empty)
    monkeypatch.delenv("VLMNOTES_NOTES", raising=False)
    monkeypatch.delenv("VLMNOTES_KB", raising=False)

    result = cli("build")

    assert result.exit_code == 2
    assert stderr_lines(result) == ["error: no notes/ folder here or above; pass --notes PATH or set VLMNOTES_NOTES"]


def test_environment_variables_choose_notes_and_kb(project: Path, cli: Run) -> None:
    (project / "notes").rename(project / "my-notes")

    result = cli("build", env={"VLMNOTES_NOTES": "my-notes", "VLMNOTES_KB": "store"})

    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (project / "store" / "papers").iterdir()) == RECORD_FILES
    assert not (project / "kb").exists()

    listed = cli("list", "--format", "json", env={"VLMNOTES_NOTES": "my-notes", "VLMNOTES_KB": "store"})
    assert [r["name"] for r in json.loads(listed.stdout)] == ["ALIGN", "CLIP", "BLIP-2"]


def test_options_win_over_environment_variables(project: Path, cli: Run) -> None:
    result = cli("--notes", "notes", "--kb", "kb", "build", env={"VLMNOTES_NOTES": "nowhere", "VLMNOTES_KB": "store"})

    assert result.exit_code == 0, result.output
    assert (project / "kb" / "papers").is_dir()
    assert not (project / "store").exists()


# --- list ---------------------------------------------------------------------------------------------------


def test_list_json_is_an_array_of_records_keyed_as_in_the_schema(built: Path, run: Run) -> None:
    result = run("list", "--format", "json")

    assert result.exit_code == 0
    records = json.loads(result.stdout)
    assert isinstance(records, list)
    assert [r["name"] for r in records] == ["ALIGN", "CLIP", "BLIP-2"]  # oldest first
    properties = list(json.loads(paper_json_schema_text())["properties"])
    for record in records:
        assert list(record) == properties
    clip = records[1]
    assert clip["arxiv_id"] == "2103.00020"
    assert clip["orgs"] == ["OpenAI"]
    assert clip["links"]["paper"] == "https://arxiv.org/abs/2103.00020"


def test_list_json_validates_against_the_schema(built: Path, run: Run) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(paper_json_schema_text())

    for record in json.loads(run("list", "--format", "json").stdout):
        jsonschema.validate(record, schema)


def test_list_yaml_prints_each_record_as_its_record_file(built: Path, run: Run) -> None:
    result = run("list", "--format", "yaml")

    assert result.exit_code == 0
    docs = list(yaml.safe_load_all(result.stdout))
    assert [d["name"] for d in docs] == ["ALIGN", "CLIP", "BLIP-2"]
    files = built / "kb" / "papers"
    expected = "".join(
        "---\n" + (files / name).read_text("utf-8")
        for name in ["2102.05918.yaml", "2103.00020.yaml", "2301.12597.yaml"]
    )
    assert result.stdout == expected


def test_list_in_a_pipe_prints_tab_separated_lines_with_a_header(built: Path, run: Run) -> None:
    result = run("list")  # CliRunner's stdout is not a terminal

    assert result.exit_code == 0
    assert result.stdout == (
        "id\tname\tdate\torgs\tvenue\ttitle\n"
        "2102.05918\tALIGN\t2021-02-11\tGoogle\t\t"
        "Scaling Up Visual and Vision-Language Representation Learning With Noisy Text Supervision\n"
        f"2103.00020\tCLIP\t2021-02-26\tOpenAI\t\t{CLIP_TITLE}\n"
        "2301.12597\tBLIP-2\t2023-01\tSalesforce\t\t"
        "BLIP-2: Bootstrapping Language-Image Pre-training with Frozen Image Encoders and Large Language Models\n"
    )
    assert result.stderr == ""


def test_list_limit(built: Path, run: Run) -> None:
    result = run("list", "--limit", "1", "--format", "json")

    assert [r["name"] for r in json.loads(result.stdout)] == ["ALIGN"]


def test_list_builds_the_kb_when_there_is_none_yet(project: Path, run: Run) -> None:
    result = run("list", "--format", "json")

    assert result.exit_code == 0
    assert [r["name"] for r in json.loads(result.stdout)] == ["ALIGN", "CLIP", "BLIP-2"]
    assert sorted(p.name for p in (project / "kb" / "papers").iterdir()) == RECORD_FILES


# --- show ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    ["CLIP", "clip", "2103.00020", "2103.00020v2", "https://arxiv.org/abs/2103.00020v2", CLIP_TITLE],
)
def test_show_finds_a_paper_by_name_arxiv_id_url_or_title(built: Path, run: Run, query: str) -> None:
    result = run("show", query, "--format", "json")

    assert result.exit_code == 0, result.output
    [record] = json.loads(result.stdout)
    assert record["id"] == "2103.00020"
    assert record["name"] == "CLIP"


def test_show_panel_names_the_paper_and_where_it_comes_from(built: Path, run: Run) -> None:
    result = run("show", "CLIP")

    assert result.exit_code == 0
    assert "CLIP" in result.stdout
    assert "2103.00020" in result.stdout
    assert "OpenAI" in result.stdout
    assert "reading.md:3" in result.stdout
    assert result.stderr == ""


def test_show_unknown_paper_is_one_error_line_and_exit_1(built: Path, run: Run) -> None:
    result = run("show", "NoSuchThing")

    assert result.exit_code == 1
    assert result.stdout == ""
    assert stderr_lines(result) == ["error: no paper matches 'NoSuchThing'; `vlmnotes list` shows every paper"]


def test_show_near_miss_suggests_the_close_name(built: Path, run: Run) -> None:
    result = run("show", "CLIPP")

    assert result.exit_code == 1
    assert result.stdout == ""
    assert stderr_lines(result) == ["error: no paper matches 'CLIPP'; did you mean CLIP?"]


# --- schema -------------------------------------------------------------------------------------------------


def test_schema_prints_the_model_schema(cli: Run) -> None:
    result = cli("schema")

    assert result.exit_code == 0
    assert result.stdout == paper_json_schema_text()
    assert json.loads(result.stdout)["title"] == "Paper"


def test_schema_file_in_the_repository_is_current() -> None:
    path = REPO / "schemas" / "paper.schema.json"

    assert path.is_file(), (
        "schemas/paper.schema.json is missing; create it with `vlmnotes schema > schemas/paper.schema.json`"
    )
    assert path.read_text("utf-8") == paper_json_schema_text(), (
        "schemas/paper.schema.json is out of date with src/vlmnotes/model.py; "
        "regenerate it with `vlmnotes schema > schemas/paper.schema.json`"
    )


# --- README -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_is_in_the_readme(name: str) -> None:
    readme = REPO / "README.md"
    if not readme.is_file():
        pytest.skip("README.md does not exist yet")

    assert re.search(rf"vlmnotes {re.escape(name)}\b", readme.read_text("utf-8")), (
        f"`vlmnotes {name}` is not mentioned in README.md; document the command there"
    )
