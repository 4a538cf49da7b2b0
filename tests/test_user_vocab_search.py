"""Searches read field values through the user's vocabulary file too, as the build reads the notes."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import Run, edit, write_notes

NOTE = """\
# Papers

- Fri, 26 Feb 2021 [Learning Transferable Visual Models From Natural Language Supervision](https://arxiv.org/abs/2103.00020)
  - CLIP (Hooli Labs), contrastive image and text towers, a MyLLM-7B reads the captions
"""
VOCAB = """\
orgs:
  - name: Hooli
    aliases: [Hooli Labs, 呼哩]
components:
  llm:
    - name: MyLLM-7B
      aliases: [我的模型]
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run: Run) -> Path:
    monkeypatch.chdir(tmp_path)
    write_notes(tmp_path / "notes", {"papers.md": NOTE, "vlmnotes-vocab.yaml": VOCAB})
    assert run("build").exit_code == 0
    return tmp_path


def names(run: Run, query: str) -> list[str]:
    result = run("list", query, "--format", "csv")
    assert "Traceback" not in result.output
    return [line.split(",")[1] for line in result.stdout.splitlines()[1:]]


def test_an_org_alias_from_the_users_vocabulary_finds_the_paper(project: Path, run: Run) -> None:
    assert names(run, "org:Hooli") == ["CLIP"]
    assert names(run, "org:呼哩") == ["CLIP"]
    assert names(run, "llm:我的模型") == ["CLIP"]


def test_a_changed_vocabulary_is_searched_after_the_next_build(project: Path, run: Run) -> None:
    assert names(run, "org:HL") == []
    edit(project / "notes" / "vlmnotes-vocab.yaml", "呼哩]", "呼哩, HL]")
    edit(project / "notes" / "vlmnotes-vocab.yaml", "[我的模型]", "[我的模型, MyLM]")
    assert names(run, "org:HL") == ["CLIP"]  # the list rebuilds first: the vocabulary changed
    assert names(run, "llm:MyLM") == ["CLIP"]
    assert names(run, "CLIP") == ["CLIP"]  # and every record is still there
