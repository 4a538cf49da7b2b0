"""Bibliographies as an author pastes them into a paper: entry types, venues and years, incomplete author lists.

A paper at a conference is @inproceedings / paper-conference / CONF with the conference's year (VLMo: arXiv
2021, NeurIPS 2022), at a journal @article / article-journal / JOUR, on arXiv only @misc / article / GEN with its
v1 date. An author list a note ends with 等 or et al. stays incomplete in every format (`and others`, a last
CSL name `{"literal": "others"}`, a RIS note) until `enrich` replaces it with arXiv's full list. Each format is
read back by what authors use: bibtexparser and pybtex, the official CSL-JSON schema and citeproc-py, rispy.
What arXiv says comes from a kb/arxiv.jsonl written here by hand (the store `enrich` fills): no network.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import rispy

from conftest import REPO, Run, write_notes
from vlmnotes.errors import VocabularyError
from vlmnotes.export import RIS_ET_AL_NOTE, case_protected, parse_bibtex, publication
from vlmnotes.parse.fields import read_authors
from vlmnotes.vocab import load_vocabulary

CSL_SCHEMA = json.loads((Path(__file__).parent / "fixtures" / "csl" / "csl-data.json").read_text("utf-8"))

VLMO_TITLE = "VLMo: Unified Vision-Language Pre-Training with Mixture-of-Modality-Experts"
COCA_TITLE = "CoCa: Contrastive Captioners are Image-Text Foundation Models"
BLIP2_TITLE = "BLIP-2: Bootstrapping Language-Image Pre-training with Frozen Image Encoders and Large Language Models"

CARDS_MD = f"""\
# 阅读卡片

### 1. [{VLMO_TITLE}](https://arxiv.org/abs/2111.02358)

- **VLMo**

- **作者: Hangbo Bao、Wenhui Wang、Li Dong 等**

- **Microsoft**

- **NeurIPS:2022**

- **终版提交: 2021.11**

### 2. [{COCA_TITLE}](https://arxiv.org/abs/2205.01917)

- **CoCa**

- **作者: Jiahui Yu、Zirui Wang、Vijay Vasudevan 等**

- **Google Research**

- **TMLR:2022**

- **终版提交: 2022.05**

### 3. 观澜：能读长篇图文的中文多模态模型

- **观澜**

- **作者: 王小明、李华 等**

- **某某理工大学**

- **2024.03**

### 4. [{BLIP2_TITLE}](https://arxiv.org/abs/2301.12597)

- **BLIP-2**

- **作者: Junnan Li、Dongxu Li、Silvio Savarese、Steven Hoi**

- **ICML:2023**

- **终版提交: 2023.01**
"""

# Made-up papers at real-looking ids, so that no fixture puts words in real authors' mouths.
TOWERS_MD = """\
# Scaling Text Towers Further

- Title: Scaling Text Towers Further
- Authors: Ada Synthetic, Bo Fictional et al.
- arXiv: https://arxiv.org/abs/2103.00102

# Preprints

- Mon, 1 Mar 2021 [Scaling Vision Towers Further](https://arxiv.org/abs/2103.00101)
"""

FETCHED = [
    {
        "id": "2103.00101",
        "status": "found",
        "title": "Scaling Vision Towers Further",
        "authors": ["Ada Synthetic", "Cy Madeup"],
        "published": "2021-03-01",
        "primary_category": "cs.CV",
        "categories": ["cs.CV"],
    },
    {
        "id": "2103.00102",
        "status": "found",
        "title": "Scaling Text Towers Further",
        "authors": ["Ada Synthetic", "Bo Fictional", "Cy Madeup", "Di Imaginary"],
        "published": "2021-03-02",
        "primary_category": "cs.CL",
        "categories": ["cs.CL"],
    },
]


@pytest.fixture
def kb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run: Run) -> Path:
    """Four review cards (a conference, a journal, a Chinese card, BLIP-2) and two made-up arXiv preprints."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("VLMNOTES_NOTES", raising=False)
    monkeypatch.delenv("VLMNOTES_KB", raising=False)
    write_notes(tmp_path / "notes", {"cards.md": CARDS_MD, "towers.md": TOWERS_MD})
    (tmp_path / "kb").mkdir()
    lines = [json.dumps(r, ensure_ascii=False, sort_keys=True) for r in FETCHED]
    (tmp_path / "kb" / "arxiv.jsonl").write_text("\n".join(lines) + "\n", "utf-8")
    result = run("build")
    assert result.exit_code == 0, result.output
    return tmp_path / "kb"


def export(run: Run, *args: str) -> str:
    result = run("export", *args)
    assert result.exit_code == 0, result.output
    return result.stdout


def records(run: Run) -> dict[str, dict[str, Any]]:
    return {r.get("name") or r["title"]: r for r in json.loads(export(run, "--format", "json"))}


def bibtex_by_title(run: Run) -> dict[str, dict[str, str]]:
    return {e["title"]: e for e in parse_bibtex(export(run, "--format", "bibtex"))}


def csl_by_title(run: Run) -> dict[str, dict[str, Any]]:
    return {i["title"]: i for i in json.loads(export(run, "--format", "csl-json"))}


def ris_by_title(run: Run) -> dict[str, dict[str, Any]]:
    return {e["title"]: e for e in rispy.loads(export(run, "--format", "ris"))}


# --- incomplete author lists: the notes ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "names", "et_al"),
    [
        ("王小明、李华 等", ["王小明", "李华"], True),
        ("王小明、李华等人", ["王小明", "李华"], True),
        ("Alec Radford, Jong Wook Kim et al.", ["Alec Radford", "Jong Wook Kim"], True),
        ("Alec Radford, Jong Wook Kim, et al", ["Alec Radford", "Jong Wook Kim"], True),
        ("Alec Radford and others", ["Alec Radford"], True),
        ("Alec Radford, Jong Wook Kim, ...", ["Alec Radford", "Jong Wook Kim"], True),
        ("Alec Radford; Jong Wook Kim …", ["Alec Radford", "Jong Wook Kim"], True),
        (["Radford, Alec", "others"], ["Radford, Alec"], True),
        (["Radford, Alec", "et al."], ["Radford, Alec"], True),
        ("Alec Radford、Jong Wook Kim", ["Alec Radford", "Jong Wook Kim"], False),
        ("Bennet Tal and Jo Etal", ["Bennet Tal", "Jo Etal"], False),
    ],
)
def test_a_list_ending_in_et_al_is_incomplete_and_the_marker_is_nobodys_name(
    written: str | list[str], names: list[str], et_al: bool
) -> None:
    assert read_authors(written) == (names, et_al)


STYLES_MD = """\
---
title: Scaling Image Towers Further
arxiv: 2103.00104
authors: [Ada Synthetic, et al.]
---

# Scaling Image Towers Further

## Field card

- 题目：Scaling Audio Towers Further
- 作者：张三、李四 等人
- 论文：https://arxiv.org/abs/2103.00105

## References

Synthetic, A., Fictional, B., et al. (2021). Scaling Video Towers Further. arXiv preprint arXiv:2103.00106.

## BibTeX

### SpeechTower: Scaling Speech Towers Further

```bibtex
@article{synthetic2021speech,
  title = {Scaling Speech Towers Further},
  author = {Synthetic, Ada and Fictional, Bo and others},
  eprint = {2103.00107},
  year = {2021}
}
```
"""


def test_every_note_style_marks_an_incomplete_list_and_keeps_the_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run: Run
) -> None:
    monkeypatch.chdir(tmp_path)
    write_notes(tmp_path / "notes", {"styles.md": STYLES_MD})
    assert run("build").exit_code == 0
    by_id = {r["id"]: r for r in json.loads(export(run, "--format", "json"))}

    assert {i: (by_id[i]["authors"], by_id[i]["authors_et_al"]) for i in sorted(by_id)} == {
        "2103.00104": (["Ada Synthetic"], True),
        "2103.00105": (["张三", "李四"], True),
        "2103.00106": (["Synthetic, A.", "Fictional, B."], True),
        "2103.00107": (["Synthetic, Ada", "Fictional, Bo"], True),
    }


def test_a_complete_list_from_another_note_wins_over_an_incomplete_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run: Run
) -> None:
    monkeypatch.chdir(tmp_path)
    complete = "# Towers\n\n- Title: Scaling Text Towers Further\n- Authors: Ada Synthetic, Bo Fictional, Cy Madeup\n"
    complete += "- arXiv: https://arxiv.org/abs/2103.00102\n"
    write_notes(tmp_path / "notes", {"a.md": TOWERS_MD, "b.md": complete})
    assert run("build").exit_code == 0
    text = records(run)["Scaling Text Towers Further"]

    assert (text["authors"], text["authors_et_al"]) == (["Ada Synthetic", "Bo Fictional", "Cy Madeup"], False)
    assert not [c for c in text.get("conflicts", []) if c["field"] == "authors"]  # the short list only starts it


def test_enrich_replaces_an_incomplete_list_with_arxivs_and_keeps_a_complete_one(kb: Path, run: Run) -> None:
    by_name = records(run)
    text, vision, vlmo = (
        by_name["Scaling Text Towers Further"],
        by_name["Scaling Vision Towers Further"],
        by_name["VLMo"],
    )

    assert text["authors"] == ["Ada Synthetic", "Bo Fictional", "Cy Madeup", "Di Imaginary"]
    assert text["authors_et_al"] is False
    assert text["provenance"]["authors"] == "arxiv"
    assert vision["authors"] == ["Ada Synthetic", "Cy Madeup"]  # the notes named nobody: filled in
    assert (vlmo["authors"], vlmo["authors_et_al"]) == (["Hangbo Bao", "Wenhui Wang", "Li Dong"], True)


# --- entry types, venues and years -----------------------------------------------------------------------------


def test_vlmo_is_inproceedings_at_neurips_2022_not_its_arxiv_year(kb: Path, run: Run) -> None:
    vlmo = bibtex_by_title(run)[VLMO_TITLE]

    assert vlmo["ENTRYTYPE"] == "inproceedings"
    assert (vlmo["booktitle"], vlmo["year"]) == ("NeurIPS", "2022")
    assert (vlmo["eprint"], vlmo["archiveprefix"]) == ("2111.02358", "arXiv")
    assert vlmo["author"] == "Hangbo Bao and Wenhui Wang and Li Dong and others"
    assert "journal" not in vlmo


def test_a_tmlr_paper_is_an_article_in_the_journal_never_a_booktitle(kb: Path, run: Run) -> None:
    coca = bibtex_by_title(run)[COCA_TITLE]

    assert (coca["ENTRYTYPE"], coca["journal"], coca["year"]) == ("article", "TMLR", "2022")
    assert "booktitle" not in coca


def test_an_arxiv_only_paper_is_misc_with_its_v1_date_and_primary_class(kb: Path, run: Run) -> None:
    vision = bibtex_by_title(run)["Scaling Vision Towers Further"]

    assert vision == {
        "ID": vision["ID"],
        "ENTRYTYPE": "misc",
        "title": "Scaling Vision Towers Further",
        "author": "Ada Synthetic and Cy Madeup",
        "year": "2021",
        "eprint": "2103.00101",
        "archiveprefix": "arXiv",
        "primaryclass": "cs.CV",
        "url": "https://arxiv.org/abs/2103.00101",
    }


def test_chinese_names_are_kept_as_written_and_the_list_ends_with_and_others(kb: Path, run: Run) -> None:
    title = "观澜：能读长篇图文的中文多模态模型"
    bib = export(run, "--format", "bibtex")

    assert "author = {王小明 and 李华 and others}" in bib
    assert bibtex_by_title(run)[title]["ENTRYTYPE"] == "misc"
    assert csl_by_title(run)[title]["author"] == [{"literal": "王小明"}, {"literal": "李华"}, {"literal": "others"}]
    ris = ris_by_title(run)[title]
    assert (ris["authors"], ris["notes"]) == (["王小明", "李华"], [RIS_ET_AL_NOTE])


@pytest.mark.parametrize(
    ("record", "kind", "venue", "date"),
    [
        ({"venue": "NeurIPS 2022", "date": "2021-11", "year": 2021}, "conference", "NeurIPS", [2022]),
        ({"venue": "CVPR", "date": "2023-10-05", "year": 2023}, "conference", "CVPR", [2023]),
        ({"venue": "TPAMI 2024", "year": 2023}, "journal", "TPAMI", [2024]),
        ({"venue": "arXiv 2023", "date": "2023-05", "year": 2023}, "preprint", None, [2023, 5]),
        ({"journal_ref": "Trans. on Machine Learning Research (TMLR), 2023", "year": 2022}, "journal", "TMLR", [2023]),
        ({"journal_ref": "CVPR 2022", "year": 2021}, "conference", "CVPR", [2022]),
        ({"journal_ref": "J. Synth. & Co. 5 (2021)", "year": 2020}, "journal", "J. Synth. & Co. 5 (2021)", [2021]),
        ({"arxiv_id": "2103.00101", "date": "2021-03", "published": "2021-03-01", "year": 2021}, "preprint", None,
         [2021, 3, 1]),
        ({"date": "2021", "year": 2021}, "preprint", None, [2021]),
        ({}, "preprint", None, []),
    ],
)  # fmt: skip
def test_where_and_when_a_paper_came_out(record: dict[str, Any], kind: str, venue: str | None, date: list[int]) -> None:
    pub = publication(record, load_vocabulary())

    assert (pub.kind, pub.venue, pub.date) == (kind, venue, date)


def test_a_venue_kind_comes_from_the_vocabulary_and_a_wrong_one_is_named(tmp_path: Path) -> None:
    vocab = load_vocabulary()
    assert [vocab.venue_kind(v) for v in ("NeurIPS", "NIPS", "TMLR", "T-PAMI", "IJCV", "arXiv", "Unknown Conf")] == [
        "conference",
        "conference",
        "journal",
        "journal",
        "journal",
        "preprint",
        "conference",
    ]
    mine = tmp_path / "vlmnotes-vocab.yaml"
    mine.write_text("venues:\n  - name: TACL\n    aliases: [TACL]\n    kind: journal\n", "utf-8")
    assert load_vocabulary(mine).venue_kind("TACL") == "journal"
    wrong = tmp_path / "wrong" / "vlmnotes-vocab.yaml"
    wrong.parent.mkdir()
    wrong.write_text("venues:\n  - name: TACL\n    kind: jornal\n", "utf-8")
    with pytest.raises(VocabularyError) as raised:
        load_vocabulary(wrong)
    assert str(raised.value) == f"{wrong}: venue 'TACL' has kind 'jornal'; use one of conference, journal, preprint"


# --- each format read back by the tools authors use ----------------------------------------------------------


def test_csl_json_is_valid_against_the_csl_schema_with_the_right_types(kb: Path, run: Run) -> None:
    items = json.loads(export(run, "--format", "csl-json"))
    jsonschema.Draft7Validator(CSL_SCHEMA).validate(items)
    by_title = {i["title"]: i for i in items}
    vlmo, coca, vision = by_title[VLMO_TITLE], by_title[COCA_TITLE], by_title["Scaling Vision Towers Further"]

    assert (vlmo["type"], vlmo["container-title"], vlmo["issued"]) == (
        "paper-conference",
        "NeurIPS",
        {"date-parts": [[2022]]},
    )
    assert not {"publisher", "genre", "number"} & set(vlmo)  # a conference paper is no arXiv preprint
    assert vlmo["author"][-1] == {"literal": "others"}
    assert (coca["type"], coca["container-title"], coca["issued"]) == (
        "article-journal",
        "TMLR",
        {"date-parts": [[2022]]},
    )
    assert {k: vision[k] for k in ("type", "publisher", "number", "genre", "issued")} == {
        "type": "article",
        "publisher": "arXiv",
        "number": "arXiv:2103.00101",
        "genre": "Preprint",
        "issued": {"date-parts": [[2021, 3, 1]]},
    }
    assert "container-title" not in vision


def test_ris_reads_back_with_rispy_with_the_right_types_and_tags(kb: Path, run: Run) -> None:
    by_title = ris_by_title(run)
    vlmo, coca, vision = by_title[VLMO_TITLE], by_title[COCA_TITLE], by_title["Scaling Vision Towers Further"]

    assert (vlmo["type_of_reference"], vlmo["secondary_title"], vlmo["year"]) == ("CONF", "NeurIPS", "2022")
    assert (coca["type_of_reference"], coca["alternate_title3"], coca["journal_name"]) == ("JOUR", "TMLR", "TMLR")
    assert (vision["type_of_reference"], vision["publisher"], vision["note"], vision["date"]) == (
        "GEN",
        "arXiv",
        "arXiv:2103.00101",
        "2021/03/01",
    )
    assert not [e for e in by_title.values() if "arXiv" in e.get("journal_name", "")]  # an id is no journal
    assert "notes" not in by_title[BLIP2_TITLE]  # a complete list needs no word about it


def test_bibtex_round_trips_through_bibtexparser_and_pybtex(kb: Path, run: Run) -> None:
    database = pytest.importorskip("pybtex.database")
    text = export(run, "--format", "bibtex")
    ours = {e["ID"]: e for e in parse_bibtex(text)}
    theirs = database.parse_string(text, "bibtex").entries

    assert set(theirs) == set(ours)
    for key, entry in theirs.items():
        assert entry.type == ours[key]["ENTRYTYPE"]
        assert entry.fields["year"] == ours[key]["year"]
        for field in ("booktitle", "journal", "eprint", "primaryclass"):
            assert entry.fields.get(field) == ours[key].get(field), (key, field)
    vlmo = next(e for e in theirs.values() if e.fields.get("eprint") == "2111.02358")
    assert [str(p) for p in vlmo.persons["author"]] == ["Bao, Hangbo", "Wang, Wenhui", "Dong, Li", "others"]
    chinese = next(e for e in theirs.values() if "观澜" in e.fields["title"])
    assert [str(p) for p in chinese.persons["author"]] == ["王小明", "李华", "others"]


def _pybtex_plain(text: str) -> dict[str, str | None]:
    """Each entry of a .bib rendered by pybtex's `plain` style, None for one the style refuses (it requires
    an author for @inproceedings and @article, where BibTeX itself only warns)."""
    database = pytest.importorskip("pybtex.database")
    plugin = pytest.importorskip("pybtex.plugin")
    template = pytest.importorskip("pybtex.style.template")
    style = plugin.find_plugin("pybtex.style.formatting", "plain")()
    out: dict[str, str | None] = {}
    for key, entry in database.parse_string(text, "bibtex").entries.items():
        try:
            out[key] = style.format_entry(key, entry).text.render_as("text")
        except template.FieldIsMissing:
            out[key] = None
    return out


def test_case_protected_titles_keep_their_capitals_in_pybtex_plain(kb: Path, run: Run) -> None:
    rendered = [r for r in _pybtex_plain(export(run, "--format", "bibtex")).values() if r]
    blip2 = next(r for r in rendered if "Bootstrapping" in r or "bootstrapping" in r)
    vlmo = next(r for r in rendered if "2111.02358" in r)

    assert "BLIP-2: bootstrapping language-image pre-training with frozen image encoders" in blip2
    assert "Blip-2" not in blip2
    assert "VLMo: unified vision-language pre-training" in vlmo and "Vlmo" not in vlmo
    assert "In NeurIPS. 2022." in vlmo
    assert case_protected("PaLI-X and BLIP-2 on VQA").count("{") == 3


# --- the bundled notes, read as an author reads a reference list ---------------------------------------------


def test_the_bundled_notes_make_a_reference_list_an_author_can_use(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run: Run
) -> None:
    citeproc = pytest.importorskip("citeproc")
    json_source = pytest.importorskip("citeproc.source.json")
    monkeypatch.chdir(tmp_path)
    shutil.copytree(REPO / "notes", tmp_path / "notes")
    assert run("build").exit_code == 0
    papers = {r["id"]: r for r in json.loads(export(run, "--format", "json"))}
    bib = run("export", "--format", "bibtex")
    entries = {e["ID"]: e for e in parse_bibtex(bib.stdout)}
    items = json.loads(export(run, "--format", "csl-json"))
    ris = rispy.loads(export(run, "--format", "ris"))
    jsonschema.Draft7Validator(CSL_SCHEMA).validate(items)

    # BibTeX through pybtex's plain style: every entry renders with its title and year, except those
    # the export named on stderr as lacking authors, which `plain` refuses as @inproceedings or @article.
    plain = _pybtex_plain(bib.stdout)
    no_author = {k for k, e in entries.items() if "author" not in e}
    assert {k for k, r in plain.items() if r is None} == {
        k for k in no_author if entries[k]["ENTRYTYPE"] in ("inproceedings", "article")
    }
    assert f"{len(no_author)} no authors" in bib.stderr
    by_eprint = {e.get("eprint"): k for k, e in entries.items()}
    for key, rendered in plain.items():
        if rendered is not None and "year" in entries[key]:
            assert entries[key]["year"] in rendered, rendered
    vlmo = plain[by_eprint["2111.02358"]]
    assert vlmo is not None and "In NeurIPS. 2022." in vlmo
    for paper in papers.values():
        key = by_eprint.get(paper.get("arxiv_id"))
        name, rendered = paper.get("name"), plain.get(key or "")
        if name and rendered and (paper.get("title") or "").startswith(f"{name}:"):
            assert f"{name}:" in rendered, rendered  # BLIP-2, not Blip-2; VLMo, not Vlmo
        if rendered and paper.get("authors_et_al"):
            assert paper["authors"][0] in rendered and "and others." in rendered, rendered

    # CSL-JSON through citeproc-py with its bundled Harvard style.
    style = citeproc.CitationStylesStyle("harvard-cite-them-right", validate=False)
    bibliography = citeproc.CitationStylesBibliography(style, json_source.CiteProcJSON(items), citeproc.formatter.plain)
    for item in items:
        bibliography.register(citeproc.Citation([citeproc.CitationItem(item["id"])]))
    rendered_csl = {item["id"]: str(entry) for item, entry in zip(items, bibliography.bibliography(), strict=True)}
    for item in items:
        text = rendered_csl[item["id"]]
        assert item["title"] in text, text
        if "issued" in item:
            assert f"({item['issued']['date-parts'][0][0]})" in text, text
        if item["type"] in ("paper-conference", "article-journal"):
            assert "publisher" not in item and "genre" not in item
            assert "arXiv" not in text, text  # a published paper is cited where it was published
        if item.get("author", [{}])[-1] == {"literal": "others"}:  # 4 names or more make "et al." in Harvard
            assert " et al. (" in text or " and others (" in text, text
    assert "Bao, H. et al. (2022) “VLMo: Unified Vision-Language Pre-Training" in " ".join(rendered_csl.values())

    # RIS: conference, journal or generic, never an arXiv id as a journal.
    assert {e["type_of_reference"] for e in ris} == {"CONF", "JOUR", "GEN"}
    assert not [e for e in ris if "arXiv" in e.get("journal_name", "")]
