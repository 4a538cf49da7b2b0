"""Write a synthetic notes corpus of N papers in the five note styles, in English and Chinese.

    python benchmarks/generate.py 10000 /tmp/notes-10k

Papers get made-up names (VLM-00042) and unique, valid arXiv ids; components, organisations and
venues are drawn from real vocabulary so that the parser does real work. Files hold 200 papers each.

Review cards carry no arXiv id and write, on bold lines of their own, what hundreds of them share: an
organisation (a third of them one the vocabulary does not know, such as 'Hooli'), a venue, a date; every
other card has a line of link texts that name no paper ('论文', '项目主页'), and every fourth card has no name
line, its organisation right under the heading. None of these is a paper's name: a build makes one record
per paper written (tests/test_merge_evidence.py checks it).
"""

from __future__ import annotations

import calendar
import datetime as dt
import random
import sys
from pathlib import Path

ENCODERS = ["ViT-L/14", "EVA-CLIP ViT-g/14", "OpenCLIP ViT-bigG", "SigLIP-SO400M", "ResNet-50", "InternViT-6B"]
LLMS = ["Vicuna-13B", "Qwen-7B", "LLaMA-2", "OPT-2.7B", "FlanT5-XL", "Mistral-7B", "Qwen2-7B", "Gemma"]
CONNECTORS = ["Q-Former", "linear projection", "MLP projector", "Perceiver Resampler", "cross-attention adapter"]
LOSSES_EN = ["ITC", "ITM", "LM", "MLM"]
LOSSES_ZH = ["对比学习", "图文匹配", "语言建模", "掩码语言建模"]
ORGS = ["OpenAI", "Google", "Salesforce", "Microsoft", "Meta", "Alibaba", "Tsinghua University", "ByteDance"]
# Organisations no vocabulary knows, written by cards on a bold line of their own like the real ones.
MADE_UP_ORGS = ["Hooli", "Initech Research", "Globex AI Lab", "Umbrella Vision"]
VENUES = ["ICML", "NeurIPS", "CVPR", "ICCV", "ICLR", "ECCV"]
WORDS = "visual language alignment tokens frozen scalable grounded instruction multimodal efficient dense".split()
ZH = "本文提出了一种新的视觉语言模型，通过冻结的图像编码器和大语言模型进行对齐，并在多个基准上取得了更好的结果。"
PER_FILE = 200


def paper(i: int, rng: random.Random) -> dict[str, object]:
    """One made-up paper with a unique arXiv id and a real-looking date."""
    year = 2019 + i % 6
    month = 1 + (i // 6) % 12
    day = 1 + (i // 72) % 28
    number = 10000 + i // 72
    return {
        "name": f"VLM-{i:05d}",
        "title": f"VLM-{i:05d}: " + " ".join(rng.sample(WORDS, 5)).capitalize() + " models",
        "arxiv": f"{year % 100:02d}{month:02d}.{number:05d}",
        "date": dt.date(year, month, day),
        "encoder": rng.choice(ENCODERS),
        "llm": rng.choice(LLMS),
        "connector": rng.choice(CONNECTORS),
        "org": rng.choice(ORGS),
        "venue": rng.choice(VENUES),
    }


def dated_bullet(p: dict[str, object]) -> str:
    d = p["date"]
    assert isinstance(d, dt.date)
    return (
        f"- {calendar.day_abbr[d.weekday()]}, {d.day} {calendar.month_abbr[d.month]} {d.year} "
        f"[{p['title']}](https://arxiv.org/abs/{p['arxiv']})\n"
        f"  - {p['llm']} + {p['encoder']}, connector: {p['connector']}\n"
    )


def checklist(p: dict[str, object]) -> str:
    return (
        f"- [x] [{p['name']}](https://arxiv.org/abs/{p['arxiv']}) - trained with ITC and LM\n"
        f"  - motivation: better {p['encoder']} features for the LLM\n"
        f"  - contribution: a {p['connector']} between {p['encoder']} and {p['llm']}\n"
    )


def card(p: dict[str, object], n: int) -> str:
    d = p["date"]
    assert isinstance(d, dt.date)
    name = str(p["name"])
    org = p["org"] if n % 3 else MADE_UP_ORGS[n % len(MADE_UP_ORGS)]
    # The name line, the authors, the organisation; every fourth card has no name line and its organisation
    # right under the heading.
    head = (
        f"- **{name}**\n\n- **作者: 张三、李四**\n\n- **{org}**\n\n"
        if n % 4
        else f"- **{org}**\n\n- **作者: 张三、李四**\n\n"
    )
    slug = name.lower()
    links = f"- [论文](https://openreview.net/forum?id={slug}) · [项目主页](https://example.github.io/{slug})\n\n"
    links = links if n % 2 else ""  # link texts that name no paper, on every other card
    return (
        f"### {n}. {p['title']}\n\n{head}"
        f"- **{p['venue']}:{d.year}**\n\n- **终版提交: {d.year}.{d.month:02d}**\n\n- **Cite: {n * 7}**\n\n"
        f"{links}- **背景:** {ZH}\n\n- **创新点:**\n  - 使用 {p['encoder']} 和 {p['llm']}，{LOSSES_ZH[n % 4]}\n\n"
    )


def bracket(p: dict[str, object]) -> str:
    return (
        f"- [[{p['name']}](https://arxiv.org/pdf/{p['arxiv']}.pdf)] {str(p['title']).split(': ', 1)[1]}. "
        f"[[code](https://github.com/example/{str(p['name']).lower()})]\n"
        f"  - Insights: {p['connector']} on top of {p['encoder']}, {LOSSES_EN[int(str(p['name'])[4:]) % 4]} loss\n\n"
    )


def essay(p: dict[str, object], n: int) -> str:
    return (
        f"# 第{n}篇：{p['title']} ({p['name']})\n"
        f"1. {ZH}\n2. 视觉编码器是 {p['encoder']}，语言模型是 {p['llm']}，中间用 {p['connector']} 连接。\n"
        f"3. 论文链接 https://arxiv.org/abs/{p['arxiv']}\n\n## 思考\n{ZH}\n\n"
    )


def corpus(
    n: int, seed: int = 7, per_file: int = PER_FILE
) -> list[tuple[str, str, list[tuple[dict[str, object], str]]]]:
    """The files of an n-paper corpus as (file name, heading, [(paper, the entry the notes write for it)]), the
    files cycling through the five styles; `write_corpus` writes them, `papis_compare.py` reuses the papers."""
    rng = random.Random(seed)
    files = []
    for start in range(0, n, per_file):
        style = (start // per_file) % 5
        papers = [paper(i, rng) for i in range(start, min(n, start + per_file))]
        name = ["inbox", "checklist", "cards", "bracket", "essays"][style]
        heading = f"# Notes {start}\n\n" if style in (0, 1, 3) else ""
        entries = [
            (p, [dated_bullet(p), checklist(p), card(p, k), bracket(p), essay(p, k)][style])
            for k, p in enumerate(papers, 1)
        ]
        files.append((f"{name}-{start // per_file:04d}.md", heading, entries))
    return files


def write_corpus(n: int, folder: Path, seed: int = 7, per_file: int = PER_FILE) -> list[Path]:
    """Write n papers into folder, `per_file` a file, cycling through the five styles; return the files."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, heading, entries in corpus(n, seed, per_file):
        path = folder / name
        path.write_text(heading + "".join(text for _, text in entries), "utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: generate.py N FOLDER")
    written = write_corpus(int(sys.argv[1]), Path(sys.argv[2]))
    print(f"wrote {int(sys.argv[1])} papers in {len(written)} files to {sys.argv[2]}")
