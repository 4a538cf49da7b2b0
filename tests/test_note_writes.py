"""A note vlmnotes rewrites (`lint --fix`, `add`) stays the file it was: its mode, and a symlink stays a link.

The new bytes go to a temporary file beside the note and are renamed over it, so a failed write leaves the old
note whole and no temporary file behind.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import Run, write_notes
from vlmnotes.add import write_note

BOXES = "# Notes\n\nBoxes are written as <box> here.\n"  # lint --fix puts the tag in backticks
FIXED = "# Notes\n\nBoxes are written as `<box>` here.\n"
CHECKLIST = "# To read\n\n- [ ] [Synthetic Paper One](https://arxiv.org/abs/2101.00001)\n"
ADDED = CHECKLIST + "- [ ] [arXiv:2201.00042](https://arxiv.org/abs/2201.00042)\n"


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """tmp_path as the working directory, with an empty notes/ folder."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("VLMNOTES_NOTES", raising=False)
    monkeypatch.delenv("VLMNOTES_KB", raising=False)
    (tmp_path / "notes").mkdir()
    return tmp_path


@pytest.fixture
def umask_022() -> Iterator[None]:
    """A known umask for the test, the old one back afterwards."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def leftovers(*folders: Path) -> list[str]:
    """Temporary files a write left behind."""
    return sorted(p.name for folder in folders for p in folder.iterdir() if p.name.endswith(".tmp"))


def linked_note(here: Path, text: str) -> tuple[Path, Path]:
    """notes/linked.md, a symlink to elsewhere/real.md (mode 0640) holding text: (link, target)."""
    target = here / "elsewhere" / "real.md"
    write_notes(target.parent, {target.name: text})
    target.chmod(0o640)
    link = here / "notes" / "linked.md"
    link.symlink_to(Path("..") / "elsewhere" / "real.md")
    return link, target


# --- lint --fix ---------------------------------------------------------------------------------------------------


def test_lint_fix_keeps_a_private_notes_mode(here: Path, cli: Run, umask_022: None) -> None:
    note = here / "notes" / "private.md"
    write_notes(note.parent, {note.name: BOXES})
    note.chmod(0o600)
    assert cli("lint", "notes", "--fix").exit_code == 0
    assert note.read_text("utf-8") == FIXED
    assert mode(note) == 0o600
    assert leftovers(note.parent) == []


def test_lint_fix_writes_through_a_symlink(here: Path, cli: Run, umask_022: None) -> None:
    link, target = linked_note(here, BOXES)
    assert cli("lint", "notes", "--fix").exit_code == 0
    assert link.is_symlink()
    assert os.readlink(link) == os.path.join("..", "elsewhere", "real.md")
    assert target.read_text("utf-8") == FIXED
    assert mode(target) == 0o640
    assert leftovers(link.parent, target.parent) == []


# --- add ----------------------------------------------------------------------------------------------------------


def test_add_keeps_a_private_notes_mode(here: Path, run: Run, umask_022: None) -> None:
    note = here / "notes" / "todo.md"
    write_notes(note.parent, {note.name: CHECKLIST})
    note.chmod(0o600)
    result = run("add", "2201.00042", "--note", "notes/todo.md", "--offline")
    assert result.exit_code == 0, result.output
    assert note.read_text("utf-8") == ADDED
    assert mode(note) == 0o600
    assert leftovers(note.parent) == []


def test_add_writes_through_a_symlink(here: Path, run: Run, umask_022: None) -> None:
    link, target = linked_note(here, CHECKLIST)
    result = run("add", "2201.00042", "--note", "notes/linked.md", "--offline")
    assert result.exit_code == 0, result.output
    assert link.is_symlink()
    assert target.read_text("utf-8") == ADDED
    assert mode(target) == 0o640


def test_a_new_note_gets_the_umasks_mode(here: Path, run: Run) -> None:
    write_notes(here / "notes", {"todo.md": CHECKLIST})
    old = os.umask(0o027)
    try:
        result = run("add", "2201.00042", "--offline")
    finally:
        os.umask(old)
    assert result.exit_code == 0, result.output
    assert mode(here / "notes" / "inbox.md") == 0o640


# --- the write itself ---------------------------------------------------------------------------------------------


def test_a_write_replaces_the_file_whole(tmp_path: Path) -> None:
    note = tmp_path / "n.md"
    note.write_bytes(b"old\n")
    inode = note.stat().st_ino
    write_note(note, b"new\n")
    assert note.read_bytes() == b"new\n"
    assert note.stat().st_ino != inode  # a new file renamed over the old one, never the old one half rewritten
    assert leftovers(tmp_path) == []


def test_a_failed_write_leaves_the_old_note_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    note = tmp_path / "n.md"
    note.write_bytes(b"old\n")
    note.chmod(0o600)

    def full_disk(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(OSError, match="No space left"):
        write_note(note, b"new\n")
    assert note.read_bytes() == b"old\n"
    assert mode(note) == 0o600
    assert leftovers(tmp_path) == []
