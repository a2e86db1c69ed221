"""API keys: how ``keys.create`` turns its arguments into the JSON body.

The request of every keys operation, blank and dot-segment ids and refused arguments are checked
with all the other operations in ``test_operations.py``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from dgdata import Deepgram
from tests.client.conftest import SentRequest

KEYS = "/v1/projects/{project_id}/keys"
UTC = dt.timezone.utc


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


@pytest.mark.parametrize(
    ("tags", "listed"),
    [
        pytest.param(("t1", "t2"), ["t1", "t2"], id="tuple"),
        # Like `scopes`, one string is one tag, not a list of its characters.
        pytest.param("prod", ["prod"], id="one-string"),
    ],
)
def test_keys_create_sends_tags_as_a_list(
    created: Callable[..., dict[str, Any]], tags: Any, listed: list[str]
) -> None:
    assert created("my key", ["member"], tags=tags)["tags"] == listed
