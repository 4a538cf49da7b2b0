"""A build with nothing to do reads stamps only and reports as the build proper would; anything a build reads
that changed makes it build. After any build the search index is current: the first search checks one stamp."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

import vlmnotes.build
import vlmnotes.index
import vlmnotes.parse.merge
from conftest import Run, edit, save_as_editor, stderr_lines
from vlmnotes.enrich import ARXIV_FILE
from vlmnotes.kb import BUILD_INPUTS
from vlmnotes.resolve import RESOLVED_FILE

CLIP = "2103.00020"
NOTHING_DONE = "3 papers from 2 notes (0 parsed): 0 created, 0 changed, 0 deleted"


def _no_build_proper(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the build proper ran")

    monkeypatch.setattr(vlmnotes.build, "run_build", refuse)


def _counted(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = vlmnotes.build.run_build

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(vlmnotes.build, "run_build", counted)
    return calls


def test_a_build_with_nothing_changed_reports_as_the_build_proper_without_running_it(
    built: Path, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert stderr_lines(run("build")) == [NOTHING_DONE]  # the build proper, with nothing to do
    _no_build_proper(monkeypatch)

    result = run("build")
    checked = run("build", "--check")

    assert result.exit_code == 0
    assert stderr_lines(result) == [NOTHING_DONE]
    assert (checked.exit_code, checked.stdout) == (0, "knowledge base is current (3 papers)\n")


def test_the_warnings_every_build_gives_are_given_again(
    project: Path, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    warning = "notes/reading.md: 7 entries merged into one record 'CLIP' (lines 3, 5, …); check that they are one paper"
    real = vlmnotes.parse.merge.suspicious_merges
    monkeypatch.setattr(vlmnotes.parse.merge, "suspicious_merges", lambda groups: [warning])
    assert run("build").exit_code == 0
    monkeypatch.setattr(vlmnotes.parse.merge, "suspicious_merges", real)
    _no_build_proper(monkeypatch)

    result = run("build")

    assert stderr_lines(result) == [f"warning: {warning}", NOTHING_DONE]


@pytest.mark.parametrize(
    "change",
    [
        "a note edited",
        "a record edited in place",
        "a record deleted",
        "a record made by hand",
        "a leftover of a killed build",
        "arxiv.jsonl written",
        "resolved.json written",
        "a vocabulary file added",
        "a note given alone, --prune",
    ],
)
def test_a_build_builds_when_anything_it_reads_changed(
    built: Path, run: Run, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    kb = built / "kb"
    papers = kb / "papers"
    args = ["build"]
    if change == "a note edited":
        edit(built / "notes" / "reading.md", "a huge set", "a very large set")
    elif change == "a record edited in place":
        edit(papers / f"{CLIP}.yaml", "- OpenAI\n", "- OpenAI Research\n")
    elif change == "a record deleted":
        (papers / f"{CLIP}.yaml").unlink()
    elif change == "a record made by hand":
        (papers / "mine.yaml").write_text("id: mine\nname: Mine\n", "utf-8")
    elif change == "a leftover of a killed build":
        (papers / f".{CLIP}.yaml.k3x9q1.tmp").write_text("half a record", "utf-8")
    elif change == "arxiv.jsonl written":
        (kb / "arxiv.jsonl").write_text('{"id": "2103.00020", "status": "not-found"}\n', "utf-8")
    elif change == "resolved.json written":
        (kb / "resolved.json").write_text("[]", "utf-8")
    elif change == "a vocabulary file added":
        (built / "notes" / "vlmnotes-vocab.yaml").write_text("orgs:\n- name: Hooli\n", "utf-8")
    else:
        args = ["--notes", "notes/reading.md", "build", "--prune"]
    calls = _counted(monkeypatch)

    result = run(*args) if args[0] == "build" else run_alone(run, args)

    assert result.exit_code == 0, result.output
    assert calls == [1]


def run_alone(run: Run, args: list[str]) -> Any:
    # `run` passes --notes notes first; a later --notes adds to it, so build the command line here.
    from typer.testing import CliRunner

    from vlmnotes.cli import app

    return CliRunner().invoke(app, [*args[:2], "--kb", "kb", *args[2:]], catch_exceptions=False)


def test_the_files_a_build_reads_besides_notes_and_records_are_the_ones_enrich_writes() -> None:
    assert BUILD_INPUTS == (ARXIV_FILE, RESOLVED_FILE)


def test_the_first_search_after_a_build_reads_no_record_file(
    built: Path, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    edit(built / "notes" / "reading.md", "a huge set", "a very large set")
    assert run("build").exit_code == 0

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the index compared the record files again")

    monkeypatch.setattr(vlmnotes.index.Index, "sync", refuse)
    result = run("search", "ALIGN", "--format", "json")

    assert result.exit_code == 0
    assert '"name": "ALIGN"' in result.stdout


def test_a_record_replaced_after_a_build_is_read_by_the_next_search(built: Path, run: Run) -> None:
    path = built / "kb" / "papers" / f"{CLIP}.yaml"
    save_as_editor(path, path.read_text("utf-8").replace("- OpenAI\n", "- OpenAI Research\n"))

    assert run("search", "org:Research", "--format", "json").stdout.count('"name": "CLIP"') == 1


def test_a_record_folder_too_fresh_to_trust_is_never_taken_for_current(built: Path) -> None:
    papers = built / "kb" / "papers"
    now = os.stat(papers).st_mtime_ns
    assert vlmnotes.index._kb_signature(built / "kb") != ""  # the build let it settle
    os.utime(papers, ns=(now, vlmnotes.index.time.time_ns()))

    assert vlmnotes.index._kb_signature(built / "kb") == ""
    assert vlmnotes.index._kb_signature(built / "kb", settle=True) != ""
