"""What a build must survive without losing, freezing or garbling what the user has: interrupted and
concurrent builds, a lost build state, backup copies and duplicated keys in record files, subset builds,
hostile note files and names, and a knowledge base that cannot be written."""

from __future__ import annotations

import os
import sqlite3
import sys
from pathlib import Path

import pytest

from conftest import Run, edit, load_record, record_bytes, save_as_editor, stderr_lines, write_notes
from vlmnotes.build import run_build
from vlmnotes.kb import Config
from vlmnotes.state import db_path, kb_lock

CLIP = "2103.00020"
BLIP2 = "2301.12597"


def _config(root: Path, *notes: str) -> Config:
    return Config(notes=tuple(root / n for n in (notes or ("notes",))), kb=root / "kb")


# --- interrupted and concurrent builds -------------------------------------------------------------------------


def test_a_build_killed_after_writing_records_leaves_no_false_hand_edit(
    good_project: Path, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run("build").exit_code == 0
    edit(good_project / "notes" / "good.md", "CLIP (OpenAI)", "CLIP (Google)")

    def killed(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt  # dies after the record files are in place, before the bookkeeping

    with monkeypatch.context() as patch, pytest.raises(KeyboardInterrupt):
        patch.setattr("vlmnotes.build.commit", killed)
        run_build(_config(good_project))
    assert load_record(good_project / "kb", CLIP)["orgs"] == ["Google"]

    assert run("build").exit_code == 0
    edit(good_project / "notes" / "good.md", "CLIP (Google)", "CLIP (Meta)")
    assert run("build").exit_code == 0

    record = load_record(good_project / "kb", CLIP)
    assert record["orgs"] == ["Meta"]  # the note still drives the record
    assert "pinned" not in record


def test_a_second_build_waits_for_the_first_and_then_says_so(good_project: Path, run: Run) -> None:
    assert run("build").exit_code == 0
    with kb_lock(good_project / "kb"):
        result = run("build", env={"VLMNOTES_LOCK_TIMEOUT": "0.2"})

    assert result.exit_code == 1
    assert stderr_lines(result) == [
        "error: kb: another vlmnotes command (a build, `lint --fix` or `add`) is still writing it; "
        "the build waited 0 s; try again when it ends"
    ]


# --- the build state lost or damaged ----------------------------------------------------------------------------


@pytest.mark.parametrize("damage", ["deleted", "garbage"])
def test_without_a_build_state_a_hand_edit_is_kept(built: Path, run: Run, damage: str) -> None:
    path = built / "kb" / "papers" / f"{CLIP}.yaml"
    path.write_text(path.read_text("utf-8").replace("- OpenAI", "- OpenAI Research"), "utf-8")
    state = db_path(built / "kb")
    if damage == "deleted":
        state.unlink()
    else:
        state.write_bytes(b'{"broken' * 500)

    result = run("build")

    assert result.exit_code == 0
    assert stderr_lines(result)[0] == (
        f"warning: kb/papers/{CLIP}.yaml: orgs differ from the notes and no build state says who wrote them: kept "
        "as hand edits (pinned); remove them from `pinned` to take the notes' values"
    )
    record = load_record(built / "kb", CLIP)
    assert record["orgs"] == ["OpenAI Research"]
    assert record["pinned"] == ["orgs"]


def test_without_a_build_state_a_record_the_build_wrote_is_no_hand_edit(project: Path, run: Run) -> None:
    # A remark that ends in an HTML comment leaves a space at its line end, which the record does not keep.
    write_notes(
        project / "notes",
        {
            "reading.md": "- Fri, 26 Feb 2021 [Learning Transferable Visual Models From Natural Language Supervision]"
            "(https://arxiv.org/abs/2103.00020)\n"
            "  - contribution:\n"
            "    - 对比学习 <!-- check the numbers -->\n"
            "    - zero-shot transfer\n",
            "cards.md": "# nothing here\n",
        },
    )
    assert run("build").exit_code == 0
    before = record_bytes(project / "kb")
    db_path(project / "kb").unlink()

    result = run("build")

    assert result.exit_code == 0
    assert record_bytes(project / "kb") == before
    assert "pinned" not in load_record(project / "kb", CLIP)


# --- hand-made files in the papers folder -----------------------------------------------------------------------


def test_a_backup_copy_of_a_record_never_deletes_the_edited_original(built: Path, run: Run) -> None:
    papers = built / "kb" / "papers"
    original = papers / f"{CLIP}.yaml"
    (papers / f"{CLIP}-backup.yaml").write_bytes(original.read_bytes())
    original.write_text(original.read_text("utf-8").replace("- OpenAI", "- OpenAI Research"), "utf-8")

    result = run("build")

    assert result.exit_code == 0
    assert load_record(built / "kb", CLIP)["orgs"] == ["OpenAI Research"]
    assert (papers / f"{CLIP}-backup.yaml").exists()
    assert stderr_lines(result) == [
        f"warning: kb/papers/{CLIP}-backup.yaml: same id '{CLIP}' as kb/papers/{CLIP}.yaml; search shows one of"
        " them: give it another id, or move it out of the papers folder",
        "3 papers from 2 notes (0 parsed): 0 created, 1 changed, 0 deleted, 1 kept (hand-made or hand-edited, no "
        "longer in the notes)",
    ]


def test_a_key_given_twice_in_a_record_is_named_and_the_file_left_alone(built: Path, run: Run) -> None:
    path = built / "kb" / "papers" / f"{CLIP}.yaml"
    path.write_text(path.read_text("utf-8").replace("name: CLIP\n", "name: First\nname: Second\n"), "utf-8")
    text = path.read_text("utf-8")

    result = run("build")

    assert result.exit_code == 1
    assert f"error: kb/papers/{CLIP}.yaml:3: 'name' is given twice (first on line 2); keep one of them" in (
        stderr_lines(result)
    )
    assert path.read_text("utf-8") == text


def test_an_unquoted_date_written_by_hand_is_that_date(built: Path, run: Run) -> None:
    path = built / "kb" / "papers" / f"{CLIP}.yaml"
    save_as_editor(path, path.read_text("utf-8").replace("date: '2021-02-26'", "date: 2021-02-27"))

    result = run("list", "--format", "json", "CLIP")

    assert result.exit_code == 0
    assert '"date": "2021-02-27"' in result.stdout


# --- a build only forgets what it was asked about ---------------------------------------------------------------


def test_a_build_of_one_note_leaves_the_other_notes_records_alone(built: Path, cli: Run) -> None:
    before = record_bytes(built / "kb")
    edit(built / "notes" / "reading.md", "CLIP (OpenAI)", "CLIP (OpenAI, Stanford)")

    result = cli("--notes", "notes/reading.md", "--kb", "kb", "build")

    assert result.exit_code == 0
    after = record_bytes(built / "kb")
    assert after.keys() == before.keys()
    assert after[f"{BLIP2}.yaml"] == before[f"{BLIP2}.yaml"]
    assert load_record(built / "kb", CLIP)["orgs"] == ["OpenAI", "Stanford University"]


def test_a_note_deleted_from_disk_takes_its_records_and_says_so(built: Path, run: Run) -> None:
    (built / "notes" / "cards.md").unlink()

    result = run("build")

    assert result.exit_code == 0
    assert stderr_lines(result) == [
        "dropped the records of cards.md: no longer on disk",
        "2 papers from 1 note (0 parsed): 0 created, 0 changed, 1 deleted",
    ]
    assert not (built / "kb" / "papers" / f"{BLIP2}.yaml").exists()


def test_prune_drops_the_records_of_notes_not_given(built: Path, cli: Run) -> None:
    result = cli("--notes", "notes/reading.md", "--kb", "kb", "build", "--prune")

    assert result.exit_code == 0
    assert stderr_lines(result)[0] == "dropped the records of cards.md: not given (--prune)"
    assert sorted(record_bytes(built / "kb")) == ["2102.05918.yaml", f"{CLIP}.yaml"]


def test_a_build_that_finds_no_note_is_exit_2_and_changes_nothing(built: Path, cli: Run) -> None:
    before = record_bytes(built / "kb")

    result = cli("--notes", "notes", "--kb", "kb", "--ext", "org", "build")

    assert result.exit_code == 2
    assert stderr_lines(result) == [
        "error: notes: no note files found (looked for .org); nothing changed. Check --notes and --ext"
    ]
    assert record_bytes(built / "kb") == before


# --- hostile notes and names ------------------------------------------------------------------------------------


def test_a_very_long_title_gets_a_bounded_file_name(good_project: Path, run: Run) -> None:
    title = "视觉语言模型" * 17  # 102 characters, 306 bytes in UTF-8
    write_notes(
        good_project / "notes", {"long.md": f"- [2023.05] [{title}](https://openreview.net/forum?id=abc) 智谱\n"}
    )

    result = run("build")

    assert result.exit_code == 0, result.output
    names = [p.name for p in (good_project / "kb" / "papers").iterdir()]
    assert len(names) == 2
    assert all(len(n.encode("utf-8")) <= 125 for n in names)
    listed = run("list", "--format", "json")
    assert listed.exit_code == 0
    assert title in listed.stdout


@pytest.mark.skipif(sys.platform != "linux", reason="file names as raw bytes")
def test_a_note_whose_name_is_not_utf8_is_read_and_named(good_project: Path, run: Run) -> None:
    name = os.fsencode(good_project / "notes") + b"/latin1-\xe9\xff.md"
    with open(name, "wb") as fh:
        fh.write(b"- [BLIP-2](https://arxiv.org/abs/2301.12597) Salesforce\n")

    result = run("build")

    assert result.exit_code == 0
    assert stderr_lines(result)[0] == (
        "warning: latin1-\ufffd\ufffd.md: the file name is not UTF-8 (shown with �); rename it, e.g. "
        "convmv -f latin1 -t utf8"
    )
    assert load_record(good_project / "kb", BLIP2)["sources"][0]["file"] == "latin1-\ufffd\ufffd.md"  # type: ignore[index]
    assert run("list").exit_code == 0


@pytest.mark.skipif(not hasattr(os, "mkfifo") or not Path("/dev/zero").exists(), reason="POSIX special files")
def test_special_files_named_like_notes_are_skipped_not_read(good_project: Path, run: Run) -> None:
    notes = good_project / "notes"
    os.mkfifo(notes / "pipe.md")
    (notes / "zero.md").symlink_to("/dev/zero")

    result = run("build")

    assert result.exit_code == 0
    assert stderr_lines(result)[:2] == [
        "warning: pipe.md: a FIFO, not a note file; skipped",
        "warning: zero.md: a device, not a note file; skipped",
    ]
    assert (good_project / "kb" / "papers" / f"{CLIP}.yaml").exists()


# --- a knowledge base that cannot be written --------------------------------------------------------------------


def test_a_knowledge_base_that_cannot_be_written_still_answers(
    built: Path, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    edit(built / "notes" / "reading.md", "CLIP (OpenAI)", "CLIP (OpenAI, Stanford)")  # the kb is out of date

    def read_only(path: Path, *, readonly: bool = False) -> sqlite3.Connection:
        if not readonly:
            raise sqlite3.OperationalError("attempt to write a readonly database")
        return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)

    monkeypatch.setattr("vlmnotes.state.connect", read_only)

    listed = run("list", "--format", "json")
    build = run("build")

    assert listed.exit_code == 0
    assert '"name": "CLIP"' in listed.stdout
    assert stderr_lines(listed) == [
        "warning: kb: cannot write the knowledge base (attempt to write a readonly database); check its "
        "permissions; answering from the records as they are"
    ]
    assert build.exit_code == 1
    assert stderr_lines(build) == [
        "error: kb: cannot write the knowledge base (attempt to write a readonly database); check its permissions"
    ]


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="permissions do not bind root")
def test_a_read_only_knowledge_base_answers_every_reading_command(built: Path, run: Run) -> None:
    kb = built / "kb"
    edit(built / "notes" / "reading.md", "CLIP (OpenAI)", "CLIP (OpenAI, Stanford)")
    paths = [kb, kb / "papers"]
    for path in paths:
        path.chmod(0o555)
    try:
        for command in (["search", "CLIP"], ["list"], ["show", "CLIP"], ["export", "CLIP"], ["stats"]):
            result = run(*command)
            assert result.exit_code == 0, (command, result.output)
        assert run("build").exit_code == 1
    finally:
        for path in paths:
            path.chmod(0o755)


def test_lint_fix_waits_for_a_build_holding_the_knowledge_base(built: Path, run: Run) -> None:
    with kb_lock(built / "kb"):
        result = run("lint", "--fix", "notes", env={"VLMNOTES_LOCK_TIMEOUT": "0.2"})

    assert result.exit_code == 1
    assert stderr_lines(result) == [
        "error: kb: another vlmnotes command (a build, `lint --fix` or `add`) is still writing it; "
        "the lint --fix waited 0 s; try again when it ends"
    ]


def test_a_record_that_takes_in_many_entries_of_one_note_is_reported(good_project: Path, run: Run) -> None:
    line = "- [FooNet](https://openreview.net/forum?id=a1) {}\n"
    remarks = ["contrastive pre-training", "zero-shot transfer", "noisy pairs", "scales with data"]
    write_notes(good_project / "notes", {"log.md": "".join(line.format(r) for r in remarks)})

    result = run("build")

    assert result.exit_code == 0
    assert stderr_lines(result)[0] == (
        "warning: log.md: 4 entries merged into one record 'FooNet' (lines 1, 2, 3, …); check that they are one paper"
    )


def test_a_search_during_a_build_answers_from_the_records_as_they_are(built: Path, run: Run) -> None:
    edit(built / "notes" / "reading.md", "CLIP (OpenAI)", "CLIP (OpenAI, Stanford)")  # the kb is out of date
    with kb_lock(built / "kb"):
        result = run("search", "--format", "json", "CLIP", env={"VLMNOTES_LOCK_TIMEOUT": "0.2"})

    assert result.exit_code == 0
    assert '"name": "CLIP"' in result.stdout
    assert stderr_lines(result) == [
        "warning: kb: another vlmnotes command (a build, `lint --fix` or `add`) is still writing it; the build "
        "waited 0 s; try again when it ends; answering from the records as they are"
    ]


def test_a_note_given_alone_keeps_the_name_it_has_in_its_notes_folder(project: Path, run: Run, cli: Run) -> None:
    (project / "notes" / "2021").mkdir()
    (project / "notes" / "reading.md").rename(project / "notes" / "2021" / "reading.md")
    assert run("build").exit_code == 0
    before = record_bytes(project / "kb")
    edit(project / "notes" / "2021" / "reading.md", "CLIP (OpenAI)", "CLIP (OpenAI, Stanford)")

    assert cli("--notes", "notes/2021/reading.md", "--kb", "kb", "build").exit_code == 0

    record = load_record(project / "kb", CLIP)
    assert record["sources"][0]["file"] == "2021/reading.md"  # type: ignore[index]
    assert record_bytes(project / "kb")["2102.05918.yaml"] == before["2102.05918.yaml"]


def test_an_entry_after_lists_nested_too_deep_is_built_and_the_build_says_so(good_project: Path, run: Run) -> None:
    write_notes(
        good_project / "notes", {"deep.md": "- " * 25 + "item\n\n- [BLIP-2](https://arxiv.org/abs/2301.12597)\n"}
    )

    result = run("build")

    assert result.exit_code == 0
    assert stderr_lines(result)[0] == (
        "warning: deep.md:1: lists nested deeper than 20 levels were read flattened; nest them less deeply"
    )
    assert (good_project / "kb" / "papers" / f"{BLIP2}.yaml").exists()


def test_a_record_edited_while_the_build_runs_is_left_as_the_user_saved_it(
    built: Path, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    import vlmnotes.build

    edit(built / "notes" / "reading.md", "CLIP (OpenAI)", "CLIP (OpenAI, Stanford)")
    path = built / "kb" / "papers" / f"{CLIP}.yaml"
    real_write = vlmnotes.build.write

    def saved_meanwhile(*args: object) -> None:  # the user saves the record after the build read it
        path.write_text(path.read_text("utf-8").replace("name: CLIP", "name: CLIP-hand"), "utf-8")
        real_write(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(vlmnotes.build, "write", saved_meanwhile)
    result = run("build")
    monkeypatch.setattr(vlmnotes.build, "write", real_write)

    assert result.exit_code == 0
    assert stderr_lines(result) == [
        f"warning: kb/papers/{CLIP}.yaml: changed while the build ran; left as it is (the next build keeps your edit)",
        "3 papers from 2 notes (1 parsed): 0 created, 0 changed, 0 deleted",
    ]
    assert load_record(built / "kb", CLIP)["name"] == "CLIP-hand"
    assert run("build").exit_code == 0
    record = load_record(built / "kb", CLIP)
    assert (record["name"], record["orgs"], record["pinned"]) == (
        "CLIP-hand",
        ["OpenAI", "Stanford University"],
        ["name"],
    )


def test_an_impossible_date_in_a_record_is_named_and_the_rest_still_loads(built: Path, run: Run) -> None:
    path = built / "kb" / "papers" / f"{CLIP}.yaml"
    save_as_editor(path, path.read_text("utf-8").replace("date: '2021-02-26'", "date: 2023-02-30"))

    result = run("list", "--format", "json")

    assert result.exit_code == 1
    assert stderr_lines(result) == [
        f"error: kb/papers/{CLIP}.yaml:5: date: '2023-02-30' is not a date; write YYYY-MM-DD, YYYY-MM or YYYY"
    ]
    assert '"name": "BLIP-2"' in result.stdout


def test_the_temporary_files_of_a_killed_build_are_cleared_by_the_next(built: Path, run: Run) -> None:
    leftover = built / "kb" / "papers" / f".{CLIP}.yaml.k3x9q1.tmp"
    leftover.write_text("half a record", "utf-8")

    assert run("build").exit_code == 0

    assert not leftover.exists()


def test_show_names_the_record_files_it_could_not_read_instead_of_guessing(built: Path, run: Run) -> None:
    path = built / "kb" / "papers" / f"{BLIP2}.yaml"
    save_as_editor(path, path.read_text("utf-8") + "name: [\n")

    result = run("show", "BLIP-2")

    assert result.exit_code == 1
    assert stderr_lines(result)[-1] == (
        f"error: no readable record matches 'BLIP-2'; 1 record file cannot be read: kb/papers/{BLIP2}.yaml"
    )


def test_the_state_file_of_an_earlier_version_carries_its_hand_edit_bookkeeping_over(built: Path, run: Run) -> None:
    import json

    import yaml

    from vlmnotes.model import Paper
    from vlmnotes.store import UNPINNABLE, value_hash

    kb = built / "kb"
    legacy = {}
    for path in (kb / "papers").glob("*.yaml"):
        text = path.read_text("utf-8")
        data = yaml.safe_load(text)
        fields = {k: value_hash(data.get(k)) for k in Paper.model_fields if k not in UNPINNABLE}
        legacy[data["id"]] = {"file": value_hash(text), "fields": fields}
    (kb / ".generated.json").write_text(json.dumps(legacy), "utf-8")
    db_path(kb).unlink()
    path = kb / "papers" / f"{CLIP}.yaml"
    path.write_text(path.read_text("utf-8").replace("- OpenAI", "- OpenAI Research"), "utf-8")

    result = run("build")

    assert result.exit_code == 0
    assert stderr_lines(result) == ["3 papers from 2 notes (2 parsed): 0 created, 1 changed, 0 deleted"]
    assert load_record(kb, CLIP)["pinned"] == ["orgs"]
    assert not (kb / ".generated.json").exists()


@pytest.mark.parametrize("ext", ["", ",,", " . "])
def test_an_empty_ext_is_a_usage_error_not_the_defaults(built: Path, cli: Run, ext: str) -> None:
    result = cli("--notes", "notes", "--kb", "kb", "--ext", ext, "build")

    assert result.exit_code == 2
    assert stderr_lines(result) == [f"error: --ext: no file ending in '{ext}'; give endings such as md,markdown,txt"]
