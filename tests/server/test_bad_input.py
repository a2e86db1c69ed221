"""Bad input is a 4xx with Deepgram's error body, never a 500 (issue 16, items 6, 7 and 8).

Each request is sent to the real server (the ``server`` fixture, uvicorn in a thread) as raw
bytes, so the odd values are exactly what an attacker or a careless client sends: ``NaN``,
``Infinity`` and ``1e400`` as JSON numbers, ``\\udfff`` as a JSON escape, bodies nested 100,000
deep or larger than the 1 MiB limit, dates whose UTC form leaves the years 1 to 9999.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import websocket

from dgdata.server.errors import MAX_DEPTH, MAX_ITEMS, MAX_JSON_BODY, MAX_TEXT
from dgdata.server.runner import LocalServer
from tests.server.manage_common import assert_error, raw

NEW_KEY = '{"comment": "probe", "scopes": ["member"], %s}'
DEEP = "[" * 100_000 + "]" * 100_000
#: A second of silence, 16 kHz linear16.
PCM = b"\0\0" * 16000


def send_json(
    server: LocalServer, method: str, path: str, text: str | bytes | Iterator[bytes]
) -> requests.Response:
    """``text`` as the JSON body of a request with the owner key (chunks: without a length)."""
    data = text.encode() if isinstance(text, str) else text
    return raw(server, method, path, data=data, headers={"Content-Type": "application/json"})


def key_count(server: LocalServer) -> int:
    """How many keys the project has (listing them must answer 200)."""
    listed = raw(server, "GET", f"/v1/projects/{server.project_id}/keys")
    assert listed.status_code == 200, listed.text
    return len(listed.json()["api_keys"])


# --- item 6: numbers, dates and nesting ------------------------------------------------------


@pytest.mark.parametrize("ttl", ["NaN", "Infinity", "-Infinity", "1e400", "1" + "0" * 400])
def test_a_key_lifetime_that_is_no_number_is_refused(server: LocalServer, ttl: str) -> None:
    before = key_count(server)
    answer = send_json(
        server,
        "POST",
        f"/v1/projects/{server.project_id}/keys",
        NEW_KEY % f'"time_to_live_in_seconds": {ttl}',
    )
    assert_error(answer, 400, "Bad Request")
    assert key_count(server) == before


@pytest.mark.parametrize("ttl", ["NaN", "Infinity", "1e400", "1" + "0" * 400, "1e300"])
def test_a_grant_lifetime_that_is_no_number_is_refused(server: LocalServer, ttl: str) -> None:
    assert_error(send_json(server, "POST", "/v1/auth/grant", f'{{"ttl_seconds": {ttl}}}'), 400)


@pytest.mark.parametrize(
    "query",
    [
        "limit=NaN",
        "limit=inf",
        "page=inf",
        "page=-inf",
        "page=1e30",
        "page=NaN",
        "limit=1e400",
        "page=99999999999999999999999",
    ],
)
def test_paging_numbers_out_of_range_are_refused(server: LocalServer, query: str) -> None:
    project = f"/v1/projects/{server.project_id}"
    for path in (f"{project}/requests", project, f"{project}/purchases"):
        if "page" in query and path.endswith("purchases"):
            continue  # purchases take no page
        assert_error(raw(server, "GET", f"{path}?{query}"), 400, "INVALID_QUERY_PARAMETER")


AGGREGATES = ("requests", "usage", "usage/fields", "usage/breakdown", "billing/breakdown")


@pytest.mark.parametrize(
    "query",
    [
        "start=9999-12-31T23:59:59-23:59",
        "start=9999-12-31",
        "end=9999-12-31T23:59:59-23:59",
        "end=9999-12-31",
        "start=0001-01-01T00:00:00%2B23:59",
        "start=0000-01-01",
        "start=10000-01-01",
        "end=10000-01-01T00:00:00Z",
    ],
)
def test_dates_beyond_the_calendar_are_refused(server: LocalServer, query: str) -> None:
    for path in AGGREGATES:
        answer = raw(server, "GET", f"/v1/projects/{server.project_id}/{path}?{query}")
        if answer.status_code == 200:  # a start on the last day is fine for a list
            assert query == "start=9999-12-31" and path == "requests", answer.text
            continue
        assert_error(answer, 400, "INVALID_QUERY_PARAMETER")


def test_a_negative_zero_offset_is_utc(server: LocalServer) -> None:
    project = f"/v1/projects/{server.project_id}"
    answer = raw(server, "GET", f"{project}/requests?start=2024-01-01T00:00:00-00:00")
    assert answer.status_code == 200, answer.text


def test_an_expiration_date_beyond_the_calendar_is_refused(server: LocalServer) -> None:
    answer = send_json(
        server,
        "POST",
        f"/v1/projects/{server.project_id}/keys",
        NEW_KEY % '"expiration_date": "9999-12-31T23:59:59-23:59"',
    )
    assert_error(answer, 400, "Bad Request")


@pytest.fixture
def nested_targets(server: LocalServer) -> Iterator[list[tuple[str, str]]]:
    """Every operation whose JSON body goes through one of the two parsers."""
    project = f"/v1/projects/{server.project_id}"
    yield [
        ("POST", f"{project}/keys"),
        ("POST", "/v1/auth/grant"),
        ("POST", f"{project}/agents"),
        ("POST", f"{project}/agent-variables"),
        ("PATCH", project),
        ("POST", "/v1/listen"),
        ("POST", "/v1/read?summarize=v2"),
        ("POST", "/v1/speak"),
    ]


def test_json_nested_100000_deep_is_refused(
    server: LocalServer, nested_targets: list[tuple[str, str]]
) -> None:
    for method, path in nested_targets:
        for body in (DEEP, '{"a": ' * 100_000 + "1" + "}" * 100_000):
            assert_error(send_json(server, method, path, body), 400, "Bad Request")


def test_nesting_is_allowed_to_the_limit(server: LocalServer) -> None:
    path = f"/v1/projects/{server.project_id}/agent-variables"
    deep_ok = "[" * (MAX_DEPTH - 1) + "1" + "]" * (MAX_DEPTH - 1)
    too_deep = "[" * MAX_DEPTH + "1" + "]" * MAX_DEPTH
    created = send_json(server, "POST", path, f'{{"key": "DG_OK", "value": {deep_ok}}}')
    assert created.status_code == 200, created.text
    answer = send_json(server, "POST", path, f'{{"key": "DG_DEEP", "value": {too_deep}}}')
    assert "nested too deeply" in assert_error(answer, 400)["err_msg"]
    # A config given as JSON text is parsed by the same rules.
    text = json.dumps({"config": f'{{"a": {too_deep}}}'})
    answer = send_json(server, "POST", f"/v1/projects/{server.project_id}/agents", text)
    assert "config is not valid JSON" in assert_error(answer, 400)["err_msg"]


BAD_RATES = ("NaN", "nan", "inf", "-Infinity", "0", "-16000", "1e30", "1e400")


@pytest.mark.parametrize("rate", BAD_RATES)
def test_raw_audio_with_a_sample_rate_of_no_number_is_refused(
    server: LocalServer, rate: str
) -> None:
    answer = raw(server, "POST", f"/v1/listen?encoding=linear16&sample_rate={rate}", data=PCM)
    assert "sample_rate" in assert_error(answer, 400, "INVALID_QUERY_PARAMETER")["err_msg"]


@pytest.mark.parametrize("rate", BAD_RATES)
def test_the_live_handshake_refuses_a_sample_rate_of_no_number(
    server: LocalServer, rate: str
) -> None:
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        websocket.create_connection(
            f"{server.ws_url}/v1/listen?encoding=linear16&sample_rate={rate}",
            header=[f"Authorization: Token {server.api_key}"],
            timeout=10,
        )
    assert refused.value.status_code == 400
    assert refused.value.resp_body is not None and refused.value.resp_headers is not None
    body = json.loads(refused.value.resp_body)
    assert body["err_code"] == "INVALID_QUERY_PARAMETER" and "sample_rate" in body["err_msg"]
    assert body["request_id"] == refused.value.resp_headers["dg-request-id"]


# --- item 7: lone surrogates -----------------------------------------------------------------

SURROGATE = '"\\udfff"'  # the JSON escape of a lone low surrogate


def stored_string_bodies(server: LocalServer) -> list[tuple[str, str, str]]:
    """``(method, path, body)``: a lone surrogate in each string the server stores or echoes."""
    project = f"/v1/projects/{server.project_id}"
    return [
        ("POST", f"{project}/keys", NEW_KEY % f'"tags": [{SURROGATE}]'),
        ("POST", f"{project}/keys", f'{{"comment": {SURROGATE}, "scopes": ["member"]}}'),
        ("POST", f"{project}/keys", f'{{"comment": "c", "scopes": ["member"], {SURROGATE}: 1}}'),
        ("POST", f"{project}/invites", '{"email": "a\\udfff@example.com", "scope": "member"}'),
        ("PATCH", project, f'{{"name": {SURROGATE}}}'),
        ("POST", f"{project}/agents", f'{{"config": {{"prompt": {SURROGATE}}}}}'),
        ("POST", f"{project}/agents", json.dumps({"config": '{"prompt": "\\udfff"}'})),
        ("POST", f"{project}/agents", f'{{"config": "{{}}", "metadata": {{"a": {SURROGATE}}}}}'),
        ("POST", f"{project}/agent-variables", f'{{"key": "DG_X", "value": {SURROGATE}}}'),
        ("POST", f"{project}/self-hosted/distribution/credentials", f'{{"comment": {SURROGATE}}}'),
        ("POST", "/v1/read?summarize=v2", f'{{"text": {SURROGATE}}}'),
        ("POST", "/v1/listen", '{"url": "http://127.0.0.1:9/\\udfff"}'),
        ("POST", "/v1/speak", f'{{"text": {SURROGATE}}}'),
    ]


def test_a_lone_surrogate_is_refused_before_anything_is_stored(server: LocalServer) -> None:
    project = f"/v1/projects/{server.project_id}"
    keys = key_count(server)
    for method, path, body in stored_string_bodies(server):
        answer = assert_error(send_json(server, method, path, body), 400, "Bad Request")
        assert "surrogate" in answer["err_msg"], (path, body)
    assert key_count(server) == keys
    for listing in ("invites", "agents", "agent-variables", "self-hosted/distribution/credentials"):
        assert raw(server, "GET", f"{project}/{listing}").status_code == 200
    assert "\ufffd" not in raw(server, "GET", project).json()["name"]


def test_strings_stored_before_the_checks_still_list(server: LocalServer) -> None:
    """Defensive rendering: a lone surrogate already in the database (tags are stored as JSON
    text, which SQLite takes) reads as U+FFFD."""
    backend = server.state.backend
    member = server.state.boot.member_id
    key, _ = backend.create_key(server.project_id, member, "old", ["member"], tags=["a\udfff"])
    listed = raw(server, "GET", f"/v1/projects/{server.project_id}/keys")
    assert listed.status_code == 200, listed.text
    found = [k["api_key"] for k in listed.json()["api_keys"]]
    stored = next(k for k in found if k["api_key_id"] == key["api_key_id"])
    assert stored["tags"] == ["a\ufffd"]


# --- item 8: size limits ---------------------------------------------------------------------


def test_a_json_body_beyond_the_limit_is_413(server: LocalServer) -> None:
    path = f"/v1/projects/{server.project_id}/keys"
    big = NEW_KEY % f'"padding": "{"x" * MAX_JSON_BODY}"'
    assert_error(send_json(server, "POST", path, big), 413, "PAYLOAD_TOO_LARGE")

    def chunks() -> Iterator[bytes]:  # no Content-Length: refused as the stream passes 1 MiB
        yield b'{"comment": "c", "scopes": ["member"], "padding": "'
        for _ in range(20):
            yield b"x" * 1024 * 1024
        yield b'"}'

    assert_error(send_json(server, "POST", path, chunks()), 413, "PAYLOAD_TOO_LARGE")
    assert_error(send_json(server, "POST", "/v1/auth/grant", big), 413, "PAYLOAD_TOO_LARGE")


def long_text_bodies(server: LocalServer, text: str) -> list[tuple[str, str, dict[str, Any]]]:
    """``(method, path, body)`` with ``text`` in each stored free-text field."""
    project = f"/v1/projects/{server.project_id}"
    key = {"comment": "c", "scopes": ["member"]}
    return [
        ("POST", f"{project}/keys", {**key, "comment": text}),
        ("POST", f"{project}/keys", {**key, "tags": [text]}),
        ("PATCH", project, {"name": text}),
        ("POST", f"{project}/invites", {"email": text + "@example.com", "scope": "member"}),
        ("POST", f"{project}/agents", {"config": "{}", "metadata": {"a": text}}),
        ("POST", f"{project}/self-hosted/distribution/credentials", {"comment": text}),
        ("POST", f"{project}/agent-variables", {"key": "DG_" + text.upper(), "value": 1}),
    ]


def test_long_strings_are_refused(server: LocalServer) -> None:
    keys = key_count(server)
    for method, path, body in long_text_bodies(server, "x" * 1_000_000):
        assert_error(send_json(server, method, path, json.dumps(body)), 400, "Bad Request")
    for method, path, body in long_text_bodies(server, "x" * (MAX_TEXT + 1)):
        answer = send_json(server, method, path, json.dumps(body))
        assert_error(answer, 400, "Bad Request")
    many = {"comment": "c", "scopes": ["member"], "tags": ["t"] * (MAX_ITEMS + 1)}
    path = f"/v1/projects/{server.project_id}/keys"
    assert_error(send_json(server, "POST", path, json.dumps(many)), 400)
    assert key_count(server) == keys


def test_long_strings_within_the_limits_are_stored(server: LocalServer) -> None:
    path = f"/v1/projects/{server.project_id}/keys"
    body = {"comment": "c" * MAX_TEXT, "scopes": ["member"], "tags": ["t" * MAX_TEXT] * 10}
    created = send_json(server, "POST", path, json.dumps(body))
    assert created.status_code == 200, created.text
    assert created.json()["comment"] == "c" * MAX_TEXT
    many = {"comment": "c", "scopes": ["member"], "tags": [f"t{i}" for i in range(MAX_ITEMS)]}
    created = send_json(server, "POST", path, json.dumps(many))
    assert created.status_code == 200, created.text
    assert len(created.json()["tags"]) == MAX_ITEMS
