"""Paper entries found from evidence, not only from links: headings, list items, table rows, field cards,
reference lists, link texts that name nothing, several links on one line, the known-paper catalogue, components
and front matter.

Every heuristic has a test for the false positive it could cause next to the test for what it finds. The notes
are written for these tests; paper names, ids, titles and dates are real ones (see src/vlmnotes/vocab/papers.tsv).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from textwrap import dedent
from typing import Any

import pytest
import yaml

from conftest import Run, stderr_lines, write_notes
from vlmnotes.model import Paper
from vlmnotes.parse import parse_text
from vlmnotes.parse.merge import merge
from vlmnotes.vocab import Vocabulary, load_vocabulary


@pytest.fixture(scope="module")
def vocab() -> Vocabulary:
    return load_vocabulary()


def build(vocab: Vocabulary, text: str, name: str = "note.md") -> list[Paper]:
    """Parse one note and merge its entries into records, as a build of a folder holding only it does."""
    return merge(parse_text(dedent(text), name, vocab))


def brief(papers: list[Paper]) -> str:
    """The records in a line, for failure messages."""
    return json.dumps([{"name": p.name, "title": p.title, "arxiv_id": p.arxiv_id} for p in papers], ensure_ascii=False)


def named(papers: list[Paper], name: str) -> Paper:
    """The one record called `name` (its name or an alias)."""
    hits = [p for p in papers if p.name == name or name in p.aliases]
    assert len(hits) == 1, f"{len(hits)} records called {name!r}: {brief(papers)}"
    return hits[0]


def with_id(papers: list[Paper], arxiv_id: str) -> Paper:
    """The one record with this arXiv id."""
    hits = [p for p in papers if p.arxiv_id == arxiv_id]
    assert len(hits) == 1, f"{len(hits)} records with arXiv id {arxiv_id}: {brief(papers)}"
    return hits[0]


def names(papers: list[Paper]) -> set[str]:
    return {p.name or p.title or p.id for p in papers}


Records = list[dict[str, Any]]


@pytest.fixture
def build_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Run) -> Callable[[Mapping[str, str]], Records]:
    """Build notes through the CLI in a folder of their own and return `list --format json` as data."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("VLMNOTES_NOTES", raising=False)
    monkeypatch.delenv("VLMNOTES_KB", raising=False)

    def run(notes: Mapping[str, str]) -> Records:
        write_notes(tmp_path / "notes", {name: dedent(text) for name, text in notes.items()})
        built = cli("--notes", "notes", "--kb", "kb", "build")
        assert built.exit_code == 0, built.output
        listed = cli("--notes", "notes", "--kb", "kb", "list", "--format", "json")
        assert listed.exit_code == 0, listed.output
        records = json.loads(listed.stdout)
        assert isinstance(records, list)
        return records

    return run


# --- headings without links ------------------------------------------------------------------------------------


def test_heading_with_a_chinese_gloss_gives_name_year_and_org(vocab: Vocabulary) -> None:
    papers = build(
        vocab,
        """\
        ### CLIP：把图片和文字放进同一个空间（2021，OpenAI）

        两个编码器，一个看图一个读字，用对比学习对齐。
        """,
    )
    clip = named(papers, "CLIP")
    assert (clip.year, clip.orgs) == (2021, ["OpenAI"])
    assert clip.arxiv_id == "2103.00020"
    assert len(papers) == 1


def test_name_heading_takes_the_title_line_and_the_bare_arxiv_url_under_it(vocab: Vocabulary) -> None:
    papers = build(
        vocab,
        """\
        # BuboGPT

        BuboGPT: Enabling Visual Grounding in Multi-Modal LLMs

        https://arxiv.org/abs/2307.08581

        它把视觉定位接到了多模态大模型上，可以指出回答里说到的物体在图中的位置。
        """,
    )
    [bubo] = papers
    assert bubo.name == "BuboGPT"
    assert bubo.title == "BuboGPT: Enabling Visual Grounding in Multi-Modal LLMs"
    assert bubo.arxiv_id == "2307.08581"
    assert bubo.links.paper == "https://arxiv.org/abs/2307.08581"
    assert "arxiv_id" not in bubo.provenance  # the note gave the id, not the catalogue


def test_sentence_case_title_heading_with_the_name_in_brackets(vocab: Vocabulary) -> None:
    papers = build(
        vocab,
        """\
        #### Unified language-vision pretraining in LLM with dynamic discrete visual tokenization (LaVIT)

        Turns an image into a variable-length sequence of discrete tokens the LLM reads like words.
        """,
    )
    [lavit] = papers
    assert lavit.name == "LaVIT"
    assert lavit.title == "Unified language-vision pretraining in LLM with dynamic discrete visual tokenization"
    assert lavit.arxiv_id == "2309.04669"


@pytest.mark.parametrize(
    ("heading", "name"),
    [
        pytest.param(
            "#### Sigmoid loss for language image pre-training (SigLIP)",
            "SigLIP",
            id="name-that-is-also-a-component",
        ),
        pytest.param(
            "#### On pre-training for visual language models (VILA)",
            "VILA",
            id="title-ending-in-models",
        ),
    ],
)
def test_sentence_case_title_heading_names_the_paper_in_its_brackets(
    vocab: Vocabulary, heading: str, name: str
) -> None:
    title = heading.removeprefix("#### ").rsplit(" (", 1)[0]
    papers = build(vocab, f"{heading}\n\nShort notes on what it changes.\n")
    assert [(p.name, p.title) for p in papers] == [(name, title)]


def test_heading_linking_a_project_page_with_a_name_and_subtitle(vocab: Vocabulary) -> None:
    papers = build(
        vocab,
        """\
        ## [Cambrian-1: A Fully Open, Vision-Centric Exploration of Multimodal LLMs](https://cambrian-mllm.github.io/)

        They try many vision encoders as the eyes of one multimodal model and compare them.
        """,
    )
    [cambrian] = papers
    assert cambrian.name == "Cambrian-1"
    assert cambrian.title == "Cambrian-1: A Fully Open, Vision-Centric Exploration of Multimodal LLMs"
    assert cambrian.links.project == "https://cambrian-mllm.github.io/"
    assert cambrian.links.paper is None  # a project page is not the paper
    assert cambrian.arxiv_id == "2406.16860"


def test_title_h1_of_a_one_paper_note_heads_its_sub_sections(vocab: Vocabulary) -> None:
    papers = build(
        vocab,
        """\
        # Improved Baselines with Visual Instruction Tuning

        ## Motivation

        The first LLaVA answered short academic questions badly.

        ## Method

        - LLM: Vicuna-13B
        - Connector: two-layer MLP

        ## Results

        Best on 11 of 12 benchmarks when it came out.
        """,
    )
    [paper] = papers
    assert paper.title == "Improved Baselines with Visual Instruction Tuning"
    assert paper.arxiv_id == "2310.03744"
    assert paper.components.llm == ["Vicuna-13B"]
    assert set(paper.sections) >= {"Motivation", "Method", "Results"}


def test_name_h1_of_a_one_paper_note_is_one_record_and_its_sections_are_not(vocab: Vocabulary) -> None:
    papers = build(
        vocab,
        """\
        # VILA

        ## Background

        Most open models start from an LLM and add a vision tower afterwards.

        ### Big idea

        Unfreeze the LLM during interleaved image-text pre-training.

        ## 实验

        在多个基准上超过了 LLaVA-1.5。
        """,
    )
    assert [p.name for p in papers] == ["VILA"]


def test_section_headings_are_not_papers(vocab: Vocabulary) -> None:
    papers = build(
        vocab,
        """\
        ## Background

        Vision-language models took off after 2021.

        ### Big idea

        Align a frozen image encoder with a frozen LLM.

        ## 实验

        零样本 VQA 上表现不错。
        """,
    )
    assert papers == []


def test_title_like_heading_without_name_or_link_inside_a_note_is_a_section(vocab: Vocabulary) -> None:
    papers = build(
        vocab,
        """\
        # Reading log

        ## Some Thoughts About Where The Field Goes

        Bigger encoders, more tokens per image.

        #### Where the numbers come from (Table 3)

        Averaged over three seeds.
        """,
    )
    assert papers == []


def test_numbered_heading_over_a_list_of_linked_papers_is_a_tag(vocab: Vocabulary) -> None:
    papers = build(
        vocab,
        """\
        ### 2) Papers I track

        - [Flamingo: a Visual Language Model for Few-Shot Learning](https://arxiv.org/abs/2204.14198)
        - [CoCa: Contrastive Captioners are Image-Text Foundation Models](https://arxiv.org/abs/2205.01917)
        """,
    )
    assert names(papers) == {"Flamingo", "CoCa"}
    assert all(p.tags == ["2) Papers I track"] for p in papers)


def test_family_heading_is_not_a_paper(vocab: Vocabulary) -> None:
    papers = build(
        vocab,
        """\
        ### BERT-like Pretrained Family

        Two streams of transformers joined by cross attention, one stream for regions and one for words.
        """,
    )
    assert papers == []


def test_series_heading_over_paper_headings_is_a_tag(vocab: Vocabulary) -> None:
    papers = build(
        vocab,
        """\
        # Qwen 系列

        ## Qwen-VL

        第一代，ViT-bigG 加上一层 cross-attention 把图像压成 256 个 token。

        ## Qwen2-VL

        支持任意分辨率输入，位置编码换成 M-RoPE。
        """,
    )
    assert names(papers) == {"Qwen-VL", "Qwen2-VL"}
    assert with_id(papers, "2308.12966").name == "Qwen-VL"
    assert with_id(papers, "2409.12191").name == "Qwen2-VL"
    assert all("Qwen 系列" in p.tags for p in papers)


@pytest.mark.parametrize(
    "part",
    [
        "ITC",
        "C-Abstractor",
        pytest.param(
            "Q-Former",
        ),
        pytest.param(
            "Perceiver Resampler",
        ),
    ],
)
def test_heading_naming_a_part_is_not_a_paper(vocab: Vocabulary, part: str) -> None:
    text = f"### {part}\n\nWhat this piece of the model does, in two sentences. It sits between encoder and LLM.\n"
    assert build(vocab, text) == []


@pytest.mark.parametrize("host", ["twitter.com", "x.com"])
def test_heading_linking_a_post_is_not_a_paper(vocab: Vocabulary, host: str) -> None:
    text = (
        f"## [A photo of handwritten instructions fools GPT-4V](https://{host}/someone/status/1712345678901234567)\n\n"
        "The model follows what is written in the picture instead of the prompt.\n"
    )
    assert build(vocab, text) == []


# --- list items without links ----------------------------------------------------------------------------------


def test_plus_item_takes_the_paragraph_after_it_as_its_body(vocab: Vocabulary) -> None:
    papers = build(
        vocab,
        """\
        + LLaVA

        A linear layer maps CLIP ViT-L/14 patch features into Vicuna; trained on instruction-following chats.

        + MiniGPT-4

        Only one projection layer is trained.
        """,
    )
    assert names(papers) == {"LLaVA", "MiniGPT-4"}
    llava = named(papers, "LLaVA")
    assert llava.arxiv_id == "2304.08485"
    assert "ViT-L/14" in llava.components.vision_encoder
    assert "Vicuna" in llava.components.llm
    assert named(papers, "MiniGPT-4").components.llm == []  # LLaVA's body ends where the next item starts


def test_star_item_with_paragraphs_and_a_numbered_loss_list_fills_blip_2(vocab: Vocabulary) -> None:
    papers = build(
        vocab,
        """\
        * BLIP2：两阶段预训练，冻结图像编码器和 LLM

        第一阶段让 Q-Former 学会从图像特征里取出和文本相关的部分。

        第二阶段把 Q-Former 的输出接到 OPT 或 FlanT5 上。

        1. ITC：图文对比
        2. ITM：图文匹配
        3. ITG：以图像为条件生成文本
        """,
    )
    [blip2] = papers
    assert blip2.arxiv_id == "2301.12597"
    assert blip2.components.connector == ["Q-Former"]
    assert set(blip2.components.llm) == {"OPT", "FlanT5"}
    assert set(blip2.components.losses) == {"ITC", "ITM", "ITG"}


def test_known_checkpoint_names_its_paper(vocab: Vocabulary) -> None:
    papers = build(
        vocab,
        """\
        - `Qwen/Qwen2-VL-7B-Instruct`

          Runs on one 24 GB card at bf16.
        """,
    )
    [qwen] = papers
    assert (qwen.name, qwen.arxiv_id) == ("Qwen2-VL", "2409.12191")


def test_unknown_checkpoint_is_not_a_paper(vocab: Vocabulary) -> None:
    assert build(vocab, "- `someone/tinymodel-v1`\n\n  A toy I fine-tuned on my own photos.\n") == []


def test_next_bullet_of_the_same_list_is_not_the_body_of_the_one_before(vocab: Vocabulary) -> None:
    papers = build(
        vocab,
        """\
        - LLaVA
        - 一个想法：把线性层换成 Q-Former 会不会更好？视觉端换成 EVA-CLIP 呢？
        """,
    )
    llava = named(papers, "LLaVA")
    assert llava.components.connector == []
    assert llava.components.vision_encoder == []
    assert len(papers) == 1


@pytest.mark.parametrize(
    "bullet",
    [
        "- Fig 2. The training pipeline in three stages",
        "- Table 3. Zero-shot results on six benchmarks",
        "- OpenAI [post](https://openai.com/index/clip/)",
        "- ITC: image-text contrastive loss over in-batch negatives",
        "- ITM: a binary head that says whether image and text match",
        pytest.param(
            "- Q-Former: 32 learned queries read the frozen image features",
            id="q-former",
        ),
        pytest.param(
            "- Perceiver Resampler: maps many patches to 64 latents",
            id="perceiver-resampler",
        ),
    ],
)
def test_bullet_that_is_not_an_entry(vocab: Vocabulary, bullet: str) -> None:
    assert build(vocab, bullet + "\n") == []


def test_list_of_training_settings_is_not_a_list_of_papers(vocab: Vocabulary) -> None:
    papers = build(
        vocab,
        """\
        ## Training setup

        - GPU: 8×A100 for about a day
        - COCO: 118k images, five captions each
        - AdamW, lr 2e-5, cosine schedule
        - DeepSpeed ZeRO-3
        - BF16 everywhere
        """,
    )
    assert papers == []


# --- table rows without links ----------------------------------------------------------------------------------


def test_table_without_links_gives_components_by_column(vocab: Vocabulary) -> None:
    papers = build(
        vocab,
        """\
        | Method | Vision Encoder | LLM | Connector |
        | --- | --- | --- | --- |
        | InstructBLIP | EVA ViT-g | FlanT5-XXL | Q-Former |
        | FastVLM | FastViTHD | Qwen2-7B | MLP |
        """,
    )
    assert names(papers) == {"InstructBLIP", "FastVLM"}
    instruct = named(papers, "InstructBLIP")
    assert (instruct.components.llm, instruct.components.connector) == (["FlanT5-XXL"], ["Q-Former"])
    fast = named(papers, "FastVLM")
    assert fast.arxiv_id == "2412.13303"
    assert fast.components.vision_encoder == ["FastViTHD"]  # not in the vocabulary: the cell's own text
    assert fast.components.llm == ["Qwen2-7B"]


def test_chinese_name_column_names_each_row(vocab: Vocabulary) -> None:
    papers = build(
        vocab,
        """\
        | 名称 | 说明 |
        | --- | --- |
        | Monkey | 把大图切成小块分别编码，提高输入分辨率 |
        | DeepSeek-VL | 两个视觉编码器，一个看语义一个看细节 |
        """,
    )
    assert {p.arxiv_id for p in papers} == {"2311.06607", "2403.05525"}
    assert named(papers, "Monkey").sections["comment"] == "把大图切成小块分别编码，提高输入分辨率"


def test_bold_dated_lead_in_a_description_cell_names_the_paper(vocab: Vocabulary) -> None:
    papers = build(
        vocab,
        """\
        | 思路 | 代表工作 |
        | --- | --- |
        | 重写描述 | **ShareGPT4V (2023)**：先让 GPT-4V 写长描述，再用这些描述训练 |
        """,
    )
    [share] = papers
    assert (share.name, share.year, share.arxiv_id) == ("ShareGPT4V", 2023, "2311.12793")


def test_bold_lead_with_two_names_gives_two_papers(vocab: Vocabulary) -> None:
    papers = build(
        vocab,
        """\
        | 思路 | 代表工作 |
        | --- | --- |
        | 多图输入 | **Flamingo / Qwen-VL**：图文交错的输入 |
        """,
    )
    assert names(papers) == {"Flamingo", "Qwen-VL"}
    assert {p.arxiv_id for p in papers} == {"2204.14198", "2308.12966"}


def test_results_table_header_row_is_never_an_entry(vocab: Vocabulary) -> None:
    papers = build(
        vocab,
        """\
        | Benchmark | LLaVA-1.5 | Qwen-VL-Chat |
        | --- | --- | --- |
        | MMBench | 67.7 | 60.6 |
        | TextVQA | 61.3 | 61.5 |

        | Model | Avg | Note |
        | --- | --- | --- |
        | Ours | 71.2 | best |
        | Baseline | 65.0 | from the paper |
        """,
    )
    assert papers == []


# --- field cards -----------------------------------------------------------------------------------------------


def test_chinese_field_card_is_one_record(vocab: Vocabulary) -> None:
    papers = build(
        vocab,
        """\
        ## 基本信息

        - 题目：Eyes Wide Shut? Exploring the Visual Shortcomings of Multimodal LLMs
        - 作者：Shengbang Tong, Zhuang Liu, Yuexiang Zhai, Yi Ma, Yann LeCun, Saining Xie
        - 单位：纽约大学、UC Berkeley
        - 引用：arXiv:2401.06209

        ## 笔记

        CLIP 分不清的图像对，多模态模型也答不对。
        """,
    )
    [paper] = papers
    assert paper.title == "Eyes Wide Shut? Exploring the Visual Shortcomings of Multimodal LLMs"
    assert paper.authors == ["Shengbang Tong", "Zhuang Liu", "Yuexiang Zhai", "Yi Ma", "Yann LeCun", "Saining Xie"]
    assert paper.orgs == ["New York University (NYU)", "UC Berkeley"]
    assert paper.arxiv_id == "2401.06209"
    assert "arxiv_id" not in paper.provenance


def test_empty_literature_note_fields_invent_no_values(vocab: Vocabulary) -> None:
    papers = build(
        vocab,
        """\
        # Eyes Wide Shut? Exploring the Visual Shortcomings of Multimodal LLMs

        Title: Eyes Wide Shut? Exploring the Visual Shortcomings of Multimodal LLMs
        Authors:
        Affiliation:
        Venue:
        Year:

        ## Summary

        Image pairs that CLIP sees as the same trip up the models built on it.
        """,
    )
    [paper] = papers
    assert paper.title == "Eyes Wide Shut? Exploring the Visual Shortcomings of Multimodal LLMs"
    assert (paper.authors, paper.orgs, paper.venue) == ([], [], None)


def test_empty_literature_note_template_is_no_paper(vocab: Vocabulary) -> None:
    papers = build(
        vocab,
        """\
        # Literature note

        - Title:
        - Authors:
        - Affiliation:
        - Venue:
        - Date:

        ## Summary

        To fill in later.
        """,
    )
    assert papers == []


def test_title_field_beats_a_short_note_heading(vocab: Vocabulary) -> None:
    papers = build(
        vocab,
        """\
        # Eyes Wide Shut

        Title: Eyes Wide Shut? Exploring the Visual Shortcomings of Multimodal LLMs
        Authors:

        ## Summary

        Image pairs that CLIP sees as the same trip up the models built on it.
        """,
    )
    [paper] = papers
    assert paper.title == "Eyes Wide Shut? Exploring the Visual Shortcomings of Multimodal LLMs"


# --- reference lists -------------------------------------------------------------------------------------------

REFERENCES = """\
Thanks for reading; questions are welcome.

**References**

Li, B., Zhang, Y., Guo, D., Zhang, R., Li, F., Zhang, H., Zhang, K., Li, Y., Liu, Z., & Li, C. (2024). LLaVA-OneVision: Easy Visual Task Transfer. arXiv preprint arXiv:2408.03326.

Xiaohua Zhai, Basil Mustafa, Alexander Kolesnikov, and Lucas Beyer. 2023a. Sigmoid loss for language image pre-training. Preprint, arXiv:2303.15343.

Pavan Kumar Anasosalu Vasu, Fartash Faghri, Chun-Liang Li, et al. "FastVLM: Efficient Vision Encoding for Vision Language Models." In Proceedings of the IEEE/CVF Conference on Computer Vision and Pattern Recognition, 2025.
"""  # noqa: E501


def test_apa_reference_gives_title_year_and_id(vocab: Vocabulary) -> None:
    paper = with_id(build(vocab, REFERENCES), "2408.03326")
    assert paper.title == "LLaVA-OneVision: Easy Visual Task Transfer"
    assert paper.year == 2024


def test_acl_reference_gives_title_authors_and_id(vocab: Vocabulary) -> None:
    paper = with_id(build(vocab, REFERENCES), "2303.15343")
    assert paper.title == "Sigmoid loss for language image pre-training"
    assert paper.authors == ["Xiaohua Zhai", "Basil Mustafa", "Alexander Kolesnikov", "Lucas Beyer"]
    assert paper.year == 2023


def test_chicago_reference_with_a_quoted_title(vocab: Vocabulary) -> None:
    papers = build(vocab, REFERENCES)
    paper = named(papers, "FastVLM")
    assert paper.title == "FastVLM: Efficient Vision Encoding for Vision Language Models"
    assert paper.date == "2025"  # the year the note gives beats the catalogue's month
    assert paper.arxiv_id == "2412.13303"  # from the catalogue, by title
    assert paper.provenance.get("arxiv_id") == "catalogue"
    assert len(papers) == 3


def test_prose_under_a_references_heading_is_not_a_citation(vocab: Vocabulary) -> None:
    papers = build(
        vocab,
        """\
        ## References

        The list below is what I used while writing; most of it came from the LLaVA repository and a few talks.

        Tong, S., Liu, Z., Zhai, Y., Ma, Y., LeCun, Y., & Xie, S. (2024). Eyes wide shut? Exploring the visual shortcomings of multimodal LLMs. arXiv preprint arXiv:2401.06209.
        """,  # noqa: E501
    )
    assert [p.arxiv_id for p in papers] == ["2401.06209"]


def test_apa_authors_keep_surname_and_initials_together(vocab: Vocabulary) -> None:
    paper = with_id(build(vocab, REFERENCES), "2408.03326")
    assert len(paper.authors) == 10
    assert paper.authors[0].startswith("Li") and paper.authors[-1].startswith("Li")
    assert not any(a.startswith("&") for a in paper.authors)


# --- link texts that name nothing ------------------------------------------------------------------------------


def test_bold_name_before_a_title_and_a_generic_paper_link(vocab: Vocabulary) -> None:
    papers = build(
        vocab,
        """\
        - **MMVP**: Eyes Wide Shut? Exploring the Visual Shortcomings of Multimodal LLMs. CVPR2024 [Paper](https://arxiv.org/abs/2401.06209)
        """,
    )
    [paper] = papers
    assert paper.name == "MMVP"
    assert paper.title == "Eyes Wide Shut? Exploring the Visual Shortcomings of Multimodal LLMs"
    assert paper.venue == "CVPR 2024"
    assert paper.arxiv_id == "2401.06209"


def test_arxiv_link_gives_the_id_over_an_openreview_link(vocab: Vocabulary) -> None:
    papers = build(
        vocab,
        "- AIMv2 [[paper link](https://openreview.net/forum?id=abcdEFGH12)][[arxiv link](https://arxiv.org/abs/2411.14402)]\n",
    )
    [paper] = papers
    assert (paper.name, paper.arxiv_id) == ("AIMv2", "2411.14402")
    assert paper.title not in ("paper link", "arxiv link")


def test_arxiv_link_is_the_paper_link_over_an_openreview_link(vocab: Vocabulary) -> None:
    papers = build(
        vocab,
        "- AIMv2 [[paper link](https://openreview.net/forum?id=abcdEFGH12)][[arxiv link](https://arxiv.org/abs/2411.14402)]\n",
    )
    assert papers[0].links.paper == "https://arxiv.org/abs/2411.14402"


def test_bracketed_arxiv_id_is_not_part_of_the_title(vocab: Vocabulary) -> None:
    [paper] = build(vocab, "- [[2304.08485] Visual Instruction Tuning](https://arxiv.org/abs/2304.08485)\n")
    assert paper.title == "Visual Instruction Tuning"
    assert paper.arxiv_id == "2304.08485"


def test_bold_title_line_over_a_paper_link_on_a_later_line(vocab: Vocabulary) -> None:
    papers = build(
        vocab,
        """\
        **VILA: On Pre-training for Visual Language Models**\\
        _Ji Lin, Hongxu Yin, Wei Ping_\\
        arXiv, [[Paper](https://arxiv.org/abs/2312.07533)]\\
        12 Dec 2023
        """,
    )
    [paper] = papers
    assert (paper.name, paper.title) == ("VILA", "VILA: On Pre-training for Visual Language Models")
    assert paper.arxiv_id == "2312.07533"


def test_venue_before_the_paper_link_is_not_the_name(vocab: Vocabulary) -> None:
    papers = build(
        vocab,
        """\
        **VILA: On Pre-training for Visual Language Models**\\
        CVPR 2024 [[Paper](https://arxiv.org/abs/2312.07533)]
        """,
    )
    [paper] = papers
    assert (paper.name, paper.title, paper.venue) == (
        "VILA",
        "VILA: On Pre-training for Visual Language Models",
        "CVPR 2024",
    )


def test_bold_title_paragraph_over_a_paper_link_paragraph(vocab: Vocabulary) -> None:
    papers = build(
        vocab,
        """\
        **VILA: On Pre-training for Visual Language Models**

        [[Paper](https://arxiv.org/abs/2312.07533)]
        """,
    )
    [paper] = papers
    assert (paper.name, paper.title) == ("VILA", "VILA: On Pre-training for Visual Language Models")


# --- several links in one block --------------------------------------------------------------------------------


def test_two_paper_links_in_a_sentence_give_two_records_and_a_mention(vocab: Vocabulary) -> None:
    papers = build(
        vocab,
        "Compare [BLIP](https://arxiv.org/abs/2201.12086) with [BLIP-2](https://arxiv.org/abs/2301.12597): "
        "the second one freezes both ends.\n",
    )
    assert {(p.name, p.arxiv_id) for p in papers} == {("BLIP", "2201.12086"), ("BLIP-2", "2301.12597")}
    blip = named(papers, "BLIP")
    assert [(r.type, r.target_id) for r in blip.relations] == [("mentions", "2301.12597")]
    assert named(papers, "BLIP-2").links.paper == "https://arxiv.org/abs/2301.12597"


INNER_HERE = "Instruction-aware Q-Former; the BLIP-2 recipe is described [here](https://arxiv.org/abs/2301.12597)."


@pytest.mark.parametrize(
    "entry",
    [
        f"### [InstructBLIP](https://arxiv.org/abs/2305.06500)\n\n{INNER_HERE}\n",
        f"- 2023.05 [InstructBLIP](https://arxiv.org/abs/2305.06500)\n  - {INNER_HERE}\n",
        f"+ InstructBLIP\n\n{INNER_HERE}\n",
    ],
    ids=["linked-heading", "dated-bullet", "item"],
)
def test_inner_here_link_in_an_entry_body_is_a_relation_not_a_record(vocab: Vocabulary, entry: str) -> None:
    papers = build(vocab, entry)
    [paper] = papers
    assert (paper.name, paper.arxiv_id) == ("InstructBLIP", "2305.06500")
    assert [(r.type, r.target) for r in paper.relations] == [("mentions", "2301.12597")]


def test_inner_here_link_under_a_linkless_heading_is_not_its_paper(vocab: Vocabulary) -> None:
    papers = build(vocab, f"### InstructBLIP\n\n{INNER_HERE}\n")
    instruct = named(papers, "InstructBLIP")
    assert instruct.arxiv_id != "2301.12597"
    assert [(r.type, r.target) for r in instruct.relations] == [("mentions", "2301.12597")]


def test_labelled_here_link_under_a_heading_is_its_own_paper_link(vocab: Vocabulary) -> None:
    papers = build(
        vocab,
        """\
        ### InstructBLIP

        paper link: [here](https://arxiv.org/abs/2305.06500)

        Instruction-aware Q-Former on top of BLIP-2.
        """,
    )
    [paper] = papers
    assert (paper.name, paper.arxiv_id) == ("InstructBLIP", "2305.06500")
    assert paper.links.paper == "https://arxiv.org/abs/2305.06500"
    assert "arxiv_id" not in paper.provenance


# --- the known-paper catalogue ---------------------------------------------------------------------------------


def test_linkless_heading_gets_id_title_and_date_from_the_catalogue(vocab: Vocabulary) -> None:
    [paper] = build(vocab, "### BLIP-2\n\n冻结图像编码器和大语言模型，只训练中间的 Q-Former。\n")
    assert paper.arxiv_id == "2301.12597"
    assert paper.title == (
        "BLIP-2: Bootstrapping Language-Image Pre-training with Frozen Image Encoders and Large Language Models"
    )
    assert paper.date == "2023-01"
    assert paper.provenance == {"arxiv_id": "catalogue", "title": "catalogue", "date": "catalogue"}


def test_catalogue_provenance_reaches_the_record_file(build_cli: Callable[[Mapping[str, str]], Records]) -> None:
    records = build_cli({"blip.md": "### BLIP-2\n\n冻结图像编码器和大语言模型，只训练中间的 Q-Former。\n"})
    assert [(r["name"], r["arxiv_id"]) for r in records] == [("BLIP-2", "2301.12597")]
    stored = yaml.safe_load(Path("kb/papers/2301.12597.yaml").read_text("utf-8"))
    assert stored["provenance"] == {"arxiv_id": "catalogue", "title": "catalogue", "date": "catalogue"}


@pytest.mark.parametrize(
    ("heading", "date", "venue"),
    [("### BLIP-2 (ICML 2023)", "2023", "ICML 2023"), ("### BLIP-2（2023.02）", "2023-02", None)],
    ids=["venue-year", "written-month"],
)
def test_the_notes_date_beats_the_catalogues_month(
    vocab: Vocabulary, heading: str, date: str, venue: str | None
) -> None:
    [paper] = build(vocab, f"{heading}\n\nFrozen encoders on both sides.\n")
    assert (paper.arxiv_id, paper.date, paper.venue) == ("2301.12597", date, venue)
    assert "date" not in paper.provenance


def test_same_name_with_another_title_keeps_no_catalogue_id(vocab: Vocabulary) -> None:
    papers = build(
        vocab,
        """\
        ## Apollo: An Exploration of Video Understanding in Large Multimodal Models

        Which design choices matter for video LMMs, tested at small scale first.
        """,
    )
    [apollo] = papers
    assert apollo.name == "Apollo"
    assert apollo.title == "Apollo: An Exploration of Video Understanding in Large Multimodal Models"
    assert apollo.arxiv_id is None  # the catalogue's Apollo is APoLLo (2312.01564), another paper
    assert apollo.provenance == {}


def test_name_that_two_noted_ids_share_gets_no_catalogue_id(vocab: Vocabulary) -> None:
    papers = build(
        vocab,
        """\
        - [LaVIT](https://arxiv.org/abs/2309.04669): 图像变成长度可变的离散 token
        - [LaVIT](https://arxiv.org/abs/2402.03161): 视频版，运动信息也变成 token

        ### LaVIT

        两篇都叫 LaVIT，这里说的是哪一篇？
        """,
    )
    assert sorted(p.arxiv_id or "" for p in papers) == ["", "2309.04669", "2402.03161"]
    bare = next(p for p in papers if p.arxiv_id is None)
    assert bare.name == "LaVIT"
    assert bare.title is None
    assert bare.provenance == {}


# --- components ------------------------------------------------------------------------------------------------


def test_labelled_component_fields(vocab: Vocabulary) -> None:
    papers = build(
        vocab,
        """\
        ### MiniGPT-4

        - LLM: Vicuna-13B
        - 视觉编码器：EVA-CLIP
        """,
    )
    [paper] = papers
    assert paper.components.llm == ["Vicuna-13B"]
    assert paper.components.vision_encoder == ["EVA-CLIP"]


def test_negated_and_compared_parts_are_not_components(vocab: Vocabulary) -> None:
    papers = build(
        vocab,
        """\
        ### ViLT

        去掉了 Faster R-CNN，也不用 ResNet，图像切块后直接送进 transformer。
        Unlike CLIP it fuses the two modalities early, just like GPT-3 reads one long sequence.
        """,
    )
    [vilt] = papers
    every = [v for slot in vilt.components.model_dump().values() for v in slot]
    for other in ("Faster R-CNN", "ResNet", "CLIP", "GPT-3"):
        assert not any(other in value for value in every), f"{other} in {every}"


def test_a_paper_is_not_its_own_component(vocab: Vocabulary) -> None:
    papers = build(
        vocab,
        """\
        # SigLIP

        Swaps the softmax of CLIP-style training for a sigmoid on every image-text pair.
        SigLIP then scales to very large batches cheaply; ViT-B/16 on the image side.
        """,
    )
    [siglip] = papers
    assert siglip.components.vision_encoder == ["ViT-B/16"]


def test_a_front_matter_paper_is_not_its_own_component(vocab: Vocabulary) -> None:
    papers = build(
        vocab,
        """\
        ---
        arxiv: 2303.15343v1
        ---

        Swaps the softmax of CLIP-style training for a sigmoid. SigLIP then scales to very large batches cheaply.
        """,
    )
    [siglip] = papers
    assert siglip.name == "SigLIP"
    assert "SigLIP" not in siglip.components.vision_encoder


def test_the_model_that_wrote_the_data_is_not_the_llm(vocab: Vocabulary) -> None:
    papers = build(vocab, "+ LLaVA\n\nThe instruction data was generated by GPT-4 from COCO captions.\n")
    assert "GPT-4" not in named(papers, "LLaVA").components.llm


# --- front matter ----------------------------------------------------------------------------------------------


def test_front_matter_naming_a_paper_is_read(vocab: Vocabulary) -> None:
    papers = build(
        vocab,
        """\
        ---
        arxiv: 2303.15343v1
        title: "Sigmoid Loss for Language Image Pre-Training"
        date: 2023-03-27
        venue: ICCV 2023
        tags: [contrastive, loss]
        ---

        A pairwise sigmoid instead of a batch-wide softmax.
        """,
    )
    [paper] = papers
    assert paper.arxiv_id == "2303.15343"
    assert paper.title == "Sigmoid Loss for Language Image Pre-Training"
    assert paper.date == "2023-03-27"
    assert paper.venue == "ICCV 2023"
    assert paper.tags == ["contrastive", "loss"]


BLOG_POST = """\
---
title: "My notes on how multimodal models see"
date: 2025-05-28
tags: [vlm, blog]
---

Some thoughts after a spring of reading. Most of these models put a ViT in front of an LLM.
"""


def test_blog_post_front_matter_title_is_not_a_paper(vocab: Vocabulary) -> None:
    assert build(vocab, BLOG_POST) == []


def test_blog_post_builds_no_record(build_cli: Callable[[Mapping[str, str]], Records]) -> None:
    assert build_cli({"post.md": BLOG_POST}) == []
    assert not Path("kb/papers").exists() or list(Path("kb/papers").iterdir()) == []


def test_an_unknown_short_acronym_heading_alone_is_a_term_not_a_paper(vocab: Vocabulary) -> None:
    # Interview notes: '###### AUC' over pictures and '###### QKV' over an explanation of attention.
    papers = build(
        vocab,
        """\
        ###### AUC
        ![roc](https://example.com/roc.png)

        ###### QKV
        Q 和 K 的点积得到注意力分数，再用来加权 V。

        ###### GIT (Microsoft, 2022)
        One image encoder and one text decoder.
        """,
    )
    assert [p.name for p in papers] == ["GIT"]


# --- shapes from the cold tries: callouts, glossaries, logs, surveys, cards, reading groups -----------------------


def test_a_callout_is_read_like_a_heading_over_its_quote(vocab: Vocabulary) -> None:
    papers = build(
        vocab,
        """\
        > [!tip] Background
        > Generative models read images through the language model.

        > [!abstract] Kosmos-2 (Microsoft, 2023)
        > - vision encoder: CLIP ViT-L/14
        > - loss: next-token prediction

        A paragraph after the quote belongs to no callout.
        """,
    )
    kosmos = named(papers, "Kosmos-2")
    assert kosmos.orgs == ["Microsoft"] and kosmos.year == 2023
    assert kosmos.components.vision_encoder == ["ViT-L/14"]
    assert names(papers) == {"Kosmos-2"}  # 'Background' is a section


def test_a_heading_keeps_a_callout_of_its_own_name_as_its_card(vocab: Vocabulary) -> None:
    papers = build(
        vocab,
        """\
        ## Qwen2-VL

        > [!NOTE] Qwen2-VL
        > **Arxiv** [2409.12191](https://arxiv.org/abs/2409.12191)

        Dynamic resolution instead of a fixed grid; the connector is an MLP over merged patches.
        """,
    )
    [qwen] = papers
    assert qwen.arxiv_id == "2409.12191"
    assert "MLP projector" in qwen.components.connector  # the prose after the callout is the heading's


def test_a_definition_list_term_with_a_title_or_citation_is_a_paper_and_a_bare_term_is_not(vocab: Vocabulary) -> None:
    papers = build(
        vocab,
        """\
        InfoNCE
        : A softmax over one positive and many negatives.

        CoCa
        : *CoCa: Contrastive Captioners are Image-Text Foundation Models*. Yu et al., Google Research, 2022.
        : A contrastive loss on the unimodal text output and a captioning loss on the multimodal decoder.
        """,
    )
    [coca] = papers
    assert coca.name == "CoCa" and coca.year == 2022 and "Google" in coca.orgs
    assert coca.title == "CoCa: Contrastive Captioners are Image-Text Foundation Models"


def test_numbered_references_one_a_line_are_one_paper_each(vocab: Vocabulary) -> None:
    papers = build(
        vocab,
        """\
        # Notes towards a survey of grounding

        Grounding models [1] [2] read boxes as text.

        ## References

        [1] Peng Zhiliang, et al. Kosmos-2: Grounding Multimodal Large Language Models to the World. arXiv 2023.
        [2] Chen Keqin, et al. Shikra: Unleashing Multimodal LLM's Referential Dialogue Magic. arXiv 2023.
        """,
    )
    assert names(papers) == {"Kosmos-2", "Shikra"}  # and the document's title is not a paper
    assert {p.arxiv_id for p in papers} == {"2306.14824", "2306.15195"}  # from the catalogue, by title


def test_a_reading_log_gives_a_paper_a_dated_line_and_skips_other_days(vocab: Vocabulary) -> None:
    papers = build(
        vocab,
        """\
        # TIL

        2024-03-02: read **MM1** (Apple, arXiv 2403.09611). Resolution matters more than the connector.

        2024-03-04: switched the lab's conda environments to uv.

        2024-03-09: skimmed DeepSeek-VL (2403.05525). Hybrid encoder again.
        """,
    )
    assert {p.name for p in papers} == {"MM1", "DeepSeek-VL"}
    assert named(papers, "MM1").orgs == ["Apple"]
    assert named(papers, "DeepSeek-VL").arxiv_id == "2403.05525"


def test_bullets_under_a_topic_bullet_are_papers_when_dated_or_known(vocab: Vocabulary) -> None:
    papers = build(
        vocab,
        """\
        - Pretraining objectives across models
          - BLIP (Salesforce, 2022)
            - losses: ITC, ITM, LM
          - a note to myself about the objectives
        """,
    )
    [blip] = papers
    assert blip.name == "BLIP" and blip.orgs == ["Salesforce"]
    assert set(blip.components.losses) >= {"ITC", "ITM", "LM"}


def test_a_week_prefix_is_not_part_of_the_name_and_the_presenter_is_not_an_org(vocab: Vocabulary) -> None:
    papers = build(
        vocab,
        """\
        ## Week 3: ALBEF (presenter: Dana)

        - 논문: Align before Fuse: Vision and Language Representation Learning with Momentum Distillation
          (Salesforce Research, NeurIPS 2021)
        """,
    )
    [albef] = papers
    assert albef.name == "ALBEF" and albef.venue == "NeurIPS 2021" and albef.orgs == ["Salesforce"]


def test_a_table_names_papers_by_its_paper_column_and_never_by_a_size(vocab: Vocabulary) -> None:
    papers = build(
        vocab,
        """\
        | Checkpoint | Size | Base paper |
        |---|---|---|
        | `google/paligemma-3b-pt-224` | 3B | PaliGemma (Beyer et al., 2024) |
        | `facebook/dinov2-large` | 304M | DINOv2 (Oquab et al., 2023) |
        """,
    )
    assert {p.name for p in papers} == {"PaliGemma", "DINOv2"}
    assert all(p.title and "/" not in p.title for p in papers)  # a checkpoint id is no title


def test_each_paragraph_that_is_a_whole_card_is_one_paper(vocab: Vocabulary) -> None:
    papers = build(
        vocab,
        """\
        【论文】Florence-2: Advancing a Unified Representation for a Variety of Vision Tasks
        🏢 机构：Microsoft
        📅 时间：2023.11

        【论文】Emu2: Generative Multimodal Models are In-context Learners
        🏢 机构：BAAI
        📅 时间：2023.12
        """,
    )
    assert {p.name: p.orgs for p in papers} == {"Florence-2": ["Microsoft"], "Emu2": ["BAAI"]}


def test_a_readme_boilerplate_heading_is_not_a_paper_of_a_similar_name(vocab: Vocabulary) -> None:
    # The catalogue knows STaR; 'Star History' at the end of an awesome list is not it.
    papers = build(vocab, "## Star History\n\n[![chart](https://api.star-history.com/svg?repos=x/y)](https://x)\n")
    assert papers == []


def test_korean_without_leaves_the_part_out(vocab: Vocabulary) -> None:
    papers = build(
        vocab, "## ViLT\n\n- region feature(Faster R-CNN) 없이 patch를 linear projection으로 넣는다, ResNet 없이.\n"
    )
    [vilt] = papers
    assert "ResNet" not in vilt.components.vision_encoder


def test_a_broken_user_catalogue_costs_its_own_rows_not_the_build(project: Path, run: Run) -> None:
    (project / "notes" / "vlmnotes-papers.tsv").write_text(
        "arxiv_id\tname\taliases\ttitle\tdate\torgs\n2401.00001\tZorbNet\t\tZorbNet: A Paper\t2024-13\t\n", "utf-8"
    )
    result = run("build")
    assert result.exit_code == 1
    assert stderr_lines(result)[0] == (
        "error: notes/vlmnotes-papers.tsv:2: date '2024-13' is not YYYY-MM; write it like 2021-03 or leave it empty"
        " (built without it)"
    )
    assert (project / "kb" / "papers" / "2301.12597.yaml").is_file()  # the notes are built all the same


def test_a_link_to_a_model_hub_names_no_organisation(vocab: Vocabulary) -> None:
    papers = build(
        vocab,
        """\
        - `Qwen/Qwen2-VL-7B-Instruct`
            - [HuggingFace](https://huggingface.co/Qwen/Qwen2-VL-7B-Instruct)
            - Uses OpenAI CLIP as the vision backbone
        """,
    )
    [qwen] = papers
    assert qwen.orgs == []
    assert qwen.components.vision_encoder == ["OpenAI CLIP"]


def test_an_outliner_page_title_is_not_a_paper_and_its_bullets_are(vocab: Vocabulary) -> None:
    # A Logseq page: properties first, then one bullet a paper with properties of its own.
    papers = build(
        vocab,
        """\
        title:: Sparse attention papers
        tags:: [[reading]], [[efficiency]]

        - [[Flamingo]]
        \t- org:: [[DeepMind]]
        \t  year:: 2022
        - [[Kosmos-2]]
        \t- arxiv:: https://arxiv.org/abs/2306.14824
        """,
    )
    assert {p.name for p in papers} == {"Flamingo", "Kosmos-2"}
    assert named(papers, "Kosmos-2").arxiv_id == "2306.14824"


def test_arxiv_tab_text_and_a_schemeless_abs_url_give_the_arxiv_id(vocab: Vocabulary) -> None:
    # Lines pasted from browser tabs: arXiv's own '[id] Title' and an address without 'https://'.
    papers = build(
        vocab,
        """\
        ## Saved tabs

        - [2304.08485] Visual Instruction Tuning
        - arxiv.org/abs/2301.12597 BLIP-2
        - Results table 1 [3] shows a 2.1 gain
        """,
    )
    assert {p.arxiv_id for p in papers} == {"2304.08485", "2301.12597"}, brief(papers)
    llava = next(p for p in papers if p.arxiv_id == "2304.08485")
    assert llava.title == "Visual Instruction Tuning"


def test_html_anchor_and_bold_read_like_markdown_link_and_bold(vocab: Vocabulary) -> None:
    # A notebook export writes its links and bold as inline HTML.
    papers = build(
        vocab,
        """\
        1. <b>Flamingo</b>: a Visual Language Model for Few-Shot Learning, <a href="https://arxiv.org/abs/2204.14198">paper</a>
        2. <b>Kosmos-2</b>: Grounding Multimodal Large Language Models to the World, <a href="https://arxiv.org/abs/2306.14824">paper</a>
        """,
    )
    assert {(p.name, p.arxiv_id) for p in papers} == {("Flamingo", "2204.14198"), ("Kosmos-2", "2306.14824")}, brief(
        papers
    )


def test_a_byline_after_a_dash_is_not_part_of_the_title(vocab: Vocabulary) -> None:
    papers = build(
        vocab,
        """\
        - [arXiv](https://arxiv.org/abs/2304.08485) Visual Instruction Tuning — Haotian Liu, Chunyuan Li et al.
        """,
    )
    [paper] = papers
    assert paper.title == "Visual Instruction Tuning"


def test_a_paper_field_without_a_url_is_the_title(vocab: Vocabulary) -> None:
    papers = build(
        vocab,
        """\
        ### InstructBLIP
        Paper: InstructBLIP: Towards General-purpose Vision-Language Models with Instruction Tuning
        Organisation: Salesforce
        Year: 2023
        """,
    )
    [paper] = papers
    assert paper.name == "InstructBLIP"
    assert paper.title is not None and paper.title.startswith("InstructBLIP: Towards General-purpose")


def test_a_colon_followed_by_a_recipe_is_not_a_title(vocab: Vocabulary) -> None:
    papers = build(
        vocab,
        """\
        - PaliGemma: SigLIP-So400m + Gemma-2B, linear projector, arxiv 2407.07726
        """,
    )
    [paper] = papers
    assert paper.name == "PaliGemma"
    assert paper.title is None or "SigLIP" not in paper.title


def test_a_to_read_line_with_a_pasted_url_and_tags_names_the_paper(vocab: Vocabulary) -> None:
    papers = build(
        vocab,
        """\
        - [ ] Cambrian-1 https://github.com/cambrian-mllm/cambrian #mllm #vision
        - [x] MM1 (Apple)
        """,
    )
    assert {p.name for p in papers} == {"Cambrian-1", "MM1"}, brief(papers)


def test_field_blocks_set_apart_by_rules_are_cards_not_setext_headings(vocab: Vocabulary) -> None:
    # Markdown reads lines directly over '---' as one setext heading; notes mean a block and a rule.
    papers = build(
        vocab,
        """\
        Model: InstructBLIP
        Paper: InstructBLIP: Towards General-purpose Vision-Language Models with Instruction Tuning (NeurIPS 2023)
        Org: Salesforce Research
        ---
        Model: Shikra
        Paper: https://arxiv.org/abs/2306.15195
        Org: SenseTime
        """,
    )
    assert {p.name for p in papers} == {"InstructBLIP", "Shikra"}, brief(papers)
    assert named(papers, "InstructBLIP").title == (
        "InstructBLIP: Towards General-purpose Vision-Language Models with Instruction Tuning"
    )


def test_a_one_line_setext_heading_still_heads_its_section(vocab: Vocabulary) -> None:
    papers = build(
        vocab,
        """\
        Flamingo
        --------
        - arXiv: https://arxiv.org/abs/2204.14198
        """,
    )
    assert [(p.name, p.arxiv_id) for p in papers] == [("Flamingo", "2204.14198")], brief(papers)


def test_a_cards_unlabelled_lines_describe_its_paper(vocab: Vocabulary) -> None:
    # A WeChat-article card: known labels, then '核心思想：' which no label list knows.
    papers = build(
        vocab,
        """\
        ## 【一】BLIP-2

        论文：BLIP-2: Bootstrapping Language-Image Pre-training with Frozen Image Encoders and Large Language Models

        机构：Salesforce Research

        链接：https://arxiv.org/abs/2301.12597

        核心思想：冻结图像编码器（EVA-CLIP ViT-g）和大语言模型（OPT / FlanT5），中间用 Q-Former 连接。

        ## 【二】MiniGPT-4

        机构：阿卜杜拉国王科技大学（KAUST）

        链接：https://arxiv.org/abs/2304.10592
        """,
    )
    blip2, minigpt4 = named(papers, "BLIP-2"), named(papers, "MiniGPT-4")
    assert blip2.components.connector == ["Q-Former"]
    assert set(blip2.components.llm) == {"OPT", "FlanT5"}
    # The full name and its abbreviation in brackets are one organisation, not a name cut at the bracket.
    assert minigpt4.orgs == ["King Abdullah University of Science and Technology (KAUST)"]


def test_a_quote_right_under_a_paper_line_describes_it(vocab: Vocabulary) -> None:
    papers = build(
        vocab,
        """\
        [2301.12597] BLIP-2: Bootstrapping Language-Image Pre-training with Frozen Image Encoders
        > Salesforce Research. Q-Former between a frozen EVA ViT-g/14 and a frozen OPT.

        [2204.14198] Flamingo: a Visual Language Model for Few-Shot Learning

        > A quote set apart by a blank line is not read into the line above: Vicuna.
        """,
    )
    blip2, flamingo = named(papers, "BLIP-2"), named(papers, "Flamingo")
    assert blip2.orgs == ["Salesforce"]
    assert blip2.components.connector == ["Q-Former"]
    assert flamingo.components.llm == []


def test_a_property_table_under_a_heading_gives_its_fields(vocab: Vocabulary) -> None:
    # A Notion page exported to Markdown: one two-column table of properties per paper.
    papers = build(
        vocab,
        """\
        ## Fuyu-8B

        | Property | Value |
        | --- | --- |
        | Org | Adept |
        | Year | 2023 |
        | Status | Done |
        """,
    )
    [fuyu] = papers
    assert fuyu.orgs == ["Adept"]
    assert fuyu.date == "2023"


def test_a_chinese_title_line_sets_its_facts_apart_with_full_width_commas(vocab: Vocabulary) -> None:
    papers = build(
        vocab,
        """\
        ## 二、InstructBLIP：指令微调

        InstructBLIP: Towards General-purpose Vision-Language Models with Instruction Tuning，Salesforce，2023 年。

        - 连接器：Q-Former
        """,
    )
    [instructblip] = papers
    assert instructblip.orgs == ["Salesforce"]


def test_a_title_field_does_not_run_on_into_the_prose_under_it(vocab: Vocabulary) -> None:
    papers = build(
        vocab,
        """\
        ## 一、CLIP

        论文：Learning Transferable Visual Models From Natural Language Supervision（arXiv: 2103.00020）
        作者在 2021 年提出，用图文对做对比学习。
        """,
    )
    [clip] = papers
    assert clip.title == "Learning Transferable Visual Models From Natural Language Supervision"
    assert clip.arxiv_id == "2103.00020"


def test_a_slides_bold_title_bullet_titles_the_facts_bullet_under_it(vocab: Vocabulary) -> None:
    papers = build(
        vocab,
        """\
        ### Slide 2 — Paper 1: ALIGN
        - **Scaling Up Visual and Vision-Language Representation Learning With Noisy Text Supervision**
        - Google Research, ICML 2021 — arXiv:2102.05918
        - EfficientNet image encoder + BERT text encoder
        """,
    )
    [align] = papers
    assert align.arxiv_id == "2102.05918"
    assert align.title == "Scaling Up Visual and Vision-Language Representation Learning With Noisy Text Supervision"


def test_a_title_line_under_a_heading_keeps_the_id_written_on_the_next_line(vocab: Vocabulary) -> None:
    papers = build(
        vocab,
        """\
        ## 四、Qwen-VL：阿里的多语言 VLM

        Qwen-VL: A Versatile Vision-Language Model for Understanding, Localization, Text Reading, and Beyond
        阿里巴巴 2023 年发布，arXiv 2308.12966。语言模型 Qwen-7B。
        """,
    )
    [qwen] = papers
    assert qwen.arxiv_id == "2308.12966"
    assert qwen.title is not None and qwen.title.startswith("Qwen-VL: A Versatile Vision-Language Model")


def test_a_section_with_two_written_ids_takes_neither_as_its_own(vocab: Vocabulary) -> None:
    papers = build(
        vocab,
        """\
        ## Woodpecker notes

        Compared with arXiv 2301.12597 and arXiv 2304.08485 in the hallucination table.
        """,
    )
    woodpecker = [p for p in papers if p.name == "Woodpecker"]
    assert all(p.arxiv_id not in ("2301.12597", "2304.08485") for p in woodpecker), brief(papers)
