"""Merges only on evidence: an organisation, a venue, a date or a link's text is never a paper's name, entries
without arXiv ids join only on a name, alias or title they really share, and a record that took in many
entries of one note is reported.

Each case has its control beside it: the same shape with a real shared name still makes one record.
"""

from __future__ import annotations

import importlib.util
import random
from pathlib import Path
from textwrap import dedent
from types import ModuleType

import pytest

from conftest import REPO, Run
from vlmnotes.model import Paper
from vlmnotes.parse import parse_text
from vlmnotes.parse.entry import Candidate
from vlmnotes.parse.merge import group_candidates, merge, merge_keys, suspicious_merges
from vlmnotes.parse.names import not_a_name
from vlmnotes.vocab import Vocabulary, load_vocabulary


@pytest.fixture(scope="module")
def vocab() -> Vocabulary:
    return load_vocabulary()


def build(vocab: Vocabulary, text: str, name: str = "note.md") -> list[Paper]:
    """Parse one note and merge its entries into records, as a build of a folder holding only it does."""
    return merge(parse_text(dedent(text), name, vocab))


def names(papers: list[Paper]) -> list[tuple[str | None, list[str]]]:
    return sorted((p.name, p.aliases) for p in papers)


# --- what is never a name ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["paper", "Paper", "PDF", "arXiv", "code", "link", "论文", "项目主页", "代码", "github", "GitHub", "Project Page"],
)
def test_link_texts_are_never_names(text: str) -> None:
    assert not_a_name(text)


@pytest.mark.parametrize("text", ["2023.05", "May 2023", "2023", "2023年5月", "CVPR 2023", "NeurIPS:2023", "ICML2021"])
def test_dates_and_venues_are_never_names(text: str) -> None:
    assert not_a_name(text)


@pytest.mark.parametrize(
    "text", ["Allen AI", "OpenAI", "Salesforce Research", "Initech Research", "上海人工智能实验室"]
)
def test_organisations_are_never_names(vocab: Vocabulary, text: str) -> None:
    assert not_a_name(text, vocab)


@pytest.mark.parametrize("text", ["CLIP", "BLIP-2", "Llama 3.2", "InternVL 1.5", "MM1", "VLM-00042", "Flamingo"])
def test_model_names_are_names(vocab: Vocabulary, text: str) -> None:
    assert not not_a_name(text, vocab)


def test_merge_keys_leave_out_link_texts_venues_dates_and_the_entrys_own_organisations() -> None:
    cand = Candidate("test", "note.md", 1, 1, name="AlphaNet", aliases=["paper", "CVPR 2023", "2023.05", "Hooli"])
    cand.orgs = ["Hooli"]
    assert merge_keys(cand) == ["alphanet"]


# --- probe 11: organisation lines under review cards ------------------------------------------------------------


def test_two_review_cards_with_one_organisation_line_are_two_papers(vocab: Vocabulary) -> None:
    papers = build(
        vocab,
        """\
        ### 1. AlphaNet

        - **Allen AI**

        - **作者: 张三**

        - **终版提交: 2023.05**

        ### 2. BetaNet

        - **Allen AI**

        - **作者: 李四**

        - **终版提交: 2023.06**
        """,
    )
    assert names(papers) == [("AlphaNet", []), ("BetaNet", [])]
    assert [p.orgs for p in papers] == [["Allen AI"], ["Allen AI"]]


CARD = """\
### {n}. {name}: {title}

{name_line}- **作者: 张三、李四**

- **{org}**

- **ICML:2023**

- **Cite: 7**
"""


@pytest.mark.parametrize("org", ["Hooli", "DeepCorp", "Initech Research", "Allen AI"])
@pytest.mark.parametrize("with_name_line", [True, False])
def test_an_organisation_no_vocabulary_knows_is_not_a_cards_name(
    vocab: Vocabulary, org: str, with_name_line: bool
) -> None:
    cards = [
        CARD.format(n=1, name="AlphaNet", title="Frozen Towers for Noisy Captions", org=org, name_line=""),
        CARD.format(n=2, name="BetaNet", title="Dense Alignment Across Languages", org=org, name_line=""),
    ]
    if with_name_line:
        cards = [
            c.replace("- **作者", f"- **{n}**\n\n- **作者", 1)
            for c, n in zip(cards, ["AlphaNet", "BetaNet"], strict=True)
        ]
    papers = build(vocab, "\n".join(cards))
    assert names(papers) == [("AlphaNet", []), ("BetaNet", [])]
    assert all(p.orgs == [vocab.org(org) or org] for p in papers)


def test_organisation_right_under_a_cards_heading_is_its_organisation(vocab: Vocabulary) -> None:
    text = "### 1. AlphaNet: Frozen Towers for Noisy Captions\n\n- **Hooli**\n\n- **作者: 张三**\n\n- **Cite: 3**\n"
    (paper,) = build(vocab, text)
    assert (paper.name, paper.aliases, paper.orgs) == ("AlphaNet", [], ["Hooli"])


# --- link texts, venues and dates where names go ---------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["paper", "论文", "项目主页", "GitHub", "arXiv", "PDF", "CVPR 2023", "2023.05", "Allen AI"]
)
def test_bracket_list_entries_with_a_generic_link_text_are_not_merged(vocab: Vocabulary, text: str) -> None:
    papers = build(
        vocab,
        f"""\
        - [[{text}](https://openreview.net/forum?id=a1)] Frozen Towers for Noisy Captions.
        - [[{text}](https://openreview.net/forum?id=b2)] Dense Alignment Across Languages.
        """,
    )
    assert sorted(p.title or "" for p in papers) == [
        "Dense Alignment Across Languages",
        "Frozen Towers for Noisy Captions",
    ]
    assert all(p.name is None and p.aliases == [] for p in papers)


def test_a_link_text_that_names_nothing_makes_no_record(vocab: Vocabulary) -> None:
    assert build(vocab, "- [ ] 项目主页\n- [ ] 项目主页\n- [ ] NeurIPS:2023\n- [ ] Allen AI\n") == []


def test_an_alias_from_a_link_text_is_dropped(vocab: Vocabulary) -> None:
    papers = build(
        vocab,
        """\
        | Model | Link |
        |---|---|
        | AlphaNet | [Hugging Face](https://huggingface.co/a) |
        | BetaNet | [Hugging Face](https://huggingface.co/b) |
        """,
    )
    assert names(papers) == [("AlphaNet", []), ("BetaNet", [])]


# --- what else the entries say ----------------------------------------------------------------------------------


def test_one_name_two_titles_are_two_papers(vocab: Vocabulary) -> None:
    papers = build(
        vocab,
        """\
        # 第1篇：Frozen Towers for Noisy Captions (Hooli)
        1. 本文。

        # 第2篇：Dense Alignment Across Many Languages and Tasks (Hooli)
        1. 本文。
        """,
    )
    assert len(papers) == 2


def test_one_name_two_openreview_ids_are_two_papers(vocab: Vocabulary) -> None:
    text = """\
    - [x] [Hooli](https://openreview.net/forum?id={a}) - frozen towers
    - [x] [Hooli](https://openreview.net/pdf?id={b}) - frozen towers again
    """
    assert len(build(vocab, text.format(a="a1", b="b2"))) == 2
    assert len(build(vocab, text.format(a="a1", b="a1"))) == 1  # the forum page and the PDF of one paper


def test_a_shared_alias_does_not_join_two_differently_named_entries() -> None:
    alpha = Candidate("test", "note.md", 1, 1, name="AlphaNet", aliases=["Hooli"])
    beta = Candidate("test", "note.md", 2, 2, name="BetaNet", aliases=["Hooli"])
    assert len(group_candidates([alpha, beta])) == 2


def test_an_alias_that_is_the_other_entrys_name_joins_them() -> None:
    blip3 = Candidate("test", "a.md", 1, 1, name="BLIP-3", aliases=["xGen-MM"])
    xgen = Candidate("test", "b.md", 5, 5, name="xGen-MM")
    assert len(group_candidates([blip3, xgen])) == 1


def test_a_real_shared_name_still_joins_entries_without_ids(vocab: Vocabulary) -> None:
    papers = build(
        vocab,
        """\
        ## To read

        - [ ] AlphaNet (Hooli, 2023)

        ## Table

        | Model | Org |
        |---|---|
        | AlphaNet | Hooli |
        """,
    )
    assert [(p.name, len(p.sources)) for p in papers] == [("AlphaNet", 2)]


# --- suspicious merges ------------------------------------------------------------------------------------------


def entries(file: str, lines: list[int], **fields: object) -> list[Candidate]:
    out = []
    for line in lines:
        cand = Candidate("test", file, line, line, name="Foo")
        for key, value in fields.items():
            setattr(cand, key, value)
        out.append(cand)
    return out


def test_many_entries_of_one_note_in_one_record_are_reported() -> None:
    groups = [entries("notes/x.md", [3, 9, 14, 20, 31, 40, 52])]
    assert suspicious_merges(groups) == [
        "notes/x.md: 7 entries merged into one record 'Foo' (lines 3, 9, 14, …); check that they are one paper"
    ]


def test_a_few_entries_of_one_note_or_entries_of_many_notes_are_not_reported() -> None:
    assert suspicious_merges([entries("notes/x.md", [3, 9, 14])]) == []
    assert suspicious_merges([[*entries("a.md", [1, 2]), *entries("b.md", [1, 2]), *entries("c.md", [1])]]) == []


def test_entries_that_write_the_arxiv_id_or_only_mention_the_paper_are_not_counted() -> None:
    noted = entries("notes/x.md", [3, 9, 14, 20], arxiv_id="2103.00020")
    passing = entries("notes/x.md", [30, 31, 32], passing=True)
    assert suspicious_merges([[*noted, *passing, *entries("notes/x.md", [40])]]) == []
    catalogued = entries("notes/x.md", [3, 9, 14, 20], arxiv_id="2103.00020", catalogued=["arxiv_id"])
    assert suspicious_merges([catalogued]) == [
        "notes/x.md: 4 entries merged into one record 'Foo' (lines 3, 9, 14, …); check that they are one paper"
    ]


# --- the synthetic corpus: as many records as papers written --------------------------------------------------


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("vlmnotes_bench_generate", REPO / "benchmarks" / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


PAPERS = 300


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """300 papers in the five styles, 60 a file, so that every style (the id-less review cards too) is there."""
    folder = tmp_path_factory.mktemp("synthetic") / "notes"
    _generator().write_corpus(PAPERS, folder, per_file=60)
    return folder


def test_synthetic_corpus_groups_into_one_record_per_paper(vocab: Vocabulary, corpus: Path) -> None:
    cands = [c for path in sorted(corpus.glob("*.md")) for c in parse_text(path.read_text("utf-8"), path.name, vocab)]
    groups = group_candidates(cands)
    assert len(groups) == PAPERS
    assert suspicious_merges(groups) == []


def test_synthetic_corpus_builds_one_record_per_paper(cli: Run, corpus: Path, tmp_path: Path) -> None:
    result = cli("--notes", str(corpus), "--kb", str(tmp_path / "kb"), "build")
    assert result.exit_code == 0, result.output
    assert len(list((tmp_path / "kb" / "papers").glob("*.yaml"))) == PAPERS


def test_the_generators_review_cards_keep_their_organisations_and_names(vocab: Vocabulary) -> None:
    gen = _generator()
    rng = random.Random(7)
    papers = build(vocab, "".join(gen.card(gen.paper(i, rng), i) for i in range(1, 13)), "cards.md")
    assert len(papers) == 12
    assert all(p.name and p.name.startswith("VLM-") and p.aliases == [] and len(p.orgs) == 1 for p in papers)
    assert {p.orgs[0] for p in papers} >= set(gen.MADE_UP_ORGS)
