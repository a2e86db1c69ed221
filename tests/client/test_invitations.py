"""Invitations: the exact request of list, send and remove (email raw in the path) and leave."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import responses

from dgdata import Deepgram
from tests.client.conftest import API, SentRequest

INVITES = "/v1/projects/{project_id}/invites"
INVITE = INVITES + "/{email}"
SEED_INVITE = {"email": "x@example.com", "scope": "member"}


@pytest.mark.parametrize(
    ("call", "method", "template", "path", "body"),
    [
        pytest.param(
            lambda dg: dg.invitations.list_invitations("proj-1"),
            "GET",
            INVITES,
            "/v1/projects/proj-1/invites",
            None,
            id="list_invitations",
        ),
        pytest.param(
            lambda dg: dg.invitations.send_invitation("proj-1", dict(SEED_INVITE)),
            "POST",
            INVITES,
            "/v1/projects/proj-1/invites",
            SEED_INVITE,
            id="send_invitation-seed-dict",
        ),
        pytest.param(
            lambda dg: dg.invitations.send_invitation(
                "proj-1", email="x@example.com", scope="member"
            ),
            "POST",
            INVITES,
            "/v1/projects/proj-1/invites",
            SEED_INVITE,
            id="send_invitation-keywords",
        ),
        pytest.param(
            lambda dg: dg.invitations.remove_invitation("proj-1", "x@example.com"),
            "DELETE",
            INVITE,
            "/v1/projects/proj-1/invites/x@example.com",
            None,
            id="remove_invitation",
        ),
        pytest.param(
            lambda dg: dg.invitations.leave_project("proj-1"),
            "DELETE",
            "/v1/projects/{project_id}/leave",
            "/v1/projects/proj-1/leave",
            None,
            id="leave_project",
        ),
    ],
)
def test_invitations_operation_sends_the_documented_request_and_returns_the_answer(
    dg: Deepgram,
    answer: Callable[..., Any],
    sent: Callable[[], list[SentRequest]],
    call: Callable[[Deepgram], Any],
    method: str,
    template: str,
    path: str,
    body: dict[str, Any] | None,
) -> None:
    example = answer(method, template, path)

    result = call(dg)

    (request,) = sent()
    assert (request.method, request.url) == (method, API + path)
    if body is None:
        assert request.body is None
        request.assert_client_headers(content_type=None)
    else:
        assert request.json == body
        request.assert_client_headers(content_type="application/json")
    assert result == example


def test_invitations_send_invitation_keywords_override_the_dict(
    dg: Deepgram, answer: Callable[..., Any], sent: Callable[[], list[SentRequest]]
) -> None:
    answer("POST", INVITES, "/v1/projects/proj-1/invites")
    dg.invitations.send_invitation(
        "proj-1", {"email": "old@example.com", "scope": "member"}, scope="admin"
    )
    (request,) = sent()
    assert request.json == {"email": "old@example.com", "scope": "admin"}


@pytest.mark.parametrize(
    ("options", "keywords", "missing"),
    [
        pytest.param({"email": "x@example.com"}, {}, "scope", id="no-scope"),
        pytest.param(None, {"scope": "member"}, "email", id="no-email"),
        pytest.param({}, {}, "email and scope", id="nothing"),
        pytest.param({"email": "", "scope": "member"}, {}, "email", id="empty-email"),
    ],
)
def test_invitations_send_invitation_without_email_or_scope_raises_before_sending(
    dg: Deepgram,
    mocked: responses.RequestsMock,
    options: dict[str, str] | None,
    keywords: dict[str, str],
    missing: str,
) -> None:
    with pytest.raises(ValueError, match=f"needs {missing}"):
        dg.invitations.send_invitation("proj-1", options, **keywords)
    assert len(mocked.calls) == 0


@pytest.mark.parametrize(
    ("email", "path"),
    [
        ("x@example.com", "/v1/projects/proj-1/invites/x@example.com"),
        ("a+b@example.com", "/v1/projects/proj-1/invites/a%2Bb@example.com"),
        ("a/b@example.com", "/v1/projects/proj-1/invites/a%2Fb@example.com"),
    ],
)
def test_invitations_remove_invitation_keeps_the_at_sign_raw_and_encodes_the_rest(
    dg: Deepgram,
    answer: Callable[..., Any],
    sent: Callable[[], list[SentRequest]],
    email: str,
    path: str,
) -> None:
    answer("DELETE", INVITE, path)
    dg.invitations.remove_invitation("proj-1", email)
    (request,) = sent()
    assert request.url == API + path


@pytest.mark.parametrize("blank", ["", "   ", None])
@pytest.mark.parametrize(
    ("call", "name"),
    [
        pytest.param(lambda dg, x: dg.invitations.list_invitations(x), "project_id", id="list"),
        pytest.param(
            lambda dg, x: dg.invitations.send_invitation(x, SEED_INVITE), "project_id", id="send"
        ),
        pytest.param(
            lambda dg, x: dg.invitations.remove_invitation(x, "x@example.com"),
            "project_id",
            id="remove-project",
        ),
        pytest.param(
            lambda dg, x: dg.invitations.remove_invitation("proj-1", x), "email", id="remove-email"
        ),
        pytest.param(lambda dg, x: dg.invitations.leave_project(x), "project_id", id="leave"),
    ],
)
def test_invitations_blank_id_raises_value_error_and_sends_nothing(
    dg: Deepgram,
    mocked: responses.RequestsMock,
    call: Callable[..., Any],
    name: str,
    blank: str | None,
) -> None:
    with pytest.raises(ValueError, match=name):
        call(dg, blank)
    assert len(mocked.calls) == 0
