"""Models: the exact request of the public catalogue and a project's models."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import responses

from dgdata import Deepgram
from tests.client.conftest import API, SentRequest

MODELS = "/v1/models"
MODEL = MODELS + "/{model_id}"
PROJECT_MODELS = "/v1/projects/{project_id}/models"
PROJECT_MODEL = PROJECT_MODELS + "/{model_id}"
UUID = "af6e9977-99f6-4d8f-b6f5-dfdf6fb6e291"


@pytest.mark.parametrize(
    ("call", "template", "path", "query"),
    [
        pytest.param(lambda dg: dg.models.list(), MODELS, "/v1/models", "", id="list"),
        pytest.param(
            lambda dg: dg.models.list(include_outdated=True),
            MODELS,
            "/v1/models",
            "include_outdated=true",
            id="list-include_outdated",
        ),
        pytest.param(
            lambda dg: dg.models.list(False),
            MODELS,
            "/v1/models",
            "include_outdated=false",
            id="list-current-only",
        ),
        pytest.param(lambda dg: dg.models.get(UUID), MODEL, f"/v1/models/{UUID}", "", id="get"),
        pytest.param(
            lambda dg: dg.models.list_project_models("proj-1"),
            PROJECT_MODELS,
            "/v1/projects/proj-1/models",
            "",
            id="list_project_models",
        ),
        pytest.param(
            lambda dg: dg.models.list_project_models("proj-1", include_outdated=False),
            PROJECT_MODELS,
            "/v1/projects/proj-1/models",
            "include_outdated=false",
            id="list_project_models-current-only",
        ),
        pytest.param(
            lambda dg: dg.models.get_project_model("proj-1", UUID),
            PROJECT_MODEL,
            f"/v1/projects/proj-1/models/{UUID}",
            "",
            id="get_project_model",
        ),
    ],
)
def test_models_operation_sends_the_documented_request_and_returns_the_answer(
    dg: Deepgram,
    answer: Callable[..., Any],
    sent: Callable[[], list[SentRequest]],
    call: Callable[[Deepgram], Any],
    template: str,
    path: str,
    query: str,
) -> None:
    example = answer("GET", template, path)

    result = call(dg)

    (request,) = sent()
    assert (request.method, request.path, request.query) == ("GET", path, query)
    assert request.body is None  # v3 sent a JSON body with GET; we do not
    request.assert_client_headers(content_type=None)
    assert result == example


def test_models_get_project_model_percent_encodes_the_ids(
    dg: Deepgram, answer: Callable[..., Any], sent: Callable[[], list[SentRequest]]
) -> None:
    answer("GET", PROJECT_MODEL, "/v1/projects/p%2F1/models/aura%202")
    dg.models.get_project_model("p/1", "aura 2")
    (request,) = sent()
    assert request.url == API + "/v1/projects/p%2F1/models/aura%202"


@pytest.mark.parametrize("blank", ["", "   ", None])
@pytest.mark.parametrize(
    ("call", "name"),
    [
        pytest.param(lambda dg, x: dg.models.get(x), "model_id", id="get"),
        pytest.param(lambda dg, x: dg.models.list_project_models(x), "project_id", id="list-p"),
        pytest.param(lambda dg, x: dg.models.get_project_model(x, UUID), "project_id", id="get-p"),
        pytest.param(lambda dg, x: dg.models.get_project_model("p", x), "model_id", id="get-m"),
    ],
)
def test_models_blank_id_raises_value_error_and_sends_nothing(
    dg: Deepgram,
    mocked: responses.RequestsMock,
    call: Callable[..., Any],
    name: str,
    blank: str | None,
) -> None:
    with pytest.raises(ValueError, match=name):
        call(dg, blank)
    assert len(mocked.calls) == 0
