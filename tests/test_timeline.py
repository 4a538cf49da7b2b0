"""Views over many papers: the timeline in every format, `compare` and `stats`.

Grouping and the text formats are tested on small hand-made records; the commands run end to end on the
notes in tests/fixtures/search/ (14 papers, two of them undated, one titled `Less<More: Fewer Visual Tokens`).
"""

from __future__ import annotations

import html
import json
import re
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from conftest import assert_no_traceback, stderr_lines
from vlmnotes.cli import app
from vlmnotes.timeline import (
    STAT_FIELDS,
    Timeline,
    build_timeline,
    compare_md,
    stats,
    timeline_html,
    timeline_md,
    timeline_mermaid,
    timeline_svg,
)

FIXTURES = Path(__file__).parent / "fixtures" / "search"
ODD = "Less<More: Fewer Visual Tokens"
DATE_ORDER = [
    "ALBEF",
    "ViLT",
    "ALIGN",
    "CLIP",
    "FILIP",
    "BLIP",
    "Flamingo",
    "BLIP-2",
    "SigLIP",
    "LLaVA",
    "Qwen-VL",
    "Qwen2-VL",
    ODD,
    "Zorblax",
]

Vl = Callable[..., Result]


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One built copy of the fixture notes, shared by every test here (none of them changes it)."""
    root = tmp_path_factory.mktemp("timeline")
    shutil.copytree(FIXTURES, root / "notes")
    result = CliRunner().invoke(
        app, ["--notes", str(root / "notes"), "--kb", str(root / "kb"), "build"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    return root


@pytest.fixture
def vl(shared: Path) -> Vl:
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        argv = ["--notes", str(shared / "notes"), "--kb", str(shared / "kb"), *args]
        return runner.invoke(app, argv, catch_exceptions=False)

    return invoke


def ok(result: Result) -> str:
    assert result.exit_code == 0, result.output
    assert_no_traceback(result)
    return result.stdout


def labels(records: list[dict[str, Any]]) -> list[str]:
    return [r.get("name") or r.get("title") or r["id"] for r in records]


# --- grouping ---------------------------------------------------------------------------------------------------


def rec(name: str, date: str | None = None, **extra: Any) -> dict[str, Any]:
    record: dict[str, Any] = {"id": name.lower(), "name": name, **extra}
    if date:
        record["date"] = date
        record["year"] = int(date[:4])
    return record


RECORDS = [
    rec("Beta", "2022-03-01"),
    rec("NoDate"),
    rec("Alpha", "2021-07"),
    rec("YearOnly", "2021"),
    rec("Gamma", "2022-03-15"),
    rec("Delta", "2022-11-02"),
    rec("Epsilon", "2020-12-31"),
]


def shape(tl: Timeline) -> list[tuple[str, list[str]]]:
    return [(p.label, labels(p.records)) for p in tl.periods]


def test_by_year_groups_papers_in_date_order() -> None:
    tl = build_timeline(RECORDS)

    assert shape(tl) == [
        ("2020", ["Epsilon"]),
        ("2021", ["YearOnly", "Alpha"]),
        ("2022", ["Beta", "Gamma", "Delta"]),
    ]
    assert tl.years() == [2020, 2021, 2022]


def test_by_month_splits_each_year_and_keeps_year_only_dates_at_their_year() -> None:
    tl = build_timeline(RECORDS, "month")

    assert shape(tl) == [
        ("2020-12", ["Epsilon"]),
        ("2021", ["YearOnly"]),
        ("2021-07", ["Alpha"]),
        ("2022-03", ["Beta", "Gamma"]),
        ("2022-11", ["Delta"]),
    ]
    assert tl.years() == [2020, 2021, 2022]


def test_a_year_without_a_date_sits_at_its_year() -> None:
    tl = build_timeline([{"id": "x", "name": "X", "year": 2019}], "month")

    assert shape(tl) == [("2019", ["X"])]


def test_undated_papers_are_kept_at_the_end_never_dropped() -> None:
    tl = build_timeline(RECORDS)

    assert labels(tl.undated) == ["NoDate"]
    assert labels(tl.records()) == ["Epsilon", "YearOnly", "Alpha", "Beta", "Gamma", "Delta", "NoDate"]
    assert len(tl.records()) == len(RECORDS)


def test_only_undated_papers() -> None:
    tl = build_timeline([rec("A"), rec("B")])

    assert tl.periods == []
    assert labels(tl.undated) == ["A", "B"]


def test_no_papers() -> None:
    tl = build_timeline([])

    assert tl.periods == []
    assert tl.undated == []
    assert tl.records() == []


def test_papers_on_the_same_day_are_in_name_order() -> None:
    tl = build_timeline([rec("beta", "2023-01-30"), rec("Alpha", "2023-01-30")])

    assert labels(tl.records()) == ["Alpha", "beta"]


# --- text formats on hand-made records --------------------------------------------------------------------------

AWKWARD = [
    rec("Plain", "2021-02", orgs=["OpenAI"], components={"llm": ["OPT"]}),
    rec("Colon: Yes #1; two", "2021-05"),
    rec("A<B & C>D", "2022-01", links={"paper": "https://example.org/?a=1&b=2"}),
    {"id": "untitled-thing", "title": "Only: a title"},
]


def test_md_has_a_heading_a_year_and_a_bullet_a_paper() -> None:
    assert timeline_md(build_timeline(AWKWARD)) == (
        "# Timeline\n"
        "\n"
        "## 2021\n"
        "\n"
        "- 2021-02 **Plain** (OpenAI, OPT)\n"
        "- 2021-05 **Colon: Yes #1; two**\n"
        "\n"
        "## 2022\n"
        "\n"
        "- 2022-01 **[A\\<B & C>D](https://example.org/?a=1&b=2)**\n"  # `<` could start HTML
        "\n"
        "## Undated (1)\n"
        "\n"
        "- **Only: a title**\n"
    )


def _mermaid_events(text: str) -> list[list[str]]:
    """The event lines of a Mermaid timeline: [period, event, event, ...]."""
    return [line.strip().split(" : ") for line in text.splitlines() if line.startswith("        ")]


def _mermaid_shown(event: str) -> str:
    """An event as Mermaid shows it: its entity codes (`#lt;`, `#58;`) read as the characters they stand for."""
    return html.unescape(re.sub(r"#(\d+|[a-z]+);", lambda m: "&" + ("#" if m[1].isdigit() else "") + m[1] + ";", event))


def test_mermaid_is_a_timeline_with_a_section_a_year() -> None:
    text = timeline_mermaid(build_timeline(AWKWARD))
    lines = text.splitlines()

    assert lines[0] == "timeline"
    assert [line.strip() for line in lines if line.strip().startswith("section ")] == [
        "section 2021",
        "section 2022",
        "section undated",
    ]


def test_mermaid_keeps_colons_in_names_from_splitting_events() -> None:
    events = _mermaid_events(timeline_mermaid(build_timeline(AWKWARD)))

    assert [len(e) for e in events] == [3, 2, 2]  # 2021 has two papers; 2022 one; undated one
    for event in events:
        for part in event:
            assert ":" not in part
            assert re.fullmatch(r"(?:[^#]|#\w+;)*", part)  # every `#` starts an entity code
    assert events[0][0] == "2021"
    assert events[0][1] == "Plain"
    assert [_mermaid_shown(part) for event in events for part in event[1:]] == [
        "Plain",
        "Colon: Yes #1; two",
        "A<B & C>D",
        "Only: a title",
    ]


def test_mermaid_by_month_has_a_line_a_month() -> None:
    events = _mermaid_events(timeline_mermaid(build_timeline(AWKWARD, "month")))

    assert [e[0] for e in events] == ["2021-02", "2021-05", "2022-01", "?"]


def _svg_text(svg: str) -> str:
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    return " ".join("".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text"))


def test_svg_is_well_formed_and_names_every_paper() -> None:
    text = _svg_text(timeline_svg(build_timeline(AWKWARD)))

    for name in labels(AWKWARD):
        assert name in text
    assert "undated (1)" in text


class _Page(HTMLParser):
    """Collects a page's text and the tags that would fetch something from elsewhere."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.fetching: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if (tag == "link" and found.get("rel") == "stylesheet") or (tag == "img"):
            self.fetching.append(tag)
        if tag in ("iframe", "object", "embed") or (tag != "a" and found.get("src")):
            self.fetching.append(tag)
        if tag == "a" and found.get("href"):
            self.links.append(found["href"] or "")

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _page(html_text: str) -> _Page:
    page = _Page()
    page.feed(html_text)
    page.close()
    return page


def _papers(html_text: str) -> list[dict[str, Any]]:
    """The papers the page embeds as JSON for its script to draw."""
    found = re.search(r'<script type="application/json" id="timeline-data">(.*?)</script>', html_text, re.DOTALL)
    assert found is not None
    return list(json.loads(found[1])["papers"])


def test_html_is_one_self_contained_page() -> None:
    text = timeline_html(build_timeline(AWKWARD))
    page = _page(text)

    assert text.startswith("<!DOCTYPE html>")
    assert page.fetching == []  # no src, no stylesheet link, no image: the two scripts are inline
    assert re.findall(r"<script[^>]*>", text) == ['<script type="application/json" id="timeline-data">', "<script>"]
    assert "@import" not in text
    assert "url(" not in text.replace("url(#arrow-", "")


def test_html_escapes_names_and_links() -> None:
    text = timeline_html(build_timeline(AWKWARD))
    papers = _papers(text)

    assert "A\\u003cB \\u0026 C\\u003eD" in text
    assert "A<B" not in text
    assert [p["label"] for p in papers] == ["Plain", "Colon: Yes #1; two", "A<B & C>D", "Only: a title"]
    assert [p["links"] for p in papers] == [[], [], [["paper", "https://example.org/?a=1&b=2"]], []]


# --- timeline command -------------------------------------------------------------------------------------------


def test_timeline_json_is_every_record_in_date_order_undated_last(vl: Vl) -> None:
    records = json.loads(ok(vl("timeline", "--format", "json")))

    assert labels(records) == DATE_ORDER


def test_timeline_piped_is_a_line_a_paper(vl: Vl) -> None:
    lines = ok(vl("timeline")).splitlines()

    assert [line.split("\t")[1] for line in lines] == DATE_ORDER
    assert lines[0] == "2021\tALBEF\tSalesforce\t"
    assert lines[6] == "2022-04\tFlamingo\tGoogle DeepMind\tPerceiver Resampler"
    assert lines[-1] == "\tZorblax\t\t"


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (["--since", "2022"], ["FILIP", "BLIP", "Flamingo", "BLIP-2", "SigLIP", "LLaVA", "Qwen-VL", "Qwen2-VL"]),
        (["--until", "2021"], ["ALBEF", "ViLT", "ALIGN", "CLIP"]),
        (["--since", "2022", "--until", "2023"], ["FILIP", "BLIP", "Flamingo", "BLIP-2", "SigLIP", "LLaVA", "Qwen-VL"]),
        (["llm:Qwen"], ["Qwen-VL", "Qwen2-VL"]),
        (["org:Salesforce", "--since", "2022"], ["BLIP", "BLIP-2"]),
    ],
)
def test_timeline_selects_by_year_and_query(vl: Vl, options: list[str], expected: list[str]) -> None:
    assert labels(json.loads(ok(vl("timeline", "--format", "json", *options)))) == expected


def test_timeline_with_nothing_selected_exits_1(vl: Vl) -> None:
    result = vl("timeline", "--format", "json", "--since", "2030")

    assert result.exit_code == 1
    assert result.stdout == "[]\n"


def test_timeline_with_a_malformed_query_exits_2(vl: Vl) -> None:
    result = vl("timeline", "year:20xx")

    assert result.exit_code == 2
    assert stderr_lines(result) == [
        "error: query: year:20xx needs a number, e.g. year:2021, year:>=2021 or year:2021..2023 at column 1: year:20xx"
    ]


def test_timeline_md_counts_the_undated(vl: Vl) -> None:
    text = ok(vl("timeline", "--format", "md"))

    assert text.startswith("# Timeline\n\n## 2021\n\n- 2021 **ALBEF** (Salesforce)\n")
    assert [line for line in text.splitlines() if line.startswith("## ")] == [
        "## 2021",
        "## 2022",
        "## 2023",
        "## 2024",
        "## Undated (2)",
    ]
    assert text.endswith(
        "## Undated (2)\n\n- **Less\\<More: Fewer Visual Tokens** · [project](https://example.org/less-more)\n"
        "- **Zorblax**\n"
    )


def test_timeline_md_by_month(vl: Vl) -> None:
    text = ok(vl("timeline", "--format", "md", "--by", "month", "--until", "2021"))

    assert text == (
        "# Timeline\n"
        "\n"
        "## 2021\n"
        "\n"
        "- 2021 **ALBEF** (Salesforce)\n"
        "- 2021 **ViLT** (Kakao)\n"
        "\n"
        "### 2021-02\n"
        "\n"
        "- 2021-02-11 **[ALIGN](https://arxiv.org/abs/2102.05918)** (Google)\n"
        "- 2021-02-26 **[CLIP](https://arxiv.org/abs/2103.00020)** (OpenAI)\n"
    )


def test_timeline_mermaid(vl: Vl) -> None:
    text = ok(vl("timeline", "--format", "mermaid"))

    assert text.startswith("timeline\n")
    assert [line.strip() for line in text.splitlines() if line.strip().startswith("section ")] == [
        "section 2021",
        "section 2022",
        "section 2023",
        "section 2024",
        "section undated",
    ]
    events = _mermaid_events(text)
    assert [e[0] for e in events] == ["2021", "2022", "2023", "2024", "?"]
    assert [_mermaid_shown(n) for e in events for n in e[1:]] == DATE_ORDER


def test_timeline_svg_parses_and_names_every_paper(vl: Vl) -> None:
    text = _svg_text(ok(vl("timeline", "--format", "svg")))

    for name in DATE_ORDER:
        assert name in text
    assert "undated (2)" in text


def test_timeline_html_is_self_contained_and_names_every_paper(vl: Vl) -> None:
    text = ok(vl("timeline", "--format", "html"))
    page = _page(text)

    assert page.fetching == []
    assert [p["label"] for p in _papers(text)] == DATE_ORDER
    assert "Less\\u003cMore" in text
    assert "Less<More" not in text
    assert "Undated (2)" in "".join(page.text)


@pytest.mark.parametrize("fmt", ["json", "md", "mermaid", "svg", "html", "tree"])
def test_timeline_output_file_holds_what_stdout_would(vl: Vl, tmp_path: Path, fmt: str) -> None:
    target = tmp_path / "out" / f"timeline.{fmt}"

    result = vl("timeline", "--format", fmt, "-o", str(target))

    assert result.exit_code == 0
    assert result.stdout == ""
    assert stderr_lines(result) == [f"wrote {target}"]
    assert target.read_text("utf-8") == ok(vl("timeline", "--format", fmt))


def test_timeline_output_to_a_folder_is_one_clear_error(vl: Vl, tmp_path: Path) -> None:
    result = vl("timeline", "--format", "html", "-o", str(tmp_path))

    assert result.exit_code == 2
    assert stderr_lines(result) == [f"error: {tmp_path}: is a folder; give --output the name of a file"]
    assert_no_traceback(result)


# --- compare ----------------------------------------------------------------------------------------------------

CLIP_VS_BLIP2 = """\
| | CLIP | BLIP-2 |
|---|---|---|
| date | 2021-02-26 | 2023-01-30 |
| org | OpenAI | Salesforce |
| venue | — | — |
| arXiv | 2103.00020 | 2301.12597 |
| vision encoder | — | — |
| text encoder | — | — |
| LLM | — | OPT |
| connector | — | Q-Former |
| losses | — | — |
| architecture | dual-encoder | — |
| title | Learning Transferable Visual Models From Natural Language Supervision | BLIP-2: Bootstrapping \
Language-Image Pre-training with Frozen Image Encoders and Large Language Models |
"""


def test_compare_md(vl: Vl) -> None:
    assert ok(vl("compare", "--format", "md", "CLIP", "BLIP-2")) == CLIP_VS_BLIP2


def test_compare_piped_table_is_the_md_table(vl: Vl) -> None:
    assert ok(vl("compare", "CLIP", "BLIP-2")) == CLIP_VS_BLIP2


def test_compare_finds_papers_by_arxiv_id_and_any_case(vl: Vl) -> None:
    assert ok(vl("compare", "--format", "md", "2103.00020", "2301.12597")) == CLIP_VS_BLIP2


def test_compare_json_keeps_the_order_given(vl: Vl) -> None:
    records = json.loads(ok(vl("compare", "--format", "json", "Qwen2-VL", "LLaVA", "Flamingo")))

    assert labels(records) == ["Qwen2-VL", "LLaVA", "Flamingo"]
    assert records[1]["components"]["vision_encoder"] == ["ViT-L/14"]


def test_compare_md_escapes_pipes_and_shows_missing_values_as_a_dash() -> None:
    text = compare_md([rec("A|B", "2021", venue="X | Y"), rec("C")])

    assert text.splitlines()[0] == "| | A\\|B | C |"
    assert "| venue | X \\| Y | — |" in text.splitlines()


def test_compare_needs_two_papers(vl: Vl) -> None:
    result = vl("compare", "CLIP")

    assert result.exit_code == 2
    assert stderr_lines(result) == ["error: compare needs two or more papers, e.g. vlmnotes compare BLIP-2 Qwen-VL"]
    assert result.stdout == ""


def test_compare_with_an_unknown_name_exits_1(vl: Vl) -> None:
    result = vl("compare", "CLIP", "Nonesuch")

    assert result.exit_code == 1
    assert stderr_lines(result) == ["error: no paper matches 'Nonesuch'; `vlmnotes list` shows every paper"]
    assert result.stdout == ""


def test_compare_with_a_typo_suggests_names(vl: Vl) -> None:
    result = vl("compare", "CLIPP", "BLIP-2")

    assert result.exit_code == 1
    assert stderr_lines(result) == ["error: no paper matches 'CLIPP'; did you mean CLIP, BLIP, FILIP?"]


# --- stats ------------------------------------------------------------------------------------------------------


def test_stats_json_counts_every_paper(vl: Vl) -> None:
    counts = json.loads(ok(vl("stats", "--format", "json")))

    assert list(counts) == list(STAT_FIELDS)
    assert counts["year"] == {"2021": 4, "2022": 3, "2023": 4, "2024": 1, "(none)": 2}
    assert counts["orgs"] == {
        "Salesforce": 3,
        "Alibaba": 2,
        "Google": 1,
        "Google DeepMind": 1,
        "Huawei": 1,
        "Kakao": 1,
        "Microsoft": 1,
        "OpenAI": 1,
        "(none)": 3,
    }
    assert counts["vision_encoder"] == {"ViT": 1, "ViT-L/14": 1, "(none)": 12}
    assert counts["llm"] == {"OPT": 1, "Qwen-7B": 1, "Qwen2-7B": 1, "Vicuna": 1, "(none)": 10}
    assert counts["connector"] == {
        "Perceiver Resampler": 1,
        "Q-Former": 1,
        "cross-attention adapter": 1,
        "linear projection": 1,
        "(none)": 10,
    }
    assert sum(counts["year"].values()) == len(DATE_ORDER)


def test_stats_of_a_query(vl: Vl) -> None:
    counts = json.loads(ok(vl("stats", "--format", "json", "org:Salesforce")))

    assert counts["year"] == {"2021": 1, "2022": 1, "2023": 1}
    assert counts["orgs"] == {"Salesforce": 3}


def test_stats_md_has_a_heading_a_field(vl: Vl) -> None:
    text = ok(vl("stats", "--format", "md", "llm:Qwen"))

    assert text.startswith("## year\n\n- 2023: 1\n- 2024: 1\n\n## orgs\n\n- Alibaba: 2\n")
    assert [line for line in text.splitlines() if line.startswith("## ")] == [f"## {f}" for f in STAT_FIELDS]


def test_stats_piped_is_field_value_count(vl: Vl) -> None:
    lines = ok(vl("stats", "llm:Qwen")).splitlines()

    assert lines[:3] == ["year\t2023\t1", "year\t2024\t1", "orgs\tAlibaba\t2"]
    assert all(line.count("\t") == 2 for line in lines)


def test_stats_with_nothing_selected_exits_1(vl: Vl) -> None:
    assert vl("stats", "--format", "json", "year:1999").exit_code == 1


def test_stats_orders_years_in_order_and_the_rest_most_common_first() -> None:
    records = [
        rec("A", "2023", orgs=["Meta"]),
        rec("B", "2021", orgs=["Meta", "Google"]),
        rec("C", orgs=["Google", "Google"]),
        rec("D", "2022", orgs=["Meta"]),
    ]

    counts = stats(records)

    assert counts["year"] == [("2021", 1), ("2022", 1), ("2023", 1), ("(none)", 1)]
    assert counts["orgs"] == [("Meta", 3), ("Google", 2)]  # a paper counts once however often it names one
    assert counts["llm"] == [("(none)", 4)]
