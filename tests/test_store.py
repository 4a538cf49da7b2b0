"""The YAML store through the CLI: stable bytes, --check, incremental builds, hand edits, broken record files."""

from __future__ import annotations

import errno
import json
import os
import re
from pathlib import Path

import pytest

from conftest import RECORD_FILES, Run, edit, load_record, record_bytes, save_as_editor, stderr_lines

CLIP_REMARK = "  - CLIP (OpenAI), an image tower and a text tower trained to agree on matching pairs\n"
NEW_CLIP_REMARK = "  - CLIP (OpenAI), zero-shot transfer by writing class names as prompts\n"
ALIGN_ENTRY = (
    "- Thu, 11 Feb 2021 [Scaling Up Visual and Vision-Language Representation Learning With Noisy Text "
    "Supervision](https://arxiv.org/abs/2102.05918)\n"
    "  - ALIGN (Google), a huge set of noisy alt-text pairs\n"
)
NOTHING_TO_DO = "3 papers from 2 notes (0 parsed): 0 created, 0 changed, 0 deleted\n"


def _all_files(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


# --- stable, readable bytes ---------------------------------------------------------------------------------


def test_second_build_changes_no_byte(built: Path, run: Run) -> None:
    kb = built / "kb"
    before = record_bytes(kb)
    mtimes = {p.name: p.stat().st_mtime_ns for p in (kb / "papers").iterdir()}

    result = run("build")

    assert result.exit_code == 0
    assert result.stderr == NOTHING_TO_DO
    assert record_bytes(kb) == before
    assert {p.name: p.stat().st_mtime_ns for p in (kb / "papers").iterdir()} == mtimes


def test_records_are_the_same_bytes_from_a_fresh_build(built: Path, cli: Run) -> None:
    result = cli("--notes", "notes", "--kb", "other-kb", "build")

    assert result.exit_code == 0
    assert record_bytes(built / "other-kb") == record_bytes(built / "kb")


def test_records_do_not_depend_on_the_parse_cache(built: Path, run: Run) -> None:
    before = record_bytes(built / "kb")
    (built / "kb" / ".vlmnotes.sqlite").unlink()

    result = run("build")

    assert result.exit_code == 0
    assert result.stderr == "3 papers from 2 notes (2 parsed): 0 created, 0 changed, 0 deleted\n"
    assert record_bytes(built / "kb") == before


def test_record_keeps_chinese_as_chinese(built: Path) -> None:
    text = (built / "kb" / "papers" / "2301.12597.yaml").read_text("utf-8")

    assert "冻结图像编码器和语言模型，只训练中间的轻量模块" in text
    assert "- 阅读卡片\n" in text
    for data in record_bytes(built / "kb").values():
        assert b"\\u" not in data
        assert b"\\x" not in data


def test_multi_line_text_is_a_block_literal(built: Path) -> None:
    blip2 = (built / "kb" / "papers" / "2301.12597.yaml").read_text("utf-8")
    clip = (built / "kb" / "papers" / "2103.00020.yaml").read_text("utf-8")

    assert "  贡献: |-\n    冻结图像编码器和语言模型，只训练中间的轻量模块\n    两阶段预训练\n" in blip2
    assert (
        "  text: |-\n"
        "    - Fri, 26 Feb 2021 [Learning Transferable Visual Models From Natural Language Supervision]"
        "(https://arxiv.org/abs/2103.00020)\n"
        "      - CLIP (OpenAI), an image tower and a text tower trained to agree on matching pairs\n"
    ) in clip


def test_record_starts_with_id_and_leaves_empty_fields_out(built: Path) -> None:
    text = (built / "kb" / "papers" / "2103.00020.yaml").read_text("utf-8")

    assert text.startswith("id: '2103.00020'\nname: CLIP\n")
    assert "null" not in text
    assert "[]" not in text
    assert "{}" not in text


# --- build --check ------------------------------------------------------------------------------------------


def test_check_when_current_exits_0(built: Path, run: Run) -> None:
    result = run("build", "--check")

    assert result.exit_code == 0
    assert result.stdout == "knowledge base is current (3 papers)\n"
    assert result.stderr == ""


def test_check_before_the_first_build_lists_what_would_be_created(project: Path, run: Run) -> None:
    result = run("build", "--check")

    assert result.exit_code == 1
    assert result.stdout.splitlines() == [f"would create kb/papers/{name}" for name in RECORD_FILES]
    assert stderr_lines(result) == ["3 record files out of date; run `vlmnotes build`"]
    assert not (project / "kb" / "papers").exists()


def test_check_after_a_note_edit_lists_the_change_and_writes_nothing(built: Path, run: Run) -> None:
    before = record_bytes(built / "kb")
    edit(built / "notes" / "reading.md", CLIP_REMARK, NEW_CLIP_REMARK)

    result = run("build", "--check")

    assert result.exit_code == 1
    assert result.stdout == "would change kb/papers/2103.00020.yaml\n"
    assert stderr_lines(result) == ["1 record file out of date; run `vlmnotes build`"]
    assert record_bytes(built / "kb") == before
    # Still out of date: --check wrote nothing, not even what it parsed.
    assert run("build", "--check").exit_code == 1
    assert run("build").stderr == "3 papers from 2 notes (1 parsed): 0 created, 1 changed, 0 deleted\n"
    assert run("build", "--check").exit_code == 0


def test_check_lines_stay_whole_in_a_pipe(project: Path, cli: Run) -> None:
    kb = "knowledge-bases/for-the-vision-language-reading-group/shared-between-several-machines/kb"

    result = cli("--notes", "notes", "--kb", kb, "build", "--check")

    assert result.exit_code == 1
    assert result.stdout.splitlines() == [f"would create {kb}/papers/{name}" for name in RECORD_FILES]


# --- incremental builds -------------------------------------------------------------------------------------


def test_editing_a_note_reparses_only_that_note(built: Path, run: Run) -> None:
    before = record_bytes(built / "kb")
    edit(built / "notes" / "reading.md", CLIP_REMARK, NEW_CLIP_REMARK)

    result = run("build")

    assert result.exit_code == 0
    assert result.stderr == "3 papers from 2 notes (1 parsed): 0 created, 1 changed, 0 deleted\n"
    after = record_bytes(built / "kb")
    assert after["2102.05918.yaml"] == before["2102.05918.yaml"]
    assert after["2301.12597.yaml"] == before["2301.12597.yaml"]
    assert "zero-shot transfer by writing class names as prompts" in after["2103.00020.yaml"].decode()


def test_a_new_note_is_parsed_alone(built: Path, run: Run) -> None:
    (built / "notes" / "more.md").write_text(
        "# Later\n\n- [x] [LLaVA](https://arxiv.org/abs/2304.08485) - instruction tuning with generated data\n",
        encoding="utf-8",
    )

    result = run("build")

    assert result.exit_code == 0
    assert result.stderr == "4 papers from 3 notes (1 parsed): 1 created, 0 changed, 0 deleted\n"
    assert load_record(built / "kb", "2304.08485")["name"] == "LLaVA"


def test_list_and_show_bring_the_kb_up_to_date(built: Path, run: Run) -> None:
    edit(built / "notes" / "reading.md", "Fri, 26 Feb 2021", "Sat, 27 Feb 2021")

    listed = run("list", "--format", "json")

    assert listed.exit_code == 0
    assert listed.stderr == ""
    clip = next(r for r in json.loads(listed.stdout) if r["name"] == "CLIP")
    assert clip["date"] == "2021-02-27"
    assert load_record(built / "kb", "2103.00020")["date"] == "2021-02-27"

    edit(built / "notes" / "reading.md", "Sat, 27 Feb 2021", "Sun, 28 Feb 2021")

    shown = run("show", "CLIP", "--format", "json")

    assert shown.exit_code == 0
    assert json.loads(shown.stdout)[0]["date"] == "2021-02-28"
    assert load_record(built / "kb", "2103.00020")["date"] == "2021-02-28"


# --- hand edits ---------------------------------------------------------------------------------------------


def test_hand_edit_survives_builds_and_is_pinned(built: Path, run: Run) -> None:
    kb = built / "kb"
    record = kb / "papers" / "2103.00020.yaml"
    edit(record, "orgs:\n- OpenAI\n", "orgs:\n- OpenAI Research\n")

    result = run("build")

    assert result.exit_code == 0
    clip = load_record(kb, "2103.00020")
    assert clip["orgs"] == ["OpenAI Research"]
    assert clip["pinned"] == ["orgs"]
    pinned_bytes = record.read_bytes()
    assert run("build").stderr == NOTHING_TO_DO
    assert record.read_bytes() == pinned_bytes

    # A later note change still updates the fields the user did not touch.
    edit(built / "notes" / "reading.md", "Fri, 26 Feb 2021", "Sat, 27 Feb 2021")
    edit(built / "notes" / "reading.md", CLIP_REMARK, NEW_CLIP_REMARK)

    result = run("build")

    assert result.exit_code == 0
    assert result.stderr == "3 papers from 2 notes (1 parsed): 0 created, 1 changed, 0 deleted\n"
    clip = load_record(kb, "2103.00020")
    assert clip["orgs"] == ["OpenAI Research"]
    assert clip["pinned"] == ["orgs"]
    assert clip["date"] == "2021-02-27"
    assert "zero-shot transfer by writing class names as prompts" in clip["sources"][0]["text"]

    # Deleting the record file hands every field back to the notes.
    record.unlink()

    result = run("build")

    assert result.exit_code == 0
    clip = load_record(kb, "2103.00020")
    assert clip["orgs"] == ["OpenAI"]
    assert "pinned" not in clip


def test_removing_a_field_from_pinned_hands_it_back(built: Path, run: Run) -> None:
    kb = built / "kb"
    record = kb / "papers" / "2103.00020.yaml"
    edit(record, "orgs:\n- OpenAI\n", "orgs:\n- OpenAI Research\n")
    run("build")
    edit(record, "pinned:\n- orgs\n", "")

    result = run("build")

    assert result.exit_code == 0
    clip = load_record(kb, "2103.00020")
    assert clip["orgs"] == ["OpenAI"]
    assert "pinned" not in clip


def test_record_no_longer_in_the_notes_is_deleted(built: Path, run: Run) -> None:
    edit(built / "notes" / "reading.md", ALIGN_ENTRY, "")

    result = run("build")

    assert result.exit_code == 0
    assert result.stderr == "2 papers from 2 notes (1 parsed): 0 created, 0 changed, 1 deleted\n"
    assert not (built / "kb" / "papers" / "2102.05918.yaml").exists()


def test_hand_edited_record_no_longer_in_the_notes_is_kept(built: Path, run: Run) -> None:
    record = built / "kb" / "papers" / "2102.05918.yaml"
    edit(record, "orgs:\n- Google\n", "orgs:\n- Google Research\n")
    kept = record.read_bytes()
    edit(built / "notes" / "reading.md", ALIGN_ENTRY, "")

    result = run("build")

    assert result.exit_code == 0
    assert result.stderr == (
        "2 papers from 2 notes (1 parsed): 0 created, 0 changed, 0 deleted, "
        "1 kept (hand-made or hand-edited, no longer in the notes)\n"
    )
    assert record.read_bytes() == kept
    listed = run("list", "--format", "json")
    assert [r["name"] for r in json.loads(listed.stdout)] == ["ALIGN", "CLIP", "BLIP-2"]


def test_hand_made_record_is_kept_and_listed(built: Path, run: Run) -> None:
    record = built / "kb" / "papers" / "my-own-model.yaml"
    record.write_text("id: my-own-model\nname: MyOwnModel\nyear: 2024\n", encoding="utf-8")

    result = run("build")

    assert result.exit_code == 0
    assert result.stderr == (
        "3 papers from 2 notes (0 parsed): 0 created, 0 changed, 0 deleted, "
        "1 kept (hand-made or hand-edited, no longer in the notes)\n"
    )
    assert record.read_text("utf-8") == "id: my-own-model\nname: MyOwnModel\nyear: 2024\n"
    shown = run("show", "MyOwnModel", "--format", "json")
    assert shown.exit_code == 0
    assert json.loads(shown.stdout)[0]["id"] == "my-own-model"


# --- atomic writes ------------------------------------------------------------------------------------------


def test_builds_leave_no_temporary_files(built: Path, run: Run) -> None:
    edit(built / "notes" / "reading.md", CLIP_REMARK, NEW_CLIP_REMARK)
    run("build")

    files = _all_files(built / "kb")
    assert [f for f in files if "tmp" in f.lower()] == []
    assert [f for f in files if f.startswith("papers/")] == [f"papers/{name}" for name in RECORD_FILES]


def test_a_failed_write_keeps_the_old_record_whole(built: Path, run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    before = record_bytes(built / "kb")
    edit(built / "notes" / "reading.md", CLIP_REMARK, NEW_CLIP_REMARK)

    def disk_full(src: object, dst: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with monkeypatch.context() as patch:
        patch.setattr(os, "replace", disk_full)
        result = run("build")

    assert result.exit_code == 1
    assert stderr_lines(result) == [f"error: kb: cannot write the knowledge base ({os.strerror(errno.ENOSPC)})"]
    assert record_bytes(built / "kb") == before
    assert sorted(p.name for p in (built / "kb" / "papers").iterdir()) == RECORD_FILES
    # The next build, with room on the disk, catches up.
    assert run("build").stderr == "3 papers from 2 notes (1 parsed): 0 created, 1 changed, 0 deleted\n"


def test_record_files_get_the_usual_file_permissions(built: Path) -> None:
    plain = built / "kb" / "papers" / "plain.txt"
    plain.write_text("made the ordinary way\n", encoding="utf-8")
    usual = plain.stat().st_mode & 0o777

    modes = {p.name: p.stat().st_mode & 0o777 for p in (built / "kb" / "papers").glob("*.yaml")}

    assert modes == {name: usual for name in RECORD_FILES}


# --- broken record files ----------------------------------------------------------------------------------
#
# Whether these lines start with `error: ` (as the README's example shows) is asserted once, in
# test_record_errors_read_as_the_readme_shows; the other tests check the message itself.

BROKEN = "id: x\nname: X\n  title: indented too far\n"
BROKEN_X = re.compile(r"^kb/papers/x\.yaml:3: not valid YAML: .+; fix the file or delete it to rebuild$")
YAER = "kb/papers/2103.00020.yaml:6: unknown field 'yaer' (did you mean 'year'?)"


def _message(line: str) -> str:
    return line.removeprefix("error: ")


def _names_listed(stdout: str) -> list[str]:
    return [row.split("\t")[1] for row in stdout.splitlines()[1:]]


def test_record_errors_read_as_the_readme_shows(built: Path, run: Run) -> None:
    edit(built / "kb" / "papers" / "2103.00020.yaml", "year: 2021\n", "yaer: 2021\n")

    result = run("build")

    assert result.exit_code == 1
    assert stderr_lines(result)[0] == f"error: {YAER}"


def test_broken_yaml_record_is_reported_by_list_and_the_rest_still_lists(built: Path, run: Run) -> None:
    (built / "kb" / "papers" / "x.yaml").write_text(BROKEN, encoding="utf-8")

    result = run("list")

    assert result.exit_code == 1
    [line] = stderr_lines(result)
    assert BROKEN_X.match(_message(line)), line
    assert _names_listed(result.stdout) == ["ALIGN", "CLIP", "BLIP-2"]


def test_broken_yaml_record_does_not_stop_show(built: Path, run: Run) -> None:
    (built / "kb" / "papers" / "x.yaml").write_text(BROKEN, encoding="utf-8")

    result = run("show", "ALIGN", "--format", "json")

    assert result.exit_code == 0
    assert json.loads(result.stdout)[0]["name"] == "ALIGN"
    [line] = stderr_lines(result)
    assert BROKEN_X.match(_message(line)), line


def test_build_reports_a_broken_record_and_leaves_it_alone(built: Path, run: Run) -> None:
    (built / "kb" / "papers" / "x.yaml").write_text(BROKEN, encoding="utf-8")

    result = run("build")

    assert result.exit_code == 1
    lines = stderr_lines(result)
    assert BROKEN_X.match(_message(lines[0])), lines
    assert lines[1:] == [NOTHING_TO_DO.rstrip("\n")]
    assert (built / "kb" / "papers" / "x.yaml").read_text("utf-8") == BROKEN


def test_build_never_overwrites_a_broken_generated_record(built: Path, run: Run) -> None:
    record = built / "kb" / "papers" / "2103.00020.yaml"
    edit(record, "name: CLIP\n", "name: CLIP\n  nickname: the contrastive one\n")
    broken = record.read_bytes()
    before = record_bytes(built / "kb")
    edit(built / "notes" / "reading.md", "Fri, 26 Feb 2021", "Sat, 27 Feb 2021")
    edit(built / "notes" / "reading.md", "ALIGN (Google)", "ALIGN (Google Research)")

    result = run("build")

    assert result.exit_code == 1
    assert re.match(r"^kb/papers/2103\.00020\.yaml:3: not valid YAML: ", _message(stderr_lines(result)[0]))
    assert record.read_bytes() == broken
    after = record_bytes(built / "kb")
    assert after["2102.05918.yaml"] != before["2102.05918.yaml"]  # the other records are still built
    assert run("show", "ALIGN", "--format", "json").exit_code == 0


def test_unknown_field_in_a_record_names_the_line_and_the_fix(built: Path, run: Run) -> None:
    record = built / "kb" / "papers" / "2103.00020.yaml"
    edit(record, "year: 2021\n", "yaer: 2021\n")
    typo = record.read_bytes()

    built_again = run("build")

    assert built_again.exit_code == 1
    assert _message(stderr_lines(built_again)[0]) == YAER
    assert record.read_bytes() == typo

    listed = run("list")

    assert listed.exit_code == 1
    assert [_message(line) for line in stderr_lines(listed)] == [YAER]
    assert _names_listed(listed.stdout) == ["ALIGN", "BLIP-2"]


def test_list_shows_a_hand_edit_at_once(built: Path, run: Run) -> None:
    run("list")  # the index now knows the built records
    path = built / "kb" / "papers" / "2103.00020.yaml"
    save_as_editor(path, path.read_text("utf-8").replace("orgs:\n- OpenAI\n", "orgs:\n- OpenAI Research\n"))

    listed = run("list", "--format", "json")
    shown = run("show", "CLIP", "--format", "json")

    assert json.loads(shown.stdout)[0]["orgs"] == ["OpenAI Research"]
    clip = next(r for r in json.loads(listed.stdout) if r["name"] == "CLIP")
    assert clip["orgs"] == ["OpenAI Research"]


def test_a_hand_edit_saved_in_place_is_shown_after_the_next_build(built: Path, run: Run) -> None:
    # A search checks the papers folder's stamp only (one stat at any size), which an edit in place leaves
    # as it was; `vlmnotes build` compares every record file and reads it.
    run("list")
    edit(built / "kb" / "papers" / "2103.00020.yaml", "orgs:\n- OpenAI\n", "orgs:\n- OpenAI Research\n")

    assert run("build").exit_code == 0
    assert json.loads(run("show", "CLIP", "--format", "json").stdout)[0]["orgs"] == ["OpenAI Research"]


@pytest.mark.parametrize(
    ("line", "field", "value"),
    [
        ("arxiv_id: 2103.00020", "arxiv_id", "2103.00020"),  # YAML alone would read the float 2103.0002
        ("arxiv_id: 2103.00020v2", "arxiv_id", "2103.00020"),
        ("arxiv_id: arXiv:2303.15343", "arxiv_id", "2303.15343"),
        ("arxiv_id: math.GT/0309136", "arxiv_id", "math/0309136"),
        ("date: 2021-02-26", "date", "2021-02-26"),  # not a datetime.date
        ("name: 2021", "name", "2021"),
    ],
)
def test_a_hand_written_value_is_read_as_the_text_it_is(line: str, field: str, value: str) -> None:
    from vlmnotes.store import parse_record

    paper = parse_record(f"id: x\n{line}\n", "x.yaml")
    assert getattr(paper, field) == value
