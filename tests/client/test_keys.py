"""API keys: the exact request of list, get, create and delete; create's body rules."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import responses

from dgdata import Deepgram
from tests.client.conftest import API, SentRequest

Call = Callable[[Deepgram], Any]
KEYS = "/v1/projects/{project_id}/keys"
KEY_ID = KEYS + "/{key_id}"
UTC = dt.timezone.utc


@pytest.mark.parametrize(
    ("call", "method", "template", "path", "query", "body"),
    [
        pytest.param(
            lambda dg: dg.keys.list("proj-1"),
            "GET",
            KEYS,
            "/v1/projects/proj-1/keys",
            "",
            None,
            id="list",
        ),
        pytest.param(
            lambda dg: dg.keys.list("proj-1", status="active"),
            "GET",
            KEYS,
            "/v1/projects/proj-1/keys",
            "status=active",
            None,
            id="list-active",
        ),
        pytest.param(
            lambda dg: dg.keys.get("proj-1", "key-1"),
            "GET",
            KEY_ID,
            "/v1/projects/proj-1/keys/key-1",
            "",
            None,
            id="get",
        ),
        pytest.param(
            lambda dg: dg.keys.create(
                "proj-1", "my key", ["member"], tags=["t1", "t2"], time_to_live_in_seconds=3600
            ),
            "POST",
            KEYS,
            "/v1/projects/proj-1/keys",
            "",
            {
                "comment": "my key",
                "scopes": ["member"],
                "tags": ["t1", "t2"],
                "time_to_live_in_seconds": 3600,
            },
            id="create",
        ),
        pytest.param(
            lambda dg: dg.keys.delete("proj-1", "key-1"),
            "DELETE",
            KEY_ID,
            "/v1/projects/proj-1/keys/key-1",
            "",
            None,
            id="delete",
        ),
    ],
)
def test_keys_operation_sends_the_documented_request_and_returns_the_answer(
    dg: Deepgram,
    answer: Callable[..., Any],
    sent: Callable[[], list[SentRequest]],
    call: Call,
    method: str,
    template: str,
    path: str,
    query: str,
    body: dict[str, Any] | None,
) -> None:
    example = answer(method, template, path)

    result = call(dg)

    (request,) = sent()
    assert (request.method, request.path, request.query) == (method, path, query)
    if body is None:
        assert request.body is None
        request.assert_client_headers(content_type=None)
    else:
        assert request.json == body
        request.assert_client_headers(content_type="application/json")
    assert result == example


@pytest.fixture
def created(
    dg: Deepgram, answer: Callable[..., Any], sent: Callable[[], list[SentRequest]]
) -> Callable[..., dict[str, Any]]:
    """Call ``dg.keys.create("proj-1", ...)`` and return the JSON body it sent."""

    def create(*args: Any, **kwargs: Any) -> dict[str, Any]:
        answer("POST", KEYS, "/v1/projects/proj-1/keys")
        dg.keys.create("proj-1", *args, **kwargs)
        (request,) = sent()
        request.assert_client_headers(content_type="application/json")
        return request.json

    return create


def test_keys_create_omits_unset_fields(created: Callable[..., dict[str, Any]]) -> None:
    assert created("my key", ["member"]) == {"comment": "my key", "scopes": ["member"]}


@pytest.mark.parametrize(
    ("expiration", "text"),
    [
        (dt.datetime(2030, 1, 1, tzinfo=UTC), "2030-01-01T00:00:00Z"),
        (dt.datetime(2030, 1, 1, 12, 30, 5, tzinfo=UTC), "2030-01-01T12:30:05Z"),
        (
            dt.datetime(2030, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=2))),
            "2030-01-01T00:00:00+02:00",
        ),
        (dt.date(2030, 1, 1), "2030-01-01"),
        ("2030-01-01T00:00:00Z", "2030-01-01T00:00:00Z"),
    ],
)
def test_keys_create_sends_expiration_date_as_iso_8601(
    created: Callable[..., dict[str, Any]], expiration: Any, text: str
) -> None:
    body = created("dt key", ["member"], expiration_date=expiration)
    assert body == {"comment": "dt key", "scopes": ["member"], "expiration_date": text}


@pytest.mark.parametrize(
    "scopes",
    [
        pytest.param("member", id="str"),
        pytest.param(["member"], id="list"),
        pytest.param(("member",), id="tuple"),
        pytest.param((s for s in ["member"]), id="generator"),
    ],
)
def test_keys_create_sends_scopes_as_a_list(
    created: Callable[..., dict[str, Any]], scopes: Any
) -> None:
    assert created("my key", scopes)["scopes"] == ["member"]


def test_keys_create_sends_tags_from_any_iterable_as_a_list(
    created: Callable[..., dict[str, Any]],
) -> None:
    assert created("my key", ["member"], tags=("t1", "t2"))["tags"] == ["t1", "t2"]


def test_keys_create_sends_a_single_tag_string_as_one_tag(
    created: Callable[..., dict[str, Any]],
) -> None:
    # Like `scopes`, one string is one tag, not a list of its characters.
    assert created("my key", ["member"], tags="prod")["tags"] == ["prod"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param(
            {
                "comment": "k",
                "scopes": ["member"],
                "expiration_date": dt.datetime(2030, 1, 1, tzinfo=UTC),
                "time_to_live_in_seconds": 60,
            },
            "not both",
            id="expiration-and-ttl",
        ),
        pytest.param({"comment": "", "scopes": ["member"]}, "comment", id="empty-comment"),
        pytest.param({"comment": "  ", "scopes": ["member"]}, "comment", id="blank-comment"),
        pytest.param({"comment": "k", "scopes": []}, "scopes", id="no-scopes"),
    ],
)
def test_keys_create_rejects_bad_fields_before_sending(
    dg: Deepgram, mocked: responses.RequestsMock, kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        dg.keys.create("proj-1", **kwargs)
    assert len(mocked.calls) == 0


def test_keys_get_percent_encodes_both_ids(
    dg: Deepgram, answer: Callable[..., Any], sent: Callable[[], list[SentRequest]]
) -> None:
    answer("GET", KEY_ID, "/v1/projects/p%2F1/keys/k%201%3F")
    dg.keys.get("p/1", "k 1?")
    (request,) = sent()
    assert request.url == API + "/v1/projects/p%2F1/keys/k%201%3F"


@pytest.mark.parametrize("key_id", [".", ".."])
def test_keys_delete_rejects_dot_segment_key_ids(
    dg: Deepgram, mocked: responses.RequestsMock, key_id: str
) -> None:
    # requests/urllib3 resolve dot segments: `/v1/projects/p/keys/..` would be sent as
    # `DELETE /v1/projects/p/` (the project!) and `.` as `DELETE /v1/projects/p/keys/`.
    with pytest.raises(ValueError):
        dg.keys.delete("proj-1", key_id)
    assert len(mocked.calls) == 0


@pytest.mark.parametrize("blank", ["", "   ", None])
@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda dg, x: dg.keys.list(x), id="list"),
        pytest.param(lambda dg, x: dg.keys.get(x, "key-1"), id="get-project"),
        pytest.param(lambda dg, x: dg.keys.get("proj-1", x), id="get-key"),
        pytest.param(lambda dg, x: dg.keys.create(x, "c", ["member"]), id="create"),
        pytest.param(lambda dg, x: dg.keys.delete(x, "key-1"), id="delete-project"),
        pytest.param(lambda dg, x: dg.keys.delete("proj-1", x), id="delete-key"),
    ],
)
def test_keys_blank_id_raises_value_error_and_sends_nothing(
    dg: Deepgram, mocked: responses.RequestsMock, call: Callable[..., Any], blank: str | None
) -> None:
    with pytest.raises(ValueError, match="_id"):
        call(dg, blank)
    assert len(mocked.calls) == 0
