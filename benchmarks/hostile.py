"""Time the parser and the linter on hostile and on very large notes; prints a table of figures.

    python benchmarks/hostile.py                     # the hostile cases, and sizes 0.125 to 2 MiB
    python benchmarks/hostile.py --sizes 1 5 10      # markdown-it and the block tree only, at 1, 5, 10 MiB
    python benchmarks/hostile.py --corpus DIR ...    # add DIR/*.md to the bundled notes as the realistic text

The hostile cases are those the parser reads in a degraded way (and says so): a 400 KB line, brackets that never
close, lists nested thousands deep. Targets: each well under 2 s to parse, and to lint. The size table repeats
real notes (notes/ and any --corpus) to each size and times markdown-it, the block tree and the whole parse
(`parse_text`, the style extractors included) in one process, the best of two runs; with --sizes the whole
parse is left out, as it takes minutes past a few MiB.
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from vlmnotes.catalogue import load_catalogue
from vlmnotes.lint import run as lint_run
from vlmnotes.lint.registry import Selection
from vlmnotes.parse import MAX_NOTE_BYTES, parse_text
from vlmnotes.parse.markdown import markdown_parser, parse_document
from vlmnotes.vocab import load_vocabulary

REPO = Path(__file__).resolve().parents[1]
CLIP = "\n\n- [CLIP](https://arxiv.org/abs/2103.00020) OpenAI\n"
LOREM = "lorem ipsum [x](y) **b** "
HOSTILE = {
    "400 KB line of prose, links and bold": LOREM * (400_000 // len(LOREM)) + CLIP,
    "'[' x 60,000": "[" * 60_000 + CLIP,
    "'[a](' x 30,000": "[a](" * 30_000 + CLIP,
    "'![' x 30,000": "![" * 30_000 + CLIP,
    "'[' x 5,000 then a link": "[" * 5_000 + " [ALIGN](https://arxiv.org/abs/2102.05918)" + CLIP,
    "lists 3,000 deep": "- " * 3_000 + "item" + CLIP,
    "block quotes 3,000 deep": ">" * 3_000 + " quote" + CLIP,
}


def best(fn: Callable[[], object], runs: int = 2) -> float:
    times = []
    for _ in range(runs):
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def hostile() -> None:
    vocab, catalogue = load_vocabulary(None), load_catalogue()
    parse_text("# warm up\n", "x.md", vocab, catalogue)
    print(f"{'case':40} {'parse':>8} {'lint':>8}  CLIP after it  warnings")
    with tempfile.TemporaryDirectory() as tmp:
        for label, text in HOSTILE.items():
            warnings: list[str] = []
            found: list[str | None] = []
            note = Path(tmp) / "note.md"
            note.write_text(text, encoding="utf-8")

            def parse(warnings: list[str] = warnings, found: list[str | None] = found, text: str = text) -> None:
                warnings.clear()
                found[:] = [c.arxiv_id for c in parse_text(text, "note.md", vocab, catalogue, warnings=warnings)]

            parsed = best(parse)
            linted = best(lambda note=note: lint_run([note], Selection()))  # type: ignore[misc]
            ok = "found" if "2103.00020" in found else "MISSING"
            print(f"{label:40} {parsed:7.2f}s {linted:7.2f}s  {ok:13}  {len(warnings)}")


def realistic(corpus: list[Path]) -> str:
    files = sorted((REPO / "notes").glob("*.md")) + sorted(p for folder in corpus for p in folder.glob("*.md"))
    return "\n\n".join(p.read_text(encoding="utf-8") for p in files) + "\n\n"


def sizes(mib: list[float], corpus: list[Path], whole: bool) -> None:
    vocab, catalogue = load_vocabulary(None), load_catalogue()
    base = realistic(corpus)
    parse_text(base, "x.md", vocab, catalogue)
    print(f"realistic text: {len(base.encode()) / 1024:.0f} KiB repeated; the size cap is {MAX_NOTE_BYTES // 1024} KiB")
    print(f"{'size':>9} {'markdown-it':>12} {'block tree':>11}" + (f" {'parse_text':>11}" if whole else ""))
    for size in mib:
        target = int(size * 1024 * 1024)
        text = (base * (target // len(base.encode()) + 2)).encode()[:target].decode("utf-8", "ignore")
        tokens = markdown_parser().parse(text)
        row = f"{size:6.3f} MiB {best(lambda: markdown_parser().parse(text)):11.2f}s"  # noqa: B023
        row += f" {best(lambda: parse_document('x.md', text, tokens)):10.2f}s"  # noqa: B023
        if whole:
            row += f" {best(lambda: parse_text(text, 'x.md', vocab, catalogue)):10.2f}s"  # noqa: B023
        print(row, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=float, nargs="+", help="MiB: markdown-it and the block tree only")
    parser.add_argument("--corpus", type=Path, action="append", default=[], help="more real notes (*.md)")
    args = parser.parse_args()
    if args.sizes:
        sizes(args.sizes, args.corpus, whole=False)
        return
    hostile()
    print()
    sizes([0.125, 0.25, 0.5, 1, 2], args.corpus, whole=True)


if __name__ == "__main__":
    sys.exit(main())
