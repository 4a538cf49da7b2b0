"""A build gives the same records and messages however it gets there: notes parsed in worker processes or in
this one, and a rebuild after an edit against a cold build of the edited notes."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
from pathlib import Path

import pytest

import vlmnotes.build
from conftest import CARDS_MD, READING_MD, Run, edit, record_bytes, write_notes
from vlmnotes.parse import parse_text
from vlmnotes.state import candidates_from_json, candidates_to_json
from vlmnotes.vocab import load_vocabulary

# Enough notes for the build to parse them in worker processes, with one it cannot read (binary) and
# one whose lists nest too deeply to read whole (a warning).
DEEP = "# Deep\n\n" + "".join("  " * i + "- level\n" for i in range(30))
NOTES: dict[str, str | bytes] = {
    "a-reading.md": READING_MD,
    "b-cards.md": CARDS_MD,
    "c-binary.md": b"\x00\x01 not a note",
    "d-deep.md": DEEP + READING_MD.replace("ALIGN (Google)", "ALIGN (Google Research)"),
    "e-more.md": "# More\n\n- [BLIP-2](https://arxiv.org/abs/2301.12597) (Salesforce), Q-Former bridge\n",
    "f-flamingo.md": "# Few-shot\n\n- Flamingo (DeepMind), gated cross-attention, 2022.04\n",
}


def _build(cli: Run, notes: Path, kb: Path) -> tuple[int, str, str]:
    result = cli("--notes", str(notes), "--kb", str(kb), "build")
    return result.exit_code, result.stdout, result.stderr.replace(str(kb), "KB")


def test_notes_parsed_in_workers_give_what_parsing_them_here_gives(
    tmp_path: Path, cli: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_notes(tmp_path / "notes", NOTES)
    in_workers = _build(cli, tmp_path / "notes", tmp_path / "kb1")
    monkeypatch.setattr(vlmnotes.build, "_POOL_MIN_NOTES", 10**9)
    here = _build(cli, tmp_path / "notes", tmp_path / "kb2")
    assert in_workers == here
    assert in_workers[0] == 1  # the binary note is named and skipped, the rest is built
    assert "c-binary.md: binary file" in in_workers[2]
    assert "d-deep.md" in in_workers[2]
    assert record_bytes(tmp_path / "kb1") == record_bytes(tmp_path / "kb2")


ADDED = "- [Flamingo 2](https://arxiv.org/abs/2204.14198) (DeepMind), a visual language model for few-shot learning\n"


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda notes: (notes / "e-more.md").open("a").write(ADDED), id="an entry added"),
        pytest.param(lambda notes: edit(notes / "a-reading.md", READING_MD.split("  - 用")[1], ""), id="removed"),
        pytest.param(
            lambda notes: edit(notes / "f-flamingo.md", "Flamingo (DeepMind)", "BLIP-2 (Salesforce)"),
            id="renamed to merge with another note's paper",
        ),
        pytest.param(lambda notes: (notes / "b-cards.md").unlink(), id="a note deleted"),
    ],
)
def test_a_rebuild_after_an_edit_writes_what_a_cold_build_of_the_edited_notes_writes(
    tmp_path: Path, cli: Run, change: object
) -> None:
    notes = tmp_path / "notes"
    write_notes(notes, {k: v for k, v in NOTES.items() if k != "c-binary.md"})
    assert _build(cli, notes, tmp_path / "kb")[0] == 0
    change(notes)  # type: ignore[operator]
    again = _build(cli, notes, tmp_path / "kb")
    assert _build(cli, notes, tmp_path / "kb")[0] == 0  # and nothing changed since: the quick path
    cold = _build(cli, notes, tmp_path / "cold")
    assert again[0] == cold[0] == 0
    assert record_bytes(tmp_path / "kb") == record_bytes(tmp_path / "cold")
    shutil.rmtree(tmp_path / "cold")


RELATIONS_MD = """\
# Lineage

- [BLIP-2](https://arxiv.org/abs/2301.12597) (Salesforce), 2023.01: builds on BLIP; improves on Flamingo
  - 冻结图像编码器，Q-Former 连接 LLM
"""


def test_the_parse_cache_holds_candidates_as_plain_json_and_gives_them_back_equal() -> None:
    cands = parse_text(READING_MD + CARDS_MD + RELATIONS_MD, "n.md", load_vocabulary())
    assert any(c.relations for c in cands)
    text = candidates_to_json(cands)
    assert text == json.dumps([dataclasses.asdict(c) for c in cands], ensure_ascii=False, separators=(",", ":"))
    back = candidates_from_json(text)
    assert back == cands
    assert repr(back) == repr(cands)  # the fingerprints hash repr: tuples stay tuples


@pytest.mark.parametrize("text", ["not json", '[{"style": 1}]', "{}"])
def test_a_damaged_parse_cache_entry_is_a_value_error(text: str) -> None:
    with pytest.raises(ValueError):
        candidates_from_json(text)


def test_a_build_waits_for_a_command_holding_the_lock_through_filelock(project: Path, run: Run) -> None:
    from filelock import FileLock

    assert run("build").exit_code == 0
    with FileLock(str(project / "kb" / ".lock")):  # as an earlier vlmnotes, or this one when flock was busy
        result = run("build", env={"VLMNOTES_LOCK_TIMEOUT": "0.2"})
    assert result.exit_code == 1
    assert "is still writing it; the build waited 0 s" in result.stderr
    assert run("build").exit_code == 0  # and the lock is free once it is released


@pytest.mark.parametrize("key", ["not json", '["clip", null]', "[1, null, [], null, null]", '{"id": "clip"}'])
def test_a_damaged_merge_cache_row_is_merged_again_into_the_same_records(tmp_path: Path, cli: Run, key: str) -> None:
    import sqlite3

    notes = tmp_path / "notes"
    write_notes(notes, {k: v for k, v in NOTES.items() if k != "c-binary.md"})
    assert _build(cli, notes, tmp_path / "kb")[0] == 0
    before = record_bytes(tmp_path / "kb")
    with sqlite3.connect(tmp_path / "kb" / ".vlmnotes.sqlite") as con:
        con.execute("UPDATE groups SET paper_key = ?", (key,))
    st = (notes / "e-more.md").stat()
    os.utime(notes / "e-more.md", ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))  # touched: the build runs again
    assert _build(cli, notes, tmp_path / "kb")[0] == 0
    assert record_bytes(tmp_path / "kb") == before
