"""Invitations: keywords complete the seed's dict; the email stays readable in the path.

The request of every invitations operation, blank ids and missing email or scope are checked
with all the other operations in ``test_operations.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from dgdata import Deepgram
from tests.client.conftest import API, SentRequest

INVITES = "/v1/projects/{project_id}/invites"
INVITE = INVITES + "/{email}"


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
