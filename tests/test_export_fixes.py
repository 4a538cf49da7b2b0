"""Export problems a cold try found (issue 10, follow-up): one key on two records, a record that cannot be read,
entry types from the venue's words, entries without a title, where a reader finds the paper, RIS and CSL names.

Each test writes a small notes folder in tmp_path (or takes conftest's), builds it, edits record files as a
user would, and runs `vlmnotes export` end to end.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
import rispy

from conftest import REPO, Run, record_bytes, stderr_lines, write_notes
from vlmnotes.export import parse_bibtex, person_name, publication
from vlmnotes.vocab import load_vocabulary

BIBLIOGRAPHIES = ["bibtex", "csl-json", "ris"]

# A conference paper whose authors have particles, a Chinese name and a single word; two pages that are no
# arXiv paper (LLaVA-NeXT: a blog with a title, Fuyu-8B: a name and a blog link); an arXiv id with nothing else.
CARDS_MD = """\
# 阅读卡片

### 1. Scaling Symphony Towers Further

- **Symphony**

- **作者: Ludwig van Beethoven、Jan van der Berg、王小明、Plato 等**

- **CVPR:2024**

- **终版提交: 2023.11**

- **arXiv: 2311.00101**
"""

LINKS_MD = """\
# Blog and tech reports

- [[LLaVA-NeXT](https://llava-vl.github.io/blog/2024-01-30-llava-next/)] LLaVA-NeXT: Improved reasoning, OCR, \
and world knowledge. [[code](https://github.com/LLaVA-VL/LLaVA-NeXT)]
- [ ] [Fuyu-8B](https://www.adept.ai/blog/fuyu-8b) - decoder-only, no separate image encoder
"""

# An arXiv id with authors and a year, but no title and no paper link.
UNTITLED_MD = """\
---
arxiv: 2103.00104
authors: [Ada Synthetic, Bo Fictional]
---

Read later.
"""

LLAVA_NEXT_BLOG = "https://llava-vl.github.io/blog/2024-01-30-llava-next/"
FUYU_BLOG = "https://www.adept.ai/blog/fuyu-8b"


def export(run: Run, *args: str) -> str:
    result = run("export", *args)
    assert result.exit_code == 0, result.output
    return result.stdout


def _set(kb: Path, stem: str, line: str) -> None:
    """Add a line to a record file by hand, right after its id (the first line), saved as an editor saves:
    a new file renamed over the old one."""
    path = kb / "papers" / f"{stem}.yaml"
    first, rest = path.read_text("utf-8").split("\n", 1)
    assert first == f"id: '{stem}'"
    saved = path.with_name(f".{path.name}.swp")
    saved.write_text(f"{first}\n{line}\n{rest}", "utf-8")
    os.replace(saved, path)


@pytest.fixture
def kb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run: Run) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("VLMNOTES_NOTES", raising=False)
    monkeypatch.delenv("VLMNOTES_KB", raising=False)
    write_notes(tmp_path / "notes", {"cards.md": CARDS_MD, "links.md": LINKS_MD, "untitled.md": UNTITLED_MD})
    result = run("build")
    assert result.exit_code == 0, result.output
    return tmp_path / "kb"


# --- 1. one key on two records ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", BIBLIOGRAPHIES)
def test_two_records_with_one_key_are_refused_naming_both_files_and_nothing_is_written(
    built: Path, run: Run, fmt: str
) -> None:
    kb = built / "kb"
    _set(kb, "2102.05918", "citekey: dupkey")
    _set(kb, "2103.00020", "citekey: dupkey")
    before = record_bytes(kb)

    result = run("export", "--format", fmt, "-o", "refs.out")

    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        "error: citation key 'dupkey' is given to both kb/papers/2102.05918.yaml and kb/papers/2103.00020.yaml;"
        " change one of them\n"
    )
    assert "Traceback" not in result.output
    assert not Path("refs.out").exists()
    assert record_bytes(kb) == before  # BLIP-2 was given no key either


def test_keys_that_differ_only_in_case_are_one_key(built: Path, run: Run) -> None:
    kb = built / "kb"
    _set(kb, "2102.05918", "citekey: DupKey")
    _set(kb, "2103.00020", "citekey: dupkey")

    result = run("export", "--format", "bibtex")

    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr.startswith("error: citation key 'dupkey' is given to both kb/papers/2102.05918.yaml and")


def test_a_key_shared_with_a_paper_left_out_of_the_export_is_written_with_a_warning(built: Path, run: Run) -> None:
    kb = built / "kb"
    _set(kb, "2102.05918", "citekey: dupkey")
    _set(kb, "2103.00020", "citekey: dupkey")

    result = run("export", "--format", "bibtex", "CLIP")

    assert result.exit_code == 0, result.output
    assert [e["ID"] for e in parse_bibtex(result.stdout)] == ["dupkey"]
    assert "warning: citation key 'dupkey'" in result.stderr


# --- 2. a record that cannot be read ----------------------------------------------------------------------------

BROKEN = "error: kb/papers/2103.00020.yaml:2: citekey: Input should be a valid string"


@pytest.mark.parametrize("fmt", [*BIBLIOGRAPHIES, "json"])
@pytest.mark.parametrize("query", [None, "year:>=2021"])
def test_a_record_that_cannot_be_read_is_named_once_and_the_export_exits_1_after_writing_the_rest(
    built: Path, run: Run, fmt: str, query: str | None
) -> None:
    _set(built / "kb", "2103.00020", "citekey: [a, b]")
    listed = run("list")
    assert (listed.exit_code, [line for line in stderr_lines(listed) if line.startswith("error:")]) == (1, [BROKEN])

    result = run("export", *([query] if query else []), "--format", fmt)

    assert result.exit_code == 1
    assert [line for line in stderr_lines(result) if line.startswith("error:")] == [BROKEN]
    assert stderr_lines(result)[0] == BROKEN  # named before anything else is said
    assert "Scaling Up Visual and Vision-Language Representation Learning" in result.stdout
    assert "BLIP-2" in result.stdout
    assert "Learning Transferable Visual Models" not in result.stdout


# --- 3. entry types from the venue's words ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("venue", "kind", "name", "year"),
    [
        ("preprint", "preprint", None, 2023),
        ("arXiv preprint", "preprint", None, 2023),
        ("CoRR", "preprint", None, 2023),
        ("CoRR abs/2305.00101", "preprint", None, 2023),
        ("Under review at ICLR 2025", "preprint", None, 2023),
        ("Nature 2024", "journal", "Nature", 2024),
        ("Science", "journal", "Science", 2023),
        ("JMLR 2022", "journal", "JMLR", 2022),
        ("TACL", "journal", "TACL", 2023),
        ("Trans. Mach. Learn. Res.", "journal", "TMLR", 2023),
        ("Transactions on Machine Learning Research 2024", "journal", "TMLR", 2024),
        ("IEEE Transactions on Image Processing 2024", "journal", "IEEE Transactions on Image Processing", 2024),
        ("IEEE Trans. Image Process.", "journal", "IEEE Trans. Image Process.", 2023),
        ("Journal of Vision", "journal", "Journal of Vision", 2023),
        ("Pattern Recognition Letters", "journal", "Pattern Recognition Letters", 2023),
        ("Annual Review of Vision Science", "journal", "Annual Review of Vision Science", 2023),
        ("CVPR 2024 Workshop", "conference", "CVPR 2024 Workshop", 2024),
        ("CVPR Workshops 2024", "conference", "CVPR Workshops", 2024),
        ("Findings of ACL 2024", "conference", "Findings of ACL", 2024),
        ("Findings of EMNLP", "conference", "Findings of EMNLP", 2023),
        ("Proceedings of the Made-up Symposium", "conference", "Proceedings of the Made-up Symposium", 2023),
        ("NeurIPS Datasets and Benchmarks Track 2023", "conference", "NeurIPS Datasets and Benchmarks Track", 2023),
        ("NIPS 2019", "conference", "NeurIPS", 2019),
        ("Some Venue 2022", "conference", "Some Venue", 2022),
    ],
)
def test_a_venue_is_cited_as_its_words_and_the_vocabulary_say(
    venue: str, kind: str, name: str | None, year: int
) -> None:
    pub = publication({"venue": venue, "date": "2023-05", "year": 2023}, load_vocabulary())

    assert (pub.kind, pub.venue, pub.date[0]) == (kind, name, year)


def test_a_journal_reference_wins_over_a_preprint_venue() -> None:
    pub = publication({"venue": "arXiv 2023", "journal_ref": "CVPR 2024", "year": 2023}, load_vocabulary())

    assert (pub.kind, pub.venue, pub.date) == ("conference", "CVPR", [2024])


def test_venues_written_by_hand_give_the_right_entry_in_every_format(built: Path, run: Run) -> None:
    kb = built / "kb"
    _set(kb, "2102.05918", "venue: preprint")
    _set(kb, "2103.00020", "venue: CVPR 2024 Workshop")
    _set(kb, "2301.12597", "venue: Nature 2024")

    bib = {e["eprint"]: e for e in parse_bibtex(export(run, "--format", "bibtex"))}
    csl = {i["URL"]: i for i in json.loads(export(run, "--format", "csl-json"))}
    ris = {e["urls"][0]: e for e in rispy.loads(export(run, "--format", "ris"))}

    align, clip, blip2 = bib["2102.05918"], bib["2103.00020"], bib["2301.12597"]
    assert (align["ENTRYTYPE"], "booktitle" in align, "journal" in align) == ("misc", False, False)
    assert (clip["ENTRYTYPE"], clip["booktitle"], clip["year"]) == ("inproceedings", "CVPR 2024 Workshop", "2024")
    assert (blip2["ENTRYTYPE"], blip2["journal"], blip2["year"]) == ("article", "Nature", "2024")
    abs_url = "https://arxiv.org/abs/"
    assert [csl[abs_url + i]["type"] for i in ("2102.05918", "2103.00020", "2301.12597")] == [
        "article",
        "paper-conference",
        "article-journal",
    ]
    assert csl[abs_url + "2103.00020"]["container-title"] == "CVPR 2024 Workshop"
    assert [ris[abs_url + i]["type_of_reference"] for i in ("2102.05918", "2103.00020", "2301.12597")] == [
        "GEN",
        "CONF",
        "JOUR",
    ]


# --- 4. entries without a title ---------------------------------------------------------------------------------


def test_an_entry_without_a_title_has_none_rather_than_an_id_and_strict_fails_on_it(kb: Path, run: Run) -> None:
    bib = {e["ID"]: e for e in parse_bibtex(export(run, "--format", "bibtex"))}
    csl = {i["id"]: i for i in json.loads(export(run, "--format", "csl-json"))}
    ris = {e["id"]: e for e in rispy.loads(export(run, "--format", "ris"))}
    untitled = next(k for k, e in bib.items() if e.get("eprint") == "2103.00104")

    assert "title" not in bib[untitled] and "title" not in csl[untitled] and "title" not in ris[untitled]
    assert not [e for e in [*bib.values(), *csl.values(), *ris.values()] if "2103.00104" in e.get("title", "")]
    fuyu = next(k for k, e in bib.items() if "Fuyu" in e.get("title", ""))
    assert (bib[fuyu]["title"], csl[fuyu]["title"], ris[fuyu]["title"]) == ("Fuyu-8B", "Fuyu-8B", "Fuyu-8B")

    warned = run("export", "--format", "ris", "arxiv:2103.00104")
    strict = run("export", "--format", "csl-json", "--strict", "arxiv:2103.00104")
    line = "of 1 entry, 1 no title; `vlmnotes enrich --all` fills them from arXiv for papers with an arXiv id"
    assert (warned.exit_code, stderr_lines(warned)[-1]) == (0, f"warning: {line}")
    assert (strict.exit_code, stderr_lines(strict)[-1]) == (1, f"error: {line}")


def test_the_completeness_line_counts_titles_authors_and_years(kb: Path, run: Run) -> None:
    result = run("export", "--format", "bibtex")

    assert stderr_lines(result)[-1] == (
        "warning: of 4 entries, 1 no title, 2 no authors and 2 no year; `vlmnotes enrich --all` fills them from"
        " arXiv for papers with an arXiv id"
    )


# --- 5. where a reader finds the paper ------------------------------------------------------------------------


def test_an_arxiv_paper_without_a_link_gets_its_abstract_page_as_url(kb: Path, run: Run) -> None:
    url = "https://arxiv.org/abs/2103.00104"
    bib = [e for e in parse_bibtex(export(run, "--format", "bibtex")) if e.get("eprint") == "2103.00104"]
    csl = [i for i in json.loads(export(run, "--format", "csl-json")) if i.get("number") == "arXiv:2103.00104"]
    ris = [e for e in rispy.loads(export(run, "--format", "ris")) if e.get("note") == "arXiv:2103.00104"]

    assert (bib[0]["url"], csl[0]["URL"], ris[0]["urls"]) == (url, url, [url])
    assert "howpublished" not in bib[0]  # its eprint says where it is


def test_a_blog_or_project_page_is_the_url_of_a_paper_with_no_other_link(kb: Path, run: Run) -> None:
    bib = {e.get("title"): e for e in parse_bibtex(export(run, "--format", "bibtex"))}
    csl = {i.get("title"): i for i in json.loads(export(run, "--format", "csl-json"))}
    ris = {e.get("title"): e for e in rispy.loads(export(run, "--format", "ris"))}
    llava = "LLaVA-NeXT: Improved reasoning, OCR, and world knowledge"

    for title, url in ((llava, LLAVA_NEXT_BLOG), ("Fuyu-8B", FUYU_BLOG)):
        assert bib[title]["ENTRYTYPE"] == "misc"
        # url for biblatex and natbib styles, howpublished for plain/alpha/ieee, which print no url
        assert (bib[title]["url"], bib[title]["howpublished"]) == (url, f"\\url{{{url}}}")
        assert (csl[title]["URL"], ris[title]["urls"]) == (url, [url])


def test_a_conference_paper_keeps_its_arxiv_id_where_reference_managers_read_it(kb: Path, run: Run) -> None:
    csl = next(i for i in json.loads(export(run, "--format", "csl-json")) if i["type"] == "paper-conference")
    ris = next(e for e in rispy.loads(export(run, "--format", "ris")) if e["type_of_reference"] == "CONF")

    assert (csl["container-title"], csl["note"]) == ("CVPR", "arXiv:2311.00101")  # Zotero: Extra
    assert not {"number", "publisher", "genre"} & set(csl)  # those say "preprint"
    assert (ris["secondary_title"], ris["note"]) == ("CVPR", "arXiv:2311.00101")  # M1
    assert "publisher" not in ris


# --- 6. RIS --------------------------------------------------------------------------------------------------------


def test_ris_has_only_tag_lines_and_authors_family_first(kb: Path, run: Run) -> None:
    text = export(run, "--format", "ris")
    entries = rispy.loads(text)
    conference = next(e for e in entries if e["type_of_reference"] == "CONF")

    assert text.startswith("TY  - ")
    assert not [line for line in text.splitlines() if line and not re.match(r"[A-Z][A-Z0-9]  - ", line)]
    assert conference["authors"] == ["van Beethoven, Ludwig", "van der Berg, Jan", "王小明", "Plato"]


# --- 7. CSL-JSON names ----------------------------------------------------------------------------------------


def test_csl_names_put_lower_case_particles_in_non_dropping_particle(kb: Path, run: Run) -> None:
    item = next(i for i in json.loads(export(run, "--format", "csl-json")) if i["type"] == "paper-conference")

    assert item["author"] == [
        {"family": "Beethoven", "given": "Ludwig", "non-dropping-particle": "van"},
        {"family": "Berg", "given": "Jan", "non-dropping-particle": "van der"},
        {"literal": "王小明"},
        {"literal": "Plato"},
        {"literal": "others"},
    ]


@pytest.mark.parametrize(
    ("written", "parts"),
    [
        ("Alec Radford", ("Alec", "", "Radford", "")),
        ("Jong Wook Kim", ("Jong Wook", "", "Kim", "")),
        ("Ludwig van Beethoven", ("Ludwig", "van", "Beethoven", "")),
        ("Jan van der Berg", ("Jan", "van der", "Berg", "")),
        ("Leonardo da Vinci", ("Leonardo", "da", "Vinci", "")),
        ("Juan de la Cruz", ("Juan", "de la", "Cruz", "")),
        ("van Beethoven, Ludwig", ("Ludwig", "van", "Beethoven", "")),
        ("Radford, Alec", ("Alec", "", "Radford", "")),
        ("Martin Luther King Jr.", ("Martin Luther", "", "King", "Jr.")),
        ("King, Martin Luther, Jr.", ("Martin Luther", "", "King", "Jr.")),
        ("Le Song", ("Le", "", "Song", "")),  # a capitalised first word is a given name, never a particle
        ("王小明", None),
        ("Plato", None),
    ],
)
def test_a_name_splits_into_given_particle_family_and_suffix(written: str, parts: tuple[str, ...] | None) -> None:
    name = person_name(written)

    assert (tuple(name) if name else None) == parts


# --- 8. primaryClass comes with enrich ------------------------------------------------------------------------


def _sentences_naming(text: str, word: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.;])\s+", " ".join(text.split())) if word in s]


def test_primary_class_is_promised_only_with_enrich_as_it_is_written(built: Path, run: Run, cli: Run) -> None:
    readme = (REPO / "README.md").read_text("utf-8")
    section = readme[readme.index("## arXiv, new papers and bibliographies") : readme.index("## Linting notes")]
    promises = _sentences_naming(section, "primaryClass") + _sentences_naming(
        cli("export", "--help").stdout, "primaryClass"
    )

    assert promises and all("enrich" in s for s in promises), promises
    entries = parse_bibtex(export(run, "--format", "bibtex"))
    assert [e["eprint"] for e in entries] == ["2102.05918", "2103.00020", "2301.12597"]
    assert not [e for e in entries if "primaryclass" in e]  # not enriched: no category known
