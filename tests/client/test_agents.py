"""Agents: a dict configuration travels as JSON text; the think-models call finds its host.

The request of every agents operation, blank ids and empty arguments are checked with all the
other operations in ``test_operations.py``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
import responses

from dgdata import Deepgram
from tests.client.conftest import KEY, SentRequest

THINK_MODELS = "/v1/agent/settings/think/models"
AGENTS = "/v1/projects/{project_id}/agents"
CONFIG = {
    "listen": {"provider": {"type": "deepgram", "model": "nova-3"}},
    "think": {"provider": {"type": "open_ai", "model": "gpt-4o-mini"}, "prompt": "Be brief."},
    "speak": {"provider": {"type": "deepgram", "model": "aura-2-thalia-en"}},
}


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


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"api_url": "http://127.0.0.1:8080"}, "http://127.0.0.1:8080"),
        ({"api_url": "http://127.0.0.1:8080/v1"}, "http://127.0.0.1:8080"),
        ({"api_url": "https://dg.internal.example/prefix"}, "https://dg.internal.example/prefix"),
        ({"agent_url": "https://agent.eu.example"}, "https://agent.eu.example"),
    ],
)
def test_agents_list_think_models_follows_a_custom_api_or_agent_url(
    mocked: responses.RequestsMock,
    answer: Callable[..., Any],
    sent: Callable[[], list[SentRequest]],
    settings: dict[str, str],
    expected: str,
) -> None:
    # In the cloud the think models live on agent.deepgram.com (test_operations.py); a local or
    # private api_url serves them itself, unless agent_url says otherwise.
    example = answer("GET", THINK_MODELS, base=expected)
    with Deepgram(api_key=KEY, max_retries=0, **settings) as local:  # type: ignore[arg-type]
        result = local.agents.list_think_models()
    (request,) = sent()
    assert request.url == expected + THINK_MODELS
    assert result == example
