"""Shared fixtures: a small notes folder in tmp_path, and a CliRunner wired to it.

Every test runs in its own tmp_path as the working directory, so the paths the CLI prints are the
short relative ones a user sees (`kb/papers/2103.00020.yaml`), and nothing touches the repository's
own notes/ or kb/.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner, Result

from vlmnotes.cli import app

REPO = Path(__file__).resolve().parents[1]

# Two notes in two styles, three papers: ALIGN and CLIP as dated bullets, BLIP-2 as a Chinese review card.
READING_MD = """\
# Contrastive pre-training

- Fri, 26 Feb 2021 [Learning Transferable Visual Models From Natural Language Supervision](https://arxiv.org/abs/2103.00020)
  - CLIP (OpenAI), an image tower and a text tower trained to agree on matching pairs
  - 用对比学习把图像和文本映射到同一个空间
- Thu, 11 Feb 2021 [Scaling Up Visual and Vision-Language Representation Learning With Noisy Text Supervision](https://arxiv.org/abs/2102.05918)
  - ALIGN (Google), a huge set of noisy alt-text pairs
"""

CARDS_MD = """\
# 阅读卡片

### 1. BLIP-2: Bootstrapping Language-Image Pre-training with Frozen Image Encoders and Large Language Models

- **BLIP-2**

- **Salesforce**

- **终版提交: 2023.01**

- **贡献:**
  - 冻结图像编码器和语言模型，只训练中间的轻量模块
  - 两阶段预训练
"""

NOTES = {"reading.md": READING_MD, "cards.md": CARDS_MD}

# The record files a build of NOTES writes, and the summary it prints.
RECORD_FILES = ["2102.05918.yaml", "2103.00020.yaml", "2301.12597.yaml"]
FIRST_BUILD = "3 papers from 2 notes (2 parsed): 3 created, 0 changed, 0 deleted\n"

# One good note for the bad-input tests: whatever else sits beside it, CLIP must still be built.
GOOD_MD = """\
# Papers

- Fri, 26 Feb 2021 [Learning Transferable Visual Models From Natural Language Supervision](https://arxiv.org/abs/2103.00020)
  - CLIP (OpenAI), contrastive image and text towers
"""

Run = Callable[..., Result]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """tmp_path as the working directory, holding notes/ with NOTES and no kb/ yet."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("VLMNOTES_NOTES", raising=False)
    monkeypatch.delenv("VLMNOTES_KB", raising=False)
    write_notes(tmp_path / "notes", NOTES)
    return tmp_path


@pytest.fixture
def good_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """tmp_path as the working directory, holding notes/good.md only."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("VLMNOTES_NOTES", raising=False)
    monkeypatch.delenv("VLMNOTES_KB", raising=False)
    write_notes(tmp_path / "notes", {"good.md": GOOD_MD})
    return tmp_path


@pytest.fixture
def cli() -> Run:
    """Invoke the app with raw arguments: cli("--version")."""
    runner = CliRunner()

    def invoke(*args: str, env: Mapping[str, str | None] | None = None) -> Result:
        return runner.invoke(app, list(args), env=env, catch_exceptions=False)

    return invoke


@pytest.fixture
def run(cli: Run) -> Run:
    """Invoke a command on ./notes and ./kb: run("build", "--check")."""

    def invoke(*args: str, env: Mapping[str, str | None] | None = None) -> Result:
        return cli("--notes", "notes", "--kb", "kb", *args, env=env)

    return invoke


@pytest.fixture
def built(project: Path, run: Run) -> Path:
    """The project after one successful build."""
    result = run("build")
    assert result.exit_code == 0, result.output
    return project


def write_notes(folder: Path, notes: Mapping[str, str | bytes]) -> None:
    """Write note files (text as UTF-8, bytes as they are)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in notes.items():
        path = folder / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def edit(path: Path, old: str, new: str) -> None:
    """Replace text in a file as an editor would, a little later than its last write.

    The mtime is moved forward explicitly: two writes within one tick of a coarse filesystem clock
    would otherwise look identical to a (time, size) freshness check, which no human editor can do.
    """
    text = path.read_text("utf-8")
    assert old in text, f"{old!r} not in {path}"
    before = path.stat().st_mtime_ns
    path.write_text(text.replace(old, new), encoding="utf-8")
    later = before + 2_000_000_000
    os.utime(path, ns=(later, later))


def save_as_editor(path: Path, text: str) -> None:
    """Save a file as most editors, git and `sed -i` do: a new file renamed over the old one. The folder's time
    changes with it, which is what tells a search that a record file changed (an edit in place is read by the
    next build)."""
    tmp = path.with_name(f"{path.name}.saving~")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def record_bytes(kb: Path) -> dict[str, bytes]:
    """Every record file's name and bytes."""
    return {p.name: p.read_bytes() for p in sorted((kb / "papers").glob("*.yaml"))}


def load_record(kb: Path, stem: str) -> dict[str, object]:
    """A record file as data."""
    data = yaml.safe_load((kb / "papers" / f"{stem}.yaml").read_text("utf-8"))
    assert isinstance(data, dict)
    return data


def stderr_lines(result: Result) -> list[str]:
    return result.stderr.splitlines()


def assert_no_traceback(result: Result) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
