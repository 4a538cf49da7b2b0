"""Lint rules one at a time, on small notes written here: what each reports, where, with which message, and what
its fix writes (issue 12: VN103 keeps versions; impossible dates; full-width closers, empty link texts and openers
glued to URLs; VN106 within and across files; VN101 for every entry without a paper link; no false alarms on the
shapes real notes have: footnotes, reference lists, model tables, callouts, front matter, comments, code, math).

The notes are our own; tests/test_lint.py holds the fixture files and the command-line behaviour.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import Run, write_notes
from vlmnotes.lint import apply_edits
from vlmnotes.lint.document import LintDocument
from vlmnotes.lint.registry import RULES, Finding
from vlmnotes.vocab import load_vocabulary


def lint(text: str, code: str, path: str = "note.md") -> list[Finding]:
    """The findings of one rule on a note."""
    doc = LintDocument(path, text, load_vocabulary(None))
    return list(RULES[code].check(doc))


def where(findings: list[Finding]) -> list[tuple[int, int]]:
    return [(f.line, f.column) for f in findings]


def fixed(text: str, code: str, *, unsafe: bool = False) -> str:
    """The note after the fixes of one rule (the safe ones, or all with unsafe)."""
    edits = [e for f in lint(text, code) if f.fix and (f.fix.safe or unsafe) for e in f.fix.edits]
    lines, _ = apply_edits(text.split("\n"), edits)
    return "\n".join(lines)


# --- VN103: arXiv links to the abstract page, keeping the version ------------------------------------------------


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("https://arxiv.org/pdf/2301.12597v1", "https://arxiv.org/abs/2301.12597v1"),
        ("http://arxiv.org/pdf/2301.12597v2.pdf", "https://arxiv.org/abs/2301.12597v2"),
        ("https://arxiv.org/pdf/2301.12597", "https://arxiv.org/abs/2301.12597"),
        ("https://arxiv.org/pdf/2301.12597.pdf", "https://arxiv.org/abs/2301.12597"),
        ("https://www.arxiv.org/abs/2301.12597", "https://arxiv.org/abs/2301.12597"),
        ("https://arxiv.org/html/2412.13303v1", "https://arxiv.org/abs/2412.13303v1"),
        ("http://arxiv.org/abs/2301.12597v3", "https://arxiv.org/abs/2301.12597v3"),
    ],
)
def test_vn103_rewrites_to_the_abstract_page_and_keeps_the_version(url: str, canonical: str) -> None:
    text = f"- [Q-Former paper]({url})\n"

    [finding] = lint(text, "VN103")

    assert finding.message == f"write the arXiv link as {canonical}"
    assert finding.fix is not None and finding.fix.safe
    assert fixed(text, "VN103") == f"- [Q-Former paper]({canonical})\n"


@pytest.mark.parametrize(
    "url",
    ["https://arxiv.org/abs/2301.12597v1", "https://arxiv.org/abs/2301.12597", "https://arxiv.org/abs/2301.12597/"],
)
def test_vn103_leaves_an_abstract_link_alone_with_or_without_a_version(url: str) -> None:
    assert lint(f"- [Q-Former paper]({url})\n", "VN103") == []


def test_vn103_fix_that_would_drop_a_fragment_is_unsafe_and_says_so() -> None:
    text = "- [figure 3](https://arxiv.org/pdf/2301.12597v2#page=5)\n"

    [finding] = lint(text, "VN103")

    assert finding.message == "write the arXiv link as https://arxiv.org/abs/2301.12597v2; this drops '#page=5'"
    assert finding.fix is not None and not finding.fix.safe
    assert fixed(text, "VN103") == text
    assert fixed(text, "VN103", unsafe=True) == "- [figure 3](https://arxiv.org/abs/2301.12597v2)\n"


def test_vn103_fixes_a_link_whose_text_is_its_url_in_both_places() -> None:
    text = "ALBEF[^2] aligns before fusing.\n\n[^2]: [https://arxiv.org/pdf/2107.07651](https://arxiv.org/pdf/2107.07651)\n"

    [finding] = lint(text, "VN103")

    assert (finding.line, finding.column) == (3, len("[^2]: [https://arxiv.org/pdf/2107.07651](") + 1)  # the target
    assert fixed(text, "VN103").endswith("[^2]: [https://arxiv.org/abs/2107.07651](https://arxiv.org/abs/2107.07651)\n")


def test_vn103_fixes_each_copy_of_a_url_on_one_line() -> None:
    text = "- [a](https://arxiv.org/pdf/2103.00020) and again [b](https://arxiv.org/pdf/2103.00020)\n"

    findings = lint(text, "VN103")

    assert where(findings) == [(1, 7), (1, 55)]
    assert fixed(text, "VN103") == text.replace("/pdf/", "/abs/")


def test_vn103_on_bare_and_angle_bracket_urls() -> None:
    text = "see https://arxiv.org/pdf/2010.11929v2 and <http://arxiv.org/abs/2010.11929>\n"

    assert fixed(text, "VN103") == "see https://arxiv.org/abs/2010.11929v2 and <https://arxiv.org/abs/2010.11929>\n"


def test_vn103_fix_once_leaves_nothing_and_keeps_every_version(here: Path, cli: Run) -> None:
    note = (
        "# Reading list\n\n"
        "- [BLIP-2 as read](https://arxiv.org/pdf/2301.12597v1)\n"
        "- [BLIP-2 latest](http://arxiv.org/pdf/2301.12597.pdf)\n"
        "- [CLIP](https://arxiv.org/abs/2103.00020v2)\n"
    )
    write_notes(here / "notes", {"list.md": note})

    cli("lint", "notes", "--fix", "--select", "VN103")
    again = cli("lint", "notes", "--select", "VN103", "--format", "concise")

    assert (here / "notes" / "list.md").read_text("utf-8") == (
        "# Reading list\n\n"
        "- [BLIP-2 as read](https://arxiv.org/abs/2301.12597v1)\n"
        "- [BLIP-2 latest](https://arxiv.org/abs/2301.12597)\n"
        "- [CLIP](https://arxiv.org/abs/2103.00020v2)\n"
    )
    assert again.stdout == ""


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """tmp_path as the working directory, so the paths lint prints are short and relative."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


# --- VN205: dates that cannot exist, in every form the parser reads; VN202 quotes the date of its own line -----


@pytest.mark.parametrize(
    ("line", "quoted", "problem"),
    [
        ("- 2025-13-01 [Frobnet](https://arxiv.org/abs/2501.01234)", "2025-13-01", "there is no month 13"),
        ("- 2025.13 [Frobnet](https://arxiv.org/abs/2501.01234)", "2025.13", "there is no month 13"),
        ("- 2025/13/02 [Frobnet](https://arxiv.org/abs/2501.01234)", "2025/13/02", "there is no month 13"),
        ("- 2025年13月 [Frobnet](https://arxiv.org/abs/2501.01234)", "2025年13月", "there is no month 13"),
        ("- Mon, 31 Feb 2025 [Frobnet](https://arxiv.org/abs/2502.01234)", "Mon, 31 Feb 2025", "February 2025 has 28"),
        ("- 31 February 2025 [Frobnet](https://arxiv.org/abs/2502.01234)", "31 February 2025", "February 2025 has 28"),
        ("- Feb 30, 2024 [Frobnet](https://arxiv.org/abs/2402.01234)", "Feb 30, 2024", "February 2024 has 29"),
        ("- 2023-02-29 [Frobnet](https://arxiv.org/abs/2302.01234)", "2023-02-29", "February 2023 has 28"),
        ("- 2024.04.31 [Frobnet](https://arxiv.org/abs/2404.01234)", "2024.04.31", "April 2024 has 30"),
        ("- 2024年2月30日 [Frobnet](https://arxiv.org/abs/2402.01234)", "2024年2月30日", "February 2024 has 29"),
        ("- 2024-06-00 [Frobnet](https://arxiv.org/abs/2406.01234)", "2024-06-00", "there is no day 0"),
        ("| Frobnet | 2024-13-05 | [paper](https://arxiv.org/abs/2401.01234) |", "2024-13-05", "there is no month 13"),
    ],
)
def test_vn205_finds_an_impossible_date_in_every_form(line: str, quoted: str, problem: str) -> None:
    [finding] = lint(f"# Read\n\n{line}\n", "VN205")

    assert finding.message.startswith(f"'{quoted}' is not a date: {problem}")
    assert (finding.line, finding.column, finding.end_column) == (
        3,
        line.index(quoted) + 1,
        line.index(quoted) + 1 + len(quoted),
    )
    assert RULES["VN205"].severity == "error" and finding.fix is None  # the right date is the writer's to give


def test_vn205_messages_name_the_fix() -> None:
    text = "- 2025-13-01 one\n- 31 Feb 2025 two\n- 2024-06-00 three\n"

    assert [f.message for f in lint(text, "VN205")] == [
        "'2025-13-01' is not a date: there is no month 13; write the month as 1 to 12",
        "'31 Feb 2025' is not a date: February 2025 has 28 days; correct the day",
        "'2024-06-00' is not a date: there is no day 0; correct it",
    ]


def test_vn205_reads_the_front_matter_date() -> None:
    text = "---\ntitle: Frobnet notes\ndate: 2025-02-30\n---\n\n# Frobnet\n"

    assert where(lint(text, "VN205")) == [(3, 7)]


@pytest.mark.parametrize(
    "text",
    [
        "- 2024-02-29 leap day, Thu, 29 Feb 2024 too, 2024年2月29日, Dec 31, 2023",
        "- the 2022-23 season, the 2019/20 budget, release 2024.1, arXiv 2012.04446, 1908.02265",
        "- `2025-13-01` in code, $2025-13-01$ in math <!-- 2025-13-01 in a comment -->",
        "- https://example.org/2025-13-01/post and [post](https://example.org/2025/13/05/x)",
        "- figure image-20251301120000.png, build 20251301",
    ],
)
def test_vn205_passes_real_dates_and_what_is_no_date(text: str) -> None:
    assert lint(f"# Notes\n\n{text}\n", "VN205") == []


def test_vn205_ignores_code_blocks() -> None:
    assert lint("# Notes\n\n```\n2025-13-01\n```\n\n    Mon, 31 Feb 2025\n", "VN205") == []


def test_vn202_quotes_the_date_its_weekday_belongs_to() -> None:
    # The first date cannot exist (VN205's); the second has the wrong weekday; the third is right.
    text = "- Tue, 30 Feb 2025 read; Sun, 3 Mar 2025 started; Mon, 3 Mar 2025 again\n"

    [finding] = lint(text, "VN202")

    assert finding.message == "2025-03-03 was a Mon, not a Sun"
    assert finding.column == text.index("Sun") + 1
    assert [f.message.split(":")[0] for f in lint(text, "VN205")] == ["'Tue, 30 Feb 2025' is not a date"]


@pytest.mark.parametrize(
    ("written", "fixed_as"),
    [("Mon, 22 Oct 2020", "Thu, 22 Oct 2020"), ("Wednesday, 22 Oct 2020", "Thursday, 22 Oct 2020"),
     ("MON 22 Oct 2020", "THU 22 Oct 2020")],
)  # fmt: skip
def test_vn202_fix_writes_the_weekday_in_the_same_style(written: str, fixed_as: str) -> None:
    assert fixed(f"- {written} [ViT](https://arxiv.org/abs/2010.11929)\n", "VN202") == (
        f"- {fixed_as} [ViT](https://arxiv.org/abs/2010.11929)\n"
    )


def test_vn202_takes_no_weekday_from_inside_a_word() -> None:
    assert lint("- Lemon, 3 Mar 2025: a fruit, not a Monday\n", "VN202") == []


def test_vn203_leaves_a_line_with_an_impossible_date_to_vn205() -> None:
    text = (
        "# Read\n\n"
        "- Mon, 31 Feb 2025 [Frobnet: A Model](https://arxiv.org/abs/2502.01234)\n"
        "- Thu, 22 Oct 2020 [ViT](https://arxiv.org/abs/2010.11929)\n"
        "- Fri, 26 Feb 2021 [CLIP](https://arxiv.org/abs/2103.00020)\n"
    )

    assert lint(text, "VN203") == []


# --- VN107, VN108, VN601: links that do not render ----------------------------------------------------------


def test_vn107_a_link_closed_with_a_fullwidth_paren() -> None:
    text = "- 论文[Frobnet](https://arxiv.org/abs/2401.01234）提出了新的连接器\n"

    [finding] = lint(text, "VN107")

    assert finding.message == "link closed with a full-width '）' is no link; write ')'"
    assert finding.column == text.index("）") + 1
    assert fixed(text, "VN107") == "- 论文[Frobnet](https://arxiv.org/abs/2401.01234)提出了新的连接器\n"


def test_vn107_keeps_the_fullwidth_paren_that_closes_an_open_one() -> None:
    text = "- 连接器（见[Frobnet](https://arxiv.org/abs/2401.01234）\n"

    [finding] = lint(text, "VN107")

    assert finding.message == "link closed with a full-width '）' is no link; write ')' before it"
    assert fixed(text, "VN107") == "- 连接器（见[Frobnet](https://arxiv.org/abs/2401.01234)）\n"


def test_vn107_a_link_written_with_fullwidth_parens() -> None:
    text = "- [Frobnet]（https://arxiv.org/abs/2401.01234）\n"

    assert [f.message for f in lint(text, "VN107")] == [
        "link written with full-width parentheses '（…）' is no link; write them as '(…)'"
    ]
    assert fixed(text, "VN107") == "- [Frobnet](https://arxiv.org/abs/2401.01234)\n"
    assert lint(text, "VN601") == []  # the one problem, reported once


@pytest.mark.parametrize(
    "text",
    [
        "- [词条](https://zh.wikipedia.org/wiki/词条（消歧义）) has full-width parens inside its target",
        "- [x](https://example.org/a（b）c) too",
        "- （见[Frobnet](https://arxiv.org/abs/2401.01234)）",
        "- `[Frobnet](https://arxiv.org/abs/2401.01234）` is code",
        "- 注释（见附录）and [1]（见正文）are no links",
    ],
)
def test_vn107_passes_links_that_render(text: str) -> None:
    assert lint(text + "\n", "VN107") == []


def test_vn108_a_link_with_no_text() -> None:
    text = "- code: [](https://github.com/example/frobnet) and notes [ ](#frobnet)\n"

    findings = lint(text, "VN108")

    assert [(f.column, f.message) for f in findings] == [
        (
            9,
            "link has no text, so it shows nothing; write its text between the brackets, or the address as "
            "<https://github.com/example/frobnet>",
        ),
        (58, "link has no text, so it shows nothing; write its text between the brackets"),
    ]
    assert fixed(text, "VN108") == text  # which text to show is the writer's choice: the fix is unsafe
    assert fixed(text, "VN108", unsafe=True) == (
        "- code: <https://github.com/example/frobnet> and notes [ ](#frobnet)\n"
    )


def test_vn108_an_empty_link_and_what_is_no_link() -> None:
    assert [f.message for f in lint("- []()\n", "VN108")] == [
        "link has no text, so it shows nothing and no target; fill it in or remove it"
    ]
    assert lint("- ![](figure.png) an image, `[](x)` code, [text](x) a link\n", "VN108") == []


@pytest.mark.parametrize("opener", list("（【「『《“"))
def test_vn601_a_fullwidth_opener_after_a_bare_url(opener: str) -> None:
    text = f"- 见 https://arxiv.org/abs/2301.12597{opener}BLIP-2\n"

    [finding] = lint(text, "VN601")

    assert finding.message == (
        f"'{opener}' is glued to the URL, which takes it and the text after it into the link; "
        "write <https://arxiv.org/abs/2301.12597>"
    )
    assert fixed(text, "VN601") == f"- 见 <https://arxiv.org/abs/2301.12597>{opener}BLIP-2\n"


def test_vn601_closers_keep_their_message() -> None:
    [finding] = lint("代码在 https://github.com/example/frobnet，可以直接用\n", "VN601")

    assert finding.message == (
        "'，' is glued to the URL and becomes part of the link; write <https://github.com/example/frobnet>"
    )


# --- VN101: every entry without a paper link, as the build sees it ------------------------------------------------


def _vn101(body: str) -> list[str]:
    return [f.message.split("'")[1] for f in lint(f"# Reading list\n\n{body}", "VN101")]


@pytest.mark.parametrize(
    "item",
    [
        "- 2024.03 Frobnet: Seeing Through Fog With Tokens",  # no link at all
        "- 2024.03 [Frobnet: Seeing Through Fog With Tokens](https://frobnet.example.org/blog)",  # a blog
        "- 2024.03 [Frobnet: Seeing Through Fog With Tokens](https://github.com/example/frobnet)",  # code
        "- 2024.03 [Frobnet: Seeing Through Fog With Tokens](https://huggingface.co/example/frobnet-7b)",  # weights
    ],
)
def test_vn101_an_entry_without_a_paper_link_whatever_other_links_it_has(item: str) -> None:
    assert _vn101(item + "\n") == ["Frobnet"]


@pytest.mark.parametrize(
    "item",
    [
        "- 2023.01 BLIP-2",  # a well-known paper: the build takes its id from the catalogue
        "- 2023.01 [BLIP-2](https://github.com/salesforce/LAVIS)",  # the same with a code link: the same answer
        "- Qwen2-VL 2B - 13.7 GB",  # a size of a known model
        "- 2021.02 [Learning Transferable Visual Models From Natural Language Supervision](https://openai.com/x)",
        "- [ ] Frobnet",  # still to read
    ],
)
def test_vn101_passes_what_the_build_finds_without_a_link(item: str) -> None:
    assert _vn101(item + "\n") == []


def test_vn101_a_known_name_on_another_papers_title_is_reported() -> None:
    # The catalogue's Gemini is another paper: the build gives this entry no id, and neither does lint.
    assert _vn101("### Gemini: Weather Forecasts From Satellite Tiles\n\nA model for rain.\n") == ["Gemini"]


def test_vn101_a_paper_cited_by_a_footnote_has_its_link() -> None:
    text = (
        "## Frobnet-1\n\nFrobnet-1[^1] reads images through fog.\n\n## Quuxformer-2\n\nA model of its own.\n\n"
        "[^1]: [Frobnet](https://arxiv.org/abs/2401.01234)\n"
    )

    assert [f.message.split("'")[1] for f in lint(text, "VN101")] == ["Quuxformer-2"]


def test_vn101_a_paper_like_address_counts_as_the_paper() -> None:
    assert _vn101("## [Frobnet: Seeing Through Fog](https://example.org/static/frobnet-research-paper)\n") == []
    assert _vn101("## [Frobnet: Seeing Through Fog](https://example.org/blog/frobnet-launch)\n") == ["Frobnet"]


def test_vn101_a_reference_list_cites_its_papers() -> None:
    text = (
        "Frobnet builds on attention.\n\n## References\n\n"
        "1. Doe, J., Roe, R. (2019). Frobnet: Seeing Through Fog With Tokens. In Proceedings of the Conference on "
        "Imaginary Vision, pages 1-10.\n"
        "2. Poe, E. (2020). Quuxformer: Tokens for Every Pixel. Journal of Made-Up Results, 3(2).\n"
    )

    assert lint(text, "VN101") == []


# --- VN106: within one file a warning, across files an info once a file ----------------------------------------


def test_vn106_within_one_file_is_a_warning() -> None:
    text = (
        "- [Frobnet](https://arxiv.org/abs/2401.01234)\n"
        "- [Quuxformer](https://arxiv.org/abs/2402.01234)\n"
        "- [Frobnet again](https://arxiv.org/abs/2401.01234)\n"
    )

    [finding] = lint(text, "VN106")

    assert (finding.line, finding.message) == (
        3,
        "'Frobnet again' has the same arXiv id 2401.01234 as 'Frobnet' at line 1",
    )
    assert RULES["VN106"].severity == "warning"


def test_vn106_a_pointer_without_a_name_and_a_footnote_are_no_second_entry() -> None:
    text = (
        "#### Frobnet: Seeing Through Fog\n\npaper link: [here](https://arxiv.org/pdf/2401.01234)\n\n"
        "#### Frobnet-2: Seeing Through Smoke\n\npaper link: [here](https://arxiv.org/pdf/2405.01234)\n\n"
        "updated version: [here](https://arxiv.org/pdf/2401.01234)\n\n"
        "Frobnet[^1] came first.\n\n[^1]: [Frobnet](https://arxiv.org/abs/2401.01234)\n"
    )

    assert lint(text, "VN106") == []


def test_vn106_across_files_is_an_info_once_a_file(here: Path, cli: Run) -> None:
    import json

    write_notes(
        here / "notes",
        {
            "a.md": "# A\n\n- [Frobnet](https://arxiv.org/abs/2401.01234)\n- [Frobnet, again](https://arxiv.org/abs/2401.01234)\n",
            "b.md": "# B\n\n- [Frobnet](https://arxiv.org/abs/2401.01234)\n",
        },
    )

    result = cli("lint", "notes", "--select", "VN106", "--format", "json")
    found = [(f["path"], f["line"], f["severity"], f["message"]) for f in json.loads(result.stdout)]

    assert found == [
        ("notes/a.md", 3, "info", "arXiv 2401.01234 also has an entry at notes/b.md:3"),
        ("notes/a.md", 4, "warning", "'Frobnet, again' has the same arXiv id 2401.01234 as 'Frobnet' at line 3"),
        ("notes/b.md", 3, "info", "arXiv 2401.01234 also has an entry at notes/a.md:3"),
    ]


def test_the_readme_rule_table_lists_every_rule_with_its_severity() -> None:
    from conftest import REPO

    readme = (REPO / "README.md").read_text("utf-8")
    rows = {m[0]: m[1] for m in re.findall(r"^\| (VN\d{3}) \| `[a-z\-]+` \| ([a-z, ]+) \|", readme, re.M)}

    assert sorted(rows) == sorted(RULES)
    for code, severity in rows.items():
        assert severity.startswith(RULES[code].severity), code
    assert rows["VN106"] == "warning, info across files"


# --- no false alarms on the shapes real notes have ----------------------------------------------------------


REAL_SHAPES = """\
---
title: "Notes: FrobNet and friends"
date: 2024-03-05
tags: [vlm, reading]
description: What I read in March: FrobNet, Quuxformer (2024-13 was a typo of mine).
---

# FrobNet and friends

## FrobNet

> [!NOTE] FrobNet
> **Arxiv** [2401.01234](https://arxiv.org/abs/2401.01234)
>
> **代码** [GitHub](https://github.com/example/frobnet)

<!-- a comment over lines: 2025-13-01, [](x), **unclosed
     and <box> stay unread here -->

| Model | Vision | LLM | Weights |
|---|---|---|---|
| FrobNet-7B | ViT-L/14 | Vicuna-7B | [hf](https://huggingface.co/example/frobnet-7b) |
| FrobNet-13B | ViT-L/14 | Vicuna-13B | [hf](https://huggingface.co/example/frobnet-13b) |

The loss is $\\mathcal{L} = -\\sum_i y_i^{**} \\log p_i$, with $a<box>b$ written as math, and \\\\( x^{**} \\\\) too.

$$
s^{**} = \\max_{j} s_j
$$

```python
# code: **bold, <box>, 2025-13-01, [](x), https://x.org（y）
print("Mon, 31 Feb 2025")
```

![figure](/images/frobnet.png) and ![logo]({{ site.baseurl }}/logo.png)

Quuxformer[^1] came a month later.

[^1]: [Quuxformer: Tokens for Every Pixel](https://arxiv.org/abs/2402.01234)
"""


def test_real_shapes_raise_no_false_alarm() -> None:
    found = [(f.code, f.line, f.message) for code in RULES if code != "VN001" for f in lint(REAL_SHAPES, code)]

    assert found == []


def test_vn101_a_model_table_row_of_a_paper_the_note_links() -> None:
    text = (
        "# Models\n\n- 2024.01 [FrobNet: Seeing Through Fog](https://arxiv.org/abs/2401.01234)\n\n## Checkpoints\n\n"
        "| Model | Params | Weights |\n|---|---|---|\n"
        "| FrobNet-7B | 7B | [hf](https://huggingface.co/example/frobnet-7b) |\n"
        "| QuuxNet-2B | 2B | [hf](https://huggingface.co/example/quuxnet-2b) |\n"
    )

    assert [f.message.split("'")[1] for f in lint(text, "VN101")] == ["QuuxNet-2B"]
