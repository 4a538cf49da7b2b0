"""Golden files: every note in tests/fixtures/notes parses and merges to the records in its .expected.yaml.

Regenerate after an intended parser change with `VLMNOTES_REGEN=1 pytest tests/test_golden.py`, then read the
diff: a golden is only as good as the reading that approved it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from vlmnotes.model import Paper
from vlmnotes.parse import parse_text
from vlmnotes.parse.merge import merge
from vlmnotes.vocab import load_vocabulary

NOTES = Path(__file__).parent / "fixtures" / "notes"
CASES = sorted(NOTES.glob("*.md"))
REGEN = os.environ.get("VLMNOTES_REGEN") == "1"


def projection(paper: Paper) -> dict[str, Any]:
    """The record as the store would keep it, without each source's copy of the note text."""
    data = paper.to_dict()
    for source in data.get("sources", []):
        source.pop("text", None)
    return data


def records(note: Path) -> list[dict[str, Any]]:
    papers = merge(parse_text(note.read_text("utf-8"), note.name, load_vocabulary()))
    return [projection(p) for p in papers]


@pytest.mark.parametrize("note", CASES, ids=lambda p: p.stem)
def test_golden(note: Path) -> None:
    expected_file = note.with_name(f"{note.stem}.expected.yaml")
    got = records(note)
    if REGEN:
        expected_file.write_text(
            yaml.safe_dump(got, allow_unicode=True, sort_keys=False, width=1000), encoding="utf-8", newline="\n"
        )
    if not expected_file.is_file():
        pytest.fail(f"{expected_file.name} is missing; write it with VLMNOTES_REGEN=1 and read it before committing")
    assert got == yaml.safe_load(expected_file.read_text("utf-8"))
