"""Members: the exact request of list_members and remove_member."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import responses

from dgdata import Deepgram
from tests.client.conftest import API, SentRequest

MEMBERS = "/v1/projects/{project_id}/members"
MEMBER = MEMBERS + "/{member_id}"


@pytest.mark.parametrize(
    ("call", "method", "template", "path"),
    [
        pytest.param(
            lambda dg: dg.members.list_members("proj-1"),
            "GET",
            MEMBERS,
            "/v1/projects/proj-1/members",
            id="list_members",
        ),
        pytest.param(
            lambda dg: dg.members.remove_member("proj-1", "mem-1"),
            "DELETE",
            MEMBER,
            "/v1/projects/proj-1/members/mem-1",
            id="remove_member",
        ),
    ],
)
def test_members_operation_sends_the_documented_request_and_returns_the_answer(
    dg: Deepgram,
    answer: Callable[..., Any],
    sent: Callable[[], list[SentRequest]],
    call: Callable[[Deepgram], Any],
    method: str,
    template: str,
    path: str,
) -> None:
    example = answer(method, template, path)

    result = call(dg)

    (request,) = sent()
    assert (request.method, request.url) == (method, API + path)
    assert request.body is None
    request.assert_client_headers(content_type=None)
    assert result == example


def test_members_remove_member_percent_encodes_the_ids(
    dg: Deepgram, answer: Callable[..., Any], sent: Callable[[], list[SentRequest]]
) -> None:
    answer("DELETE", MEMBER, "/v1/projects/p%201/members/m%2F1")
    dg.members.remove_member("p 1", "m/1")
    (request,) = sent()
    assert request.path == "/v1/projects/p%201/members/m%2F1"


@pytest.mark.parametrize("blank", ["", "   ", None])
@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda dg, x: dg.members.list_members(x), id="list_members"),
        pytest.param(lambda dg, x: dg.members.remove_member(x, "mem-1"), id="remove-project"),
        pytest.param(lambda dg, x: dg.members.remove_member("proj-1", x), id="remove-member"),
    ],
)
def test_members_blank_id_raises_value_error_and_sends_nothing(
    dg: Deepgram, mocked: responses.RequestsMock, call: Callable[..., Any], blank: str | None
) -> None:
    with pytest.raises(ValueError, match="_id"):
        call(dg, blank)
    assert len(mocked.calls) == 0
