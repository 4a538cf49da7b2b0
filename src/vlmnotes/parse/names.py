"""Where a note puts a paper's name and title: leading names, decorations around them, title-like text.

Notes write a paper as `CLIP：…（2021，OpenAI）`, `**ViT(ICLR2021)(arxiv2020.10)** An Image is Worth …`,
`(*ECCV2020_UNITER*) UNITER: …. [paper] [code]`, `` `Qwen/Qwen2-VL-7B-Instruct` `` or `[2304.08485] Visual
Instruction Tuning`. These helpers take such a piece of text apart into a name, a title and the fields that
decorate them (venue, date, organisation). They look at one short piece of text, never at document structure.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from vlmnotes.parse.fields import (
    clean_title,
    find_date,
    find_venue,
    is_name_like,
    submission_clause,
    submitted,
)
from vlmnotes.parse.orgs import org_phrases
from vlmnotes.vocab import Vocabulary

# Link texts that say where a link goes, not which paper it is.
GENERIC_LINK_TEXT = re.compile(
    r"^\s*(?:\[?\s*(?:paper|pdf|arxiv|arxiv\s*(?:link|page|version|preprint)|paper\s*(?:link|page|url|pdf)"
    r"|link|links|论文|论文链接|论文地址|原文|原文链接|链接|here|this|this paper|abs|html|official"
    r"|code|github|project|project page"
    r"|homepage|home page|page|website|demo|blog|blog\s*post|note|notes|详细信息|model|models|weights|hf|huggingface"
    r"|hugging\s*face|openreview|proceedings|doi|pdf link|slides|video|talk|poster|dataset|data|\d+"
    r"|code\s*link|github\s*(?:repo|link|page)|repo|repository|source\s*code|project\s*website|twitter|tweet"
    r"|youtube|zhihu|bilibili|colab|notebook|spaces?|checkpoints?|model\s*card|leaderboard|bibtex|citation|cite"
    r"|supp|supplementary|(?:tech(?:nical)?\s*)?report|papers\s*with\s*code|(?:google|semantic)\s*scholar"
    r"|项目主页|主页|项目|项目地址|项目链接|官网|代码|代码链接|代码地址|源码|仓库|博客|视频|演示|知乎|公众号|模型|权重"
    r"|数据集|数据|幻灯片|技术报告|报告|全文|下载|arxiv\s*链接"
    r"|(?:arxiv:?\s*)?\d{4}\.\d{4,5}(?:v\d+)?|https?://\S+)\s*\]?\s*)$",
    re.I,
)

# Words that lead section headings and list items but never name a paper.
SECTION_WORDS = {
    w.lower()
    for w in (
        "Abstract Introduction Background Related Method Methods Methodology Approach Experiments Experiment Results"
        " Conclusion Conclusions Discussion Limitations Limitation Summary Overview Notes Note Contents Table TOC"
        " References Reference Resources Materials Highlights Papers Paper Models Model Datasets Dataset Benchmarks"
        " Benchmark Architecture Training Inference Evaluation Data Pretraining Pre-training Finetuning Fine-tuning"
        " Appendix Figure Fig Eq Equation Section Step Stage Part Chapter Version Update Updates News TODO FAQ Links"
        " Link Code Demo Blog Tutorial Tutorials Survey Surveys Misc Others Other Ideas Idea Questions Question Q A"
        " Pros Cons Takeaways Takeaway Terminology Glossary Definition Definitions Metrics Metric Tasks Task Loss"
        " Losses Objective Objectives Motivation Contribution Contributions Problem Problems Insight Insights Tips"
        " Example Examples Usage Install Installation Setup Citation Citations Acknowledgement Acknowledgements"
        " License Contact Authors Author Abstracts Review Reviews Comments Comment Thoughts Conclusion TL;DR TLDR"
        " Part1 Part2 Intro Basics Basic Details Detail Pipeline Framework Structure Design Analysis Ablation"
        " Ablations Comparison Comparisons Remarks Remark Preliminaries Prerequisites Encoder Decoder Projector"
        " Connector Adapter Tokenizer Transformer Attention Vision Language Image Text Video Audio Multimodal"
        " VLM VLMs MLLM MLLMs LLM LLMs LMM LMMs LVLM LVLMs VLP API SFT RLHF DPO PPO RL CoT ICL OCR VQA QA NLP CV"
        " MLP CNN RNN GPU GPUs TPU FLOPs IO IMG TXT PS NB Note NOTE WARNING TIP IMPORTANT CAUTION Info Warning"
        " Tip Important Caution Yes No arXiv ArXiv GitHub Github HuggingFace OpenReview PapersWithCode YouTube"
        " Twitter WeChat Zhihu PDF URL DOI History Star Contributing Contributors License Changelog Roadmap"
        " Agenda Schedule Week Day Session Paper Papers TIL Log Inbox Draft Outline Added Changed Fixed Removed"
        " Deprecated Security Unreleased Released New Spring Summer Fall Autumn Winter Syllabus Readings Reading"
    ).split()
}

_NUMBERING = re.compile(
    r"^\s*(?:第\s*[一二三四五六七八九十百零〇两\d]+\s*[篇章节部分周天期讲课]+\s*[:：.、\-–—]?|[一二三四五六七八九十]+\s*[、.．]|"
    r"[(（]?\s*\d{1,3}\s*[)）.、．]|\d{1,3}(?:\.\d{1,3})+\.?|[(（][一二三四五六七八九十]+[)）]|[A-Za-z]\s*[).]\s"
    r"|(?:week|day|part|session|lecture|lesson|chapter|slide|talk|paper)\s*#?\d{1,3}\s*[:：.\-–—]"
    r"|\d{1,3}\s*(?:주차|회차|週目|回目|日目)\s*[:：.\-–—]?)\s*",
    re.I,
)
# `(*ECCV2020_UNITER*)`, `(CVPR 2023)`, `[NeurIPS 2024]`, `(arxiv2020.10)`: venue/date/name tags.
_TAG = re.compile(r"[(（\[【]\s*\*?\s*([^()（）\[\]【】]{2,40}?)\s*\*?\s*[)）\]】]")
_EMOJI = re.compile(r"[\U0001F000-\U0001FAFF\u2600-\u27BF\uFE0F\u2B50\u2705\u274C]+")
_HF_ID = re.compile(r"^`?\s*([A-Za-z0-9][\w.\-]*)/([A-Za-z0-9][\w.\-]*)\s*`?$")
_SIZE = re.compile(r"(?:[\s\-_](?:\d+(?:\.\d+)?\s*[BMK]|\d{3,4}px|[xX]\d+|[Mm]odels?|[Cc]heckpoints?|[Ww]eights))+$")
_CKPT_WORDS = {
    "instruct",
    "chat",
    "hf",
    "base",
    "pt",
    "ft",
    "it",
    "sft",
    "dpo",
    "gguf",
    "awq",
    "int4",
    "int8",
    "fp16",
    "bf16",
    "preview",
    "latest",
    "mix",
}
_CKPT_SIZE = re.compile(r"[\-_]\d+(?:\.\d+)?[BbMm](?=[\-_]|$)")


@dataclass
class Decorated:
    """A heading or lead taken apart: the core text, and what its decorations said."""

    text: str
    venue: str | None = None
    year: int | None = None
    date: str | None = None
    names: list[str] = field(default_factory=list)  # names given inside tags: (*ECCV2020_UNITER*) → UNITER
    orgs: list[str] = field(default_factory=list)  # `(2021，OpenAI)` → OpenAI
    arxiv: str | None = None  # `(2403.05525)` after a name


def strip_numbering(text: str) -> str:
    """'1. CHAIR', '二、评测', '第一篇：ViT', '2) Papers' → the text after the numbering."""
    m = _NUMBERING.match(text)
    return text[m.end() :] if m and m.end() < len(text) else text


def strip_emoji(text: str) -> str:
    """Text without emoji and pictographs (✨ Highlights → Highlights)."""
    return _EMOJI.sub("", text).strip()


def decorations(text: str, vocab: Vocabulary, known: object = None) -> Decorated:
    """Take venue, date, name and organisation tags out of a heading or lead.

    '(*ECCV2020_UNITER*) UNITER: … [paper] [code]' → text 'UNITER: …', venue ECCV 2020, names [UNITER];
    'ViT(ICLR2021)(arxiv2020.10)' → text 'ViT', venue ICLR 2021, date 2020-10;
    'CLIP：用对比学习…（2021，OpenAI）' → text 'CLIP：用对比学习…', year 2021, orgs [OpenAI].
    """
    out = Decorated(text)
    kept: list[str] = []
    pos = 0
    for m in _TAG.finditer(text):
        inner = m[1].strip()
        used = not (callable(known) and known(inner)) and _read_tag(inner, out, vocab)  # '(SigLIP)' is a name
        if used:
            kept.append(text[pos : m.start()])
            pos = m.end()
    kept.append(text[pos:])
    core = " ".join(p.strip() for p in kept if p.strip())
    # Trailing link labels written as text ('[paper] [code]' after a title whose links were stripped).
    core = re.sub(r"(?:\s*\[\s*(?:paper|code|pdf|arxiv|project|page|github|blog|demo)\s*\])+\s*$", "", core, flags=re.I)
    # A venue written after the title: '… Language Models. CVPR2025', '…, NeurIPS 2022', '…, CVPR 2024 Workshop'.
    tail = re.search(
        r"[.,;，；]?\s*\(?([A-Za-z][A-Za-z\- ]{1,14}?\s*['’\-]?(?:19|20)?\d{2}(?:\s+(?:workshops?|findings))?)\)?\s*$",
        core,
        re.I,
    )
    if tail and (venue := find_venue(tail[1], vocab)) and tail.start() > 0:
        cut = submission_clause(core[: tail.end()]) if submitted(text) else None
        out.venue = out.venue or venue[0]
        out.year = out.year or venue[1]
        core = core[: tail.start() if cut is None else cut]
    if out.venue and submitted(text) and out.venue != (find_venue(text, vocab) or ("",))[0]:
        # 'Foo: … Models. Under review at ICLR 2025', 'Foo, ICLR 2025 (rejected)': a venue read from a piece of the
        # text that the whole text says the paper was only sent to
        if out.year is not None and str(out.year) in out.venue:
            out.year = None
        out.venue = None
    out.text = clean_title(core)
    return out


_YEAR = re.compile(r"(?:19|20)\d{2}[a-z]?(?:\s*年)?")  # "2023", "2023b", "2023 年"
_VENUE_NAME = re.compile(
    r"(?:CVPR|ICCV|ECCV|NeurIPS|NIPS|ICML|ICLR|ACL|EMNLP|NAACL|AAAI|IJCAI|TPAMI|TMLR|WACV|BMVC|COLING|ACM\s?MM|MM)"
    r"(?:\s*['’]?(?:19|20)?\d{2})?",
    re.I,
)
_ORGISH = re.compile(r"[A-Z][\w&.'’\-]*(?: (?:[A-Z][\w&.'’\-]*|of|for|and)){0,5}|[\u4e00-\u9fff]{2,12}")


def read_meta(text: str, out: Decorated, vocab: Vocabulary) -> bool:
    """Read a comma list of facts into `out`: 'Google DeepMind, 2024', 'Li et al., 2020, Microsoft',
    'Chen et al., Google Research, ICLR 2023', 'ByteDance / NTU, 2024'. False (and `out` unchanged) unless every
    part is a year, a date, a venue, authors or an organisation, and at least one is a year, date or venue."""
    parts = [p.strip(" .。") for p in re.split(r"\s*[,，;；、]\s*|\s+/\s+", text.strip()) if p.strip(" .。")]
    if not 2 <= len(parts) <= 6:
        return False
    venue: tuple[str, int] | None = None
    year: int | None = None
    date: str | None = None
    arxiv: str | None = None
    orgs: list[str] = []
    for part in parts:
        found = find_date(part)
        if _YEAR.fullmatch(part):
            year = year or int(part[:4])
        elif (v := find_venue(part, vocab)) is not None and len(part) <= 30:
            venue = venue or v
        elif found is not None and found.start == 0 and found.end >= len(part) - 1:
            date = date or found.iso
        elif re.search(r"\bet\s*al\b|等", part) or re.fullmatch(r"[A-Z][a-z]+ (?:and|&) [A-Z][a-z]+", part):
            continue  # authors
        elif m := re.fullmatch(r"arxiv\s*[:：]?\s*(\d{4}\.\d{4,5})(?:v\d+)?", part, re.I):
            arxiv = arxiv or m[1]  # '(Apple, arXiv 2403.09611)'
            continue
        elif part.lower() in ("arxiv", "paper", "pdf", "code", "link", "project", "github", "blog"):
            continue  # '(Salesforce, NeurIPS 2021, [arXiv](…))': a link's text
        elif vocab.org(part) or _ORGISH.fullmatch(part):
            orgs.append(vocab.org(part) or part)
        else:
            return False
    if not (year or venue or date or arxiv):
        return False
    out.arxiv = out.arxiv or arxiv
    if venue and not out.venue:
        out.venue, out.year = venue[0], venue[1]
    out.year = out.year or year
    out.date = out.date or date
    out.orgs += [o for o in orgs if o not in out.orgs]
    return True


def _read_tag(inner: str, out: Decorated, vocab: Vocabulary) -> bool:
    """Read one bracketed tag into `out`; False when it is not a decoration (e.g. '(ViT)', a name in brackets)."""
    if read_meta(inner, out, vocab):
        return True
    bare_id = re.fullmatch(r"(?:arxiv\s*[:：]?\s*)?(\d{4}\.\d{4,5})(?:v\d+)?", inner.strip(), re.I)
    if bare_id:  # 'DeepSeek-VL (2403.05525)', 'SigLIP (arXiv:2303.15343)'
        out.arxiv = out.arxiv or bare_id[1]
        return True
    venue = find_venue(inner.replace("_", " "), vocab)
    found = find_date(inner)
    if venue and not out.venue:
        out.venue = venue[0]
        out.year = venue[1]
        rest = re.sub(r"^[A-Za-z\- ]*?(?:19|20)\d{2}[_\s:：\-]*", "", inner.replace("*", "")).strip()
        if rest and is_name_like(rest):
            out.names.append(rest)
        return True
    if submitted(inner) and len(inner) <= 40:
        return True  # '(rejected)', '(Under review at ICLR 2025)', '（在投）': where it was sent, not a name
    if re.fullmatch(r"(?:arxiv|arXiv|preprint)?\s*(?:19|20)\d{2}(?:[.\-/]\d{1,2})?", inner, re.I) and found:
        out.date = out.date or found.iso
        return True
    m = re.fullmatch(r"((?:19|20)\d{2})\s*[,，、]\s*(.{2,30})", inner)
    if m:
        out.year = out.year or int(m[1])
        org = m[2].strip()
        out.orgs.append(vocab.org(org) or org)
        return True
    if re.fullmatch(r"(?:19|20)\d{2}", inner):
        out.year = out.year or int(inner)
        return True
    if re.search(r"[\u4e00-\u9fff]", inner) and not re.search(r"[\u4e00-\u9fff]", out.text[: out.text.find(inner)]):
        return True  # a Chinese gloss after an English title: 'BLIP-2: Bootstrapping …（用冻结的编码器…）'
    parts = vocab.find_components(inner)
    if parts and parts[0].start == 0 and parts[0].end == len(inner) and not is_name_like(out.text.strip()):
        return True  # '… Models (Q-Former)': the part the entry is known for, read with the heading's text
    if vocab.org(inner):
        out.orgs.append(vocab.org(inner) or inner)
        return True
    return False


def lead_name(text: str, is_known: object = None) -> tuple[str | None, str]:
    """The model name a piece of text starts with, and the rest after its delimiter.

    'CLIP：用对比学习…' → ('CLIP', '用对比学习…'); 'BLIP-2: Bootstrapping …' → ('BLIP-2', 'Bootstrapping …');
    'NVLM? Too big?' → ('NVLM', 'Too big?'); 'LLaVA' → ('LLaVA', ''); 'Big idea' → (None, 'Big idea').
    A name is a coined-looking word (capitals inside, digits: BLIP-2, LLaVA, Qwen2-VL) or one `is_known` accepts.
    """
    known = is_known if callable(is_known) else (lambda _n: False)
    text = text.strip()
    m = re.match(
        r"\s*([A-Za-z\u4e00-\u9fff][\w.\-+/×]*(?:[ \-][A-Z0-9][\w.\-+]*){0,2}?)"
        r"\s*(?:[:：?？!！,，;；(（]|\.\s|\s[-–—]{1,2}\s|\s+(?=[\u4e00-\u9fff\u3040-\u30ff\uac00-\ud7af])|\s*$)",
        text,
    )
    if not m:
        return None, text
    name = m[1].strip().rstrip(".")
    rest = text[m.end() :].strip()
    if name_ok(name, known):
        return name, rest
    # 'FaithScore Dataset', 'Qwen2-VL 2B': the first word alone may be the name.
    first = name.split()[0] if " " in name else None
    if first and name_ok(first, known):
        return first, rest
    return None, text


def name_ok(name: str, known: object = None) -> bool:
    """True when `name` reads as a paper's short name rather than a word of prose, a section label or a venue."""
    known_fn = known if callable(known) else (lambda _n: False)
    if not name or name.lower() in SECTION_WORDS or name.lower().rstrip("s") in SECTION_WORDS:
        return False
    if name.split()[0].lower() in SECTION_WORDS or _VENUE_NAME.fullmatch(name):
        return False  # 'arXiv 2209.06794', 'CVPR 2024'
    if re.fullmatch(r"[\u4e00-\u9fff]{2,6}", name):
        return bool(known_fn(name))
    if not is_name_like(name):
        return False
    if bool(known_fn(name)):
        return True
    return coined(name)


_VENUE_TAG = re.compile(
    r"([A-Za-z][A-Za-z\- ]{0,14}?)\s*[:：'’_\-]?\s*(?:(?:19|20)\d{2}|\d{2})"
    r"(?:\s+(?:oral|spotlight|highlight|poster|workshops?|findings|main|best\s+paper))?",
    re.I,
)


def not_a_name(text: str, vocab: Vocabulary | None = None, known: Callable[[str], bool] | None = None) -> bool:
    """True for text that names no paper wherever a note puts it: a link's generic text ('paper', '论文',
    '项目主页', 'GitHub'), a date ('2023.05', 'May 2023'), a venue ('CVPR 2023', 'NeurIPS:2023') and, given the
    vocabulary, an organisation ('Allen AI', 'Initech Research') that no known paper (`known`) is named after.

    A bold line under a card, a bracketed link text or a table cell can hold any of these; taken for a name,
    it would join every entry that shares it into one record.
    """
    bare = _bare(text)
    if _never_a_name(bare):
        return True
    if vocab is None or (known is not None and known(bare)):
        return False
    venue = _VENUE_TAG.fullmatch(bare)
    if vocab.venue(bare) or (venue and vocab.venue(venue[1].strip())) or vocab.org(bare):
        return True
    if len(bare) > 60 or ":" in bare or len(bare.split()) > 6 or not (" " in bare or _CJK_CHAR.search(bare)):
        return False  # an organisation written as open text is short and has a cue word ('Initech Research')
    phrases = org_phrases(bare)
    return bool(phrases) and phrases[0][0].strip() == bare


_CJK_CHAR = re.compile(r"[\u4e00-\u9fff]")
_DATE_WORDS = re.compile(
    r"(?i)\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?"
)


def _bare(text: str) -> str:
    return text.strip().strip("*_`[]【】()（）<>《》\"“”' ").strip()


@lru_cache(maxsize=65536)
def _never_a_name(bare: str) -> bool:
    """The part of `not_a_name` that needs no vocabulary: a link's text, a date, a well-known venue."""
    if not bare or GENERIC_LINK_TEXT.match(bare):
        return True
    # A date is short and has no letters but month and weekday names ('VLM-00042' is no date).
    if len(bare) <= 32 and any(c.isdigit() for c in bare) and not re.search(r"[A-Za-z]", _DATE_WORDS.sub("", bare)):
        if re.fullmatch(r"(?:19|20)\d{2}\s*年?", bare):
            return True
        found = find_date(bare)
        if found is not None and found.start == 0 and found.end >= len(bare) - 1:
            return True
    venue = _VENUE_TAG.fullmatch(bare)
    return bool(_VENUE_NAME.fullmatch(bare) or (venue and _VENUE_NAME.fullmatch(venue[1].strip())))


def name_ok_word(word: str) -> bool:
    """A plain capitalised word that may name a paper when the note dates or places it ('Oscar', 'Volcano')."""
    plain = re.fullmatch(r"[A-Z][a-z]{2,20}", word) is not None
    return plain and word.lower() not in SECTION_WORDS and word.lower().rstrip("s") not in SECTION_WORDS


def coined(name: str) -> bool:
    """A word no dictionary has: capitals inside (LLaVA, CoCa), digits (BLIP-2), an all-caps word of 3+ (CLIP)."""
    words = name.split()
    first = words[0]
    if re.fullmatch(r"[A-Z]{2}", first) and len(words) == 1:  # 'AI', 'QA', 'ML': too short to be a name alone
        return False
    if len(words) > 1 and re.fullmatch(r"\d+(?:\.\d+)*[A-Za-z]?", words[1]) and first[:1].isupper():
        return True  # 'Llama 3.2', 'Gemma 3', 'Pixtral 12B': a family name with its version
    return bool(re.search(r"\d|[A-Z]{2}|[a-z][A-Z]", first))


def title_like(text: str) -> bool:
    """True for text that reads as an English paper title: several words, capitalised, not a sentence of prose."""
    text = text.strip()
    words = re.findall(r"[A-Za-z][\w'’\-]*", text)
    if len(words) < 3 or len(text) > 250 or (not text[:1].isupper() and not text[:1].isdigit()):
        return False
    if re.search(r"[\u4e00-\u9fff]", text) or text.endswith(("。", "！", "？")):
        return False
    small = {
        "a",
        "an",
        "the",
        "of",
        "for",
        "and",
        "or",
        "with",
        "in",
        "on",
        "to",
        "via",
        "from",
        "by",
        "at",
        "is",
        "as",
    }
    caps = sum(1 for w in words if w[0].isupper() or w.lower() in small)
    if caps / len(words) >= 0.7:
        return True
    # Sentence-case titles with a coined name before the colon: 'Woodpecker: hallucination correction for …'.
    # Not a recipe after the name: 'PaliGemma: SigLIP-So400m + Gemma-2B, linear projector'.
    head, _, rest = text.partition(":")
    recipe = re.search(r"\s\+\s|\d(?:\.\d)?[BM]\b", rest)
    return len(words) <= 16 and bool(rest) and coined(head.strip()) and not recipe and not _PROSE_END.search(text)


_PROSE_END = re.compile(r"[.!?]\s+[A-Z]|[.;!?]$")


def model_from_checkpoint(text: str) -> str | None:
    """The model a Hugging Face repository id names: 'Qwen/Qwen2-VL-7B-Instruct' → 'Qwen2-VL',
    'allenai/Molmo-7B-D-0924' → 'Molmo', 'openbmb/MiniCPM-V-2_6' → 'MiniCPM-V'; None for other text."""
    m = _HF_ID.match(text.strip())
    if not m:
        return None
    repo = re.sub(r"(\d)_(\d)", r"\1.\2", m[2])
    size = _CKPT_SIZE.search(repo)
    head, tail = (repo[: size.start()], repo[size.end() :]) if size else (repo, "")
    words = [w for w in re.split(r"[\-_]", head) if w]
    while len(words) > 1 and (words[-1].lower() in _CKPT_WORDS or re.fullmatch(r"\d{3,4}", words[-1])):
        words.pop()
    # After the size come variants and dates ('-Vision-Instruct', '-D-0924'): keep real words only.
    words += [w for w in re.split(r"[\-_]", tail) if re.fullmatch(r"[A-Za-z]{3,}", w) and w.lower() not in _CKPT_WORDS]
    name = "-".join(words)
    return name if len(name) >= 2 else None


def split_names(text: str, known: object = None) -> list[str]:
    """'M-HalDetect / HaELM', 'Flamingo / Qwen-VL', 'A & B' → each name; [] when the text is not several names."""
    parts = [p.strip() for p in re.split(r"\s*(?:/|&|、|\band\b|\bvs\.?)\s*", text.strip()) if p.strip()]
    if len(parts) > 1 and all(name_ok(p, known) for p in parts):
        return parts
    return []


@lru_cache(maxsize=65536)
def base_name(name: str) -> str:
    """A name without its size or resolution: 'Qwen2-VL 2B' → 'Qwen2-VL', 'PaliGemma 3B 448px' → 'PaliGemma'."""
    stripped = _SIZE.sub("", name.strip())
    return stripped if len(stripped) >= 2 else name
