"""Author lists and venues as notes write them: 'Family, Given' pairs, full names in a comma list, affiliation
marks, 'etc.'; submitted-to venues, venue labels with a full-width colon, workshops and Findings, `AAAI-24`; and a
heading that glosses a paper in Chinese before its name. Each case is a small note written in tmp_path."""

from __future__ import annotations

from pathlib import Path

import pytest

from vlmnotes.model import Paper
from vlmnotes.parse import parse_file
from vlmnotes.parse.merge import merge
from vlmnotes.vocab import Vocabulary, load_vocabulary


@pytest.fixture(scope="module")
def vocab() -> Vocabulary:
    return load_vocabulary()


def papers(tmp_path: Path, vocab: Vocabulary, text: str) -> dict[str, Paper]:
    """The papers one note gives, by name."""
    note = tmp_path / "note.md"
    note.write_text(text, encoding="utf-8")
    return {p.name or p.title or "": p for p in merge(parse_file(note, "note.md", vocab))}


def card(authors: str = "Ada Synthetic", venue: str = "") -> str:
    """A heading entry with labelled bullets (a fictional paper, so no catalogue fills anything in)."""
    lines = ["# Reading", "", "## ZorbNet: Scaling Zorb Towers", "", f"- 作者：{authors}", "- 单位：Initech"]
    return "\n".join([*lines, *([venue] if venue else []), "- arXiv: 2301.00011", ""])


# --- author lists ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "authors"),
    [
        ("Smith, A., Jones, B., White, C.", ["Smith, A.", "Jones, B.", "White, C."]),
        ("Smith, A., Jones, B., & White, C.", ["Smith, A.", "Jones, B.", "White, C."]),
        ("Smith, John A., Jones, Mary", ["Smith, John A.", "Jones, Mary"]),
        ("van Strien, Daniel, Bekman, Stas", ["van Strien, Daniel", "Bekman, Stas"]),
        ("Chu, Xiangxiang and Qiao, Limeng", ["Chu, Xiangxiang", "Qiao, Limeng"]),
    ],
)
def test_family_and_given_names_alternating_pair_into_one_author_each(
    tmp_path: Path, vocab: Vocabulary, written: str, authors: list[str]
) -> None:
    assert papers(tmp_path, vocab, card(written))["ZorbNet"].authors == authors


def test_family_comma_given_then_et_al_is_one_author_and_incomplete(tmp_path: Path, vocab: Vocabulary) -> None:
    note = """\
# Notes

## References

Dao, Tri, et al. "Zorbattention: Fast and memory-efficient exact zorbing." Advances in neural information \
processing systems 35 (2022): 16344-16359. arXiv:2205.00011
"""
    (paper,) = papers(tmp_path, vocab, note).values()
    assert (paper.authors, paper.authors_et_al) == (["Dao, Tri"], True)


def test_full_names_in_a_comma_list_are_several_authors_even_in_bibtex(tmp_path: Path, vocab: Vocabulary) -> None:
    note = """\
# Notes

## ZorbICS

An open reproduction of a zorb model.

```bibtex
@misc{zorbics,
  title = {ZorbICS: An Open Zorb Model},
  author = {Hugo Laurençon, Daniel van Strien, Stas Bekman},
  year = {2023},
}
```
"""
    authors = papers(tmp_path, vocab, note)["ZorbICS"].authors
    assert authors == ["Hugo Laurençon", "Daniel van Strien", "Stas Bekman"]
    errors = pytest.importorskip("pybtex.errors")
    database = pytest.importorskip("pybtex.database")
    errors.set_strict_mode(True)
    for name in authors:
        database.Person(name)  # a name with too many commas would raise InvalidNameString


@pytest.mark.parametrize(
    "written",
    [
        "Ming Wang1, Li Zhang2,3, † Tim Brooks, Ann Lee*",
        "Ming Wang¹, Li Zhang²³, ‡Tim Brooks, Ann Lee§",
        "Ming Wang¹,², Li Zhang#, Tim Brooks†, Ann Lee (Initech)",
    ],
)
def test_affiliation_marks_are_not_part_of_a_name(tmp_path: Path, vocab: Vocabulary, written: str) -> None:
    paper = papers(tmp_path, vocab, card(written))["ZorbNet"]
    assert paper.authors == ["Ming Wang", "Li Zhang", "Tim Brooks", "Ann Lee"]
    assert not paper.authors_et_al


@pytest.mark.parametrize("marker", [", etc.", ", etc", " etc.", "等等", " 等等"])
def test_etc_ends_an_incomplete_list_like_et_al(tmp_path: Path, vocab: Vocabulary, marker: str) -> None:
    paper = papers(tmp_path, vocab, card(f"Ming Wang, Li Zhang{marker}"))["ZorbNet"]
    assert (paper.authors, paper.authors_et_al) == (["Ming Wang", "Li Zhang"], True)


def test_family_first_names_with_initials_after_are_kept_as_written(tmp_path: Path, vocab: Vocabulary) -> None:
    paper = papers(tmp_path, vocab, card("Li J and Li D and Savarese S"))["ZorbNet"]
    assert paper.authors == ["Li J", "Li D", "Savarese S"]


@pytest.mark.parametrize("header", ["Authors", "作者", "Author(s)"])
def test_a_table_authors_column_fills_the_authors(tmp_path: Path, vocab: Vocabulary, header: str) -> None:
    note = f"""\
# Papers

| Model | {header} | Year |
|---|---|---|
| ZorbNet | Alec Radford, Jong Wook Kim et al. | 2021 |
| QuuxNet | 王小明、李华 | 2022 |
"""
    found = papers(tmp_path, vocab, note)
    assert (found["ZorbNet"].authors, found["ZorbNet"].authors_et_al) == (["Alec Radford", "Jong Wook Kim"], True)
    assert found["QuuxNet"].authors == ["王小明", "李华"]


def test_an_author_affiliation_column_is_organisations_not_authors(tmp_path: Path, vocab: Vocabulary) -> None:
    note = """\
# Papers

| Model | 作者单位 | Year |
|---|---|---|
| ZorbNet | Initech | 2021 |
"""
    paper = papers(tmp_path, vocab, note)["ZorbNet"]
    assert (paper.authors, paper.orgs) == ([], ["Initech"])


# --- venues ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    [
        "Under review at ICLR 2025",
        "Submitted to NeurIPS 2024",
        "ICLR 2025 (rejected)",
        "ICLR 2025, rejected",
        "在投",
        "ICLR 2025 在投",
        "审稿中",
    ],
)
def test_a_venue_the_paper_was_only_sent_to_is_no_venue(tmp_path: Path, vocab: Vocabulary, written: str) -> None:
    assert papers(tmp_path, vocab, card(venue=f"- Venue: {written}"))["ZorbNet"].venue is None


@pytest.mark.parametrize(
    "heading",
    [
        "## ZorbNet: Scaling Zorb Towers. Under review at ICLR 2025",
        "## ZorbNet: Scaling Zorb Towers, ICLR 2025 (rejected)",
        "## ZorbNet: Scaling Zorb Towers (Submitted to NeurIPS 2024)",
        "## ZorbNet: Scaling Zorb Towers（在投）",
    ],
)
def test_a_heading_saying_submitted_gives_no_venue_and_keeps_it_out_of_the_title(
    tmp_path: Path, vocab: Vocabulary, heading: str
) -> None:
    note = f"# Reading\n\n{heading}\n\nZorbs all the way down. [paper](https://arxiv.org/abs/2301.00011)\n"
    paper = papers(tmp_path, vocab, note)["ZorbNet"]
    assert (paper.venue, paper.title) == (None, "ZorbNet: Scaling Zorb Towers")


def test_a_venue_reviewed_elsewhere_is_still_where_the_paper_appeared(tmp_path: Path, vocab: Vocabulary) -> None:
    note = card(venue="- Venue: NeurIPS 2023 (journal version under review at TPAMI)")
    assert papers(tmp_path, vocab, note)["ZorbNet"].venue == "NeurIPS 2023"


@pytest.mark.parametrize(
    "line", ["- 发表：TMLR", "- 发表于：TMLR", "- Published in：TMLR", "- Venue：TMLR", "- 发表: TMLR"]
)
def test_a_venue_label_with_a_venue_and_no_year_gives_the_venue(tmp_path: Path, vocab: Vocabulary, line: str) -> None:
    assert papers(tmp_path, vocab, card(venue=line))["ZorbNet"].venue == "TMLR"


def test_a_review_cards_published_line_gives_a_venue_when_it_holds_no_date(tmp_path: Path, vocab: Vocabulary) -> None:
    note = """\
# 阅读卡片

### 1. ZorbNet: Scaling Zorb Towers

- **ZorbNet**
- **Initech**
- **作者**：Ming Wang, Li Zhang
- **发表**：TMLR
"""
    assert papers(tmp_path, vocab, note)["ZorbNet"].venue == "TMLR"


@pytest.mark.parametrize(
    ("written", "venue"),
    [
        ("CVPR 2024 Workshop", "CVPR 2024 Workshop"),
        ("CVPRW 2024", "CVPR 2024 Workshop"),
        ("Workshop on Zorbs at NeurIPS 2023", "NeurIPS 2023 Workshop"),
        ("Findings of ACL 2024", "Findings of ACL 2024"),
        ("EMNLP 2023 Findings", "Findings of EMNLP 2023"),
        ("Findings of ACL", "Findings of ACL"),
        ("AAAI-24", "AAAI 2024"),
        ("NeurIPS'23", "NeurIPS 2023"),
    ],
)
def test_workshops_and_findings_stay_what_they_are(tmp_path: Path, vocab: Vocabulary, written: str, venue: str) -> None:
    assert papers(tmp_path, vocab, card(venue=f"- Venue: {written}"))["ZorbNet"].venue == venue


def test_a_heading_venue_keeps_its_workshop(tmp_path: Path, vocab: Vocabulary) -> None:
    note = "# Reading\n\n## ZorbNet: Scaling Zorb Towers, CVPR 2024 Workshop\n\n[paper](https://arxiv.org/abs/2301.00011)\n"
    paper = papers(tmp_path, vocab, note)["ZorbNet"]
    assert (paper.venue, paper.title) == ("CVPR 2024 Workshop", "ZorbNet: Scaling Zorb Towers")


# --- a Chinese gloss before the name -------------------------------------------------------------------------------


def test_a_heading_glossing_a_model_in_chinese_before_its_name_names_it(tmp_path: Path, vocab: Vocabulary) -> None:
    note = """\
# 模型笔记

### 曾氏测试模型 ZengNet

用一个新的连接器把视觉特征接到语言模型上。

### 使用 LoRA

微调时只训练低秩矩阵。

### 视觉编码器 ViT

用 ViT-L/14。
"""
    assert list(papers(tmp_path, vocab, note)) == ["ZengNet"]


@pytest.mark.parametrize("text", ["Computer Science 2023", "natural science 2021", "Data Science 2022 workshop"])
def test_a_field_named_science_is_no_venue(text: str) -> None:
    from vlmnotes.parse.fields import find_venue
    from vlmnotes.vocab import load_vocabulary

    assert find_venue(text, load_vocabulary()) is None
