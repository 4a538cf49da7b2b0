"""Benchmark build, search and the JSON listings on synthetic corpora: a table a size and the targets of issue 13.

    python benchmarks/run.py                 # 1000 10000 100000
    python benchmarks/run.py 1000 10000      # a subset
    python benchmarks/run.py --no-lint 10000 # without lint

For each size, each command in a fresh process with bytecode caching on (as on a user's machine): a cold build
(wall time, CPU time and peak RSS), a build with nothing changed (median of 5), a build after editing one note and
the first `search CLIP` after it (medians of 3 such rounds: the build writes records, so the search meets an index
the build has just updated), `search QUERY --format json` on a current index for the README's kinds of query (one
word, Chinese, fielded, OR, no match, many matches, fields and a range; median of 7), `list --format json`,
`timeline --since 2021 --format json`, `export --format json` and `export --format csl-json` (median of 5, fewer
when a run takes seconds), and lint; beside the floor `python -c "import typer"` measured in the same run. Then a
table of every target of issue 13 with the figure measured and whether it is met, to paste into a closing note.

A command that exits with another code than expected (a search that should match exits 1, a build exits 1, ...)
is reported with its stderr and marked failed instead of timed; run.py then exits 1.
"""

from __future__ import annotations

import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).parent
VLMNOTES = [sys.executable, "-m", "vlmnotes"]
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
# The README's kinds of query, each with the exit code it must end with (1: nothing matched).
QUERIES: dict[str, tuple[str, int]] = {
    "one word": ("CLIP", 0),
    "Chinese": ("对比学习", 0),
    "fielded": ("llm:Qwen", 0),
    "OR": ('"Perceiver Resampler" OR 图文匹配', 0),
    "no match": ("zzyzx", 1),
    "many matches": ("VLM", 0),
    "fields and a range": ("year:>=2023 connector:Q-Former", 0),
}
# The listings whose output is JSON (issue 13, item 1): the records streamed from the index.
LISTINGS: dict[str, list[str]] = {
    "list --format json": ["list", "--format", "json"],
    "timeline --since 2021 --format json": ["timeline", "--since", "2021", "--format", "json"],
    "export --format json": ["export", "--format", "json"],
    "export --format csl-json": ["export", "--format", "csl-json"],
}
ROUNDS = 3  # one-note builds, each followed by a first search
BUDGET = 20.0  # seconds: a median stops taking runs past this (at least one run)
MIB = 1024  # ru_maxrss is in KiB


@dataclass
class Figure:
    """One measurement: wall and CPU seconds (medians), peak RSS (the largest of the runs), runs taken, the
    papers found (searches and listings), or why it failed."""

    wall: float = float("nan")
    cpu: float = float("nan")
    rss: float = float("nan")
    runs: int = 0
    hits: int | None = None
    failed: str = ""
    tree: float | None = None  # MiB: the largest sum of PSS over the process and its workers, when sampled


@dataclass
class Sample:
    """One process: wall seconds, CPU seconds (user + system), peak RSS in MiB, exit code, stderr."""

    wall: float
    cpu: float
    rss: float
    code: int
    err: str
    tree: float | None = None


@dataclass
class Results:
    """The figures of one corpus size, by measure name."""

    papers: int
    figures: dict[str, Figure] = field(default_factory=dict)


def tree_pss(pid: int) -> float:
    """MiB of memory a process and its descendants use now: the sum of their PSS (proportional set size), which
    counts the pages forked workers share with their parent once, not once a worker as RSS would."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                todo.extend(int(c) for c in Path(f"/proc/{p}/task/{task}/children").read_text().split())
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
                    break
        except (OSError, ValueError):  # gone meanwhile
            continue
    return total / MIB


def sample_tree(pid: int, done: threading.Event, peak: list[float]) -> None:
    """Keep in peak[0] the largest tree_pss of pid, sampled every 0.1 s until done."""
    while not done.wait(0.1):
        peak[0] = max(peak[0], tree_pss(pid))


def run(cmd: list[str], stdout: Path | None = None, tree: bool = False) -> Sample:
    """Run one process (stdout to a file or discarded) and measure it; with tree, also sample the memory of it and
    its worker processes (ru_maxrss is the largest single process's, not their sum)."""
    out = stdout.open("wb") if stdout else subprocess.DEVNULL
    done, peak = threading.Event(), [0.0]
    try:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.PIPE, env=ENV)
        sampler = threading.Thread(target=sample_tree, args=(proc.pid, done, peak), daemon=True)
        if tree and Path(f"/proc/{proc.pid}/smaps_rollup").exists():
            sampler.start()
        assert proc.stderr is not None
        err = proc.stderr.read().decode(errors="replace")  # before waiting: a full pipe would block the child
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
    finally:
        done.set()
        if stdout:
            out.close()  # type: ignore[union-attr]
    if sampler.is_alive():
        sampler.join()
    cpu, rss = usage.ru_utime + usage.ru_stime, usage.ru_maxrss / MIB
    return Sample(wall, cpu, rss, proc.returncode, err, peak[0] if sampler.ident else None)


def measure(
    cmd: list[str],
    runs: int = 1,
    codes: tuple[int, ...] = (0,),
    budget: float = BUDGET,
    stdout: Path | None = None,
    tree: bool = False,
) -> Figure:
    """Medians of `runs` runs of cmd (fewer once `budget` seconds are spent); failed with the command, its exit
    code and the end of its stderr when it ends with a code not in `codes`."""
    samples: list[Sample] = []
    while len(samples) < runs and (not samples or sum(s.wall for s in samples) < budget):
        sample = run(cmd, stdout, tree)
        if sample.code not in codes:
            shown = " ".join(c if c.isprintable() and " " not in c else repr(c) for c in cmd[2:])
            message = f"exit {sample.code}"
            print(f"FAILED: {shown}: {message}, expected {codes}\n{sample.err[-800:]}", file=sys.stderr, flush=True)
            return Figure(failed=message)
        samples.append(sample)
    return of_runs(samples)


def of_runs(runs: list[Sample] | list[Figure]) -> Figure:
    """Median wall and CPU seconds, the largest peak RSS and tree memory, of several runs."""
    return Figure(
        wall=statistics.median(r.wall for r in runs),
        cpu=statistics.median(r.cpu for r in runs),
        rss=max(r.rss for r in runs),
        runs=len(runs),
        tree=max((r.tree for r in runs if r.tree is not None), default=None),
    )


def search_hits(cmd: list[str], out: Path) -> int | None:
    """How many papers one search found: `N of M papers` on stderr when --limit cut the list, else the JSON's length."""
    sample = run(cmd, out)
    cut = re.search(r"\b\d+ of (\d+) papers", sample.err)
    if cut:
        return int(cut.group(1))
    return count_json(out) if sample.code == 0 else 0


def count_json(path: Path) -> int | None:
    """The length of the JSON array in path (None when it is not one), read in a process of its own."""
    code = "import json, sys; d = json.load(open(sys.argv[1], 'rb')); print(len(d) if isinstance(d, list) else '')"
    proc = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=False)
    return int(proc.stdout) if proc.returncode == 0 and proc.stdout.strip() else None


def write_corpus(n: int, folder: Path) -> list[Path]:
    """generate.py's corpus of n papers in folder, written by a process of its own; its files in the order written.

    run.py keeps its own memory small because Linux counts it in every child's peak RSS: a child starts as a copy
    of run.py (fork or vfork), and exec keeps the copy's high-water mark."""
    subprocess.run([sys.executable, str(HERE / "generate.py"), str(n), str(folder)], check=True, capture_output=True)
    return sorted(folder.glob("*.md"), key=lambda path: path.stem.rsplit("-", 1)[1])


def bench(n: int, root: Path, lint: bool) -> Results:
    """Every figure for one corpus of n papers, generated in root."""
    notes, kb, out = root / "notes", root / "kb", root / "out.json"
    files = write_corpus(n, notes)
    base = [*VLMNOTES, "--notes", str(notes), "--kb", str(kb)]
    results = Results(n)
    figures = results.figures

    figures["cold build"] = measure([*base, "build"], tree=True)
    if figures["cold build"].failed:
        return results
    figures["nothing changed"] = measure([*base, "build"], runs=5, tree=True)

    rounds, firsts = [], []
    for i in range(ROUNDS):
        with files[len(files) // 2].open("a", encoding="utf-8") as fh:
            fh.write(f"\n- Mon, 4 Mar 2024 [Added {i}: a paper edited in](https://arxiv.org/abs/2403.9999{i})\n")
        rounds.append(measure([*base, "build"], tree=True))
        firsts.append(measure([*base, "search", "CLIP", "--format", "json"]))
    figures["one note changed"] = combine(rounds)
    figures["first search after it"] = combine(firsts)

    # The floor again, just before the searches: on a shared machine it moves with the load.
    figures["floor"] = measure([sys.executable, "-c", "import typer"], runs=7)
    for kind, (query, code) in QUERIES.items():
        cmd = [*base, "search", query, "--format", "json"]
        figures[f"search {kind}"] = figure = measure(cmd, runs=7, codes=(code,))
        if not figure.failed:
            figure.hits = search_hits(cmd, out)

    # The listings last: the first export gives every paper its citation key (it writes records), so one untimed
    # run each first, which also counts the papers in the output.
    for name, args in LISTINGS.items():
        cmd = [*base, *args]
        check = measure(cmd, stdout=out)
        figures[name] = check if check.failed else measure(cmd, runs=5)
        figures[name].hits = count_json(out) if not check.failed else None

    if lint:
        # Exit 1 is a finding left in the notes, which the synthetic ones may have; 2 is lint failing.
        figures["lint"] = measure([*base, "lint", str(notes), "--format", "concise"], codes=(0, 1), tree=True)
    return results


def combine(figures: list[Figure]) -> Figure:
    """The medians of single runs (failed if any failed)."""
    for f in figures:
        if f.failed:
            return f
    return of_runs(figures)


def peak(f: Figure) -> str:
    """Peak RSS of the largest process, and the largest sum over it and its workers (PSS, sampled every 0.1 s) when
    that is more."""
    more = f.tree is not None and f.tree > f.rss
    return f"{f.rss:.0f} MiB" + (f" ({f.tree:.0f} MiB all processes)" if more else "")


def seconds(s: float) -> str:
    return f"{s * 1000:.0f} ms" if s < 1 else f"{s:.2f} s" if s < 10 else f"{s:.1f} s"


def table(results: Results) -> str:
    """The figures of one size as a Markdown table; × floor against the floor measured before its searches."""
    floor = results.figures.get("floor", Figure())
    rows = [
        f"\n### {results.papers:,} papers\n",
        "| measure | runs | wall | × floor | CPU | CPU × floor's | peak RSS (with workers: PSS) | papers found |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, f in results.figures.items():
        label = "floor `python -c 'import typer'`" if name == "floor" else name
        if name.startswith("search "):
            label = f"{name} `{QUERIES[name.removeprefix('search ')][0]}`"
        if f.failed:
            rows.append(f"| {label} | | FAILED ({f.failed}) | | | | | |")
            continue
        hits = "" if f.hits is None else f"{f.hits:,}"
        rows.append(
            f"| {label} | {f.runs} | {seconds(f.wall)} | {f.wall / floor.wall:.1f}× | {seconds(f.cpu)} | "
            f"{f.cpu / floor.cpu:.1f}× | {peak(f)} | {hits} |"
        )
    return "\n".join(rows)


Judge = Callable[[dict[str, Figure]], tuple[str, bool]]  # the figures of one size -> what was measured, met


@dataclass
class Target:
    """One target of issue 13: at which size, what is asked, and how to judge the figures (a text, met)."""

    papers: int
    item: int
    asked: str
    judge: Judge


def at_most(
    name: str, limit_s: float | None = None, limit_floor: float | None = None, limit_mib: float | None = None
) -> Judge:
    """A judge: the figure `name` within a wall time, a multiple of the floor and/or a peak RSS."""

    def judge(figures: dict[str, Figure]) -> tuple[str, bool]:
        f, floor = figures[name], figures["floor"].wall
        if f.failed:
            return f"failed ({f.failed})", False
        parts, met = [f"{seconds(f.wall)} (CPU {seconds(f.cpu)})"], True
        if limit_floor is not None:
            parts.append(f"{f.wall / floor:.2f}× the floor's {seconds(floor)}")
            met &= f.wall <= limit_floor * floor
        if limit_s is not None:
            met &= f.wall <= limit_s
        if limit_mib is not None:
            parts.append(peak(f))
            met &= max(f.rss, f.tree or 0.0) <= limit_mib
        return ", ".join(parts), met

    return judge


def searches_within(limit_floor: float) -> Judge:
    """A judge: every search of QUERIES within a multiple of the floor; names the slowest."""

    def judge(figures: dict[str, Figure]) -> tuple[str, bool]:
        done, floor = {k: figures[f"search {k}"] for k in QUERIES}, figures["floor"].wall
        failed = [k for k, f in done.items() if f.failed]
        if failed:
            return f"failed: {', '.join(failed)}", False
        ratios = {k: f.wall / floor for k, f in done.items()}
        worst = max(ratios, key=ratios.__getitem__)
        low = min(ratios.values())
        text = (
            f"{low:.2f}–{ratios[worst]:.2f}× floor, slowest {worst} `{QUERIES[worst][0]}` {seconds(done[worst].wall)}"
        )
        return text, ratios[worst] <= limit_floor

    return judge


def first_like_any(figures: dict[str, Figure]) -> tuple[str, bool]:
    """A judge: the first search after a build within 20% of the same search on a current index (noise)."""
    first, any_ = figures["first search after it"], figures["search one word"]
    if first.failed or any_.failed:
        return "failed", False
    text = f"{seconds(first.wall)} after the build, {seconds(any_.wall)} later ({first.wall / any_.wall:.2f}×)"
    return text, first.wall <= 1.2 * any_.wall


TARGETS = [
    *(Target(10000, 1, f"`{name}` ≤ 1.5× floor", at_most(name, limit_floor=1.5)) for name in LISTINGS),
    *(Target(100000, 1, f"`{name}` ≤ 1 s, ≤ 150 MiB", at_most(name, 1.0, limit_mib=150)) for name in LISTINGS),
    Target(10000, 2, "first `search CLIP` after a build costs what a later one does (±20%)", first_like_any),
    Target(100000, 2, "first `search CLIP` after a build costs what a later one does (±20%)", first_like_any),
    Target(10000, 3, "search, all 7 queries ≤ 1.2× floor", searches_within(1.2)),
    Target(100000, 3, "search, all 7 queries ≤ 1.5× floor", searches_within(1.5)),
    Target(10000, 4, "cold build ≤ 8 s", at_most("cold build", 8.0)),
    Target(100000, 4, "cold build ≤ 80 s, ≤ 600 MiB", at_most("cold build", 80.0, limit_mib=600)),
    Target(10000, 4, "build with nothing changed ≤ 0.2 s", at_most("nothing changed", 0.2)),
    Target(100000, 4, "build with nothing changed ≤ 1 s", at_most("nothing changed", 1.0)),
    Target(10000, 4, "build after one note changed ≤ 0.5 s", at_most("one note changed", 0.5)),
    Target(10000, 5, "lint ≤ 4 s", at_most("lint", 4.0)),
]


def summary(all_results: list[Results]) -> str:
    """The targets of issue 13 at the sizes measured, as a Markdown table."""
    rows = [
        f"\n### Issue 13 targets ({os.cpu_count()} cores; the floor is `python -c 'import typer'` in the same run)\n",
        "| item | papers | target | measured (wall, median) | |",
        "|---:|---:|---|---|---|",
    ]
    by_size = {r.papers: r.figures for r in all_results}
    for t in TARGETS:
        figures = by_size.get(t.papers)
        if figures is None:
            continue
        try:
            text, met = t.judge(figures)
        except KeyError:  # a size whose cold build failed, or lint left out
            text, met = "not measured", False
        rows.append(f"| {t.item} | {t.papers:,} | {t.asked} | {text} | {'met' if met else 'not met'} |")
    return "\n".join(rows)


def main(args: list[str]) -> int:
    if {"-h", "--help"} & set(args):
        print(__doc__)
        return 0
    lint = "--no-lint" not in args
    sizes = [int(a) for a in args if a != "--no-lint"] or [1000, 10000, 100000]
    floor = measure([sys.executable, "-c", "import typer"], runs=7)
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"floor `python -c 'import typer'` at the start: {seconds(floor.wall)} (CPU {seconds(floor.cpu)}); ", end="")
    print(f"cores: {os.cpu_count()}; load average: {load}")
    print("Medians; peak RSS is the largest process's in the largest of the runs, and for builds and lint the most")
    print(
        "their worker processes and they used together (PSS) when that is more; listings run 5 times, fewer past 20 s."
    )
    all_results = []
    for n in sizes:
        root = Path(tempfile.mkdtemp(prefix=f"vlmnotes-bench-{n}-"))
        try:
            results = bench(n, root, lint)
        finally:
            shutil.rmtree(root, ignore_errors=True)
        all_results.append(results)
        print(table(results), flush=True)
    if any(t.papers in sizes for t in TARGETS):
        print(summary(all_results))
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / MIB
    print(f"\nload average at the end: {load}; run.py's own peak RSS {own:.0f} MiB (no child's can be shown below it)")
    failed = [f"{r.papers}: {k}" for r in all_results for k, f in r.figures.items() if f.failed]
    if failed:
        print(f"FAILED: {'; '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
