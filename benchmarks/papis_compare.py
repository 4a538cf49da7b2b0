"""Time papis 0.16.1 against vlmnotes on the same synthetic papers (2,000 by default): searches and hits.

    python3 -m venv /tmp/papis-venv && /tmp/papis-venv/bin/pip install papis==0.16.1
    .venv/bin/python benchmarks/papis_compare.py                          # papis found as $PAPIS or on PATH
    .venv/bin/python benchmarks/papis_compare.py --papis /tmp/papis-venv/bin/papis 2000

The papers are those `generate.py` writes. vlmnotes builds its knowledge base from the notes; for papis each paper
becomes a document folder with an info.yaml (title, author: its organisation, year, ref: its name, tags: the lines
its note entry has, abstract: the entry as written), English and Chinese as the notes have them. papis runs with a
configuration and cache of its own in the temporary folder (PAPIS_CONFIG_DIR, XDG_* and --config), so the user's
papis configuration and cache are neither read nor touched. Every command runs in a fresh process; times are the
median of 7 runs from process start to exit (wall, and CPU: user + system, children included), after one untimed
run that builds papis' cache. papis runs `papis list --all QUERY` with its default backend (`papis`: a pickle of
every document, matched by regular expression) and its `sqlite` backend (FTS5), and `whoosh` when the whoosh
package is importable by papis' Python; vlmnotes runs `search QUERY --format json` as shown (the best 20) and with
`--limit 100000` (every hit, as papis lists them). Without papis the script says so and exits 0.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).parent))
from generate import corpus, write_corpus

VLMNOTES = [sys.executable, "-m", "vlmnotes"]
RUNS = 7
# What each tool is asked: (vlmnotes query, papis query). A fielded query is written in each tool's syntax.
QUERIES: dict[str, tuple[str, str]] = {
    "one word": ("CLIP", "CLIP"),
    "Chinese word (alone between punctuation)": ("对比学习", "对比学习"),
    "Chinese word (inside a sentence)": ("视觉语言", "视觉语言"),
    "fielded": ("year:2023", "year:2023"),
}


def find_papis(args: list[str]) -> Path | None:
    """papis' executable: --papis PATH, else $PAPIS, else `papis` on PATH."""
    if "--papis" in args:
        return Path(args[args.index("--papis") + 1])
    found = os.environ.get("PAPIS") or shutil.which("papis")
    return Path(found) if found else None


def papis_version(papis: Path) -> str:
    proc = subprocess.run([str(papis), "--version"], capture_output=True, text=True, check=False)
    return proc.stdout.strip()


def can_import(papis: Path, module: str) -> bool:
    """Whether papis' own Python (its script's interpreter) imports module."""
    first = papis.read_text(errors="replace").splitlines()[0] if papis.is_file() else ""
    python = first[2:].strip() if first.startswith("#!") else ""
    if not python:
        return False
    return subprocess.run([python, "-c", f"import {module}"], capture_output=True, check=False).returncode == 0


def write_papis_library(n: int, folder: Path) -> None:
    """One papis document folder a paper, with an info.yaml holding what the notes say of it."""
    for _, _, entries in corpus(n):
        for paper, text in entries:
            date = paper["date"]
            assert hasattr(date, "year")
            name = str(paper["name"])
            info = {
                "papis_id": hashlib.md5(name.encode()).hexdigest(),  # given, so papis writes no file while indexing
                "ref": name,
                "title": str(paper["title"]),
                "author": str(paper["org"]),
                "year": date.year,
                "tags": [line.strip(" -#") for line in text.splitlines() if line.strip(" -#")],
                "abstract": text,
            }
            doc = folder / name
            doc.mkdir(parents=True)
            (doc / "info.yaml").write_text(yaml.safe_dump(info, allow_unicode=True, sort_keys=False), "utf-8")


def papis_env(root: Path) -> dict[str, str]:
    """The environment papis runs in: its configuration, cache and data folders inside root."""
    env = {k: v for k, v in os.environ.items() if k != "PAPIS_CONFIG_DIR"}
    env |= {
        "PAPIS_CONFIG_DIR": str(root / "config"),
        "PAPIS_CACHE_DIR": str(root / "cache"),
        "XDG_CONFIG_HOME": str(root / "xdg-config"),
        "XDG_CACHE_HOME": str(root / "xdg-cache"),
        "XDG_DATA_HOME": str(root / "xdg-data"),
        "XDG_CONFIG_DIRS": str(root / "xdg-config-dirs"),
        "EDITOR": "true",  # nothing interactive may start
    }
    return env


def papis_config(root: Path, backend: str) -> Path:
    """A configuration file for one backend, with a cache folder of its own."""
    (root / "config").mkdir(parents=True, exist_ok=True)
    path = root / "config" / f"config-{backend}"
    path.write_text(
        "[settings]\n"
        "default-library = bench\n"
        f"database-backend = {backend}\n"
        f"cache-dir = {root / f'cache-{backend}'}\n"
        "picktool = papis\n"
        "\n[bench]\n"
        f"dir = {root / 'library'}\n",
        "utf-8",
    )
    return path


CPU: list[float] = []  # CPU seconds (user + system, children included) of the processes run, in order


def run(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, int, str, str]:
    """Wall seconds, exit code, stdout and stderr of one process (its CPU seconds appended to CPU)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return wall, proc.returncode, proc.stdout, proc.stderr


def median_ms(
    cmd: list[str], env: dict[str, str] | None = None, codes: tuple[int, ...] = (0,)
) -> tuple[float, float, str, str]:
    """The median wall and CPU milliseconds of RUNS runs and the last run's stdout and stderr; exits when a run
    fails."""
    times, out, err = [], "", ""
    del CPU[:]
    for _ in range(RUNS):
        seconds, code, out, err = run(cmd, env)
        if code not in codes:
            raise SystemExit(f"{' '.join(cmd)}: exit {code}\n{err[-800:]}")
        times.append(seconds)
    return statistics.median(times) * 1000, statistics.median(CPU) * 1000, out, err


def vlmnotes_hits(out: str, err: str) -> int:
    """The papers a search found: `20 of M papers` on stderr when --limit cut the list, else the JSON's length."""
    cut = re.search(r"\b\d+ of (\d+) papers", err)
    if cut:
        return int(cut.group(1))
    return len(json.loads(out)) if out.strip() else 0


def papis_hits(out: str) -> int:
    """`papis list --all` prints a document's folder a line (a --format string would cost papis 2-4 ms a document)."""
    return sum(1 for line in out.splitlines() if re.search(r"/VLM-\d+$", line.strip()))


def main(args: list[str]) -> int:
    if {"-h", "--help"} & set(args):
        print(__doc__)
        return 0
    papis = find_papis(args)
    if papis is None or not papis.exists():
        print(
            "papis is not installed: skipped. Install it apart from vlmnotes and point to it:\n"
            "  python3 -m venv /tmp/papis-venv && /tmp/papis-venv/bin/pip install papis==0.16.1\n"
            "  .venv/bin/python benchmarks/papis_compare.py --papis /tmp/papis-venv/bin/papis"
        )
        return 0
    numbers = [a for a in args if a.isdigit()]
    n = int(numbers[0]) if numbers else 2000
    backends = ["papis", "sqlite"] + (["whoosh"] if can_import(papis, "whoosh") else [])

    root = Path(tempfile.mkdtemp(prefix="vlmnotes-papis-"))
    try:
        notes, kb = root / "notes", root / "kb"
        write_corpus(n, notes)
        base = [*VLMNOTES, "--notes", str(notes), "--kb", str(kb)]
        seconds, code, _, err = run([*base, "build"])
        if code != 0:
            raise SystemExit(f"vlmnotes build: exit {code}\n{err[-800:]}")
        write_papis_library(n, root / "library")
        env = papis_env(root)
        floor, floor_cpu, _, _ = median_ms([sys.executable, "-c", "import typer"])
        print(f"{papis_version(papis)} against vlmnotes, {n:,} papers, {os.cpu_count()} cores; medians of {RUNS} runs")
        print(
            f"vlmnotes build {seconds:.1f} s; floor `python -c 'import typer'` {floor:.0f} ms (CPU {floor_cpu:.0f} ms)"
        )

        rows = []
        for backend in backends:
            config = papis_config(root, backend)
            papis_cmd = [str(papis), "--config", str(config), "--color", "no", "list", "--all"]
            seconds, code, out, err = run([*papis_cmd, "CLIP"], env)  # builds the cache
            if code != 0:
                raise SystemExit(f"papis ({backend}): exit {code}\n{err[-800:]}")
            print(f"papis {backend}: first run, building its cache, {seconds * 1000:.0f} ms")
            for kind, (_, query) in QUERIES.items():
                ms, cpu, out, _ = median_ms([*papis_cmd, query], env, codes=(0, 1))
                rows.append((kind, f"papis, `{backend}` backend", query, ms, cpu, papis_hits(out)))
        for kind, (query, _) in QUERIES.items():
            cmd = [*base, "search", query, "--format", "json"]
            ms, cpu, out, err = median_ms(cmd, codes=(0, 1))
            rows.append((kind, "vlmnotes search (best 20 shown)", query, ms, cpu, vlmnotes_hits(out, err)))
            ms, cpu, out, err = median_ms([*cmd, "--limit", "100000"], codes=(0, 1))
            rows.append((kind, "vlmnotes search --limit 100000", query, ms, cpu, vlmnotes_hits(out, err)))

        print("\n| query | tool | as written | wall | CPU | papers found |\n|---|---|---|---:|---:|---:|")
        for kind, tool, query, ms, cpu, hits in sorted(rows, key=lambda r: list(QUERIES).index(r[0])):
            print(f"| {kind} | {tool} | `{query}` | {ms:.0f} ms | {cpu:.0f} ms | {hits:,} |")
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
