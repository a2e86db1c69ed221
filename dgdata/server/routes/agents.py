"""Routes: agent think models, agent configurations and agent variables.

``GET /v1/agent/settings/think/models`` needs no credentials (as the spec has it). A
configuration's ``config`` is sent as JSON text (the ``agent`` block of a Settings message) and
returned parsed; it is immutable, only its ``metadata`` (string values) can be replaced.
Variables are named ``DG_<NAME>`` and hold any JSON value. Reading needs the member role,
writing admin. The local server stores these (:mod:`dgdata.server.backend.agents`); it runs no
voice agent with them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from starlette.requests import Request

from dgdata.server.backend import Backend, catalog
from dgdata.server.errors import MAX_ITEMS, MAX_TEXT, bad_request, parse_json
from dgdata.server.routes._context import Answer, RouteTable, json_body, project_caller, run

__all__ = ["ROUTES"]

_VARIABLE_KEY = re.compile(r"DG_[A-Z0-9_]+\Z")
_MISSING = object()

table = RouteTable()
agents = RouteTable("/v1/projects/{project_id}/agents")
variables = RouteTable("/v1/projects/{project_id}/agent-variables")


@table.get("/v1/agent/settings/think/models")
async def think_models(request: Request) -> Answer:
    return {"models": [dict(model) for model in catalog.THINK_MODELS]}


def _metadata(body: dict[str, Any], *, required: bool) -> dict[str, str]:
    metadata = body.get("metadata", _MISSING)
    if metadata is _MISSING or metadata is None:
        if required:
            raise bad_request("metadata is required: an object of string values.")
        return {}
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise bad_request("metadata must be an object whose values are strings.")
    if len(metadata) > MAX_ITEMS or any(len(t) > MAX_TEXT for t in (*metadata, *metadata.values())):
        raise bad_request(
            f"metadata may hold at most {MAX_ITEMS} entries, with names and values of at most "
            f"{MAX_TEXT} characters."
        )
    return metadata


def _api_version(body: dict[str, Any]) -> None:
    version = body.get("api_version")
    if version is not None and (isinstance(version, bool) or version != 1):
        raise bad_request("api_version must be 1, the only version there is.")


def _required_metadata(body: dict[str, Any]) -> dict[str, str]:
    return _metadata(body, required=True)


def _value(body: dict[str, Any]) -> Any:
    if "value" not in body:
        raise bad_request("value is required (any JSON value).")
    return body["value"]


def _new_agent(body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """``(config, metadata)`` of a new configuration."""
    config = body.get("config")
    if isinstance(config, str):
        config = parse_json(config, what="config is not valid JSON text.")
    if not isinstance(config, dict):
        raise bad_request(
            "config is required: the JSON text of the agent block of a Settings "
            "message (an object)."
        )
    metadata = _metadata(body, required=False)
    _api_version(body)
    return config, metadata


def _new_variable(body: dict[str, Any]) -> tuple[str, Any]:
    """``(key, value)`` of a new variable."""
    key = body.get("key")
    if not isinstance(key, str) or len(key) > MAX_TEXT or not _VARIABLE_KEY.match(key):
        raise bad_request("key must be named DG_<NAME>: DG_ then capital letters, digits or _.")
    value = _value(body)
    _api_version(body)
    return key, value


async def _create(
    request: Request, create: Callable[..., Any], parse: Callable[[dict[str, Any]], tuple[Any, ...]]
) -> Answer:
    """``create(project_id, *parse(body))``, for an admin."""
    _, project_id = await project_caller(request, "admin")
    fields = parse(await json_body(request))
    return await run(request, create, project_id, *fields)


async def _update(
    request: Request,
    read: Callable[..., Any],
    update: Callable[..., Any],
    parse: Callable[..., Any],
) -> Answer:
    """``update(project_id, item id, parse(body))`` for an admin, after ``read`` (so a missing
    item is a 404 before a bad body is a 400)."""
    _, project_id = await project_caller(request, "admin")
    body = await json_body(request)
    item_id = next(v for k, v in request.path_params.items() if k != "project_id")
    await run(request, read, project_id, item_id)
    return await run(request, update, project_id, item_id, parse(body))


@agents.post()
async def create_agent(request: Request) -> Answer:
    return await _create(request, Backend.create_agent, _new_agent)


@agents.put("/{agent_id}")
async def update_agent(request: Request) -> Answer:
    update = Backend.update_agent_metadata
    return await _update(request, Backend.get_agent, update, _required_metadata)


agents.project_call("", Backend.list_agents, key="agents")
agents.project_call("/{agent_id}", Backend.get_agent)
agents.project_delete("/{agent_id}", Backend.delete_agent, message="Agent configuration deleted.")


@variables.post()
async def create_variable(request: Request) -> Answer:
    return await _create(request, Backend.create_variable, _new_variable)


@variables.patch("/{variable_id}")
async def update_variable(request: Request) -> Answer:
    return await _update(request, Backend.get_variable, Backend.update_variable, _value)


variables.project_call("", Backend.list_variables, key="variables")
variables.project_call("/{variable_id}", Backend.get_variable)
variables.project_delete(
    "/{variable_id}", Backend.delete_variable, message="Agent variable deleted."
)

ROUTES = [*table.routes, *agents.routes, *variables.routes]
