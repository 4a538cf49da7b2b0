"""Benchmark build and search on synthetic corpora of 1k, 10k and 100k papers; prints a table of figures.

    python benchmarks/run.py                 # 1000 10000 100000
    python benchmarks/run.py 1000 10000      # a subset

For each size: cold build (wall time and peak RSS of the process), rebuild after editing one note,
search wall time from process start to exit (`vlmnotes search … --format json`, median of 7 runs on a
current index), and lint time; beside the floor `python -c "import typer"` measured in the same run.
Bytecode caching is switched on for the measured processes, as on a user's machine.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from generate import write_corpus  # noqa: E402

VLMNOTES = [sys.executable, "-m", "vlmnotes"]
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
QUERIES = ["llm:Qwen", "CLIP", "对比学习", "year:>=2023 connector:Q-Former"]


def timed(cmd: list[str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (MiB) of one process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=ENV)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {err[-500:]}")
    return elapsed, usage.ru_maxrss // 1024


def median_time(cmd: list[str], runs: int = 7) -> float:
    return statistics.median(timed(cmd)[0] for _ in range(runs))


def bench(n: int, root: Path) -> dict[str, float]:
    notes, kb = root / "notes", root / "kb"
    files = write_corpus(n, notes)
    base = [*VLMNOTES, "--notes", str(notes), "--kb", str(kb)]
    build_s, build_mb = timed([*base, "build"])
    with files[len(files) // 2].open("a", encoding="utf-8") as fh:
        fh.write("\n- Mon, 4 Mar 2024 [Added: a paper edited in](https://arxiv.org/abs/2403.99999)\n")
    rebuild_s, _ = timed([*base, "build"])
    timed([*base, "search", "warm", "--format", "json"])  # builds the index once
    search = {q: median_time([*base, "search", q, "--format", "json"]) for q in QUERIES}
    lint_s = timed([*base, "lint", str(notes), "--format", "concise"])[0] if _has_lint() else float("nan")
    return {"build_s": build_s, "build_mb": build_mb, "rebuild_s": rebuild_s, "lint_s": lint_s, **search}


def _has_lint() -> bool:
    out = subprocess.run([*VLMNOTES, "--help"], capture_output=True, text=True, env=ENV)
    return " lint " in out.stdout or "│ lint" in out.stdout


def main(sizes: list[int]) -> None:
    floor = median_time([sys.executable, "-c", "import typer"])
    print(f"floor (python -c 'import typer'): {floor * 1000:.0f} ms; cores: {os.cpu_count()}")
    header = f"{'papers':>7} {'build s':>8} {'RSS MB':>7} {'1-note s':>9} {'lint s':>7} " + " ".join(
        f"{q[:14]:>15}" for q in QUERIES
    )
    print(header)
    for n in sizes:
        root = Path(tempfile.mkdtemp(prefix=f"vlmnotes-bench-{n}-"))
        try:
            r = bench(n, root)
        finally:
            shutil.rmtree(root, ignore_errors=True)
        searches = " ".join(f"{r[q] * 1000:>9.0f} ms{r[q] / floor:>4.1f}x"[-15:] for q in QUERIES)
        print(
            f"{n:>7} {r['build_s']:>8.1f} {r['build_mb']:>7.0f} {r['rebuild_s']:>9.2f} {r['lint_s']:>7.1f} {searches}",
            flush=True,
        )


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [1000, 10000, 100000])
