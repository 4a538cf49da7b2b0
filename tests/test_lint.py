"""`vlmnotes lint`: every rule on fixtures of its own, the rule registry, configuration and suppression comments,
fixes, exit codes, and the user's seed notes.

Fixture convention (tests/fixtures/lint/)
-----------------------------------------
A fixture carries its expectations inline, as HTML comments that GitHub does not show:

    <!-- expect: VN301 -->
    - **背景:**

A line holding nothing but `<!-- expect: CODE ... -->` expects those findings on the next line that is not itself an
expect comment. Where a comment line of its own would change the Markdown under test (an item whose indentation is
the point of the fixture), the comment may instead end the flagged line: `- item <!-- expect: VN503 -->`. A code
named twice expects two findings on that line.

Each fixture is linted alone, with every rule selected (tests/fixtures/lint/.vlmnotes.toml pins `select = ["VN"]`),
and the (code, line) pairs found must equal the pairs expected, counted as multisets: a finding nobody expected is a
false alarm, an expectation nobody met is a miss, a finding reported twice is both. So a fixture's expectations are
complete for every rule, not only the one it is named after.

- `<CODE>-bad.md` and `<CODE>-good.md` exist for every rule: the bad one expects at least one finding of that code,
  the good one (no expectations) lints clean.
- `negative-*.md` hold bad-looking text inside code fences, indented code, HTML comments and inline code: clean.
- `fixes.md` has something for every fix; the --fix tests work on a copy of it.
- `cross-file/` is linted as one folder: the same arXiv id in two files is a VN106 info in each.
"""

from __future__ import annotations

import difflib
import json
import re
import shutil
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import Result

from conftest import REPO, Run, write_notes
from vlmnotes.formats import count
from vlmnotes.lint import run as lint_run
from vlmnotes.lint.registry import RULES, SEVERITIES, Selection

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "lint"
SEEDS = REPO.parent / "shared" / "seeds"

ALL_CODES = sorted(
    "VN101 VN102 VN103 VN104 VN105 VN106 VN107 VN108 VN201 VN202 VN203 VN204 VN205 VN301 VN302 VN303 VN305 VN306 "
    "VN401 VN402 VN501 VN502 VN503 VN504 VN601 VN001".split()
)
# VN303 and VN108 offer unsafe fixes only.
SAFE_FIXES = {"VN001", "VN103", "VN104", "VN107", "VN202", "VN302", "VN306", "VN501", "VN502", "VN601"}
FIXTURE_FILES = sorted(p.name for p in FIXTURES.glob("*.md"))

_EXPECT = re.compile(r"<!--\s*expect:\s*(.*?)\s*-->")

Pairs = Counter[tuple[str, int]]


def expectations(text: str) -> Pairs:
    """The (code, line) findings a fixture's `<!-- expect: … -->` comments ask for (see the module docstring)."""
    out: Pairs = Counter()
    pending: list[str] = []
    for number, raw in enumerate(text.split("\n"), 1):
        m = _EXPECT.search(raw)
        codes = m[1].replace(",", " ").split() if m else []
        unknown = [c for c in codes if c not in RULES]
        assert not unknown, f"line {number}: expect names no rule: {unknown}"
        if m and raw.strip() == m[0]:
            pending += codes
            continue
        out.update((code, number) for code in pending + codes)
        pending = []
    assert not pending, "an expect comment at the end of the file points at no line"
    return out


def lint_json(cli: Run, *args: str) -> tuple[Result, list[dict[str, Any]]]:
    """Run `vlmnotes lint ARGS --format json`; the result and the findings."""
    result = cli("lint", *args, "--format", "json")
    return result, json.loads(result.stdout or "[]")


def pairs(findings: list[dict[str, Any]]) -> Pairs:
    return Counter((f["code"], f["line"]) for f in findings)


def codes(findings: Iterable[dict[str, Any]]) -> set[str]:
    return {f["code"] for f in findings}


def only_line(result: Result) -> str:
    """The single line a failing command writes on stderr."""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, lines
    return lines[0]


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """tmp_path as the working directory, so the paths lint prints are short and relative."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


# --- one failing and one passing fixture for every rule -----------------------------------------------------


def test_the_registry_holds_exactly_the_documented_rules() -> None:
    assert sorted(RULES) == ALL_CODES


@pytest.mark.parametrize("code", ALL_CODES)
def test_every_rule_has_a_bad_and_a_good_fixture(code: str) -> None:
    bad, good = FIXTURES / f"{code}-bad.md", FIXTURES / f"{code}-good.md"
    assert bad.is_file() and good.is_file()
    assert any(c == code for c, _ in expectations(bad.read_text("utf-8"))), f"{bad.name} expects no {code}"
    assert not expectations(good.read_text("utf-8")), f"{good.name} should expect nothing"


@pytest.mark.parametrize("name", FIXTURE_FILES)
def test_fixture_findings_are_exactly_its_expectations(cli: Run, name: str) -> None:
    path = FIXTURES / name

    result, findings = lint_json(cli, str(path))

    assert result.stderr == ""
    expected = expectations(path.read_text("utf-8"))
    found = pairs(findings)
    assert {"missed": sorted(expected - found), "false alarms": sorted(found - expected)} == {
        "missed": [],
        "false alarms": [],
    }, [f"{f['line']}:{f['column']} {f['code']} {f['message']}" for f in findings]


@pytest.mark.parametrize("code", ALL_CODES)
def test_a_rule_registered_as_fixable_offers_fixes_and_no_other_rule_does(cli: Run, code: str) -> None:
    # --unsafe-fixes: `fixable` counts unsafe fixes (VN303's) only when they would be applied
    _, findings = lint_json(cli, str(FIXTURES / f"{code}-bad.md"), "--unsafe-fixes")

    offered = {f["fixable"] for f in findings if f["code"] == code}

    assert offered == {RULES[code].fixable}


def test_the_same_paper_in_two_files_is_an_info_naming_the_other_place(cli: Run) -> None:
    folder = FIXTURES / "cross-file"
    expected: Pairs = Counter()
    for note in sorted(folder.glob("*.md")):
        expected.update({(f"{note.name}:{c}", n): k for (c, n), k in expectations(note.read_text("utf-8")).items()})

    result, findings = lint_json(cli, str(folder))

    assert result.exit_code == 0
    assert Counter((f"{Path(f['path']).name}:{f['code']}", f["line"]) for f in findings) == expected
    by_file = {Path(f["path"]).name: f for f in findings}
    assert {f["severity"] for f in findings} == {"info"}
    assert by_file["contrastive.md"]["message"].endswith("checklist.md:5")
    assert by_file["checklist.md"]["message"].endswith("contrastive.md:4")
    assert all("2103.00020" in f["message"] for f in findings)


@pytest.mark.parametrize(
    ("date", "flagged"),
    [
        ("Fri, 26 Feb 2021", False),  # the last days of the month before the id's month
        ("Mon, 15 Mar 2021", False),  # the id's own month
        ("Mon, 4 Jan 2021", True),  # two months before
        ("Tue, 1 Dec 2020", True),  # three months before
        ("Mon, 14 Jun 2021", True),  # three months after
    ],
)
def test_vn201_allows_the_month_before_the_arxiv_id(here: Path, cli: Run, date: str, flagged: bool) -> None:
    write_notes(here / "notes", {"clip.md": f"# CLIP\n\n- {date} [CLIP](https://arxiv.org/abs/2103.00020)\n"})

    _, findings = lint_json(cli, "notes")

    assert [f["line"] for f in findings if f["code"] == "VN201"] == ([3] if flagged else [])
    assert codes(findings) <= {"VN201"}


# --- the registry -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ALL_CODES)
def test_a_rule_has_a_code_a_slug_a_severity_and_bad_and_good_examples(code: str) -> None:
    rule = RULES[code]

    assert rule.code == code and re.fullmatch(r"VN\d{3}", code)
    assert re.fullmatch(r"[a-z]+(-[a-z]+)*", rule.slug)
    assert rule.severity in SEVERITIES
    lines = [line.strip() for line in rule.doc.splitlines()]
    assert rule.summary and not rule.summary.startswith(("Bad:", "Good:"))
    assert any(line.startswith("Bad:") and line[4:].strip() for line in lines)
    assert any(line.startswith("Good:") and line[5:].strip() for line in lines)


def test_slugs_are_unique() -> None:
    slugs = [r.slug for r in RULES.values()]
    assert len(set(slugs)) == len(slugs)


def test_list_prints_every_rule_on_a_line(cli: Run) -> None:
    result = cli("lint", "--list")

    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert len(lines) == len(RULES)
    assert [line.split()[0] for line in lines] == ALL_CODES
    for line in lines:
        rule = RULES[line.split()[0]]
        assert line.split()[1:3] == [rule.slug, rule.severity]
        assert rule.summary in line
        assert (" fix " in line) == rule.fixable


def test_explain_prints_the_rule_and_its_docstring(cli: Run) -> None:
    result = cli("lint", "--explain", "VN301")

    assert result.exit_code == 0
    rule = RULES["VN301"]
    assert result.stdout.startswith("VN301 (empty-field)\n")
    assert rule.doc in result.stdout
    assert "Bad:  - **背景:**" in result.stdout
    assert cli("lint", "--explain", "vn301").stdout == result.stdout


def test_explain_of_an_unknown_code_exits_2_with_one_error_line(cli: Run) -> None:
    result = cli("lint", "--explain", "VN999")

    assert result.exit_code == 2
    assert result.stdout == ""
    assert only_line(result) == "error: no rule 'VN999'; `vlmnotes lint --list` shows the codes"


# --- configuration ------------------------------------------------------------------------------------------

# Findings: VN102 (error) on 3, VN301 on 4, VN501 on 5, VN302 on 6, VN502 twice on 8 (warnings).
MIXED_MD = """\
# Mixed

- Fri, 26 Feb 2021 [CLIP](https://arxiv.org/abs/2103.0002)
- **背景:**
- **现有问题:**旧的分类器只认得训练时见过的那些类
-

Boxes are written as <box>(x1,y1)</box>.
"""
MIXED_CODES = {"VN102", "VN301", "VN302", "VN501", "VN502"}


@pytest.fixture
def mixed(here: Path) -> Path:
    """A project with notes/mixed.md and no lint configuration yet."""
    write_notes(here / "notes", {"mixed.md": MIXED_MD})
    return here


def test_without_configuration_every_rule_runs(mixed: Path, cli: Run) -> None:
    result, findings = lint_json(cli, "notes")

    assert result.exit_code == 1
    assert codes(findings) == MIXED_CODES


def test_pyproject_lint_table_is_read(mixed: Path, cli: Run) -> None:
    (mixed / "pyproject.toml").write_text('[project]\nname = "n"\n\n[tool.vlmnotes.lint]\nignore = ["VN301", "VN1"]\n')

    result, findings = lint_json(cli, "notes")

    assert codes(findings) == MIXED_CODES - {"VN301", "VN102"}
    assert result.exit_code == 1  # the warnings left (VN302, VN5xx) fail the run


def test_pyproject_without_a_lint_table_is_passed_over(mixed: Path, cli: Run) -> None:
    (mixed / "pyproject.toml").write_text('[project]\nname = "n"\n')

    _, findings = lint_json(cli, "notes")

    assert codes(findings) == MIXED_CODES


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ('select = ["VN5"]', {"VN501", "VN502"}),
        ('select = ["VN301", "VN502"]', {"VN301", "VN502"}),
        ('ignore = ["VN5"]', {"VN102", "VN301", "VN302"}),
        ('select = ["VN3"]\nextend-select = ["VN102"]', {"VN102", "VN301", "VN302"}),
        ('extend-select = ["VN5"]\nignore = ["VN5"]', {"VN102", "VN301", "VN302"}),
        ('ignore = ["VN3"]\nextend-select = ["VN301"]', {"VN102", "VN301", "VN501", "VN502"}),  # the longer wins
        ('select = "VN3, VN5"', {"VN301", "VN302", "VN501", "VN502"}),
        ('select = ["ALL"]\nignore = ["vn50"]', {"VN102", "VN301", "VN302"}),
    ],
)
def test_vlmnotes_toml_beside_the_notes_selects_rules(mixed: Path, cli: Run, table: str, expected: set[str]) -> None:
    (mixed / "notes" / ".vlmnotes.toml").write_text(f"[lint]\n{table}\n")

    _, findings = lint_json(cli, "notes")

    assert codes(findings) == expected


def test_the_nearest_configuration_wins(mixed: Path, cli: Run) -> None:
    (mixed / "pyproject.toml").write_text('[tool.vlmnotes.lint]\nignore = ["VN5"]\n')
    (mixed / "notes" / ".vlmnotes.toml").write_text('[lint]\nignore = ["VN3"]\n')

    _, findings = lint_json(cli, "notes")

    assert codes(findings) == {"VN102", "VN501", "VN502"}


def test_per_file_ignores_by_file_name(mixed: Path, cli: Run) -> None:
    write_notes(mixed / "notes", {"scratch-1.md": MIXED_MD})
    (mixed / "notes" / ".vlmnotes.toml").write_text(
        '[lint]\nper-file-ignores = { "scratch-*.md" = ["VN3", "VN102"] }\n'
    )

    _, findings = lint_json(cli, "notes")

    assert codes(f for f in findings if f["path"] == "notes/mixed.md") == MIXED_CODES
    assert codes(f for f in findings if f["path"] == "notes/scratch-1.md") == {"VN501", "VN502"}


def test_per_file_ignores_pattern_is_relative_to_the_configuration(mixed: Path, cli: Run) -> None:
    # The README's own example: .vlmnotes.toml beside the notes, `"drafts/*.md" = ["VN3"]`, run from the project.
    write_notes(mixed / "notes" / "drafts", {"idea.md": MIXED_MD})
    (mixed / "notes" / ".vlmnotes.toml").write_text('[lint]\nper-file-ignores = { "drafts/*.md" = ["VN3"] }\n')

    _, findings = lint_json(cli, "notes")

    assert codes(f for f in findings if f["path"] == "notes/drafts/idea.md") == MIXED_CODES - {"VN301", "VN302"}
    assert codes(f for f in findings if f["path"] == "notes/mixed.md") == MIXED_CODES


def test_severity_override_by_code_makes_a_warning_fail(mixed: Path, cli: Run) -> None:
    (mixed / "notes" / ".vlmnotes.toml").write_text('[lint]\nignore = ["VN1"]\nseverity = { VN301 = "error" }\n')

    result, findings = lint_json(cli, "notes")

    assert result.exit_code == 1
    assert {f["code"]: f["severity"] for f in findings}["VN301"] == "error"
    assert {f["code"]: f["severity"] for f in findings}["VN302"] == "warning"


def test_severity_override_by_prefix_lets_an_error_pass(mixed: Path, cli: Run) -> None:
    (mixed / "notes" / ".vlmnotes.toml").write_text('[lint]\nseverity = { VN1 = "warning", VN5 = "info" }\n')

    result, findings = lint_json(cli, "notes")

    assert result.exit_code == 1  # warnings fail too, unless --fail-on error
    assert lint_json(cli, "notes", "--fail-on", "error")[0].exit_code == 0
    assert {f["code"]: f["severity"] for f in findings} == {
        "VN102": "warning",
        "VN301": "warning",
        "VN302": "warning",
        "VN501": "info",
        "VN502": "info",
    }


def test_severity_override_by_prefix_reaches_duplicates_across_files(here: Path, cli: Run) -> None:
    shutil.copytree(FIXTURES / "cross-file", here / "notes")
    (here / "notes" / ".vlmnotes.toml").write_text('[lint]\nseverity = { VN1 = "warning" }\n')

    _, findings = lint_json(cli, "notes")

    assert [(f["code"], f["severity"]) for f in findings] == [("VN106", "warning")] * 2


@pytest.mark.parametrize(
    ("config", "args", "expected"),
    [
        ('select = ["VN5"]', ["--select", "VN3"], {"VN301", "VN302"}),
        ('select = ["VN5"]', ["--extend-select", "VN102"], {"VN102", "VN501", "VN502"}),
        ('select = ["VN5"]', ["--ignore", "VN502"], {"VN501"}),
        ('select = ["VN5"]', ["--select", "VN1,VN301", "--ignore", "VN102"], {"VN301"}),
        ('ignore = ["VN301"]', ["--select", "VN301"], {"VN301"}),  # "options here win" (lint --help)
    ],
)
def test_command_line_selection_overrides_the_configuration(
    mixed: Path, cli: Run, config: str, args: list[str], expected: set[str]
) -> None:
    (mixed / "notes" / ".vlmnotes.toml").write_text(f"[lint]\n{config}\n")

    _, findings = lint_json(cli, "notes", *args)

    assert codes(findings) == expected


@pytest.mark.parametrize(
    ("config", "bad"),
    [
        ('select = ["VN999"]', "VN999"),
        ('ignore = ["VN7"]', "VN7"),
        ('per-file-ignores = { "*.md" = ["E501"] }', "E501"),
    ],
)
def test_unknown_code_in_the_configuration_exits_2_naming_it_and_the_file(
    mixed: Path, cli: Run, config: str, bad: str
) -> None:
    (mixed / "notes" / ".vlmnotes.toml").write_text(f"[lint]\n{config}\n")

    result = cli("lint", "notes")

    assert result.exit_code == 2
    assert result.stdout == ""
    line = only_line(result)
    assert line.startswith("error: ") and f"'{bad}'" in line and ".vlmnotes.toml" in line


@pytest.mark.parametrize("option", ["--select", "--ignore", "--extend-select"])
def test_unknown_code_on_the_command_line_exits_2_with_one_line(mixed: Path, cli: Run, option: str) -> None:
    result = cli("lint", "notes", option, "VN301,VN999")

    assert result.exit_code == 2
    assert result.stdout == ""
    assert only_line(result) == f"error: unknown rule code 'VN999' in {option}; `vlmnotes lint --list` shows the codes"


@pytest.mark.parametrize(
    ("name", "text"),
    [(".vlmnotes.toml", '[lint\nselect = ["VN5"]\n'), ("pyproject.toml", '[tool.vlmnotes.lint]\nselect = ["VN5"\n')],
)
def test_broken_toml_exits_2_naming_the_file(mixed: Path, cli: Run, name: str, text: str) -> None:
    where = mixed / "notes" / name if name.startswith(".") else mixed / name
    where.write_text(text)

    result = cli("lint", "notes")

    assert result.exit_code == 2
    assert result.stdout == ""
    line = only_line(result)
    assert line.startswith(f"error: {where.resolve()}: not valid TOML")


# --- suppression comments -----------------------------------------------------------------------------------

SUPPRESSED_MD = """\
# Suppressed

- 背景:
<!-- vlmnotes-disable VN301 -->
- 动机:
- 方法:
<!-- vlmnotes-enable VN301 -->
- 实验:
<!-- vlmnotes-disable-next-line VN301 -->
- 结论:
- 局限:
<!-- vlmnotes-disable-next-line -->
- 思考:
"""


def test_disable_enable_and_disable_next_line(here: Path, cli: Run) -> None:
    write_notes(here / "notes", {"s.md": SUPPRESSED_MD})

    _, findings = lint_json(cli, "notes")

    assert sorted(pairs(findings)) == [("VN301", 3), ("VN301", 8), ("VN301", 11)]


def test_disable_file_turns_a_rule_off_everywhere_and_only_that_rule(here: Path, cli: Run) -> None:
    write_notes(here / "notes", {"m.md": MIXED_MD + "\n<!-- vlmnotes-disable-file VN3, VN502 -->\n"})

    _, findings = lint_json(cli, "notes")

    assert codes(findings) == {"VN102", "VN501"}


def test_disable_by_prefix(here: Path, cli: Run) -> None:
    write_notes(here / "notes", {"m.md": "<!-- vlmnotes-disable VN5 -->\n" + MIXED_MD})

    _, findings = lint_json(cli, "notes")

    assert codes(findings) == {"VN102", "VN301", "VN302"}


def test_a_suppression_that_suppresses_nothing_is_vn001(here: Path, cli: Run) -> None:
    write_notes(
        here / "notes",
        {
            "u.md": "# U\n\n<!-- vlmnotes-disable-next-line VN301 -->\n"
            "- **背景:** 有内容\n<!-- vlmnotes-enable VN301 -->\n"
        },
    )

    result, findings = lint_json(cli, "notes")

    assert result.exit_code == 0
    assert [(f["code"], f["line"], f["column"], f["severity"]) for f in findings] == [("VN001", 3, 1, "info")]
    assert findings[0]["message"] == "'vlmnotes-disable-next-line' for VN301 suppresses nothing; remove it"


def test_vn001_can_itself_be_ignored(here: Path, cli: Run) -> None:
    write_notes(here / "notes", {"u.md": "# U\n\n<!-- vlmnotes-disable-file VN503 -->\n"})

    _, findings = lint_json(cli, "notes", "--ignore", "VN001")

    assert findings == []


def test_a_suppression_comment_shown_as_code_suppresses_nothing(here: Path, cli: Run) -> None:
    note = "# How to\n\n- **背景:**\n\nWrite `<!-- vlmnotes-disable-file VN301 -->` to silence it.\n"
    write_notes(here / "notes", {"howto.md": note})

    _, findings = lint_json(cli, "notes")

    assert sorted(pairs(findings)) == [("VN301", 3)]


# --- fixes --------------------------------------------------------------------------------------------------


@pytest.fixture
def fixes_copy(here: Path) -> Path:
    """A copy of fixtures/lint/fixes.md at notes/fixes.md (relative to the working directory)."""
    (here / "notes").mkdir()
    shutil.copy(FIXTURES / "fixes.md", here / "notes" / "fixes.md")
    return Path("notes/fixes.md")


def _safe_fixes(path: Path) -> list[Any]:
    return [f for f in lint_run([path], Selection()).findings if f.fix is not None and f.fix.safe]


def fix_and_compare(cli: Run, path: Path) -> list[Any]:
    """Run `lint --fix` on path and check it line by line: every line a safe fix targets changed (or, for an empty
    list item, went), every other line is exactly as it was, no safe-fixable finding is left, and a second --fix
    changes nothing. The safe-fixable findings from before."""
    before = path.read_text("utf-8").split("\n")
    safe = _safe_fixes(path)
    edits = [e for f in safe for e in f.fix.edits]
    deleted = {e.line for e in edits if e.delete_line}
    targeted = {e.line for e in edits}

    cli("lint", str(path), "--fix")

    after = path.read_text("utf-8").split("\n")
    kept = [(n, line) for n, line in enumerate(before, 1) if n not in deleted]
    assert len(after) == len(kept)
    for (number, old), new in zip(kept, after, strict=True):
        if number in targeted:
            assert new != old, f"line {number} was to be fixed"
        else:
            assert new == old, f"line {number} changed though no finding targeted it"
    assert _safe_fixes(path) == []
    once = path.read_bytes()
    cli("lint", str(path), "--fix")
    assert path.read_bytes() == once
    return safe


def test_fix_removes_every_safe_fixable_finding_and_changes_no_other_line(fixes_copy: Path, cli: Run) -> None:
    _, found_before = lint_json(cli, str(fixes_copy))
    safe = fix_and_compare(cli, fixes_copy)

    assert {f.code for f in safe} == SAFE_FIXES - {"VN001"}  # fixes.md has no stale suppression: VN001-bad.md does
    _, found_after = lint_json(cli, str(fixes_copy))
    fixed_codes = Counter(f.code for f in safe)
    assert Counter(f["code"] for f in found_after) == Counter(f["code"] for f in found_before) - fixed_codes
    assert {f["code"] for f in found_after} == {"VN102", "VN301", "VN303"}


def test_fix_summary_counts_the_fixes(fixes_copy: Path, cli: Run) -> None:
    _, found_before = lint_json(cli, str(fixes_copy))
    safe = _safe_fixes(fixes_copy)

    result = cli("lint", str(fixes_copy), "--fix", "--format", "concise")

    assert result.exit_code == 1  # VN102 is left, and it is an error
    fixed = Counter(f.code for f in safe)
    which = ", ".join(code + (f" ×{n}" if n > 1 else "") for code, n in sorted(fixed.items()))
    assert result.stderr == (
        f"notes/fixes.md: fixed {len(safe)} ({which})\n"
        f"{count(len(found_before) - len(safe), 'finding')} in 1 file, {len(safe)} fixed, "
        "1 fixable with --unsafe-fixes\n"  # VN303
    )


@pytest.mark.parametrize("name", [n for n in FIXTURE_FILES if "-bad" in n])
def test_fix_on_a_copy_of_every_bad_fixture(here: Path, cli: Run, name: str) -> None:
    (here / "notes").mkdir()
    path = Path("notes") / name
    shutil.copy(FIXTURES / name, path)

    safe = fix_and_compare(cli, path)

    code = name.split("-")[0]
    assert (code in {f.code for f in safe}) == (code in SAFE_FIXES)


def test_a_second_fix_changes_nothing(fixes_copy: Path, cli: Run) -> None:
    cli("lint", str(fixes_copy), "--fix")
    once = fixes_copy.read_bytes()

    result = cli("lint", str(fixes_copy), "--fix", "--format", "concise")

    assert fixes_copy.read_bytes() == once
    assert result.stderr == "3 findings in 1 file, 0 fixed, 1 fixable with --unsafe-fixes\n"  # no file fixed


def test_fixes_on_one_line_do_not_corrupt_it(fixes_copy: Path, cli: Run) -> None:
    cli("lint", str(fixes_copy), "--fix")

    text = fixes_copy.read_text("utf-8")

    assert (
        "A crowded line: Thu, 22 Oct 2020 [ViT](https://arxiv.org/abs/2010.11929v2) at NeurIPS 2020, "
        "boxes `<box>`(x1,y1)`</box>`, 代码 <https://github.com/google-research/vision_transformer>，好\n"
    ) in text
    assert "- Mon, 30 Jan 2023 [BLIP-2](https://arxiv.org/abs/2301.12597v2)\n" in text  # the version is kept
    assert "  - **现有问题:** 冻结的模型之间没有桥梁\n" in text


def test_fix_reports_what_is_left_when_two_fixes_overlap(here: Path, cli: Run) -> None:
    # VN104 (the whole link target) and VN601 (the URL inside it) overlap: one fix waits for the next run.
    write_notes(here / "notes", {"o.md": "# O\n\n[代码](see https://github.com/x/y，ok) and Mon, 22 Oct 2020.\n"})

    fixed = cli("lint", "notes", "--fix", "--format", "json")
    _, fresh = lint_json(cli, "notes")

    assert json.loads(fixed.stdout) == fresh


def test_diff_prints_a_unified_diff_and_writes_nothing(fixes_copy: Path, cli: Run, tmp_path: Path) -> None:
    before = fixes_copy.read_bytes()

    result = cli("lint", str(fixes_copy), "--diff")

    assert fixes_copy.read_bytes() == before
    cli("lint", str(fixes_copy), "--fix")
    after = fixes_copy.read_text("utf-8")
    expected = difflib.unified_diff(
        [line + "\n" for line in before.decode("utf-8").split("\n")],
        [line + "\n" for line in after.split("\n")],
        fromfile=f"a/{fixes_copy}",
        tofile=f"b/{fixes_copy}",
    )
    assert result.stdout == "".join(expected)
    assert result.stdout.startswith("--- a/notes/fixes.md\n+++ b/notes/fixes.md\n@@ ")


def test_unsafe_fixes_also_fix_vn303(here: Path, cli: Run) -> None:
    (here / "notes").mkdir()
    note = here / "notes" / "colons.md"
    shutil.copy(FIXTURES / "VN303-bad.md", note)

    cli("lint", "notes", "--fix")
    _, safe_only = lint_json(cli, "notes")
    cli("lint", "notes", "--fix", "--unsafe-fixes")
    _, unsafe = lint_json(cli, "notes")

    assert pairs(safe_only) == Counter({("VN303", 7): 1})
    assert unsafe == []
    line = note.read_text("utf-8").split("\n")[6]
    assert re.fullmatch(r"  - 思考: ?could a better captioner close the gap\?", line)


def test_diff_with_unsafe_fixes_shows_vn303(here: Path, cli: Run) -> None:
    (here / "notes").mkdir()
    shutil.copy(FIXTURES / "VN303-bad.md", here / "notes" / "colons.md")

    assert cli("lint", "notes", "--diff").stdout == ""
    shown = cli("lint", "notes", "--diff", "--unsafe-fixes").stdout

    assert "-  - 思考：could" in shown and "+  - 思考:" in shown


@pytest.mark.parametrize(
    ("encoding", "newline", "prefix"),
    [("utf-8", "\r\n", b""), ("utf-8", "\n", b"\xef\xbb\xbf"), ("gb18030", "\n", b"")],
    ids=["crlf", "bom", "gb18030"],
)
def test_fix_keeps_the_bytes_of_lines_it_does_not_target(
    here: Path, cli: Run, encoding: str, newline: str, prefix: bytes
) -> None:
    text = "# 标题\n\n中文的一行，没有问题。\n\nBoxes are written as <box> here.\n\n最后一行。\n"
    data = prefix + text.replace("\n", newline).encode(encoding)
    write_notes(here / "notes", {"n.md": data})

    cli("lint", "notes", "--fix")

    before = data.splitlines(keepends=True)
    after = (here / "notes" / "n.md").read_bytes().splitlines(keepends=True)
    assert len(after) == len(before)
    changed = [n for n, (old, new) in enumerate(zip(before, after, strict=True), 1) if old != new]
    assert changed == [5]


# --- exit codes ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "args", "code"),
    [
        ("VN103-good.md", [], 0),  # clean
        ("VN301-bad.md", [], 1),  # warnings fail, as in ruff
        ("VN203-bad.md", [], 0),  # info only
        ("VN102-bad.md", [], 1),  # an error
        ("VN301-bad.md", ["--fail-on", "warning"], 1),
        ("VN203-bad.md", ["--fail-on", "warning"], 0),
        ("VN203-bad.md", ["--fail-on", "info"], 1),
        ("VN103-good.md", ["--fail-on", "info"], 0),
    ],
)
def test_exit_code(cli: Run, fixture: str, args: list[str], code: int) -> None:
    result = cli("lint", str(FIXTURES / fixture), "--format", "concise", *args)

    assert result.exit_code == code


def test_missing_path_exits_2_with_one_line(here: Path, cli: Run) -> None:
    result = cli("lint", "nope.md")

    assert result.exit_code == 2
    assert result.stdout == ""
    assert only_line(result) == "error: nope.md: no such file or folder"


def test_binary_file_exits_2_and_the_other_notes_are_still_linted(here: Path, cli: Run) -> None:
    write_notes(here / "notes", {"scan.md": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "m.md": MIXED_MD})

    result, findings = lint_json(cli, "notes")

    assert result.exit_code == 2
    assert only_line(result) == "error: notes/scan.md: binary file (NUL bytes), not a note; skipped"
    assert codes(findings) == MIXED_CODES


# --- the user's seeds and the bundled notes -----------------------------------------------------------------


@pytest.fixture(scope="module")
def seed_findings() -> list[dict[str, Any]]:
    if not SEEDS.is_dir():
        pytest.skip("../shared/seeds is not here")
    from typer.testing import CliRunner

    from vlmnotes.cli import app

    result = CliRunner().invoke(app, ["lint", str(SEEDS), "--format", "json"], catch_exceptions=False)
    assert result.stderr == ""
    data: list[dict[str, Any]] = json.loads(result.stdout)
    return data


def _in_seed(findings: list[dict[str, Any]], prefix: str) -> set[tuple[str, int]]:
    return {(f["code"], f["line"]) for f in findings if Path(f["path"]).name.startswith(prefix)}


@pytest.mark.parametrize(
    ("seed", "code", "line"),
    [
        ("002", "VN501", 20),
        ("002", "VN104", 45),
        ("002", "VN301", 100),
        ("001", "VN302", 11),
        ("002", "VN306", 94),
        ("000", "VN502", 34),
    ],
)
def test_seed_findings(seed_findings: list[dict[str, Any]], seed: str, code: str, line: int) -> None:
    assert (code, line) in _in_seed(seed_findings, seed)


def test_seeds_clip_in_two_files_is_an_info(seed_findings: list[dict[str, Any]]) -> None:
    dup = [f for f in seed_findings if f["code"] == "VN106" and "2103.00020" in f["message"]]

    assert len({Path(f["path"]).name for f in dup}) >= 2
    assert {f["severity"] for f in dup} == {"info"}


def test_seed_clip_date_is_not_far_from_its_id(seed_findings: list[dict[str, Any]]) -> None:
    assert ("VN201", 9) not in _in_seed(seed_findings, "000")


def test_the_bundled_notes_lint_clean(cli: Run) -> None:
    result, findings = lint_json(cli, str(REPO / "notes"))

    assert (result.exit_code, result.stderr, findings) == (0, "", [])
