"""Fixtures for unit tests of the client: a client pointed at a mocked Deepgram."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import responses

from dgdata import Deepgram

API = "https://api.deepgram.com"
KEY = "dgkey_0123456789abcdef0123456789abcdef"


@pytest.fixture
def mocked() -> Iterator[responses.RequestsMock]:
    """Every HTTP request goes to this mock; a registered but unused response fails the test."""
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


@pytest.fixture
def dg(mocked: responses.RequestsMock) -> Iterator[Deepgram]:
    """A client with a test key, no retries, against the mocked cloud URL."""
    client = Deepgram(api_key=KEY, max_retries=0)
    yield client
    client.close()


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record retry waits instead of sleeping."""
    waited: list[float] = []
    monkeypatch.setattr("dgdata._http.time.sleep", waited.append)
    return waited


# --- Request-pinning helpers (test_operations.py and the group-specific test_<group>.py) -------

DOCS_EXAMPLES = Path(__file__).resolve().parents[1] / "data/docs-examples/wiremock-mappings.json"


@dataclass(frozen=True)
class SentRequest:
    """One request as it went on the wire (recorded by ``responses``)."""

    method: str
    url: str
    headers: Mapping[str, str]
    body: Any

    @property
    def path(self) -> str:
        """The raw path, percent-encoding kept (``/v1/projects/a%2Fb``)."""
        return urlsplit(self.url).path

    @property
    def query(self) -> str:
        """The raw query string as sent (``keywords=first%3A5&keywords=second``)."""
        return urlsplit(self.url).query

    @property
    def params(self) -> list[tuple[str, str]]:
        """The decoded query pairs, in order, repeated keys kept."""
        return parse_qsl(self.query, keep_blank_values=True)

    @property
    def json(self) -> Any:
        """The JSON body (fails when there is none)."""
        assert self.body is not None, "the request has no body"
        return json.loads(self.body)

    def assert_client_headers(self, content_type: str | None) -> None:
        """The key as ``Token``, dgdata's User-Agent, and exactly this Content-Type (or none)."""
        assert self.headers["Authorization"] == f"Token {KEY}"
        assert self.headers["User-Agent"].startswith("dgdata/")
        assert self.headers.get("Content-Type") == content_type


@pytest.fixture
def sent(mocked: responses.RequestsMock) -> Callable[[], list[SentRequest]]:
    """The requests sent so far: ``(request,) = sent()`` also checks there was exactly one."""

    def requests_sent() -> list[SentRequest]:
        return [
            SentRequest(str(req.method), str(req.url), req.headers, req.body)
            for req in (call.request for call in mocked.calls)
        ]

    return requests_sent


@pytest.fixture(scope="session")
def docs_example() -> Callable[[str, str], Any]:
    """The docs' example answer of an operation: ``docs_example("GET", "/v1/projects")``."""
    mappings = json.loads(DOCS_EXAMPLES.read_text(encoding="utf-8"))["mappings"]
    examples = {
        (m["request"]["method"], m["request"]["urlPathTemplate"]): json.loads(m["response"]["body"])
        for m in mappings
    }

    def example(method: str, template: str) -> Any:
        return copy.deepcopy(examples[(method, template)])

    return example


@pytest.fixture
def answer(
    mocked: responses.RequestsMock, docs_example: Callable[[str, str], Any]
) -> Callable[..., Any]:
    """Answer ``method base+path`` with the docs' example of ``template``; returns the example.

    ``answer("GET", "/v1/projects/{project_id}", "/v1/projects/p%2F1")``
    """

    def register(method: str, template: str, path: str | None = None, *, base: str = API) -> Any:
        body = docs_example(method, template)
        mocked.add(method, base + (path or template), json=body)
        return body

    return register
