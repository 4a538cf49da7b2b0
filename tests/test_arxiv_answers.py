"""arXiv answers that cannot be trusted, end to end against the fake API of test_enrich.py (127.0.0.1, no network).

A request has a wall-clock limit: an answer trickled a byte at a time (each byte well within a socket timeout)
is given up at the limit, not read for ever. A body cut short (by its Content-Length or in the middle of the
XML) is one error line and stores nothing. An answer holding an entry nobody asked for never overwrites that
paper's stored data, nor makes the paper asked for "not found"; an empty answer to a refresh never makes papers
found before "not found". The same holds for `enrich`, `enrich --resolve` and `add`.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

import test_enrich
from conftest import Run, load_record, record_bytes
from test_enrich import (
    ALL_IDS,
    QUILL,
    SEARCH,
    FakeArxiv,
    down,
    enrich_run,
    fetched,
    made_up_entry,
    point_at,
    summary,
)
from vlmnotes import enrich

LIMIT = 0.1  # seconds a request may take in these tests
RETRY = "retry later, or use --offline"

api, lookups, notes = test_enrich.api, test_enrich.lookups, test_enrich.notes  # the fixtures, shared


@pytest.fixture
def quick(monkeypatch: pytest.MonkeyPatch, api: FakeArxiv) -> FakeArxiv:
    """The fake API with a short time limit and no retries."""
    point_at(monkeypatch, api.url, retries=0, timeout=LIMIT)
    return api


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    """A knowledge base folder for the library calls, which need no notes."""
    return tmp_path / "kb"


def enrich_ids(kb: Path, *ids: str, refresh: bool = False) -> enrich.EnrichReport:
    """The library call under `vlmnotes enrich`, with no delay between requests."""
    return enrich.enrich(kb, list(ids), refresh=refresh, polite=enrich.Politeness(delay=0))


def kb_bytes(kb: Path) -> tuple[dict[str, bytes], bytes | None]:
    """The record files and kb/arxiv.jsonl, to show that nothing stored changed."""
    jsonl = kb / "arxiv.jsonl"
    return record_bytes(kb), jsonl.read_bytes() if jsonl.exists() else None


# --- a time limit for the whole request ---------------------------------------------------------------------------


def test_an_answer_trickled_a_byte_at_a_time_is_given_up_at_the_time_limit(
    notes: Path, run: Run, quick: FakeArxiv
) -> None:
    assert run("build").exit_code == 0
    quick.modes["2103.00020"] = ["trickle"]  # a byte every 0.02 s: no socket timeout ever trips
    started = time.monotonic()
    code, err, out = enrich_run(run, "CLIP")
    took = time.monotonic() - started
    assert (code, err, out) == (1, [down(quick.url, "2103.00020", f"no complete answer within {LIMIT:g} s", 1)], "")
    assert took < LIMIT + 0.5  # the trickle itself would take a minute
    assert not (notes / "kb" / "arxiv.jsonl").exists()


@pytest.mark.parametrize("mode", ["trickle", "trickle-headers"], ids=["body", "headers"])
def test_the_library_call_keeps_to_the_time_limit_too(kb: Path, quick: FakeArxiv, mode: str) -> None:
    quick.modes["2201.00042"] = [mode]
    started = time.monotonic()
    report = enrich_ids(kb, "2201.00042")
    assert time.monotonic() - started < LIMIT + 0.3
    assert report.errors == [
        down(quick.url, "2201.00042", f"no complete answer within {LIMIT:g} s", 1).removeprefix("error: ")
    ]
    assert report.failed == ["2201.00042"]
    assert not (kb / "arxiv.jsonl").exists()


def test_the_time_limit_is_per_request_and_each_retry_gets_its_own(
    kb: Path, api: FakeArxiv, monkeypatch: pytest.MonkeyPatch
) -> None:
    point_at(monkeypatch, api.url, retries=1, timeout=LIMIT)
    api.modes["2201.00042"] = ["trickle", "ok"]
    assert enrich_ids(kb, "2201.00042").enriched == ["2201.00042"]
    assert len(api.requests) == 2  # the trickled answer given up, the next one read whole


# --- a body cut short ---------------------------------------------------------------------------------------------


def test_a_body_shorter_than_its_content_length_is_one_line_and_keeps_what_was_stored(
    notes: Path, run: Run, quick: FakeArxiv
) -> None:
    assert enrich_run(run, "2201.00042")[0] == 0
    before = kb_bytes(notes / "kb")
    quick.modes["2201.00042"] = ["short"]
    full = len(quick.answer("ok", ["2201.00042"], 0, 1)[2])
    code, err, out = enrich_run(run, "2201.00042", "--refresh")
    assert (code, out) == (1, "")
    assert err == [f"error: arXiv's answer for 2201.00042 was cut off ({full // 2} of {full} bytes arrived); {RETRY}"]
    assert len(quick.requests) == 2  # not retried
    assert kb_bytes(notes / "kb") == before


def test_a_feed_cut_in_the_middle_of_the_xml_stores_nothing(notes: Path, run: Run, quick: FakeArxiv) -> None:
    quick.modes["2201.00042"] = ["truncated"]
    code, err, _ = enrich_run(run, "2201.00042")
    assert code == 1
    assert len(err) == 1
    assert err[0].startswith("error: arXiv's answer for 2201.00042 is not a complete feed (")
    assert err[0].endswith(f"); {RETRY}")
    assert not (notes / "kb" / "arxiv.jsonl").exists()


# --- entries nobody asked for -------------------------------------------------------------------------------------


def test_an_entry_not_asked_for_neither_overwrites_its_paper_nor_makes_the_one_asked_for_not_found(
    notes: Path, run: Run, api: FakeArxiv
) -> None:
    kb = notes / "kb"
    assert enrich_run(run, "CLIP")[0] == 0
    before = kb_bytes(kb)
    api.entries["2103.00020"] = made_up_entry("2103.00020", "Some Other Title", comment="Not what was asked")
    api.modes["2201.00042"] = ["foreign:2103.00020"]
    code, err, out = enrich_run(run, "2201.00042")
    assert (code, err, out) == (
        1,
        [
            "error: arXiv's answer for 2201.00042 held 2103.00020, which was not asked for; ignored it; "
            f"2201.00042 not marked not found ({RETRY})"
        ],
        "",
    )
    assert kb_bytes(kb) == before
    assert "2201.00042" not in fetched(kb)


def test_an_entry_besides_those_asked_for_is_ignored(kb: Path, api: FakeArxiv) -> None:
    assert enrich_ids(kb, "2103.00020").enriched == ["2103.00020"]
    clip = fetched(kb)["2103.00020"]
    api.entries["2103.00020"] = made_up_entry("2103.00020", "Some Other Title")
    api.modes["2201.00042"] = ["extra:2103.00020"]
    report = enrich_ids(kb, "2201.00042")
    assert (report.enriched, report.failed, report.errors) == (["2201.00042"], [], [])
    assert fetched(kb)["2103.00020"] == clip
    assert fetched(kb)["2201.00042"]["authors"][0] == "Jörg Wübben"


# --- an empty answer to a refresh ---------------------------------------------------------------------------------


def test_an_empty_answer_to_a_refresh_keeps_every_paper_found_before(notes: Path, run: Run, api: FakeArxiv) -> None:
    kb = notes / "kb"
    assert enrich_run(run, "--all")[:2] == (0, [summary(3, 0, ["2112.99999"], 0)])
    before = kb_bytes(kb)
    api.modes["2103.00020"] = ["empty"]
    code, err, out = enrich_run(run, "--all", "--refresh")
    assert (code, out) == (1, "")
    assert err == [
        "error: arXiv's answer for 2103.00020, 2112.99999, 2201.00042… was empty, though arXiv had 2103.00020, "
        "2201.00042, astro-ph/0601001 before; kept what was fetched, nothing marked not found (retry later with "
        "--refresh)"
    ]
    assert api.asked == [ALL_IDS, ALL_IDS]
    assert kb_bytes(kb) == before
    assert fetched(kb)["2103.00020"]["status"] == "found"


def test_an_answer_leaving_out_a_paper_found_before_marks_none_not_found(kb: Path, api: FakeArxiv) -> None:
    assert enrich_ids(kb, *ALL_IDS).not_found == ["2112.99999"]
    before = fetched(kb)
    del api.entries["2201.00042"]  # arXiv hiccups: the answer lacks a paper it had
    report = enrich_ids(kb, *ALL_IDS, refresh=True)
    assert report.errors == [
        "arXiv's answer for 2103.00020, 2112.99999, 2201.00042… left out 2201.00042, found before; kept what was "
        "fetched, nothing marked not found (retry later with --refresh)"
    ]
    assert (report.unchanged, report.failed, report.not_found) == (
        ["2103.00020", "astro-ph/0601001"],
        ["2112.99999", "2201.00042"],
        [],
    )
    assert fetched(kb) == before


# --- the same rules for title searches (enrich --resolve) ---------------------------------------------------------


def test_an_empty_search_answer_to_a_refresh_keeps_the_link_found_before(
    lookups: Path, run: Run, api: FakeArxiv
) -> None:
    kb = lookups
    assert enrich_run(run, "--resolve", "QuillBridge")[0] == 0
    before = kb_bytes(kb), (kb / "resolved.json").read_bytes()
    api.modes[SEARCH["quillbridge"]] = ["empty"]
    code, _, out = enrich_run(run, "--resolve", "QuillBridge", "--refresh")
    assert (code, out) == (
        0,
        f"kb/papers/2302.00101.yaml: {QUILL}; arXiv's answer was empty this time; kept what was found before "
        "(retry later)\n",
    )
    assert (kb_bytes(kb), (kb / "resolved.json").read_bytes()) == before
    assert load_record(kb, "2302.00101")["arxiv_id"] == "2302.00101"


def test_a_search_answer_never_overwrites_what_was_fetched_by_id(lookups: Path, run: Run, api: FakeArxiv) -> None:
    kb = lookups
    assert enrich_run(run, "--resolve", "QuillBridge")[0] == 0
    stored = fetched(kb)["2302.00101"]
    entry = api.entries["2302.00101"]
    api.entries["2302.00101"] = entry.replace("</summary>", " Revised.</summary>")
    assert enrich_run(run, "--resolve", "QuillBridge", "--refresh")[0] == 0
    assert fetched(kb)["2302.00101"] == stored
    assert enrich_run(run, "2302.00101", "--refresh")[:2] == (0, [summary(1, 0, [], 0)])
    assert fetched(kb)["2302.00101"]["abstract"].endswith(" Revised.")


# --- and for `vlmnotes add` ---------------------------------------------------------------------------------------


NEW = "2301.00007"  # a paper the notes do not have


@pytest.fixture
def inbox(notes: Path, run: Run, api: FakeArxiv) -> Path:
    """notes/ built into kb/, and NEW known to the API; the inbox note `add` would write."""
    assert run("build").exit_code == 0
    api.entries[NEW] = made_up_entry(NEW, "A Paper to Add")
    return notes / "notes" / "inbox.md"


def test_add_ignores_an_entry_not_asked_for_and_adds_nothing(
    notes: Path, run: Run, api: FakeArxiv, inbox: Path
) -> None:
    assert enrich_run(run, "CLIP")[0] == 0
    before = kb_bytes(notes / "kb")
    api.entries["2103.00020"] = made_up_entry("2103.00020", "Some Other Title")
    api.modes[NEW] = ["foreign:2103.00020"]
    result = run("add", NEW)
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        f"error: arXiv's answer for {NEW} held 2103.00020, which was not asked for; ignored it; "
        "nothing added; retry later, or add it with --offline\n"
    )
    assert not inbox.exists()
    assert kb_bytes(notes / "kb") == before


@pytest.mark.parametrize("mode", ["trickle", "short"])
def test_add_gives_up_on_a_trickle_or_a_cut_body_in_one_line(
    notes: Path, run: Run, quick: FakeArxiv, inbox: Path, mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = kb_bytes(notes / "kb")
    quick.modes[NEW] = [mode]
    if mode == "short":  # a cut body is found however long it takes: no time limit a loaded machine could hit first
        point_at(monkeypatch, quick.url, retries=0, timeout=30)
    result = run("add", NEW)
    assert (result.exit_code, result.stdout) == (1, "")
    full = len(quick.answer("ok", [NEW], 0, 1)[2])
    assert result.stderr == (
        down(quick.url, NEW, f"no complete answer within {LIMIT:g} s", 1) + "\n"
        if mode == "trickle"
        else f"error: arXiv's answer for {NEW} was cut off ({full // 2} of {full} bytes arrived); {RETRY}\n"
    )
    assert not inbox.exists()
    assert kb_bytes(notes / "kb") == before == (record_bytes(notes / "kb"), None)
