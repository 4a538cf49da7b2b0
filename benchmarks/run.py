"""Benchmark build and search on synthetic corpora of 1k, 10k and 100k papers; prints a table of figures.

    python benchmarks/run.py                 # 1000 10000 100000
    python benchmarks/run.py 1000 10000      # a subset
    python benchmarks/run.py --no-lint 10000 # without lint

For each size: cold build (wall time and peak RSS of the process), a build with nothing changed, a build after
editing one note and the first search after it (medians of 3 such rounds: the build writes records, so the
search meets an index the build has just updated), search wall time from process start to exit on a current
index (`vlmnotes search … --format json`, median of 7 runs), and lint time; beside the floor
`python -c "import typer"` measured in the same run. Bytecode caching is switched on for the measured
processes, as on a user's machine.
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
ROUNDS = 3  # one-note builds, each followed by a first search


CPU: dict[str, float] = {}  # CPU seconds (user + system) of the last process timed, by command


def timed(cmd: list[str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (MiB) of one process (its CPU seconds in CPU["last"]: on a busy machine they
    move less than wall time)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=ENV)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    CPU["last"] = usage.ru_utime + usage.ru_stime
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {err[-500:]}")
    return elapsed, usage.ru_maxrss // 1024


def median_time(cmd: list[str], runs: int = 7) -> float:
    """The median wall time of `runs` runs (the median CPU time in CPU["median"])."""
    walls, cpus = [], []
    for _ in range(runs):
        walls.append(timed(cmd)[0])
        cpus.append(CPU["last"])
    CPU["median"] = statistics.median(cpus)
    return statistics.median(walls)


def bench(n: int, root: Path, lint: bool) -> dict[str, float]:
    notes, kb = root / "notes", root / "kb"
    files = write_corpus(n, notes)
    base = [*VLMNOTES, "--notes", str(notes), "--kb", str(kb)]
    search = [*base, "search", "CLIP", "--format", "json"]
    build_s, build_mb = timed([*base, "build"])
    build_cpu = CPU["last"]
    same_s = median_time([*base, "build"], runs=5)
    same_cpu = CPU["median"]
    rebuilds, rebuild_cpus, firsts = [], [], []
    for i in range(ROUNDS):
        with files[len(files) // 2].open("a", encoding="utf-8") as fh:
            fh.write(f"\n- Mon, 4 Mar 2024 [Added {i}: a paper edited in](https://arxiv.org/abs/2403.9999{i})\n")
        rebuilds.append(timed([*base, "build"])[0])
        rebuild_cpus.append(CPU["last"])
        firsts.append(timed(search)[0])
    searches = {q: median_time([*base, "search", q, "--format", "json"]) for q in QUERIES}
    lint_s = timed([*base, "lint", str(notes), "--format", "concise"])[0] if lint else float("nan")
    return {
        "build_s": build_s,
        "build_cpu": build_cpu,
        "build_mb": build_mb,
        "same_s": same_s,
        "same_cpu": same_cpu,
        "rebuild_s": statistics.median(rebuilds),
        "rebuild_cpu": statistics.median(rebuild_cpus),
        "first_s": statistics.median(firsts),
        "lint_s": lint_s,
        **searches,
    }


def main(args: list[str]) -> None:
    if {"-h", "--help"} & set(args):
        print(__doc__)
        return
    lint = "--no-lint" not in args
    sizes = [int(a) for a in args if a != "--no-lint"] or [1000, 10000, 100000]
    floor = median_time([sys.executable, "-c", "import typer"])
    print(f"floor (python -c 'import typer'): {floor * 1000:.0f} ms; cores: {os.cpu_count()}")
    print("build, same (nothing changed) and 1-note: wall seconds (CPU seconds)")
    header = (
        f"{'papers':>7} {'build s':>13} {'RSS MB':>7} {'same s':>12} {'1-note s':>12} {'first search':>15} "
        f"{'lint s':>7} " + " ".join(f"{q[:14]:>15}" for q in QUERIES)
    )
    print(header)
    for n in sizes:
        root = Path(tempfile.mkdtemp(prefix=f"vlmnotes-bench-{n}-"))
        try:
            r = bench(n, root, lint)
        finally:
            shutil.rmtree(root, ignore_errors=True)
        times = ["first_s", *QUERIES]
        shown = {k: f"{r[k] * 1000:>9.0f} ms{r[k] / floor:>4.1f}x"[-15:] for k in times}
        build = f"{r['build_s']:.1f} ({r['build_cpu']:.1f})"
        same = f"{r['same_s']:.2f} ({r['same_cpu']:.2f})"
        rebuild = f"{r['rebuild_s']:.2f} ({r['rebuild_cpu']:.2f})"
        print(
            f"{n:>7} {build:>13} {r['build_mb']:>7.0f} {same:>12} {rebuild:>12} "
            f"{shown['first_s']} {r['lint_s']:>7.1f} " + " ".join(shown[q] for q in QUERIES),
            flush=True,
        )


if __name__ == "__main__":
    main(sys.argv[1:])
