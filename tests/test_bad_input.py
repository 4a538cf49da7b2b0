"""Notes that are odd, broken or hostile: each sits beside one good note, and the good note is always built.

A note that cannot be read is named on stderr and skipped, the rest is built, and the exit code is 1;
a note that can be read, however strange, never produces a traceback.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import Run, assert_no_traceback, load_record, stderr_lines
from vlmnotes.formats import count
from vlmnotes.parse import MAX_NOTE_BYTES

ONE_PAPER_CLEAN = "1 paper from 2 notes (2 parsed): 1 created, 0 changed, 0 deleted"
ONE_PAPER_ONE_SKIPPED = "1 paper from 2 notes (1 parsed): 1 created, 0 changed, 0 deleted"
TWO_PAPERS = "2 papers from 2 notes (2 parsed): 2 created, 0 changed, 0 deleted"

CHINESE_NOTE = """\
# 多模态大模型

- Mon, 17 Apr 2023 [Visual Instruction Tuning](https://arxiv.org/abs/2304.08485)
  - LLaVA：用语言模型生成的指令数据来微调，视觉编码器后面接一个线性投影层
"""

ALIGN_NOTE = """\
# Dual encoders

- Thu, 11 Feb 2021 [Scaling Up Visual and Vision-Language Representation Learning With Noisy Text Supervision](https://arxiv.org/abs/2102.05918)
  - ALIGN (Google), noisy alt-text at a very large scale
"""

# Neither UTF-8 nor GB18030: 0x80 and 0xFF are not lead bytes in either encoding.
UNDECODABLE = bytes([0x80, 0xFF, 0xFE, 0x80, 0x81, 0x20, 0xFF]) * 50

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


def _add(project: Path, name: str, content: str | bytes) -> Path:
    path = project / "notes" / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def _papers(project: Path) -> list[str]:
    return sorted(p.name for p in (project / "kb" / "papers").glob("*.yaml"))


def _assert_good_note_built(project: Path) -> None:
    assert load_record(project / "kb", "2103.00020")["name"] == "CLIP"


# --- encodings and line endings ------------------------------------------------------------------------------


def test_gb18030_chinese_note_builds(good_project: Path, run: Run) -> None:
    data = CHINESE_NOTE.encode("gb18030")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    _add(good_project, "国标.md", data)

    result = run("build")

    assert result.exit_code == 0
    assert stderr_lines(result) == [TWO_PAPERS]
    llava = load_record(good_project / "kb", "2304.08485")
    assert llava["title"] == "Visual Instruction Tuning"
    assert llava["tags"] == ["多模态大模型"]
    assert "用语言模型生成的指令数据来微调" in llava["sources"][0]["text"]  # type: ignore[index]
    _assert_good_note_built(good_project)


def test_utf8_bom_note_builds_and_its_first_heading_still_counts(good_project: Path, run: Run) -> None:
    _add(good_project, "bom.md", "\ufeff" + ALIGN_NOTE)

    result = run("build")

    assert result.exit_code == 0
    assert stderr_lines(result) == [TWO_PAPERS]
    align = load_record(good_project / "kb", "2102.05918")
    assert align["tags"] == ["Dual encoders"]
    assert align["sources"][0]["line"] == 3  # type: ignore[index]
    assert "\ufeff" not in (good_project / "kb" / "papers" / "2102.05918.yaml").read_text("utf-8")


def test_crlf_note_builds_without_carriage_returns(good_project: Path, run: Run) -> None:
    _add(good_project, "windows.md", ALIGN_NOTE.replace("\n", "\r\n").encode("utf-8"))

    result = run("build")

    assert result.exit_code == 0
    assert stderr_lines(result) == [TWO_PAPERS]
    align = load_record(good_project / "kb", "2102.05918")
    assert align["title"] == "Scaling Up Visual and Vision-Language Representation Learning With Noisy Text Supervision"
    assert align["sources"][0]["line"] == 3  # type: ignore[index]
    assert b"\r" not in (good_project / "kb" / "papers" / "2102.05918.yaml").read_bytes()


def test_empty_note_builds_nothing_and_is_no_error(good_project: Path, run: Run) -> None:
    _add(good_project, "empty.md", b"")

    result = run("build")

    assert result.exit_code == 0
    assert stderr_lines(result) == [ONE_PAPER_CLEAN]
    assert _papers(good_project) == ["2103.00020.yaml"]


# --- files that are not notes -------------------------------------------------------------------------------


def test_binary_file_is_skipped_with_a_message_and_exit_1(good_project: Path, run: Run) -> None:
    _add(good_project, "scan.md", PNG)

    result = run("build")

    assert result.exit_code == 1
    assert stderr_lines(result) == [
        "error: scan.md: binary file (NUL bytes), not a note; skipped",
        ONE_PAPER_ONE_SKIPPED,
    ]
    assert _papers(good_project) == ["2103.00020.yaml"]
    _assert_good_note_built(good_project)


def test_images_beside_the_notes_are_not_notes(good_project: Path, run: Run) -> None:
    _add(good_project, "figure.png", PNG)

    result = run("build")

    assert result.exit_code == 0
    assert stderr_lines(result) == ["1 paper from 1 note (1 parsed): 1 created, 0 changed, 0 deleted"]


def test_undecodable_file_is_skipped_with_a_message_naming_it(good_project: Path, run: Run) -> None:
    for encoding in ("utf-8", "gb18030"):
        with pytest.raises(UnicodeDecodeError):
            UNDECODABLE.decode(encoding)
    _add(good_project, "mojibake.md", UNDECODABLE)

    result = run("build")

    assert result.exit_code == 1
    assert stderr_lines(result) == [
        "error: mojibake.md: neither UTF-8 nor GB18030 text; convert it to UTF-8 (iconv -t UTF-8)",
        ONE_PAPER_ONE_SKIPPED,
    ]
    _assert_good_note_built(good_project)


def test_huge_file_is_read_up_to_the_cap_and_the_build_says_so(good_project: Path, run: Run) -> None:
    size = 20 * 1024 * 1024
    assert size > MAX_NOTE_BYTES
    line = b"- [CLIP](https://arxiv.org/abs/2103.00020)\n"
    _add(good_project, "dump.md", b"- [BLIP-2](https://arxiv.org/abs/2301.12597)\n" + line * (size // 43))

    result = run("build")

    assert result.exit_code == 0
    assert stderr_lines(result) == [
        f"warning: dump.md: {size / 1024 / 1024 + 45 / 1024 / 1024:.1f} MiB is larger than a note is read whole "
        f"(1.0 MiB); only its first {(MAX_NOTE_BYTES - 45) // 43 + 1} lines were read; split the file",
        "2 papers from 2 notes (2 parsed): 2 created, 0 changed, 0 deleted",
    ]
    _assert_good_note_built(good_project)


def test_skipped_note_is_named_again_by_the_next_build(good_project: Path, run: Run) -> None:
    _add(good_project, "scan.md", PNG)
    run("build")

    result = run("build")

    assert result.exit_code == 1
    assert stderr_lines(result)[0] == "error: scan.md: binary file (NUL bytes), not a note; skipped"


# --- hostile Markdown ---------------------------------------------------------------------------------------

HOSTILE: dict[str, tuple[str, int]] = {  # content, and how many papers the build finds with good.md beside it
    "list-3000-deep": ("- " * 3000 + "the bottom of a very deep list\n", 1),
    "list-indented-then-3000-deep": ("".join("  " * i + "- level\n" for i in range(40)) + "- " * 3000 + "end\n", 1),
    "brackets-50000-in-a-row-then-a-link": ("[" * 50000 + " [ALIGN](https://arxiv.org/abs/2102.05918)\n", 2),
    "quote-3000-deep": (">" * 3000 + " deep quote\n", 1),
    "quote-deeper-each-line": ("".join(">" * i + " still quoting\n" for i in range(1, 3001, 7)), 1),
    "emphasis-50000": ("*" * 50000 + "\n", 1),
}


@pytest.mark.parametrize(("content", "papers"), HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_markdown_finishes_without_a_traceback(good_project: Path, run: Run, content: str, papers: int) -> None:
    _add(good_project, "hostile.md", content)

    result = run("build")

    assert_no_traceback(result)
    assert result.exit_code == 0
    lines = stderr_lines(result)
    assert lines[-1] == f"{count(papers, 'paper')} from 2 notes (2 parsed): {papers} created, 0 changed, 0 deleted"
    assert all(w.startswith("warning: hostile.md:") and " read " in w for w in lines[:-1])
    _assert_good_note_built(good_project)


def test_unclosed_code_fence_hides_what_follows(good_project: Path, run: Run) -> None:
    _add(
        good_project,
        "fence.md",
        "# Snippets\n\n```python\n- [x] [ALIGN](https://arxiv.org/abs/2102.05918) - inside the fence\n\nmore code\n",
    )

    result = run("build")

    assert_no_traceback(result)
    assert result.exit_code == 0
    assert stderr_lines(result) == [ONE_PAPER_CLEAN]
    assert _papers(good_project) == ["2103.00020.yaml"]


def test_broken_front_matter_does_not_stop_the_papers_below(good_project: Path, run: Run) -> None:
    _add(
        good_project,
        "front.md",
        "---\ntitle: [never closed\ntags: reading\n---\n\n" + ALIGN_NOTE,
    )

    result = run("build")

    assert_no_traceback(result)
    assert result.exit_code == 0
    align = load_record(good_project / "kb", "2102.05918")
    assert align["name"] == "ALIGN"
    assert align["sources"][0]["line"] == 8  # type: ignore[index]
    _assert_good_note_built(good_project)
