"""A short run of benchmarks/killtest.py: builds killed with SIGKILL at random moments, and two builds started
at once, leave records byte-identical to an uninterrupted run (the long run is in benchmarks/README.md)."""

from __future__ import annotations

import importlib.util
import os
import signal
from pathlib import Path

import pytest

from conftest import REPO


@pytest.mark.skipif(not hasattr(signal, "SIGKILL") or os.name != "posix", reason="needs POSIX signals")
def test_killed_and_concurrent_builds_leave_the_records_of_a_clean_build(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("killtest", REPO / "benchmarks" / "killtest.py")
    assert spec is not None and spec.loader is not None
    killtest = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(killtest)

    assert killtest.run(120, kills=2, pairs=1, seed=3, folder=tmp_path) == 0
