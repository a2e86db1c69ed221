"""Scopes of a member: the exact request of get_scope and update_scope."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import responses

from dgdata import Deepgram
from tests.client.conftest import API, SentRequest

SCOPES = "/v1/projects/{project_id}/members/{member_id}/scopes"
PATH = "/v1/projects/proj-1/members/mem-1/scopes"


def test_scopes_get_scope_sends_get_and_returns_the_answer(
    dg: Deepgram, answer: Callable[..., Any], sent: Callable[[], list[SentRequest]]
) -> None:
    example = answer("GET", SCOPES, PATH)

    result = dg.scopes.get_scope("proj-1", "mem-1")

    (request,) = sent()
    assert (request.method, request.url) == ("GET", API + PATH)
    assert request.body is None
    request.assert_client_headers(content_type=None)
    assert result == example


def test_scopes_update_scope_puts_the_scope_as_json_and_returns_the_answer(
    dg: Deepgram, answer: Callable[..., Any], sent: Callable[[], list[SentRequest]]
) -> None:
    example = answer("PUT", SCOPES, PATH)

    result = dg.scopes.update_scope("proj-1", "mem-1", "admin")

    (request,) = sent()
    assert (request.method, request.url) == ("PUT", API + PATH)
    assert request.json == {"scope": "admin"}
    request.assert_client_headers(content_type="application/json")
    assert result == example


def test_scopes_get_scope_percent_encodes_the_ids(
    dg: Deepgram, answer: Callable[..., Any], sent: Callable[[], list[SentRequest]]
) -> None:
    answer("GET", SCOPES, "/v1/projects/p%2F1/members/m%231/scopes")
    dg.scopes.get_scope("p/1", "m#1")
    (request,) = sent()
    assert request.path == "/v1/projects/p%2F1/members/m%231/scopes"


@pytest.mark.parametrize("scope", ["", "  "])
def test_scopes_update_scope_rejects_an_empty_scope_before_sending(
    dg: Deepgram, mocked: responses.RequestsMock, scope: str
) -> None:
    with pytest.raises(ValueError, match="scope"):
        dg.scopes.update_scope("proj-1", "mem-1", scope)
    assert len(mocked.calls) == 0


@pytest.mark.parametrize("blank", ["", "   ", None])
@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda dg, x: dg.scopes.get_scope(x, "mem-1"), id="get-project"),
        pytest.param(lambda dg, x: dg.scopes.get_scope("proj-1", x), id="get-member"),
        pytest.param(lambda dg, x: dg.scopes.update_scope(x, "mem-1", "admin"), id="put-project"),
        pytest.param(lambda dg, x: dg.scopes.update_scope("proj-1", x, "admin"), id="put-member"),
    ],
)
def test_scopes_blank_id_raises_value_error_and_sends_nothing(
    dg: Deepgram, mocked: responses.RequestsMock, call: Callable[..., Any], blank: str | None
) -> None:
    with pytest.raises(ValueError, match="_id"):
        call(dg, blank)
    assert len(mocked.calls) == 0
