"""`vlmnotes export`: BibTeX, CSL-JSON, RIS, CSV, YAML and JSON, each read back by a parser.

Authors and arXiv categories come from a kb/arxiv.jsonl written here by hand (the store `enrich` fills),
so no test needs the network.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import bibtexparser
import jsonschema
import pytest
import rispy
import yaml

from conftest import Run, write_notes
from vlmnotes.export import case_protected, parse_bibtex

CLIP_TITLE = "Learning Transferable Visual Models From Natural Language Supervision"
SPECIAL_TITLE = "Fast & Cheap: 100% Recall for snake_case {Braces} über alles"
CHINESE_TITLE = "视觉语言模型的中文综述：方法与展望"

EXPORT_MD = f"""\
# Export

- Fri, 26 Feb 2021 [{CLIP_TITLE}](https://arxiv.org/abs/2103.00020)
  - CLIP (OpenAI), contrastive image and text towers
- Mon, 1 Mar 2021 [Scaling Vision Towers Further](https://arxiv.org/abs/2103.00101)
- Tue, 2 Mar 2021 [Scaling Text Towers Further](https://arxiv.org/abs/2103.00102)
- Wed, 3 Mar 2021 [{SPECIAL_TITLE}](https://arxiv.org/abs/2103.00103)
"""

CARDS_MD = f"""\
# 阅读卡片

### 1. {CHINESE_TITLE}

- **ZhSurvey**

- **作者: 张三、李四**

- **清华大学**

- **终版提交: 2023.05**
"""

FETCHED = [
    {
        "id": "2103.00020",
        "status": "found",
        "title": CLIP_TITLE,
        "authors": ["Alec Radford", "Jong Wook Kim"],
        "published": "2021-02-26",
        "primary_category": "cs.CV",
        "categories": ["cs.CV", "cs.LG"],
    },
    {
        "id": "2103.00101",
        "status": "found",
        "title": "Scaling Vision Towers Further",
        "authors": ["Alec Radford", "Ada Synthetic"],
        "published": "2021-03-01",
        "primary_category": "cs.CV",
        "categories": ["cs.CV"],
    },
    {
        "id": "2103.00102",
        "status": "found",
        "title": "Scaling Text Towers Further",
        "authors": ["Alec Radford"],
        "published": "2021-03-02",
        "primary_category": "cs.CL",
        "categories": ["cs.CL"],
    },
    {
        "id": "2103.00103",
        "status": "found",
        "title": SPECIAL_TITLE,
        "authors": ["Jürgen Müller", "Zoë Brontë"],
        "published": "2021-03-03",
        "primary_category": "cs.LG",
        "categories": ["cs.LG"],
        "doi": "10.5555/fast_cheap%21",
        "journal_ref": "J. Synth. & Co. 5 (2021)",
    },
]

KEYS = ["radford2021clip", "radford2021scaling", "radford2021scalingb", "muller2021fast", "zhang2023zhsurvey"]


@pytest.fixture
def kb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run: Run) -> Path:
    """A built knowledge base of five papers: four arXiv papers with fetched metadata, one Chinese card."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("VLMNOTES_NOTES", raising=False)
    monkeypatch.delenv("VLMNOTES_KB", raising=False)
    write_notes(tmp_path / "notes", {"export.md": EXPORT_MD, "cards.md": CARDS_MD})
    (tmp_path / "kb").mkdir()
    lines = [json.dumps(r, ensure_ascii=False, sort_keys=True) for r in FETCHED]
    (tmp_path / "kb" / "arxiv.jsonl").write_text("\n".join(lines) + "\n", "utf-8")
    result = run("build")
    assert result.exit_code == 0, result.output
    return tmp_path / "kb"


def export(run: Run, *args: str) -> str:
    result = run("export", *args)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    return result.stdout


# --- BibTeX -------------------------------------------------------------------------------------------------------


def test_bibtex_round_trips_with_stable_unique_keys(kb: Path, run: Run) -> None:
    text = export(run)
    library = bibtexparser.parse_string(text)
    assert library.failed_blocks == []
    assert [e.key for e in library.entries] == KEYS
    assert export(run, "--format", "bibtex") == text  # the same keys, the same text, every run
    entries = {e["ID"]: e for e in parse_bibtex(text)}
    assert entries["radford2021clip"] == {
        "ID": "radford2021clip",
        "ENTRYTYPE": "misc",
        "title": CLIP_TITLE,
        "author": "Alec Radford and Jong Wook Kim",
        "year": "2021",
        "eprint": "2103.00020",
        "archiveprefix": "arXiv",
        "primaryclass": "cs.CV",
        "url": "https://arxiv.org/abs/2103.00020",
    }


def test_two_papers_that_would_share_a_key_get_a_suffix(kb: Path, run: Run) -> None:
    entries = {e["ID"]: e for e in parse_bibtex(export(run))}
    assert entries["radford2021scaling"]["title"] == "Scaling Vision Towers Further"
    assert entries["radford2021scalingb"]["title"] == "Scaling Text Towers Further"


def test_every_arxiv_entry_has_eprint_archiveprefix_and_primaryclass(kb: Path, run: Run) -> None:
    entries = {e["ID"]: e for e in parse_bibtex(export(run))}
    expected = {
        "radford2021clip": ("2103.00020", "cs.CV"),
        "radford2021scaling": ("2103.00101", "cs.CV"),
        "radford2021scalingb": ("2103.00102", "cs.CL"),
        "muller2021fast": ("2103.00103", "cs.LG"),
    }
    for key, (eprint, primary) in expected.items():
        assert (entries[key]["eprint"], entries[key]["archiveprefix"], entries[key]["primaryclass"]) == (
            eprint,
            "arXiv",
            primary,
        )
    assert "eprint" not in entries["zhang2023zhsurvey"]
    assert "archiveprefix" not in entries["zhang2023zhsurvey"]


def test_special_characters_are_escaped_in_the_bib_and_decoded_back_exactly(kb: Path, run: Run) -> None:
    text = export(run)
    block = text[text.index("@article{muller2021fast,") :].split("\n}\n")[0]
    title_line = next(line for line in block.splitlines() if line.strip().startswith("title = "))
    for escaped in (r"\&", r"100\%", r"snake\_case", r"\{Braces\}"):
        assert escaped in title_line, escaped
    assert "ü" not in block and "ë" not in block  # written as LaTeX accents
    assert r"10.5555/fast_cheap%21" in block  # identifiers as written, not escaped
    entry = {e["ID"]: e for e in parse_bibtex(text)}["muller2021fast"]
    assert entry["ENTRYTYPE"] == "article"
    assert entry["title"] == SPECIAL_TITLE
    assert entry["author"] == "Jürgen Müller and Zoë Brontë"
    assert entry["journal"] == "J. Synth. & Co. 5 (2021)"
    assert entry["doi"] == "10.5555/fast_cheap%21"


def test_chinese_text_is_kept_as_utf8(kb: Path, run: Run) -> None:
    text = export(run)
    assert CHINESE_TITLE in text
    assert "张三 and 李四" in text
    entry = {e["ID"]: e for e in parse_bibtex(text)}["zhang2023zhsurvey"]
    assert (entry["title"], entry["author"], entry["year"]) == (CHINESE_TITLE, "张三 and 李四", "2023")


# --- CSL-JSON -------------------------------------------------------------------------------------------------------

# The part of the CSL-JSON schema (citation-style-language/schema, csl-data.json 1.0.2) these items use.
CSL_TYPES = (
    "article article-journal article-magazine article-newspaper bill book broadcast chapter classic collection "
    "dataset document entry entry-dictionary entry-encyclopedia event figure graphic hearing interview legal_case "
    "legislation manuscript map motion_picture musical_score pamphlet paper-conference patent performance "
    "periodical personal_communication post post-weblog regulation report review review-book software song "
    "speech standard thesis treaty webpage"
).split()
_DATE = {
    "type": "object",
    "properties": {
        "date-parts": {
            "type": "array",
            "minItems": 1,
            "maxItems": 2,
            "items": {"type": "array", "minItems": 1, "maxItems": 3, "items": {"type": ["string", "number"]}},
        },
    },
    "additionalProperties": True,
}
_NAME = {
    "type": "object",
    "properties": {
        "family": {"type": "string"},
        "given": {"type": "string"},
        "non-dropping-particle": {"type": "string"},
        "suffix": {"type": "string"},
        "literal": {"type": "string"},
    },
    "additionalProperties": False,
}
CSL_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["type", "id"],
        "properties": {
            "type": {"type": "string", "enum": CSL_TYPES},
            "id": {"type": ["string", "number"]},
            "title": {"type": "string"},
            "author": {"type": "array", "items": _NAME},
            "issued": _DATE,
            "container-title": {"type": "string"},
            "number": {"type": ["string", "number"]},
            "publisher": {"type": "string"},
            "genre": {"type": "string"},
            "note": {"type": "string"},
            "DOI": {"type": "string"},
            "URL": {"type": "string"},
            "abstract": {"type": "string"},
        },
        "additionalProperties": False,
    },
}


def test_csl_json_items_have_the_required_fields_and_valid_dates(kb: Path, run: Run) -> None:
    items = json.loads(export(run, "--format", "csl-json"))
    jsonschema.validate(items, CSL_SCHEMA)
    assert [i["id"] for i in items] == KEYS
    for item in items:
        parts = item["issued"]["date-parts"]
        assert len(parts) == 1 and all(isinstance(p, int) for p in parts[0]), item["id"]
        year, *rest = parts[0]
        assert 1990 <= year <= 2100
        if rest:
            assert 1 <= rest[0] <= 12
        if len(rest) == 2:
            assert 1 <= rest[1] <= 31
    by_id = {i["id"]: i for i in items}
    assert by_id["radford2021clip"]["issued"] == {"date-parts": [[2021, 2, 26]]}
    assert by_id["radford2021clip"]["author"] == [
        {"family": "Radford", "given": "Alec"},
        {"family": "Kim", "given": "Jong Wook"},
    ]
    assert by_id["radford2021clip"]["number"] == "arXiv:2103.00020"
    assert by_id["muller2021fast"]["title"] == SPECIAL_TITLE
    assert by_id["muller2021fast"]["DOI"] == "10.5555/fast_cheap%21"
    assert by_id["zhang2023zhsurvey"]["author"] == [{"literal": "张三"}, {"literal": "李四"}]
    assert by_id["zhang2023zhsurvey"]["issued"] == {"date-parts": [[2023, 5]]}
    assert by_id["zhang2023zhsurvey"]["title"] == CHINESE_TITLE


# --- RIS, CSV, YAML, JSON -----------------------------------------------------------------------------------------


def test_ris_parses_back_with_rispy(kb: Path, run: Run) -> None:
    entries = rispy.loads(export(run, "--format", "ris"))
    assert [e["title"] for e in entries] == [
        CLIP_TITLE,
        "Scaling Vision Towers Further",
        "Scaling Text Towers Further",
        SPECIAL_TITLE,
        CHINESE_TITLE,
    ]
    assert entries[0]["authors"] == ["Radford, Alec", "Kim, Jong Wook"]  # RIS: Family, Given
    assert entries[0]["year"] == "2021"
    assert entries[0]["type_of_reference"] == "GEN"  # an arXiv preprint: its id is no journal
    assert "journal_name" not in entries[0]
    assert (entries[0]["publisher"], entries[0]["note"], entries[0]["date"]) == (
        "arXiv",
        "arXiv:2103.00020",
        "2021/02/26",
    )
    assert entries[3]["authors"] == ["Müller, Jürgen", "Brontë, Zoë"]
    assert entries[3]["doi"] == "10.5555/fast_cheap%21"
    assert entries[4]["authors"] == ["张三", "李四"]


def test_csv_yaml_and_json(kb: Path, run: Run) -> None:
    rows = list(csv.DictReader(io.StringIO(export(run, "--format", "csv"))))
    assert [r["id"] for r in rows] == ["2103.00020", "2103.00101", "2103.00102", "2103.00103", "zhsurvey"]
    assert rows[0] == {
        "id": "2103.00020",
        "name": "CLIP",
        "year": "2021",
        "date": "2021-02-26",
        "orgs": "OpenAI",
        "venue": "",
        "arxiv_id": "2103.00020",
        "title": CLIP_TITLE,
    }
    assert rows[3]["title"] == SPECIAL_TITLE
    documents = list(yaml.safe_load_all(export(run, "--format", "yaml")))
    assert [d["id"] for d in documents] == [r["id"] for r in rows]
    assert documents[0]["authors"] == ["Alec Radford", "Jong Wook Kim"]
    assert documents[0]["provenance"]["authors"] == "arxiv"
    records = json.loads(export(run, "--format", "json"))
    assert [r["id"] for r in records] == [r["id"] for r in rows]
    assert records[4]["title"] == CHINESE_TITLE
    assert records[3]["authors"] == ["Jürgen Müller", "Zoë Brontë"]


# --- options ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["bibtex", "csl-json", "ris", "csv", "yaml", "json"])
def test_output_option_writes_the_file(kb: Path, run: Run, fmt: str) -> None:
    expected = export(run, "--format", fmt)
    result = run("export", "--format", fmt, "-o", "refs.out")
    assert result.exit_code == 0, result.output
    assert (result.stdout, result.stderr) == ("", "wrote refs.out\n")
    assert Path("refs.out").read_text("utf-8") == expected


def test_a_query_selects_what_is_exported(kb: Path, run: Run) -> None:
    assert [e["ID"] for e in parse_bibtex(export(run, "CLIP"))] == ["radford2021clip"]
    assert [e["ID"] for e in parse_bibtex(export(run, "year:2023"))] == ["zhang2023zhsurvey"]
    items = json.loads(export(run, "Scaling", "--format", "csl-json"))
    assert sorted(i["title"] for i in items) == ["Scaling Text Towers Further", "Scaling Vision Towers Further"]


@pytest.mark.parametrize("fmt", ["bibtex", "csl-json", "ris"])
def test_nothing_matched_exits_1(kb: Path, run: Run, fmt: str) -> None:
    result = run("export", "year:1990", "--format", fmt)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert result.stderr == "error: nothing matched 'year:1990'; `vlmnotes list` shows every paper\n"
    assert result.stdout == ""


# --- case protection ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "protected"),
    [
        ("PaLI-X: On Scaling up a Multilingual Vision and Language Model", "{PaLI-X}: On Scaling up a Multilingual"),
        ("k-NN and VQA with CLIP (ViT-L/14) in 3D", "{k-NN} and {VQA} with {CLIP} ({ViT-L/14}) in {3D}"),
        ("Flamingo: a Visual Language Model", "{Flamingo}: a Visual Language Model"),
        ("Learning Vision-Language Models", "Learning Vision-Language Models"),
    ],
)
def test_words_that_must_keep_their_case_are_braced(title: str, protected: str) -> None:
    assert case_protected(title, {"Flamingo"}).startswith(protected)


def test_bibtex_titles_keep_model_names_in_braces_and_other_formats_keep_the_plain_title(built: Path, run: Run) -> None:
    bib = run("export", "--format", "bibtex", "BLIP-2").stdout
    csl = json.loads(run("export", "--format", "csl-json", "BLIP-2").stdout)

    assert "title = {{BLIP-2}: Bootstrapping Language-Image Pre-training with Frozen Image Encoders" in bib
    assert csl[0]["title"].startswith("BLIP-2: Bootstrapping Language-Image Pre-training")
    assert parse_bibtex(bib)[0]["title"] == csl[0]["title"]


# --- completeness -------------------------------------------------------------------------------------------------


def test_a_bibliography_says_which_entries_lack_authors_and_strict_fails_on_it(built: Path, run: Run) -> None:
    warned = run("export", "--format", "bibtex")
    strict = run("export", "--format", "ris", "--strict")
    data = run("export", "--format", "json")

    line = "of 3 entries, 3 no authors; `vlmnotes enrich --all` fills them from arXiv for papers with an arXiv id"
    keys = (
        "3 new citation keys without an author (2021align, 2021clip, 2023blip2), kept once given;"
        " for author-based keys delete their `citekey` lines, enrich, and export again"
    )
    assert (warned.exit_code, warned.stderr) == (0, f"warning: {keys}\nwarning: {line}\n")
    assert (strict.exit_code, strict.stderr) == (1, f"error: {line}\n")
    assert "TY  - " in strict.stdout  # the export is still written
    assert (data.exit_code, data.stderr) == (0, "")  # plain data formats are no bibliography
