"""An index written by another version of vlmnotes is rebuilt, not patched: its tables may lack what
this version reads (the exact-name table that puts CLIP first for `search CLIP`)."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path

from conftest import Run


def test_an_index_from_another_version_is_rebuilt(built: Path, run: Run) -> None:
    first = run("search", "CLIP", "--format", "json")
    index = built / "kb" / ".vlmnotes.sqlite"
    with closing(sqlite3.connect(index)) as con, con:
        con.execute("UPDATE meta SET value = 'old' WHERE key = 'schema'")
        con.execute("DELETE FROM names")

    again = run("search", "CLIP", "--format", "json")

    assert again.exit_code == 0
    assert [r["name"] for r in json.loads(again.stdout)][:1] == ["CLIP"]
    assert again.stdout == first.stdout
    with closing(sqlite3.connect(index)) as con:
        assert con.execute("SELECT count(*) FROM names WHERE key = 'clip'").fetchone() == (1,)
