"""`vlmnotes lint` output formats: full (source line and caret), concise, json, GitHub workflow commands, SARIF 2.1.0
as GitHub code scanning reads it, and --statistics."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import jsonschema
import pytest

from conftest import Run, write_notes
from vlmnotes.lint import report
from vlmnotes.lint.registry import RULES, Edit, Finding, Fix

# Three findings of three severities: VN501 (warning, safe fix) after Chinese text, VN102 (error), VN103 (info, fix).
REPORT_MD = """\
# Report

- **现有问题:**旧的分类器只认得训练时见过的那些类
- Fri, 26 Feb 2021 [CLIP](https://arxiv.org/abs/2103.0002)
- Thu, 22 Oct 2020 [ViT](http://arxiv.org/abs/2010.11929)
"""
PATH = "notes/report.md"
VN501_MSG = "bold is not closed: '**' after punctuation needs a space after it"
VN102_MSG = "arXiv id '2103.0002' cannot exist (YYMM.NNNNN with a month 01-12; 4 digits after the dot before 2015)"
VN103_MSG = "write the arXiv link as https://arxiv.org/abs/2010.11929"


@pytest.fixture
def notes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """tmp_path as the working directory, holding notes/report.md."""
    monkeypatch.chdir(tmp_path)
    write_notes(tmp_path / "notes", {"report.md": REPORT_MD})
    return tmp_path


# --- full and concise ---------------------------------------------------------------------------------------


def test_full_shows_the_place_the_source_line_and_a_caret_under_the_column(notes: Path, cli: Run) -> None:
    result = cli("lint", "notes")

    assert result.exit_code == 1
    lines = REPORT_MD.split("\n")
    # `- **现有问题:` is 9 characters but 13 terminal cells: four of them are wide.
    assert result.stdout == (
        f"{PATH}:3:10: VN501 [*] {VN501_MSG} [warning]\n"
        f"     3 | {lines[2]}\n"
        f"       | {' ' * 13}^^\n"
        f"{PATH}:4:49: VN102 {VN102_MSG} [error]\n"
        f"     4 | {lines[3]}\n"
        f"       | {' ' * 48}{'^' * 9}\n"
        f"{PATH}:5:26: VN103 [*] {VN103_MSG} [info]\n"
        f"     5 | {lines[4]}\n"
        f"       | {' ' * 25}{'^' * 31}\n"
    )
    assert result.stderr == "3 findings in 1 file, 2 fixable with --fix\n"


def test_full_caret_lines_up_after_a_tab(notes: Path, cli: Run) -> None:
    write_notes(notes / "notes", {"report.md": "# Tab\n\nBoxes\tare <box> here.\n"})

    result = cli("lint", "notes")

    source, caret = result.stdout.splitlines()[1:3]
    assert source == "     3 | Boxes   are <box> here."  # the tab shown as spaces up to column 8
    assert caret.index("^") == source.index("<box>")
    assert caret.endswith("^^^^^")


def test_concise_is_one_line_a_finding(notes: Path, cli: Run) -> None:
    result = cli("lint", "notes", "--format", "concise")

    assert result.stdout == (
        f"{PATH}:3:10: VN501 [*] {VN501_MSG}\n{PATH}:4:49: VN102 {VN102_MSG}\n{PATH}:5:26: VN103 [*] {VN103_MSG}\n"
    )
    assert result.stderr == "3 findings in 1 file, 2 fixable with --fix\n"


def test_clean_notes_print_nothing_but_the_summary(notes: Path, cli: Run) -> None:
    write_notes(notes / "notes", {"report.md": "# Clean\n\nNothing to say.\n"})

    for fmt in ("full", "concise"):
        result = cli("lint", "notes", "--format", fmt)
        assert (result.exit_code, result.stdout, result.stderr) == (0, "", "0 findings in 1 file\n")


# --- json ---------------------------------------------------------------------------------------------------

JSON_KEYS = {"path", "line", "column", "end_line", "end_column", "code", "slug", "severity", "message", "fixable"}


def test_json_is_an_array_of_findings_with_exactly_the_documented_keys(notes: Path, cli: Run) -> None:
    result = cli("lint", "notes", "--format", "json")

    assert result.stderr == ""
    data = json.loads(result.stdout)
    assert isinstance(data, list) and len(data) == 3
    for item in data:
        assert set(item) == JSON_KEYS
    assert data[0] == {
        "path": PATH,
        "line": 3,
        "column": 10,
        "end_line": 3,
        "end_column": 12,
        "code": "VN501",
        "slug": "cjk-emphasis-unclosed",
        "severity": "warning",
        "message": VN501_MSG,
        "fixable": True,
    }
    assert [(d["code"], d["severity"], d["fixable"]) for d in data] == [
        ("VN501", "warning", True),
        ("VN102", "error", False),
        ("VN103", "info", True),
    ]


def test_json_of_clean_notes_is_an_empty_array(notes: Path, cli: Run) -> None:
    write_notes(notes / "notes", {"report.md": "# Clean\n"})

    result = cli("lint", "notes", "--format", "json")

    assert (result.exit_code, json.loads(result.stdout)) == (0, [])


# --- github -------------------------------------------------------------------------------------------------


def test_github_workflow_commands_line_by_line(notes: Path, cli: Run) -> None:
    result = cli("lint", "notes", "--format", "github")

    assert result.stderr == ""
    assert result.stdout.splitlines() == [
        f"::warning file={PATH},line=3,col=10,endLine=3,endColumn=12,title=VN501 cjk-emphasis-unclosed::{VN501_MSG}",
        f"::error file={PATH},line=4,col=49,endLine=4,endColumn=58,title=VN102 malformed-arxiv-id::{VN102_MSG}",
        f"::notice file={PATH},line=5,col=26,endLine=5,endColumn=57,title=VN103 non-canonical-arxiv-url::{VN103_MSG}",
    ]


def test_github_escapes_file_names_and_messages(notes: Path, cli: Run) -> None:
    # A file name with % , : and a link target with % and a space (VN104 quotes it in the message).
    write_notes(notes / "notes", {"50%, done: yes.md": "# Esc\n\nSee [it](./100% sure, really.md) now.\n"})

    result = cli("lint", "notes/50%, done: yes.md", "--format", "github")

    target = "./100%25 sure, really.md"
    assert result.stdout.splitlines() == [
        "::warning file=notes/50%25%2C done%3A yes.md,line=3,col=10,endLine=3,endColumn=32,"
        f"title=VN104 link-target-space::link target '{target}' has a space, so this is not a link; "
        f"write it as <{target}>"
    ]


def test_github_shows_a_line_break_inside_a_message_as_backslash_n(notes: Path, cli: Run) -> None:
    # An HTML tag may run over two lines; VN502 quotes it whole in its message, the line break escaped.
    write_notes(notes / "notes", {"tag.md": '# Tag\n\nThe answer is <ref\nid="1"> here.\n'})

    result = cli("lint", "notes/tag.md", "--format", "github")

    lines = result.stdout.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("::warning file=notes/tag.md,line=3,")
    assert lines[0].endswith('::\'<ref\\nid="1">\' is read as an HTML tag and vanishes; write it as `<ref\\nid="1">`')


def test_github_escaping_follows_the_actions_toolkit() -> None:
    finding = Finding("VN301", "100% sure\r\nreally: a, b", 2, 3, path="a:b,c%d\r\n.md", severity="info", slug="x")

    assert report.github([finding]) == (
        "::notice file=a%3Ab%2Cc%25d%0D%0A.md,line=2,col=3,endLine=2,endColumn=4,title=VN301 x"
        "::100%25 sure\\r\\nreally: a, b\n"  # a message is one line before any format sees it
    )


# --- sarif --------------------------------------------------------------------------------------------------

_TEXT = {"type": "object", "required": ["text"], "properties": {"text": {"type": "string", "minLength": 1}}}
_POSITIVE = {"type": "integer", "minimum": 1}
# A repository-relative URI reference: no scheme, not absolute, no `..` segment, no raw space.
_RELATIVE_URI = r"^(?![A-Za-z][A-Za-z0-9+.\-]*:)(?!/)(?!(?:.*/)?\.\.(?:/|$))[^\s\\]+$"

# SARIF 2.1.0's required structure, narrowed to what GitHub code scanning requires of an upload
# (docs.github.com, "SARIF support for code scanning": the properties it reads and the ones it needs).
SARIF_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["version", "runs"],
    "properties": {
        "$schema": {"type": "string", "format": "uri"},
        "version": {"const": "2.1.0"},
        "runs": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["tool", "results", "columnKind"],
                "properties": {
                    "tool": {
                        "type": "object",
                        "required": ["driver"],
                        "properties": {
                            "driver": {
                                "type": "object",
                                "required": ["name", "rules"],
                                "properties": {
                                    "name": {"type": "string", "minLength": 1},
                                    "version": {"type": "string"},
                                    "informationUri": {"type": "string", "pattern": "^https?://"},
                                    "rules": {
                                        "type": "array",
                                        "items": {
                                            "type": "object",
                                            "required": ["id", "shortDescription", "fullDescription", "help"],
                                            "properties": {
                                                "id": {"type": "string", "pattern": r"^VN\d{3}$"},
                                                "name": {"type": "string"},
                                                "shortDescription": _TEXT,
                                                "fullDescription": _TEXT,
                                                "help": _TEXT,
                                                "defaultConfiguration": {
                                                    "type": "object",
                                                    "properties": {
                                                        "level": {"enum": ["none", "note", "warning", "error"]}
                                                    },
                                                },
                                            },
                                        },
                                    },
                                },
                            }
                        },
                    },
                    "columnKind": {"enum": ["utf16CodeUnits", "unicodeCodePoints"]},
                    "results": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["ruleId", "message", "locations"],
                            "properties": {
                                "ruleId": {"type": "string"},
                                "ruleIndex": {"type": "integer", "minimum": 0},
                                "level": {"enum": ["none", "note", "warning", "error"]},
                                "message": _TEXT,
                                "locations": {
                                    "type": "array",
                                    "minItems": 1,
                                    "items": {
                                        "type": "object",
                                        "required": ["physicalLocation"],
                                        "properties": {
                                            "physicalLocation": {
                                                "type": "object",
                                                "required": ["artifactLocation", "region"],
                                                "properties": {
                                                    "artifactLocation": {
                                                        "type": "object",
                                                        "required": ["uri"],
                                                        "properties": {
                                                            "uri": {"type": "string", "pattern": _RELATIVE_URI},
                                                            "uriBaseId": {"type": "string"},
                                                        },
                                                    },
                                                    "region": {
                                                        "type": "object",
                                                        "required": ["startLine"],
                                                        "properties": {
                                                            "startLine": _POSITIVE,
                                                            "startColumn": _POSITIVE,
                                                            "endLine": _POSITIVE,
                                                            "endColumn": _POSITIVE,
                                                        },
                                                    },
                                                },
                                            }
                                        },
                                    },
                                },
                                "partialFingerprints": {
                                    "type": "object",
                                    "additionalProperties": {"type": "string"},
                                },
                            },
                        },
                    },
                },
            },
        },
    },
}


# The official SARIF 2.1.0 schema (OASIS, errata 01), vendored: see fixtures/sarif/LICENSE.txt.
OFFICIAL = json.loads((Path(__file__).parent / "fixtures" / "sarif" / "sarif-schema-2.1.0.json").read_text("utf-8"))
OFFICIAL_VALIDATOR = jsonschema.Draft4Validator(OFFICIAL, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)


def _sarif(cli: Run, *args: str) -> dict[str, Any]:
    """The SARIF log of `vlmnotes lint ARGS`, checked against the official schema and what code scanning needs."""
    result = cli("lint", *args, "--format", "sarif")
    assert result.stderr == ""
    log: dict[str, Any] = json.loads(result.stdout)
    OFFICIAL_VALIDATOR.validate(log)
    jsonschema.Draft202012Validator(SARIF_SCHEMA).validate(log)
    return log


def test_the_official_schema_is_the_oasis_one_and_rejects_a_broken_log() -> None:
    assert (
        OFFICIAL["id"] == "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
    )
    good = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "t"}}, "results": []}]}
    assert OFFICIAL_VALIDATOR.is_valid(good)
    for path, value in [("version", "2.0.0"), ("runs", [{"tool": {}}]), ("extra", 1)]:
        assert not OFFICIAL_VALIDATOR.is_valid({**good, path: value}), path
    region = {"startLine": 0}  # lines count from 1
    result = {"message": {"text": "m"}, "locations": [{"physicalLocation": {"region": region}}]}
    assert not OFFICIAL_VALIDATOR.is_valid({**good, "runs": [{**good["runs"][0], "results": [result]}]})


def test_the_sarif_schema_rejects_what_code_scanning_rejects() -> None:
    validator = jsonschema.Draft202012Validator(SARIF_SCHEMA)
    good = {
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "t", "rules": []}},
                "columnKind": "unicodeCodePoints",
                "results": [
                    {
                        "ruleId": "VN301",
                        "message": {"text": "m"},
                        "locations": [
                            {"physicalLocation": {"artifactLocation": {"uri": "a/b.md"}, "region": {"startLine": 1}}}
                        ],
                    }
                ],
            }
        ],
    }
    assert validator.is_valid(good)
    for bad_uri in ["../a.md", "a/../../b.md", "/abs/a.md", "file:///abs/a.md", "a b.md"]:
        bad = json.loads(json.dumps(good))
        bad["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] = bad_uri
        assert not validator.is_valid(bad), bad_uri
    no_help = json.loads(json.dumps(good))
    no_help["runs"][0]["tool"]["driver"]["rules"] = [
        {"id": "VN301", "shortDescription": {"text": "s"}, "fullDescription": {"text": "f"}}
    ]
    assert not validator.is_valid(no_help)


def test_sarif_validates_and_describes_every_rule(notes: Path, cli: Run) -> None:
    log = _sarif(cli, "notes")

    jsonschema.Draft202012Validator(SARIF_SCHEMA).validate(log)
    run = log["runs"][0]
    assert run["tool"]["driver"]["name"] == "vlmnotes"
    assert run["columnKind"] == "unicodeCodePoints"
    rules = run["tool"]["driver"]["rules"]
    assert sorted(r["id"] for r in rules) == sorted(RULES)
    for r in rules:
        assert r["shortDescription"]["text"] == RULES[r["id"]].summary
        assert r["fullDescription"]["text"].startswith(RULES[r["id"]].summary)
        assert "Bad:" not in r["fullDescription"]["text"]  # the examples are in help
        assert "Bad:" in r["help"]["text"] and "Good:" in r["help"]["text"]
        assert "```markdown" in r["help"]["markdown"]  # examples as code, not rendered as Markdown
        assert r["helpUri"] == "https://github.com/vlmnotes/vlmnotes#linting-notes"
    assert "## Linting notes" in (Path(__file__).parents[1] / "README.md").read_text("utf-8")  # the anchor


def test_sarif_results_point_at_the_findings(notes: Path, cli: Run) -> None:
    run = _sarif(cli, "notes")["runs"][0]

    rules = run["tool"]["driver"]["rules"]
    got = []
    for res in run["results"]:
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
        loc = res["locations"][0]["physicalLocation"]
        region = loc["region"]
        got.append(
            (
                res["ruleId"],
                res["level"],
                loc["artifactLocation"]["uri"],
                region["startLine"],
                region["startColumn"],
                region["endColumn"],
            )
        )
    assert got == [
        ("VN501", "warning", PATH, 3, 10, 12),
        ("VN102", "error", PATH, 4, 49, 58),
        ("VN103", "note", PATH, 5, 26, 57),
    ]
    assert run["results"][0]["message"]["text"] == VN501_MSG


def test_sarif_uri_is_relative_for_a_note_given_by_absolute_path(notes: Path, cli: Run) -> None:
    run = _sarif(cli, str(notes / "notes"))["runs"][0]

    jsonschema.Draft202012Validator(SARIF_SCHEMA).validate({"version": "2.1.0", "runs": [run]})
    assert {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]} == {PATH}


def test_sarif_uri_percent_encodes_a_space(notes: Path, cli: Run) -> None:
    write_notes(notes / "notes", {"my note.md": "# N\n\nBoxes are <box> here.\n"})

    run = _sarif(cli, "notes/my note.md")["runs"][0]

    uri = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert " " not in uri
    assert unquote(uri) == "notes/my note.md"


def test_sarif_of_clean_notes_has_no_results_but_every_rule(notes: Path, cli: Run) -> None:
    write_notes(notes / "notes", {"report.md": "# Clean\n"})

    log = _sarif(cli, "notes")

    jsonschema.Draft202012Validator(SARIF_SCHEMA).validate(log)
    assert log["runs"][0]["results"] == []
    assert len(log["runs"][0]["tool"]["driver"]["rules"]) == len(RULES)


def _fingerprints(run: dict[str, Any]) -> list[tuple[str, int, str]]:
    return [
        (r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"], *r["partialFingerprints"].values())
        for r in run["results"]
    ]


def test_sarif_fingerprints_stay_when_lines_move(notes: Path, cli: Run) -> None:
    before = _fingerprints(_sarif(cli, "notes")["runs"][0])
    write_notes(notes / "notes", {"report.md": REPORT_MD.replace("# Report\n", "# Report\n\nThree\nnew\nlines.\n")})

    after = _fingerprints(_sarif(cli, "notes")["runs"][0])

    assert [(code, line + 4, key) for code, line, key in before] == after  # only the lines moved
    assert len({key for *_, key in after}) == 3
    for *_, key in after:
        assert re.fullmatch(r"[0-9a-f]{32}:1", key)
    keys = [set(r["partialFingerprints"]) for r in _sarif(cli, "notes")["runs"][0]["results"]]
    assert keys == [{"vlmnotesMatchHash/v1"}] * 3  # not GitHub's primaryLocationLineHash, which its upload computes


def test_sarif_fingerprints_follow_the_rule_the_file_and_the_text(notes: Path, cli: Run) -> None:
    twice = "# T\n\nBoxes <box> and <box> and <ref>.\n"
    write_notes(notes / "notes", {"a.md": twice, "b.md": twice})
    (notes / "notes" / "report.md").unlink()

    results = _sarif(cli, "notes")["runs"][0]["results"]

    keys = [
        (r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], r["partialFingerprints"]) for r in results
    ]
    values = [next(iter(k.values())) for _, k in keys]
    assert len(values) == 6 and len(set(values)) == 6
    hashes = [v.split(":") for v in values]
    # In each file: <box> once and again (the same hash, occurrence 1 and 2), then <ref> (another hash).
    for a, b, c in (hashes[:3], hashes[3:]):
        assert a[0] == b[0] != c[0] and (a[1], b[1], c[1]) == ("1", "2", "1")
    assert hashes[0][0] != hashes[3][0]  # the same text in another file is another alert


def test_fingerprint_and_matched_text() -> None:
    lines = ["# T", "", "Boxes <box> here.", "- **背景:**"]
    box = Finding("VN502", "m", 3, 7, end_column=12)
    place = Finding("VN301", "m", 4, 5)  # one character: a place, so the whole line counts

    assert report.matched_text(box, lines) == "<box>"
    assert report.matched_text(place, lines) == "- **背景:**"
    assert report.matched_text(Finding("VN301", "m", 9), lines) == ""
    assert report.fingerprint("VN502", "a.md", "<box>") != report.fingerprint("VN503", "a.md", "<box>")
    assert report.fingerprint("VN502", "a.md", "<box>") != report.fingerprint("VN502", "b.md", "<box>")
    assert report.fingerprint("VN502", "a.md", "<box>") == report.fingerprint("VN502", "a.md", "<box>")


# --- statistics ---------------------------------------------------------------------------------------------

_STAT = re.compile(r"^\s*(\d+)  (VN\d{3})  (\[\*\]|   ) ([a-z-]+)$")


def test_statistics_count_by_rule(notes: Path, cli: Run) -> None:
    more = REPORT_MD + "- **背景:**\n- **动机:**\n\nBoxes are <box>(x1,y1)</box>.\n"
    write_notes(notes / "notes", {"report.md": more})
    findings = json.loads(cli("lint", "notes", "--format", "json").stdout)

    result = cli("lint", "notes", "--format", "concise", "--statistics")

    stats = [m.groups() for line in result.stdout.splitlines() if (m := _STAT.match(line))]
    assert len(result.stdout.splitlines()) == len(findings) + len(stats)
    counts = Counter(f["code"] for f in findings)
    assert {code: int(n) for n, code, _, _ in stats} == counts
    for _, code, marker, slug in stats:
        assert slug == RULES[code].slug
        assert (marker == "[*]") == any(f["code"] == code and f["fixable"] for f in findings)
    assert [code for _, code, _, _ in stats] == sorted(counts, key=lambda c: (-counts[c], c))


def test_statistics_orders_by_count_and_marks_safe_fixes() -> None:
    fix = Fix((Edit(1, 0, 1, "x"),))
    findings = [
        Finding("VN103", "m", 1, fix=fix),
        Finding("VN103", "m", 2, fix=fix),
        Finding("VN101", "m", 3),
    ]

    assert report.statistics(findings) == (
        "    2  VN103  [*] non-canonical-arxiv-url\n    1  VN101      missing-paper-link\n"
    )
