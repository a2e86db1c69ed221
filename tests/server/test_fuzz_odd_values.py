"""Fuzzing every operation of the local server with odd values: no 5xx, Deepgram's error body
on every 4xx (issue 16).

``test_fuzz.py`` sends what the spec describes; this sends what nobody should, to every route
of :data:`dgdata.server.routes.ROUTES` (the WebSocket handshake of ``/v1/listen`` included):

* **numbers** as text and as JSON: ``NaN``, ``Infinity``, ``1e400``, ``1e30``, ``-0``,
  integers of 30, 400 and 5,000 digits, whole numbers with a fraction;
* **strings**: lone UTF-16 surrogates (as JSON escapes, and as invalid UTF-8 percent-escapes
  in paths and queries), NUL, emoji, 5,000 and 1,100,000 characters, dates beyond the calendar
  (``9999-12-31T23:59:59-23:59``, year 0, year 10000, ``-00:00`` offsets);
* **bodies**: the operation's fields (from the spec and those the server reads) holding any of
  the above, JSON nested 65 to 100,000 deep, any top-level JSON value, bytes that are not JSON,
  nothing at all, under several content types;
* **path parameters**: the demo account's real ids (read-only operations) and odd segments.

Requests carry the owner key. Operations that would destroy the project (deleting it, leaving
it) keep generated ids, other writes never get real ids but the project's, and the control
routes that wipe the server or inject faults are left out. Hypothesis is derandomised (the same
examples on every run) with :data:`EXAMPLES` examples per operation.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
import requests
import websocket
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.routing import Route

from dgdata.server.routes import ROUTES
from dgdata.server.runner import LocalServer
from tests.server.fuzz_common import KEEP_GENERATED, demo_server, real_ids, spec_names

#: Examples per operation (about 60 operations).
EXAMPLES = 20
#: Examples of the sweeps, which send one request per query parameter each.
SWEEPS = 4
#: Control routes left out: they wipe the server or inject faults, on purpose.
_LEFT_OUT = {("POST", "/_dgdata/reset"), ("POST", "/_dgdata/faults")}

OPERATIONS = sorted(
    (method, route.path)
    for route in ROUTES
    if isinstance(route, Route)
    for method in route.methods or ()
    if method != "HEAD" and (method, route.path) not in _LEFT_OUT
)

#: Fields the server's routes read from JSON bodies, whatever the spec says of the operation.
SERVER_FIELDS = [
    "comment", "scopes", "tags", "time_to_live_in_seconds", "expiration_date", "ttl_seconds",
    "email", "scope", "name", "config", "metadata", "key", "value", "api_version", "url",
    "text", "provider",
]  # fmt: skip
#: Query parameters the server reads, whatever the spec says of the operation.
SERVER_QUERY = [
    "limit", "page", "start", "end", "sample_rate", "encoding", "channels", "status",
    "grouping", "tag", "model", "callback", "callback_method", "summarize", "speed",
    "endpointing", "utterance_end_ms", "utt_split", "include_outdated", "scopes", "provider",
    "multichannel", "deployment", "endpoint", "method", "language", "line_item",
]  # fmt: skip
LISTEN_QUERY = sorted({*spec_names("POST", "/v1/listen")[0], *SERVER_QUERY})

ODD_NUMBERS = [
    "NaN", "Infinity", "-Infinity", "1e400", "-1e400", "1e308", "1e-400", "-0", "0", "-1",
    "0.5", "1.0", "3600", "16000", "1" + "0" * 30, "1" + "0" * 400, "9" * 5000,
]  # fmt: skip
ODD_STRINGS = [
    "", " ", "\x00", "\ud800", "\udfff", "a\udfffb", "\U0001f600", "x" * 5000,
    "9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59", "9999-12-31", "0000-01-01",
    "10000-01-01", "2024-02-30", "2024-01-01T00:00:00-00:00", "NaN", "member", "owner",
    "usage:read", "DG_X", "a@example.com", "http://127.0.0.1:9/", "{}", '{"a": NaN}',
    "[" * 1000, "linear16",
]  # fmt: skip
#: A string beyond the 1 MiB body limit, prebuilt (generating it each time would be slow).
HUGE_STRING = json.dumps("x" * 1_100_000)
ODD_QUERY = [
    *ODD_NUMBERS[:16], "inf", "-inf", "nan", "true", "false", "%00", "%ED%BF%BF", "%FF",
    "%F0%9F%98%80", "9999-12-31T23:59:59-23:59", "9999-12-31T23:59:59%2B23:59",
    "0001-01-01T00:00:00%2B23:59", "9999-12-31", "0000-01-01", "10000-01-01",
    "2024-01-01T00:00:00-00:00", "x" * 5000, "linear16", "v2", "http://127.0.0.1:9/",
]  # fmt: skip
ODD_SEGMENTS = [
    "0", "-1", "NaN", "1e400", "%00", "%ED%BF%BF", "%FF", "%F0%9F%98%80", "x" * 3000,
    "a%40example.com", "%2E%2E", "00000000-0000-0000-0000-000000000000",
]  # fmt: skip
#: Query values for the sweep of every parameter: numbers and dates no parameter takes.
SWEEP_VALUES = [
    "NaN", "inf", "-Infinity", "1e400", "1e30", "-1", "0", "9" * 30, "%ED%BF%BF", "x" * 5000,
    "9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00%2B23:59", "9999-12-31", "10000-01-01",
]  # fmt: skip
CONTENT_TYPES = [
    "application/json", "application/json", "application/json; charset=utf-8", "text/plain",
    "application/octet-stream", "audio/wav", "application/x-www-form-urlencoded", None,
]  # fmt: skip


def json_leaves() -> st.SearchStrategy[str]:
    """JSON texts of odd scalars (a lone surrogate as its escape, as a client sends it)."""
    strings = st.sampled_from(ODD_STRINGS).map(lambda s: json.dumps(s))
    return st.one_of(
        st.sampled_from(ODD_NUMBERS),
        strings,
        st.sampled_from(["true", "false", "null", HUGE_STRING]),
        st.text(max_size=12).map(lambda s: json.dumps(s)),
        st.integers().map(str),
        st.floats().map(lambda f: json.dumps(f)),  # nan and inf come out as NaN, Infinity
    )


def json_texts(fields: list[str]) -> st.SearchStrategy[str]:
    """Odd JSON values, objects among them keyed by ``fields``."""

    def containers(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        arrays = st.lists(children, max_size=3).map(lambda xs: "[" + ",".join(xs) + "]")
        keys = st.one_of(st.sampled_from(fields), st.sampled_from(ODD_STRINGS[:8]))
        objects = st.lists(st.tuples(keys, children), max_size=4).map(
            lambda pairs: "{" + ",".join(f"{json.dumps(k)}:{v}" for k, v in pairs) + "}"
        )
        return st.one_of(arrays, objects)

    deep = st.sampled_from([65, 100, 1000, 100_000]).flatmap(
        lambda n: st.sampled_from(["[" * n + "]" * n, '{"a":' * n + "1" + "}" * n])
    )
    return st.one_of(st.recursive(json_leaves(), containers, max_leaves=8), deep)


def bodies(fields: list[str]) -> st.SearchStrategy[bytes]:
    """Request bodies: an object of the operation's fields, any JSON text, or no JSON at all."""
    values = json_texts(fields)
    objects = st.dictionaries(st.sampled_from(fields), values, min_size=1, max_size=5).map(
        lambda d: "{" + ",".join(f"{json.dumps(k)}:{v}" for k, v in d.items()) + "}"
    )
    deep = st.sampled_from([65, 100_000]).map(lambda n: "[" * n + "]" * n)
    texts = st.one_of(objects, values, deep).map(lambda t: t.encode("utf-8", "surrogatepass"))
    return st.one_of(texts, st.binary(max_size=64), st.just(b""))


def query_strings(names: list[str]) -> st.SearchStrategy[str]:
    """A query string (values already percent-escaped) of odd values for ``names``."""
    values = st.one_of(st.sampled_from(ODD_QUERY), st.text(max_size=12).map(quote))
    pairs = st.lists(st.tuples(st.sampled_from(names), values), max_size=4)
    return pairs.map(lambda ps: "&".join(f"{quote(k)}={v}" for k, v in ps))


@pytest.fixture(scope="module")
def odd_server() -> Iterator[LocalServer]:
    """A demo server for this module (made-up media URLs fail fast)."""
    with demo_server() as server:
        yield server


def describe(method: str, url: str, headers: dict[str, str], body: bytes) -> str:
    """The request, to reproduce a failure."""
    shown = body[:300] + (b"..." if len(body) > 300 else b"")
    return f"{method} {url[:500]} headers={headers} body={shown!r} ({len(body)} bytes)"


def check_answer(status: int, headers: Any, text: str, request: str) -> None:
    """No 5xx; a 4xx carries Deepgram's error body with the request id."""
    assert status < 500, f"{status} for {request}: {text[:500]}"
    if status >= 400:
        try:
            body = json.loads(text)
        except ValueError:
            raise AssertionError(f"{status} without a JSON body: {request}: {text[:300]}") from None
        assert isinstance(body, dict) and set(body) == {"err_code", "err_msg", "request_id"}, (
            f"{status} {body} for {request}"
        )
        assert body["request_id"] == headers["dg-request-id"], request
        assert body["err_msg"] and body["err_code"], request


FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def path_for(data: st.DataObject, server: LocalServer, method: str, template: str) -> str:
    """``template`` with a real id or an odd segment for each parameter."""
    ids = real_ids(server)
    path = template
    for name in [part[1:-1] for part in template.split("/") if part.startswith("{")]:
        real = name == "project_id" and (method, template) not in KEEP_GENERATED
        if method == "GET" and name in ids:
            real = real or data.draw(st.booleans(), label=f"real {name}")
        segment = ids.get(name, "") if real else data.draw(st.sampled_from(ODD_SEGMENTS), name)
        path = path.replace("{" + name + "}", segment)
    return path


@pytest.mark.parametrize(("method", "template"), OPERATIONS, ids=[" ".join(o) for o in OPERATIONS])
@FUZZ
@given(data=st.data())
def test_odd_values_never_make_a_server_error(
    odd_server: LocalServer, method: str, template: str, data: st.DataObject
) -> None:
    spec_query, spec_fields = spec_names(method, template)
    path = path_for(data, odd_server, method, template)
    query = data.draw(query_strings(sorted({*spec_query, *SERVER_QUERY})), label="query")
    url = f"{odd_server.url}{path}" + (f"?{query}" if query else "")
    headers = {"Authorization": f"Token {odd_server.api_key}"}
    body = b""
    if method != "GET":
        body = data.draw(bodies(sorted({*spec_fields, *SERVER_FIELDS})), label="body")
        content_type = data.draw(st.sampled_from(CONTENT_TYPES), label="content type")
        if content_type is not None:
            headers["Content-Type"] = content_type
    answer = requests.request(method, url, headers=headers, data=body, timeout=60)
    check_answer(
        answer.status_code, answer.headers, answer.text, describe(method, url, headers, body)
    )


@FUZZ
@given(query=query_strings(LISTEN_QUERY))
def test_odd_values_never_break_the_live_handshake(odd_server: LocalServer, query: str) -> None:
    handshake(odd_server, query)


def handshake(server: LocalServer, query: str) -> None:
    """Open the live socket with ``query``: accepted (and closed) or refused with Deepgram's
    error body, never a 5xx."""
    url = f"{server.ws_url}/v1/listen?{query}"
    header = [f"Authorization: Token {server.api_key}"]
    try:
        socket = websocket.create_connection(url, header=header, timeout=20)
    except websocket.WebSocketBadStatusException as refused:
        body = refused.resp_body.decode() if isinstance(refused.resp_body, bytes) else ""
        check_answer(refused.status_code, refused.resp_headers, body, f"WS {url[:500]}")
        assert refused.status_code != 101
    else:
        socket.close()


#: Operations whose query is swept: those the spec gives query parameters, and every GET.
SWEPT = [(m, p) for m, p in OPERATIONS if m == "GET" or spec_names(m, p)[0]]


def sweep_values(names: list[str]) -> st.SearchStrategy[dict[str, str]]:
    """An odd value for each of ``names``."""
    return st.fixed_dictionaries({name: st.sampled_from(SWEEP_VALUES) for name in names})


@pytest.mark.parametrize(("method", "template"), SWEPT, ids=[" ".join(o) for o in SWEPT])
@settings(FUZZ, max_examples=SWEEPS)
@given(data=st.data())
def test_every_query_parameter_takes_odd_values(
    odd_server: LocalServer, method: str, template: str, data: st.DataObject
) -> None:
    """One request per query parameter (spec's and server's), each with an odd value: a bad
    parameter checked early cannot hide one checked later."""
    names = sorted({*spec_names(method, template)[0], *SERVER_QUERY})
    values = data.draw(sweep_values(names), label="values")
    path = path_for(data, odd_server, method, template)
    headers = {"Authorization": f"Token {odd_server.api_key}"}
    with requests.Session() as session:
        for name, value in values.items():
            url = f"{odd_server.url}{path}?{quote(name)}={value}"
            answer = session.request(method, url, headers=headers, timeout=60)
            request = describe(method, url, headers, b"")
            check_answer(answer.status_code, answer.headers, answer.text, request)


@settings(FUZZ, max_examples=SWEEPS)
@given(values=sweep_values(LISTEN_QUERY))
def test_every_live_option_takes_odd_values(
    odd_server: LocalServer, values: dict[str, str]
) -> None:
    """One handshake per option of ``/v1/listen``, each with an odd value."""
    for name, value in values.items():
        handshake(odd_server, f"{quote(name)}={value}")
