"""Auth: the exact request of POST /v1/auth/grant, and using the token it returns."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import responses

from dgdata import Deepgram
from tests.client.conftest import API, SentRequest


@pytest.mark.parametrize(
    ("args", "body"),
    [
        pytest.param((), {}, id="default-ttl"),
        pytest.param((None,), {}, id="none"),
        pytest.param((60,), {"ttl_seconds": 60}, id="60s"),
        pytest.param((0.5,), {"ttl_seconds": 0.5}, id="half-second"),
    ],
)
def test_auth_grant_posts_the_ttl_as_json_and_returns_the_token(
    dg: Deepgram,
    answer: Callable[..., Any],
    sent: Callable[[], list[SentRequest]],
    args: tuple[Any, ...],
    body: dict[str, Any],
) -> None:
    example = answer("POST", "/v1/auth/grant")

    result = dg.auth.grant(*args)

    (request,) = sent()
    assert (request.method, request.url) == ("POST", f"{API}/v1/auth/grant")
    assert request.body is not None
    assert request.json == body
    request.assert_client_headers(content_type="application/json")
    assert result == example


def test_auth_grant_accepts_ttl_seconds_as_a_keyword(
    dg: Deepgram, answer: Callable[..., Any], sent: Callable[[], list[SentRequest]]
) -> None:
    answer("POST", "/v1/auth/grant")
    dg.auth.grant(ttl_seconds=60)
    (request,) = sent()
    assert request.json == {"ttl_seconds": 60}


@pytest.mark.parametrize("ttl", [0, -1, -0.5])
def test_auth_grant_rejects_a_ttl_that_is_not_positive(
    dg: Deepgram, mocked: responses.RequestsMock, ttl: float
) -> None:
    with pytest.raises(ValueError, match="ttl_seconds"):
        dg.auth.grant(ttl)
    assert len(mocked.calls) == 0


def test_auth_granted_token_is_sent_as_bearer_by_a_token_client(
    mocked: responses.RequestsMock,
    answer: Callable[..., Any],
    sent: Callable[[], list[SentRequest]],
) -> None:
    answer("POST", "/v1/read")
    with Deepgram(access_token="eyJhbGciOiJIUzI1NiJ9.e30.sig", max_retries=0) as token_client:
        token_client.read.analyze("hello")
    (request,) = sent()
    assert request.headers["Authorization"] == "Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig"
