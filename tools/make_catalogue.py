"""Make src/vlmnotes/vocab/papers.tsv, the built-in known-paper catalogue, from the shared source tables.

The source is a folder with papers.tsv (arxiv_id, name, aliases, title, date, n_sources, sources) and orgs.tsv
(arxiv_id, org, source). What is shipped is a choice, checked here:

- only papers with a name and a title;
- no name that two papers share (after normalisation), for any of them: a row keeps its other names, or goes;
  the one exception is a landmark's name (LANDMARKS below), which the landmark keeps;
- no name that would answer for an ordinary heading or word in a note: section words, common English words and
  generic abbreviations, all-lowercase words, names of two Latin letters, names without a letter, and
  names longer than 40 characters.

Run from the repository root and commit the result:

    .venv/bin/python tools/make_catalogue.py --source /work/shared/catalogue
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from vlmnotes.catalogue import COLUMNS, Catalogue, KnownPaper, _parse_table, name_key, title_key

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "src" / "vlmnotes" / "vocab" / "papers.tsv"
MAX_NAME = 40

# Keys (see name_key) of names that a note uses as a heading or a plain word far more often than as the name of
# the paper that a source list gave it. Judged name by name over the source's names.
STOP_KEYS = frozenset(
    # note sections and headings
    "abstract analysis appendix approach architecture background baseline baselines benchmark benchmarks code "
    "comparison conclusion conclusions contribution contributions data dataset datasets description details "
    "discussion evaluation experiment experiments findings framework future futurework goal goals highlights idea "
    "ideas implementation inference insights introduction limitations links method methods model models motivation "
    "notes objective overview paper papers performance pipeline problem pros cons qna questions references related "
    "relatedwork result results review setup solution summary survey takeaways task tasks tips tl;dr todo training "
    "pretraining"
    # common English words and technical words that make ordinary headings
    " act adapters aim april arm attempt behavior best bus care cat cite close combo cure ensemble entity epic far "
    "fat fan filter find focal hat infinity last liquid listwise mad man mode multi personality phase pin plot pop "
    "prior pyramid real refiner repair reveal revive routing sad scaling scan scheme scorer ship shield sim "
    "singularity slot soft sole spotlight tag tags tall transformers trust tweets two unify user value view views "
    "wise zoom"
    # generic abbreviations of the field, not one paper's name
    " clm gps itc itm kd lru lvm llm mllm lvlm map mcq mia mla mlm npc ot pe ppt pt rag sae sar sat sft ufo usp utc "
    "vlm vlms vlp multiqueryattention".split()
)

# Chinese names of a few papers, each one checked in public Chinese documentation of the model.
CHINESE = {
    "2308.12966": ["通义千问-VL"],  # Qwen-VL
    "2309.16609": ["通义千问"],  # Qwen
    "2312.14238": ["书生·万象"],  # InternVL
    "2104.12369": ["盘古α", "鹏程·盘古α"],  # PanGu-α
    "2202.06767": ["悟空"],  # Wukong
}

LANDMARKS = {
    "ViT": "2010.11929",
    "CLIP": "2103.00020",
    "ALIGN": "2102.05918",
    "ALBEF": "2107.07651",
    "BLIP": "2201.12086",
    "BLIP-2": "2301.12597",
    "Flamingo": "2204.14198",
    "LLaVA": "2304.08485",
    "MiniGPT-4": "2304.10592",
    "InstructBLIP": "2305.06500",
    "Qwen-VL": "2308.12966",
    "CogVLM": "2311.03079",
    "SigLIP": "2303.15343",
    "EVA-CLIP": "2303.15389",
    "CoCa": "2205.01917",
    "ViLT": "2102.03334",
    "VLMo": "2111.02358",
    "BEiT-3": "2208.10442",
    "LLaVA-1.5": "2310.03744",
    "InternVL": "2312.14238",
}


@dataclass
class Report:
    """What the run read, dropped and shipped."""

    rows_read: int = 0
    rows_named: int = 0
    ambiguous_keys: set[str] = field(default_factory=set)
    ambiguous_dropped: int = 0  # (paper, name) pairs
    stop_dropped: Counter[str] = field(default_factory=Counter)  # name -> papers it was dropped from
    rows_lost: list[str] = field(default_factory=list)  # named rows left with no name
    no_title: int = 0
    chinese_added: int = 0
    landmarks_kept: list[str] = field(default_factory=list)  # landmark names another paper also had
    prefix_named: int = 0  # nameless rows named from their title's prefix


def stop_reason(name: str) -> str | None:
    """Why `name` must not be a look-up key, or None when it may be one."""
    key = name_key(name)
    letters = [c for c in name if c.isalpha()]
    if len(name) > MAX_NAME:
        return "longer than 40 characters"
    if len(key) < 2:
        return "shorter than 2 characters"
    if not letters:
        return "no letter"
    if len(key) == 2 and key.isascii() and key.isalpha():
        return "two letters only"
    if key in STOP_KEYS:
        return "ordinary word"
    # 'data2vec' and 'mmc4' are stylised names, not words; 'model-soup' and 'reg' are words.
    lowercase = name == name.lower() and any(c.isascii() for c in letters)
    if lowercase and (not any(c.isdigit() for c in name) or len(key) < 4):
        return "all lowercase"
    return None


_WORD_NAME = re.compile(r"[A-Z][A-Za-z0-9]*(?:[\-.][A-Za-z0-9]+)*")


def prefix_names(title: str) -> list[str]:
    """Names a title states before its colon when no list names the paper: 'Molmo and PixMo: Open …' → Molmo and
    PixMo; 'Emu3: Next-Token …' → Emu3. Each must be one word (hyphens allowed); phrases are never names."""
    head, colon, _ = title.partition(":")
    if not colon or len(head) > 40:
        return []
    parts = [p.strip() for p in re.split(r"\s+(?:and|&)\s+", head.strip())]
    if len(parts) > 2 or not all(_WORD_NAME.fullmatch(p) for p in parts):
        return []
    return parts


def read_tsv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def build(source: Path, report: Report) -> list[KnownPaper]:
    """The rows to ship, sorted by arXiv id."""
    rows = read_tsv(source / "papers.tsv")
    orgs: dict[str, list[str]] = {}
    for row in read_tsv(source / "orgs.tsv"):
        for org in row["org"].split("&"):
            # 'CMU et al' names one organisation of several; ship the one that is named.
            org = org.strip().removesuffix(" et al").strip()
            if org and org not in orgs.setdefault(row["arxiv_id"], []):
                orgs[row["arxiv_id"]].append(org)

    report.rows_read = len(rows)
    names_of: dict[str, list[str]] = {}
    for row in rows:
        names = [n.strip() for n in [row["name"], *row["aliases"].split("|")] if n.strip()]
        if not names:
            names = prefix_names(row["title"])
            report.prefix_named += bool(names)
        names += CHINESE.get(row["arxiv_id"], [])
        report.chinese_added += len(CHINESE.get(row["arxiv_id"], []))
        names_of[row["arxiv_id"]] = names

    owners: dict[str, set[str]] = {}
    for arxiv_id, names in names_of.items():
        for name in names:
            owners.setdefault(name_key(name), set()).add(arxiv_id)
    report.ambiguous_keys = {key for key, ids in owners.items() if len(ids) > 1}
    # A landmark keeps its name even where a later paper reuses it ('ALIGN' is also the code name of a 2023
    # prompt-tuning paper): in notes on the field the name means the landmark. The other paper loses the name.
    landmark_keys = {name_key(name): arxiv_id for name, arxiv_id in LANDMARKS.items()}
    report.landmarks_kept = sorted(
        name for name, arxiv_id in LANDMARKS.items() if name_key(name) in report.ambiguous_keys
    )
    report.ambiguous_keys -= set(landmark_keys)

    shipped: list[KnownPaper] = []
    for row in rows:
        arxiv_id, title = row["arxiv_id"], row["title"].strip()
        names = names_of[arxiv_id]
        if not names:
            continue
        report.rows_named += 1
        if not title:
            report.no_title += 1
            continue
        kept: list[str] = []
        seen: set[str] = set()
        for name in names:
            key = name_key(name)
            if key in seen:  # a spelling that differs only in case, spaces or dots from one already kept
                continue
            seen.add(key)
            if key in report.ambiguous_keys or landmark_keys.get(key, arxiv_id) != arxiv_id:
                report.ambiguous_dropped += 1
            elif stop_reason(name):
                report.stop_dropped[name] += 1
            else:
                kept.append(name)
        if not kept:
            report.rows_lost.append(arxiv_id)
            continue
        shipped.append(
            KnownPaper(
                arxiv_id=arxiv_id,
                name=kept[0],
                aliases=tuple(kept[1:]),
                title=title,
                date=row["date"].strip(),
                orgs=tuple(orgs.get(arxiv_id, [])),
            )
        )
    return sorted(shipped, key=lambda p: p.arxiv_id)


def check(papers: list[KnownPaper]) -> list[str]:
    """Problems in what would be shipped: landmarks that do not resolve, cells that would break the table."""
    problems = []
    catalogue = Catalogue(papers)
    for name, arxiv_id in LANDMARKS.items():
        found = catalogue.lookup(name)
        if found is None or found.arxiv_id != arxiv_id:
            problems.append(f"landmark {name}: expected {arxiv_id}, got {found.arxiv_id if found else None}")
    for paper in papers:
        cells = [paper.arxiv_id, *paper.names, paper.title, paper.date, *paper.orgs]
        if any(c != c.strip() or "\t" in c or "\n" in c or "\r" in c for c in cells) or any(
            "|" in n for n in paper.names
        ):
            problems.append(f"{paper.arxiv_id}: a cell has a tab, a newline, a | or surrounding spaces")
        if any(stop_reason(n) for n in paper.names):
            problems.append(f"{paper.arxiv_id}: a stop name is shipped")
    return problems


def write(papers: list[KnownPaper], out: Path) -> None:
    """Tab-separated with no quoting, which the loader splits as it is: check() has made sure no cell needs it."""
    lines = ["\t".join(COLUMNS)]
    lines += ["\t".join([p.arxiv_id, p.name, "|".join(p.aliases), p.title, p.date, "|".join(p.orgs)]) for p in papers]
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--source", type=Path, default=Path("/work/shared/catalogue"), help="folder of the TSVs")
    parser.add_argument("--out", type=Path, default=OUT, help="catalogue to write")
    parser.add_argument("-v", "--verbose", action="store_true", help="list every dropped name")
    args = parser.parse_args(argv)

    report = Report()
    papers = build(args.source, report)
    problems = check(papers)
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 1
    write(papers, args.out)
    # The loader reads back exactly what was checked.
    reread = _parse_table(args.out.read_text(encoding="utf-8"))
    if list(reread) != papers:
        print(f"{args.out}: reads back differently from what was written", file=sys.stderr)
        return 1
    keys = sum(len({name_key(n) for n in p.names}) for p in papers)
    titles = Counter(title_key(p.title) for p in papers)
    print(f"rows read            {report.rows_read}")
    print(f"rows with a name     {report.rows_named}")
    print(f"rows without a title {report.no_title}")
    out = args.out.relative_to(REPO) if args.out.is_relative_to(REPO) else args.out
    print(f"rows shipped         {len(papers)} -> {out}")
    print(f"look-up keys         {keys}")
    shared, stops = len(report.ambiguous_keys), len(report.stop_dropped)
    print(f"ambiguous names      {shared} names; {report.ambiguous_dropped} (paper, name) pairs dropped")
    print(f"landmark names kept  {', '.join(report.landmarks_kept) or 'none'} (shared; the landmark keeps them)")
    print(f"stop names dropped   {stops} names; {sum(report.stop_dropped.values())} (paper, name) pairs dropped")
    print(f"rows left nameless   {len(report.rows_lost)} (not shipped)")
    print(f"named from a title   {report.prefix_named}")
    print(f"Chinese names added  {report.chinese_added}")
    print(f"shared titles        {sum(1 for n in titles.values() if n > 1)} (by_title answers None for them)")
    print(f"papers with orgs     {sum(1 for p in papers if p.orgs)}")
    print(f"landmarks            {len(LANDMARKS)} of {len(LANDMARKS)} resolve")
    print(f"read back            {len(reread)} papers, as checked")
    if args.verbose:
        print("stop names:", ", ".join(sorted(report.stop_dropped, key=str.casefold)))
        print("ambiguous:", ", ".join(sorted(report.ambiguous_keys)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
