"""Extraction cases: every note in tests/fixtures/cases, built alone, gives the records its expected.yaml names.

The notes are ours, one for each case of the shared extraction set (/work/shared/cases/extraction): the same
Markdown shape and the same difficulty, other prose and mostly other papers. expected.yaml has the shared schema:
`records` are specs some record must fit, `not` says in words what must not happen, and NOT_CHECKS below turns
every one of those lines into assertions. The last test runs the shared cases, when they sit beside this
repository, through the same matcher.

A spec fits a record when every field it gives holds: text compares after NFKC and case folding (a name also
against the aliases), `title_any` takes any one of its titles, a list must hold each item by containment of text
either way (DeepMind ~ Google DeepMind), components compare slot by slot the same way, and `date` is a prefix.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import Run, write_notes

CASES = Path(__file__).parent / "fixtures" / "cases"
SHARED_CASES = Path(__file__).resolve().parents[2] / "shared" / "cases" / "extraction"

Record = dict[str, Any]
Spec = dict[str, Any]
Build = Callable[[Path], list[Record]]
# A check looks at every record of a case and returns what is wrong, or None.
Check = Callable[[list[Record]], str | None]


def load_expected(folder: Path) -> dict[str, dict[str, Any]]:
    data = yaml.safe_load((folder / "expected.yaml").read_text("utf-8"))
    assert isinstance(data, dict), f"{folder / 'expected.yaml'} is not a mapping"
    return data


EXPECTED = load_expected(CASES)


# -- the matcher ------------------------------------------------------------------------------------------------


def norm(value: object) -> str:
    """Text as the cases compare it: NFKC, case-folded, stripped; None is empty."""
    return unicodedata.normalize("NFKC", "" if value is None else str(value)).casefold().strip()


def holds_all(got: object, wanted: list[Any]) -> bool:
    """Every wanted item is inside some value of `got`, or some value is inside it."""
    have = [norm(value) for value in got or []] if isinstance(got, list) else []
    have = [value for value in have if value]
    return all(any(want in value or value in want for value in have) for want in map(norm, wanted))


def names_of(record: Record) -> list[str]:
    return [norm(record.get("name")), *(norm(alias) for alias in record.get("aliases") or [])]


def mismatch(record: Record, spec: Spec) -> str | None:
    """The first field of `spec` that `record` does not satisfy, or None when the record fits."""
    for field, want in spec.items():
        got = record.get(field)
        if field == "name":
            ok = norm(want) in names_of(record)
        elif field == "title_any":
            got = record.get("title")
            ok = norm(got) in [norm(title) for title in want]
        elif field == "components":
            got = record.get("components") or {}
            ok = all(holds_all(got.get(slot), items) for slot, items in want.items())
        elif isinstance(want, list):
            ok = holds_all(got, want)
        elif field == "date":
            ok = str(got or "").startswith(str(want))
        else:
            ok = norm(got) == norm(want)
        if not ok:
            return f"{field}: want {want!r}, got {got!r}"
    return None


def fits(record: Record, spec: Spec) -> bool:
    return mismatch(record, spec) is None


def brief(records: list[Record]) -> str:
    """The records in a line or two, for failure messages."""
    keys = ("name", "title", "arxiv_id", "year", "venue", "orgs")
    return json.dumps([{k: r[k] for k in keys if r.get(k)} for r in records], ensure_ascii=False)


def same_paper(record: Record, spec: Spec) -> bool:
    """The record answers to the spec's name or carries its arXiv id."""
    by_name = "name" in spec and norm(spec["name"]) in names_of(record)
    return by_name or ("arxiv_id" in spec and norm(spec["arxiv_id"]) == norm(record.get("arxiv_id")))


def missing(records: list[Record], specs: list[Spec]) -> list[str]:
    """One line for each spec that no record fits, with the first miss of a record sharing its name or arXiv id."""
    problems = []
    for spec in specs:
        if any(fits(record, spec) for record in records):
            continue
        near = [mismatch(r, spec) for r in records if same_paper(r, spec)]
        why = f" (closest: {near[0]})" if near else ""
        problems.append(f"no record like {spec}{why}; got {brief(records)}")
    return problems


# -- concrete forms of the `not` lines ----------------------------------------------------------------------------


def called(record: Record, text: str) -> bool:
    """The record's name, an alias or its title is `text`."""
    return norm(text) in [*names_of(record), norm(record.get("title"))]


def named(records: list[Record], name: str) -> list[Record]:
    return [record for record in records if norm(name) in names_of(record)]


def count(n: int) -> Check:
    def check(records: list[Record]) -> str | None:
        return None if len(records) == n else f"{len(records)} records, want {n}: {brief(records)}"

    return check


def nothing_called(*texts: str) -> Check:
    def check(records: list[Record]) -> str | None:
        hits = [r for r in records if any(called(r, text) for text in texts)]
        return f"a record called {texts}: {brief(hits)}" if hits else None

    return check


def none_named(*names: str) -> Check:
    """No record has one of `names` as its name (an alias may still mention it)."""

    def check(records: list[Record]) -> str | None:
        hits = [r for r in records if norm(r.get("name")) in map(norm, names)]
        return f"a record named one of {names}: {brief(hits)}" if hits else None

    return check


def apart(first: str, second: str) -> Check:
    """No single record answers to both names."""

    def check(records: list[Record]) -> str | None:
        both = [r for r in named(records, first) if r in named(records, second)]
        return f"{first} and {second} merged: {brief(both)}" if both else None

    return check


def no_title_containing(*texts: str) -> Check:
    def check(records: list[Record]) -> str | None:
        bad = [r.get("title") for r in records if any(norm(text) in norm(r.get("title")) for text in texts)]
        return f"titles containing one of {texts}: {bad}" if bad else None

    return check


def not_in(field: str, *values: str, name: str | None = None) -> Check:
    """No record (or none named `name`) lists one of `values` in `field`, a list field or a components slot."""

    def check(records: list[Record]) -> str | None:
        scope = records if name is None else named(records, name)
        for record in scope:
            got = record[field] if field in record else (record.get("components") or {}).get(field)
            bad = [value for value in got or [] if norm(value) in map(norm, values)] if isinstance(got, list) else []
            if bad:
                return f"{record.get('name') or record.get('title')!r} has {field} {bad}"
        return None

    return check


def no_author_containing(text: str) -> Check:
    def check(records: list[Record]) -> str | None:
        bad = [a for r in records for a in r.get("authors") or [] if norm(text) in norm(a)]
        return f"authors containing {text!r}: {bad}" if bad else None

    return check


def no_relation(name: str, kind: str, target: str) -> Check:
    def check(records: list[Record]) -> str | None:
        for record in named(records, name):
            for relation in record.get("relations") or []:
                if relation.get("type") == kind and norm(relation.get("target")) == norm(target):
                    return f"{name} {kind} {target}: {relation}"
        return None

    return check


def no_link_to(name: str, arxiv_id: str) -> Check:
    def check(records: list[Record]) -> str | None:
        for record in named(records, name):
            links = record.get("links") or {}
            if any(arxiv_id in str(links.get(kind) or "") for kind in ("paper", "pdf")):
                return f"{name}'s links point at {arxiv_id}: {links}"
        return None

    return check


def one_record_for(arxiv_id: str, *not_ids: str) -> Check:
    """Exactly one record carries `arxiv_id`, and none carries a variant spelling of it."""

    def check(records: list[Record]) -> str | None:
        ids = [norm(r.get("arxiv_id")) for r in records]
        if ids.count(norm(arxiv_id)) != 1:
            return f"{ids.count(norm(arxiv_id))} records with arXiv id {arxiv_id}: {ids}"
        bad = [i for i in ids if i in map(norm, not_ids)]
        return f"records with arXiv id {bad}" if bad else None

    return check


# Every `not` line of expected.yaml, case by case, as checks; a test keeps the two in step.
NOT_CHECKS: dict[str, dict[str, list[Check]]] = {
    "k01_heading_only.md": {
        "a record for the front-matter title": [nothing_called("视觉语言论文随手记"), count(2)],
    },
    "k02_title_before_paper_link.md": {
        "the bold name filed as a tag": [not_in("tags", "LLaVA-1.5")],
    },
    "k03_paper_link_text.md": {
        "'paper link' or 'arxiv link' as a title": [nothing_called("paper link", "arxiv link")],
        "the two entries merged into one record": [apart("BEiT", "CvT"), count(2)],
    },
    "k04_linkless_table.md": {},
    "k06_heading_prefix_tag.md": {
        "'(ECCV2020_Oscar)' or '[paper] [code]' inside the title": [
            no_title_containing("ECCV2020_Oscar", "[paper]", "[code]")
        ],
    },
    "k07_bold_heading_badge.md": {},
    "k08_bold_title_line.md": {},
    "k09_section_as_card.md": {
        "a record for the heading 'Image-text papers I track'": [
            nothing_called("Image-text papers I track", "4) Image-text papers I track"),
            count(3),
        ],
    },
    "k10_plus_bullets.md": {
        "ShareGPT4V renamed after its dataset ShareGPT4V-PT": [none_named("ShareGPT4V-PT")],
    },
    "k12_h1_only_note.md": {},
    "k15_heading_titleline_bareurl.md": {},
    "k17_two_papers_one_item.md": {
        "BLIP-2's paper link pointing at 2305.06500": [no_link_to("BLIP-2", "2305.06500")],
        "InstructBLIP lost": [count(2)],
    },
    "k18_negation.md": {
        "Faster R-CNN as SimVLM's vision encoder": [not_in("vision_encoder", "Faster R-CNN", name="SimVLM")],
        "ITM or MLM among SimVLM's losses": [not_in("losses", "ITM", "MLM", name="SimVLM")],
        "dual-encoder as SimVLM's architecture": [not_in("architecture", "dual-encoder", name="SimVLM")],
        "SimVLM 'uses' CLIP": [no_relation("SimVLM", "uses", "CLIP")],
    },
    "k19_bold_org_line_cards.md": {
        "the two cards merged through 'BAAI'": [apart("Painter", "SegGPT"), count(2)],
        "'BAAI' as a name or alias": [nothing_called("BAAI")],
    },
    "k20_ids_every_path.md": {
        "two records for math/0211159 (the subject class .DG is not part of the id)": [
            one_record_for("math/0211159", "math.DG/0211159"),
            count(3),
        ],
        "'[2303.15343]' inside the title": [no_title_containing("[2303.15343]")],
    },
    "k21_chinese_short_name_card.md": {
        "观澜 read as an organisation": [not_in("orgs", "观澜")],
        "the author list treated as complete: 等 means 'and others'": [no_author_containing("等")],
    },
}


def broken(records: list[Record], checks: dict[str, list[Check]]) -> list[str]:
    """One line for each check that fails, under the `not` line it stands for."""
    return [f"not {line!r}: {problem}" for line, group in checks.items() for c in group if (problem := c(records))]


# -- building a note alone ----------------------------------------------------------------------------------------


@pytest.fixture
def build_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Run) -> Build:
    """Build one note in a folder of its own and return `list --format json` as data."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("VLMNOTES_NOTES", raising=False)
    monkeypatch.delenv("VLMNOTES_KB", raising=False)

    def build(note: Path) -> list[Record]:
        work = tmp_path / note.stem
        write_notes(work / "notes", {note.name: note.read_bytes()})
        result = cli("--notes", str(work / "notes"), "--kb", str(work / "kb"), "list", "--format", "json")
        assert result.exit_code == 0, f"{note.name}: exit {result.exit_code}\n{result.stdout}\n{result.stderr}"
        records = json.loads(result.stdout or "[]")
        assert isinstance(records, list), result.stdout
        return records

    return build


# -- the tests ----------------------------------------------------------------------------------------------------


def test_cases_and_checks_agree() -> None:
    notes = sorted(p.name for p in CASES.glob("*.md"))
    assert notes == sorted(EXPECTED), "every note in fixtures/cases needs an entry in expected.yaml, and back"
    assert sorted(NOT_CHECKS) == notes
    for name, expected in EXPECTED.items():
        assert list(NOT_CHECKS[name]) == expected.get("not", []), f"{name}: NOT_CHECKS out of step with expected.yaml"
        assert expected["records"], name


def test_matcher() -> None:
    record: Record = {
        "name": "BLIP-2",
        "aliases": ["BLIP2"],
        "title": "ＢＬＩＰ-2: Bootstrapping",
        "date": "2023-01-30",
        "year": 2023,
        "orgs": ["Google DeepMind"],
        "components": {"llm": ["OPT-2.7B"], "losses": ["ITC"]},
    }
    assert fits(record, {"name": "blip2", "year": 2023, "date": "2023-01", "title": "blip-2: bootstrapping"})
    assert fits(record, {"orgs": ["DeepMind"], "components": {"llm": ["OPT"]}})
    assert fits(record, {"title_any": ["other", "BLIP-2: Bootstrapping"]})
    assert not fits(record, {"name": "BLIP"})
    assert not fits(record, {"date": "2023-02"})
    assert not fits(record, {"components": {"losses": ["ITC", "ITM"]}})
    assert not fits(record, {"orgs": ["OpenAI"]})


@pytest.mark.parametrize("case", sorted(EXPECTED), ids=lambda name: name.split("_")[0])
def test_case(case: str, build_alone: Build) -> None:
    records = build_alone(CASES / case)
    problems = missing(records, EXPECTED[case]["records"]) + broken(records, NOT_CHECKS[case])
    assert not problems, f"{case}:\n" + "\n".join(problems)


def test_shared_cases(build_alone: Build) -> None:
    """The shared extraction cases, records only: their `not` lines are words with no checks of ours."""
    if not (SHARED_CASES / "expected.yaml").is_file():
        pytest.skip(f"{SHARED_CASES} is not here")
    problems = []
    for case, expected in load_expected(SHARED_CASES).items():
        problems += [f"{case}: {line}" for line in missing(build_alone(SHARED_CASES / case), expected["records"])]
    assert not problems, "\n".join(problems)
