"""Small fields read out of note text: arXiv ids, dates, venues, authors, names, link kinds and relations.

Regexes here only ever look at a short piece of text (a URL, a line, a sentence), never at the
structure of a document; that comes from the markdown-it token stream.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import re
import unicodedata
from dataclasses import dataclass

# The author-list reader lives in authors.py; it is read from here like every other small field.
from vlmnotes.parse.authors import read_authors as read_authors
from vlmnotes.parse.authors import strip_et_al as strip_et_al
from vlmnotes.vocab import Vocabulary, fold

# --- arXiv ids -------------------------------------------------------------------------------------------

_NEW_ID = r"(?P<new>\d{4}\.\d{4,5})"
_OLD_ID = r"(?P<old>[a-z][a-z\-]+(?:\.[A-Z]{2})?/\d{7})"
_ID = rf"(?:{_NEW_ID}|{_OLD_ID})(?!\d)(?P<ver>v\d+)?"
_URL_ID = re.compile(
    rf"(?:https?://)?(?:www\.|export\.|browse\.)?arxiv\.org/(?:abs|pdf|html|format)/{_ID}(?:\.pdf)?", re.I
)
_TEXT_ID = re.compile(rf"(?:arxiv\s*[:.\-]\s*|10\.48550/arxiv\.|arxiv\.org/(?:abs|pdf|html)/){_ID}(?![\d.]\d)", re.I)


def valid_arxiv_id(arxiv_id: str) -> bool:
    """True for an id that can exist: new style YYMM.NNNN(N) with a real month, or old style arch/YYMMNNN."""
    m = re.fullmatch(r"(\d{2})(\d{2})\.(\d{4,5})", arxiv_id)
    if m:
        yy, mm, num = int(m[1]), int(m[2]), m[3]
        if not 1 <= mm <= 12:
            return False
        # Five-digit numbers started in January 2015; before that ids had four (a five-digit one of
        # that era is left for arXiv itself to call unknown rather than refused here).
        if yy >= 15:
            return len(num) == 5
        return (yy, mm) >= (7, 4)
    m = re.fullmatch(r"[a-z][a-z\-]+(?:\.[A-Z]{2})?/(\d{2})(\d{2})\d{3}", arxiv_id)
    return bool(m) and 1 <= int(m[2]) <= 12 if m else False


def _pick(m: re.Match[str]) -> str:
    # 'math.GT/0309136' is 'math/0309136': the subject class is not part of an old-style id.
    return m["new"] or re.sub(r"\.[A-Z]{2}/", "/", m["old"])


def normalise_arxiv_id(text: str) -> str | None:
    """The arXiv id a piece of text gives, in the one form records keep: no version, no subject class.

    '2303.15343v1', 'arXiv:2303.15343', 'https://arxiv.org/pdf/2303.15343v2.pdf', '10.48550/arXiv.2303.15343'
    → '2303.15343'; 'math.GT/0309136' → 'math/0309136'; None when the text holds no id that can exist."""
    text = text.strip()
    found = arxiv_id_from_url(text)
    if found:
        return found
    m = re.fullmatch(rf"(?:arxiv\s*[:.]?\s*)?{_ID}", text, re.I)
    if m and valid_arxiv_id(_pick(m)):
        return _pick(m)
    return None


# Cached, as link_kind: an entry's links are looked at by several readers (its kind, its arXiv id, whether it
# names the entry's paper), six calls a link in a note of bracketed links.
@functools.lru_cache(maxsize=1 << 16)
def arxiv_id_from_url(url: str) -> str | None:
    """The arXiv id (without version) an URL points at, in any form seen in the wild; None if it cannot exist."""
    url = url.strip()
    m = _URL_ID.search(url) or _TEXT_ID.search(url)
    if m:
        return _pick(m) if valid_arxiv_id(_pick(m)) else None
    # Badges such as img.shields.io/badge/arXiv-2305.06500v2-b31b1b
    badge = re.search(r"arxiv-(\d{4}\.\d{4,5})(?!\d)(?:v\d+)?", url, re.I)
    return badge[1] if badge and valid_arxiv_id(badge[1]) else None


def raw_arxiv_id(url: str) -> str | None:
    """The id an arxiv.org URL spells, valid or not (for the linter to report impossible ones)."""
    m = re.search(
        r"arxiv\.org/(?:abs|pdf|html)/([\w.\-/]+?)(?:v\d+)?(?:\.pdf)?(?:[?#].*)?$", url.strip().rstrip("/"), re.I
    )
    return m[1] if m else None


def date_from_arxiv_id(arxiv_id: str) -> str | None:
    """YYYY-MM from the id's yymm, or None when it does not give one."""
    m = re.match(r"(?:[a-z\-.A-Z]+/)?(\d{2})(\d{2})", arxiv_id)
    if not m:
        return None
    yy, mm = int(m[1]), int(m[2])
    if not 1 <= mm <= 12:
        return None
    year = 1900 + yy if yy >= 91 else 2000 + yy
    return f"{year:04d}-{mm:02d}"


# --- dates -------------------------------------------------------------------------------------------------

_MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_abbr) if m}
_MONTHS.update({m.lower(): i for i, m in enumerate(calendar.month_name) if m})
_MONTHS["sept"] = 9
_MON = (
    r"(?P<mon>Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
_Y = r"(?P<y>(?:19|20)\d{2})"
_M = r"(?P<m>1[0-2]|0?[1-9])"
_D = r"(?P<d>3[01]|[12]\d|0?[1-9])"
_WD = r"(?P<wd>Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*"

# Ordered: most specific first. Each yields (year, month, day-or-None).
_DATE_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("rfc", re.compile(rf"(?:{_WD},?\s+)?{_D}\s+{_MON}\.?,?\s+{_Y}", re.I)),
    ("mdy", re.compile(rf"{_MON}\.?\s+{_D},?\s+{_Y}", re.I)),
    ("iso", re.compile(rf"(?<!\d){_Y}-(?P<m>1[0-2]|0[1-9])-(?P<d>3[01]|[12]\d|0[1-9])(?!\d)")),
    ("ymd", re.compile(rf"(?<![\d.]){_Y}\s*([./\-])\s*{_M}\s*\2\s*{_D}(?![\d])")),
    ("cjk", re.compile(rf"{_Y}\s*年\s*{_M}\s*月(?:\s*{_D}\s*日)?")),
    ("ym", re.compile(rf"(?<![\d.])(?:arxiv\s*)?{_Y}\s*[./\-]\s*(?P<m>1[0-2]|0[1-9])(?![\d])(?!\.\d)", re.I)),
    ("my", re.compile(rf"{_MON}\.?,?\s+{_Y}", re.I)),
]


@dataclass(frozen=True)
class FoundDate:
    """A date found in text: ISO value at its precision, the matched span and the weekday written."""

    iso: str
    start: int
    end: int
    weekday: str | None = None
    form: str = ""


def _iso(y: int, m: int | None, d: int | None) -> str | None:
    if m is None:
        return f"{y:04d}"
    if d is None:
        return f"{y:04d}-{m:02d}"
    try:
        dt.date(y, m, d)
    except ValueError:
        return None
    return f"{y:04d}-{m:02d}-{d:02d}"


def find_date(text: str) -> FoundDate | None:
    """The first paper date written in `text` in any format the notes use, or None."""
    text = fold(text)
    best: FoundDate | None = None
    for form, pat in _DATE_PATTERNS:
        for m in pat.finditer(text):
            gd = m.groupdict()
            month = _MONTHS[gd["mon"].lower().rstrip(".")] if gd.get("mon") else int(gd["m"])
            day = int(gd["d"]) if gd.get("d") else None
            iso = _iso(int(gd["y"]), month, day)
            if iso is None:
                continue
            found = FoundDate(iso, m.start(), m.end(), gd.get("wd"), form)
            if best is None or found.start < best.start:
                best = found
            break
    return best


# --- venues -------------------------------------------------------------------------------------------------

# A venue and its year: 'ICML:2021', 'NIPS 2019', 'CVPR2023', "NeurIPS'23", 'AAAI-24', 'Findings of EMNLP 2023'.
_VENUE = re.compile(
    r"(?P<v>[A-Za-z][A-Za-z\- ]{1,24}?)\s*[:：\-]?\s*"
    r"(?:(?P<y>(?:19|20)\d{2})|['’](?P<yy>\d{2})|(?<=-)(?P<hy>\d{2})(?![\w.]))(?!\d)"
)
# The year _VENUE ends in, alone: a text without one has no venue, found in one pass (_VENUE tries every letter).
_VENUE_YEAR = re.compile(r"(?:(?:19|20)\d{2}|['’]\d{2}|(?<=-)\d{2}(?![\w.]))(?!\d)")
# Where a paper was sent, not where it appeared: 'Under review at ICLR 2025', 'ICLR 2025 (rejected)', '在投'.
_CUE = (
    r"(?:\b(?:under\s+(?:review|submission)|in\s+submission|submitted|submissions?|rejected|withdrawn"
    r"|desk[\s\-]*reject(?:ed)?)\b|在投|投稿|审稿中?|审核中|被拒|拒稿|未录用|未中)"
)
_SUBMITTED = re.compile(_CUE, re.I)
# The cue right before the venue ('Submitted to NeurIPS 2024', '在投 ICLR 2025', 'Under review (ICLR 2025)') or
# right after it ('ICLR 2025 (rejected)', 'ICLR 2025, rejected', 'ICLR 2025 conference submission', 'ICLR 2025 在投'),
# but not a review at another venue ('NeurIPS 2023 (under review at TPAMI)').
_CUE_BEFORE = re.compile(rf"{_CUE}(?:\s*(?:\b(?:at|to|for|in|the|by)\b|至|到|于))*[\s(（:：]*$", re.I)
_CUE_AFTER = re.compile(rf"[\s(（,，:：\-–—]*(?:[A-Za-z]+\s+)?{_CUE}(?!\s+(?:at|to|in|for|by)\b)", re.I)
_CLAUSE_END = re.compile(r"[,;，；。|\n]")
_WORKSHOP = re.compile(r"\bworkshops?\b|研讨会", re.I)
_FINDINGS = re.compile(r"\bfindings\b", re.I)


def submitted(text: str) -> bool:
    """True when `text` says a paper was submitted, is under review or was turned down ('在投', 'ICLR 2025
    (rejected)'): a venue it names is not where the paper appeared."""
    return bool(_SUBMITTED.search(text))


def submission_clause(text: str) -> int | None:
    """Where the last clause of `text` starts saying the paper was submitted ('Foo. Under review at ICLR 2025'
    → 5), or None when it does not."""
    start = max([0, *(m.end() for m in re.finditer(r"[,;，；。|\n]|\.\s", text))])
    m = _SUBMITTED.search(text, start)
    return m.start() if m else None


def find_venue(text: str, vocab: Vocabulary) -> tuple[str, int] | None:
    """A venue with year such as `ICML:2021`, `NIPS 2019` or `CVPR2023` → ('NeurIPS 2019', 2019).

    A workshop or the Findings track keeps saying so ('CVPR 2024 Workshop', 'CVPRW 2024' → 'CVPR 2024 Workshop';
    'EMNLP 2023 Findings' → 'Findings of EMNLP 2023'); a venue the paper was only submitted to or rejected by
    ('Under review at ICLR 2025', 'ICLR 2025 (rejected)', 'ICLR 2025 在投') is none."""
    folded = fold(text)
    if not _VENUE_YEAR.search(folded):
        return None
    for m in _VENUE.finditer(folded):
        words = m["v"].strip(" -").split()
        year = m["y"] or f"20{m['yy'] or m['hy']}"
        # Try the longest tail of the words before the year that names a venue ("ACM MM", "MM").
        for i in range(len(words)):
            tail = " ".join(words[i:])
            name, workshop = vocab.venue(tail), False
            base = vocab.venue(tail[:-1]) if not name and tail.endswith("W") else None
            if base and vocab.venue_kind(base) == "conference":
                name, workshop = base, True  # 'CVPRW 2024'
            if not name or name == "arXiv":
                continue
            start = m.start("v") + m["v"].index(words[i])
            if _CUE_BEFORE.search(folded[:start]) or _CUE_AFTER.match(folded[m.end() :]):
                break
            clause = _CLAUSE_END.split(folded[:start])[-1] + _CLAUSE_END.split(folded[m.end() :])[0]
            if workshop or _WORKSHOP.search(clause):
                return f"{name} {year} Workshop", int(year)
            if _FINDINGS.search(clause):
                return f"Findings of {name} {year}", int(year)
            return f"{name} {year}", int(year)
    return None


def read_venue(text: str, vocab: Vocabulary) -> tuple[str, int | None] | None:
    """The venue a labelled venue field gives ('Venue: CVPR 2024', '发表：TMLR', 'Published in: Findings of ACL'),
    and its year when it has one; None when the field names no venue the vocabulary knows, or only one the paper
    was submitted to."""
    found = find_venue(text, vocab)
    if found:
        return found
    if submitted(text):
        return None
    folded = fold(text)
    words = re.findall(r"[A-Za-z][A-Za-z\-]*", folded)
    for n in (3, 2, 1):
        for i in range(len(words) - n + 1):
            name = vocab.venue(" ".join(words[i : i + n]))
            if name and name != "arXiv":
                if _WORKSHOP.search(folded):
                    return f"{name} Workshop", None
                return (f"Findings of {name}" if _FINDINGS.search(folded) else name), None
    return None


# --- names and titles ---------------------------------------------------------------------------------------

_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9.\-+/×]*(?:[\- ][A-Za-z0-9.+]+){0,2}")


def clean_title(text: str) -> str:
    """A title with its quotes, stray punctuation and doubled spaces removed."""
    text = re.sub(r"\s+", " ", text).strip()
    text = text.strip("\"“”'「」《》 ")
    text = re.sub(r"^[:：.\-–—,\s]+|[\s,;:：.]+$", "", text)
    return text.strip("\"“”' ")


_NAME_TAIL = {"vl", "vision", "pro", "max", "plus", "chat", "large", "base", "lite", "mini", "next", "ov", "hd"}


def _marked(word: str) -> bool:
    """A word that looks coined rather than English: RoPE, OCR, V-JEPA, 2.5, GPT4."""
    return bool(re.search(r"\d|[A-Z]{2}|[a-z][A-Z]", word))


def is_name_like(text: str, *, loose: bool = False) -> bool:
    """True for a short model name: CLIP, BLIP-2, Qwen2-VL, LLaVA-1.5, InternVL 1.5, Llama 3.2 Vision.

    Several words make a name only when the later ones are versions or sizes ("Cosmos 3"), or, with
    `loose` (a title's prefix before a colon), when one of them looks coined ("Spiral RoPE").
    """
    text = text.strip()
    if not text or len(text) > 32 or not _NAME_RE.fullmatch(text):
        return False
    if not re.search(r"[A-Z]", text):
        return False
    words = text.split()
    # A word starts with a capital or a digit, or is coined with capitals inside ('mPLUG-Owl2', 'iGPT').
    if len(words) > 3 or not all(w[0].isupper() or w[0].isdigit() or re.search(r"[a-z][A-Z]", w) for w in words):
        return False
    if len(words) == 3 and text.isupper():
        return False  # 'BAICHUAN-OMNI TECHNICAL REPORT' is a title in capitals
    if len(words) == 1:
        return True
    if loose:
        return words[0].lower() not in ("the", "a", "an") and any(_marked(w) for w in words)
    return all(_marked(w) or w.lower() in _NAME_TAIL for w in words[1:])


def name_from_title(title: str) -> str | None:
    """The short name a title starts with ('BLIP-2: Bootstrapping ...' → 'BLIP-2'), if it has one."""
    m = re.match(r"\s*([^:：]{1,40}?)\s*(?::\s+|：\s*)\S", title)
    if m and is_name_like(m[1], loose=True):
        return m[1]
    return None


def split_name_parens(text: str) -> tuple[str, str | None]:
    """'Vision Transformer (ViT)' → ('Vision Transformer', 'ViT'); no parentheses → (text, None)."""
    m = re.fullmatch(r"\s*(.+?)\s*[(（]\s*([^()（）]{1,32}?)\s*[)）]\s*", text)
    if m and is_name_like(m[2]):
        return m[1], m[2]
    return text.strip(), None


_NON_WORD = re.compile(r"[\W_]+")


# Cached: merging and relations ask for the keys of the same names again and again (30,000 calls in a build
# that re-merges one note of a 10k-paper knowledge base, most of them repeats).
@functools.lru_cache(maxsize=1 << 16)
def norm_key(text: str) -> str:
    """A comparison key for names and titles: NFKC, lower case, letters and digits only."""
    return _NON_WORD.sub("", unicodedata.normalize("NFKC", text).lower())


def slugify(text: str) -> str:
    """A file-safe id from a name: 'BLIP-2' → 'blip-2', 'ViT-L/14' → 'vit-l-14'."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = re.sub(r"[^\w.\-]+", "-", text).strip("-.")
    return text or "paper"


# --- links --------------------------------------------------------------------------------------------------

_PAPER_HOSTS = (
    "arxiv.org",
    "openreview.net",
    "openaccess.thecvf.com",
    "aclanthology.org",
    "proceedings.neurips.cc",
    "papers.nips.cc",
    "proceedings.mlr.press",
    "doi.org",
    "ieeexplore.ieee.org",
    "dl.acm.org",
    "link.springer.com",
    "ojs.aaai.org",
    "ijcai.org",
    "semanticscholar.org",
    "paperswithcode.com/paper",
)
_CODE_HOSTS = ("github.com", "gitlab.com", "gitee.com", "huggingface.co", "modelscope.cn")


_SOCIAL_HOSTS = (
    "twitter.com",
    "//x.com",
    ".x.com",
    "youtube.com",
    "youtu.be",
    "reddit.com",
    "weibo.com",
    "bilibili.com",
    "news.ycombinator.com",
    "linkedin.com",
    "facebook.com",
    "threads.net",
)


def is_social(url: str) -> bool:
    """True for a post on a social site (a tweet, a video): never a paper's own page."""
    low = url.lower()
    return any(h in low for h in _SOCIAL_HOSTS)


@functools.lru_cache(maxsize=1 << 16)
def link_kind(url: str) -> str | None:
    """'paper', 'pdf', 'code', 'project' or None (images, anchors, relative notes)."""
    low = url.lower().strip()
    if not low.startswith(("http://", "https://", "www.")) or "shields.io" in low or "/badge/" in low:
        return None
    if arxiv_id_from_url(low):
        return "pdf" if "/pdf/" in low else "paper"
    if any(h in low for h in _PAPER_HOSTS):
        return "pdf" if low.split("?")[0].endswith(".pdf") else "paper"
    if low.split("?")[0].endswith(".pdf") and "shields.io" not in low:
        return "pdf"
    if any(h in low for h in _CODE_HOSTS):
        return "code"
    return "project"


# --- relations ----------------------------------------------------------------------------------------------

_N = r"([A-Za-z][A-Za-z0-9.\-+]*(?:-[A-Za-z0-9]+)*)"
_RELATION_PATTERNS: list[tuple[str, re.Pattern[str], bool]] = [
    # (type, pattern, whether group 1 is the subject and group 2 the target)
    ("improves-on", re.compile(rf"{_N}\s*是\s*{_N}\s*的(?:改进|升级|增强)"), True),
    ("improves-on", re.compile(rf"{_N}\s*在\s*{_N}\s*(?:的)?基础上(?:进行了|做了)?(?:改进|优化|升级)"), True),
    ("improves-on", re.compile(rf"{_N}\s+(?:improves|improved)\s+(?:on|upon)\s+{_N}", re.I), True),
    ("improves-on", re.compile(rf"{_N}\s+is\s+an?\s+improved\s+(?:version\s+of\s+)?{_N}", re.I), True),
    (
        "similar-to",
        re.compile(rf"{_N}\s*(?:和|与|跟)\s*{_N}\s*(?:是不是|有点|非常|很)?\s*(?:很像|相似|类似)"),
        True,
    ),
    ("similar-to", re.compile(rf"{_N}\s+(?:is|looks)\s+(?:very\s+)?similar\s+to\s+{_N}", re.I), True),
    ("builds-on", re.compile(rf"{_N}\s+(?:builds|built|is built)\s+(?:on|upon)\s+{_N}", re.I), True),
    (
        "builds-on",
        re.compile(rf"(?:基于|利用了|沿用了?|继承了?)\s*{_N}\s*(?:的)?(?:架构|框架|模型|思路|结构|方式)"),
        False,
    ),
    ("builds-on", re.compile(rf"(?:builds?|built)\s+(?:on|upon)\s+{_N}", re.I), False),
    ("uses", re.compile(r"(?:from)\s+([A-Z][A-Za-z0-9\-]*[A-Z0-9][A-Za-z0-9\-]*)(?=[\s,.;)（(]|$)"), False),
    ("uses", re.compile(rf"使用\s*{_N}\s*的方式"), False),
]


# A word every match of one of the patterns above holds (ignoring case: a superset of what each one takes).
# Most sentences hold none, and are passed over without trying eleven patterns on them.
_RELATION_HINT = re.compile(r"是|基础上|improve|similar|buil|很像|相似|类似|基于|利用了|沿用|继承|from|使用", re.I)


@dataclass(frozen=True)
class RelationClaim:
    """A relation found in a sentence: the subject (None = the entry itself), type, target and evidence."""

    subject: str | None
    type: str
    target: str
    evidence: str
    target_arxiv: str | None = None


def find_relations(text: str) -> list[RelationClaim]:
    """Relations stated in `text`.

    Examples: 'BLIP-2 是 BLIP 的改进版本', 'FILIP 和 ColPali 是不是很像', 'ViT-g/14 from EVA-CLIP'.
    """
    out: list[RelationClaim] = []
    if not _RELATION_HINT.search(fold(text)):
        return out
    for sentence in re.split(r"(?<=[。！？!?；;])|\n", text):
        sentence = sentence.strip()
        if not sentence:
            continue
        folded = fold(sentence)  # same length: matched on folded text, quoted as written
        if not _RELATION_HINT.search(folded):
            continue
        for kind, pat, has_subject in _RELATION_PATTERNS:
            for m in pat.finditer(folded):
                subject, target = (m[1], m[2]) if has_subject else (None, m[1])
                if not re.search(r"[A-Z]", target) or len(target) > 32:
                    continue
                out.append(RelationClaim(subject, kind, target.rstrip(".-"), sentence[:300]))
    return out
