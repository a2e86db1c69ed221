"""Routes: agent think models, agent configurations and agent variables.

``GET /v1/agent/settings/think/models`` needs no credentials (as the spec has it). A
configuration's ``config`` is sent as JSON text (the ``agent`` block of a Settings message) and
returned parsed; it is immutable, only its ``metadata`` (string values) can be replaced.
Variables are named ``DG_<NAME>`` and hold any JSON value. Reading needs the member role,
writing admin. The local server stores these; it runs no voice agent with them.
"""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from dgdata.server.backend import catalog
from dgdata.server.backend.store import Store, dumps, iso, loads, new_id, utcnow
from dgdata.server.errors import bad_request, not_found
from dgdata.server.state import json_body, json_response, project_caller, server_state

__all__ = ["ROUTES"]

_VARIABLE_KEY = re.compile(r"DG_[A-Z0-9_]+\Z")
_MISSING = object()


async def think_models(request: Request) -> Response:
    return json_response({"models": [dict(model) for model in catalog.THINK_MODELS]})


# --------------------------------------------------------------------------- configurations


def _agent_json(row: Any) -> dict[str, Any]:
    return {
        "agent_id": row["agent_id"],
        "config": loads(row["config"], {}),
        "metadata": loads(row["metadata"], {}),
        "created_at": row["created"],
        "updated_at": row["updated"],
    }


def _agent(store: Store, project_id: str, agent_id: str) -> Any:
    row = store.one(
        "SELECT * FROM agents WHERE project_id = ? AND agent_id = ?", (project_id, agent_id)
    )
    if row is None:
        raise not_found("Agent configuration")
    return row


def _metadata(body: dict[str, Any], *, required: bool) -> dict[str, str]:
    metadata = body.get("metadata", _MISSING)
    if metadata is _MISSING or metadata is None:
        if required:
            raise bad_request("metadata is required: an object of string values.")
        return {}
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise bad_request("metadata must be an object whose values are strings.")
    return metadata


def _api_version(body: dict[str, Any]) -> None:
    version = body.get("api_version")
    if version is not None and (isinstance(version, bool) or version != 1):
        raise bad_request("api_version must be 1, the only version there is.")


async def create_agent(request: Request) -> Response:
    _, project_id = project_caller(request, "admin")
    store = server_state(request).store
    body = await json_body(request)
    config = body.get("config")
    if isinstance(config, str):
        try:
            config = json.loads(config)
        except json.JSONDecodeError as exc:
            raise bad_request(
                f"config is not valid JSON: {exc.msg} at character {exc.pos}."
            ) from None
    if not isinstance(config, dict):
        raise bad_request(
            "config is required: the JSON text of the agent block of a Settings "
            "message (an object)."
        )
    metadata = _metadata(body, required=False)
    _api_version(body)
    agent_id, now = new_id(), iso(utcnow())
    store.execute(
        "INSERT INTO agents (agent_id, project_id, config, metadata, created, updated) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (agent_id, project_id, dumps(config), dumps(metadata), now, now),
    )
    return json_response(_agent_json(_agent(store, project_id, agent_id)))


async def list_agents(request: Request) -> Response:
    _, project_id = project_caller(request)
    rows = server_state(request).store.query(
        "SELECT * FROM agents WHERE project_id = ? ORDER BY created, rowid", (project_id,)
    )
    return json_response({"agents": [_agent_json(row) for row in rows]})


async def get_agent(request: Request) -> Response:
    _, project_id = project_caller(request)
    row = _agent(server_state(request).store, project_id, request.path_params["agent_id"])
    return json_response(_agent_json(row))


async def update_agent(request: Request) -> Response:
    _, project_id = project_caller(request, "admin")
    store = server_state(request).store
    body = await json_body(request)
    row = _agent(store, project_id, request.path_params["agent_id"])
    metadata = _metadata(body, required=True)
    store.execute(
        "UPDATE agents SET metadata = ?, updated = ? WHERE agent_id = ?",
        (dumps(metadata), iso(utcnow()), row["agent_id"]),
    )
    return json_response(_agent_json(_agent(store, project_id, row["agent_id"])))


async def delete_agent(request: Request) -> Response:
    _, project_id = project_caller(request, "admin")
    store = server_state(request).store
    row = _agent(store, project_id, request.path_params["agent_id"])
    store.execute("DELETE FROM agents WHERE agent_id = ?", (row["agent_id"],))
    return json_response({"message": "Agent configuration deleted."})


# --------------------------------------------------------------------------- variables


def _variable_json(row: Any) -> dict[str, Any]:
    return {
        "variable_id": row["variable_id"],
        "key": row["key"],
        "value": loads(row["value"]),
        "created_at": row["created"],
        "updated_at": row["updated"],
    }


def _variable(store: Store, project_id: str, variable_id: str) -> Any:
    row = store.one(
        "SELECT * FROM agent_variables WHERE project_id = ? AND variable_id = ?",
        (project_id, variable_id),
    )
    if row is None:
        raise not_found("Agent variable")
    return row


async def create_variable(request: Request) -> Response:
    _, project_id = project_caller(request, "admin")
    store = server_state(request).store
    body = await json_body(request)
    key = body.get("key")
    if not isinstance(key, str) or not _VARIABLE_KEY.match(key):
        raise bad_request("key must be named DG_<NAME>: DG_ then capital letters, digits or _.")
    if "value" not in body:
        raise bad_request("value is required (any JSON value).")
    _api_version(body)
    if store.one(
        "SELECT 1 FROM agent_variables WHERE project_id = ? AND key = ?", (project_id, key)
    ):
        raise bad_request(f"A variable named {key} already exists in this project.")
    variable_id, now = new_id(), iso(utcnow())
    store.execute(
        "INSERT INTO agent_variables (variable_id, project_id, key, value, created, updated) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (variable_id, project_id, key, dumps(body["value"]), now, now),
    )
    return json_response(_variable_json(_variable(store, project_id, variable_id)))


async def list_variables(request: Request) -> Response:
    _, project_id = project_caller(request)
    rows = server_state(request).store.query(
        "SELECT * FROM agent_variables WHERE project_id = ? ORDER BY created, rowid", (project_id,)
    )
    return json_response({"variables": [_variable_json(row) for row in rows]})


async def get_variable(request: Request) -> Response:
    _, project_id = project_caller(request)
    row = _variable(server_state(request).store, project_id, request.path_params["variable_id"])
    return json_response(_variable_json(row))


async def update_variable(request: Request) -> Response:
    _, project_id = project_caller(request, "admin")
    store = server_state(request).store
    body = await json_body(request)
    row = _variable(store, project_id, request.path_params["variable_id"])
    if "value" not in body:
        raise bad_request("value is required (any JSON value).")
    store.execute(
        "UPDATE agent_variables SET value = ?, updated = ? WHERE variable_id = ?",
        (dumps(body["value"]), iso(utcnow()), row["variable_id"]),
    )
    return json_response(_variable_json(_variable(store, project_id, row["variable_id"])))


async def delete_variable(request: Request) -> Response:
    _, project_id = project_caller(request, "admin")
    store = server_state(request).store
    row = _variable(store, project_id, request.path_params["variable_id"])
    store.execute("DELETE FROM agent_variables WHERE variable_id = ?", (row["variable_id"],))
    return json_response({"message": "Agent variable deleted."})


_AGENTS = "/v1/projects/{project_id}/agents"
_VARIABLES = "/v1/projects/{project_id}/agent-variables"

ROUTES: list[BaseRoute] = [
    Route("/v1/agent/settings/think/models", think_models, methods=["GET"]),
    Route(_AGENTS, create_agent, methods=["POST"]),
    Route(_AGENTS, list_agents, methods=["GET"]),
    Route(_AGENTS + "/{agent_id}", get_agent, methods=["GET"]),
    Route(_AGENTS + "/{agent_id}", update_agent, methods=["PUT"]),
    Route(_AGENTS + "/{agent_id}", delete_agent, methods=["DELETE"]),
    Route(_VARIABLES, create_variable, methods=["POST"]),
    Route(_VARIABLES, list_variables, methods=["GET"]),
    Route(_VARIABLES + "/{variable_id}", get_variable, methods=["GET"]),
    Route(_VARIABLES + "/{variable_id}", update_variable, methods=["PATCH"]),
    Route(_VARIABLES + "/{variable_id}", delete_variable, methods=["DELETE"]),
]
