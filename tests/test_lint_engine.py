"""`vlmnotes lint` as CI runs it: the exit status (ruff's: warnings and errors fail, info never; --fail-on,
--exit-zero), --fix in rounds until nothing more is fixable and what it says it fixed, and messages that stay one
line whatever the notes quote."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import REPO, Run, write_notes
from vlmnotes.lint import MAX_FIX_ROUNDS
from vlmnotes.lint import run as lint_run
from vlmnotes.lint.document import LintDocument
from vlmnotes.lint.registry import RULES, Edit, Finding, Fix, Rule, Selection, escape_controls

SEEDS = REPO.parent / "shared" / "seeds"

WARNING_MD = "# W\n\n- **背景:**\n"  # VN301 empty-field, a warning
INFO_MD = "# I\n\n- [ViT](http://arxiv.org/abs/2010.11929)\n"  # VN103 non-canonical-arxiv-url, an info
ERROR_MD = "# E\n\n- [CLIP](https://arxiv.org/abs/2103.0002)\n"  # VN102 malformed-arxiv-id, an error


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """tmp_path as the working directory, so the paths lint prints are short and relative."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("VLMNOTES_KB", raising=False)
    return tmp_path


def findings_of(cli: Run, *args: str) -> list[dict[str, object]]:
    result = cli("lint", *args, "--format", "json")
    data: list[dict[str, object]] = json.loads(result.stdout)
    return data


# --- exit status --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("note", "args", "code"),
    [
        (WARNING_MD, [], 1),  # a warning fails, as any ruff finding does
        (ERROR_MD, [], 1),
        (INFO_MD, [], 0),  # info never fails by default
        ("# Clean\n", [], 0),
        (WARNING_MD, ["--fail-on", "error"], 0),
        (ERROR_MD, ["--fail-on", "error"], 1),
        (INFO_MD, ["--fail-on", "info"], 1),
        (INFO_MD, ["--fail-on", "warning"], 0),
        (WARNING_MD, ["--exit-zero"], 0),
        (ERROR_MD, ["--exit-zero"], 0),
        (INFO_MD, ["--exit-zero", "--fail-on", "info"], 0),  # --exit-zero wins
    ],
)
def test_exit_status(here: Path, cli: Run, note: str, args: list[str], code: int) -> None:
    write_notes(here / "notes", {"n.md": note})

    for fmt in ("full", "concise", "json", "github", "sarif"):
        assert cli("lint", "notes", "--format", fmt, *args).exit_code == code, fmt


def test_exit_status_counts_what_is_left_after_fix(here: Path, cli: Run) -> None:
    write_notes(here / "notes", {"n.md": "# F\n\nBoxes are <box> here.\n"})  # VN502, a warning with a safe fix

    assert cli("lint", "notes").exit_code == 1
    assert cli("lint", "notes", "--diff").exit_code == 1  # --diff writes nothing: the warning is still there
    assert cli("lint", "notes", "--fix").exit_code == 0
    assert cli("lint", "notes").exit_code == 0


def test_exit_zero_still_fails_when_a_note_cannot_be_read(here: Path, cli: Run) -> None:
    write_notes(here / "notes", {"scan.md": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "n.md": WARNING_MD})

    result = cli("lint", "notes", "--exit-zero", "--format", "concise")

    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == "error: notes/scan.md: binary file (NUL bytes), not a note; skipped"


def test_exit_zero_is_still_a_usage_error_for_a_missing_path(here: Path, cli: Run) -> None:
    assert cli("lint", "nope.md", "--exit-zero").exit_code == 2


def test_help_documents_the_exit_status(cli: Run) -> None:
    text = " ".join(cli("lint", "--help", env={"COLUMNS": "200"}).stdout.split())

    for words in ("--exit-zero", "--fail-on", "info never fails", "2 a usage error", "at most 10 rounds"):
        assert words in text, words


def test_readme_documents_the_exit_status() -> None:
    readme = " ".join((REPO / "README.md").read_text("utf-8").split())

    for words in (
        "--exit-zero",
        "--fail-on error",
        "info never fails",
        "vlmnotes lint notes/ --format sarif --exit-zero",
    ):
        assert words in readme, words
    assert "pip install vlmnotes\n" not in (REPO / "README.md").read_text("utf-8")  # not on PyPI


@pytest.fixture
def seeds(here: Path) -> Path:
    """A copy of the user's seed notes (../shared/seeds), which lint must not touch."""
    if not SEEDS.is_dir():
        pytest.skip("../shared/seeds is not here")
    shutil.copytree(SEEDS, here / "seeds")
    return Path("seeds")


def test_seeds_fail_by_default_and_pass_with_exit_zero(seeds: Path, cli: Run) -> None:
    assert cli("lint", str(seeds), "--format", "concise").exit_code == 1
    assert cli("lint", str(seeds), "--format", "concise", "--exit-zero").exit_code == 0
    assert cli("lint", str(seeds), "--format", "sarif", "--exit-zero").exit_code == 0


def test_seeds_one_fix_leaves_nothing_fixable_and_a_second_changes_nothing(seeds: Path, cli: Run) -> None:
    assert any(f["fixable"] for f in findings_of(cli, str(seeds)))

    first = cli("lint", str(seeds), "--fix", "--format", "concise")
    after = {p.name: p.read_bytes() for p in seeds.iterdir()}
    second = cli("lint", str(seeds), "--fix", "--format", "concise")

    assert not any(f["fixable"] for f in findings_of(cli, str(seeds)))
    assert {p.name: p.read_bytes() for p in seeds.iterdir()} == after
    assert ", 0 fixed" in second.stderr.splitlines()[-1]
    assert len(second.stderr.splitlines()) == 1  # no file fixed
    assert first.exit_code == second.exit_code == 1  # what is left (VN105, VN301, ...) still fails


# --- --fix in rounds ----------------------------------------------------------------------------------------

THREE_BOLD = "# T\n\n- **A:**x **B:**y **C:**z\n"


def test_each_broken_bold_run_on_a_line_is_its_own_finding(here: Path, cli: Run) -> None:
    write_notes(here / "notes", {"b.md": THREE_BOLD})

    result = cli("lint", "notes", "--format", "concise")

    message = "VN501 [*] bold is not closed: '**' after punctuation needs a space after it"
    assert result.stdout.splitlines() == [f"notes/b.md:3:{column}: {message}" for column in (7, 15, 23)]
    assert result.stderr == "3 findings in 1 file, 3 fixable with --fix\n"
    assert result.exit_code == 1


def test_one_fix_fixes_every_broken_bold_run_on_a_line(here: Path, cli: Run) -> None:
    write_notes(here / "notes", {"b.md": THREE_BOLD})

    result = cli("lint", "notes", "--fix", "--format", "concise")

    assert (here / "notes" / "b.md").read_text("utf-8") == "# T\n\n- **A:** x **B:** y **C:** z\n"
    assert result.stdout == ""
    assert result.stderr == "notes/b.md: fixed 3 (VN501 ×3)\n0 findings in 1 file, 3 fixed\n"
    assert result.exit_code == 0


def test_diff_shows_every_round(here: Path, cli: Run) -> None:
    write_notes(here / "notes", {"b.md": THREE_BOLD})

    result = cli("lint", "notes", "--diff")

    assert "-- **A:**x **B:**y **C:**z\n+- **A:** x **B:** y **C:** z\n" in result.stdout
    assert (here / "notes" / "b.md").read_text("utf-8") == THREE_BOLD


def test_fix_says_what_it_fixed_in_each_file_and_in_all(here: Path, cli: Run) -> None:
    write_notes(
        here / "notes",
        {
            "a.md": "# A\n\nBoxes <box> and <ref> here.\n\n- [ViT](http://arxiv.org/abs/2010.11929)\n",
            "b.md": THREE_BOLD,
            "c.md": WARNING_MD,
        },
    )

    result = cli("lint", "notes", "--fix", "--format", "concise")

    assert result.stdout == "notes/c.md:3:5: VN301 field '背景' is empty; write something after it or remove it\n"
    assert result.stderr == (
        "notes/a.md: fixed 3 (VN103, VN502 ×2)\nnotes/b.md: fixed 3 (VN501 ×3)\n1 finding in 3 files, 6 fixed\n"
    )
    assert result.exit_code == 1


def test_fix_fixes_an_unused_suppression_alone(here: Path, cli: Run) -> None:
    # VN001 is known only after every other rule has run; a file with nothing else to fix is still fixed.
    write_notes(here / "notes", {"s.md": "# S\n\n<!-- vlmnotes-disable-next-line VN301 -->\nAll fine here.\n"})

    result = cli("lint", "notes", "--fix", "--format", "concise")

    assert (here / "notes" / "s.md").read_text("utf-8") == "# S\n\nAll fine here.\n"
    assert result.stderr == "notes/s.md: fixed 1 (VN001)\n0 findings in 1 file, 1 fixed\n"


def test_unsafe_fixes_only_with_unsafe_fixes(here: Path, cli: Run) -> None:
    # VN303 (a label colon unlike the rest of the file) has an unsafe fix: it may change what the note means.
    note = "# C\n\n- Insights: one\n- Method: two\n- 思考：three\n"
    write_notes(here / "notes", {"c.md": note})

    plain = cli("lint", "notes", "--format", "concise")
    safe = cli("lint", "notes", "--fix", "--format", "concise")

    assert plain.stderr == "1 finding in 1 file, 1 fixable with --unsafe-fixes\n"
    assert safe.stderr == "1 finding in 1 file, 0 fixed, 1 fixable with --unsafe-fixes\n"
    assert (here / "notes" / "c.md").read_text("utf-8") == note
    unsafe = cli("lint", "notes", "--fix", "--unsafe-fixes", "--format", "concise")
    assert unsafe.stderr == "notes/c.md: fixed 1 (VN303)\n0 findings in 1 file, 1 fixed\n"
    assert (here / "notes" / "c.md").read_text("utf-8") == note.replace("思考：", "思考: ")


def test_a_file_named_twice_is_linted_and_fixed_once(here: Path, cli: Run) -> None:
    write_notes(here / "notes", {"b.md": THREE_BOLD})

    result = cli("lint", "notes", "notes/b.md", "--fix", "--format", "concise")

    assert result.stderr == "notes/b.md: fixed 3 (VN501 ×3)\n0 findings in 1 file, 3 fixed\n"


@pytest.fixture
def restless(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A rule whose fix never settles: it always finds the first line one character short and adds one."""

    def grow(doc: LintDocument) -> Iterator[Finding]:
        yield Finding("VN999", "one more", 1, fix=Fix((Edit(1, len(doc.lines[0]), None, "+"),)))

    monkeypatch.setitem(RULES, "VN999", Rule("VN999", "restless", "warning", grow, "Never done.", True))
    yield "VN999"


def test_fix_rounds_are_bounded(here: Path, restless: str) -> None:
    write_notes(here / "notes", {"r.md": "# R\n"})

    result = lint_run([Path("notes")], Selection(select=[restless]), fix=True)

    assert (here / "notes" / "r.md").read_text("utf-8") == "# R" + "+" * MAX_FIX_ROUNDS + "\n"
    assert result.rounds == MAX_FIX_ROUNDS == 10
    assert dict(result.fixed["notes/r.md"]) == {restless: MAX_FIX_ROUNDS}
    assert [f.code for f in result.findings] == [restless]  # still fixable: said so, not hidden


# --- one line a message -------------------------------------------------------------------------------------


def test_escape_controls_escapes_line_breaks_and_control_characters() -> None:
    assert escape_controls("a\nb\r\nc\td") == "a\\nb\\r\\nc\\td"
    assert escape_controls("\x1b[31mred\x1b[0m") == "\\x1b[31mred\\x1b[0m"
    assert escape_controls("x\u2028y\u2029z\x85") == "x\\u2028y\\u2029z\\x85"
    assert escape_controls("abc\u202edef") == "abc\\u202edef"  # a bidi override would reorder what follows
    assert (
        escape_controls("思考：　全角 spaces ok\u00a0") == "思考：　全角 spaces ok\u00a0"
    )  # spaces are not control characters


def test_a_finding_message_is_always_one_line() -> None:
    assert Finding("VN301", "field 'a\nb' is empty", 1).message == "field 'a\\nb' is empty"


# Reference links whose targets decode to a line break and an escape character (VN105 quotes them decoded, as
# the definition is on another line), an HTML tag over two lines (VN502 quotes it whole), and a raw escape
# character in the text before a finding.
CONTROL_MD = (
    "# C\n\nSee [it][m] and [that][x].\n\nThe answer is <ref\nid=1> here.\n\x1b[31m <box>\n\n"
    "[m]: missing%0Anote.md\n[x]: x%1B.md\n"
)


def test_messages_are_one_line_in_every_format(here: Path, cli: Run) -> None:
    write_notes(here / "notes", {"c.md": CONTROL_MD})
    findings = findings_of(cli, "notes")
    assert len(findings) == 4

    for f in findings:
        assert str(f["message"]).isprintable(), f["message"]
    assert sum("\\n" in str(f["message"]) for f in findings) >= 2  # the %0A and the tag's line break
    assert any("\\x1b" in str(f["message"]) for f in findings)
    assert len(cli("lint", "notes", "--format", "concise").stdout.splitlines()) == 4
    assert len(cli("lint", "notes", "--format", "github").stdout.splitlines()) == 4
    sarif = json.loads(cli("lint", "notes", "--format", "sarif").stdout)
    assert [r["message"]["text"] for r in sarif["runs"][0]["results"]] == [f["message"] for f in findings]
    full = cli("lint", "notes").stdout
    assert "\x1b" not in full
    assert len(full.splitlines()) == 3 * 4  # a message, its source line, its caret


def test_a_missing_link_target_is_quoted_and_marked_as_written(here: Path, cli: Run) -> None:
    # markdown-it percent-encodes the target (图片 → %E5%9B%BE%E7%89%87) and takes off `<…>`: the finding quotes
    # and marks what the note says, where it says it.
    write_notes(here / "notes", {"n.md": "# T\n\n见 ![x](图片/a.png) 和 [y](a%20b.md) 以及 [z](<c d.md>)\n"})

    findings = findings_of(cli, "notes", "--select", "VN105")

    assert [(f["message"], f["column"], f["end_column"]) for f in findings] == [
        ("link target '图片/a.png' does not exist", 8, 16),
        ("link target 'a%20b.md' does not exist", 24, 32),
        ("link target 'c d.md' does not exist", 42, 48),
    ]


def test_a_tag_over_two_lines_is_marked_where_it_starts_and_fixed_into_one_code_span(here: Path, cli: Run) -> None:
    write_notes(here / "notes", {"t.md": "# T\n\nThe answer is <ref\nid=1> here.\n"})

    found = findings_of(cli, "notes")
    fixed = cli("lint", "notes", "--fix", "--format", "concise")

    assert [(f["code"], f["line"], f["column"], f["end_column"]) for f in found] == [("VN502", 3, 15, 19)]
    assert fixed.exit_code == 0
    assert (here / "notes" / "t.md").read_text("utf-8") == "# T\n\nThe answer is `<ref\nid=1>` here.\n"


def test_a_file_name_with_a_line_break_stays_on_its_line(here: Path, cli: Run) -> None:
    write_notes(here / "notes", {"a\nb.md": THREE_BOLD})

    concise = cli("lint", "notes", "--format", "concise")
    fixed = cli("lint", "notes", "--fix", "--format", "concise")

    assert [line.split(" VN501 ")[0] for line in concise.stdout.splitlines()] == [
        "notes/a\\nb.md:3:7:",
        "notes/a\\nb.md:3:15:",
        "notes/a\\nb.md:3:23:",
    ]
    assert fixed.stderr.splitlines()[0] == "notes/a\\nb.md: fixed 3 (VN501 ×3)"


def test_full_shows_a_control_character_escaped_and_the_caret_still_under_the_finding(here: Path, cli: Run) -> None:
    write_notes(here / "notes", {"c.md": "# C\n\n\x1b[31m <box>\n"})

    result = cli("lint", "notes")

    message, source, caret = result.stdout.splitlines()
    assert message.startswith("notes/c.md:3:7: VN502 [*] ")  # column 7: characters of the line as written
    assert source == "     3 | \\x1b[31m <box>"
    assert caret == "       | " + " " * len("\\x1b[31m ") + "^^^^^"


@pytest.mark.parametrize(("encoding", "prefix"), [("gb18030", b""), ("utf-8", b"\xef\xbb\xbf")], ids=["gb18030", "bom"])
def test_full_shows_the_line_as_the_linter_read_it(here: Path, cli: Run, encoding: str, prefix: bytes) -> None:
    # The caret counts characters of the decoded line: a GB18030 note is not shown as UTF-8 mojibake, and a
    # byte-order mark does not shift the caret of the first line.
    write_notes(here / "notes", {"g.md": prefix + "中文 <box> 好\n".encode(encoding)})

    result = cli("lint", "notes")

    message, source, caret = result.stdout.splitlines()
    assert message.startswith("notes/g.md:1:4: VN502 [*] ")
    assert source == "     1 | 中文 <box> 好"
    assert caret == "       | " + " " * 5 + "^^^^^"


def test_the_pre_commit_hook_the_readme_names_is_shipped() -> None:
    import yaml

    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text("utf-8"))
    readme = (REPO / "README.md").read_text("utf-8")

    (hook,) = hooks
    assert f"- id: {hook['id']}" in readme
    # pre-commit installs the repository itself (language: python) and runs the entry with the staged files.
    assert (hook["id"], hook["entry"], hook["language"]) == ("vlmnotes-lint", "vlmnotes lint", "python")
    assert hook["require_serial"] is True  # one lint at a time: --fix holds the notes' lock
    assert re.search(hook["files"], "notes/a.md") and re.search(hook["files"], "notes/b.txt")
    assert not re.search(hook["files"], "src/a.py")
