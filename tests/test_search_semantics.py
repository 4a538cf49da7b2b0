"""Search means what the user means (issue 10, item 6): `name:` compares whole names, a phrase never runs from one
value into the next, a number is never a prefix, a query may start with a minus, `org:` and `venue:` values go
through the vocabulary the notes go through, and `show` takes the start of a name.

The notes are eight papers written here: dated bullets and one Chinese review card that writes `NIPS`.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from conftest import Run, assert_no_traceback, stderr_lines, write_notes
from vlmnotes.cli import app
from vlmnotes.index import search as run_search
from vlmnotes.query import parse_query

READING_MD = """\
# Reading list

- Fri, 26 Feb 2021 [Learning Transferable Visual Models From Natural Language Supervision](https://arxiv.org/abs/2103.00020)
  - CLIP (OpenAI), contrastive image and text towers
- Thu, 11 Feb 2021 [Scaling Up Visual and Vision-Language Representation Learning With Noisy Text Supervision](https://arxiv.org/abs/2102.05918)
  - ALIGN (Google), noisy alt-text pairs
- Fri, 29 Apr 2022 [Flamingo: a Visual Language Model for Few-Shot Learning](https://arxiv.org/abs/2204.14198)
  - Flamingo (DeepMind), a frozen language model reads interleaved images
- Fri, 28 Jan 2022 [BLIP: Bootstrapping Language-Image Pre-training for Unified Vision-Language Understanding and Generation](https://arxiv.org/abs/2201.12086)
  - BLIP (Salesforce), captions and filters its own web data
- Mon, 30 Jan 2023 [BLIP-2: Bootstrapping Language-Image Pre-training with Frozen Image Encoders and Large Language Models](https://arxiv.org/abs/2301.12597)
  - BLIP-2 (Salesforce), a Q-Former between a frozen image encoder and a frozen LLM
- Thu, 27 Apr 2023 [mPLUG-Owl: Modularization Empowers Large Language Models with Multimodality](https://arxiv.org/abs/2304.14178)
  - mPLUG-Owl (Alibaba), a visual abstractor
- Mon, 7 Nov 2023 [mPLUG-Owl2: Revolutionizing Multi-modal Large Language Model with Modality Collaboration](https://arxiv.org/abs/2311.04257)
  - mPLUG-Owl2 (Alibaba), modality-adaptive modules
"""

CARDS_MD = """\
# 精读卡片

### 1. Align before Fuse: Vision and Language Representation Learning with Momentum Distillation

- **ALBEF**

- **Salesforce**

- **NIPS: 2021**

- **创新点:**
  - 先用对比学习把图像和文本对齐，再交给融合编码器
"""

# A record written by hand whose two aliases, side by side, would read "BLIP 2".
TWO_ALIASES = "id: twopart\nname: TwoPart\naliases:\n- BLIP\n- '2'\n"

NOT_SALESFORCE = ["ALIGN", "CLIP", "Flamingo", "mPLUG-Owl", "mPLUG-Owl2"]


def _invoke(root: Path, *args: str) -> Result:
    argv = ["--notes", str(root / "notes"), "--kb", str(root / "kb"), *args]
    return CliRunner().invoke(app, argv, catch_exceptions=False)


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One built copy of the notes, for the tests that only read."""
    root = tmp_path_factory.mktemp("semantics")
    write_notes(root / "notes", {"reading.md": READING_MD, "cards.md": CARDS_MD})
    result = _invoke(root, "build")
    assert result.exit_code == 0, result.output
    return root


@pytest.fixture
def own(shared: Path, tmp_path: Path) -> Path:
    """A private copy of the built notes, for tests that change records or the index."""
    shutil.copytree(shared, tmp_path, dirs_exist_ok=True)
    return tmp_path


@pytest.fixture
def vl(shared: Path) -> Run:
    return lambda *args: _invoke(shared, *args)


def names(result: Result) -> list[str]:
    """The papers a `--format json` answer lists, in order."""
    assert_no_traceback(result)
    return [r["name"] for r in json.loads(result.stdout)] if result.stdout.strip() else []


def search(vl: Run, query: str) -> list[str]:
    return names(vl("search", "--format", "json", "--limit", "100", "--", query))


def listed(vl: Run, *args: str) -> list[str]:
    return names(vl("list", "--format", "json", *args))


# --- name: is a whole name or alias -------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["name:BLIP-2", "name:blip-2", "name:BLIP2", 'name:"BLIP 2"', "NAME:Ｂｌｉｐ-2"])
def test_name_finds_that_name_and_not_a_shorter_one(vl: Run, query: str) -> None:
    assert search(vl, query) == ["BLIP-2"]


def test_name_of_the_predecessor_finds_only_the_predecessor(vl: Run) -> None:
    assert search(vl, "name:BLIP") == ["BLIP"]


def test_name_of_no_paper_finds_nothing_and_exits_1(vl: Run) -> None:
    result = vl("search", "--format", "json", "name:BLI")

    assert result.exit_code == 1
    assert names(result) == []


def test_left_out_by_name_keeps_the_papers_it_only_starts(vl: Run) -> None:
    assert "BLIP-2" in listed(vl, "-name:BLIP")
    assert "BLIP" not in listed(vl, "-name:BLIP")


def test_two_aliases_side_by_side_are_not_one_name_or_one_phrase(own: Path) -> None:
    (own / "kb" / "papers" / "twopart.yaml").write_text(TWO_ALIASES, encoding="utf-8")
    vl: Run = lambda *args: _invoke(own, *args)  # noqa: E731

    assert search(vl, "name:BLIP-2") == ["BLIP-2"]
    assert search(vl, '"BLIP 2"') == ["BLIP-2"]
    assert sorted(search(vl, "name:BLIP")) == ["BLIP", "TwoPart"]
    assert search(vl, "name:2") == ["TwoPart"]


def test_a_snippet_shows_the_values_apart_as_before(shared: Path) -> None:
    results = run_search(shared / "kb", "2201", snippets=True)

    [hit] = results.hits
    assert hit.record["name"] == "BLIP"
    assert "\ue000" not in hit.snippet
    assert "BLIP ; \x022201\x03.12086" in hit.snippet


# --- a hyphenated name no paper has finds nothing -----------------------------------------------------------


def test_a_name_no_paper_has_finds_nothing(vl: Run) -> None:
    result = vl("search", "--format", "json", "CLIP-2")

    assert result.exit_code == 1
    assert names(result) == []
    assert result.stderr == "no papers match 'CLIP-2'\n"


def test_a_hyphenated_name_finds_that_paper_only(vl: Run) -> None:
    assert search(vl, "BLIP-2") == ["BLIP-2"]
    assert search(vl, "mPLUG-Owl2") == ["mPLUG-Owl2"]


def test_a_word_is_still_a_prefix(vl: Run) -> None:
    assert search(vl, "BLI") == ["BLIP", "BLIP-2"]
    assert search(vl, "mPLUG-Ow") == ["mPLUG-Owl", "mPLUG-Owl2"]


def test_a_number_is_matched_whole(vl: Run) -> None:
    assert search(vl, "2103.00020") == ["CLIP"]
    assert search(vl, "210") == []


# --- a query that starts with a minus ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["-org:Salesforce"],
        ["--", "-org:Salesforce"],
        ["-org:Salesforce", "--format", "json"],
        ["--limit", "10", "-org:Salesforce"],
        ["-fjson", "-org:Salesforce"],
    ],
)
def test_list_takes_a_query_that_starts_with_a_minus(vl: Run, args: list[str]) -> None:
    result = vl("list", "--format", "json", *args)

    assert result.exit_code == 0, result.output
    assert names(result) == NOT_SALESFORCE


def test_search_takes_a_query_that_starts_with_a_minus(vl: Run) -> None:
    result = vl("search", "--format", "json", "-flamingo")

    assert result.exit_code == 0, result.output
    assert "Flamingo" not in names(result)
    assert len(names(result)) == 7


def test_leaving_out_a_status_keeps_the_papers_that_have_none(vl: Run) -> None:
    assert len(listed(vl, "-status:read")) == 8
    assert len(listed(vl, "-year:2023")) == 5


def test_an_option_value_that_starts_with_a_minus_stays_the_value(vl: Run) -> None:
    result = vl("list", "--format", "json", "--org", "-Salesforce")

    assert result.exit_code == 0
    assert sorted(names(result)) == ["ALBEF", "BLIP", "BLIP-2"]  # an organisation, not a query leaving it out


def test_a_query_in_two_arguments_is_one_usage_line(vl: Run) -> None:
    result = vl("list", "blip", "-org:Google")

    assert result.exit_code == 2
    assert stderr_lines(result) == ["error: give the query as one argument: vlmnotes list 'blip -org:Google'"]
    assert result.stdout == ""
    assert_no_traceback(result)


def test_a_mistyped_long_option_is_still_a_usage_error(vl: Run) -> None:
    result = vl("list", "--limt", "3")

    assert result.exit_code == 2
    assert "No such option: --limt" in result.stderr
    assert_no_traceback(result)


# --- org: and venue: through the vocabulary ------------------------------------------------------------------


@pytest.mark.parametrize("value", ["Google", "谷歌", "google", "谷歌研究院", "Google Research"])
def test_org_by_any_name_of_google_finds_google_and_google_deepmind(vl: Run, value: str) -> None:
    assert listed(vl, f'org:"{value}"') == ["ALIGN", "Flamingo"]


@pytest.mark.parametrize("value", ["DeepMind", "谷歌DeepMind", '"Google DeepMind"'])
def test_org_by_a_name_of_google_deepmind_finds_it_only(vl: Run, value: str) -> None:
    assert listed(vl, f"org:{value}") == ["Flamingo"]


def test_the_org_option_goes_through_the_vocabulary_too(vl: Run) -> None:
    assert listed(vl, "--org", "谷歌") == ["ALIGN", "Flamingo"]


@pytest.mark.parametrize("query", ["venue:NIPS", "venue:nips", "venue:NeurIPS", 'venue:"NIPS 2021"', "venue:NIPS2021"])
def test_venue_by_an_old_name_finds_the_neurips_paper(vl: Run, query: str) -> None:
    assert listed(vl, query) == ["ALBEF"]


def test_venue_by_another_year_finds_nothing(vl: Run) -> None:
    result = vl("list", "--format", "json", 'venue:"NIPS 2022"')

    assert result.exit_code == 1
    assert names(result) == []


# --- show takes the start of a name --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("mplug", "mPLUG-Owl"),
        ("mPLUG-Ow", "mPLUG-Owl"),
        ("mplug-owl2", "mPLUG-Owl2"),
        ("BLI", "BLIP"),
        ("Flam", "Flamingo"),
    ],
)
def test_show_finds_a_paper_by_the_start_of_its_name(vl: Run, query: str, name: str) -> None:
    result = vl("show", "--format", "json", query)

    assert result.exit_code == 0, result.output
    assert names(result) == [name]


def test_show_of_the_start_of_two_unrelated_names_names_both(vl: Run) -> None:
    result = vl("show", "AL")

    assert result.exit_code == 1
    assert result.stdout == ""
    assert stderr_lines(result) == ["error: 'AL' starts the names of 2 papers: ALBEF, ALIGN; give more of the name"]


def test_show_suggests_a_paper_whose_name_has_the_word(vl: Run) -> None:
    result = vl("show", "Owl")

    assert result.exit_code == 1
    assert stderr_lines(result) == ["error: no paper matches 'Owl'; did you mean mPLUG-Owl, mPLUG-Owl2?"]


def test_show_never_takes_a_typo_for_another_paper(vl: Run) -> None:
    result = vl("show", "CLIP-2")

    assert result.exit_code == 1
    assert stderr_lines(result) == ["error: no paper matches 'CLIP-2'; did you mean BLIP-2, CLIP, BLIP?"]


# --- an index from before is rebuilt ------------------------------------------------------------------------


def test_an_index_from_the_version_before_is_rebuilt(own: Path) -> None:
    index = own / "kb" / ".vlmnotes.sqlite"
    with closing(sqlite3.connect(index)) as con, con:
        con.execute("UPDATE meta SET value = '5' WHERE key = 'schema'")
        con.execute("DROP TABLE vocab")

    result = _invoke(own, "list", "--format", "json", "venue:NIPS")

    assert result.exit_code == 0, result.output
    assert names(result) == ["ALBEF"]
    with closing(sqlite3.connect(index)) as con:
        assert con.execute("SELECT name FROM vocab WHERE field = 'org' AND key = '谷歌'").fetchall() == [("Google",)]


@pytest.mark.parametrize(
    ("query", "same_as"),
    [
        ("name：BLIP-2", "name:BLIP-2"),
        ("org：谷歌", "org:谷歌"),
        ("ｙｅａｒ:２０２３", "year:2023"),
        ("－status:read", "-status:read"),
        ("（CLIP　OR　BLIP）", "(CLIP OR BLIP)"),
    ],
)
def test_full_width_query_syntax_reads_as_ascii(query: str, same_as: str) -> None:
    assert parse_query(query) == parse_query(same_as)


# --- the papers a query names come first -------------------------------------------------------------------


@pytest.mark.parametrize("query", ["BLIP OR ALIGN", "ALIGN OR BLIP"])
def test_each_paper_a_query_names_comes_before_papers_that_only_mention_it(vl: Run, query: str) -> None:
    # BLIP-2's text says BLIP more often than ALIGN's says ALIGN, but only ALIGN is named so.
    found = search(vl, query)

    assert set(found[:2]) == {"BLIP", "ALIGN"}
    assert set(found[2:]) == {"BLIP-2", "ALBEF"}
