"""`search` and `list` end to end: ranking, Chinese and full-width text, fields, filters, formats, exit codes, and
the index file that makes them fast.

The notes are tests/fixtures/search/ (14 papers in three styles: dated bullets, a checklist, Chinese review cards),
copied into a temporary folder. Tests that only read share one built copy; tests that edit a note or damage the
index get their own.
"""

from __future__ import annotations

import csv
import io
import json
import os
import random
import shutil
import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import jsonschema
import pytest
import yaml
from typer.testing import CliRunner, Result

from conftest import assert_no_traceback, edit, stderr_lines
from vlmnotes.cli import app
from vlmnotes.model import paper_json_schema

FIXTURES = Path(__file__).parent / "fixtures" / "search"
INDEX = ".vlmnotes.sqlite"
EVERY_PAPER = 14
# Every paper in date order; the two undated ones (a title without a name, and Zorblax) come last.
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
    "Less<More: Fewer Visual Tokens",
    "Zorblax",
]

Vl = Callable[..., Result]


def _copy_notes(root: Path) -> Path:
    shutil.copytree(FIXTURES, root / "notes")
    return root


def _runner(root: Path) -> Vl:
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        argv = ["--notes", str(root / "notes"), "--kb", str(root / "kb"), *args]
        return runner.invoke(app, argv, catch_exceptions=False)

    return invoke


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One built copy of the notes for the tests that only read."""
    root = _copy_notes(tmp_path_factory.mktemp("search"))
    result = _runner(root)("build")
    assert result.exit_code == 0, result.output
    return root


@pytest.fixture
def vl(shared: Path) -> Vl:
    """Invoke a command on the shared notes: vl("search", "CLIP")."""
    return _runner(shared)


@pytest.fixture
def own(tmp_path: Path) -> Path:
    """A private, unbuilt copy of the notes, for tests that change notes or the index."""
    return _copy_notes(tmp_path)


def labels(result: Result) -> list[str]:
    """The papers in a `--format json` answer, by name (or title when a paper has no name), in order."""
    return [r.get("name") or r.get("title") for r in json.loads(result.stdout)]


def found(vl: Vl, command: str, *args: str) -> list[str]:
    """The papers a successful command prints with `--format json`."""
    result = vl(command, "--format", "json", *args)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    return labels(result)


def search(vl: Vl, query: str) -> list[str]:
    return found(vl, "search", "--limit", "100", "--", query)


def paper_count(index: Path) -> int:
    with closing(sqlite3.connect(index)) as con:
        return int(con.execute("SELECT count(*) FROM papers").fetchone()[0])


# --- ranking ----------------------------------------------------------------------------------------------------


def test_an_exact_name_ranks_first_then_papers_that_mention_or_build_on_it(vl: Vl) -> None:
    names = search(vl, "CLIP")

    assert names[0] == "CLIP"
    assert "LLaVA" in names  # builds on CLIP
    assert "ALIGN" in names  # runs the CLIP recipe
    assert "FILIP" in names  # compares itself with CLIP
    assert not {"BLIP", "BLIP-2", "Qwen-VL", "Flamingo"} & set(names)


def test_a_hyphenated_name_ranks_first(vl: Vl) -> None:
    assert search(vl, "blip-2")[0] == "BLIP-2"


def test_the_name_of_the_predecessor_ranks_it_first(vl: Vl) -> None:
    names = search(vl, "BLIP")

    assert names[0] == "BLIP"
    assert "BLIP-2" in names


def test_a_prefix_finds_every_name_it_starts(vl: Vl) -> None:
    assert sorted(search(vl, "BLI")) == ["BLIP", "BLIP-2"]


def test_case_does_not_matter(vl: Vl) -> None:
    assert search(vl, "clip") == search(vl, "CLIP")
    assert search(vl, "cLiP")[0] == "CLIP"


def test_full_width_letters_find_the_ascii_name(vl: Vl) -> None:
    assert search(vl, "ＣＬＩＰ") == search(vl, "CLIP")


def test_a_two_character_chinese_query_finds_the_note_that_uses_it(vl: Vl) -> None:
    names = search(vl, "双流")

    assert "FILIP" in names
    assert not {"BLIP-2", "Qwen-VL", "ALBEF"} & set(names)


def test_a_four_character_chinese_query_finds_the_note_that_uses_it(vl: Vl) -> None:
    assert search(vl, "对比学习")[0] == "ALBEF"


def test_an_arxiv_url_finds_its_paper(vl: Vl) -> None:
    assert search(vl, "https://arxiv.org/abs/2103.00020")[0] == "CLIP"


# --- fields and operators ---------------------------------------------------------------------------------------


def test_org_finds_only_that_organisation(vl: Vl) -> None:
    result = vl("search", "--format", "json", "org:Salesforce")

    assert result.exit_code == 0
    assert sorted(labels(result)) == ["ALBEF", "BLIP", "BLIP-2"]
    assert all(r["orgs"] == ["Salesforce"] for r in json.loads(result.stdout))


def test_org_matches_an_alias_of_the_organisation(vl: Vl) -> None:
    assert search(vl, "org:DeepMind") == ["Flamingo"]


def test_llm_finds_both_generations_of_qwen(vl: Vl) -> None:
    names = search(vl, "llm:Qwen")

    assert sorted(names) == ["Qwen-VL", "Qwen2-VL"]
    assert "CLIP" not in names


def test_llm_with_a_version_finds_that_version_only(vl: Vl) -> None:
    assert search(vl, "llm:Qwen2") == ["Qwen2-VL"]


@pytest.mark.parametrize("query", ["arch:dual-encoder", "arch:双塔", "arch:双流", 'arch:"two tower"'])
def test_arch_finds_the_dual_encoder_papers_by_any_of_its_names(vl: Vl, query: str) -> None:
    # ViLT's note calls it 单流 (single stream): the opposite of a dual encoder.
    assert sorted(search(vl, query)) == ["CLIP", "FILIP"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("encoder:ViT-L/14", ["LLaVA"]),
        ("vision-encoder:ViT-L/14", ["LLaVA"]),
        ("connector:Q-Former", ["BLIP-2"]),
        ("connector:QFormer", ["BLIP-2"]),
        ("loss:ITC", ["ALBEF"]),
        ("loss:sigmoid", ["SigLIP"]),
        ("venue:ICLR", ["FILIP"]),
        ("title:Instruction", ["LLaVA"]),
        ("name:Flamingo", ["Flamingo"]),
        ('tag:"Odd titles"', ["Less<More: Fewer Visual Tokens"]),
        ("status:read", ["Qwen-VL", "Qwen2-VL"]),
        ("arxiv:2103.00020", ["CLIP"]),
        ("arxiv:2103.00020v2", ["CLIP"]),
        ("id:2107.07651", ["ALBEF"]),
        ("citations:>1000", ["ALBEF", "Flamingo", "ViLT"]),
        ("year:2024", ["Qwen2-VL"]),
        ("year:>=2023", ["BLIP-2", "LLaVA", "Qwen-VL", "Qwen2-VL", "SigLIP"]),
        ("year:<2022", ["ALBEF", "ALIGN", "CLIP", "ViLT"]),
        ("year:2022..2022", ["BLIP", "FILIP", "Flamingo"]),
        ("org:Salesforce year:2021..2022", ["ALBEF", "BLIP"]),
    ],
)
def test_a_field_query(vl: Vl, query: str, expected: list[str]) -> None:
    assert sorted(search(vl, query)) == expected


def test_text_encoder_with_no_such_component_finds_nothing(vl: Vl) -> None:
    result = vl("search", "text-encoder:BERT")

    assert result.exit_code == 1


def test_or_finds_either(vl: Vl) -> None:
    assert sorted(search(vl, "BLIP OR Flamingo")) == ["BLIP", "BLIP-2", "Flamingo"]


def test_parentheses_group_an_or(vl: Vl) -> None:
    assert sorted(search(vl, "(BLIP OR Flamingo) year:2022")) == ["BLIP", "Flamingo"]


@pytest.mark.parametrize("query", ["CLIP -LLaVA", "CLIP NOT LLaVA", "CLIP AND NOT LLaVA"])
def test_leaving_a_paper_out(vl: Vl, query: str) -> None:
    names = search(vl, query)

    assert names[0] == "CLIP"
    assert "LLaVA" not in names
    assert "ALIGN" in names


def test_a_query_of_only_exclusions_lists_the_rest_by_date(vl: Vl) -> None:
    names = search(vl, "-org:Salesforce")

    assert names == [n for n in DATE_ORDER if n not in ("ALBEF", "BLIP", "BLIP-2")]


# --- list and its filters ---------------------------------------------------------------------------------------


def test_list_shows_every_paper_oldest_first_and_undated_last(vl: Vl) -> None:
    assert found(vl, "list") == DATE_ORDER


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (["--org", "Salesforce"], ["ALBEF", "BLIP", "BLIP-2"]),
        (["--org", "阿里"], ["Qwen-VL", "Qwen2-VL"]),
        (["--year", "2022"], ["FILIP", "BLIP", "Flamingo"]),
        (["--since", "2023"], ["BLIP-2", "SigLIP", "LLaVA", "Qwen-VL", "Qwen2-VL"]),
        (["--until", "2021"], ["ALBEF", "ViLT", "ALIGN", "CLIP"]),
        (["--since", "2022", "--until", "2022"], ["FILIP", "BLIP", "Flamingo"]),
        (["--llm", "Qwen"], ["Qwen-VL", "Qwen2-VL"]),
        (["--llm", "Vicuna"], ["LLaVA"]),
        (["--encoder", "ViT-L/14"], ["LLaVA"]),
        (["--tag", "Large multimodal models"], ["SigLIP", "Qwen-VL", "Qwen2-VL", "Zorblax"]),
        (["--tag", "精读卡片"], ["ALBEF", "ViLT", "FILIP", "Flamingo"]),
        (["--org", "Salesforce", "--since", "2022"], ["BLIP", "BLIP-2"]),
        (["org:Salesforce", "--until", "2022"], ["ALBEF", "BLIP"]),
        (["--org", "Alibaba", "--llm", "Qwen2"], ["Qwen2-VL"]),
    ],
)
def test_list_filters(vl: Vl, options: list[str], expected: list[str]) -> None:
    assert found(vl, "list", *options) == expected


def test_list_sorted_by_name(vl: Vl) -> None:
    assert found(vl, "list", "--sort", "name") == [
        "ALBEF",
        "ALIGN",
        "BLIP",
        "BLIP-2",
        "CLIP",
        "FILIP",
        "Flamingo",
        "Less<More: Fewer Visual Tokens",  # sorted by its id, less-more-fewer-visual-tokens
        "LLaVA",
        "Qwen-VL",
        "Qwen2-VL",
        "SigLIP",
        "ViLT",
        "Zorblax",
    ]


def test_list_sorted_by_date_is_the_default(vl: Vl) -> None:
    assert found(vl, "list", "--sort", "date") == found(vl, "list")


def test_list_sorted_by_citations_puts_the_most_cited_first(vl: Vl) -> None:
    names = found(vl, "list", "--sort", "citations")

    assert names[:4] == ["Flamingo", "ALBEF", "ViLT", "FILIP"]
    assert len(names) == EVERY_PAPER


def test_list_limit_keeps_the_first_papers_and_says_how_many_it_left_out(vl: Vl) -> None:
    cut = vl("list", "--format", "json", "--limit", "3")
    assert (cut.exit_code, labels(cut)) == (0, DATE_ORDER[:3])
    assert cut.stderr == f"3 of {len(DATE_ORDER)} papers (--limit to see more)\n"
    by_citations = vl("list", "--format", "json", "--sort", "citations", "--limit", "2")
    assert labels(by_citations) == ["Flamingo", "ALBEF"]
    assert by_citations.stderr == f"2 of {len(DATE_ORDER)} papers (--limit to see more)\n"
    assert found(vl, "list", "--limit", str(len(DATE_ORDER))) == DATE_ORDER  # nothing left out, nothing said


def test_search_limit_keeps_the_best_and_says_how_many_it_left_out(vl: Vl) -> None:
    cut = vl("search", "--format", "json", "--limit", "1", "CLIP")
    assert labels(cut) == ["CLIP"]
    assert cut.stderr == f"1 of {len(search(vl, 'CLIP'))} papers (--limit to see more)\n"


def test_search_can_sort_by_date_instead_of_relevance(vl: Vl) -> None:
    assert found(vl, "search", "--sort", "date", "BLI") == ["BLIP", "BLIP-2"]
    assert found(vl, "search", "--sort", "name", "llm:Qwen") == ["Qwen-VL", "Qwen2-VL"]


@pytest.mark.parametrize("args", [["list", "--limit", "0"], ["search", "--limit", "0", "CLIP"]])
def test_a_limit_below_one_is_a_usage_error(vl: Vl, args: list[str]) -> None:
    result = vl(*args)

    assert result.exit_code == 2
    assert result.stdout == ""


# --- exit codes -------------------------------------------------------------------------------------------------


def test_search_with_results_exits_0(vl: Vl) -> None:
    result = vl("search", "CLIP")

    assert result.exit_code == 0
    assert result.stderr == ""


def test_search_with_nothing_found_exits_1_and_prints_an_empty_array(vl: Vl) -> None:
    result = vl("search", "--format", "json", "zebracorn")

    assert result.exit_code == 1
    assert result.stdout == "[]\n"
    assert result.stderr == "no papers match 'zebracorn'\n"


def test_list_with_a_filter_that_selects_nothing_exits_1(vl: Vl) -> None:
    result = vl("list", "--format", "json", "--org", "Nobody Inc")

    assert result.exit_code == 1
    assert result.stdout == "[]\n"
    assert result.stderr == "no papers match --org 'Nobody Inc'\n"


@pytest.mark.parametrize(
    ("query", "line"),
    [
        ('"unbalanced', 'error: query: unclosed quote at column 1: "unbalanced; add the closing "'),
        (
            "year:>=abc",
            "error: query: year:>=abc needs a number, e.g. year:2021, year:>=2021 or year:2021..2023"
            " at column 1: year:>=abc",
        ),
        (
            "year:2023..2021",
            "error: query: year:2023..2021 is an empty range; write the smaller number first at column 1:"
            " year:2023..2021",
        ),
        ("CLIP yaer:2021", "error: query: unknown field 'yaer' (did you mean 'year:'?) at column 6: CLIP yaer:2021"),
        ("AND OR NOT (", "error: query: 'AND' needs a term before it at column 1: AND OR NOT ("),
        ("(", "error: query: a term is missing at the end: ("),
        (")", "error: query: ')' has no '(' to close at column 1: )"),
        ("()", "error: query: empty '( )' at column 1: ()"),
        ("NOT", "error: query: 'NOT' needs a term after it at column 1: NOT"),
        ("a OR", "error: query: 'OR' needs a term after it at column 3: a OR"),
        ("-", "error: query: nothing to search for in '-'; use letters or digits"),
        ('"/"', "error: query: nothing to search for in '/'; use letters or digits"),
        ("*", "error: query: nothing to search for in '*'; use letters or digits"),
        ("name:-", "error: query: nothing to search for in '-'; use letters or digits"),
        ('""', "error: query: nothing to search for in ''; use letters or digits"),
        ("CLIP !", "error: query: nothing to search for in '!'; use letters or digits"),
        (
            '"); DROP TABLE papers; --',
            'error: query: unclosed quote at column 1: "); DROP TABLE papers; --; add the closing "',
        ),
    ],
)
@pytest.mark.parametrize("command", ["search", "list"])
def test_a_malformed_query_exits_2_with_one_error_line(vl: Vl, command: str, query: str, line: str) -> None:
    result = vl(command, "--", query)

    assert result.exit_code == 2
    assert stderr_lines(result) == [line]
    assert result.stdout == ""
    assert_no_traceback(result)


def test_an_empty_search_is_a_usage_error(vl: Vl) -> None:
    result = vl("search", "")

    assert result.exit_code == 2
    assert stderr_lines(result) == ['error: query: empty query; give a word, a "phrase" or a field such as year:2021']
    assert result.stdout == ""


def test_search_without_a_query_is_a_usage_error(vl: Vl) -> None:
    result = vl("search")

    assert result.exit_code == 2
    assert "Missing argument" in result.stderr


# --- hostile input: never an sqlite error, never a traceback -----------------------------------------------------


def _assert_clean(result: Result) -> None:
    """Results (0), nothing (1), or one `error: query:` line (2); nothing else."""
    assert_no_traceback(result)
    assert result.exit_code in (0, 1, 2), result.output
    if result.exit_code == 2:
        assert len(stderr_lines(result)) == 1
        assert result.stderr.startswith("error: query: ")
    else:
        assert result.stderr == "" if result.exit_code == 0 else result.stderr.startswith("no papers match '")
        assert len(stderr_lines(result)) <= 1
    assert "sqlite" not in result.stderr.lower()


@pytest.mark.parametrize(
    "query",
    [
        "NEAR(a b)",
        "NEAR(CLIP BLIP, 2)",
        "a*",
        "CLIP*",
        "^CLIP",
        "title:x OR 1=1",
        '"); DROP TABLE papers; --',
        '" OR 1=1 --"',
        "'; DROP TABLE papers; --",
        "CLIP'); DELETE FROM papers; --",
        "names : CLIP",
        "{names title} : CLIP",
        "CLIP NEAR/2 BLIP",
        "x\\",
        "fts MATCH 'a'",
        "\x00",
        "😀",
        "\u202e",
    ],
)
def test_fts5_and_sql_syntax_is_searched_as_text_or_refused(shared: Path, vl: Vl, query: str) -> None:
    _assert_clean(vl("search", "--", query))
    _assert_clean(vl("list", "--", query))

    assert paper_count(shared / "kb" / INDEX) == EVERY_PAPER


def test_a_star_is_not_an_fts_wildcard_for_everything(vl: Vl) -> None:
    result = vl("search", "--format", "json", "--", "CLIP*")

    assert result.exit_code == 0
    assert labels(result)[0] == "CLIP"
    assert len(labels(result)) < EVERY_PAPER


@pytest.mark.parametrize("joiner", [" ", " OR "], ids=["and", "or"])
def test_a_ten_thousand_word_query_is_answered_or_refused_cleanly(vl: Vl, joiner: str) -> None:
    query = joiner.join(f"w{i}" for i in range(10_000))

    _assert_clean(vl("search", query))


@pytest.mark.parametrize(
    "query",
    ["(" * 1000 + "CLIP" + ")" * 1000, "NOT " * 999 + "CLIP"],
    ids=["1000-nested-parentheses", "999-nots"],
)
def test_deep_nesting_is_answered_or_refused_cleanly(vl: Vl, query: str) -> None:
    # A RecursionError escaping from here is a bug to fix, not a case to skip.
    result = vl("search", "--format", "json", query)

    _assert_clean(result)
    if result.exit_code == 0 and query.startswith("("):
        assert labels(result)[0] == "CLIP"


# --- output formats ---------------------------------------------------------------------------------------------

QUERIES = {"search": ["search", "CLIP"], "list": ["list", "--org", "Salesforce"]}


def _ids(vl: Vl, command: str) -> list[str]:
    result = vl(*QUERIES[command], "--format", "json")
    assert result.exit_code == 0
    return [r["id"] for r in json.loads(result.stdout)]


@pytest.mark.parametrize("command", list(QUERIES))
def test_json_is_an_array_of_records_in_the_schema(vl: Vl, command: str) -> None:
    result = vl(*QUERIES[command], "--format", "json")

    assert result.exit_code == 0
    records = json.loads(result.stdout)
    assert isinstance(records, list)
    assert records
    schema = paper_json_schema()
    for record in records:
        jsonschema.validate(record, schema)
        assert set(record) <= set(schema["properties"])


def test_search_json_is_best_first(vl: Vl) -> None:
    result = vl("search", "--format", "json", "CLIP")

    first = json.loads(result.stdout)[0]
    assert first["id"] == "2103.00020"
    assert first["name"] == "CLIP"
    assert first["orgs"] == ["OpenAI"]


def test_list_json_is_oldest_first(vl: Vl) -> None:
    assert _ids(vl, "list") == ["2107.07651", "2201.12086", "2301.12597"]


@pytest.mark.parametrize("command", list(QUERIES))
def test_yaml_is_one_document_a_record_in_the_same_order(vl: Vl, command: str) -> None:
    result = vl(*QUERIES[command], "--format", "yaml")

    assert result.exit_code == 0
    assert result.stdout.startswith("---\nid: ")
    docs = list(yaml.safe_load_all(result.stdout))
    assert [d["id"] for d in docs] == _ids(vl, command)


@pytest.mark.parametrize("command", list(QUERIES))
def test_csv_has_a_header_row_then_a_row_a_paper(vl: Vl, command: str) -> None:
    result = vl(*QUERIES[command], "--format", "csv")

    assert result.exit_code == 0
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == ["id", "name", "year", "date", "orgs", "venue", "arxiv_id", "title"]
    assert [r[0] for r in rows[1:]] == _ids(vl, command)
    assert all(len(r) == 8 for r in rows)


def test_csv_row_of_clip(vl: Vl) -> None:
    rows = list(csv.reader(io.StringIO(vl("search", "--format", "csv", "CLIP").stdout)))

    assert rows[1] == [
        "2103.00020",
        "CLIP",
        "2021",
        "2021-02-26",
        "OpenAI",
        "",
        "2103.00020",
        "Learning Transferable Visual Models From Natural Language Supervision",
    ]


@pytest.mark.parametrize("command", list(QUERIES))
def test_md_is_a_table(vl: Vl, command: str) -> None:
    result = vl(*QUERIES[command], "--format", "md")

    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[:2] == ["| name | year | org | venue | title |", "| --- | --- | --- | --- | --- |"]
    assert len(lines) == 2 + len(_ids(vl, command))
    assert all(line.startswith("| ") and line.endswith(" |") for line in lines)


def test_md_links_the_title_to_the_paper(vl: Vl) -> None:
    lines = vl("search", "--format", "md", "CLIP").stdout.splitlines()

    assert lines[2] == (
        "| CLIP | 2021 | OpenAI |  | [Learning Transferable Visual Models From Natural Language Supervision]"
        "(https://arxiv.org/abs/2103.00020) |"
    )


def test_md_leaves_a_title_without_link_plain(vl: Vl) -> None:
    lines = vl("list", "--format", "md", "--org", "Kakao").stdout.splitlines()

    assert lines[2:] == [
        "| ViLT | 2021 | Kakao | ICML 2021 | ViLT: Vision-and-Language Transformer Without Convolution or"
        " Region Supervision |"
    ]


@pytest.mark.parametrize("command", list(QUERIES))
def test_a_piped_table_is_tab_separated_with_a_header(vl: Vl, command: str) -> None:
    result = vl(*QUERIES[command])

    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "id\tname\tdate\torgs\tvenue\ttitle"
    assert [line.split("\t")[0] for line in lines[1:]] == _ids(vl, command)
    assert all(line.count("\t") == 5 for line in lines)


def test_a_piped_search_line(vl: Vl) -> None:
    lines = vl("search", "CLIP").stdout.splitlines()

    assert lines[1] == (
        "2103.00020\tCLIP\t2021-02-26\tOpenAI\t\tLearning Transferable Visual Models From Natural Language Supervision"
    )


def test_formats_agree_on_the_papers_found(vl: Vl) -> None:
    ids = _ids(vl, "search")
    csv_ids = [r[0] for r in list(csv.reader(io.StringIO(vl("search", "-f", "csv", "CLIP").stdout)))[1:]]
    tsv_ids = [line.split("\t")[0] for line in vl("search", "CLIP").stdout.splitlines()[1:]]
    yaml_ids = [d["id"] for d in yaml.safe_load_all(vl("search", "-f", "yaml", "CLIP").stdout)]

    assert ids == csv_ids == tsv_ids == yaml_ids


# --- the index file ---------------------------------------------------------------------------------------------


def _bump(path: Path) -> None:
    """Move a file's time forward, as a later save by an editor would."""
    later = path.stat().st_mtime_ns + 2_000_000_000
    os.utime(path, ns=(later, later))


def _mark(index: Path) -> None:
    """Leave a row in the index that only survives if the file is updated rather than rebuilt."""
    with closing(sqlite3.connect(index)) as con, con:
        con.execute("INSERT INTO meta VALUES ('test-marker', 'kept')")


def _marked(index: Path) -> bool:
    with closing(sqlite3.connect(index)) as con:
        return con.execute("SELECT count(*) FROM meta WHERE key = 'test-marker'").fetchone()[0] == 1


def test_search_creates_the_index_file(own: Path) -> None:
    index = own / "kb" / INDEX
    assert not index.exists()

    result = _runner(own)("search", "CLIP")

    assert result.exit_code == 0
    assert index.is_file()
    assert paper_count(index) == EVERY_PAPER


def test_a_paper_added_to_a_note_is_found_by_the_next_search(own: Path) -> None:
    vl = _runner(own)
    assert vl("search", "InternVL").exit_code == 1
    index = own / "kb" / INDEX
    _mark(index)
    note = own / "notes" / "checklist.md"
    note.write_text(
        note.read_text("utf-8") + "- [x] [InternVL](https://arxiv.org/abs/2312.14238) - a six-billion ViT\n", "utf-8"
    )
    _bump(note)

    assert search(vl, "InternVL") == ["InternVL"]
    assert paper_count(index) == EVERY_PAPER + 1
    assert _marked(index), "the index was rebuilt from scratch instead of updated"


def test_an_edited_note_is_searched_as_edited(own: Path) -> None:
    vl = _runner(own)
    assert search(vl, "CLIP")[0] == "CLIP"
    index = own / "kb" / INDEX
    _mark(index)

    edit(own / "notes" / "dated.md", "ALIGN (Google) runs", "ALIGN (Google) uses EfficientNet and runs")

    assert search(vl, "EfficientNet") == ["ALIGN"]
    assert _marked(index), "the index was rebuilt from scratch instead of updated"


def test_a_paper_removed_from_the_notes_is_no_longer_found(own: Path) -> None:
    vl = _runner(own)
    assert search(vl, "Zorblax") == ["Zorblax"]

    edit(own / "notes" / "checklist.md", "- [ ] Zorblax\n", "")

    assert vl("search", "Zorblax").exit_code == 1
    assert paper_count(own / "kb" / INDEX) == EVERY_PAPER - 1


def test_a_deleted_index_is_rebuilt_silently(own: Path) -> None:
    vl = _runner(own)
    before = search(vl, "CLIP")
    index = own / "kb" / INDEX
    index.unlink()

    assert search(vl, "CLIP") == before
    assert paper_count(index) == EVERY_PAPER


def _garbage(kind: str) -> bytes:
    return {
        "random": random.Random(20210226).randbytes(16_384),
        "text": b"this is not a database at all\n" * 40,
        "empty": b"",
        "fake-header": b"SQLite format 3\x00" + b"\xff" * 8_000,
    }[kind]


@pytest.mark.parametrize("kind", ["random", "text", "empty", "fake-header"])
def test_an_index_overwritten_with_garbage_is_rebuilt_silently(own: Path, kind: str) -> None:
    vl = _runner(own)
    before = search(vl, "CLIP")
    index = own / "kb" / INDEX
    index.write_bytes(_garbage(kind))

    assert search(vl, "CLIP") == before
    assert paper_count(index) == EVERY_PAPER


def test_an_index_whose_data_pages_are_garbage_is_rebuilt_silently(own: Path) -> None:
    """The header, the schema and the bookkeeping table are intact; the papers and the text index are not."""
    vl = _runner(own)
    before = search(vl, "CLIP")
    index = own / "kb" / INDEX
    with closing(sqlite3.connect(index)) as con:
        page_size = con.execute("PRAGMA page_size").fetchone()[0]
        keep = max(page for (page,) in con.execute("SELECT rootpage FROM sqlite_master WHERE tbl_name = 'meta'"))
    data = index.read_bytes()
    assert len(data) > keep * page_size
    index.write_bytes(data[: keep * page_size] + b"\xab" * (len(data) - keep * page_size))

    assert search(vl, "CLIP") == before
    assert paper_count(index) == EVERY_PAPER
