"""With no network, `enrich` and `add` stop at the first failure with one line naming --offline.

Retries are for a server that answers badly (429, 5xx, a dropped connection). A name that does not resolve
or a port nobody listens on will not get better in a few seconds: retrying them made a run without network
wait about 45 s. Here retries and backoff are left at their defaults, so a test that retried would take
seconds and show it.
"""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from conftest import Run, write_notes
from test_enrich import closed_port_url

NOTES = {
    "reading.md": "# Reading\n\n"
    + "".join(f"- Mon, 4 Jan 2021 [Paper {n}](https://arxiv.org/abs/2101.{n:05d})\n" for n in range(1, 251))
}
FIX = "check the network, or use --offline"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run: Run) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in ("VLMNOTES_NOTES", "VLMNOTES_KB", "VLMNOTES_ARXIV_RETRIES", "VLMNOTES_ARXIV_BACKOFF"):
        monkeypatch.delenv(name, raising=False)
    write_notes(tmp_path / "notes", NOTES)
    assert run("build").exit_code == 0
    return tmp_path


@pytest.fixture
def no_dns(monkeypatch: pytest.MonkeyPatch) -> str:
    """A resolver that knows no name, as on a machine without network; the API address it is asked for."""

    def fail(*args: object, **kwargs: object) -> None:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", fail)
    url = "https://export.arxiv.org/api/query"
    monkeypatch.setenv("VLMNOTES_ARXIV_API", url)
    return url


@pytest.fixture
def refused(monkeypatch: pytest.MonkeyPatch) -> str:
    url = closed_port_url()
    monkeypatch.setenv("VLMNOTES_ARXIV_API", url)
    return url


def timed(run: Run, *args: str) -> tuple[float, int, list[str]]:
    start = time.monotonic()
    result = run(*args)
    assert "Traceback" not in result.output
    return time.monotonic() - start, result.exit_code, result.stderr.splitlines()


@pytest.mark.parametrize(("where", "why"), [("no_dns", "DNS lookup failed"), ("refused", "connection refused")])
def test_enrich_stops_at_once_with_one_line(
    project: Path, run: Run, where: str, why: str, request: pytest.FixtureRequest
) -> None:
    url = request.getfixturevalue(where)
    seconds, code, err = timed(run, "enrich", "--all")
    assert seconds < 5  # the defaults would retry 4 times with backoff: well over 5 s
    assert code == 1
    first = f"error: arXiv API at {url} cannot be reached ({why}) for 2101.00001, 2101.00002, 2101.00003…; {FIX}"
    assert err == [first]  # the other two batches are not tried
    assert not (project / "kb" / "arxiv.jsonl").exists()


@pytest.mark.parametrize(("where", "why"), [("no_dns", "DNS lookup failed"), ("refused", "connection refused")])
def test_add_stops_at_once_with_one_line_and_adds_nothing(
    project: Path, run: Run, where: str, why: str, request: pytest.FixtureRequest
) -> None:
    url = request.getfixturevalue(where)
    before = (project / "notes" / "reading.md").read_bytes()
    seconds, code, err = timed(run, "add", "2301.12597")
    assert seconds < 5
    assert (code, err) == (1, [f"error: arXiv API at {url} cannot be reached ({why}) for 2301.12597; {FIX}"])
    assert (project / "notes" / "reading.md").read_bytes() == before
    assert not (project / "notes" / "inbox.md").exists()
