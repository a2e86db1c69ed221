"""Self-hosted distribution credentials: the exact request of list, create, get and delete."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import responses

from dgdata import Deepgram
from tests.client.conftest import API, SentRequest

CREDENTIALS = "/v1/projects/{project_id}/self-hosted/distribution/credentials"
CREDENTIAL = CREDENTIALS + "/{distribution_credentials_id}"
PATH = "/v1/projects/proj-1/self-hosted/distribution/credentials"
CRED_ID = "8b36cfd0-472f-4a21-833f-2d6343c3a2f3"


@pytest.mark.parametrize(
    ("call", "method", "template", "path"),
    [
        pytest.param(
            lambda dg: dg.selfhosted.list_credentials("proj-1"), "GET", CREDENTIALS, PATH, id="list"
        ),
        pytest.param(
            lambda dg: dg.selfhosted.get_credentials("proj-1", CRED_ID),
            "GET",
            CREDENTIAL,
            f"{PATH}/{CRED_ID}",
            id="get",
        ),
        pytest.param(
            lambda dg: dg.selfhosted.delete_credentials("proj-1", CRED_ID),
            "DELETE",
            CREDENTIAL,
            f"{PATH}/{CRED_ID}",
            id="delete",
        ),
    ],
)
def test_selfhosted_operation_sends_the_documented_request_and_returns_the_answer(
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


@pytest.mark.parametrize(
    ("kwargs", "query", "body"),
    [
        pytest.param(
            {
                "comment": "My Self-Hosted Distribution Credentials",
                "scopes": ["self-hosted:products"],
                "provider": "quay",
            },
            "scopes=self-hosted%3Aproducts&provider=quay",
            {"comment": "My Self-Hosted Distribution Credentials"},
            id="all",
        ),
        pytest.param(
            {"scopes": ("self-hosted:product:api", "self-hosted:product:engine")},
            "scopes=self-hosted%3Aproduct%3Aapi&scopes=self-hosted%3Aproduct%3Aengine",
            {},
            id="two-scopes-no-comment",
        ),
        pytest.param({}, "", {}, id="server-defaults"),
        pytest.param({"comment": "ci"}, "", {"comment": "ci"}, id="comment-only"),
    ],
)
def test_selfhosted_create_credentials_sends_scopes_and_provider_in_query_comment_in_body(
    dg: Deepgram,
    answer: Callable[..., Any],
    sent: Callable[[], list[SentRequest]],
    kwargs: dict[str, Any],
    query: str,
    body: dict[str, str],
) -> None:
    example = answer("POST", CREDENTIALS, PATH)

    result = dg.selfhosted.create_credentials("proj-1", **kwargs)

    (request,) = sent()
    assert (request.method, request.path, request.query) == ("POST", PATH, query)
    assert request.json == body
    request.assert_client_headers(content_type="application/json")
    assert result == example


def test_selfhosted_create_credentials_sends_a_single_scope_string_as_one_scope(
    dg: Deepgram, answer: Callable[..., Any], sent: Callable[[], list[SentRequest]]
) -> None:
    answer("POST", CREDENTIALS, PATH)
    dg.selfhosted.create_credentials("proj-1", scopes="self-hosted:products")
    (request,) = sent()
    assert request.params == [("scopes", "self-hosted:products")]


def test_selfhosted_get_credentials_percent_encodes_the_ids(
    dg: Deepgram, answer: Callable[..., Any], sent: Callable[[], list[SentRequest]]
) -> None:
    path = "/v1/projects/p%2F1/self-hosted/distribution/credentials/c%201"
    answer("GET", CREDENTIAL, path)
    dg.selfhosted.get_credentials("p/1", "c 1")
    (request,) = sent()
    assert request.url == API + path


@pytest.mark.parametrize("blank", ["", "   ", None])
@pytest.mark.parametrize(
    ("call", "name"),
    [
        pytest.param(lambda dg, x: dg.selfhosted.list_credentials(x), "project_id", id="list"),
        pytest.param(lambda dg, x: dg.selfhosted.create_credentials(x), "project_id", id="create"),
        pytest.param(
            lambda dg, x: dg.selfhosted.get_credentials(x, CRED_ID), "project_id", id="get-p"
        ),
        pytest.param(
            lambda dg, x: dg.selfhosted.get_credentials("p", x),
            "distribution_credentials_id",
            id="get-c",
        ),
        pytest.param(
            lambda dg, x: dg.selfhosted.delete_credentials(x, CRED_ID), "project_id", id="del-p"
        ),
        pytest.param(
            lambda dg, x: dg.selfhosted.delete_credentials("p", x),
            "distribution_credentials_id",
            id="del-c",
        ),
    ],
)
def test_selfhosted_blank_id_raises_value_error_and_sends_nothing(
    dg: Deepgram,
    mocked: responses.RequestsMock,
    call: Callable[..., Any],
    name: str,
    blank: str | None,
) -> None:
    with pytest.raises(ValueError, match=name):
        call(dg, blank)
    assert len(mocked.calls) == 0
