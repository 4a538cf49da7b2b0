"""Spans of a line whose components are negated, replaced or compared against, not the paper's own."""

from __future__ import annotations

from itertools import pairwise

import pytest

from vlmnotes.parse.negation import excluded_spans


def excluded(text: str) -> list[str]:
    return [text[start:end] for start, end in excluded_spans(text)]


def inside(text: str, word: str) -> bool:
    """Whether the first `word` in `text` lies wholly inside an excluded span."""
    at = text.index(word)
    return any(start <= at and at + len(word) <= end for start, end in excluded_spans(text))


@pytest.mark.parametrize(
    ("text", "dropped", "kept"),
    [
        # Chinese: dropped, not used, replaced, compared.
        (
            "这篇去掉了 Faster R-CNN 一类的目标检测器，也不用 ResNet，图像块直接线性投影进 Transformer",
            ["Faster R-CNN", "目标检测器", "ResNet"],
            ["线性投影", "Transformer"],
        ),
        ("用 MLP 替换了 Q-Former，视觉端仍是 EVA-CLIP", ["Q-Former"], ["MLP", "EVA-CLIP"]),
        ("作者将 Q-Former 替换为两层 MLP", ["Q-Former"], ["MLP"]),
        ("本文沿用 ViT，并把 linear 层换成了 MLP", ["linear"], ["ViT", "MLP"]),
        ("Perceiver Resampler 被 Q-Former 取代，LLM 是 Vicuna", ["Perceiver Resampler"], ["Q-Former", "Vicuna"]),
        ("语言端选 Qwen-7B 而不是 LLaMA", ["LLaMA"], ["Qwen-7B"]),
        ("没有使用 RoI 特征，直接喂 patch", ["RoI"], ["patch"]),
        ("不需要 OCR 工具；视觉编码器为 SigLIP", ["OCR"], ["SigLIP"]),
        ("与 BLIP-2 相比本文只用 MLP 连接", ["BLIP-2"], ["MLP"]),
        ("和 Flamingo 不同的是，这里只用线性层", ["Flamingo"], ["线性层"]),
        ("相比于 OPT，Vicuna 的指令跟随更好", ["OPT"], ["Vicuna"]),
        # The model that made the data, named right before: only it, not the parts earlier in the clause.
        ("CLIP ViT-L/14 + Vicuna-13B with GPT-4 generated instruction data", ["GPT-4"], ["CLIP", "Vicuna-13B"]),
        ("Vicuna and GPT-4V-annotated captions", ["GPT-4V"], ["Vicuna"]),
        ("效果超过 Kosmos-1，语言模型用的是 MPT", ["Kosmos-1"], ["MPT"]),
        # English: negation.
        (
            "Unlike CLIP it is not a dual-encoder model; losses are ITM and MLM.",
            ["CLIP", "dual-encoder"],
            ["ITM", "MLM"],
        ),
        ("There are no region features, and the patches go through ViT-B/16.", ["region features"], ["ViT-B/16"]),
        ("Trained without ITC: only LM and MLM remain.", ["ITC"], ["LM and MLM"]),
        ("The model does not use a Q-Former; it feeds Vicuna directly.", ["Q-Former"], ["Vicuna"]),
        ("It no longer needs a detector. The encoder is SigLIP.", ["detector"], ["SigLIP"]),
        ("The Q-Former is removed and an MLP joins ViT-L/14 to the LLM.", ["Q-Former"], ["MLP", "ViT-L/14"]),
        ("The text encoder isn't used at inference, only the ViT.", ["text encoder"], ["ViT"]),
        ("Picks SigLIP, not EVA-CLIP, for the image side.", ["EVA-CLIP"], ["SigLIP"]),
        # English: replaced.
        ("It replaces the Q-Former with a linear layer.", ["Q-Former"], ["linear layer"]),
        ("Swaps the softmax for a pairwise sigmoid loss.", ["softmax"], ["sigmoid loss"]),
        ("Uses a two-layer MLP instead of a single linear layer.", ["linear layer"], ["two-layer MLP"]),
        ("Chose Mistral rather than Vicuna as the language model.", ["Vicuna"], ["Mistral"]),
        ("The cross-attention adapter was replaced by pixel shuffle.", ["cross-attention adapter"], ["pixel shuffle"]),
        ("Switches from a linear projection to an MLP connector.", ["linear projection"], ["MLP connector"]),
        # English: compared.
        ("Compared with BLIP-2, the Q-Former here is lighter.", ["BLIP-2"], ["Q-Former"]),
        ("ViT vs. ResNet: the ViT wins on retrieval.", ["ResNet"], ["retrieval"]),
        ("Outperforms Flamingo; the LLM is OPT-2.7B.", ["Flamingo"], ["OPT-2.7B"]),
        ("LLaVA-1.5 (unlike LLaVA) uses a 2-layer MLP.", ["unlike LLaVA"], ["LLaVA-1.5", "2-layer MLP"]),
    ],
)
def test_excluded_spans_cover_what_is_not_the_papers_own(text: str, dropped: list[str], kept: list[str]) -> None:
    for word in dropped:
        assert inside(text, word), (word, excluded(text))
    for word in kept:
        assert not inside(text, word), (word, excluded(text))


@pytest.mark.parametrize(
    "text",
    [
        "BLIP-2 joins a frozen EVA-CLIP ViT-g/14 to OPT-2.7B with a Q-Former; losses ITC, ITM and LM.",
        "视觉编码器为 CLIP ViT-L/14，语言模型为 Vicuna-13B，两者之间用线性层连接。",
        "使用 MLM 和对比学习两个目标",  # 和 that compares nothing
        "使用 ViT 和 BERT 两种不同的编码器",  # 不同 that is not "与…不同"
        "Trained without fine-tuning the LLM, only the projector learns.",  # an action, not a part, is negated
        "无需微调 LLM，只训练投影层",
        "There is no need to tune Vicuna.",
        "It is not only a ViT but also a text encoder.",
        "将图像特征转换为 token 后送入 Vicuna",  # 转换为 converts, it replaces nothing
        "A drop-in MLP projector; the ViT is unlikely to matter.",
        "",
    ],
)
def test_lines_without_a_cue_exclude_nothing(text: str) -> None:
    assert excluded_spans(text) == []


def test_a_clause_ends_at_punctuation_brackets_table_cells_and_but() -> None:
    assert excluded("| BLIP-2 | without Q-Former | ViT-g |") == ["without Q-Former "]
    assert excluded("不用 ResNet 而是 ViT") == ["不用 ResNet "]
    assert excluded("Not a dual encoder but a fusion encoder.") == ["Not a dual encoder "]
    assert excluded("（不同于 CLIP）本文用 SigLIP") == ["不同于 CLIP"]
    assert excluded("Unlike ALBEF: ITC, ITM and MLM") == ["Unlike ALBEF"]
    # A full stop ends a sentence, a dot inside a version does not.
    assert excluded("Rather than Llama 3.1 8B. Uses Qwen2.5-7B.") == ["Rather than Llama 3.1 8B"]


def test_full_width_punctuation_and_capitals_fold_like_ascii() -> None:
    assert excluded("UNLIKE BLIP，我们用 Q-Former") == ["UNLIKE BLIP"]
    assert excluded("ＷＩＴＨＯＵＴ ＯＣＲ；用 ViT") == ["ＷＩＴＨＯＵＴ ＯＣＲ"]


def test_spans_are_sorted_and_disjoint_and_overlaps_join() -> None:
    text = "Unlike CLIP, it drops the ITC loss without a detector; 不用 ResNet，与 BLIP 相比更小。"
    spans = excluded_spans(text)
    assert spans == sorted(spans)
    assert all(a_end < b_start for (_, a_end), (b_start, _) in pairwise(spans))
    # "drops" and "without" open two spans in one clause: they join into one.
    assert excluded(text) == ["Unlike CLIP", "drops the ITC loss without a detector", "不用 ResNet", "与 BLIP 相比"]


def test_a_long_line_is_read_whole() -> None:
    unit = "Unlike CLIP, it keeps ViT-L/14 and replaces the Q-Former with an MLP; 去掉了目标检测器，用 Vicuna。"
    text = unit * (100_000 // len(unit) + 1)
    spans = excluded_spans(text)
    repeats = text.count(unit)
    assert len(spans) == 3 * repeats
    assert [text[s:e] for s, e in spans[:3]] == ["Unlike CLIP", "replaces the Q-Former ", "去掉了目标检测器"]
    covered = sum(e - s for s, e in spans)
    assert covered == repeats * sum(len(text[s:e]) for s, e in spans[:3])
    # One cue and no clause end in 100 KB: the span runs to the end of the line.
    flat = "without " + "ViT " * 25_000
    assert excluded_spans(flat) == [(0, len(flat))]
