"""`vlmnotes lint` over many notes checks them in worker processes: the findings, their order, the cross-file
ones (VN106 across files, VN001 for comments no rule used) and the errors are those of a run in one process."""

from __future__ import annotations

import random
from dataclasses import astuple
from difflib import get_close_matches
from pathlib import Path

import pytest

import vlmnotes.lint
from conftest import REPO
from vlmnotes.lint import LintResult
from vlmnotes.lint import run as lint_run
from vlmnotes.lint.registry import Selection
from vlmnotes.lint.rules import _closest_org
from vlmnotes.vocab import load_vocabulary

SEEDS = REPO.parent / "shared" / "seeds"

A_MD = """# A

- [CLIP](https://arxiv.org/abs/2103.00020)
- **背景:**
<!-- vlmnotes-disable-next-line VN106 -->
- [ViT](https://arxiv.org/abs/2010.11929)
<!-- vlmnotes-disable-next-line VN301 -->
- a line with nothing to turn off
"""
B_MD = """# B

- [CLIP](https://arxiv.org/abs/2103.00020)
- [ViT](http://arxiv.org/abs/2010.11929)
"""


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("VLMNOTES_KB", raising=False)
    return tmp_path


def both_ways(paths: list[Path], monkeypatch: pytest.MonkeyPatch) -> tuple[LintResult, LintResult]:
    """The same run in this process, then in two worker processes (whatever the size and the cores)."""
    with monkeypatch.context() as m:
        m.setattr(vlmnotes.lint, "PARALLEL_BYTES", 1 << 60)
        alone = lint_run(paths, Selection())
    with monkeypatch.context() as m:
        m.setattr(vlmnotes.lint, "PARALLEL_BYTES", 0)
        m.setattr(vlmnotes.lint, "_cores", lambda: 2)
        pooled = lint_run(paths, Selection())
    return alone, pooled


def same(alone: LintResult, pooled: LintResult) -> None:
    assert [astuple(f) for f in pooled.findings] == [astuple(f) for f in alone.findings]
    assert (pooled.files, pooled.errors, pooled.sources) == (alone.files, alone.errors, alone.sources)


def test_workers_find_what_one_process_finds_across_files(here: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    notes = here / "notes"
    notes.mkdir()
    (notes / "a.md").write_text(A_MD, encoding="utf-8")
    (notes / "b.md").write_text(B_MD, encoding="utf-8")
    (notes / "scan.md").write_bytes(b"\x00\x01binary")
    alone, pooled = both_ways([notes], monkeypatch)
    same(alone, pooled)
    assert [(f.path, f.line, f.code, f.severity) for f in pooled.findings] == [
        ("notes/a.md", 3, "VN106", "info"),  # CLIP in both files; ViT's comment in a.md turns its VN106 off
        ("notes/a.md", 4, "VN301", "warning"),
        ("notes/a.md", 7, "VN001", "info"),  # the VN301 comment turns nothing off
        ("notes/b.md", 3, "VN106", "info"),
        ("notes/b.md", 4, "VN106", "info"),
        ("notes/b.md", 4, "VN103", "info"),  # at the link, after VN106 at the line's start
    ]
    assert pooled.errors == ["notes/scan.md: binary file (NUL bytes), not a note; skipped"]


@pytest.mark.skipif(not SEEDS.is_dir(), reason="needs /work/shared/seeds")
def test_workers_find_what_one_process_finds_in_the_seeds(here: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    alone, pooled = both_ways([SEEDS], monkeypatch)
    assert alone.findings
    same(alone, pooled)


def test_the_organisation_suggested_is_difflibs_closest_match() -> None:
    """VN305's 'did you mean' looks only at names of a length that can match, once a name: the same answer as
    difflib.get_close_matches over every name and alias."""
    vocab = load_vocabulary()
    known = {n: n for n in vocab.org_names()}
    known.update({a: n for n, aliases in vocab.orgs for a in aliases})
    rng = random.Random(13)
    words = ["Salesfroce", "Hooli", "Initech Research", "Globex AI Lab", "Umbrella Vision", "x", "清华大学研究院"]
    for name in rng.sample(sorted(known), 200):
        chars = list(name)
        chars[rng.randrange(len(chars))] = rng.choice("aeiouxz")
        words += ["".join(chars), name[: max(1, len(name) // 2)], name + " Lab"]
    for word in words:
        close = get_close_matches(word, list(known), n=1, cutoff=0.6)
        assert _closest_org(vocab, word) == (known[close[0]] if close else None), word
