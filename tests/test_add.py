"""`vlmnotes add`: an entry for an arXiv paper appended to a note in that note's own style.

The paper is looked up on the fake arXiv API of test_enrich.py (127.0.0.1, synthetic feeds); nothing here
touches the network.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import Run, write_notes
from test_enrich import FakeArxiv, point_at, synthetic_entries

TITLE = "FrozenTower: Aligning Frozen Image and Text Towers & Nothing Else"
URL = "https://arxiv.org/abs/2201.00042"
DATED = f"- Mon, 3 Jan 2022 [{TITLE}]({URL})\n"

READING_MD = """\
# Reading

- Fri, 26 Feb 2021 [Learning Transferable Visual Models From Natural Language Supervision](https://arxiv.org/abs/2103.00020)
  - CLIP (OpenAI), contrastive image and text towers
"""


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeArxiv]:
    server = FakeArxiv(synthetic_entries())
    point_at(monkeypatch, server.url)
    yield server
    server.stop()


@pytest.fixture
def notes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """tmp_path as the working directory, with notes/reading.md (CLIP) and no inbox yet."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("VLMNOTES_NOTES", raising=False)
    monkeypatch.delenv("VLMNOTES_KB", raising=False)
    write_notes(tmp_path / "notes", {"reading.md": READING_MD})
    return tmp_path


def listed(run: Run) -> dict[str, dict[str, object]]:
    """`list --format json` as arXiv id → record."""
    result = run("list", "--format", "json")
    assert result.exit_code == 0, result.output
    return {r["arxiv_id"]: r for r in json.loads(result.stdout) if r.get("arxiv_id")}


def note_bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def test_add_looks_the_paper_up_appends_to_the_inbox_and_rebuilds(notes: Path, run: Run, api: FakeArxiv) -> None:
    result = run("add", "2201.00042")
    assert result.exit_code == 0, result.output
    assert result.stdout == DATED
    assert result.stderr == "added to notes/inbox.md:3 (dated-bullet)\n"
    assert api.asked == [["2201.00042"]]
    assert (notes / "notes" / "inbox.md").read_text("utf-8") == f"# Inbox\n\n{DATED}"
    record = listed(run)["2201.00042"]
    assert record["title"] == TITLE
    assert record["date"] == "2022-01-03"
    assert record["authors"] == ["Jörg Wübben", "Ana Sofía Peña", "李雷"]  # what add fetched is kept
    assert json.loads((notes / "kb" / "arxiv.jsonl").read_text("utf-8"))["id"] == "2201.00042"


def test_add_appends_after_the_last_entry_of_an_existing_inbox(notes: Path, run: Run, api: FakeArxiv) -> None:
    inbox = "# Inbox\n\n- Mon, 4 Jan 2021 [Synthetic Paper One](https://arxiv.org/abs/2101.00001)\n\n\n"
    write_notes(notes / "notes", {"inbox.md": inbox})
    result = run("add", f"{URL}v3")
    assert result.exit_code == 0, result.output
    assert result.stderr == "added to notes/inbox.md:4 (dated-bullet)\n"
    assert (notes / "notes" / "inbox.md").read_text("utf-8") == (
        f"# Inbox\n\n- Mon, 4 Jan 2021 [Synthetic Paper One](https://arxiv.org/abs/2101.00001)\n{DATED}"
    )
    assert {"2101.00001", "2201.00042"} <= set(listed(run))


def test_add_offline_writes_the_id_alone_without_a_request(notes: Path, run: Run, api: FakeArxiv) -> None:
    result = run("add", "2201.00042", "--offline")
    assert result.exit_code == 0, result.output
    entry = f"- [2022.01] [arXiv:2201.00042]({URL})\n"
    assert result.stdout == entry
    assert result.stderr == "added to notes/inbox.md:3 (dated-bullet)\n"
    assert api.requests == []
    assert (notes / "notes" / "inbox.md").read_text("utf-8") == f"# Inbox\n\n{entry}"
    assert "2201.00042" in listed(run)


def test_add_tag_makes_the_heading_when_it_is_missing(notes: Path, run: Run, api: FakeArxiv) -> None:
    write_notes(
        notes / "notes", {"inbox.md": "# Inbox\n\n- Mon, 4 Jan 2021 [Paper One](https://arxiv.org/abs/2101.00001)\n"}
    )
    result = run("add", "2201.00042", "--tag", "Vision-Language Models")
    assert result.exit_code == 0, result.output
    assert result.stderr == "added to notes/inbox.md:7 (dated-bullet)\n"
    assert (notes / "notes" / "inbox.md").read_text("utf-8") == (
        "# Inbox\n\n- Mon, 4 Jan 2021 [Paper One](https://arxiv.org/abs/2101.00001)\n\n"
        f"## Vision-Language Models\n\n{DATED}"
    )
    assert "Vision-Language Models" in listed(run)["2201.00042"]["tags"]  # type: ignore[operator]


def test_add_tag_reuses_a_heading_that_is_there(notes: Path, run: Run, api: FakeArxiv) -> None:
    inbox = (
        "# Inbox\n\n## Vision\n\n- Mon, 4 Jan 2021 [Paper One](https://arxiv.org/abs/2101.00001)\n\n"
        "## Audio\n\n- Tue, 5 Jan 2021 [Paper Two](https://arxiv.org/abs/2101.00002)\n"
    )
    write_notes(notes / "notes", {"inbox.md": inbox})
    result = run("add", "2201.00042", "--tag", "Vision")
    assert result.exit_code == 0, result.output
    assert result.stderr == "added to notes/inbox.md:6 (dated-bullet)\n"
    assert (notes / "notes" / "inbox.md").read_text("utf-8") == (
        f"# Inbox\n\n## Vision\n\n- Mon, 4 Jan 2021 [Paper One](https://arxiv.org/abs/2101.00001)\n{DATED}\n"
        "## Audio\n\n- Tue, 5 Jan 2021 [Paper Two](https://arxiv.org/abs/2101.00002)\n"
    )
    assert (notes / "notes" / "inbox.md").read_text("utf-8").count("## Vision") == 1
    record = listed(run)["2201.00042"]
    assert "Vision" in record["tags"]  # type: ignore[operator]
    assert "Audio" not in record["tags"]  # type: ignore[operator]


CHECKLIST_MD = """\
# To read

- [ ] [Synthetic Paper One](https://arxiv.org/abs/2101.00001)
- [x] [Synthetic Paper Two](https://arxiv.org/abs/2101.00002) - read it twice
"""

CARDS_MD = """\
# 阅读卡片

### 1. Synthetic Paper One

- **SPOne**

- **作者: 张三、李四**

- **终版提交: 2021.01**

### 2. Synthetic Paper Two

- **SPTwo**

- **作者: 王五**

- **终版提交: 2021.02**
"""

BRACKET_MD = """\
## LLMs that look at pictures

- [[SPOne](https://arxiv.org/abs/2101.00001)] Synthetic Paper One.
- [[SPTwo](https://arxiv.org/abs/2101.00002)] Synthetic Paper Two.[[code](https://github.com/example/sptwo)]
"""


@pytest.mark.parametrize(
    ("name", "text", "style", "entry", "line"),
    [
        ("todo.md", CHECKLIST_MD, "checklist", f"- [ ] [{TITLE}]({URL})\n", 5),
        (
            "cards.md",
            CARDS_MD,
            "review-card",
            f"### 3. [{TITLE}]({URL})\n\n- **FrozenTower**\n\n- **作者: Jörg Wübben、Ana Sofía Peña、李雷**\n\n"
            "- **终版提交: 2022.01**\n",
            19,
        ),
        ("list.md", BRACKET_MD, "bracket-list", f"- [[FrozenTower]({URL})] {TITLE}.\n", 5),
    ],
    ids=["checklist", "review-card", "bracket-list"],
)
def test_add_to_a_note_writes_the_entry_in_that_notes_style(
    notes: Path, run: Run, api: FakeArxiv, name: str, text: str, style: str, entry: str, line: int
) -> None:
    write_notes(notes / "notes", {name: text})
    result = run("add", "2201.00042", "--note", f"notes/{name}")
    assert result.exit_code == 0, result.output
    assert result.stderr == f"added to notes/{name}:{line} ({style})\n"
    assert result.stdout == entry
    gap = "\n" if style == "review-card" else ""
    assert (notes / "notes" / name).read_text("utf-8") == text + gap + entry
    assert not (notes / "notes" / "inbox.md").exists()
    record = listed(run)["2201.00042"]
    assert record["sources"][0]["file"] == name  # type: ignore[index]
    assert record["sources"][0]["style"] == style  # type: ignore[index]


@pytest.mark.parametrize("ident", ["2103.00020", "https://arxiv.org/abs/2103.00020v2"])
def test_adding_a_paper_already_there_names_the_entry_and_changes_nothing(
    notes: Path, run: Run, api: FakeArxiv, ident: str
) -> None:
    assert run("build").exit_code == 0
    before_notes = note_bytes(notes / "notes")
    before_kb = note_bytes(notes / "kb" / "papers")
    result = run("add", ident)
    assert result.exit_code == 1
    assert result.stderr == ("error: arXiv 2103.00020 is already in the knowledge base as 'CLIP' (reading.md:3)\n")
    assert result.stdout == ""
    assert note_bytes(notes / "notes") == before_notes
    assert note_bytes(notes / "kb" / "papers") == before_kb
    assert not (notes / "kb" / "arxiv.jsonl").exists()
    assert api.requests == []


@pytest.mark.parametrize("ident", ["2113.00020", "not-an-id", "https://example.org/abs/2201.00042"])
def test_a_malformed_id_is_a_usage_error(notes: Path, run: Run, api: FakeArxiv, ident: str) -> None:
    result = run("add", ident)
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: '{ident}' is not an arXiv id or URL (e.g. 2103.00020 or https://arxiv.org/abs/2103.00020)\n"
    )
    assert api.requests == []
    assert not (notes / "notes" / "inbox.md").exists()


def test_an_unknown_paper_is_one_error_line_and_no_entry(notes: Path, run: Run, api: FakeArxiv) -> None:
    result = run("add", "2112.99999")
    assert result.exit_code == 1
    assert result.stderr == "error: arXiv has no paper 2112.99999; check the id (or add it with --offline)\n"
    assert not (notes / "notes" / "inbox.md").exists()


GB_MD = """\
# 读过的论文

- Mon, 4 Jan 2021 [Synthetic Paper One](https://arxiv.org/abs/2101.00001)
  - 冻结图像编码器和语言模型，只训练中间的轻量模块
"""


def test_a_gb18030_note_stays_gb18030(notes: Path, run: Run, api: FakeArxiv) -> None:
    path = notes / "notes" / "gb.md"
    path.write_bytes(GB_MD.encode("gb18030"))
    result = run("add", "2201.00042", "--note", "notes/gb.md")
    assert result.exit_code == 0, result.output
    assert result.stderr == "added to notes/gb.md:5 (dated-bullet)\n"
    data = path.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert data.decode("gb18030") == GB_MD + DATED
    assert data == (GB_MD + DATED).encode("gb18030")
    assert "2201.00042" in listed(run)
