"""Routes: self-hosted distribution credentials (list, create, get, delete).

Only records: the local server hands out no registry credentials. ``scopes`` and ``provider``
travel in the query, as the spec has them (the body is also read, for clients that send them
there); ``comment`` in the body. Reading needs the member role, creating and deleting admin.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from dgdata.server.backend.store import Store, dumps, iso, loads, new_id, utcnow
from dgdata.server.errors import bad_request, not_found, query_error
from dgdata.server.routes._params import body_string_list, query_strings
from dgdata.server.state import json_body, json_response, project_caller, server_state

__all__ = ["ROUTES", "SCOPES"]

SCOPES = (
    "self-hosted:products",
    "self-hosted:product:api",
    "self-hosted:product:engine",
    "self-hosted:product:license-proxy",
    "self-hosted:product:dgtools",
    "self-hosted:product:billing",
    "self-hosted:product:hotpepper",
    "self-hosted:product:metrics-server",
)
PROVIDERS = ("quay",)

_SELECT = (
    "SELECT c.*, a.email FROM credentials c LEFT JOIN accounts a USING (member_id) "
    "WHERE c.project_id = ?"
)


def _json(row: Any) -> dict[str, Any]:
    credentials: dict[str, Any] = {
        "distribution_credentials_id": row["distribution_credentials_id"],
        "provider": row["provider"],
    }
    if row["comment"] is not None:
        credentials["comment"] = row["comment"]
    credentials.update(scopes=loads(row["scopes"], []), created=row["created"])
    return {
        "member": {"member_id": row["member_id"], "email": row["email"] or "unknown@example.com"},
        "distribution_credentials": credentials,
    }


def _one(store: Store, project_id: str, credentials_id: str) -> Any:
    row = store.one(
        _SELECT + " AND c.distribution_credentials_id = ?", (project_id, credentials_id)
    )
    if row is None:
        raise not_found("Distribution credentials")
    return row


async def list_credentials(request: Request) -> Response:
    _, project_id = project_caller(request)
    rows = server_state(request).store.query(
        _SELECT + " ORDER BY c.created, c.rowid", (project_id,)
    )
    return json_response({"distribution_credentials": [_json(row) for row in rows]})


async def create_credentials(request: Request) -> Response:
    principal, project_id = project_caller(request, "admin")
    store = server_state(request).store
    body = await json_body(request, required=False)
    comment = body.get("comment")
    if comment is not None and not isinstance(comment, str):
        raise bad_request("comment must be a string.")
    scopes = query_strings(request, "scopes") or body_string_list(body, "scopes")
    scopes = list(dict.fromkeys(scopes)) or ["self-hosted:products"]
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown:
        raise query_error(f"scopes must be among {', '.join(SCOPES)}; not {unknown[0]!r}.")
    provider = request.query_params.get("provider") or body.get("provider") or "quay"
    if provider not in PROVIDERS:
        raise query_error(f"provider must be one of {', '.join(PROVIDERS)}, not {provider!r}.")
    credentials_id = new_id()
    store.execute(
        "INSERT INTO credentials (distribution_credentials_id, project_id, member_id, comment, "
        "scopes, provider, created) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            credentials_id,
            project_id,
            principal.member_id,
            comment,
            dumps(scopes),
            provider,
            iso(utcnow()),
        ),
    )
    return json_response(_json(_one(store, project_id, credentials_id)))


async def get_credentials(request: Request) -> Response:
    _, project_id = project_caller(request)
    store = server_state(request).store
    row = _one(store, project_id, request.path_params["distribution_credentials_id"])
    return json_response(_json(row))


async def delete_credentials(request: Request) -> Response:
    _, project_id = project_caller(request, "admin")
    store = server_state(request).store
    row = _one(store, project_id, request.path_params["distribution_credentials_id"])
    store.execute(
        "DELETE FROM credentials WHERE distribution_credentials_id = ?",
        (row["distribution_credentials_id"],),
    )
    return json_response(_json(row))


_BASE = "/v1/projects/{project_id}/self-hosted/distribution/credentials"

ROUTES: list[BaseRoute] = [
    Route(_BASE, list_credentials, methods=["GET"]),
    Route(_BASE, create_credentials, methods=["POST"]),
    Route(_BASE + "/{distribution_credentials_id}", get_credentials, methods=["GET"]),
    Route(_BASE + "/{distribution_credentials_id}", delete_credentials, methods=["DELETE"]),
]
