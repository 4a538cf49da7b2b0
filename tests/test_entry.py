"""The `vlmnotes` entry point answers `search`/`list`/`timeline`/`export --format json` on a current index without
typer, and every such answer is the one the full command line gives: same bytes on stdout and stderr, same exit
code. Anything it does not answer itself goes to the full command line before a byte is written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import write_notes

NOTES_MD = """\
# 读过的论文

- Fri, 26 Feb 2021 [Learning Transferable Visual Models From Natural Language Supervision](https://arxiv.org/abs/2103.00020)
  - CLIP (OpenAI)：图文对比学习，zero-shot 分类
- Mon, 30 Jan 2023 [BLIP-2: Bootstrapping Language-Image Pre-training with Frozen Image Encoders and Large Language Models](https://arxiv.org/abs/2301.12597)
  - BLIP-2 (Salesforce)：Q-Former 连接冻结的 ViT 和 LLM
- Thu, 17 Aug 2023 [Qwen-VL: A Versatile Vision-Language Model for Understanding, Localization, Text Reading, and Beyond](https://arxiv.org/abs/2308.12966)
  - Qwen-VL (Alibaba)，LLM 是 Qwen-7B，对比学习之外还有定位
"""

ENTRY = "import sys; from vlmnotes.entry import main; sys.argv[0] = 'vlmnotes'; main()"
FULL = "import sys; from vlmnotes.cli import main; sys.argv[0] = 'vlmnotes'; main()"
# Whether the entry point answered by itself: typer is never imported then.
ALONE = (
    "import sys; from vlmnotes.entry import answer_json; code = answer_json(sys.argv[1:]);"
    " sys.stderr.write(f'typer imported: {\"typer\" in sys.modules}, code {code}\\n')"
)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("entry")
    write_notes(root / "notes", {"reading.md": NOTES_MD})
    run(root, FULL, "build")
    return root


def run(cwd: Path, code: str, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("VLMNOTES_")}
    return subprocess.run(
        [sys.executable, "-c", code, *args], cwd=cwd, capture_output=True, env={**environ, **(env or {})}, check=False
    )


def same_answer(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    fast, full = run(cwd, ENTRY, *args, env=env), run(cwd, FULL, *args, env=env)
    assert (fast.stdout, fast.stderr, fast.returncode) == (full.stdout, full.stderr, full.returncode)
    return fast


def answered_alone(cwd: Path, *args: str) -> bool:
    said = run(cwd, ALONE, *args).stderr.decode()
    return "typer imported: False" in said and "code None" not in said


ANSWERED = [
    ("search", "CLIP", "--format", "json"),
    ("search", "对比学习", "-f", "json"),
    ("search", "--format", "json", "llm:Qwen", "--limit", "1"),
    ("search", "CLIP OR BLIP-2", "--format", "json", "--limit", "05"),
    ("search", "zzyzx", "--format", "json"),  # nothing matches: exit 1 and a line on stderr
    ("search", "year:>=2023", "--format", "json"),
    ("list", "--format", "json"),
    ("list", "year:2021", "--format", "json"),
    ("list", "--format", "json", "--limit", "2"),  # stderr says how many were left out
    ("--notes", "notes", "--kb", "kb", "search", "BLIP", "--format", "json"),
    ("-n", "notes", "list", "Qwen", "--format", "json"),
    ("timeline", "--format", "json"),
    ("timeline", "--since", "2022", "--format", "json", "--by", "month"),
    ("timeline", "对比学习", "-f", "json", "--until", "2022"),
    ("timeline", "--since", "2030", "--format", "json"),  # nothing in those years: exit 1
    ("export", "--format", "json"),
    ("export", "BLIP-2", "-f", "json"),
]


@pytest.mark.parametrize("args", ANSWERED, ids=" ".join)
def test_the_entry_point_answers_plain_json_searches_as_the_full_command_line(project: Path, args: tuple[str]) -> None:
    answer = same_answer(project, *args)

    assert answered_alone(project, *args)
    assert answer.stdout.startswith(b"[")


HANDED_OVER = [
    ("search", "CLIP"),  # a table
    ("search", "CLIP", "--format", "json", "--sort", "name"),
    ("search", "--format=json", "CLIP"),
    ("search", "name:", "--format", "json"),  # a malformed query: the full command line's message, exit 2
    ("search", "", "--format", "json"),
    ("search", "--format", "json", "--", "-CLIP"),
    ("search", "CLIP", "--format", "json", "--limit", "0"),
    ("search", "CLIP", "--format", "json", "--limit", "x"),
    ("search", "CLIP", "--format", "json", "--format", "json"),
    ("search", "CLIP", "BLIP", "--format", "json"),
    ("search", "--format", "json"),
    ("list", "--format", "json", "--notes", "notes"),  # a global option after the command
    ("--ext", "md", "list", "--format", "json"),
    ("timeline", "--format", "json", "--since", "-1"),
    ("timeline", "--format", "json", "--by", "week"),
    ("timeline", "--format", "json", "--limit", "2"),
    ("timeline", "--format", "json", "-o", "-"),
    ("export", "zzyzx", "--format", "json"),  # nothing to export: the full command line's error, exit 1
    ("export", "--format", "json", "--strict"),
    ("export", "--format", "yaml"),
    ("--version",),
    ("search", "--help"),
]


@pytest.mark.parametrize("args", HANDED_OVER, ids=" ".join)
def test_anything_else_is_answered_by_the_full_command_line(project: Path, args: tuple[str]) -> None:
    same_answer(project, *args)

    assert not answered_alone(project, *args)


def test_the_places_come_from_the_environment_as_in_the_full_command_line(project: Path, tmp_path: Path) -> None:
    env = {"VLMNOTES_NOTES": str(project / "notes"), "VLMNOTES_KB": str(project / "kb")}

    answer = same_answer(tmp_path, "search", "CLIP", "--format", "json", env=env)

    assert b"2103.00020" in answer.stdout


def test_no_notes_folder_is_the_full_command_lines_error(tmp_path: Path) -> None:
    answer = same_answer(tmp_path, "search", "CLIP", "--format", "json")

    assert answer.returncode == 2
    assert b"no notes/ folder" in answer.stderr


def test_a_changed_note_is_built_first_by_the_full_command_line(tmp_path: Path) -> None:
    write_notes(tmp_path / "notes", {"reading.md": NOTES_MD})
    run(tmp_path, FULL, "build")
    note = tmp_path / "notes" / "reading.md"
    note.write_text(NOTES_MD.replace("Qwen-VL (Alibaba)", "Qwen-VL (阿里巴巴, Alibaba) Zyzzyva"), "utf-8")

    assert not answered_alone(tmp_path, "search", "Zyzzyva", "--format", "json")
    answer = run(tmp_path, ENTRY, "search", "Zyzzyva", "--format", "json")

    assert answer.returncode == 0
    assert b"2308.12966" in answer.stdout
    assert answered_alone(tmp_path, "search", "Zyzzyva", "--format", "json")  # built now: current again


# --- build -----------------------------------------------------------------------------------------------------


def build_both(tmp_path: Path, *args: str, prepare: str = "") -> tuple[Path, Path]:
    """Two copies of one project, each built once by the full command line and then changed by `prepare` (a
    note's new text); `build *args` then run by the entry point in one and the full command line in the other:
    same output, same exit code, same record files."""
    roots = []
    for name in ("fast", "full"):
        root = tmp_path / name
        write_notes(root / "notes", {"reading.md": NOTES_MD, "other.md": "# Other\n"})
        run(root, FULL, "build")
        if prepare:
            (root / "notes" / "reading.md").write_text(prepare, encoding="utf-8")
        roots.append(root)
    fast, full = run(roots[0], ENTRY, *args), run(roots[1], FULL, *args)
    assert (fast.stdout, fast.stderr, fast.returncode) == (full.stdout, full.stderr, full.returncode)
    assert records(roots[0]) == records(roots[1])
    return roots[0], roots[1]


def records(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((root / "kb" / "papers").glob("*.yaml"))}


CHANGED_MD = NOTES_MD.replace("Qwen-VL (Alibaba)", "Qwen-VL (阿里巴巴)") + (
    "- Mon, 17 Apr 2023 [Visual Instruction Tuning](https://arxiv.org/abs/2304.08485)\n"
    "  - LLaVA，线性投影连接 CLIP ViT-L/14 和 Vicuna\n"
)


@pytest.mark.parametrize(
    ("args", "prepare"),
    [
        (("build",), ""),  # nothing changed
        (("build",), CHANGED_MD),
        (("build", "--check"), ""),
        (("build", "--check"), CHANGED_MD),  # would change: exit 1
        (("--notes", "notes/reading.md", "build", "--prune"), ""),  # drops other.md's (no) records, says so
        (("--notes", "notes/reading.md", "build", "--check", "--prune"), CHANGED_MD),
        (("build",), "\udcff"),  # a note that cannot be read: named, exit 1
    ],
    ids=["same", "changed", "check", "check-changed", "prune", "check-prune", "unreadable"],
)
def test_the_entry_point_builds_as_the_full_command_line(tmp_path: Path, args: tuple[str], prepare: str) -> None:
    if prepare == "\udcff":
        for name in ("fast", "full"):
            write_notes(tmp_path / name / "notes", {"broken.md": b"\xff\xfe\x00\x00binary\x00"})
        prepare = ""
    build_both(tmp_path, *args, prepare=prepare)


def test_a_build_without_notes_is_the_full_command_lines_error(tmp_path: Path) -> None:
    answer = same_answer(tmp_path, "build")

    assert answer.returncode == 2


@pytest.mark.parametrize("args", [("build", "--check", "--check"), ("build", "-h"), ("--ext", "md", "build")])
def test_other_builds_are_run_by_the_full_command_line(tmp_path: Path, args: tuple[str]) -> None:
    assert (
        run(
            tmp_path,
            "from vlmnotes.entry import answer_build; import sys; assert answer_build(sys.argv[1:]) is None",
            *args,
        ).returncode
        == 0
    )


def test_a_reader_that_stops_early_ends_the_listing_quietly_with_exit_1(tmp_path: Path) -> None:
    many = "".join(
        f"- Mon, 2 Jan 2023 [Paper number {i} on vision and language](https://arxiv.org/abs/2301.{i:05d})\n"
        f"  - Model{i} (OpenAI)，{'图文对比学习 ' * 40}\n"
        for i in range(1, 301)
    )
    write_notes(tmp_path / "notes", {"many.md": "# Many\n\n" + many})
    run(tmp_path, FULL, "build")
    assert answered_alone(tmp_path, "list", "--format", "json")

    for code in (ENTRY, FULL):
        reader = subprocess.Popen(
            [sys.executable, "-c", code, "list", "--format", "json"],
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert reader.stdout is not None and reader.stderr is not None
        reader.stdout.read(10)
        reader.stdout.close()  # `| head -c 10`
        assert (reader.wait(timeout=60), reader.stderr.read()) == (1, b"")


@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
def test_stdout_that_cannot_hold_chinese_gets_json_escapes_both_ways(project: Path, encoding: str) -> None:
    answer = same_answer(project, "search", "对比学习", "--format", "json", env={"PYTHONIOENCODING": encoding})

    assert answer.returncode == 0
    assert b"\\u5bf9\\u6bd4\\u5b66\\u4e60" in answer.stdout  # 对比学习, escaped
    assert "对比学习" in json.loads(answer.stdout.decode(encoding))[0]["sources"][0]["text"]


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full here")
@pytest.mark.parametrize("code", [ENTRY, FULL], ids=["entry", "full"])
def test_a_full_disk_is_one_line_and_exit_1(project: Path, code: str) -> None:
    with open("/dev/full", "wb") as full:
        answer = subprocess.run(
            [sys.executable, "-c", code, "list", "--format", "json"], cwd=project, stdout=full, stderr=subprocess.PIPE
        )

    assert (answer.returncode, answer.stderr) == (1, b"error: cannot write the output (No space left on device)\n")


def test_a_notes_variable_without_a_path_is_a_usage_error(project: Path) -> None:
    answer = same_answer(project, "build", env={"VLMNOTES_NOTES": os.pathsep})

    assert answer.returncode == 2
    assert answer.stderr.startswith(b"error: VLMNOTES_NOTES holds no path")


def test_exporting_an_empty_knowledge_base_says_so(tmp_path: Path) -> None:
    write_notes(tmp_path / "notes", {"empty.md": "# Nothing read yet\n"})
    run(tmp_path, FULL, "build")

    answer = same_answer(tmp_path, "export", "--format", "json")

    assert (answer.returncode, answer.stdout) == (1, b"")
    assert b"None" not in answer.stderr
    assert answer.stderr.startswith(b"error: the knowledge base has no papers to export")


@pytest.mark.parametrize("args", [("search", "CLIP", "--format", "json"), ("list",), ("timeline", "--format", "json")])
def test_a_read_that_builds_past_an_unreadable_note_names_it_and_exits_1(tmp_path: Path, args: tuple[str]) -> None:
    write_notes(tmp_path / "notes", {"reading.md": NOTES_MD, "bad.md": b"# CLIP \xff\xfe bad\n"})

    answer = same_answer(tmp_path, *args)

    assert answer.returncode == 1
    assert b"2103.00020" in answer.stdout  # the rest is answered
    assert answer.stderr.startswith(b"error: bad.md: neither UTF-8 nor GB18030")
