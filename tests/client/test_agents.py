"""Agents: the exact request of think models, agent configurations and agent variables."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
import responses

from dgdata import Deepgram
from tests.client.conftest import API, KEY, SentRequest

THINK_MODELS = "/v1/agent/settings/think/models"
AGENTS = "/v1/projects/{project_id}/agents"
AGENT = AGENTS + "/{agent_id}"
VARIABLES = "/v1/projects/{project_id}/agent-variables"
VARIABLE = VARIABLES + "/{variable_id}"
AGENT_ID = "a1b2c3d4-e5f6-7890-abcd-ef1234567890"
VAR_ID = "v1a2b3c4-d5e6-7890-abcd-ef1234567890"
CONFIG = {
    "listen": {"provider": {"type": "deepgram", "model": "nova-3"}},
    "think": {"provider": {"type": "open_ai", "model": "gpt-4o-mini"}, "prompt": "Be brief."},
    "speak": {"provider": {"type": "deepgram", "model": "aura-2-thalia-en"}},
}


@pytest.mark.parametrize(
    ("call", "method", "template", "path", "body"),
    [
        pytest.param(
            lambda dg: dg.agents.list("proj-1"),
            "GET",
            AGENTS,
            "/v1/projects/proj-1/agents",
            None,
            id="list",
        ),
        pytest.param(
            lambda dg: dg.agents.create("proj-1", '{"think": {}}'),
            "POST",
            AGENTS,
            "/v1/projects/proj-1/agents",
            {"config": '{"think": {}}'},
            id="create-from-str",
        ),
        pytest.param(
            lambda dg: dg.agents.get("proj-1", AGENT_ID),
            "GET",
            AGENT,
            f"/v1/projects/proj-1/agents/{AGENT_ID}",
            None,
            id="get",
        ),
        pytest.param(
            lambda dg: dg.agents.update("proj-1", AGENT_ID, {"team": "support"}),
            "PUT",
            AGENT,
            f"/v1/projects/proj-1/agents/{AGENT_ID}",
            {"metadata": {"team": "support"}},
            id="update",
        ),
        pytest.param(
            lambda dg: dg.agents.delete("proj-1", AGENT_ID),
            "DELETE",
            AGENT,
            f"/v1/projects/proj-1/agents/{AGENT_ID}",
            None,
            id="delete",
        ),
        pytest.param(
            lambda dg: dg.agents.list_variables("proj-1"),
            "GET",
            VARIABLES,
            "/v1/projects/proj-1/agent-variables",
            None,
            id="list_variables",
        ),
        pytest.param(
            lambda dg: dg.agents.create_variable("proj-1", "DG_GREETING", "Hello!"),
            "POST",
            VARIABLES,
            "/v1/projects/proj-1/agent-variables",
            {"key": "DG_GREETING", "value": "Hello!"},
            id="create_variable",
        ),
        pytest.param(
            lambda dg: dg.agents.create_variable(
                "proj-1", "DG_LIMITS", {"max": 3, "on": True}, api_version=1
            ),
            "POST",
            VARIABLES,
            "/v1/projects/proj-1/agent-variables",
            {"key": "DG_LIMITS", "value": {"max": 3, "on": True}, "api_version": 1},
            id="create_variable-json-value",
        ),
        pytest.param(
            lambda dg: dg.agents.get_variable("proj-1", VAR_ID),
            "GET",
            VARIABLE,
            f"/v1/projects/proj-1/agent-variables/{VAR_ID}",
            None,
            id="get_variable",
        ),
        pytest.param(
            lambda dg: dg.agents.update_variable("proj-1", VAR_ID, "Hi there!"),
            "PATCH",
            VARIABLE,
            f"/v1/projects/proj-1/agent-variables/{VAR_ID}",
            {"value": "Hi there!"},
            id="update_variable",
        ),
        pytest.param(
            lambda dg: dg.agents.delete_variable("proj-1", VAR_ID),
            "DELETE",
            VARIABLE,
            f"/v1/projects/proj-1/agent-variables/{VAR_ID}",
            None,
            id="delete_variable",
        ),
    ],
)
def test_agents_operation_sends_the_documented_request_and_returns_the_answer(
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


def test_agents_create_serialises_a_dict_config_to_a_json_string(
    dg: Deepgram, answer: Callable[..., Any], sent: Callable[[], list[SentRequest]]
) -> None:
    example = answer("POST", AGENTS, "/v1/projects/proj-1/agents")

    result = dg.agents.create("proj-1", CONFIG, metadata={"team": "support"}, api_version=1)

    (request,) = sent()
    body = request.json
    assert set(body) == {"config", "metadata", "api_version"}
    assert isinstance(body["config"], str)
    assert json.loads(body["config"]) == CONFIG
    assert (body["metadata"], body["api_version"]) == ({"team": "support"}, 1)
    assert result == example


@pytest.mark.parametrize("config", ["", "   "])
def test_agents_create_rejects_an_empty_config_before_sending(
    dg: Deepgram, mocked: responses.RequestsMock, config: str
) -> None:
    with pytest.raises(ValueError, match="config"):
        dg.agents.create("proj-1", config)
    assert len(mocked.calls) == 0


@pytest.mark.parametrize("key", ["", "  "])
def test_agents_create_variable_rejects_an_empty_key_before_sending(
    dg: Deepgram, mocked: responses.RequestsMock, key: str
) -> None:
    with pytest.raises(ValueError, match="key"):
        dg.agents.create_variable("proj-1", key, "x")
    assert len(mocked.calls) == 0


# --- think models: the agent host ----------------------------------------------------------------


def test_agents_list_think_models_goes_to_the_agent_host_in_the_cloud(
    dg: Deepgram, answer: Callable[..., Any], sent: Callable[[], list[SentRequest]]
) -> None:
    example = answer("GET", THINK_MODELS, base="https://agent.deepgram.com")

    result = dg.agents.list_think_models()

    (request,) = sent()
    assert (request.method, request.url) == ("GET", f"https://agent.deepgram.com{THINK_MODELS}")
    assert request.body is None
    request.assert_client_headers(content_type=None)
    assert result == example


@pytest.mark.parametrize(
    ("api_url", "expected"),
    [
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("http://127.0.0.1:8080/v1", "http://127.0.0.1:8080"),
        ("https://dg.internal.example/prefix", "https://dg.internal.example/prefix"),
    ],
)
def test_agents_list_think_models_goes_to_a_custom_api_url(
    mocked: responses.RequestsMock,
    answer: Callable[..., Any],
    sent: Callable[[], list[SentRequest]],
    api_url: str,
    expected: str,
) -> None:
    example = answer("GET", THINK_MODELS, base=expected)
    with Deepgram(api_key=KEY, api_url=api_url, max_retries=0) as local:
        result = local.agents.list_think_models()
    (request,) = sent()
    assert request.url == expected + THINK_MODELS
    assert result == example


def test_agents_list_think_models_goes_to_an_explicit_agent_url(
    mocked: responses.RequestsMock,
    answer: Callable[..., Any],
    sent: Callable[[], list[SentRequest]],
) -> None:
    answer("GET", THINK_MODELS, base="https://agent.eu.example")
    with Deepgram(api_key=KEY, agent_url="https://agent.eu.example", max_retries=0) as client:
        client.agents.list_think_models()
    (request,) = sent()
    assert request.url == "https://agent.eu.example" + THINK_MODELS


def test_agents_project_routes_stay_on_the_api_host(
    dg: Deepgram, answer: Callable[..., Any], sent: Callable[[], list[SentRequest]]
) -> None:
    answer("GET", AGENTS, "/v1/projects/proj-1/agents")
    dg.agents.list("proj-1")
    (request,) = sent()
    assert request.url.startswith("https://api.deepgram.com/")


def test_agents_get_variable_percent_encodes_the_ids(
    dg: Deepgram, answer: Callable[..., Any], sent: Callable[[], list[SentRequest]]
) -> None:
    answer("GET", VARIABLE, "/v1/projects/p%2F1/agent-variables/DG%20X")
    dg.agents.get_variable("p/1", "DG X")
    (request,) = sent()
    assert request.url == API + "/v1/projects/p%2F1/agent-variables/DG%20X"


@pytest.mark.parametrize("blank", ["", "   ", None])
@pytest.mark.parametrize(
    ("call", "name"),
    [
        pytest.param(lambda dg, x: dg.agents.list(x), "project_id", id="list"),
        pytest.param(lambda dg, x: dg.agents.create(x, CONFIG), "project_id", id="create"),
        pytest.param(lambda dg, x: dg.agents.get(x, AGENT_ID), "project_id", id="get-p"),
        pytest.param(lambda dg, x: dg.agents.get("p", x), "agent_id", id="get-a"),
        pytest.param(lambda dg, x: dg.agents.update(x, AGENT_ID, {}), "project_id", id="put-p"),
        pytest.param(lambda dg, x: dg.agents.update("p", x, {}), "agent_id", id="put-a"),
        pytest.param(lambda dg, x: dg.agents.delete(x, AGENT_ID), "project_id", id="del-p"),
        pytest.param(lambda dg, x: dg.agents.delete("p", x), "agent_id", id="del-a"),
        pytest.param(lambda dg, x: dg.agents.list_variables(x), "project_id", id="list-vars"),
        pytest.param(
            lambda dg, x: dg.agents.create_variable(x, "DG_X", 1), "project_id", id="create-var"
        ),
        pytest.param(lambda dg, x: dg.agents.get_variable(x, VAR_ID), "project_id", id="get-v-p"),
        pytest.param(lambda dg, x: dg.agents.get_variable("p", x), "variable_id", id="get-v"),
        pytest.param(
            lambda dg, x: dg.agents.update_variable(x, VAR_ID, 1), "project_id", id="patch-v-p"
        ),
        pytest.param(
            lambda dg, x: dg.agents.update_variable("p", x, 1), "variable_id", id="patch-v"
        ),
        pytest.param(
            lambda dg, x: dg.agents.delete_variable(x, VAR_ID), "project_id", id="del-v-p"
        ),
        pytest.param(lambda dg, x: dg.agents.delete_variable("p", x), "variable_id", id="del-v"),
    ],
)
def test_agents_blank_id_raises_value_error_and_sends_nothing(
    dg: Deepgram,
    mocked: responses.RequestsMock,
    call: Callable[..., Any],
    name: str,
    blank: str | None,
) -> None:
    with pytest.raises(ValueError, match=name):
        call(dg, blank)
    assert len(mocked.calls) == 0
