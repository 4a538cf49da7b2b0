"""`--output` writes where the user points, and replaces nothing that is not a regular file."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

from conftest import Run, assert_no_traceback


def test_a_symlink_keeps_pointing_at_the_file_it_names_which_gets_the_text(built: Path, run: Run) -> None:
    (built / "real.bib").write_text("old\n", "utf-8")
    (built / "link.bib").symlink_to("real.bib")
    result = run("export", "-o", "link.bib")
    assert result.exit_code == 0, result.output
    assert (built / "link.bib").is_symlink()
    assert "@misc{" in (built / "real.bib").read_text("utf-8")


def test_a_device_stays_a_device(built: Path, run: Run) -> None:
    result = run("export", "-o", os.devnull)
    assert result.exit_code == 0, result.output
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)


def test_a_fifo_is_written_to_and_stays_a_fifo(built: Path, run: Run) -> None:
    fifo = built / "pipe"
    os.mkfifo(fifo)
    got: list[str] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_text("utf-8")))
    reader.start()
    result = run("export", "-o", str(fifo))
    reader.join(timeout=10)
    assert result.exit_code == 0, result.output
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert "@misc{" in got[0]


def test_a_dash_is_stdout(built: Path, run: Run) -> None:
    result = run("export", "-o", "-")
    assert result.exit_code == 0 and "@misc{" in result.stdout
    assert not (built / "-").exists()


def test_a_folder_is_a_usage_error(built: Path, run: Run) -> None:
    for target in ("", "notes"):
        result = run("export", "-o", target)
        assert_no_traceback(result)
        assert result.exit_code == 2
        assert "is a folder; give --output the name of a file" in result.stderr


def test_export_timeline_and_stats_take_a_query_that_starts_with_a_minus(built: Path, run: Run) -> None:
    for command in ("export", "timeline", "stats"):
        result = run(command, "-org:Google", *(["-f", "json"] if command != "stats" else []))
        assert_no_traceback(result)
        assert result.exit_code == 0, (command, result.output)
        assert "ALIGN" not in result.stdout
