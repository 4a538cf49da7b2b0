"""Organisations written as open text: the names no vocabulary knows, found by how notes write them.

The vocabulary (vlmnotes.vocab) finds the organisations it knows wherever they occur. This module finds the rest
by their shape and by the words around them, and returns them as written; the caller resolves each against the
vocabulary (`vocab.org(name) or name`) and decides which kinds of evidence it trusts.

Shapes and cues, in English and Chinese:

- a name with an organisation word: `University of X`, `X University`, `X Institute (of Technology)`,
  `X Academy (of Sciences)`, `X College`, `X Lab(s)`/`X Laboratory`, `X Research`, `X AI`, `X Inc.`/`Corp.`/`Ltd.`;
  `…大学`, `…学院`, `…实验室`, `…研究院`, `…研究所`, `…公司`, `…集团`, `…科技` (the shortest run of Chinese
  characters before the suffix that starts after the last function word: '我们和清华大学' gives 清华大学)
- a cue around a name (the cue itself left out): `released by X` (developed, proposed, introduced, open-sourced …
  by), `由X提出/发布/开源`, `X发布`, `X推出`, `X出品`, `X团队`, `来自X的研究者` / `作者来自X`, and a year then
  names in brackets `(2021, Google)` / `（2021，智谱）`. `X提出` counts only with 由 or when X has a suffix above:
  before 提出 a bare name is as often a person ('何恺明提出') as an organisation.
- a labelled field: `Affiliation: A, B and C`, `单位：A、B` (see `org_field_value` for the labels)
- a backticked tag of one capitalised word: `` `Apple` `` (the caller decides whether tags are organisations)

>>> [name for name, _, _ in org_phrases("Released by Salesforce with Tsinghua University and Noah's Ark Lab.")]
['Salesforce', 'Tsinghua University', "Noah's Ark Lab"]
>>> [name for name, _, _ in org_phrases("由上海人工智能实验室和复旦大学提出（2024，OpenGVLab）")]
['上海人工智能实验室', '复旦大学', 'OpenGVLab']
>>> org_phrases("State of the Art results on Open Source Large Language Models, trained by GPT-4.")
[]
>>> org_field_value("单位", "清华大学、Sakana AI and University of Oxford")
['清华大学', 'Sakana AI', 'University of Oxford']

Precision comes first: a generic capitalised phrase ('Deep Learning Research', 'Generative AI', 'Related Work'),
a model name with a version ('by GPT-4', 'Qwen2团队'), a sentence opener ('Recently Google Research' gives
'Google Research') or a pronoun before a Chinese verb ('本文提出', '我们发布') names no organisation.
A person's name after `proposed by` still reads as one; a caller that cares reads `by` cues with that in mind.
"""

from __future__ import annotations

import re

from vlmnotes.vocab import fold

_C = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # CJK ideographs
_CJK = re.compile(f"[{_C}]")
_TOK = r"[A-Z][A-Za-z]*(?:['’]s(?= [A-Z])|-[A-Za-z]+)*"  # a capitalised word: 'Noah's' (of Noah's Ark), 'Yat-sen'
# 'and' stays inside a name only before these: 'Science and Technology', 'Posts and Telecommunications'.
_AND_OK = r"(?:Technology|Engineering|Design|Arts|Sciences?|Economics|Telecommunications|Astronautics|Medicine)"
_JOIN = rf"(?: | of | for | and (?={_AND_OK}\b))"
_NAME = rf"{_TOK}(?:(?:{_JOIN}| de ){_TOK}){{0,5}}"
_TAIL = rf"(?: (?:of|for) (?:the )?{_TOK}(?:{_JOIN}{_TOK}){{0,6}}(?: at {_TOK}(?:[ -]{_TOK})?)?)"
_PRE = rf"{_TOK}(?: {_TOK}){{0,3}}"

# 'X University of Y' with either part; 'X Lab' and the like need their X.
_HEAD = re.compile(
    rf"(?<![A-Za-z0-9_\-&])(?:(?P<pre>{_PRE}) )?(?P<suf>University|Institute|Academy|College(?: London)?)"
    rf"(?P<tail>{_TAIL})?(?![A-Za-z0-9_])"
)
_AFTER = re.compile(
    rf"(?<![A-Za-z0-9_\-&])(?P<pre>{_PRE}) "
    r"(?P<suf>Labs?|Laborator(?:y|ies)|Research|AI|Co\.,? Ltd\.?|Inc\.|Inc\b|Corp\.|Corp\b|Corporation|Ltd\.|Ltd\b"
    r"|LLC|GmbH|Co\.)(?![A-Za-z0-9_\-])"
)
# University systems whose campus follows a comma: 'University of California, San Diego'.
_CAMPUS = re.compile(
    r",? (?:at )?(?:Berkeley|Los Angeles|San Diego|Santa Barbara|Santa Cruz|Irvine|Davis|Riverside|Merced"
    r"|San Francisco|College Park|Baltimore County|Austin|Dallas|Arlington|San Antonio|Urbana-Champaign|Chicago"
    r"|Amherst|Boston|Lowell|Madison|Milwaukee|Ann Arbor|Chapel Hill|Boulder|Twin Cities)\b"
)
_SYSTEMS = {"California", "Maryland", "Texas", "Illinois", "Massachusetts", "Wisconsin", "Michigan", "Carolina",
            "Colorado", "Minnesota"}  # fmt: skip

_BY = re.compile(
    r"(?<![A-Za-z])(?i:released|developed|proposed|introduced|published|presented|created|built|launched|produced|maintained"
    r"|funded|sponsored|backed|open[- ]sourced)\s+by\s+"
)
_LATIN_END = re.compile(rf"(?<![A-Za-z0-9_\-&])(?:{_TOK})(?: {_TOK}){{0,3}} ?$")
_NAME_RE = re.compile(_NAME)
_NAME_LIST = re.compile(rf"{_NAME}(?:(?:, and |, | and | & ){_NAME}){{0,5}}")

# Words that open a sentence or a phrase and are dropped from the left of a name.
_STOP = set(
    "The A An This That These Those Our We Its Their His Her It In On At From By With For And Or But Both As Also "
    "Then Now Today Yesterday Here There Recently Later Meanwhile However Moreover Furthermore Additionally "
    "Similarly Unlike Like Besides After Before When While Since Although Though Because If Thus Hence Therefore "
    "Notably Interestingly Finally First Second Third Next Last Lastly Previously Instead Indeed Of To Via Per Each "
    "Every Many Most Some Several Other Another Such Using Based Built Compared Following Released Proposed "
    "Developed Introduced Presented Published Trained See Note Why What How Where Which Who Than Not No Yes All "
    "Only Just Even Still Yet Again Overall Jointly Joint Work Paper Figure Table Section Appendix Fig Tab Eq "
    "Authors Author Thanks Thank Towards Toward Between Among Into Under Over About Across Against Within Without "
    "Beyond Through Whose Whom Whereas Unless Until Do Does Did Is Are Was Were Be Been Has Have Had Can Could May "
    "Might Must Should Would Will Shall Let Make Made Use Uses Much More Less Little Few Lots Plenty Additional "
    "Active Early Late".split()
)
# Words that never name an organisation on their own: 'Deep Learning Research', 'Generative AI', 'Open Source Lab'.
_GENERIC = set(
    "AI Artificial Intelligence Machine Learning Deep Open Source Language Languages Model Models Large Small Vision "
    "Visual Multimodal Multi Modal Image Images Video Videos Text Speech Audio Data Dataset Related Future Recent "
    "Prior Previous Further Academic Industrial Industry Applied Fundamental Basic Current Existing Original Main "
    "Core Computer Computing Science Sciences Technology Technologies Research Researchers Lab Labs Laboratory State "
    "Art Generative General Generalist Neural Network Networks Foundation Robotics Robot Embodied Responsible "
    "Explainable Conversational Trustworthy Human Medical Biomedical Clinical Strong Weak Narrow Edge Safety "
    "Alignment Reasoning Agent Agents Agentic Natural Processing Pretraining Pre Training Instruction Tuning "
    "Benchmark Benchmarks Evaluation Efficient Scaling Contrastive Self Supervised Representation Representations "
    "Team Group Work Works Paper Papers Project Projects New Novel Modern Interactive Creative Cognitive Physical "
    "Scientific Frontier Safe Secure Green Cloud Mobile Spatial Document Game Games Healthcare Enterprise Symbolic "
    "Autonomous Collaborative Robust Fair Ethical Advanced Applications Application Systems System Intelligent "
    "Smart Center Centre Institute University Academy College School Department Dept Key National International "
    "Global Joint Public Private Independent Big Tech Startup Startups Company Companies Corporate Commercial "
    "Community Communities Social Transformer Transformers Diffusion Generation Understanding Perception "
    "Retrieval Detection Segmentation Recognition Captioning Grounding Question Answering Zero Shot Few "
    "Technical Report Reports Survey Overview Introduction Conclusion Conclusions Method Methods Results Experiments "
    "Limitations Discussion Abstract Background Analysis Ideas Idea Notes Note Summary Contributions Best "
    "Chinese English Bilingual Multilingual Jan January Feb February Mar March Apr April May Jun June Jul July Aug "
    "August Sep Sept September Oct October Nov November Dec December".split()
)
_ADJECTIVE = re.compile(r"(?:ive|able|ible|ical|ional|ed|ous|ful|less)$")
_PLACES_ING = {"Beijing", "Peking", "Nanjing", "Chongqing", "Kunming", "Xining", "Reading", "Boeing", "Sterling"}
_VENUES = set(
    "cvpr iccv eccv icml iclr neurips nips acl emnlp naacl eacl coling aaai ijcai tpami tmlr jmlr tacl wacv bmvc "
    "accv kdd sigir www mm acm ieee icra iros corl rss siggraph arxiv preprint oral spotlight poster workshop "
    "findings".split()
)

# --- Chinese ---------------------------------------------------------------------------------------------------
_CJK_SUFFIX = re.compile("大学|学院|实验室|研究院|研究所|公司|集团|科技|团队")
_CONTINUES = re.compile("大学|学院|研究院|研究所|公司|集团|有限|股份")  # '华中科技|大学', '商汤科技|有限公司'
_BRANCH = re.compile(rf"[{_C}]{{1,6}}分校|\s?\([{_C}]{{2,4}}\)")
_NOT_A_SUFFIX = {"大学": "生城", "学院": "派奖", "科技": "馆园部局厅界感圈股", "公司": "内外里", "集团": "内外"}
# Where a name cannot start inside a run: function words, pronouns, 'from', 'located at' …
_CUT = re.compile(
    "来自|位于|包括|以及|联合|合作|加入|毕业于|就职于|任职于|我们|他们|作者|本文|论文|"
    "[的和与在由是被从及或等这那该其于跟把将让给向而并也还就到了过着]|(?<!华)为"
)
_CJK_GENERIC = set(
    "人工智能 科技 高科技 前沿 信息 互联网 有限 股份有限 研究 科研 技术 数据 智能 计算 大模型 模型 大型 中型 小型 创业 "
    "初创 硬件 软件 芯片 游戏 电商 汽车 手机 云计算 视觉 多模态 语言 算法 中国 美国 国内 国外 海外 全球 国际 知名 著名 "
    "顶尖 顶级 一流 重点 国家重点 联合 开发 作者 核心 原 整个 工程 产品 项目 研发 学术 开源 社区 官方 商 医 理工 师范 "
    "综合 高校 名校 头部 大厂 母 子 分 总 团队 高新 数字 金融 生物 未来 现代 上市 名牌".split()
)
# A three-character run that starts with a common surname is a person ('李飞飞团队', '由何恺明提出').
_PERSON = re.compile(
    "[王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆"
    f"汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤][{_C}]{{2}}"
)
# 'A university', 'some company', 'a famous lab' ('某某大学' is a placeholder name and stays).
_CJK_BAD_START = re.compile(
    "^(?:[一两几多各每本此该这那其另哪]|某(?!某)|[二三四五六七八九十百千]+[家所个]|知名|著名|顶尖|顶级|国内|国外|海外|其他|不同|部分)"
)
# Before a verb cue without 由, a Chinese subject holding any of these is a paper, a pronoun or a time.
_WEAK_GENERIC = re.compile(
    "文|作者|我们|他们|大家|人们|学者|研究|方法|模型|框架|工作|代码|权重|数据|集|版|代|项|篇|种|个|套|次|首|进一步|"
    "创新|可以|能够|之前|此前|后来|随后|最终|最后|开始|今年|去年|明年|本周|近年|目前|已|也|还|又|再|均|都|则|即|所|被|"
    "曾|新|一|官方|社区|同期|相继|正式|地$|报告|技术|系统|平台|产品|论|提|基于|通过|使用|利用|然后|之后|今天|昨天|"
    "今日|上月|本月|陆续|先后|共|公开|重新|未|没有|不|谁|后续|完全|全部"
)
_ADVERBS = re.compile(
    r"(?:联合|共同|合作|首次|首先|率先|最早|最先|正式|近日|近期|最近|日前|已经|已|又|也|还|再|曾|刚刚|刚|同时|分别|"
    r"[在于]?\d{4}\s*年(?:\s*\d{1,2}\s*月)?(?:\s*\d{1,2}\s*日)?)\s*$"
)
_VERB = re.compile("出品|发布|提出|推出|开源")
_WEAK_VERBS = ("出品", "发布", "推出")  # without 由: organisations release; people propose and code is open-sourced
_DATE_TAILS = {f"{d}{u}" for d in "0123456789" for u in "年月日号"}
_FROM = re.compile(r"来自(?:于)?\s*")
_FROM_CHAR = re.compile(rf"[{_C}A-Za-z .\-&'、,]")
_RUN_END = re.compile(rf"[{_C}A-Za-z0-9 .\-&、]*$")
_FROM_BEFORE = re.compile("作者|团队|研究者|研究人员|学者|单位|工作|论文|本文|成员|第一作者|通讯作者")
_FROM_AFTER = re.compile(
    r"\s*[的等]?\s*(?:研究|团队|作者|学者|科学家|工程师|实验室|成员|合作|联合|机构|单位|高校|公司)"
)

# --- labelled fields, year brackets, tags -------------------------------------------------------------------------
_LABELS = {
    "institution", "institutions", "affiliation", "affiliations", "organization", "organizations", "organisation",
    "organisations", "org", "orgs", "lab", "labs", "team", "teams", "单位", "机构", "作者单位", "团队", "公司",
}  # fmt: skip
_LABEL_RE = "|".join(sorted((re.escape(x) for x in _LABELS), key=len, reverse=True))
# A value runs to the end of its line, cell or sentence; the full stop of 'Inc.' does not end it.
_VALUE = r"(?P<value>(?:[^\n|。.]|\.(?![ \t\n]|$)|(?<=Inc|Ltd|e\.V)\.|(?<=Corp)\.|(?<=Co)\.)*)"
_LABELLED = re.compile(
    rf"(?:^|(?<=[\n|;。])|(?<=\. ))[ \t>*+\-]*(?:\d+[.)][ \t]*)?(?:\*\*|__)?[ \t]*(?:{_LABEL_RE})(?![A-Za-z])"
    rf"[ \t]*(?:\*\*|__)?[ \t]*:[ \t]*(?:\*\*|__)?{_VALUE}",
    re.I,
)
_SEPARATOR = re.compile(
    rf"\s*(?:[,、;]|(?<=\s)&(?=\s)|\band\b(?!\s+{_AND_OK}\b)|(?<=[{_C}])[和与及](?=[{_C}A-Za-z]))\s*"
)
# Places that follow an affiliation in a list ('Fabrikam, Seattle, USA'): where, not who.
_PLACES = {
    *"usa us u.s. u.s.a. uk u.k. china prc singapore canada germany france japan korea switzerland israel australia "
    "india italy spain netherlands sweden taiwan macau macao uae beijing shanghai shenzhen hangzhou guangzhou nanjing "
    "wuhan chengdu xi'an hefei suzhou seattle pittsburgh redmond cupertino boston cambridge toronto montreal london "
    "paris zurich tokyo seoul ca wa ma pa ny nj tx il md ga".split(),
    *"中国 美国 新加坡 香港 英国 加拿大 德国 法国 日本 韩国 瑞士".split(),
    *"北京 上海 深圳 杭州 广州 南京 武汉 成都 西安 合肥 苏州".split(),
    *"palo alto,mountain view,menlo park,san francisco,new york,hong kong,united states,united kingdom,south korea,"
    "p.r. china,pr china,hk sar".split(","),
}
_NOT_A_VALUE = {"n/a", "na", "none", "unknown", "tbd", "?", "-", "—", "无", "未知", "暂无", "不详", "略"}
_YEAR_BRACKET = re.compile(r"\((?:19|20)\d{2}(?:[-/.]\d{1,2}){0,2}\s*[,;、]\s*(?P<value>[^()\n]{1,80}?)\s*\)")
_TAG = re.compile(r"(?<!`)`(?P<tag>[A-Z][A-Za-z]+)`(?!`)")

_TRIM = set(" \t\n'\"“”‘’()[]【】<>《》「」『』,.;:!?*_~`、。·-—–|/\\")
_ABBREVIATION = re.compile(r"\b(?:Inc|Corp|Co|Ltd|Univ|e\.V)\.$")


def org_phrases(text: str) -> list[tuple[str, int, int]]:
    """Organisation names written as open text in `text`, as (name as written, start, end)."""
    folded = fold(text)
    spans: list[tuple[int, int]] = []
    for finder in (_latin_shapes, _by_cues, _chinese_shapes, _chinese_cues, _labelled, _year_brackets, _tags):
        spans += finder(folded)
    out: list[tuple[str, int, int]] = []
    end = -1
    for start, stop in sorted(set(spans), key=lambda s: (s[0], -s[1])):  # leftmost, then longest
        if start >= end:
            out.append((text[start:stop], start, stop))
            end = stop
    return out


def org_field_value(label: str, value: str) -> list[str] | None:
    """The organisations a field names when `label` is an affiliation label ('Affiliation', '单位' …), else None.

    >>> org_field_value("**Affiliations**", "Google Research; Stanford University & 北京大学")
    ['Google Research', 'Stanford University', '北京大学']
    >>> org_field_value("Authors", "Alec Radford, Jong Wook Kim") is None
    True
    """
    if fold(label).strip().strip("*_:").strip().lower() not in _LABELS:
        return None
    names: list[str] = []
    for start, stop in _items(fold(value), 0, len(value)):
        if value[start:stop] not in names:
            names.append(value[start:stop])
    return names


# --- Latin shapes and cues ----------------------------------------------------------------------------------------


def _is_generic(word: str) -> bool:
    """A word that names no organisation alone: a common word, an adjective or a gerund ('Ongoing')."""
    if word in _GENERIC or word.title() in _GENERIC:  # 'AGENT AI' as well as 'Agent AI'
        return True
    if "-" in word:  # 'Next-Generation', 'Multi-Modal'
        return all(_is_generic(part) or part in _STOP for part in word.split("-") if part)
    if word.isupper() and len(word) <= 5:
        return False  # an acronym: 'KAIST', 'ETH'
    word = word.title() if word.isupper() else word  # 'PLANNING AI' in a title set in capitals
    gerund = word.endswith("ing") and len(word) > 5 and word not in _PLACES_ING
    return (bool(_ADJECTIVE.search(word)) or gerund) and word != "United"


def _model_like(text: str, end: int) -> bool:
    """A name glued to a version or a size ('GPT-4', 'Qwen2', 'LLaVA-1.5'): a model, not an organisation."""
    return bool(re.match(r"[-.]?\d", text[end : end + 2]))


def _words(text: str, start: int, end: int) -> list[tuple[int, int]]:
    return [(m.start() + start, m.end() + start) for m in re.finditer(r"[^\s]+", text[start:end])]


def _strip_left(text: str, words: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Drop sentence openers from the left of a name: 'Recently Google Research' → 'Google Research'."""
    while words:
        word = text[slice(*words[0])]
        ing = word.endswith(("ing", "ed")) and len(word) > 5 and word not in _PLACES_ING and word != "United"
        if word in _STOP or (ing and len(words) > 1):
            words = words[1:]
        else:
            break
    return words


def _latin_shapes(text: str) -> list[tuple[int, int]]:
    found: list[tuple[int, int]] = []
    for m in _HEAD.finditer(text):
        pre = _strip_left(text, _words(text, *m.span("pre"))) if m["pre"] else []
        if pre and text[pre[-1][1] - 2 : pre[-1][1]] in ("'s", "’s"):
            pre = []
        tail = [w for w in re.findall(r"[A-Za-z][\w\-]*", m["tail"] or "") if w[0].isupper()]
        tail += ["London"] if m["suf"].endswith("London") else []
        if not pre and not tail:
            continue
        if all(_is_generic(text[slice(*w)]) for w in pre) and all(_is_generic(w) for w in tail):
            continue
        end = m.end()
        if tail and tail[-1] in _SYSTEMS and (campus := _CAMPUS.match(text, end)):
            end = campus.end()
        if not _model_like(text, end):
            found.append((pre[0][0] if pre else m.start("suf"), end))
    for m in _AFTER.finditer(text):
        pre = _strip_left(text, _words(text, *m.span("pre")))
        if m["suf"] == "AI":
            pre = pre[-1:]  # 'Sakana AI', 'Mistral AI': one word; more is a title ('… to Power Next-Generation AI')
        if not pre or text[pre[-1][1] - 2 : pre[-1][1]] in ("'s", "’s"):
            continue
        if all(_is_generic(text[slice(*w)]) for w in pre) or _model_like(text, m.end()):
            continue
        found.append((pre[0][0], m.end()))
    return found


def _names_in(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The names of a list ('Google, Meta and Stanford University'), each cut before a model name it runs into."""
    out: list[tuple[int, int]] = []
    for m in _NAME_RE.finditer(text[start:end]):
        words = _strip_left(text, _words(text, m.start() + start, m.end() + start))
        while words and _model_like(text, words[-1][1]):
            words = words[:-1]  # 'OpenAI GPT-4' → 'OpenAI'
        if not words or all(_is_generic(text[slice(*w)]) or len(text[slice(*w)]) == 1 for w in words):
            continue
        if re.match(r"\s+(?:et\s+al|and\s+(?:colleagues|others|co))\b", text[words[-1][1] : words[-1][1] + 20]):
            continue
        out.append((words[0][0], words[-1][1]))
    return out


def _by_cues(text: str) -> list[tuple[int, int]]:
    found: list[tuple[int, int]] = []
    if " by" not in text:
        return found
    for m in _BY.finditer(text):
        names = _NAME_LIST.match(text, m.end())
        if names:
            found += _names_in(text, names.start(), names.end())
    return found


# --- Chinese shapes and cues ----------------------------------------------------------------------------------------


def _cjk_body_ok(body: str) -> bool:
    core = re.sub("(?:科技|技术|智能|信息|网络|数据)$", "", body)  # '金融科技' is a trade, '商汤科技' a company
    return (
        len(body) >= 2
        and body not in _CJK_GENERIC
        and core not in _CJK_GENERIC
        and "来自" not in body
        and not _CJK_BAD_START.match(body)
    )


def _cut(text: str, start: int, end: int) -> int:
    """Where a name can start in text[start:end]: after the last function word, pronoun or 'from'."""
    last = start
    for m in _CUT.finditer(text, start, end):
        last = m.end()
    return last


def _latin_before(text: str, end: int) -> int | None:
    """The start of a capitalised Latin name ending at `end` (a space allowed before it), if there is one."""
    m = _LATIN_END.search(text[max(0, end - 60) : end])
    return max(0, end - 60) + m.start() if m else None


def _chinese_shapes(text: str) -> list[tuple[int, int]]:
    found: list[tuple[int, int]] = []
    if not _CJK.search(text):
        return found
    floor = 0
    for m in _CJK_SUFFIX.finditer(text):
        s, e = m.span()
        if m[0] != "团队" and _CONTINUES.match(text, e):
            continue  # the name goes on: '华中科技大学', '商汤科技有限公司'
        if text[e : e + 1] and text[e] in _NOT_A_SUFFIX.get(m[0], ""):
            continue  # '大学生', '学院派', '科技感'
        if m[0] == "大学" and (campus := _BRANCH.match(text, e)):
            e = campus.end()  # '加州大学伯克利分校', '香港中文大学（深圳）'
        start = s
        while start > floor and _CJK.match(text[start - 1]) and s - start < 10:
            start -= 1
        start = max(start, _cut(text, max(floor, start - 1), s))  # one back: a '来自' the limit split
        stop = s if m[0] == "团队" else e  # '团队' is a cue: 'DeepSeek团队' names DeepSeek
        if start == s and (latin := _latin_before(text, s)) is not None and latin >= floor:
            words = _words(text, latin, s)
            if not all(_is_generic(text[slice(*w)]) for w in words) and not _model_like(text, s):
                found.append(_trim(text, latin, stop))
                floor = e
            continue
        if _cjk_body_ok(text[start:s]) and not (m[0] == "团队" and _PERSON.fullmatch(text[start:s])):
            found.append((start, stop))
            floor = e
    return found


def _cjk_names(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Names in a short run split on 和/与/及/、 ('谷歌和斯坦福'); Latin names among them kept whole."""
    out: list[tuple[int, int]] = []
    for a, b in _items(text, start, end):
        if (mark := re.search("[的等]", text[a:b])) is not None:
            b = a + mark.start()  # '谷歌的研究人员' names 谷歌
        if text[a:b].endswith("团队"):
            a, b = _trim(text, a, b - 2)  # '阿里巴巴达摩院团队' names 阿里巴巴达摩院
        if b <= a:
            continue
        if _CJK.match(text[a]):
            shapes = _chinese_shapes(text[a:b])  # '清华大学计算机系' names 清华大学
            if shapes:
                out += [(a + x, a + y) for x, y in shapes]
            elif (
                re.fullmatch(f"[{_C}]{{2,12}}", text[a:b])
                and _cjk_body_ok(text[a:b])
                and not _PERSON.fullmatch(text[a:b])
            ):
                out.append((a, b))
        else:
            out += _names_in(text, a, b)
    return out


def _chinese_cues(text: str) -> list[tuple[int, int]]:
    found: list[tuple[int, int]] = []
    if not _CJK.search(text):
        return found
    for m in _VERB.finditer(text):
        left = text[max(0, m.start() - 30) : m.start()]
        adverb = _ADVERBS.search(left)
        while adverb and adverb.start() < len(left):
            left = left[: adverb.start()]
            adverb = _ADVERBS.search(left)
        end = max(0, m.start() - 30) + len(left.rstrip())
        if text[max(0, end - 2) : end] == "团队":
            end = len(text[: end - 2].rstrip())  # 'Qwen团队发布': the team's name
        run = _RUN_END.search(text[max(0, end - 24) : end])
        start = end - len(run[0]) if run else end
        agent = list(re.finditer(r"(?<![自理经缘])由(?!于)", text[start:end]))
        if agent:  # '由X提出': whatever stands between 由 and the verb, unless people ('由A、B等人提出')
            if not re.search("等人?$", text[start:end]):
                found += _cjk_names(text, start + agent[-1].end(), end)
            continue
        latin = _latin_before(text, end)
        if latin is not None and m[0] in _WEAK_VERBS:
            found += [n for n in _names_in(text, latin, end) if n[1] == end]
            continue
        cjk = start
        while cjk < end and (not _CJK.match(text[cjk]) or (cjk and text[cjk - 1 : cjk + 1] in _DATE_TAILS)):
            cjk += 1  # past '2023年' to the name after it
        cjk = _cut(text, cjk, end)
        subject = text[cjk:end]
        if m[0] not in _WEAK_VERBS or not 2 <= len(subject) <= 6 or not re.fullmatch(f"[{_C}]+", subject):
            continue
        if not _WEAK_GENERIC.search(subject):
            found += _cjk_names(text, cjk, end)
    for m in _FROM.finditer(text):
        stop = m.end()
        while stop < len(text) and stop - m.end() < 40 and _FROM_CHAR.match(text[stop]):
            if text[stop] in "的等" or text[stop : stop + 2] in ("团队", "研究"):
                break
            if text[stop] == "," and not re.match(r",\s*[A-Z]", text[stop : stop + 3]):
                break  # '来自Google, Meta and CMU' goes on; '来自清华，数据…' stops
            stop += 1
        before = text[max(0, m.start() - 6) : m.start()]
        if _FROM_BEFORE.search(before) or _FROM_AFTER.match(text, stop):
            found += _cjk_names(text, m.end(), stop)
    return found


# --- labelled fields, year brackets, tags ---------------------------------------------------------------------------


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and (text[start] in _TRIM or text[start] in "¹²³⁴⁵⁶⁷⁸⁹⁰*†‡§#"):
        start += 1
    while (
        end > start
        and text[end - 1] in _TRIM
        and not (text[end - 1] == "." and _ABBREVIATION.search(text[start:end]))
        and not (text[end - 1] in ")）" and re.search(r"[(（]", text[start : end - 1]))  # '…大学（KAUST）' whole
    ):
        end -= 1
    return start, end


def _items(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The items of a list of names, split on , ，、;； & and 'and' (and 和/与/及 between Chinese words)."""
    # A markdown link keeps its text: '[Google](https://…)' → 'Google'.
    work = re.sub(r"\]\([^)]*\)", lambda m: " " * len(m[0]), text[start:end]).replace("[", " ")
    out: list[tuple[int, int]] = []
    last = 0
    for sep in [*_SEPARATOR.finditer(work), None]:
        a, b = _trim(work, last, sep.start() if sep else len(work))
        item = work[a:b].strip().lower()
        if (
            b > a
            and item not in _NOT_A_VALUE
            and item not in _PLACES
            and len(item) <= 80
            and re.search(f"[A-Za-z{_C}]", item)
        ):
            out.append((start + a, start + b))
        last = sep.end() if sep else len(work)
    return out


def _labelled(text: str) -> list[tuple[int, int]]:
    found: list[tuple[int, int]] = []
    if ":" not in text:
        return found
    for m in _LABELLED.finditer(text):
        for a, b in _items(text, *m.span("value")):
            words = text[a:b].split()
            if len(words) <= 8 and not (len(words) > 1 and all(w[0].islower() for w in words)):
                found.append((a, b))  # not 'Affiliation: we do not know yet'
    return found


def _year_brackets(text: str) -> list[tuple[int, int]]:
    found: list[tuple[int, int]] = []
    if "(" not in text:
        return found
    for m in _YEAR_BRACKET.finditer(text):
        for a, b in _items(text, *m.span("value")):
            name = text[a:b]
            first = name.split()[0].lower()
            if first in _VENUES or re.search(r"[A-Za-z]-?\d", name) or "et al" in name:
                continue
            if _CJK.match(name):
                if _cjk_body_ok(name):
                    found.append((a, b))
            elif re.match(r"[A-Z]|\d+\.[A-Z]", name) and not all(_is_generic(w) for w in name.split()):
                found.append((a, b))
    return found


def _tags(text: str) -> list[tuple[int, int]]:
    return [m.span("tag") for m in _TAG.finditer(text) if not _is_generic(m["tag"]) and m["tag"] not in _STOP]
