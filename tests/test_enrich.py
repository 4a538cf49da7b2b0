"""arXiv enrichment end to end, against a fake arXiv API on 127.0.0.1 (no network, no /work/shared needed).

The fake API (`FakeArxiv`) composes an Atom feed for each request's `id_list` (or title search) from the
`<entry>` elements of the synthetic feeds in tests/fixtures/arxiv/ (or of entries made up on the spot), and can
instead answer 503/429 with Retry-After, a 400 error feed, an empty feed, a truncated body, an answer slower than the
client's timeout, an answer trickled a byte at a time, a body shorter than its Content-Length, entries nobody asked
for, or stop listening altogether. It records every request, so a test can say how many were
made and what they asked for. When the recorded responses in /work/shared/fixtures/arxiv are there, an
acceptance test replays them through the same server.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape, unescape

import pytest

from conftest import Run, edit, load_record, record_bytes, write_notes
from vlmnotes import enrich, resolve
from vlmnotes.model import Conflict, ConflictValue, Paper

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "arxiv"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "arxiv"

_ENTRY = re.compile(r"<entry>.*?</entry>", re.S)
_ENTRY_ID = re.compile(r"<id>https?://arxiv\.org/abs/(.+?)(?:v\d+)?</id>")


# --- the fake arXiv API ---------------------------------------------------------------------------------------


def entries_in(paths: list[Path]) -> dict[str, str]:
    """arXiv id (without version) → the `<entry>…</entry>` text, from Atom feed files."""
    out: dict[str, str] = {}
    for path in paths:
        for entry in _ENTRY.findall(path.read_text("utf-8")):
            found = _ENTRY_ID.search(entry)
            if found:
                out[found[1]] = entry
    return out


def synthetic_entries() -> dict[str, str]:
    """The entries of tests/fixtures/arxiv/synthetic_*.xml."""
    return entries_in(sorted(FIXTURES.glob("synthetic_*.xml")))


def made_up_entry(arxiv_id: str, title: str, *, comment: str = "Synthetic entry") -> str:
    """An entry in the shape of the current API backend, for tests that need many papers."""
    return f"""<entry>
    <id>http://arxiv.org/abs/{arxiv_id}v1</id>
    <title>{escape(title)}</title>
    <updated>2021-01-05T10:00:00Z</updated>
    <link href="https://arxiv.org/abs/{arxiv_id}v1" rel="alternate" type="text/html"/>
    <link href="https://arxiv.org/pdf/{arxiv_id}v1" rel="related" type="application/pdf" title="pdf"/>
    <summary>An invented abstract for {arxiv_id}.</summary>
    <category term="cs.CV" scheme="http://arxiv.org/schemas/atom"/>
    <published>2021-01-04T10:00:00Z</published>
    <arxiv:comment>{escape(comment)}</arxiv:comment>
    <arxiv:primary_category term="cs.CV"/>
    <author>
      <name>Ada Synthetic</name>
    </author>
  </entry>"""


def feed(entries: list[str], ids: list[str], start: int, max_results: int) -> bytes:
    """A feed answering a query for `ids`: the header as arXiv writes it, then one page of entries."""
    id_list = escape(",".join(ids))
    head = f"""<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns:arxiv="http://arxiv.org/schemas/atom" \
xmlns="http://www.w3.org/2005/Atom">
  <id>https://arxiv.org/api/synthetic-test-server</id>
  <title>arXiv Query: search_query=&amp;id_list={id_list}&amp;start={start}&amp;max_results={max_results}</title>
  <updated>2026-01-05T10:00:00Z</updated>
  <link href="https://arxiv.org/api/query?search_query=&amp;start={start}&amp;max_results={max_results}\
&amp;id_list={id_list}" type="application/atom+xml"/>
  <opensearch:itemsPerPage>{max_results}</opensearch:itemsPerPage>
  <opensearch:totalResults>{len(entries)}</opensearch:totalResults>
  <opensearch:startIndex>{start}</opensearch:startIndex>
"""
    page = entries[start : start + max_results]
    return (head + "".join(f"  {e}\n" for e in page) + "</feed>\n").encode("utf-8")


@dataclass
class Request:
    """One request the fake API received."""

    ids: list[str]
    start: int
    max_results: int
    at: float
    path: str
    search: str = ""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # a handler may stop the server it runs in ("die")
    api: FakeArxiv


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: object) -> None:  # keep test output clean
        pass

    def do_GET(self) -> None:
        api = self.server.api
        url = urlsplit(self.path)
        query = parse_qs(url.query, keep_blank_values=True)
        ids = [i for i in query.get("id_list", [""])[0].split(",") if i]
        start = int(query.get("start", ["0"])[0])
        max_results = int(query.get("max_results", ["10"])[0])
        search = query.get("search_query", [""])[0]
        mode = api.received(Request(ids, start, max_results, time.monotonic(), self.path, search))
        status, headers, body = api.answer(mode, ids or api.search(search), start, max_results)
        if mode == "slow":
            time.sleep(api.slow)
        if mode == "die":
            api.die()  # this answer still goes out; every later request finds nothing listening
        head = f"HTTP/1.0 {status} {self.responses[status][0]}\r\n"
        head += "".join(f"{key}: {value}\r\n" for key, value in headers.items())
        head += f"Content-Length: {len(body)}\r\n\r\n"
        if mode == "short":
            body = body[: len(body) // 2]  # the connection drops half-way through what the header promised
        try:
            if mode == "trickle-headers":
                self.trickle(head.encode() + body)
            else:
                self.wfile.write(head.encode())
                if mode == "trickle":
                    self.trickle(body)
                else:
                    self.wfile.write(body)
        except OSError:  # the client gave up waiting (the slow and trickle cases)
            pass

    def trickle(self, data: bytes) -> None:
        """Send data a byte at a time, `api.trickle` seconds apart: never silent long enough for a socket timeout."""
        for n in range(len(data)):
            self.wfile.write(data[n : n + 1])
            time.sleep(self.server.api.trickle)


class FakeArxiv:
    """arXiv's query API on 127.0.0.1, answering from known entries; `modes` changes the answer per id.

    A mode list applies to every request whose id_list contains that id (or whose search_query is that
    text): its first mode is used up by one request, the last one stays.
    Modes: ok, empty, 400, 503, 503:SECONDS / 429:SECONDS (with Retry-After),
    truncated, slow (answers after `slow` seconds), die (answers, then stops listening),
    trickle (the body a byte every `trickle` seconds), trickle-headers (the whole answer so), short (half the
    body, with the whole body's Content-Length), foreign:ID (the entry of ID instead of those asked for),
    extra:ID (the entry of ID besides those asked for).
    """

    def __init__(self, entries: Mapping[str, str]) -> None:
        self.entries = dict(entries)
        self.modes: dict[str, list[str]] = {}
        self.requests: list[Request] = []
        self.slow = 0.6
        self.trickle = 0.02
        self.alive = True
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.api = self
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/api/query"

    @property
    def asked(self) -> list[list[str]]:
        """The id_list of every request, in order."""
        return [r.ids for r in self.requests]

    @property
    def searches(self) -> list[str]:
        """The search_query of every search request, in order."""
        return [r.search for r in self.requests if r.search]

    def search(self, query: str) -> list[str]:
        """The ids whose title has every word of a `ti:"…"` query; a word may be the start of a longer one,
        as arXiv's stemming finds `Tokens` for `Token`."""
        phrase = re.fullmatch(r'ti:"(.*)"', query)
        words = re.findall(r"\w+", (phrase[1] if phrase else query).lower())
        found = []
        for arxiv_id, entry in self.entries.items():
            title = re.search(r"<title>(.*?)</title>", entry, re.S)
            have = re.findall(r"\w+", unescape(title[1]).lower()) if title else []
            if words and all(any(h.startswith(w) for h in have) for w in words):
                found.append(arxiv_id)
        return found

    def received(self, request: Request) -> str:
        with self._lock:
            self.requests.append(request)
            for arxiv_id in request.ids or [request.search]:
                queue = self.modes.get(arxiv_id)
                if queue:
                    return queue.pop(0) if len(queue) > 1 else queue[0]
        return "ok"

    def answer(self, mode: str, ids: list[str], start: int, max_results: int) -> tuple[int, dict[str, str], bytes]:
        atom = {"Content-Type": "application/atom+xml; charset=utf-8"}
        kind, _, arg = mode.partition(":")
        if kind in ("503", "429"):
            headers = {"Content-Type": "text/plain"} | ({"Retry-After": arg} if arg else {})
            return int(kind), headers, b"Service Unavailable\n"
        if kind == "400":
            return 400, atom, (FIXTURES / "synthetic_error400.xml").read_bytes()
        if kind == "empty":
            return 200, atom, (FIXTURES / "synthetic_empty.xml").read_bytes()
        held = [i for i in ids if i in self.entries]
        held = {"foreign": [arg], "extra": [*held, arg]}.get(kind, held)
        body = feed([self.entries[i] for i in held], ids, start, max_results + (kind == "extra"))
        if kind == "truncated":
            body = body[: body.index(b"<entry>") + 60]  # the connection dropped inside the first entry
        return 200, atom, body

    def die(self) -> None:
        """Stop listening: later connections are refused."""
        self.alive = False
        self._server.shutdown()
        self._server.socket.close()

    def stop(self) -> None:
        if self.alive:
            self.alive = False
            self._server.shutdown()
            self._server.server_close()


def point_at(monkeypatch: pytest.MonkeyPatch, url: str, *, retries: int = 1, timeout: float = 2.0) -> None:
    """Send vlmnotes to this API address, with tiny waits."""
    monkeypatch.setenv("VLMNOTES_ARXIV_API", url)
    monkeypatch.setenv("VLMNOTES_ARXIV_BACKOFF", "0.01")
    monkeypatch.setenv("VLMNOTES_ARXIV_RETRIES", str(retries))
    monkeypatch.setenv("VLMNOTES_ARXIV_TIMEOUT", str(timeout))


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeArxiv]:
    """The fake API serving the synthetic feeds, with vlmnotes pointed at it."""
    server = FakeArxiv(synthetic_entries())
    point_at(monkeypatch, server.url)
    yield server
    server.stop()


def closed_port_url() -> str:
    """An API address where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/api/query"


# --- notes ------------------------------------------------------------------------------------------------------

CLIP_TITLE = "Learning Transferable Visual Models From Natural Language Supervision"

READING_MD = f"""\
# Reading

- Fri, 26 Feb 2021 [{CLIP_TITLE}](https://arxiv.org/abs/2103.00020)
  - CLIP (OpenAI), contrastive image and text towers
- Mon, 10 Jan 2022 [Notes on frozen towers](https://arxiv.org/abs/2201.00042)
- [A Synthetic Census of Hot Giant Planets](https://arxiv.org/abs/astro-ph/0601001)
"""

# A well-formed id arXiv does not know, and a link whose id cannot exist (month 13).
MORE_MD = """\
# More

- Wed, 1 Dec 2021 [A paper arXiv never heard of](https://arxiv.org/abs/2112.99999)
- [Impossible month](https://arxiv.org/abs/2113.00020)
"""

ALL_IDS = ["2103.00020", "2112.99999", "2201.00042", "astro-ph/0601001"]  # record id order


@pytest.fixture
def notes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """tmp_path as the working directory, with notes/reading.md and notes/more.md."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("VLMNOTES_NOTES", raising=False)
    monkeypatch.delenv("VLMNOTES_KB", raising=False)
    write_notes(tmp_path / "notes", {"reading.md": READING_MD, "more.md": MORE_MD})
    return tmp_path


BULK_IDS = [f"2101.{n:05d}" for n in range(1, 151)]


@pytest.fixture
def bulk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, api: FakeArxiv) -> list[str]:
    """150 papers in notes/bulk.md, each known to the fake API; their ids in record order."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("VLMNOTES_NOTES", raising=False)
    monkeypatch.delenv("VLMNOTES_KB", raising=False)
    lines = ["# Bulk", ""]
    for n, arxiv_id in enumerate(BULK_IDS, 1):
        lines.append(f"- Mon, 4 Jan 2021 [Synthetic Paper Number {n}](https://arxiv.org/abs/{arxiv_id})")
        api.entries[arxiv_id] = made_up_entry(arxiv_id, f"Synthetic Paper Number {n}")
    write_notes(tmp_path / "notes", {"bulk.md": "\n".join(lines) + "\n"})
    return BULK_IDS


def enrich_run(run: Run, *args: str) -> tuple[int, list[str], str]:
    """`enrich ARGS --delay 0`: exit code, stderr lines, stdout."""
    result = run("enrich", *args, "--delay", "0")
    assert "Traceback" not in result.output
    return result.exit_code, result.stderr.splitlines(), result.stdout


def fetched(kb: Path) -> dict[str, dict[str, object]]:
    """kb/arxiv.jsonl as id → record."""
    lines = (kb / "arxiv.jsonl").read_text("utf-8").splitlines()
    return {r["id"]: r for r in map(json.loads, lines)}


def down(url: str, asked: str, why: str, tries: int) -> str:
    """The error line of an API that gave no usable answer to any try."""
    after = f"{tries} tries" if tries > 1 else "1 try"
    return f"error: arXiv API at {url} failed for {asked} ({why}) after {after}; retry later, or use --offline"


def unreachable(url: str, asked: str) -> str:
    """The error line of an API nobody answers at (connection refused): said once, at the first try."""
    why = "cannot be reached (connection refused)"
    return f"error: arXiv API at {url} {why} for {asked}; check the network, or use --offline"


def summary(enriched: int, unchanged: int, not_found: list[str], failed: int) -> str:
    missing = f" ({', '.join(not_found)})" if not_found else ""
    return f"enriched {enriched}, unchanged {unchanged}, not found {len(not_found)}{missing}, failed {failed}"


# --- one paper ----------------------------------------------------------------------------------------------------


def test_enrich_one_paper_fills_what_the_notes_leave_out(notes: Path, run: Run, api: FakeArxiv) -> None:
    code, err, out = enrich_run(run, "2201.00042")
    assert (code, err, out) == (0, [summary(1, 0, [], 0)], "")
    assert api.asked == [["2201.00042"]]
    record = load_record(notes / "kb", "2201.00042")
    assert record["authors"] == ["Jörg Wübben", "Ana Sofía Peña", "李雷"]
    assert record["published"] == "2022-01-03"
    assert record["updated"] == "2022-02-14"
    assert record["categories"] == ["cs.CV", "cs.CL"]
    assert record["primary_category"] == "cs.CV"
    assert record["doi"] == "10.5555/synthetic.2022.042"
    assert record["journal_ref"] == "Journal of Synthetic Results 7 (2022) 1-20"
    assert record["abstract"] == (
        "An invented paper for the vlmnotes tests: both towers stay frozen and only a small bridge is trained."
    )
    assert "comment" not in record  # the feed has none
    assert record["links"] == {
        "paper": "https://arxiv.org/abs/2201.00042",
        "pdf": "https://arxiv.org/pdf/2201.00042",
    }
    # The note's own title and date are kept; arXiv's other title is listed as a conflict.
    assert record["title"] == "Notes on frozen towers"
    assert record["date"] == "2022-01-10"
    assert record["conflicts"] == [
        {
            "field": "title",
            "values": [
                {"value": "Notes on frozen towers", "source": "reading.md:5"},
                {
                    "value": "FrozenTower: Aligning Frozen Image and Text Towers & Nothing Else",
                    "source": "arXiv:2201.00042",
                },
            ],
        }
    ]
    assert record["provenance"] == {
        "abstract": "arxiv",
        "published": "arxiv",
        "updated": "arxiv",
        "categories": "arxiv",
        "primary_category": "arxiv",
        "doi": "arxiv",
        "journal_ref": "arxiv",
        "authors": "arxiv",
        "links.pdf": "arxiv",
    }


@pytest.mark.parametrize("name", ["CLIP", "2103.00020", "https://arxiv.org/abs/2103.00020v2"])
def test_enrich_a_name_or_an_id_selects_that_paper_alone(notes: Path, run: Run, api: FakeArxiv, name: str) -> None:
    code, err, _ = enrich_run(run, name)
    assert (code, err) == (0, [summary(1, 0, [], 0)])
    assert api.asked == [["2103.00020"]]
    assert set(fetched(notes / "kb")) == {"2103.00020"}
    record = load_record(notes / "kb", "2103.00020")
    assert record["comment"] == "Synthetic fixture: 48 pages, 10 figures"
    assert record["authors"] == ["Alec Radford", "Mira Okonkwo", "Tomás Ferreira"]
    assert record["published"] == "2021-02-26"
    assert record["updated"] == "2021-03-04"
    assert record["title"] == CLIP_TITLE
    assert record["date"] == "2021-02-26"  # the note's date is kept and agrees: no conflict
    assert "conflicts" not in record
    assert "date" not in record["provenance"]
    assert load_record(notes / "kb", "2201.00042").get("authors") is None


def test_show_marks_filled_values_arxiv(notes: Path, run: Run, api: FakeArxiv) -> None:
    assert enrich_run(run, "2201.00042")[0] == 0
    result = run("show", "2201.00042", env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Jörg Wübben, Ana Sofía Peña, 李雷  (arXiv)" in result.stdout
    assert "cs.CV, cs.CL  (arXiv)" in result.stdout
    assert "2022-01-03  (arXiv)" in result.stdout
    assert "10.5555/synthetic.2022.042  (arXiv)" in result.stdout
    assert "abstract  (arXiv)" in result.stdout
    assert "Notes on frozen towers  (arXiv)" not in result.stdout  # the note's title is not arXiv's
    assert "Notes on frozen towers" in result.stdout


def test_enrich_without_names_or_all_is_a_usage_error(notes: Path, run: Run, api: FakeArxiv) -> None:
    code, err, _ = enrich_run(run)
    assert (code, err) == (2, ["error: name the papers to enrich (CLIP, 2103.00020) or pass --all"])
    assert api.requests == []


# --- batches, not found, fetched once -----------------------------------------------------------------------------


def test_a_batch_with_an_unknown_id_reports_it_as_not_found(notes: Path, run: Run, api: FakeArxiv) -> None:
    code, err, _ = enrich_run(run, "--all")
    assert (code, err) == (0, [summary(3, 0, ["2112.99999"], 0)])
    assert api.asked == [ALL_IDS]
    assert fetched(notes / "kb")["2112.99999"] == {"id": "2112.99999", "status": "not-found"}
    assert load_record(notes / "kb", "2112.99999").get("authors") is None
    assert load_record(notes / "kb", "astro-ph_0601001")["authors"] == ["Ruth Okafor", "Pål Lindqvist"]


def test_a_second_run_makes_no_request_unless_refresh(notes: Path, run: Run, api: FakeArxiv) -> None:
    assert enrich_run(run, "--all")[0] == 0
    kb_before = record_bytes(notes / "kb")
    jsonl = (notes / "kb" / "arxiv.jsonl").read_bytes()
    code, err, _ = enrich_run(run, "--all")
    assert (code, err) == (0, [summary(0, 4, [], 0)])
    assert len(api.requests) == 1
    code, err, _ = enrich_run(run, "--all", "--refresh")
    assert (code, err) == (0, [summary(0, 3, ["2112.99999"], 0)])
    assert api.asked == [ALL_IDS, ALL_IDS]
    assert record_bytes(notes / "kb") == kb_before
    assert (notes / "kb" / "arxiv.jsonl").read_bytes() == jsonl


@pytest.mark.parametrize("flag", ["--offline", "--dry-run"])
def test_offline_and_dry_run_make_no_request(notes: Path, run: Run, api: FakeArxiv, flag: str) -> None:
    code, err, out = enrich_run(run, "--all", flag)
    assert (code, err, out) == (0, [], f"would fetch: {' '.join(ALL_IDS)}\n")
    assert not (notes / "kb" / "arxiv.jsonl").exists()
    assert enrich_run(run, "CLIP")[0] == 0
    assert enrich_run(run, "CLIP", flag) == (0, [], "nothing to fetch\n")
    assert enrich_run(run, "CLIP", flag, "--refresh") == (0, [], "would fetch: 2103.00020\n")
    assert len(api.requests) == 1


def test_an_empty_feed_means_not_found(notes: Path, run: Run, api: FakeArxiv) -> None:
    api.modes["2201.00042"] = ["empty"]
    code, err, _ = enrich_run(run, "2201.00042")
    assert (code, err) == (0, [summary(0, 0, ["2201.00042"], 0)])
    assert fetched(notes / "kb") == {"2201.00042": {"id": "2201.00042", "status": "not-found"}}
    assert "provenance" not in load_record(notes / "kb", "2201.00042")


# --- failures -----------------------------------------------------------------------------------------------------


def test_an_error_feed_400_is_one_error_line_not_retried(notes: Path, run: Run, api: FakeArxiv) -> None:
    api.modes["2201.00042"] = ["400"]
    code, err, _ = enrich_run(run, "2201.00042")
    assert (code, err) == (1, ["error: arXiv answered HTTP 400 for 2201.00042; not retried"])
    assert len(api.requests) == 1
    assert not (notes / "kb" / "arxiv.jsonl").exists()


def test_503_every_time_is_retried_then_one_error_line(
    notes: Path, run: Run, api: FakeArxiv, monkeypatch: pytest.MonkeyPatch
) -> None:
    point_at(monkeypatch, api.url, retries=2)
    api.modes["2201.00042"] = ["503"]
    code, err, _ = enrich_run(run, "2201.00042")
    assert (code, err) == (1, [down(api.url, "2201.00042", "HTTP 503", 3)])
    assert api.asked == [["2201.00042"]] * 3


@pytest.mark.parametrize("status", ["503", "429"])
def test_503_then_200_completes_after_the_retry_after_wait(notes: Path, run: Run, api: FakeArxiv, status: str) -> None:
    api.modes["2201.00042"] = [f"{status}:0.3", "ok"]
    code, err, _ = enrich_run(run, "2201.00042")
    assert (code, err) == (0, [summary(1, 0, [], 0)])
    assert api.asked == [["2201.00042"]] * 2
    # The backoff alone is 0.01 s: a gap of 0.3 s is the server's Retry-After.
    assert api.requests[1].at - api.requests[0].at >= 0.3
    assert load_record(notes / "kb", "2201.00042")["authors"][0] == "Jörg Wübben"


def test_a_truncated_body_fails_its_batch_only(bulk: list[str], run: Run, api: FakeArxiv) -> None:
    api.modes[bulk[-1]] = ["truncated"]  # the second batch
    code, err, _ = enrich_run(run, "--all")
    assert code == 1
    assert len(err) == 2
    assert err[0].startswith("error: arXiv's answer for 2101.00101, 2101.00102, 2101.00103… is not a complete feed (")
    assert err[0].endswith("); retry later, or use --offline")
    assert err[1] == summary(100, 0, [], 50)
    assert len(api.requests) == 2  # a truncated body is not retried
    assert sorted(fetched(Path("kb"))) == bulk[:100]
    assert load_record(Path("kb"), bulk[0])["authors"] == ["Ada Synthetic"]
    assert load_record(Path("kb"), bulk[-1]).get("authors") is None


def test_an_answer_slower_than_the_timeout_is_retried_then_one_error_line(
    notes: Path, run: Run, api: FakeArxiv, monkeypatch: pytest.MonkeyPatch
) -> None:
    point_at(monkeypatch, api.url, retries=1, timeout=0.2)
    api.slow = 0.6
    api.modes["2201.00042"] = ["slow"]
    started = time.monotonic()
    code, err, _ = enrich_run(run, "2201.00042")
    assert (code, err) == (1, [down(api.url, "2201.00042", "no complete answer within 0.2 s", 2)])
    assert len(api.requests) == 2
    assert time.monotonic() - started < 2.0  # the client gave up; it did not wait for the answers


@pytest.mark.parametrize("fetched_before", [False, True], ids=["fresh", "after-a-fetch"])
def test_no_server_at_all_is_one_error_line_and_kb_is_unchanged(
    notes: Path, run: Run, api: FakeArxiv, monkeypatch: pytest.MonkeyPatch, fetched_before: bool
) -> None:
    assert run("build").exit_code == 0
    if fetched_before:
        assert enrich_run(run, "CLIP")[0] == 0
    kb = notes / "kb"
    papers = record_bytes(kb)
    jsonl = (kb / "arxiv.jsonl").read_bytes() if fetched_before else None
    url = closed_port_url()
    point_at(monkeypatch, url, retries=1)
    error = unreachable(url, "2103.00020, 2112.99999, 2201.00042…")
    code, err, out = enrich_run(run, "--all", "--refresh")
    assert (code, err, out) == (1, [error], "")
    code, err, out = enrich_run(run, "--all")
    assert code == 1
    unfetched = "2112.99999, 2201.00042, astro-ph/0601001" if fetched_before else "2103.00020, 2112.99999, 2201.00042…"
    assert [line for line in err if line.startswith("error:")] == [unreachable(url, unfetched)]
    assert record_bytes(kb) == papers
    assert ((kb / "arxiv.jsonl").read_bytes() if (kb / "arxiv.jsonl").exists() else None) == jsonl


def test_more_than_100_ids_go_in_requests_of_at_most_100(bulk: list[str], run: Run, api: FakeArxiv) -> None:
    code, err, _ = enrich_run(run, "--all")
    assert (code, err) == (0, [summary(150, 0, [], 0)])
    assert api.asked == [bulk[:100], bulk[100:]]
    assert sorted(fetched(Path("kb"))) == bulk


def test_each_request_asks_for_as_many_results_as_its_batch_has_ids(bulk: list[str], run: Run, api: FakeArxiv) -> None:
    assert enrich_run(run, "--all")[0] == 0
    assert [(len(r.ids), r.max_results) for r in api.requests] == [(100, 100), (50, 50)]


def test_a_malformed_id_never_reaches_the_server(notes: Path, run: Run, api: FakeArxiv) -> None:
    assert enrich_run(run, "--all")[0] == 0
    assert all("2113.00020" not in r.path for r in api.requests)
    code, err, _ = enrich_run(run, "2113.00020")
    assert (code, err) == (
        1,
        ["error: '2113.00020' is not an arXiv id that can exist; fix the link in the notes", summary(0, 0, [], 0)],
    )
    assert len(api.requests) == 1


def test_non_ascii_author_names_survive_into_the_record_yaml(notes: Path, run: Run, api: FakeArxiv) -> None:
    assert enrich_run(run, "2201.00042")[0] == 0
    text = (notes / "kb" / "papers" / "2201.00042.yaml").read_text("utf-8")
    assert "- Jörg Wübben\n" in text
    assert "- 李雷\n" in text
    assert "Wübben" in (notes / "kb" / "arxiv.jsonl").read_text("utf-8")  # not \u00fc-escaped


def test_an_old_style_id_is_fetched_and_filled(notes: Path, run: Run, api: FakeArxiv) -> None:
    code, err, _ = enrich_run(run, "https://arxiv.org/abs/astro-ph/0601001")
    assert (code, err) == (0, [summary(1, 0, [], 0)])
    assert api.asked == [["astro-ph/0601001"]]
    assert "id_list=astro-ph%2F0601001" in api.requests[0].path
    record = load_record(notes / "kb", "astro-ph_0601001")
    assert record["authors"] == ["Ruth Okafor", "Pål Lindqvist"]
    assert record["journal_ref"] == "Synthetic Astrophys. J. 1 (2006) 1-9"
    assert record["categories"] == ["astro-ph"]
    assert record["abstract"] == (
        "An invented abstract with a leading indent, a line break and an ampersand: stars & planets."
    )
    assert record["links"]["pdf"] == "https://arxiv.org/pdf/astro-ph/0601001"
    # The notes only knew the month from the id: arXiv's exact date replaces it.
    assert (record["date"], record["provenance"]["date"]) == ("2006-01-02", "arxiv")


def test_an_interrupted_run_keeps_the_first_batch_and_resumes(
    bulk: list[str], run: Run, api: FakeArxiv, monkeypatch: pytest.MonkeyPatch
) -> None:
    api.modes[bulk[0]] = ["die"]  # the server answers the first batch, then is gone
    code, err, _ = enrich_run(run, "--all")
    assert (code, err) == (
        1,
        [unreachable(api.url, "2101.00101, 2101.00102, 2101.00103…"), summary(100, 0, [], 50)],
    )
    assert sorted(fetched(Path("kb"))) == bulk[:100]
    again = FakeArxiv(api.entries)
    try:
        point_at(monkeypatch, again.url)
        code, err, _ = enrich_run(run, "--all")
        assert (code, err) == (0, [summary(50, 100, [], 0)])
        assert again.asked == [bulk[100:]]
    finally:
        again.stop()
    assert sorted(fetched(Path("kb"))) == bulk


# --- enrichment and the build --------------------------------------------------------------------------------------


def test_enrichment_survives_a_later_build(notes: Path, run: Run, api: FakeArxiv) -> None:
    assert enrich_run(run, "CLIP")[0] == 0
    before = load_record(notes / "kb", "2103.00020")
    edit(notes / "notes" / "reading.md", "contrastive image and text towers", "contrastive towers, see also ALIGN")
    result = run("build")
    assert result.exit_code == 0, result.output
    after = load_record(notes / "kb", "2103.00020")
    for key in ("authors", "published", "updated", "categories", "comment", "abstract", "provenance"):
        assert after[key] == before[key]
    assert after["sources"] != before["sources"]  # the build did read the edited note
    assert run("build", "--check").exit_code == 0


def test_a_hand_edited_field_is_never_overwritten(notes: Path, run: Run, api: FakeArxiv) -> None:
    kb = notes / "kb"
    assert enrich_run(run, "CLIP")[0] == 0
    path = kb / "papers" / "2103.00020.yaml"
    edit(path, "- Mira Okonkwo\n", "- M. Okonkwo (checked by hand)\n")
    edit(path, "primary_category: cs.CV\n", "primary_category: cs.LG\n")
    assert run("build").exit_code == 0
    assert load_record(kb, "2103.00020")["pinned"] == ["authors", "primary_category"]
    # arXiv has a new version: the refresh brings the new comment but leaves the hand edits alone.
    api.entries["2103.00020"] = (
        api.entries["2103.00020"]
        .replace("Synthetic fixture: 48 pages, 10 figures", "Synthetic fixture: camera-ready version")
        .replace(
            "<name>Tomás Ferreira</name>",
            "<name>Tomás Ferreira</name>\n    </author>\n    <author>\n      <name>New Person</name>",
        )
    )
    code, err, _ = enrich_run(run, "CLIP", "--refresh")
    assert (code, err) == (0, [summary(1, 0, [], 0)])
    record = load_record(kb, "2103.00020")
    assert record["comment"] == "Synthetic fixture: camera-ready version"
    assert record["authors"] == ["Alec Radford", "M. Okonkwo (checked by hand)", "Tomás Ferreira"]
    assert record["primary_category"] == "cs.LG"
    assert record["pinned"] == ["authors", "primary_category"]
    assert fetched(kb)["2103.00020"]["authors"][-1] == "New Person"


# --- the pure parts -------------------------------------------------------------------------------------------------


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to open a connection fails the test."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a pure function touched the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def _result(entry_id: str, **fields: object) -> object:
    import arxiv

    return arxiv.Result(entry_id=entry_id, **fields)  # type: ignore[arg-type]


def test_from_result_converts_an_arxiv_result(no_network: None) -> None:
    import arxiv

    result = _result(
        "http://arxiv.org/abs/2201.00042v3",
        updated=datetime(2022, 2, 14, 12, 0, tzinfo=timezone.utc),
        published=datetime(2022, 1, 3, 23, 59, tzinfo=timezone.utc),
        title="FrozenTower:  Aligning Frozen\n  Towers",
        authors=[arxiv.Result.Author("Jörg Wübben"), arxiv.Result.Author("李雷", ["Somewhere"])],
        summary="  An abstract\nover two lines.  ",
        comment="12 pages",
        journal_ref="J. Synth. 7 (2022)",
        doi="10.5555/synthetic.2022.042",
        primary_category="cs.CV",
        categories=["cs.CV", "cs.CL"],
        links=[arxiv.Result.Link("https://arxiv.org/pdf/2201.00042v3", title="pdf", rel="related")],
    )
    assert enrich.from_result(result) == {  # type: ignore[arg-type]
        "id": "2201.00042",
        "status": "found",
        "title": "FrozenTower: Aligning Frozen Towers",
        "authors": ["Jörg Wübben", "李雷"],
        "abstract": "An abstract over two lines.",
        "published": "2022-01-03",
        "updated": "2022-02-14",
        "categories": ["cs.CV", "cs.CL"],
        "primary_category": "cs.CV",
        "doi": "10.5555/synthetic.2022.042",
        "journal_ref": "J. Synth. 7 (2022)",
        "comment": "12 pages",
        "pdf": "https://arxiv.org/pdf/2201.00042",
    }


def test_from_result_old_style_id_and_missing_optional_fields(no_network: None) -> None:
    result = _result(
        "http://arxiv.org/abs/astro-ph/0601001v1",
        published=datetime(2006, 1, 2, tzinfo=timezone.utc),
        updated=datetime(2006, 1, 2, tzinfo=timezone.utc),
        title="A Census",
        primary_category="astro-ph",
        categories=["astro-ph"],
    )
    record = enrich.from_result(result)  # type: ignore[arg-type]
    assert record["id"] == "astro-ph/0601001"
    assert record["pdf"] == "https://arxiv.org/pdf/astro-ph/0601001"
    assert (record["authors"], record["abstract"], record["comment"], record["doi"], record["journal_ref"]) == (
        [],
        None,
        None,
        None,
        None,
    )


ARXIV_RECORD = {
    "id": "2201.00042",
    "status": "found",
    "title": "FrozenTower: Aligning Frozen Image and Text Towers",
    "authors": ["Jörg Wübben", "李雷"],
    "abstract": "From arXiv.",
    "published": "2022-01-03",
    "updated": "2022-02-14",
    "categories": ["cs.CV"],
    "primary_category": "cs.CV",
    "doi": "10.5555/x",
    "journal_ref": None,
    "comment": "9 pages",
    "pdf": "https://arxiv.org/pdf/2201.00042",
}


def test_merge_into_fills_empty_fields_and_marks_them() -> None:
    paper = Paper(id="2201.00042", arxiv_id="2201.00042", title="FrozenTower", date="2022-01", year=2022)
    enrich.merge_into(paper, ARXIV_RECORD)
    assert paper.authors == ["Jörg Wübben", "李雷"]
    assert (paper.abstract, paper.published, paper.updated, paper.doi, paper.comment) == (
        "From arXiv.",
        "2022-01-03",
        "2022-02-14",
        "10.5555/x",
        "9 pages",
    )
    assert paper.journal_ref is None
    assert (paper.date, paper.year) == ("2022-01-03", 2022)  # a month the date agrees with is made exact
    assert paper.links.pdf == "https://arxiv.org/pdf/2201.00042"
    assert paper.title == "FrozenTower"  # the title is a prefix of arXiv's: no conflict
    assert paper.conflicts == []
    assert paper.provenance == {
        "abstract": "arxiv",
        "published": "arxiv",
        "updated": "arxiv",
        "categories": "arxiv",
        "primary_category": "arxiv",
        "doi": "arxiv",
        "comment": "arxiv",
        "authors": "arxiv",
        "date": "arxiv",
        "links.pdf": "arxiv",
    }


def test_merge_into_keeps_what_the_notes_say_and_lists_disagreements() -> None:
    paper = Paper(
        id="2201.00042",
        arxiv_id="2201.00042",
        title="Some other title",
        date="2021-06-01",
        year=2021,
        authors=["From The Notes"],
        abstract="My own summary.",
    )
    enrich.merge_into(paper, ARXIV_RECORD)
    assert paper.authors == ["From The Notes"]
    assert paper.abstract == "My own summary."
    assert (paper.title, paper.date, paper.year) == ("Some other title", "2021-06-01", 2021)
    assert paper.conflicts == [
        Conflict(
            field="title",
            values=[
                ConflictValue(value="Some other title", source="notes"),
                ConflictValue(value=ARXIV_RECORD["title"], source="arXiv:2201.00042"),  # type: ignore[arg-type]
            ],
        ),
        Conflict(
            field="date",
            values=[
                ConflictValue(value="2021-06-01", source="notes"),
                ConflictValue(value="2022-01-03", source="arXiv:2201.00042"),
            ],
        ),
    ]
    assert "authors" not in paper.provenance and "abstract" not in paper.provenance


def test_merge_into_fills_a_missing_title_and_ignores_not_found() -> None:
    paper = Paper(id="2201.00042", arxiv_id="2201.00042")
    enrich.merge_into(paper, {"id": "2201.00042", "status": "not-found"})
    assert paper == Paper(id="2201.00042", arxiv_id="2201.00042")
    enrich.merge_into(paper, ARXIV_RECORD)
    assert (paper.title, paper.provenance["title"]) == (ARXIV_RECORD["title"], "arxiv")
    assert paper.conflicts == []


# --- resolving papers the notes give no id, by title search ---------------------------------------------------------

QUILL_TITLE = "QuillBridge: Bridging Frozen Image Encoders and Large Language Models with a Light Querying Module"

# Five papers the notes give no arXiv id (a title, or only a name), and CLIP with its link.
MODELS_MD = f"""\
# Models to look up

| Model | Title | Date |
| --- | --- | --- |
| QuillBridge | {QUILL_TITLE} | 2023.02 |
| PatchMix | Patch Mixers for Dense Captioning | 2023.03 |
| SimpleVIT | A Simple Baseline for Visual Instruction Tuning | 2023.05 |
| ChromaTok | Sharper Vision Language Models with Color Token | 2023.06 |
| LoomVL | | 2023.04 |
| CLIP | [{CLIP_TITLE}](https://arxiv.org/abs/2103.00020) | 2021.02 |
"""

QUILL = f'QuillBridge -> 2302.00101 "{QUILL_TITLE}" (title match 1.00)'
LINES = {
    "quillbridge": f"kb/papers/quillbridge.yaml: {QUILL}",
    "patchmix": 'kb/papers/patchmix.yaml: PatchMix no match (best: 2303.00201 "Patch Mixers for Dense Captioning of '
    'Aerial Scenes", 0.80)',
    "simplevit": 'kb/papers/simplevit.yaml: SimpleVIT ambiguous: 2305.00301 "A Simple Baseline for Visual Instruction '
    'Tuning" (1.00), 2305.00302 "A Simple Baseline for Visual Instruction-Tuning" (1.00); put the right arXiv link '
    "in the notes",
    "chromatok": 'kb/papers/chromatok.yaml: ChromaTok -> 2306.00401 "Sharper Vision-Language Models with Color Tokens" '
    "(title match 0.98)",
    "loomvl": 'kb/papers/loomvl.yaml: LoomVL -> 2304.00501 "LoomVL: Weaving Vision Tokens into a Language Model" '
    '(title starts with "LoomVL:")',
}
SEARCH = {
    "quillbridge": f'ti:"{QUILL_TITLE.replace(":", "")}"',
    "patchmix": 'ti:"Patch Mixers for Dense Captioning"',
    "simplevit": 'ti:"A Simple Baseline for Visual Instruction Tuning"',
    "chromatok": 'ti:"Sharper Vision Language Models with Color Token"',
    "loomvl": 'ti:"LoomVL"',
}
NOT_WRITTEN = "; nothing written; retry later, or use --offline to see the searches stored before"


@pytest.fixture
def lookups(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run: Run) -> Path:
    """tmp_path as the working directory, with notes/models.md built into kb/."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("VLMNOTES_NOTES", raising=False)
    monkeypatch.delenv("VLMNOTES_KB", raising=False)
    write_notes(tmp_path / "notes", {"models.md": MODELS_MD})
    assert run("build").exit_code == 0
    return tmp_path / "kb"


def resolved_file(kb: Path) -> list[dict[str, object]]:
    data = json.loads((kb / "resolved.json").read_text("utf-8"))
    assert isinstance(data, list)
    return data


def counts(linked: int, ambiguous: int, no_match: int, unsearched: int, now: int, stored: int) -> str:
    return (
        f"linked {linked}, ambiguous {ambiguous}, no match {no_match}, not searched {unsearched}; "
        f"{now} searched now, {stored} from kb/resolved.json"
    )


def test_an_exact_title_is_linked_and_every_build_applies_it(lookups: Path, run: Run, api: FakeArxiv) -> None:
    kb = lookups
    code, err, out = enrich_run(run, "--resolve", "QuillBridge")
    assert (code, err, out) == (0, [counts(1, 0, 0, 0, 1, 0)], LINES["quillbridge"] + "\n")
    assert api.searches == [SEARCH["quillbridge"]]
    assert (api.requests[0].ids, api.requests[0].max_results) == ([], 5)
    assert resolved_file(kb) == [
        {
            "by": "title",
            "text": QUILL_TITLE,
            "status": "linked",
            "matches": [{"arxiv_id": "2302.00101", "title": QUILL_TITLE, "score": 1.0}],
        }
    ]
    assert fetched(kb)["2302.00101"]["authors"] == ["Quentin Ashdown", "Zeynep Kılıç"]
    # The build the command ran gave the record the id found, and what arXiv says.
    assert not (kb / "papers" / "quillbridge.yaml").exists()
    record = load_record(kb, "2302.00101")
    assert (record["id"], record["arxiv_id"], record["name"], record["title"]) == (
        "2302.00101",
        "2302.00101",
        "QuillBridge",
        QUILL_TITLE,
    )
    assert record["provenance"]["arxiv_id"] == "arxiv-search"
    assert record["authors"] == ["Quentin Ashdown", "Zeynep Kılıç"]
    assert (record["date"], record["provenance"]["date"]) == ("2023-02-07", "arxiv")
    assert run("build", "--check").exit_code == 0
    # A build from scratch applies the stored resolution again.
    papers = record_bytes(kb)
    for path in [*(kb / "papers").iterdir(), kb / ".vlmnotes.sqlite"]:
        path.unlink()
    assert run("build").exit_code == 0
    assert record_bytes(kb) == papers
    # An id the notes give wins: the resolution is left unused, and the paper is not searched again.
    edit(Path("notes/models.md"), f"| {QUILL_TITLE} |", f"| [{QUILL_TITLE}](https://arxiv.org/abs/2302.09999) |")
    assert run("build").exit_code == 0
    assert sorted(record_bytes(kb))[:2] == ["2103.00020.yaml", "2302.09999.yaml"]
    record = load_record(kb, "2302.09999")
    assert record["arxiv_id"] == "2302.09999"
    assert "arxiv_id" not in record.get("provenance", {})
    assert enrich_run(run, "--resolve", "QuillBridge") == (
        0,
        [counts(0, 0, 0, 1, 0, 0)],
        "kb/papers/2302.09999.yaml: QuillBridge has 2302.09999 from the notes; not searched\n",
    )
    assert len(api.requests) == 1


def test_a_near_miss_is_not_linked_and_its_best_score_is_shown(lookups: Path, run: Run, api: FakeArxiv) -> None:
    kb = lookups
    papers = record_bytes(kb)
    code, err, out = enrich_run(run, "--resolve", "PatchMix")
    assert (code, err, out) == (0, [counts(0, 0, 1, 0, 1, 0)], LINES["patchmix"] + "\n")
    assert record_bytes(kb) == papers
    assert resolved_file(kb)[0]["status"] == "no-match"
    assert not (kb / "arxiv.jsonl").exists()
    # A paper is searched once; --refresh searches again.
    assert enrich_run(run, "--resolve", "PatchMix") == (0, [counts(0, 0, 1, 0, 0, 1)], LINES["patchmix"] + "\n")
    assert len(api.requests) == 1
    assert enrich_run(run, "--resolve", "PatchMix", "--refresh")[0] == 0
    assert api.searches == [SEARCH["patchmix"]] * 2


def test_two_matching_ids_are_reported_as_ambiguous_and_neither_is_linked(
    lookups: Path, run: Run, api: FakeArxiv
) -> None:
    kb = lookups
    papers = record_bytes(kb)
    code, err, out = enrich_run(run, "--resolve", "SimpleVIT")
    assert (code, err, out) == (0, [counts(0, 1, 0, 0, 1, 0)], LINES["simplevit"] + "\n")
    assert [r["status"] for r in resolved_file(kb)] == ["ambiguous"]
    assert not (kb / "arxiv.jsonl").exists()
    assert run("build").exit_code == 0
    assert record_bytes(kb) == papers


def test_a_close_title_and_a_name_before_a_colon_are_linked(lookups: Path, run: Run, api: FakeArxiv) -> None:
    kb = lookups
    code, err, out = enrich_run(run, "--resolve", "ChromaTok", "LoomVL")
    assert (code, err) == (0, [counts(2, 0, 0, 0, 2, 0)])
    assert out == LINES["chromatok"] + "\n" + LINES["loomvl"] + "\n"
    assert api.searches == [SEARCH["chromatok"], SEARCH["loomvl"]]
    assert load_record(kb, "2306.00401")["title"] == "Sharper Vision Language Models with Color Token"  # the note's
    loom = load_record(kb, "2304.00501")
    assert loom["title"] == "LoomVL: Weaving Vision Tokens into a Language Model"
    assert (loom["provenance"]["arxiv_id"], loom["provenance"]["title"]) == ("arxiv-search", "arxiv")
    assert loom["authors"] == ["Oona Virtanen", "Kwame Mensah"]
    assert "2304.00502" not in fetched(kb)  # the paper that only mentions the name
    # The name still finds the stored search, though the record now carries arXiv's title.
    code, err, out = enrich_run(run, "--resolve", "--all")
    assert (code, err) == (0, [counts(3, 1, 1, 0, 3, 2)])
    assert out.splitlines()[:2] == [
        LINES["loomvl"].replace("loomvl.yaml", "2304.00501.yaml"),
        LINES["chromatok"].replace("chromatok.yaml", "2306.00401.yaml"),
    ]
    assert len(api.searches) == 5


def test_an_id_the_notes_give_another_paper_is_not_linked(lookups: Path, run: Run, api: FakeArxiv) -> None:
    kb = lookups
    other = "| QB | [Quill Bridges Between Frozen Towers](https://arxiv.org/abs/2302.00101) | 2023.02 |\n"
    Path("notes/more.md").write_text("| Model | Title | Date |\n| --- | --- | --- |\n" + other, "utf-8")
    code, err, out = enrich_run(run, "--resolve", "QuillBridge")
    assert (code, err) == (0, [counts(0, 1, 0, 0, 1, 0)])
    assert out == (
        f'kb/papers/quillbridge.yaml: QuillBridge ambiguous: 2302.00101 "{QUILL_TITLE}" (1.00) is the id of '
        "kb/papers/2302.00101.yaml; merge the two\n"
    )
    assert load_record(kb, "quillbridge").get("arxiv_id") is None  # the stored search is not applied
    assert load_record(kb, "2302.00101")["name"] == "QB"


def test_dry_run_searches_and_writes_nothing(lookups: Path, run: Run, api: FakeArxiv) -> None:
    kb = lookups
    papers = record_bytes(kb)
    code, err, out = enrich_run(run, "--resolve", "--all", "--dry-run")
    order = ["chromatok", "loomvl", "patchmix", "quillbridge", "simplevit"]  # record id order; CLIP has an id
    assert (code, out) == (0, "".join(LINES[k] + "\n" for k in order))
    assert err == [counts(3, 1, 1, 0, 5, 0).replace("linked", "would link") + "; nothing written"]
    assert api.searches == [SEARCH[k] for k in order]
    assert record_bytes(kb) == papers
    assert not (kb / "resolved.json").exists()
    assert not (kb / "arxiv.jsonl").exists()


def test_a_paper_with_an_id_from_the_notes_is_never_searched(lookups: Path, run: Run, api: FakeArxiv) -> None:
    assert enrich_run(run, "--resolve", "CLIP") == (
        0,
        [counts(0, 0, 0, 1, 0, 0)],
        "kb/papers/2103.00020.yaml: CLIP has 2103.00020 from the notes; not searched\n",
    )
    assert api.requests == []
    assert enrich_run(run, "--resolve", "--all")[0] == 0
    assert len(api.searches) == 5
    assert all("CLIP" not in s and "Transferable" not in s for s in api.searches)
    assert not (lookups / "papers" / "2103.00020.yaml").read_text("utf-8").count("arxiv-search")


def test_offline_uses_only_the_stored_searches(lookups: Path, run: Run, api: FakeArxiv) -> None:
    kb = lookups
    assert enrich_run(run, "--resolve", "QuillBridge", "PatchMix")[0] == 0
    stored = (kb / "resolved.json").read_bytes()
    expected = [
        f"kb/papers/2302.00101.yaml: {QUILL}",  # linked before: its record now has the id found
        "kb/papers/chromatok.yaml: ChromaTok not searched yet (offline)",
        "kb/papers/loomvl.yaml: LoomVL not searched yet (offline)",
        LINES["patchmix"],
        "kb/papers/simplevit.yaml: SimpleVIT not searched yet (offline)",
    ]
    for extra in ([], ["--refresh"]):
        code, err, out = enrich_run(run, "--resolve", "--all", "--offline", *extra)
        assert (code, err) == (0, [counts(1, 0, 1, 3, 0, 2)])
        assert out.splitlines() == expected
    assert len(api.requests) == 2
    assert (kb / "resolved.json").read_bytes() == stored


def test_no_server_is_one_error_line_naming_offline_and_nothing_is_written(
    lookups: Path, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    kb = lookups
    papers = record_bytes(kb)
    url = closed_port_url()
    point_at(monkeypatch, url)
    code, err, out = enrich_run(run, "--resolve", "--all")
    assert (code, err, out) == (
        1,
        [f"error: arXiv API at {url} cannot be reached (connection refused) for {SEARCH['chromatok']}{NOT_WRITTEN}"],
        "",
    )
    assert record_bytes(kb) == papers
    assert not (kb / "resolved.json").exists()


def test_a_search_failing_after_others_succeeded_writes_nothing(lookups: Path, run: Run, api: FakeArxiv) -> None:
    kb = lookups
    papers = record_bytes(kb)
    api.modes[SEARCH["simplevit"]] = ["400"]  # the last of the five
    code, err, out = enrich_run(run, "--resolve", "--all")
    assert (code, out) == (1, "")
    assert err == [f"error: arXiv answered HTTP 400 for {SEARCH['simplevit']}; not retried{NOT_WRITTEN}"]
    assert len(api.searches) == 5
    assert record_bytes(kb) == papers
    assert not (kb / "resolved.json").exists()
    assert not (kb / "arxiv.jsonl").exists()


def test_searches_keep_the_delay_and_honour_retry_after(lookups: Path, run: Run, api: FakeArxiv) -> None:
    api.modes[SEARCH["quillbridge"]] = ["503:0.3", "ok"]
    result = run("enrich", "--resolve", "QuillBridge", "PatchMix", "--delay", "0.2")
    assert result.exit_code == 0, result.output
    assert api.searches == [SEARCH["quillbridge"], SEARCH["quillbridge"], SEARCH["patchmix"]]
    first, again, then = (r.at for r in api.requests)
    assert again - first >= 0.3  # the server's Retry-After (the backoff alone is 0.01 s)
    assert then - again >= 0.2  # the politeness delay between requests


def test_resolve_without_names_or_all_is_a_usage_error(lookups: Path, run: Run, api: FakeArxiv) -> None:
    assert enrich_run(run, "--resolve") == (2, ["error: name the papers to resolve (BLIP-2) or pass --all"], "")
    assert api.requests == []


def test_a_broken_resolved_file_is_one_error_line(lookups: Path, run: Run, api: FakeArxiv) -> None:
    (lookups / "resolved.json").write_text("{not json", "utf-8")
    code, err, _ = enrich_run(run, "--resolve", "--all", "--offline")
    assert code == 1
    assert len(err) == 1
    assert err[0].startswith(f"error: {Path('kb') / 'resolved.json'}: not a list of title searches (")
    assert err[0].endswith("); fix it or delete it")


@pytest.mark.parametrize(
    ("by", "text", "answers", "status", "why"),
    [
        (  # NFKC, case, punctuation and spaces do not count
            "title",
            "BLIP-2: Bootstrapping Language-Image Pre-training",
            [("2301.12597", "ＢＬＩＰ-2 — bootstrapping language image pretraining")],
            "linked",
            '-> 2301.12597 "ＢＬＩＰ-2 — bootstrapping language image pretraining" (title match 1.00)',
        ),
        (  # 0.898: not close enough, and shown rounded down, never as an accepted 0.90
            "title",
            "Frozen Towers Aligned Now",
            [("2201.00042", "Frozen Towers Aligned Now Again")],
            "no-match",
            'no match (best: 2201.00042 "Frozen Towers Aligned Now Again", 0.89)',
        ),
        (  # 0.905: close enough
            "title",
            "Frozen Towers Aligned",
            [("2201.00042", "Frozen Towers Aligned Anew")],
            "linked",
            '-> 2201.00042 "Frozen Towers Aligned Anew" (title match 0.90)',
        ),
        ("title", "Frozen Towers", [], "no-match", "no match (arXiv found nothing)"),
        (  # the same id twice is one answer, not an ambiguity
            "title",
            "Frozen Towers",
            [("2201.00042", "Frozen Towers"), ("2201.00042", "Frozen towers.")],
            "linked",
            '-> 2201.00042 "Frozen Towers" (title match 1.00)',
        ),
        (  # a name must lead the title, before a colon
            "name",
            "BLIP-2",
            [("2301.12597", "BLIP-2 Bootstrapping"), ("2301.00001", "On BLIP-2: a study")],
            "no-match",
            'no match (best: 2301.00001 "On BLIP-2: a study", 0.83)',  # the closest head, still not the name
        ),
        (
            "name",
            "BLIP-2",
            [("2301.00001", "On BLIP-2: a study"), ("2301.12597", "blip 2: Bootstrapping")],
            "linked",
            '-> 2301.12597 "blip 2: Bootstrapping" (title starts with "BLIP-2:")',
        ),
    ],
)
def test_judge_links_only_a_close_title_or_a_leading_name(
    no_network: None, by: str, text: str, answers: list[tuple[str, str]], status: str, why: str
) -> None:
    found = resolve.judge(by, text, answers)  # type: ignore[arg-type]
    assert (found.status, found.why()) == (status, why)
    assert resolve.Resolution.from_dict(found.to_dict()).why() == why


# --- acceptance: the recorded arXiv responses ------------------------------------------------------------------------

ACCEPTANCE_MD = """\
# Recorded

- [Heat-bath random walks with Markov bases](https://arxiv.org/abs/1605.08386)
- [A paper with many authors](https://arxiv.org/abs/1707.08567)
- [An old-style paper](https://arxiv.org/abs/astro-ph/0601001)
- [An id that does not exist](https://arxiv.org/abs/0808.05394)
"""


@pytest.mark.skipif(not SHARED.is_dir(), reason=f"recorded arXiv responses not present ({SHARED})")
def test_recorded_responses_fill_three_papers_and_report_the_missing_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run: Run
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("VLMNOTES_NOTES", raising=False)
    monkeypatch.delenv("VLMNOTES_KB", raising=False)
    write_notes(tmp_path / "notes", {"recorded.md": ACCEPTANCE_MD})
    server = FakeArxiv(entries_in(sorted(SHARED.glob("id_*.xml"))))
    try:
        point_at(monkeypatch, server.url)
        code, err, _ = enrich_run(run, "--all")
        assert (code, err) == (0, [summary(3, 0, ["0808.05394"], 0)])
        assert server.asked == [["0808.05394", "1605.08386", "1707.08567", "astro-ph/0601001"]]
        kb = tmp_path / "kb"
        many = load_record(kb, "1707.08567")
        assert len(many["authors"]) == 34
        assert any("Wübben" in name for name in many["authors"])
        assert "Wübben" in (kb / "papers" / "1707.08567.yaml").read_text("utf-8")
        for stem in ("1605.08386", "1707.08567", "astro-ph_0601001"):
            record = load_record(kb, stem)
            assert record["authors"], stem
            assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", record["published"]), stem
            assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", record["updated"]), stem
            assert record["categories"] and record["primary_category"] == record["categories"][0], stem
        assert load_record(kb, "1605.08386")["categories"] == ["math.CO", "math.ST"]
        assert load_record(kb, "1605.08386")["published"] == "2016-05-26"
        assert load_record(kb, "0808.05394").get("authors") is None
        assert fetched(kb)["0808.05394"] == {"id": "0808.05394", "status": "not-found"}
        code, err, _ = enrich_run(run, "--all")
        assert (code, err) == (0, [summary(0, 4, [], 0)])
        assert len(server.requests) == 1
    finally:
        server.stop()
