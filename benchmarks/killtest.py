"""Kill builds at random moments, and run two at once, then check that nothing was frozen or lost.

    python benchmarks/killtest.py 10000 --kills 20 --pairs 20      # the issue's acceptance run (long)
    python benchmarks/killtest.py 300 --kills 3 --pairs 2           # what tests/test_killtest.py runs

The notes alternate between two versions (A, and B with some organisations and models swapped), so each
build rewrites many records. One record carries a hand edit. After every `kill -9` of a build at a random
moment, and after every pair of builds started 0-2 s apart, one more build runs to the end; its records
must be byte-identical to those of an uninterrupted run of the same steps (no `pinned` nobody wrote, the
hand edit intact). Prints one line per round and a summary; exits 1 on the first difference.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from generate import write_corpus

VLMNOTES = [sys.executable, "-m", "vlmnotes"]
SWAPS = [("OpenAI", "Google"), ("Vicuna-13B", "Qwen-7B"), ("Q-Former", "MLP projector")]
HAND_EDIT = ("orgs:\n", "orgs:\n- Hand-Edited Lab\n")


def _swap(text: str) -> str:
    for a, b in SWAPS:
        text = text.replace(a, "\0").replace(b, a).replace("\0", b)
    return text


def _set_version(notes: Path, originals: dict[Path, str], version: str) -> None:
    for path, text in originals.items():
        new = text if version == "A" else _swap(text)
        if path.read_text("utf-8") != new:
            st = path.stat()
            path.write_text(new, "utf-8")
            later = st.st_mtime_ns + 2_000_000_000  # a new stamp even on a coarse clock
            os.utime(path, ns=(later, later))


def _build(notes: Path, kb: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [*VLMNOTES, "--notes", str(notes), "--kb", str(kb), "build"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _finish(notes: Path, kb: Path) -> float:
    """Run a build to its end; return its wall time in seconds."""
    started = time.perf_counter()
    proc = _build(notes, kb)
    _, err = proc.communicate()
    if proc.returncode != 0:
        raise SystemExit(f"build failed ({proc.returncode}): {err.decode(errors='replace').strip()}")
    return time.perf_counter() - started


def _records(kb: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((kb / "papers").glob("*.yaml"))}


def _hand_edit(kb: Path) -> str:
    """Add an organisation by hand to the first record; return its file name."""
    path = sorted((kb / "papers").glob("*.yaml"))[0]
    text = path.read_text("utf-8")
    path.write_text(text.replace(*HAND_EDIT, 1) if HAND_EDIT[0] in text else text + "orgs:\n- Hand-Edited Lab\n")
    return path.name


def _diff(got: dict[str, bytes], want: dict[str, bytes]) -> str | None:
    if got.keys() != want.keys():
        return f"files differ: {sorted(got.keys() ^ want.keys())[:5]}"
    for name in got:
        if got[name] != want[name]:
            pinned = b"pinned:" in got[name] and b"pinned:" not in want[name]
            return f"{name} differs{' (pinned by nobody)' if pinned else ''}"
    return None


def run(n: int, kills: int, pairs: int, seed: int = 1, folder: Path | None = None) -> int:
    """Run the rounds; return the number of rounds whose records differed from the reference (0 = pass)."""
    rng = random.Random(seed)
    root = Path(folder or tempfile.mkdtemp(prefix="vlmnotes-kill-"))
    notes, kb, ref_kb = root / "notes", root / "kb", root / "ref-kb"
    write_corpus(n, notes)
    originals = {p: p.read_text("utf-8") for p in sorted(notes.glob("*.md"))}
    # The reference: the same steps, never interrupted.
    full = _finish(notes, ref_kb)
    edited = _hand_edit(ref_kb)
    _finish(notes, ref_kb)
    want = {"A": _records(ref_kb)}
    _set_version(notes, originals, "B")
    rebuild = _finish(notes, ref_kb)
    want["B"] = _records(ref_kb)
    _set_version(notes, originals, "A")
    _finish(notes, ref_kb)
    assert _records(ref_kb) == want["A"], "the reference itself is not repeatable"
    print(f"{n} papers: cold build {full:.1f} s, rebuild A->B {rebuild:.1f} s; hand edit in {edited}")
    # The same start under test.
    _finish(notes, kb)
    shutil.copyfile(ref_kb / "papers" / edited, kb / "papers" / edited)
    _finish(notes, kb)
    failures = 0
    version = "A"
    for round_no in range(kills + pairs):
        version = "B" if version == "A" else "A"
        _set_version(notes, originals, version)
        if round_no < kills:
            # A moment while the build still runs: within the last rebuild's time (the machine's load varies).
            moment = rng.uniform(0.05, max(rebuild, 0.2) * 0.95)
            proc = _build(notes, kb)
            time.sleep(moment)
            what = f"kill -9 at {moment:.2f} s"
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
            else:
                what += " (too late: the build had ended)"
            proc.wait()
        else:
            gap = rng.uniform(0, 2)
            first = _build(notes, kb)
            time.sleep(gap)
            second = _build(notes, kb)
            codes = (first.wait(), second.wait())
            what = f"two builds {gap:.2f} s apart, exit codes {codes}"
        # The killed build committed nothing, so this one parses and merges it all again: its time is the
        # next round's window.
        rebuild = _finish(notes, kb)
        problem = _diff(_records(kb), want[version])
        failures += problem is not None
        print(f"round {round_no + 1:2d} ({version}): {what}: {problem or 'records identical to the reference'}")
    print(f"{kills} kills and {pairs} concurrent pairs: {failures} rounds differed")
    if folder is None:
        shutil.rmtree(root, ignore_errors=True)
    return failures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("papers", type=int)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--pairs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    raise SystemExit(1 if run(args.papers, args.kills, args.pairs, args.seed) else 0)


if __name__ == "__main__":
    main()
