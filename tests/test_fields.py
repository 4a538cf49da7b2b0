"""Small fields read out of notes (arXiv ids, dates, venues, names, relations), the vocabulary and the merge rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from vlmnotes.model import Paper
from vlmnotes.parse import parse_text
from vlmnotes.parse.entry import components_in, orgs_in
from vlmnotes.parse.fields import (
    arxiv_id_from_url,
    date_from_arxiv_id,
    find_date,
    find_relations,
    find_venue,
    is_name_like,
    name_from_title,
    split_name_parens,
    valid_arxiv_id,
)
from vlmnotes.parse.merge import merge
from vlmnotes.vocab import Vocabulary, load_vocabulary


@pytest.fixture(scope="module")
def vocab() -> Vocabulary:
    return load_vocabulary()


def build(vocab: Vocabulary, *notes: tuple[str, str]) -> list[Paper]:
    """Parse (file name, text) notes together and merge them, as a build over a notes folder does."""
    cands = [c for name, text in notes for c in parse_text(text, name, vocab)]
    return merge(cands)


# --- arXiv ids -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "arxiv_id"),
    [
        ("https://arxiv.org/abs/2103.00020", "2103.00020"),
        ("https://arxiv.org/abs/2103.00020v2", "2103.00020"),
        ("https://arxiv.org/pdf/2306.16410.pdf", "2306.16410"),
        ("https://arxiv.org/pdf/2306.16410v1.pdf", "2306.16410"),
        ("https://arxiv.org/pdf/2301.12597", "2301.12597"),
        ("https://arxiv.org/html/2306.16410v1", "2306.16410"),
        ("http://arxiv.org/abs/2306.17842", "2306.17842"),
        ("https://www.arxiv.org/abs/2111.11432", "2111.11432"),
        ("http://export.arxiv.org/abs/2108.10904", "2108.10904"),
        ("arxiv.org/abs/2103.00020", "2103.00020"),
        ("https://doi.org/10.48550/arXiv.2209.06794", "2209.06794"),
        ("10.48550/arXiv.2209.06794", "2209.06794"),
        ("arXiv:2103.00020", "2103.00020"),
        ("https://img.shields.io/badge/arXiv-2305.06500v2-b31b1b.svg", "2305.06500"),
        ("https://arxiv.org/abs/cs/0112017", "cs/0112017"),
        ("https://arxiv.org/pdf/cs/0112017v1.pdf", "cs/0112017"),
        ("https://arxiv.org/abs/math.GT/0309136", "math/0309136"),  # the subject class is not part of the id
        ("https://arxiv.org/abs/1908.02265", "1908.02265"),
    ],
)
def test_arxiv_id_from_every_url_form(url: str, arxiv_id: str) -> None:
    assert arxiv_id_from_url(url) == arxiv_id


@pytest.mark.parametrize(
    "url",
    [
        "https://github.com/salesforce/LAVIS",
        "https://huggingface.co/papers/2306.16410",
        "https://openreview.net/forum?id=EbMuimAbPbs",
        "https://llava-vl.github.io/",
    ],
)
def test_arxiv_id_from_url_is_none_off_arxiv(url: str) -> None:
    assert arxiv_id_from_url(url) is None


@pytest.mark.parametrize(
    ("arxiv_id", "valid"),
    [
        ("2103.00020", True),
        ("1412.1234", True),  # four digits before 2015
        ("0704.0001", True),  # the first new-style id
        ("cs/0112017", True),
        ("math.GT/0309136", True),
        ("2103.0002", False),  # five digits since 2015: a float-mangled 2103.00020
        ("2113.00020", False),  # month 13
        ("2100.00020", False),  # month 0
        ("1501.0001", False),
        ("0703.1234", False),  # before new-style ids existed
        ("cs/0113017", False),
        ("CLIP", False),
    ],
)
def test_valid_arxiv_id(arxiv_id: str, valid: bool) -> None:
    assert valid_arxiv_id(arxiv_id) is valid


@pytest.mark.parametrize(
    ("arxiv_id", "date"),
    [
        ("2103.00020", "2021-03"),
        ("2510.18234", "2025-10"),
        ("1908.02265", "2019-08"),
        ("cs/0112017", "2001-12"),
        ("hep-th/9711200", "1997-11"),
        ("math.GT/0309136", "2003-09"),
        ("2113.00020", None),
    ],
)
def test_date_from_arxiv_id(arxiv_id: str, date: str | None) -> None:
    assert date_from_arxiv_id(arxiv_id) == date


# --- dates ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("Thu, 22 Oct 2020", "2020-10-22"),
        ("Fri, 26 Feb 2021 [Learning Transferable ...]", "2021-02-26"),
        ("15 Sep. 2022", "2022-09-15"),
        ("2021.01", "2021-01"),
        ("2021-02-26", "2021-02-26"),
        ("2021年1月", "2021-01"),
        ("2021年1月5日", "2021-01-05"),
        ("(arxiv2023.12)", "2023-12"),
        ("[2025.10]", "2025-10"),
        ("Aug 6 2019", "2019-08-06"),
        ("Aug 6, 2019", "2019-08-06"),
        ("arXiv 2019/08", "2019-08"),
        ("Sept 2022", "2022-09"),
        ("June 2022", "2022-06"),
    ],
)
def test_find_date_reads_every_note_format(text: str, iso: str) -> None:
    found = find_date(text)
    assert found is not None
    assert found.iso == iso


@pytest.mark.parametrize(
    "text",
    [
        "2103.00020",  # an arXiv id is not a date
        "Feb 30 2021",  # no such day
        "2023.13",  # no such month
        "ICML:2021",  # a venue year alone is not a date
        "ResNet-50 trained for 300 epochs",
    ],
)
def test_find_date_finds_nothing(text: str) -> None:
    assert find_date(text) is None


def test_find_date_takes_the_first_date_written() -> None:
    found = find_date("Thu, 22 Oct 2020 (revised 2021-06-03)")
    assert found is not None
    assert (found.iso, found.weekday, found.start) == ("2020-10-22", "Thu", 0)


def test_find_date_reads_full_width_digits() -> None:
    found = find_date("２０２１年１月")
    assert found is not None
    assert found.iso == "2021-01"


# --- venues --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "venue"),
    [
        ("ICML:2021", ("ICML 2021", 2021)),
        ("NIPS: 2022", ("NeurIPS 2022", 2022)),
        ("Neurips 2020", ("NeurIPS 2020", 2020)),
        ("CVPR 2023", ("CVPR 2023", 2023)),
        ("CVPR2023", ("CVPR 2023", 2023)),
        ("ACM MM 2021", ("ACM MM 2021", 2021)),
        ("Published at ECCV 2022", ("ECCV 2022", 2022)),
        ("AAAI 2020 [[code]]", ("AAAI 2020", 2020)),
    ],
)
def test_find_venue_normalises(text: str, venue: tuple[str, int], vocab: Vocabulary) -> None:
    assert find_venue(text, vocab) == venue


@pytest.mark.parametrize("text", ["arXiv 2023", "ResNet 2016", "2021", "Qwen2 7B"])
def test_find_venue_ignores_what_is_not_a_venue(text: str, vocab: Vocabulary) -> None:
    assert find_venue(text, vocab) is None


# --- names and titles ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["CLIP", "BLIP-2", "Qwen2-VL", "LLaVA-1.5", "InternVL 1.5", "Llama 3.2 Vision", "GPT-4V", "MoE-LLaVA", "Flamingo"],
)
def test_is_name_like_accepts_model_names(text: str) -> None:
    assert is_name_like(text)


@pytest.mark.parametrize(
    "text",
    [
        "clip",  # no capital: a word, not a name
        "Vision Transformer",
        "The Model",
        "Learning Transferable Visual Models",
        "A ConvNet for the 2020s",
        "An unusually long model name that goes on",
    ],
)
def test_is_name_like_rejects_phrases(text: str) -> None:
    assert not is_name_like(text)


def test_is_name_like_loose_accepts_a_coined_word_in_a_title_prefix() -> None:
    assert not is_name_like("Spiral Rotations")
    assert is_name_like("Spiral RoPE", loose=True)


@pytest.mark.parametrize(
    ("title", "name"),
    [
        ("BLIP-2: Bootstrapping Language-Image Pre-training with Frozen Image Encoders", "BLIP-2"),
        ("Qwen-VL: A Versatile Vision-Language Model for Understanding", "Qwen-VL"),
        ("CoCa: Contrastive Captioners are Image-Text Foundation Models", "CoCa"),
        ("An Image is Worth 16x16 Words: Transformers for Image Recognition at Scale", None),
        ("Learning Transferable Visual Models From Natural Language Supervision", None),
        ("The Model: a thing", None),
    ],
)
def test_name_from_title(title: str, name: str | None) -> None:
    assert name_from_title(title) == name


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("Vision Transformer (ViT)", ("Vision Transformer", "ViT")),
        ("Vision Transformer（ViT）", ("Vision Transformer", "ViT")),
        ("Contrastive Language-Image Pre-Training (CLIP)", ("Contrastive Language-Image Pre-Training", "CLIP")),
        ("CLIP", ("CLIP", None)),
        ("BLIP (2022)", ("BLIP (2022)", None)),
        ("Flamingo (see the appendix for details)", ("Flamingo (see the appendix for details)", None)),
    ],
)
def test_split_name_parens(text: str, parts: tuple[str, str | None]) -> None:
    assert split_name_parens(text) == parts


# --- vocabulary ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Qwen2 7B", [("llm", "Qwen2-7B")]),
        ("Ｑｗｅｎ２－７Ｂ", [("llm", "Qwen2-7B")]),  # full-width, as a Chinese IME types it
        ("Qwen-7B +  Openclip’s ViT-bigG", [("llm", "Qwen-7B"), ("vision_encoder", "OpenCLIP ViT-bigG")]),
        ("图像 - 文本匹配损失", [("losses", "ITM")]),
        ("masked LM", [("losses", "MLM")]),  # the longest alias wins, LM is not also found
        ("掩码语言建模", [("losses", "MLM")]),
        ("ViT-g/14 from EVA-CLIP", [("vision_encoder", "EVA-CLIP ViT-g/14")]),
        ("CLIP ViT-L/14", [("vision_encoder", "ViT-L/14")]),
        ("ResNet50", [("vision_encoder", "ResNet-50")]),
        ("Llama 3.1", [("llm", "LLaMA-3")]),
        ("双流", [("architecture", "dual-encoder")]),
        ("对比学习", [("losses", "ITC")]),
        ("图文对比、图文匹配和语言建模", [("losses", "ITC"), ("losses", "ITM"), ("losses", "LM")]),
        ("Qwen-VL", []),  # a VLM's name is not its LLM
        ("Qwen-VL uses Qwen-7B", [("llm", "Qwen-7B")]),
        ("the itc loss", []),  # short all-caps aliases match only in capitals
        ("Transformer", []),  # generic: counts only after a text label
        ("文本: Transformer", [("text_encoder", "Transformer")]),
        ("text encoder: Transformer", [("text_encoder", "Transformer")]),
    ],
)
def test_components_in_gives_canonical_names(text: str, found: list[tuple[str, str]], vocab: Vocabulary) -> None:
    assert components_in(text, vocab) == found


@pytest.mark.parametrize(
    ("text", "orgs"),
    [
        ("韩国Kakao公司", ["Kakao"]),
        ("Kakao Brain、Kakao Enterprise", ["Kakao"]),
        ("DeepMind", ["Google DeepMind"]),
        ("Meta AI", ["Meta"]),
        ("智谱AI", ["Zhipu AI"]),
        ("openai当时还是那个openai", ["OpenAI"]),
        ("OpenAI's ViT-L/14", []),  # a possessive names someone else's model, not the paper's org
        ("OpenAI’s ViT-L/14", []),
        ("metadata and fair comparison", []),
    ],
)
def test_orgs_in_gives_canonical_names(text: str, orgs: list[str], vocab: Vocabulary) -> None:
    assert orgs_in(text, vocab) == orgs


def test_vocabulary_org_and_venue_lookups(vocab: Vocabulary) -> None:
    assert vocab.org("韩国Kakao公司") == "Kakao"
    assert vocab.org("Google Brain") == "Google"
    assert vocab.org("Nobody Labs") is None
    assert vocab.venue("NIPS") == "NeurIPS"
    assert vocab.venue("nips") == "NeurIPS"
    assert vocab.venue("Banana") is None


def test_user_vocabulary_file_extends_the_builtin_one(tmp_path: Path) -> None:
    user = tmp_path / "vlmnotes-vocab.yaml"
    user.write_text(
        "components:\n"
        "  llm:\n"
        "    - name: Gemma-3-4B\n"
        "      aliases: [Gemma3 4B, 小杰玛]\n"
        "orgs:\n"
        "  - name: Mila\n"
        "    aliases: [Mila Quebec, 魁北克人工智能研究所]\n"
        "venues:\n"
        "  - name: CoRL\n"
        "    aliases: [CoRL, Conference on Robot Learning]\n",
        encoding="utf-8",
    )
    extended = load_vocabulary(user)
    assert components_in("LLM: Gemma3 4B, then Qwen2 7B", extended) == [("llm", "Gemma-3-4B"), ("llm", "Qwen2-7B")]
    assert components_in("小杰玛", extended) == [("llm", "Gemma-3-4B")]
    assert orgs_in("魁北克人工智能研究所 and OpenAI", extended) == ["Mila", "OpenAI"]
    assert find_venue("CoRL 2023", extended) == ("CoRL 2023", 2023)
    # The built-in vocabulary is not changed by loading a user file.
    builtin = load_vocabulary()
    assert components_in("Gemma3 4B", builtin) == []
    assert find_venue("CoRL 2023", builtin) is None


def test_missing_user_vocabulary_file_gives_the_builtin_one(tmp_path: Path) -> None:
    vocab = load_vocabulary(tmp_path / "vlmnotes-vocab.yaml")
    assert components_in("Qwen2 7B", vocab) == [("llm", "Qwen2-7B")]


# --- relations -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "claims"),
    [
        ("BLIP-2 是 BLIP 的改进版本", [("BLIP-2", "improves-on", "BLIP")]),
        ("BLIP-2是BLIP的升级", [("BLIP-2", "improves-on", "BLIP")]),
        ("InstructBLIP 在 BLIP-2 的基础上进行了改进", [("InstructBLIP", "improves-on", "BLIP-2")]),
        ("FILIP 和 ColPali 是不是很像", [("FILIP", "similar-to", "ColPali")]),
        ("ALBEF 与 BLIP 相似", [("ALBEF", "similar-to", "BLIP")]),
        ("基于 CLIP 的架构", [(None, "builds-on", "CLIP")]),
        ("使用 CLIP 的方式", [(None, "uses", "CLIP")]),
        ("LLaVA-1.5 improves on LLaVA", [("LLaVA-1.5", "improves-on", "LLaVA")]),
        ("BLIP-2 is an improved version of BLIP", [("BLIP-2", "improves-on", "BLIP")]),
        ("SigLIP is very similar to CLIP", [("SigLIP", "similar-to", "CLIP")]),
        ("This model builds upon Flamingo", [("model", "builds-on", "Flamingo"), (None, "builds-on", "Flamingo")]),
        ("ViT-g/14 from EVA-CLIP", [(None, "uses", "EVA-CLIP")]),
        ("nothing related here", []),
        ("这篇和那篇很像", []),  # no model names, no relation
    ],
)
def test_find_relations(text: str, claims: list[tuple[str | None, str, str]]) -> None:
    assert [(c.subject, c.type, c.target) for c in find_relations(text)] == claims


def test_find_relations_quotes_each_sentence_as_evidence() -> None:
    claims = find_relations("ALBEF 与 BLIP 相似。BLIP-2 是 BLIP 的增强版")
    assert [(c.type, c.evidence) for c in claims] == [
        ("similar-to", "ALBEF 与 BLIP 相似。"),
        ("improves-on", "BLIP-2 是 BLIP 的增强版"),
    ]


# --- merge ---------------------------------------------------------------------------------------------------


def test_same_arxiv_id_in_two_notes_is_one_paper(vocab: Vocabulary) -> None:
    papers = build(
        vocab,
        ("list.md", "- [x] [CLIP](https://arxiv.org/abs/2103.00020)\n"),
        (
            "log.md",
            "- Fri, 26 Feb 2021 [Learning Transferable Visual Models From Natural Language Supervision]"
            "(https://arxiv.org/pdf/2103.00020v1)\n",
        ),
    )
    assert len(papers) == 1
    clip = papers[0]
    assert (clip.id, clip.name, clip.date, clip.status) == ("2103.00020", "CLIP", "2021-02-26", "read")
    assert clip.title == "Learning Transferable Visual Models From Natural Language Supervision"
    assert (clip.links.paper, clip.links.pdf) == (
        "https://arxiv.org/abs/2103.00020",
        "https://arxiv.org/pdf/2103.00020v1",
    )
    assert [f"{s.file}:{s.line}" for s in clip.sources] == ["list.md:1", "log.md:1"]


def test_name_without_id_merges_into_the_record_with_the_id(vocab: Vocabulary) -> None:
    papers = build(
        vocab,
        ("todo.md", "- [ ] SigLIP\n"),
        ("done.md", "- [x] [SigLIP](https://arxiv.org/abs/2303.15343) - pairwise sigmoid loss\n"),
    )
    assert [(p.id, p.name, p.status) for p in papers] == [("2303.15343", "SigLIP", "read")]
    assert [s.file for s in papers[0].sources] == ["todo.md", "done.md"]


def test_two_arxiv_ids_with_one_name_never_merge(vocab: Vocabulary) -> None:
    papers = build(
        vocab,
        (
            "a.md",
            "- [x] [LaVIT](https://arxiv.org/abs/2309.04669)\n"
            "- [x] [LaVIT](https://arxiv.org/abs/2402.03161)\n"
            "- [ ] LaVIT\n",
        ),
    )
    # The bare name could be either paper, so it joins neither.
    assert [(p.id, p.name) for p in papers] == [("2309.04669", "LaVIT"), ("2402.03161", "LaVIT"), ("lavit", "LaVIT")]


def test_blip_and_blip_2_never_merge(vocab: Vocabulary) -> None:
    papers = build(
        vocab,
        ("a.md", "- [ ] BLIP-2\n- [ ] BLIP\n"),
        ("b.md", "- [x] [BLIP](https://arxiv.org/abs/2201.12086)\n- [x] [BLIP-2](https://arxiv.org/abs/2301.12597)\n"),
    )
    assert [(p.id, p.name, [f"{s.file}:{s.line}" for s in p.sources]) for p in papers] == [
        ("2201.12086", "BLIP", ["a.md:2", "b.md:1"]),
        ("2301.12597", "BLIP-2", ["a.md:1", "b.md:2"]),
    ]


def test_a_name_and_its_next_version_without_ids_stay_apart(vocab: Vocabulary) -> None:
    # Invented names: the known-paper catalogue would give BLIP and BLIP-2 their arXiv ids.
    papers = build(vocab, ("a.md", "- [ ] ZorbNet\n- [ ] ZorbNet-2\n"))
    assert [p.id for p in papers] == ["zorbnet", "zorbnet-2"]


def test_conflicting_venues_are_listed(vocab: Vocabulary) -> None:
    papers = build(
        vocab,
        ("a.md", "[CLIP](https://arxiv.org/abs/2103.00020), ICML 2021\n"),
        ("b.md", "[CLIP](https://arxiv.org/abs/2103.00020), NIPS 2021\n"),
    )
    (clip,) = papers
    assert clip.venue == "ICML 2021"
    assert [c.model_dump() for c in clip.conflicts] == [
        {
            "field": "venue",
            "values": [
                {"value": "ICML 2021", "source": "a.md:1"},
                {"value": "NeurIPS 2021", "source": "b.md:1"},
            ],
        }
    ]


def test_same_venue_written_two_ways_is_no_conflict(vocab: Vocabulary) -> None:
    papers = build(
        vocab,
        ("a.md", "[Flamingo](https://arxiv.org/abs/2204.14198), NeurIPS 2022\n"),
        ("b.md", "[Flamingo](https://arxiv.org/abs/2204.14198), NIPS 2022\n"),
    )
    (flamingo,) = papers
    assert (flamingo.venue, flamingo.conflicts) == ("NeurIPS 2022", [])


def test_conflicting_titles_are_listed(vocab: Vocabulary) -> None:
    papers = build(
        vocab,
        (
            "a.md",
            "- Fri, 26 Feb 2021 [Learning Transferable Visual Models From Natural Language Supervision](https://arxiv.org/abs/2103.00020)\n",
        ),
        ("b.md", "- Fri, 26 Feb 2021 [Learning Visual Models With Language](https://arxiv.org/abs/2103.00020)\n"),
    )
    (clip,) = papers
    assert clip.title == "Learning Transferable Visual Models From Natural Language Supervision"
    assert [(c.field, [v.value for v in c.values], [v.source for v in c.values]) for c in clip.conflicts] == [
        (
            "title",
            [
                "Learning Transferable Visual Models From Natural Language Supervision",
                "Learning Visual Models With Language",
            ],
            ["a.md:1", "b.md:1"],
        )
    ]


def test_title_with_and_without_name_prefix_is_no_conflict(vocab: Vocabulary) -> None:
    papers = build(
        vocab,
        (
            "a.md",
            "- [[SPAE](https://arxiv.org/abs/2306.17842)] Semantic Pyramid AutoEncoder for Multimodal Generation\n",
        ),
        ("b.md", "[SPAE: Semantic Pyramid AutoEncoder for Multimodal Generation](https://arxiv.org/abs/2306.17842)\n"),
    )
    (spae,) = papers
    assert (spae.name, spae.conflicts) == ("SPAE", [])


def test_written_month_against_arxiv_month_keeps_arxiv_and_lists_both(vocab: Vocabulary) -> None:
    papers = build(vocab, ("a.md", "- [2021.01] [DALL-E](https://arxiv.org/abs/2102.12092)\n"))
    (dalle,) = papers
    assert dalle.date == "2021-02"
    assert [(c.field, [(v.value, v.source) for v in c.values]) for c in dalle.conflicts] == [
        ("date", [("2021-02", "arXiv:2102.12092"), ("2021-01", "a.md:1")])
    ]


def test_relation_target_resolves_to_the_record_id(vocab: Vocabulary) -> None:
    papers = build(
        vocab,
        ("blip.md", "- [x] [BLIP](https://arxiv.org/abs/2201.12086)\n"),
        ("blip2.md", "- [x] [BLIP-2](https://arxiv.org/abs/2301.12597)\n  - BLIP-2 是 BLIP 的改进版本\n"),
    )
    blip2 = next(p for p in papers if p.name == "BLIP-2")
    assert [(r.type, r.target, r.target_id, r.source) for r in blip2.relations] == [
        ("improves-on", "BLIP", "2201.12086", "blip2.md:2")
    ]


# --- regressions: ids, dates, names and matches that once came out wrong ---------------------------------------


def test_arxiv_id_from_url_rejects_a_too_long_number() -> None:
    assert arxiv_id_from_url("https://arxiv.org/abs/2103.000201") is None


def test_arxiv_id_from_url_rejects_an_impossible_id() -> None:
    assert arxiv_id_from_url("https://arxiv.org/abs/2113.00020") is None


def test_find_date_reads_a_dotted_full_date() -> None:
    found = find_date("[2024.05.18]")
    assert found is not None
    assert found.iso == "2024-05-18"


def test_name_from_title_after_a_full_width_colon() -> None:
    assert name_from_title("FILIP：细粒度的图文预训练") == "FILIP"


def test_a_vlm_name_with_a_dotted_version_is_not_its_llm(vocab: Vocabulary) -> None:
    assert components_in("Qwen2.5-VL", vocab) == []


def test_chinese_possessive_is_not_the_papers_org(vocab: Vocabulary) -> None:
    assert orgs_in("图像编码器用的是谷歌的模型", vocab) == []


def test_front_matter_arxiv_id_written_as_a_number(vocab: Vocabulary) -> None:
    papers = build(vocab, ("clip.md", "---\narxiv: 2103.00020\n---\n\n# Notes\n"))
    assert [p.arxiv_id for p in papers] == ["2103.00020"]


def test_a_paper_never_builds_on_one_that_came_out_after_it(vocab: Vocabulary) -> None:
    # The note says BLIP builds on BLIP-2: the dates (2022-01 and 2023-01) say it cannot.
    papers = build(
        vocab,
        (
            "a.md",
            "- [BLIP](https://arxiv.org/abs/2201.12086)\n  - BLIP builds on BLIP-2 and is very similar to it\n"
            "- [BLIP-2](https://arxiv.org/abs/2301.12597)\n  - BLIP-2 builds on BLIP\n",
        ),
    )
    relations = {p.name: [(r.type, r.target) for r in p.relations] for p in papers}
    assert relations["BLIP-2"] == [("builds-on", "BLIP")]
    assert ("builds-on", "BLIP-2") not in relations["BLIP"]
