"""What a user sees in a terminal (issue 11, item 4): tables that fit 80 and 200 columns, snippets that show the
sentence a word is in, every remark of an entry in `show`, counts that read as English, the end of a listing, help
for every command with -h, the query table as written, and a global option put after the command explained.

The terminal views only show on a terminal, so `terminal` makes CliRunner's stdout one; TERM=dumb keeps colour
codes out, and COLUMNS with LINES sets rich's width.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import typer.testing
from rich.cells import cell_len
from rich.console import Console
from rich.padding import Padding
from typer.testing import Result

from conftest import Run, assert_no_traceback, write_notes
from vlmnotes.cli import QUERY_HELP, app
from vlmnotes.render import Prose
from vlmnotes.snippets import Snippet, find, fit, query_terms


def width(columns: int) -> dict[str, str]:
    return {"TERM": "dumb", "COLUMNS": str(columns), "LINES": "100"}


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """CliRunner's stdout and stderr say they are a terminal, as a user's are."""
    monkeypatch.setattr(typer.testing._NamedTextIOWrapper, "isatty", lambda self: True)


def shown(result: Result) -> list[str]:
    """The lines a successful command printed, right-trimmed."""
    assert_no_traceback(result)
    assert result.exit_code == 0, result.output
    return [line.rstrip() for line in result.stdout.splitlines()]


def fits(lines: list[str], columns: int) -> bool:
    return all(cell_len(line) <= columns for line in lines)


# --- list: the columns a terminal's width has room for, a line a paper ------------------------------------------


def test_list_at_80_columns_is_name_year_org_and_a_shortened_title(built: Path, run: Run, terminal: None) -> None:
    lines = shown(run("list", env=width(80)))

    assert lines == [
        "name    year  org         title",
        "─" * 80,
        "ALIGN   2021  Google      Scaling Up Visual and Vision-Language Representation …",
        "CLIP    2021  OpenAI      Learning Transferable Visual Models From Natural Lang…",
        "BLIP-2  2023  Salesforce  BLIP-2: Bootstrapping Language-Image Pre-training wit…",
    ]


ALIGN = "Scaling Up Visual and Vision-Language Representation Learning With Noisy Text Supervision"
CLIP = "Learning Transferable Visual Models From Natural Language Supervision"
BLIP2 = "BLIP-2: Bootstrapping Language-Image Pre-training with Frozen Image Encoders and Large Language Models"


def test_list_at_200_columns_adds_columns_and_shows_whole_titles(built: Path, run: Run, terminal: None) -> None:
    lines = shown(run("list", env=width(200)))

    assert lines[0] == "name    date        org         arXiv       title"
    assert lines[2:] == [
        "ALIGN   2021-02-11  Google      2102.05918  " + ALIGN,
        "CLIP    2021-02-26  OpenAI      2103.00020  " + CLIP,
        "BLIP-2  2023-01     Salesforce  2301.12597  " + BLIP2,
    ]


NOTE_WITH_EVERYTHING = """\
# Models

| Model | Vision Encoder | LLM | Connector | Venue |
| --- | --- | --- | --- | --- |
| [LLaVA](https://arxiv.org/abs/2304.08485) | ViT-L/14 | Vicuna-13B | linear projection | NeurIPS 2023 |
| [InstructBLIP](https://arxiv.org/abs/2305.06500) | EVA-CLIP ViT-g/14 | Vicuna-7B | Q-Former | NeurIPS 2023 |
"""


@pytest.mark.parametrize("columns", [60, 80, 100, 120, 160, 200])
def test_a_list_fits_every_width_a_line_a_paper(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Run, terminal: None, columns: int
) -> None:
    monkeypatch.chdir(tmp_path)
    write_notes(tmp_path / "notes", {"models.md": NOTE_WITH_EVERYTHING})
    lines = shown(cli("--notes", "notes", "--kb", "kb", "list", env=width(columns)))

    assert fits(lines, columns)
    assert len(lines) == 4  # the header, its rule, and each paper on one line: no title folded into pieces
    assert [line.split()[0] for line in lines[2:]] == ["LLaVA", "InstructBLIP"]
    header = lines[0].split()
    assert header[:3] == ["name", "year", "org"] or header[:3] == ["name", "date", "org"]
    assert header[-1] == "title"
    if columns >= 200:  # components only beside whole titles
        assert header == ["name", "date", "org", "venue", "arXiv", "components", "title"]
        assert "EVA-CLIP ViT-g/14 + Q-Former + Vicuna-7B" in lines[3]


# --- search: the sentence the words are in ------------------------------------------------------------------------


def test_search_shows_the_matched_words_in_their_sentence(built: Path, run: Run, terminal: None) -> None:
    lines = shown(run("search", "tower", env=width(80)))

    assert lines[2] == "CLIP  2021-02-26  OpenAI  Learning Transferable Visual Models From Natural Lang…"
    assert lines[3] == "                          CLIP (OpenAI), an image tower and a text tower…"
    assert len(lines) == 4


def test_search_shows_chinese_as_written_not_spaced(built: Path, run: Run, terminal: None) -> None:
    lines = shown(run("search", "对比", env=width(80)))

    assert lines[3].strip() == "用对比学习把图像和文本映射到同一个空间"


def test_search_at_200_columns_shows_the_whole_sentence(built: Path, run: Run, terminal: None) -> None:
    lines = shown(run("search", "tower", env=width(200)))

    assert lines[3].strip() == "CLIP (OpenAI), an image tower and a text tower trained to agree on matching pairs"
    assert fits(lines, 200)


def record(**fields: Any) -> dict[str, Any]:
    return {"id": "x", "name": "X", **fields}


def test_a_snippet_is_a_sentence_of_the_notes_not_the_title_again() -> None:
    paper = record(
        title="Frozen Encoders Everywhere",
        sources=[
            {"text": "- [Frozen Encoders Everywhere](https://a.example) — read in May.\n"
            "  - **Why:** keeps the image encoder frozen. Trains a small bridge instead."}
        ],
    )  # fmt: skip

    assert find(paper, query_terms("frozen")) == Snippet("Why: keeps the image encoder frozen.", ((29, 35),))
    assert find(paper, query_terms("everywhere")) is None  # only in the title, which the table shows


def test_a_field_matched_through_an_alias_names_the_alias() -> None:
    paper = record(components={"architecture": ["dual-encoder"]})
    hint = "dual-encoder ; two-tower ;  双  塔  ;  \x02双  流\x03  ;  双  编  码  器 "

    assert find(paper, query_terms("双流"), hint) == Snippet("arch: dual-encoder (双流)", ((20, 22),))
    assert find(paper, query_terms("llm:Qwen")) is None
    assert find(record(components={"llm": ["Qwen-7B"]}), query_terms("llm:Qwen")) == Snippet("LLM: Qwen-7B", ((5, 9),))


def test_a_word_the_title_shows_needs_no_field_under_it() -> None:
    tagged = record(title="Hallucination in MLLMs", tags=["survey: Hallucination of MLLM"])
    untitled = record(tags=["survey: Hallucination of MLLM"])

    assert find(tagged, query_terms("hallucination")) is None
    assert find(untitled, query_terms("hallucination")) == Snippet("tag: survey: Hallucination of MLLM", ((13, 26),))


def test_a_cut_snippet_starts_at_a_word() -> None:
    text = "在解码阶段引入外部验证器（reward-based）或探测器（hallucination detector）的方法"
    at = text.index("hallucination")
    cut = fit(Snippet(text, ((at, at + 13),)), 30)

    assert cut.text.startswith("…或探测器（hallucination")
    assert cell_len(cut.text) <= 30


def test_fit_cuts_around_the_first_match_with_ellipses() -> None:
    text = "a " * 40 + "needle " + "b " * 40
    at = text.index("needle")
    cut = fit(Snippet(text.strip(), ((at, at + 6),)), 30)

    assert cell_len(cut.text) <= 30
    assert cut.text.startswith("…") and cut.text.endswith("…")
    [(a, b)] = cut.marks
    assert cut.text[a:b] == "needle"
    assert fit(Snippet("短句子", ((0, 1),)), 30) == Snippet("短句子", ((0, 1),))


# --- show: every remark, brackets as written ----------------------------------------------------------------------

BRACKETS_MD = """\
# Instruction tuning

- Mon, 17 Apr 2023 [Visual Instruction Tuning](https://arxiv.org/abs/2304.08485)
  - LLaVA: the chat template is [INST] <image> describe it [/INST]
  - a remark with no label: [bold] stays as typed, so does [/] and :smile:
  - Insights: GPT-4 wrote the instructions
  - 思考：把视觉特征直接投影到词向量空间，简单但有效，这一点很值得借鉴，后来的很多模型都沿用了这种做法。
"""


@pytest.fixture
def brackets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Run) -> Run:
    monkeypatch.chdir(tmp_path)
    write_notes(tmp_path / "notes", {"llava.md": BRACKETS_MD})

    def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
        return cli("--notes", "notes", "--kb", "kb", *args, env=env)

    result = invoke("build")
    assert result.exit_code == 0, result.output
    assert result.stderr == "1 paper from 1 note (1 parsed): 1 created, 0 changed, 0 deleted\n"
    return invoke


def panel_text(lines: list[str]) -> str:
    """The text inside a panel, its lines joined with spaces (as wrapping at any width leaves it)."""
    inner = [line.strip("│╭╮╰╯─ ") for line in lines]
    return " ".join(" ".join(inner).split())


@pytest.mark.parametrize("columns", [60, 80, 200])
def test_show_prints_every_remark_of_the_entry_as_written(brackets: Run, terminal: None, columns: int) -> None:
    lines = shown(brackets("show", "LLaVA", env=width(columns)))
    text = panel_text(lines)

    assert fits(lines, columns)
    assert "notes llava.md:3-7 dated-bullet - Mon, 17 Apr 2023 [Visual Instruction Tuning]" in text
    for said in (
        "- LLaVA: the chat template is [INST] <image> describe it [/INST]",
        "- a remark with no label: [bold] stays as typed, so does [/] and :smile:",
        "- Insights: GPT-4 wrote the instructions",
    ):
        assert said in text, said
    remark = "-思考：把视觉特征直接投影到词向量空间，简单但有效，这一点很值得借鉴，后来的很多模型都沿用了这种做法。"
    assert remark in text.replace(" ", "")
    assert "summaries" not in text  # the labelled remarks are in the note's text, shown once


def test_show_wraps_chinese_between_characters_and_hangs_the_lines_of_a_bullet(brackets: Run, terminal: None) -> None:
    lines = shown(brackets("show", "LLaVA", env=width(60)))
    at = next(i for i, line in enumerate(lines) if "- 思考" in line)

    assert lines[at].rstrip(" │").endswith("思考：把视觉特征直接投影到词向量空间，简单但有效，")
    assert lines[at + 1].index("这一点") == lines[at].index("思考")


def test_prose_breaks_between_cjk_characters_and_keeps_punctuation_on_its_line() -> None:
    console = Console(width=20, record=True, color_system=None)
    console.print(Padding(Prose("CLIP 的结构非常简单，真正起作用的是数据规模和对比学习目标。"), 0))
    lines = console.export_text().splitlines()

    assert lines[0].startswith("CLIP 的结构")
    assert all(cell_len(line) <= 20 for line in lines)
    assert not any(line.startswith(("，", "。")) for line in lines)
    assert "".join(lines).replace(" ", "") == "CLIP的结构非常简单，真正起作用的是数据规模和对比学习目标。"


# --- compare, stats, timeline ------------------------------------------------------------------------------------


def test_compare_at_80_columns_puts_what_does_not_fit_in_a_second_table(built: Path, run: Run, terminal: None) -> None:
    lines = shown(run("compare", "CLIP", "ALIGN", "BLIP-2", env=width(80)))

    heads = [[c.strip() for c in line.split("┃")[1:-1]] for line in lines if line.startswith("┃")]
    assert heads == [["", "CLIP", "ALIGN"], ["", "BLIP-2"]]
    assert fits(lines, 80)
    assert "│ title          │ Learning Transferable Visual │ Scaling Up Visual and        │" in lines


def test_compare_at_200_columns_is_one_table(built: Path, run: Run, terminal: None) -> None:
    lines = shown(run("compare", "CLIP", "ALIGN", "BLIP-2", env=width(200)))

    assert [line for line in lines if line.startswith("┃")] != []
    assert len([line for line in lines if line.startswith("┏")]) == 1
    assert fits(lines, 200)


STATS_MD = """\
# Models

| Model | LLM | Org |
| --- | --- | --- |
| [LLaVA](https://arxiv.org/abs/2304.08485) | Vicuna-13B | Microsoft |
| [LLaVA-1.5](https://arxiv.org/abs/2310.03744) | Vicuna-13B | Microsoft |
| [BLIP-2](https://arxiv.org/abs/2301.12597) | | Salesforce |
| [ALIGN](https://arxiv.org/abs/2102.05918) | | Google |
| [CLIP](https://arxiv.org/abs/2103.00020) | | OpenAI |
"""


def test_stats_bars_scale_to_the_most_common_value_not_to_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Run, terminal: None
) -> None:
    monkeypatch.chdir(tmp_path)
    write_notes(tmp_path / "notes", {"models.md": STATS_MD})
    lines = [line.strip() for line in shown(cli("--notes", "notes", "--kb", "kb", "stats", env=width(80)))]

    block = lines[lines.index("by LLM") + 1 :]
    assert block[:2] == ["Vicuna-13B  2  " + "█" * 24, "(none)      3"]


@pytest.mark.parametrize("columns", [80, 200])
def test_timeline_tree_is_a_line_a_paper(built: Path, run: Run, terminal: None, columns: int) -> None:
    lines = shown(run("timeline", env=width(columns)))

    assert lines == [
        "timeline",
        "├── 2021 (2)",
        "│   ├── 2021-02-11  ALIGN  Google",
        "│   └── 2021-02-26  CLIP  OpenAI",
        "└── 2023 (1)",
        "    └── 2023-01  BLIP-2  Salesforce",
    ]


def test_a_long_org_shows_its_abbreviation_in_a_narrow_column(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Run, terminal: None
) -> None:
    monkeypatch.chdir(tmp_path)
    org = "King Abdullah University of Science and Technology (KAUST)"
    note = f"# x\n\n### MiniGPT-4（2023，{org}）\n\npaper: [here](https://arxiv.org/abs/2304.10592)\n"
    write_notes(tmp_path / "notes", {"x.md": note})
    lines = shown(cli("--notes", "notes", "--kb", "kb", "list", env=width(80)))

    assert re.match(r"MiniGPT-4\s+2023-04\s+KAUST\s+MiniGPT-4: ", lines[2]), lines


# --- how a listing ends ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["list", "search BLIP OR CLIP OR ALIGN"])
def test_a_listing_cut_by_limit_says_how_many_it_left_out(built: Path, run: Run, command: str) -> None:
    name, *query = command.split(" ", 1)
    result = run(name, *query, "--limit", "2")

    assert result.exit_code == 0
    assert len(result.stdout.splitlines()) == 3  # the header and two papers
    assert result.stderr == "2 of 3 papers (--limit to see more)\n"
    assert run(name, *query, "--limit", "3").stderr == ""


@pytest.mark.parametrize("command", ["list", "search", "stats"])
def test_a_listing_that_matches_nothing_says_so(built: Path, run: Run, command: str) -> None:
    result = run(command, "zebracorn")

    assert result.exit_code == 1
    assert result.stderr == "no papers match 'zebracorn'\n"


def test_a_list_filter_that_matches_nothing_names_the_options(built: Path, run: Run) -> None:
    result = run("list", "clip", "--org", "Nobody Inc", "--since", "2030")

    assert result.exit_code == 1
    assert result.stderr == "no papers match 'clip' --org 'Nobody Inc' --since 2030\n"


# --- the pager keeps colours ---------------------------------------------------------------------------------------


def test_pager_keeps_colours_and_tells_less_to_show_them(
    built: Path, run: Run, terminal: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    paged: list[tuple[str, str | None]] = []
    monkeypatch.setattr(
        "rich.pager.SystemPager._pager", lambda self, text: paged.append((text, __import__("os").environ.get("LESS")))
    )
    monkeypatch.delenv("LESS", raising=False)

    result = run("list", "--pager", env={"TERM": "xterm-256color", "NO_COLOR": None, "COLUMNS": "80", "LINES": "50"})

    assert result.exit_code == 0
    [(text, less)] = paged
    assert "\x1b[" in text and "CLIP" in text
    assert less == "-R"


def test_pager_leaves_a_less_setting_alone(
    built: Path, run: Run, terminal: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str | None] = []
    monkeypatch.setattr(
        "rich.pager.SystemPager._pager", lambda self, text: seen.append(__import__("os").environ.get("LESS"))
    )
    monkeypatch.setenv("LESS", "-FRX")

    assert run("search", "CLIP", "--pager", env={"TERM": "xterm-256color"}).exit_code == 0
    assert seen == ["-FRX"]


# --- help and usage ----------------------------------------------------------------------------------------------


def commands() -> list[str]:
    group = typer.main.get_command(app)
    return sorted(group.commands)  # type: ignore[attr-defined]


@pytest.mark.parametrize("command", ["", *commands()])
def test_h_is_help_on_every_command(cli: Run, command: str) -> None:
    short = cli(*command.split(), "-h")
    long = cli(*command.split(), "--help")

    assert short.exit_code == 0, short.output
    assert short.stdout == long.stdout
    assert short.stdout.startswith("Usage: vlmnotes")


def test_help_shows_the_query_table_as_written(cli: Run) -> None:
    table = QUERY_HELP.split("\b\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert len(table) > 10

    for columns in (60, 80, 200):
        lines = [line.rstrip() for line in cli("search", "--help", env={"COLUMNS": str(columns)}).stdout.splitlines()]
        start = lines.index("  " + table[0])
        assert lines[start : start + len(table)] == ["  " + row for row in table]
    assert all(cell_len(row) <= 78 for row in table)  # indented by two, it fits 80 columns


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ["list", "--notes", "x"],
            "--notes is an option of vlmnotes itself: put it before the command: vlmnotes --notes x list",
        ),
        (
            ["search", "CLIP", "--kb", "my kb"],
            "--kb is an option of vlmnotes itself: put it before the command: vlmnotes --kb 'my kb' search CLIP",
        ),
        (
            ["show", "-n", "notes", "CLIP"],
            "-n is an option of vlmnotes itself: put it before the command: vlmnotes -n notes show CLIP",
        ),
        (
            ["stats", "--ext=md"],
            "--ext is an option of vlmnotes itself: put it before the command: vlmnotes --ext md stats",
        ),
        (
            ["timeline", "--version"],
            "--version is an option of vlmnotes itself: put it before the command: vlmnotes --version timeline",
        ),
    ],
)
def test_a_global_option_after_the_command_is_explained(project: Path, cli: Run, args: list[str], line: str) -> None:
    result = cli(*args)

    assert_no_traceback(result)
    assert result.exit_code == 2
    assert result.stderr == f"error: {line}\n"
    assert result.stdout == ""


def test_a_timeline_that_matches_nothing_says_so(built: Path, run: Run) -> None:
    result = run("timeline", "--since", "2030")
    assert (result.exit_code, result.stderr) == (1, "no papers match --since 2030\n")
    result = run("timeline", "nosuchpaper")
    assert (result.exit_code, result.stderr) == (1, "no papers match 'nosuchpaper'\n")
