"""Organisations as open text (parse/orgs.py) and the bilingual organisation vocabulary (vocab/orgs.yaml)."""

from __future__ import annotations

import doctest
import re
from importlib import resources

import pytest
import yaml

from vlmnotes.parse import orgs as orgs_module
from vlmnotes.parse.orgs import org_field_value, org_phrases
from vlmnotes.vocab import Vocabulary, fold, load_vocabulary


def names(text: str) -> list[str]:
    return [name for name, _, _ in org_phrases(text)]


def test_the_module_examples_hold() -> None:
    result = doctest.testmod(orgs_module)
    assert result.attempted > 0
    assert result.failed == 0


# --- each pattern finds its organisation --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "found"),
    [
        # University of X / X University / X Institute of Technology / X Academy / X College
        ("We borrowed the recipe from University of Tokyo.", ["University of Tokyo"]),
        ("Trained on TPUs lent by nobody; authors at Peking University.", ["Peking University"]),
        (
            "Both Georgia Institute of Technology and Harbin Institute of Technology.",
            ["Georgia Institute of Technology", "Harbin Institute of Technology"],
        ),
        (
            "Joint work with Hong Kong University of Science and Technology.",
            ["Hong Kong University of Science and Technology"],
        ),
        ("A lab inside University of California, San Diego ran it.", ["University of California, San Diego"]),
        ("Beijing Academy of Artificial Intelligence trained it.", ["Beijing Academy of Artificial Intelligence"]),
        ("Vector Institute and Toyota Research Institute", ["Vector Institute", "Toyota Research Institute"]),
        ("Interns at University College London", ["University College London"]),
        # X Lab / Labs / Laboratory / Research / AI / Inc.
        ("Released with Noah's Ark Lab code.", ["Noah's Ark Lab"]),
        ("Twelve Labs and Peng Cheng Laboratory", ["Twelve Labs", "Peng Cheng Laboratory"]),
        ("Ideas from Adobe Research and Meta AI Research.", ["Adobe Research", "Meta AI Research"]),
        ("Sakana AI and Reka AI both tried it.", ["Sakana AI", "Reka AI"]),
        ("Apple Inc. and Fabrikam Corp. and Contoso Ltd.", ["Apple Inc.", "Fabrikam Corp.", "Contoso Ltd."]),
        ("DAMO Academy shipped it", ["DAMO Academy"]),
        # a sentence opener is not part of the name
        ("Recently Google Research shipped a model.", ["Google Research"]),
        ("The Chinese University of Hong Kong led it.", ["Chinese University of Hong Kong"]),
        # 'by X' after a release verb
        ("This captioner was released by Salesforce last year.", ["Salesforce"]),
        ("Open-sourced by Fabrikam Robotics and Contoso, the weights are public.", ["Fabrikam Robotics", "Contoso"]),
        ("Developed by Google DeepMind in London.", ["Google DeepMind"]),
        ("A model developed by OpenAI GPT-4 team", ["OpenAI"]),
        # Chinese names with a suffix
        ("这个模型是清华大学做的", ["清华大学"]),
        ("作者在中国科学院自动化研究所", ["中国科学院", "自动化研究所"]),
        ("华中科技大学和商汤科技有限公司合作", ["华中科技大学", "商汤科技有限公司"]),
        ("上海人工智能实验室的新工作", ["上海人工智能实验室"]),
        ("微软亚洲研究院与阿里巴巴集团", ["微软亚洲研究院", "阿里巴巴集团"]),
        ("韩国Kakao公司的模型", ["Kakao公司"]),
        ("中国科学院大学的学生", ["中国科学院大学"]),
        ("我们和清华大学合作", ["清华大学"]),
        ("这篇笔记里反复提到了华中科技大学", ["华中科技大学"]),
        ("合作者在加州大学伯克利分校和香港中文大学（深圳）", ["加州大学伯克利分校", "香港中文大学（深圳）"]),
        ("- **某某大学**", ["某某大学"]),
        # Chinese cues
        ("该模型由零一万物提出", ["零一万物"]),
        ("由谷歌的研究人员提出", ["谷歌"]),
        ("由Fabrikam Research和复旦大学联合提出", ["Fabrikam Research", "复旦大学"]),
        ("2023年，月之暗面发布了新模型", ["月之暗面"]),
        ("智谱于2024年3月发布", ["智谱"]),
        ("Contoso出品的图文模型", ["Contoso"]),
        ("Fabrikam 发布了权重", ["Fabrikam"]),
        ("DeepSeek团队发布了新版本", ["DeepSeek"]),
        ("面壁团队的工作", ["面壁"]),
        ("由阿里巴巴达摩院团队开源", ["阿里巴巴达摩院"]),
        ("作者来自清华大学和北京大学", ["清华大学", "北京大学"]),
        ("来自谷歌、Contoso等机构的研究者", ["谷歌", "Contoso"]),
        ("作者来自Fabrikam, Contoso and Northwind.", ["Fabrikam", "Contoso", "Northwind"]),
        # (year, organisation)
        ("CLIP (2021, OpenAI) and ALIGN (2021.06, Google)", ["OpenAI", "Google"]),
        ("Qwen-VL（2023，阿里巴巴）", ["阿里巴巴"]),
        ("Yi-VL (2024, 01.AI)", ["01.AI"]),
        ("A tagger (2022, Fabrikam & Contoso)", ["Fabrikam", "Contoso"]),
        # a backticked tag
        ("Tags: `Apple` `vision`", ["Apple"]),
        # labelled fields
        (
            "- **Affiliation:** Fabrikam Research, Contoso and University of Oxford",
            ["Fabrikam Research", "Contoso", "University of Oxford"],
        ),
        ("Institution: Contoso; Northwind", ["Contoso", "Northwind"]),
        ("Institution: Contoso Inc. and Northwind", ["Contoso Inc.", "Northwind"]),
        ("It is public. Affiliation: Contoso. The rest is prose.", ["Contoso"]),
        ("单位：Contoso Vision Lab, Seattle, USA；复旦大学，上海", ["Contoso Vision Lab", "复旦大学"]),
        ("单位：清华大学、智谱AI；北京大学", ["清华大学", "智谱AI", "北京大学"]),
        ("机构： 上海人工智能实验室和复旦大学", ["上海人工智能实验室", "复旦大学"]),
        ("Organization: [Contoso](https://contoso.example) and Northwind", ["Contoso", "Northwind"]),
    ],
)
def test_each_pattern_finds_its_organisation(text: str, found: list[str]) -> None:
    assert names(text) == found


def test_spans_are_where_the_name_is_written() -> None:
    text = "模型（2023，Fabrikam）由复旦大学提出; released by Contoso. Affiliation: Northwind"
    phrases = org_phrases(text)
    assert [name for name, _, _ in phrases] == ["Fabrikam", "复旦大学", "Contoso", "Northwind"]
    for name, start, end in phrases:
        assert text[start:end] == name


def test_full_width_brackets_and_punctuation_keep_their_offsets() -> None:
    text = "（２０２１，Ｆａｂｒｉｋａｍ）"
    assert org_phrases(text) == [("Ｆａｂｒｉｋａｍ", 6, 14)]


# --- what must not read as an organisation -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        # generic capitalised phrases
        "State of the Art results from Open Source models.",
        "Deep Learning Research moves fast; Language Model Research too.",
        "A Survey of Large Language Models for Embodied AI",
        "Generative AI, Explainable AI and Responsible AI are buzzwords.",
        "Toolkits that Empower Next-Generation AI",
        "PLANNING AI: A SURVEY OF AGENT AI",
        "Vision Language Lab notes; Open Source Lab; Large Language Models Inc.",
        "## Related Work",
        "Research shows it works. AI is everywhere. Lab results vary.",
        "Institute of Technology",
        "Much Research is needed; Ongoing Research continues; Extensive Research helps.",
        # sentence openers and models with versions
        "In this paper we study vision.",
        "GPT-4 Research, Qwen2 Lab and LLaVA-1.5 University are not organisations.",
        # 'by' without a release verb, before a model, a pronoun or people
        "The captions were scored by CLIP.",
        "Fine-tuned answers were released by GPT-4 itself.",
        "It was released by the community.",
        "The loss was proposed by Radford et al. in their work.",
        # Chinese: generic places, pronouns, people, things released
        "大学生在大学里学习，一家公司，该公司，这所大学",
        "我们实验室，国家重点实验室，某研究院，科技公司，金融科技公司，黑科技",
        "本文提出了一种新方法。我们提出了。作者提出。研究团队提出。",
        "何恺明提出了这个方法；由何恺明等人提出",
        "王小刚团队提出了新的评测集；由赵一鸣提出",
        "某大学和某公司",
        "BLIP提出了CapFilt，CLIP开源了权重",
        "代码开源了，模型发布于2024年，官方发布了权重，然后发布了报告",
        "数据来自COCO的图像",
        "学院派的做法",
        # brackets that hold a venue, a size, a month or people
        "(2021, ICML) (2023, 7B) (2020, May) (2021, Radford et al.) (2023, Oral)",
        # tags that are generic words
        "`Research` `AI` `The`",
        # a label that is not an affiliation, or a value that is a sentence
        "Authors: Alec Contoso, Bea Fabrikam",
        "Affiliation: we do not know yet",
    ],
)
def test_false_positives_stay_out(text: str) -> None:
    assert names(text) == []


def test_a_version_glued_to_the_name_is_a_model_not_an_organisation() -> None:
    assert names("released by Qwen2") == []
    assert names("A release (2024, Qwen2-VL)") == []


# --- org_field_value ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "value", "found"),
    [
        (
            "Affiliation",
            "Fabrikam Research, Contoso and University of Oxford",
            ["Fabrikam Research", "Contoso", "University of Oxford"],
        ),
        (
            "**Affiliations**",
            "Google Research; Stanford University & 北京大学",
            ["Google Research", "Stanford University", "北京大学"],
        ),
        (
            "Institution:",
            "Hong Kong University of Science and Technology",
            ["Hong Kong University of Science and Technology"],
        ),
        ("Organisation", "Contoso", ["Contoso"]),
        ("Organization", "Contoso，Northwind", ["Contoso", "Northwind"]),
        ("Org", "¹Contoso, ²Northwind", ["Contoso", "Northwind"]),
        ("Lab", "Contoso Vision Lab", ["Contoso Vision Lab"]),
        ("Team", "Contoso", ["Contoso"]),
        ("单位", "清华大学、智谱AI", ["清华大学", "智谱AI"]),
        ("机构", "复旦大学；上海人工智能实验室", ["复旦大学", "上海人工智能实验室"]),
        ("作者单位", "北京大学和Contoso", ["北京大学", "Contoso"]),
        ("团队", "Contoso", ["Contoso"]),
        ("公司", "Contoso Inc.", ["Contoso Inc."]),
        ("Affiliation", "N/A", []),
        ("Affiliation", "Contoso, Contoso", ["Contoso"]),
    ],
)
def test_org_field_value_reads_an_affiliation_field(label: str, value: str, found: list[str]) -> None:
    assert org_field_value(label, value) == found


@pytest.mark.parametrize("label", ["Authors", "Title", "Venue", "作者", "贡献", "Model"])
def test_org_field_value_is_none_for_other_labels(label: str) -> None:
    assert org_field_value(label, "Contoso") is None


# --- the vocabulary ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def vocab() -> Vocabulary:
    return load_vocabulary()


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("腾讯AI Lab", "Tencent"),
        ("腾讯混元", "Tencent"),
        ("字节跳动Seed", "ByteDance"),
        ("科大讯飞", "iFLYTEK"),
        ("智谱", "Zhipu AI"),
        ("阶跃星辰", "StepFun"),
        ("零一万物", "01.AI"),
        ("百川智能", "Baichuan Inc."),
        ("小米", "Xiaomi"),
        ("快手", "Kuaishou"),
        ("京东", "JD.com"),
        ("蚂蚁集团", "Ant Group"),
        ("智源研究院", "BAAI"),
        ("上海人工智能实验室", "Shanghai AI Laboratory"),
        ("鹏城实验室", "Peng Cheng Laboratory"),
        ("面壁智能", "ModelBest"),
        ("清华", "Tsinghua University"),
        ("北大", "Peking University (PKU)"),
        ("浙大", "Zhejiang University (ZJU)"),
        ("复旦大学", "Fudan University"),
        ("上交", "Shanghai Jiao Tong University (SJTU)"),
        ("中科大", "University of Science and Technology of China (USTC)"),
        ("中国科学技术大学", "University of Science and Technology of China (USTC)"),
        ("中科院", "Chinese Academy of Sciences (CAS)"),
        ("中科院自动化所", "Chinese Academy of Sciences (CAS)"),
        ("中国科学院大学", "University of Chinese Academy of Sciences (UCAS)"),
        ("南京大学", "Nanjing University (NJU)"),
        ("华中科技大学", "Huazhong University of Science and Technology (HUST)"),
        ("武汉大学", "Wuhan University (WHU)"),
        ("中山大学", "Sun Yat-sen University (SYSU)"),
        ("哈工大", "Harbin Institute of Technology (HIT)"),
        ("人民大学", "Renmin University of China (RUC)"),
        ("北航", "Beihang University (BUAA)"),
        ("南洋理工", "Nanyang Technological University (NTU)"),
        ("新加坡国立大学", "National University of Singapore (NUS)"),
        ("港中文", "Chinese University of Hong Kong (CUHK)"),
        ("香港中文大学（深圳）", "Chinese University of Hong Kong, Shenzhen (CUHK-SZ)"),
        ("港大", "University of Hong Kong (HKU)"),
        ("港科大", "Hong Kong University of Science and Technology (HKUST)"),
        ("斯坦福大学", "Stanford University"),
        ("麻省理工学院", "MIT"),
        ("加州大学伯克利分校", "UC Berkeley"),
        ("牛津大学", "University of Oxford"),
        ("苏黎世联邦理工学院", "ETH Zurich"),
        ("首尔大学", "Seoul National University (SNU)"),
        ("东京大学", "University of Tokyo"),
        ("多伦多大学", "University of Toronto"),
    ],
)
def test_chinese_names_map_to_the_canonical_name(vocab: Vocabulary, written: str, canonical: str) -> None:
    assert vocab.org(written) == canonical
    found = vocab.find_orgs(f"这篇论文来自{written}的团队")
    assert [m.term.name for m in found] == [canonical]


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("Work by the Allen AI team", "Allen AI"),
        ("AllenAI released it", "Allen AI"),
        ("a lab at UW in Seattle", "University of Washington (UW)"),
        ("a lab at UW-Madison", "University of Wisconsin-Madison"),
        ("a lab at UW Madison", "University of Wisconsin-Madison"),
        ("by the Kimi Team", "Moonshot AI"),
        ("by the Qwen团队", "Alibaba"),
        ("MIT-IBM Watson AI Lab", "MIT-IBM Watson AI Lab"),
        ("University of California, Los Angeles", "UCLA"),
        ("OpenBMB 开源", "OpenBMB"),
        ("LG AI Research", "LG AI Research"),
    ],
)
def test_english_names_and_abbreviations_map_to_the_canonical_name(
    vocab: Vocabulary, text: str, canonical: str
) -> None:
    assert [m.term.name for m in vocab.find_orgs(text)] == [canonical]


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        # '北大' and '南大' sit inside other universities' names; the full name wins.
        ("东北大学的团队", "Northeastern University (China)"),
        ("湖南大学的团队", "Hunan University"),
        ("东南大学的团队", "Southeast University"),
        ("暨南大学的团队", "Jinan University"),
        ("西安电子科技大学", "Xidian University"),
        ("香港中文大学", "Chinese University of Hong Kong (CUHK)"),
    ],
)
def test_a_longer_university_name_wins_over_an_abbreviation_inside_it(
    vocab: Vocabulary, text: str, canonical: str
) -> None:
    assert [m.term.name for m in vocab.find_orgs(text)] == [canonical]


@pytest.mark.parametrize(
    "text",
    [
        "Qwen, Gemini, LLaMA, Claude, Kimi, Hunyuan and 混元 are models.",
        "Trained on LAION-5B and LAION 400M.",
        "Zero-shot on Oxford Pets and Oxford Flowers.",
        "Stability of training; an Ant colony; a Snap decision; a random Seed.",
        "联想到对比学习；AI浪潮；有道理；平安无事；阶跃函数；计算所需显存；自动化所有流程。",
        "平台大模型；香港大学生",  # '台大' is no alias; 香港大学 is
    ],
)
def test_model_names_data_sets_and_ordinary_words_are_no_organisation(vocab: Vocabulary, text: str) -> None:
    found = [m.term.name for m in vocab.find_orgs(text)]
    if "香港大学" in text:
        assert found == ["University of Hong Kong (HKU)"]
    else:
        assert found == []


def test_existing_canonical_names_are_kept(vocab: Vocabulary) -> None:
    kept = {"OpenAI", "Google", "Google DeepMind", "Meta", "Microsoft", "Salesforce", "Alibaba", "Kakao", "Baidu",
            "Tencent", "ByteDance", "Huawei", "Shanghai AI Laboratory", "Zhipu AI", "Tsinghua University",
            "Peking University (PKU)", "DeepSeek", "Allen AI", "Apple", "NVIDIA"}  # fmt: skip
    assert kept <= set(vocab.org_names())


def _org_entries() -> list[tuple[str, list[str]]]:
    """(canonical name, aliases) as orgs.yaml writes them."""
    text = resources.files("vlmnotes.vocab").joinpath("orgs.yaml").read_text("utf-8")
    return [(str(e["name"]), [str(a) for a in e.get("aliases") or []]) for e in yaml.safe_load(text)]


def test_every_alias_belongs_to_one_organisation_and_finds_it(vocab: Vocabulary) -> None:
    owner: dict[str, str] = {}
    for name, aliases in _org_entries():
        for alias in {name, *aliases}:
            key = fold(alias).strip().lower()
            assert owner.setdefault(key, name) == name, f"{alias!r} names both {owner[key]} and {name}"
            found = vocab.find_orgs(alias)
            assert [(m.term.name, m.start, m.end) for m in found] == [(name, 0, len(alias))], alias


def test_no_organisation_alias_is_a_component_name(vocab: Vocabulary) -> None:
    for name, aliases in _org_entries():
        for alias in {name, *aliases}:
            whole = [m for m in vocab.find_components(alias) if (m.start, m.end) == (0, len(alias))]
            assert not whole, f"org alias {alias!r} is also the component {whole[0].term.name}"


def test_the_vocabulary_is_much_larger_and_bilingual() -> None:
    entries = _org_entries()
    aliases = [a for _, al in entries for a in al]
    assert len(entries) >= 150
    assert sum(bool(re.search("[\u4e00-\u9fff]", a)) for a in aliases) >= 200


def test_an_affiliation_with_its_abbreviation_in_brackets_stays_whole() -> None:
    assert org_field_value("单位", "阿卜杜拉国王科技大学（KAUST）、北京大学") == [
        "阿卜杜拉国王科技大学（KAUST）",
        "北京大学",
    ]
    assert org_field_value("Affiliation", "Salesforce Research (SF), (Stanford)") == [
        "Salesforce Research (SF)",
        "Stanford",
    ]
