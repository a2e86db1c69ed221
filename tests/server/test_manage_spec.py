"""Every manage / usage / billing / models / self-hosted / agent / auth answer of the local server
against the 200 schema of its operation in the vendored OpenAPI spec (formats checked).

One deliberate exception, a defect of the spec itself: ``GET /v1/agent/settings/think/models``
types each model as ``oneOf`` five shapes, the last of which (AWS Bedrock, any ``id``) matches
every model the first four describe, so no OpenAI/Anthropic/Google/Groq model can ever be valid
(the docs' own example, ``gpt-5``, fails too). Those models are checked to match the shape
their provider's branch describes instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from dgdata.server.backend import catalog
from dgdata.server.backend.store import new_id
from dgdata.server.runner import LocalServer
from tests.server.manage_common import raw, record, spec_validator

pytestmark = pytest.mark.integration


@pytest.fixture
def world(server: LocalServer) -> dict[str, Any]:
    """One of everything: requests (ok and failed), a balance, a purchase, a key, credentials,
    an agent and a variable."""
    pid = server.project_id
    store = server.state.store
    record(
        server,
        created="2024-03-01T10:00:00Z",
        tags=["t"],
        features=["punctuate"],
        callback="https://example.com/cb",
    )
    record(
        server,
        created="2024-03-01T11:00:00Z",
        endpoint="speak",
        models=["aura-2-thalia-en"],
        tts_characters=120,
        usd=0.0036,
    )
    failed = record(server, created="2024-03-02T11:00:00Z", code=402, message="No credit.", usd=0)
    order_id, balance_id = new_id(), new_id()
    store.execute(
        "INSERT INTO purchases VALUES (?, ?, '2024-01-01T00:00:00.000Z', "
        "'2025-01-01T00:00:00.000Z', 100, 'usd', 'promotional')",
        (order_id, pid),
    )
    store.execute("INSERT INTO balances VALUES (?, ?, 100, 'usd', ?)", (balance_id, pid, order_id))
    key = raw(
        server,
        "POST",
        f"/v1/projects/{pid}/keys",
        json={"comment": "k", "scopes": ["member"], "time_to_live_in_seconds": 600},
    ).json()
    creds = raw(
        server,
        "POST",
        f"/v1/projects/{pid}/self-hosted/distribution/credentials",
        json={"comment": "c"},
    ).json()
    agent = raw(
        server,
        "POST",
        f"/v1/projects/{pid}/agents",
        json={"config": '{"think": {}}', "metadata": {"a": "b"}},
    ).json()
    variable = raw(
        server,
        "POST",
        f"/v1/projects/{pid}/agent-variables",
        json={"key": "DG_X", "value": {"y": 1}},
    ).json()
    raw(
        server,
        "POST",
        f"/v1/projects/{pid}/invites",
        json={"email": "i@example.com", "scope": "member"},
    )
    return {
        "project_id": pid,
        "key_id": key["api_key_id"],
        "member_id": server.state.boot.member_id,
        "request_id": failed.request_id,
        "balance_id": balance_id,
        "model_stt": catalog.find("nova-3").uuid,  # type: ignore[union-attr]
        "model_tts": catalog.find("aura-2-zeus-en").uuid,  # type: ignore[union-attr]
        "distribution_credentials_id": creds["distribution_credentials"][
            "distribution_credentials_id"
        ],
        "agent_id": agent["agent_id"],
        "variable_id": variable["variable_id"],
    }


P = "/v1/projects/{project_id}"
DC = P + "/self-hosted/distribution/credentials"

#: (method, spec path, path fill-ins beyond the world's, query, JSON body)
CALLS: list[tuple[str, str, dict[str, str], dict[str, Any], Any]] = [
    ("GET", P + "/keys", {}, {}, None),
    ("GET", P + "/keys", {}, {"status": "active"}, None),
    (
        "POST",
        P + "/keys",
        {},
        {},
        {"comment": "c", "scopes": ["admin"], "tags": ["x"], "time_to_live_in_seconds": 60},
    ),
    ("POST", P + "/keys", {}, {}, {"comment": "no expiry", "scopes": ["member"]}),
    ("GET", P + "/keys/{key_id}", {}, {}, None),
    ("GET", P + "/members", {}, {}, None),
    ("GET", P + "/members/{member_id}/scopes", {}, {}, None),
    ("PUT", P + "/members/{member_id}/scopes", {}, {}, {"scope": "owner"}),
    ("GET", P + "/invites", {}, {}, None),
    ("POST", P + "/invites", {}, {}, {"email": "j@example.com", "scope": "admin"}),
    ("DELETE", P + "/invites/{email}", {"email": "i@example.com"}, {}, None),
    ("GET", P + "/requests", {}, {"limit": 5}, None),
    ("GET", P + "/requests", {}, {"status": "failed", "start": "2024-03-01T00:00:00+00:00"}, None),
    ("GET", P + "/requests/{request_id}", {}, {}, None),
    ("GET", P + "/usage", {}, {"start": "2024-03-01", "end": "2024-03-03"}, None),
    ("GET", P + "/usage", {}, {}, None),
    ("GET", P + "/usage/fields", {}, {"start": "2024-03-01", "end": "2024-03-03"}, None),
    ("GET", P + "/usage/breakdown", {}, {"start": "2024-03-01", "end": "2024-03-03"}, None),
    *[
        ("GET", P + "/usage/breakdown", {}, {"start": "2024-03-01", "grouping": g}, None)
        for g in ("accessor", "endpoint", "feature_set", "models", "method", "tags", "deployment")
    ],
    ("GET", P + "/balances", {}, {}, None),
    ("GET", P + "/balances/{balance_id}", {}, {}, None),
    ("GET", P + "/billing/breakdown", {}, {"start": "2024-03-01"}, None),
    (
        "GET",
        P + "/billing/breakdown",
        {},
        {"grouping": ["accessor", "deployment", "line_item", "tags"]},
        None,
    ),
    ("GET", P + "/billing/fields", {}, {"start": "2024-03-01"}, None),
    ("GET", P + "/purchases", {}, {"limit": 3}, None),
    ("GET", "/v1/models", {}, {}, None),
    ("GET", "/v1/models", {}, {"include_outdated": "true"}, None),
    ("GET", "/v1/models/{model_id}", {"model_id": "stt"}, {}, None),
    ("GET", "/v1/models/{model_id}", {"model_id": "tts"}, {}, None),
    ("GET", P + "/models", {}, {}, None),
    ("GET", P + "/models/{model_id}", {"model_id": "tts"}, {}, None),
    ("GET", P + "/models/{model_id}", {"model_id": "stt"}, {}, None),
    ("GET", DC, {}, {}, None),
    ("POST", DC, {}, {"scopes": ["self-hosted:product:api"], "provider": "quay"}, {}),
    ("GET", DC + "/{distribution_credentials_id}", {}, {}, None),
    ("DELETE", DC + "/{distribution_credentials_id}", {}, {}, None),
    ("POST", "/v1/auth/grant", {}, {}, {"ttl_seconds": 60}),
    ("POST", "/v1/auth/grant", {}, {}, None),
    ("POST", P + "/agents", {}, {}, {"config": "{}", "metadata": {"k": "v"}}),
    ("GET", P + "/agents", {}, {}, None),
    ("GET", P + "/agents/{agent_id}", {}, {}, None),
    ("PUT", P + "/agents/{agent_id}", {}, {}, {"metadata": {"k": "w"}}),
    ("DELETE", P + "/agents/{agent_id}", {}, {}, None),
    ("POST", P + "/agent-variables", {}, {}, {"key": "DG_Y", "value": [1, "two"]}),
    ("GET", P + "/agent-variables", {}, {}, None),
    ("GET", P + "/agent-variables/{variable_id}", {}, {}, None),
    ("PATCH", P + "/agent-variables/{variable_id}", {}, {}, {"value": None}),
    ("DELETE", P + "/agent-variables/{variable_id}", {}, {}, None),
    ("DELETE", P + "/keys/{key_id}", {}, {}, None),
    ("DELETE", P + "/members/{member_id}", {"member_id": "person"}, {}, None),
]


def _fill(
    template: str, world: dict[str, Any], extra: dict[str, str], make_person: Callable[[], str]
) -> str:
    values = dict(world)
    for name, value in extra.items():
        if value == "stt":
            value = world["model_stt"]
        elif value == "tts":
            value = world["model_tts"]
        elif value == "person":
            value = make_person()
        values[name] = value
    return template.format(**values)


@pytest.mark.parametrize(
    ("method", "template", "extra", "query", "body"),
    CALLS,
    ids=[f"{c[0]} {c[1]} {c[3]}" for c in CALLS],
)
def test_the_answer_matches_the_spec(
    server: LocalServer,
    world: dict[str, Any],
    method: str,
    template: str,
    extra: dict[str, str],
    query: dict[str, Any],
    body: Any,
) -> None:
    from tests.server.manage_common import add_person

    def make_person() -> str:
        return add_person(server, "member")[0]

    path = _fill(template, world, extra, make_person)
    kwargs: dict[str, Any] = {"params": query}
    if body is not None:
        kwargs["json"] = body
    response = raw(server, method, path, **kwargs)
    assert response.status_code == 200, response.text
    validator = spec_validator(method, template)
    errors = sorted(validator.iter_errors(response.json()), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])


def test_think_models_match_their_provider_branch(server: LocalServer) -> None:
    import jsonschema

    response = raw(server, "GET", "/v1/agent/settings/think/models")
    validator = spec_validator("GET", "/v1/agent/settings/think/models")
    schemas = validator.schema["components"]["schemas"]
    branches = [schemas[f"AgentThinkModelsV1ResponseModelsItems{i}"] for i in range(4)]
    for model in response.json()["models"]:
        matching = []
        for index, branch in enumerate(branches):
            document = {**branch, "components": validator.schema["components"]}
            if jsonschema.Draft202012Validator(document).is_valid(model):
                matching.append(index)
        assert len(matching) == 1, model


def test_errors_match_the_spec(server: LocalServer) -> None:
    import jsonschema

    response = raw(server, "GET", f"/v1/projects/{server.project_id}/requests", params={"limit": 0})
    assert response.status_code == 400
    validator = spec_validator("GET", "/v1/projects/{project_id}/requests")
    spec_400 = {
        "$ref": "#/components/schemas/ErrorResponseLegacyError",
        "components": validator.schema["components"],
    }
    jsonschema.validate(response.json(), spec_400)
