"""Where a line names components that are not the paper's own: negated, replaced or compared against.

"去掉了 Faster R-CNN，也不用 ResNet", "unlike CLIP", "replaces the Q-Former with an MLP": the words after such a
cue, up to the end of its clause, name parts the paper does without or compares itself to. A swap keeps its
new part ("with an MLP", "替换为 MLP"), a passive cue looks back ("the Q-Former is removed", "Q-Former 被 MLP
取代") and "与 CLIP 相比" covers what it brackets.

This runs on every line of a build, so a line costs one translation and two regex scans, and the cue regex is
written for the regex engine: it runs on a lower-cased copy without IGNORECASE, its alternatives open on a
literal the engine can reject at the first character, and a lookahead turns most places away at once (the
plain case-insensitive pattern of `\\b...` alternatives was about four times slower on a long line).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right

# Full-width forms to ASCII and ASCII to lower case; the length is kept, so spans index the original text.
_FOLD = str.maketrans(
    {
        **{chr(c): chr(c - 0xFEE0).lower() for c in range(0xFF01, 0xFF5F)},
        **{chr(c): chr(c + 32) for c in range(ord("A"), ord("Z") + 1)},
        "’": "'",
        "\u3000": " ",
    }
)

# Verbs after "without", "no", 无需... that negate an action on the paper's own part, not a part
# ("without fine-tuning the LLM", "无需微调 LLM").
_EN_ACTION = (
    r"(?:any\s+)?(?:fine[\s-]?tun|tun|train|pre[\s-]?train|re[\s-]?train|updat|chang|modif|freez|unfreez"
    r"|sacrific|los|hurt|degrad|compromis)"
)
_ZH_ACTION = r"\s*(?:微调|训练|预训练|重新训练|更新|冻结|解冻)"
# Words after "no" that make no claim about a component ("no need to", "no more than").
_NO_IDIOM = r"(?:need|matter|more|less|longer|doubt|one|way|further|other|than|sooner|wonder|idea)\b"
# What stands between 与/和 and the word closing "与 CLIP 相比": a few words of one clause.
_ZH_GAP = r"[^,;。!?|:\n]{0,30}?"

# English cues, matched after a word boundary on the lower-cased line. Order matters where two begin at one
# place: "is removed" (back) before "is not" (fwd), "replaced by" (back) before "replaced" (swap).
_EN: dict[str, list[str]] = {
    # The part stands before the cue: "the Q-Former is removed", "X is replaced by Y", "X is not used".
    "back": [
        r"(?:is|are|was|were|gets?|got|been|being)\s+(?:then\s+|also\s+|simply\s+)?"
        r"(?:removed|dropped|discarded|eliminated|abandoned|replaced)\b",
        r"(?:is|are|was|were)(?:\s+not|n't)\s+(?:used|needed|required|necessary|included|adopted|employed)\b",
        r"replaced\s+(?:by|with)\b",
    ],
    # "replaces X with Y", "swaps X for Y": X is dropped, Y kept.
    "swap": [r"(?:replac(?:e|es|ed|ing)|swap(?:s|ped|ping)?)\b"],
    # "switches from X to Y", "upgrades X to Y".
    "shift": [
        r"(?:switch(?:es|ed|ing)?|mov(?:e|es|ed|ing)|go(?:es|ing)?|went|chang(?:e|es|ed|ing)|shift(?:s|ed|ing)?"
        r"|migrat(?:e|es|ed|ing))\s+(?:away\s+)?from\b",
        r"upgrad(?:e|es|ed|ing)\b(?!\s+to\b)",
    ],
    "fwd": [
        rf"without\b(?!\s+{_EN_ACTION})",
        r"w/o\b",
        r"(?:instead\s+of|rather\s+than|in\s+place\s+of|no\s+longer)\b",
        r"(?:remov(?:e|es|ed|ing)|drop(?:s|ped|ping)|discard(?:s|ed|ing)?|eliminat(?:e|es|ed|ing)"
        r"|abandon(?:s|ed|ing)?|(?:get(?:s|ting)?|got)\s+rid\s+of|(?:do(?:es)?|did)\s+away\s+with)\b",
        r"(?:does|do|did)(?:\s+not|n't)\s+(?:use|need(?!\s+to\b)|require|rely\s+on|have|include|employ|adopt)\b",
        r"never\s+(?:uses?|used|needs?|requires?)\b",
        r"(?:is|are|was|were)(?:\s+not|n't)\b(?!\s+(?:only|just|merely)\b)",
        r"not\s+(?:a|an|using|use|based\s+on|relying\s+on)\b",
        rf"no\s+(?!{_NO_IDIOM}|{_EN_ACTION})(?=[a-z])",
        # Comparison.
        r"(?:unlike|versus|than|as\s+opposed\s+to|in\s+contrast\s+(?:to|with)|differ(?:s|ent)?\s+from)\b|v\.s\.|vs\b\.?",
        r"(?:compared|comparing|in\s+comparison)\s+(?:to|with)\b|(?:outperform|surpass|beat)(?:s|es|ed|ing)?\b",
        # 'just like GPT-3', 'similar to BLIP': another paper's part, named to compare.
        r"(?:just\s+)?like\s+(?=[a-z0-9])|similar\s+to\b|akin\s+to\b|inspired\s+by\b",
    ],
    # "Qwen2.5-7B, not Llama 3": a bare "not" counts before a name, which the original case tells.
    "not": [r"not\s+(?=[a-z0-9])"],
}
_ZH: dict[str, list[str]] = {
    # "将 Q-Former 替换为 MLP", "把 linear 层改成了 MLP": the old part before, the new one after.
    # "Q-Former 被 MLP 取代", "Q-Former 被去掉了": 被 closes the part that is dropped.
    "back": [
        r"(?:替换|替代|更换|升级|(?<![转变])换|改)(?:为|成)了?",
        rf"被(?={_ZH_GAP}(?:取代|替换|替代|代替|换掉|去掉|去除|移除|删除|删掉|抛弃|舍弃|丢弃))",
    ],
    # "与 CLIP 相比", "和 BLIP 不同的是": the compared part sits between; what follows is the paper's own.
    "pair": [
        rf"(?:与|和|跟|同){_ZH_GAP}(?:相比|相较|比较|(?:不同|不一样|有别|区别)(?:的是|之处)?(?=[,;。]|$|的是|之处))",
    ],
    "fwd": [
        r"(?:去掉|去除|移除|删除|删掉|抛弃|舍弃|丢弃|放弃|摒弃|取代|替换掉?|代替|替代)了?",
        rf"(?:不使用|不采用|不需要|不依赖|不必|不用|无需|无须|不再|没有使用|没有采用|没有用|没用|没有)(?!{_ZH_ACTION})",
        r"而不是|而非|并非|并不是|不是",
        r"相比于?|相较于?|比起|不同于|区别于|有别于|不像|优于|超过|超越|胜过|好于|强于|比(?=\s*[a-z])",
        r"没有延续|不再沿用|没有沿用|没有继承|类似于?",
    ],
}


def _group(name: str, alternatives: list[str]) -> str:
    return f"(?P<{name}>{'|'.join(alternatives)})"


# Every Chinese character the Chinese cues use: a superset of the characters they start with, made from the cues
# so that it cannot fall behind them. The lookahead on it and on a word start turns most places away at once.
_ZH_CHARS = "".join(sorted({c for alts in _ZH.values() for alt in alts for c in alt if "\u4e00" <= c <= "\u9fff"}))
_CUE = re.compile(
    rf"(?=\b[a-z]|[{_ZH_CHARS}])(?:"
    + r"\b(?:"
    + "|".join(_group(kind, alts) for kind, alts in _EN.items())
    + ")|"
    + "|".join(_group(f"zh_{kind}", alts) for kind, alts in _ZH.items())
    + ")",
    re.ASCII | re.MULTILINE,
)
# A clause ends at punctuation (a colon too), a table cell, a closing bracket, or at "but"/"而是" that turns
# to what is used. Full-width punctuation is folded to ASCII before this runs.
_CLAUSE_END = re.compile(r"[,;。:!?|\n)\]】]|\.(?=\s|$)|\bbut\b|而是|但是?|却", re.ASCII)
_PIVOT = {"swap": re.compile(r"\b(?:with|by|for)\b", re.ASCII), "shift": re.compile(r"\bto\b", re.ASCII)}
# Where the old part starts in "将 Q-Former 替换为 MLP", when the clause says so.
_OLD_MARKERS = ("将", "把", "由", "从")
# How far a swap looks for its "with"/"to" and a 替换为 for its 将: enough for a part's name, bounded for speed.
_REACH = 120


def excluded_spans(text: str) -> list[tuple[int, int]]:
    """Spans of `text` whose component words are not the paper's own: negated, replaced or compared."""
    low = text.translate(_FOLD)
    cues = list(_CUE.finditer(low))
    if not cues:
        return []
    stops = [(m.start(), m.end()) for m in _CLAUSE_END.finditer(low)]
    starts = [s for s, _ in stops]
    ends = [e for _, e in stops]
    spans: list[tuple[int, int]] = []
    for cue in cues:
        kind = (cue.lastgroup or "fwd").removeprefix("zh_")
        if kind == "not" and not (text[cue.end()].isupper() or text[cue.end()].isdigit()):
            continue
        if kind == "pair":
            spans.append((cue.start(), cue.end()))
        elif kind == "back":
            i = bisect_right(ends, cue.start()) - 1
            begin = ends[i] if i >= 0 else 0
            window = max(begin, cue.start() - _REACH)
            marker = max(low.rfind(m, window, cue.start()) for m in _OLD_MARKERS)
            spans.append((marker if marker >= 0 else begin, cue.end()))
        else:
            i = bisect_left(starts, cue.end())
            end = starts[i] if i < len(starts) else len(text)
            if kind in _PIVOT:
                pivot = _PIVOT[kind].search(low, cue.end(), min(end, cue.end() + _REACH))
                end = pivot.start() if pivot else end
            spans.append((cue.start(), end))
    return _merged(spans)


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted spans, overlapping ones joined."""
    out: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out
