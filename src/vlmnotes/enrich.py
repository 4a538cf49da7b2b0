"""arXiv enrichment: the only module that touches the network.

Fetched metadata is kept in kb/arxiv.jsonl (one JSON object a line, sorted by id, committed with the
records), so a paper is fetched once; the build merges it into the records without overwriting what
the notes or hand edits say. `arxiv` is imported lazily, on the first fetch.

Papers the notes give no id are looked up by title in vlmnotes.resolve (`enrich --resolve`), through the
same door.

    from_result(result)   a pure conversion of an arxiv.Result
    fetch_batch(...)      one request for up to 100 ids, with retries
    search_titles(...)    one title search, through the same door

Every request has a wall-clock limit, from connecting to the last byte (a server that trickles a byte a
second never trips a socket timeout), and a 200 answer counts only when its whole body arrived and is a
well-formed feed. What an answer says is stored only as far as it can be trusted: an entry nobody asked for
is ignored, and a paper is marked not found only by a sound answer that leaves it out.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from vlmnotes.errors import VlmnotesError

if TYPE_CHECKING:
    import arxiv

ARXIV_FILE = "arxiv.jsonl"
DEFAULT_API = "https://export.arxiv.org/api/query"
BATCH = 100
TIMEOUT = 30.0  # seconds a request may take, from connecting to the last byte of the answer
RETRIES = 4
SEARCH_ANSWERS = 5  # answers asked of a title search
RETRY = "retry later, or use --offline"


class EnrichError(VlmnotesError):
    """The arXiv API could not be reached or answered with something unusable."""

    def __init__(self, problem: str, fix: str = "") -> None:
        super().__init__(f"{problem}; {fix}" if fix else problem)
        self.problem, self.fix = problem, fix


class ArxivDown(EnrichError):
    """The arXiv API gave no usable answer after every retry."""


class Unreachable(ArxivDown):
    """The arXiv API cannot be reached at all (no DNS answer, connection refused): retrying cannot help."""


OFFLINE_FIX = "check the network, or use --offline"


def unreachable(exc: BaseException) -> str | None:
    """'DNS lookup failed' or 'connection refused' when a connection error (requests wraps urllib3's, which
    wraps the socket's) comes from one of those, else None: a reset or a timeout may pass, these do not."""
    import socket

    seen: set[int] = set()
    todo: list[object] = [exc]
    while todo:
        err = todo.pop()
        if not isinstance(err, BaseException) or id(err) in seen:
            continue
        seen.add(id(err))
        if isinstance(err, socket.gaierror) or type(err).__name__ == "NameResolutionError":
            return "DNS lookup failed"
        if isinstance(err, ConnectionRefusedError):
            return "connection refused"
        todo += [err.__cause__, err.__context__, getattr(err, "reason", None), *err.args]
    return None


# --- the store of fetched metadata ------------------------------------------------------------------------


def load_fetched(kb: Path) -> dict[str, dict[str, Any]]:
    """arXiv id → fetched metadata (`status: found` or `not-found`), from kb/arxiv.jsonl."""
    path = kb / ARXIV_FILE
    out: dict[str, dict[str, Any]] = {}
    try:
        lines = path.read_text("utf-8").splitlines()
    except OSError:
        return out
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as exc:
            raise EnrichError(f"{path}:{number}: not a JSON line ({exc}); fix or delete the line") from exc
        if isinstance(record, dict) and isinstance(record.get("id"), str):
            out[record["id"]] = record
    return out


def save_fetched(kb: Path, records: dict[str, dict[str, Any]]) -> None:
    """Write kb/arxiv.jsonl atomically, a record a line, sorted by id (small, stable git diffs)."""
    from vlmnotes.store import atomic_write

    lines = [json.dumps(records[k], ensure_ascii=False, sort_keys=True) for k in sorted(records)]
    atomic_write(kb / ARXIV_FILE, "\n".join(lines) + ("\n" if lines else ""))


def from_result(result: arxiv.Result) -> dict[str, Any]:
    """The metadata vlmnotes keeps from one arxiv.Result (pure: no network)."""
    base = re.sub(r"v\d+$", "", result.get_short_id())
    title = " ".join((result.title or "").split())
    return {
        "id": base,
        "status": "found",
        "title": title or None,
        "authors": [a.name for a in result.authors],
        "abstract": " ".join((result.summary or "").split()) or None,
        "published": result.published.date().isoformat() if result.published else None,
        "updated": result.updated.date().isoformat() if result.updated else None,
        "categories": list(result.categories),
        "primary_category": result.primary_category or None,
        "doi": result.doi or None,
        "journal_ref": result.journal_ref or None,
        "comment": result.comment or None,
        "pdf": f"https://arxiv.org/pdf/{base}",
    }


# --- fetching -------------------------------------------------------------------------------------------------


@dataclass
class Politeness:
    """How to treat the API: seconds between requests, the time limit of one request (connecting, waiting
    and reading the whole answer), retries and the backoff base."""

    delay: float = 3.0
    # The environment can shorten waits (tests, mirrors on a LAN); arXiv itself wants the defaults.
    timeout: float = field(default_factory=lambda: float(os.environ.get("VLMNOTES_ARXIV_TIMEOUT", TIMEOUT)))
    retries: int = field(default_factory=lambda: int(os.environ.get("VLMNOTES_ARXIV_RETRIES", RETRIES)))
    backoff: float = field(default_factory=lambda: float(os.environ.get("VLMNOTES_ARXIV_BACKOFF", "3")))


def api_url() -> str:
    """The API base URL: $VLMNOTES_ARXIV_API, else arXiv's own."""
    return os.environ.get("VLMNOTES_ARXIV_API", DEFAULT_API).rstrip("?")


class _Late(Exception):
    """The answer did not arrive whole within the time limit."""


class _Unusable(Exception):
    """A 200 answer that cannot be used: cut off, or not a well-formed feed (never retried)."""


_T = TypeVar("_T")


def _in_time(deadline: float, work: Callable[[], _T]) -> _T:
    """work()'s result, waited for until the deadline (time.monotonic()) and no longer. Socket timeouts bound
    each wait for a byte, not the request: a trickle would hold it for ever. A worker left behind stops at its
    next byte."""
    box: list[tuple[bool, Any]] = []

    def run() -> None:
        try:
            box.append((True, work()))
        except BaseException as exc:  # handed over to the waiting thread
            box.append((False, exc))

    worker = threading.Thread(target=run, name="vlmnotes-arxiv", daemon=True)
    worker.start()
    worker.join(max(0.0, deadline - time.monotonic()))
    if not box:
        raise _Late
    ok, value = box[0]
    if not ok:
        raise value
    result: _T = value
    return result


def _read_whole(response: Any, deadline: float) -> Any:
    """The response with its body read before the deadline (an error answer's too), checked when it is a
    200: every byte Content-Length promised, and a well-formed Atom feed."""
    import urllib3

    chunks: list[bytes] = []
    try:
        while True:
            if time.monotonic() > deadline:
                response.close()
                raise _Late
            chunk = response.raw.read1(65536, decode_content=True)  # one recv at most: the deadline is checked
            if not chunk:
                break
            chunks.append(chunk)
    except urllib3.exceptions.ReadTimeoutError as exc:
        raise _Late from exc
    except urllib3.exceptions.HTTPError as exc:  # the connection broke (or lied about the length)
        if response.status_code == 200:
            promised = response.headers.get("Content-Length", "")
            of = f" of {promised}" if promised.isdigit() else ""
            raise _Unusable(f"was cut off ({response.raw.tell()}{of} bytes arrived)") from exc
        # an error answer's status says what is needed; its body need not be whole
    response._content, response._content_consumed = b"".join(chunks), True
    response.raw.release_conn()  # read to the end: the connection can serve the next request
    if response.status_code == 200:
        response.held = _entry_ids(response._content)
    return response


_ATOM = "{http://www.w3.org/2005/Atom}"


def _entry_ids(body: bytes) -> list[str]:
    """The arXiv id (without version) of every entry of a feed, read strictly: a body cut short, or anything
    but a feed, is _Unusable (the arxiv package's lenient parser would quietly drop the broken entry)."""
    from xml.etree import ElementTree

    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError as exc:
        raise _Unusable(f"is not a complete feed ({exc})") from exc
    if root.tag != f"{_ATOM}feed":
        raise _Unusable(f"is a <{root.tag.rpartition('}')[2]}> document, not a feed")
    ids = (
        re.search(r"/abs/(.+?)(?:v\d+)?$", (e.findtext(f"{_ATOM}id") or "").strip()) for e in root.iter(f"{_ATOM}entry")
    )
    return [found[1] for found in ids if found]


def _client(polite: Politeness) -> tuple[Any, Any]:
    """An arxiv.Client on our own session: each request within the time limit, its body checked, the ids its
    feed held kept (`held`, over the pages of a query), the last response kept for Retry-After."""
    import arxiv
    import requests

    class Session(requests.Session):
        last: requests.Response | None = None
        held: tuple[str, ...] = ()

        def request(self, *args: Any, **kwargs: Any) -> requests.Response:
            kwargs.update(timeout=polite.timeout, stream=True)
            send, deadline = super().request, time.monotonic() + polite.timeout
            self.last = None  # a late answer leaves no stale Retry-After behind
            self.last = _in_time(deadline, lambda: _read_whole(send(*args, **kwargs), deadline))
            self.held += tuple(getattr(self.last, "held", ()))
            return self.last

    client = arxiv.Client(page_size=BATCH, delay_seconds=polite.delay, num_retries=0)
    client.query_url_format = api_url() + "?{}"
    session = Session()
    client._session = session
    return client, session


@dataclass
class BatchResult:
    """What one batch brought: metadata by id, the ids its answer left out, and why that answer cannot say
    they are unknown (`doubt`, empty when it can)."""

    found: dict[str, dict[str, Any]] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    empty: bool = False  # the answer held no entry at all
    doubt: str = ""


def _retry_after(session: Any) -> float | None:
    response = getattr(session, "last", None)
    value = response.headers.get("Retry-After") if response is not None else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def fetch_batch(
    ids: list[str], client: Any, session: Any, polite: Politeness, sleep: Callable[[float], None] = time.sleep
) -> BatchResult:
    """Fetch up to 100 ids in one request, retrying 429, 5xx and connection failures with backoff. Only the
    ids asked for are kept; an answer holding others, or an entry that cannot be read, puts its doubt on
    the ids it left out."""
    import arxiv

    search = arxiv.Search(id_list=ids, max_results=len(ids))
    client.page_size = len(ids)  # the request's max_results: the package's default of 100 would cut longer lists
    shown = _shown(ids)
    out = BatchResult()
    for result in _query(search, shown, client, session, polite, sleep):
        record = from_result(result)
        if record["id"] in ids:
            out.found[record["id"]] = record
    held = set(session.held)
    out.missing = [i for i in ids if i not in out.found]
    out.empty = not held
    foreign = sorted(held - set(ids))
    unread = [i for i in out.missing if i in held]
    if foreign:
        out.doubt = f"arXiv's answer for {shown} held {_shown(foreign)}, which was not asked for; ignored it"
    elif unread:
        out.doubt = f"arXiv's entry for {_shown(unread)} could not be read"
    return out


def _shown(ids: list[str]) -> str:
    """A few ids for a message: `2103.00020, 2201.00042, 2301.12597…`."""
    return ", ".join(ids[:3]) + ("…" if len(ids) > 3 else "")


def search_titles(
    words: str, client: Any, session: Any, polite: Politeness, sleep: Callable[[float], None]
) -> list[dict[str, Any]]:
    """One title search (`ti:"…"` with the words of a title or name) for a few answers, as fetched metadata."""
    import arxiv

    query = 'ti:"' + " ".join(re.findall(r"\w+", words)) + '"'
    client.page_size = SEARCH_ANSWERS
    results = _query(arxiv.Search(query=query, max_results=SEARCH_ANSWERS), query, client, session, polite, sleep)
    return [from_result(result) for result in results]


def _query(
    search: arxiv.Search, shown: str, client: Any, session: Any, polite: Politeness, sleep: Callable[[float], None]
) -> list[arxiv.Result]:
    """The one door to the API: a query's results, retrying 429, 5xx and lost connections with backoff
    (the server's Retry-After first), each try within the time limit; `shown` names the query in errors.
    The ids the answer's feed held are left in `session.held`."""
    import arxiv
    import requests

    last_error = ""
    for attempt in range(polite.retries + 1):
        session.held = ()
        try:
            return list(client.results(search))
        except arxiv.HTTPError as exc:
            if exc.status != 429 and exc.status < 500:
                raise EnrichError(f"arXiv answered HTTP {exc.status} for {shown}; not retried") from exc
            last_error = f"HTTP {exc.status}"
        except _Unusable as exc:
            raise EnrichError(f"arXiv's answer for {shown} {exc}", RETRY) from exc
        except (_Late, requests.Timeout):  # before ConnectionError: a ConnectTimeout is both
            last_error = f"no complete answer within {polite.timeout:g} s"
        except requests.ConnectionError as exc:
            why = unreachable(exc)
            if why:
                problem = f"arXiv API at {api_url()} cannot be reached ({why}) for {shown}"
                raise Unreachable(problem, OFFLINE_FIX) from exc
            last_error = "cannot connect"
        except (requests.RequestException, arxiv.ArxivError, ValueError) as exc:  # ValueError: a garbled date
            raise EnrichError(f"arXiv's answer for {shown} could not be read ({exc})", RETRY) from exc
        if attempt < polite.retries:
            wait = _retry_after(session) or polite.backoff * 2**attempt
            sleep(min(wait, 120.0))
    tries = f"{polite.retries + 1} tries" if polite.retries else "1 try"
    raise ArxivDown(f"arXiv API at {api_url()} failed for {shown} ({last_error}) after {tries}", RETRY)


def batches(ids: list[str], size: int = BATCH) -> Iterator[list[str]]:
    """ids in groups of at most `size`."""
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


# --- the command --------------------------------------------------------------------------------------------


@dataclass
class EnrichReport:
    """What an enrich run did."""

    enriched: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    not_found: list[str] = field(default_factory=list)
    malformed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    requests: int = 0
    planned: list[str] = field(default_factory=list)


def enrich(
    kb: Path,
    ids: list[str],
    *,
    refresh: bool = False,
    offline: bool = False,
    dry_run: bool = False,
    polite: Politeness | None = None,
    progress: Callable[[int, int], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> EnrichReport:
    """Fetch arXiv metadata for ids not fetched before (all of them with refresh), saving after each batch.

    A paper is marked not found only when a sound answer leaves it out: a well-formed feed that holds nothing
    that was not asked for and leaves out no paper arXiv had before (an empty answer to a refresh is a
    hiccup, not news). Otherwise what was stored stays, and the ids count as failed."""
    from vlmnotes.parse.fields import valid_arxiv_id

    polite = polite or Politeness()
    report = EnrichReport()
    fetched = load_fetched(kb)
    wanted: list[str] = []
    for arxiv_id in dict.fromkeys(ids):
        if not valid_arxiv_id(arxiv_id):
            report.malformed.append(arxiv_id)
        elif arxiv_id in fetched and not refresh:
            report.unchanged.append(arxiv_id)
        else:
            wanted.append(arxiv_id)
    report.planned = wanted
    if offline or dry_run or not wanted:
        return report
    client, session = _client(polite)
    done = asked = 0
    for batch in batches(wanted):
        asked += len(batch)
        report.requests += 1
        try:
            result = fetch_batch(batch, client, session, polite, sleep)
        except EnrichError as exc:
            report.failed += batch
            report.errors.append(str(exc))
            if isinstance(exc, Unreachable) or (isinstance(exc, ArxivDown) and not report.enriched):
                report.failed += wanted[asked:]  # not asked: they failed as surely
                break  # the API is down or out of reach: stop rather than try it once per batch
            continue
        for arxiv_id, record in result.found.items():
            changed = fetched.get(arxiv_id) != record
            fetched[arxiv_id] = record
            (report.enriched if changed else report.unchanged).append(arxiv_id)
        doubt = _doubt(batch, result, fetched)
        if doubt:
            report.failed += result.missing
            report.errors.append(doubt)
        else:
            for arxiv_id in result.missing:
                fetched[arxiv_id] = {"id": arxiv_id, "status": "not-found"}
                report.not_found.append(arxiv_id)
        save_fetched(kb, fetched)  # progress survives an interrupted run
        done += len(batch)
        if progress:
            progress(done, len(wanted))
    return report


def _doubt(batch: list[str], result: BatchResult, fetched: dict[str, dict[str, Any]]) -> str:
    """Why a batch's answer cannot mark the ids it left out not found (one line naming them and the fix),
    or "" when it can."""
    if not result.missing:
        return ""
    if result.doubt:
        return f"{result.doubt}; {_shown(result.missing)} not marked not found ({RETRY})"
    had = _shown([i for i in result.missing if fetched.get(i, {}).get("status") == "found"])
    if not had:
        return ""
    answer = f"was empty, though arXiv had {had} before" if result.empty else f"left out {had}, found before"
    return (
        f"arXiv's answer for {_shown(batch)} {answer}; kept what was fetched, nothing marked not found "
        "(retry later with --refresh)"
    )


# --- merging into records (used by the build) ---------------------------------------------------------------

_FILLED = ("abstract", "published", "updated", "categories", "primary_category", "doi", "journal_ref", "comment")


def merge_into(paper: Any, record: dict[str, Any]) -> None:
    """Fill a Paper's empty fields from arXiv metadata; disagreements go into `conflicts`, notes win. An author
    list the notes end with 等 or et al. counts as unfilled: arXiv's full list replaces it."""
    from vlmnotes.model import Conflict, ConflictValue
    from vlmnotes.parse.fields import norm_key

    if record.get("status") != "found":
        return
    where = f"arXiv:{record['id']}"
    notes = f"{paper.sources[0].file}:{paper.sources[0].line}" if paper.sources else "notes"
    for name in _FILLED:
        value = record.get(name)
        if value and not getattr(paper, name):
            setattr(paper, name, value)
            paper.provenance[name] = "arxiv"
    if record.get("authors") and (not paper.authors or paper.authors_et_al):
        paper.authors, paper.authors_et_al = list(record["authors"]), False
        paper.provenance["authors"] = "arxiv"
    title = record.get("title")
    if title and not paper.title:
        paper.title = title
        paper.provenance["title"] = "arxiv"
    elif title and paper.title and norm_key(_strip_prefix(paper.title)) not in norm_key(title):
        paper.conflicts.append(
            Conflict(
                field="title",
                values=[ConflictValue(value=paper.title, source=notes), ConflictValue(value=title, source=where)],
            )
        )
    published = record.get("published")
    if published:
        if not paper.date or (len(paper.date) < 10 and published.startswith(paper.date)) or _from_id(paper):
            if paper.date != published:
                paper.date, paper.year = published, int(published[:4])
                paper.provenance["date"] = "arxiv"
        elif paper.date[:7] != published[:7]:
            paper.conflicts.append(
                Conflict(
                    field="date",
                    values=[
                        ConflictValue(value=paper.date, source=notes),
                        ConflictValue(value=published, source=where),
                    ],
                )
            )
    if record.get("pdf") and not paper.links.pdf:
        paper.links.pdf = record["pdf"]
        paper.provenance["links.pdf"] = "arxiv"


def _strip_prefix(title: str) -> str:
    head, sep, tail = title.partition(": ")
    return tail if sep and len(head) <= 40 else title


def _from_id(paper: Any) -> bool:
    """True when the record's date is only the arXiv id's month (no date written in the notes)."""
    from vlmnotes.parse.fields import date_from_arxiv_id

    return bool(paper.arxiv_id) and paper.date == date_from_arxiv_id(paper.arxiv_id)


def targets(kb: Path, names: list[str], everything: bool) -> list[str]:
    """The arXiv ids to enrich: every record's with `everything`, else those of the papers named
    (a name, id or arXiv id of a record, or a bare arXiv id)."""
    from vlmnotes.errors import UsageError
    from vlmnotes.index import Index, lookup
    from vlmnotes.parse.fields import arxiv_id_from_url

    if everything:
        index = Index(kb)
        try:
            con = index.open()
            return [a for (a,) in con.execute("SELECT arxiv_id FROM papers WHERE arxiv_id IS NOT NULL ORDER BY id")]
        finally:
            index.close()
    if not names:
        raise UsageError("name the papers to enrich (CLIP, 2103.00020) or pass --all")
    out = []
    for name in names:
        direct = arxiv_id_from_url(name) or (name if re.fullmatch(r"\d{4}\.\d{4,5}", name) else None)
        record = None if direct else lookup(kb, name)
        arxiv_id = direct or (record or {}).get("arxiv_id")
        if not arxiv_id:
            raise UsageError(f"'{name}' has no arXiv id in the notes; add its arXiv link first")
        out.append(arxiv_id)
    return out
