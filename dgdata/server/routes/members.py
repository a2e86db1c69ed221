"""Routes: project members and their scopes (list, remove, get scopes, update scope).

Reading needs the member role, changing admin. Nobody may act on a member with a stronger role
than their own, only owners may make owners, and a project always keeps at least one owner.
Removing a member also deletes the keys they made in the project.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from dgdata.server.backend.accounts import ROLES, add_member
from dgdata.server.backend.auth import Principal
from dgdata.server.backend.store import Store
from dgdata.server.errors import ApiError, bad_request, forbidden, not_found
from dgdata.server.routes.keys import member_json
from dgdata.server.state import json_body, json_response, project_caller, server_state

__all__ = ["ROUTES"]


def _membership(store: Store, project_id: str, member_id: str) -> Any:
    row = store.one(
        "SELECT a.member_id, a.email, a.first_name, a.last_name, m.scope FROM memberships m "
        "JOIN accounts a USING (member_id) WHERE m.project_id = ? AND m.member_id = ?",
        (project_id, member_id),
    )
    if row is None:
        raise not_found("Member")
    return row


def _owners(store: Store, project_id: str) -> list[str]:
    rows = store.query(
        "SELECT member_id FROM memberships WHERE project_id = ? AND scope = 'owner'", (project_id,)
    )
    return [str(row["member_id"]) for row in rows]


def _caller_role(principal: Principal, store: Store, project_id: str) -> str:
    return principal.role_in(store, project_id) or "member"


async def list_members(request: Request) -> Response:
    _, project_id = project_caller(request)
    rows = server_state(request).store.query(
        "SELECT a.member_id, a.email, a.first_name, a.last_name, m.scope FROM memberships m "
        "JOIN accounts a USING (member_id) WHERE m.project_id = ? ORDER BY m.rowid",
        (project_id,),
    )
    return json_response(
        {"members": [{**member_json(row), "scopes": [row["scope"]]} for row in rows]}
    )


async def remove_member(request: Request) -> Response:
    principal, project_id = project_caller(request, "admin")
    store = server_state(request).store
    member = _membership(store, project_id, request.path_params["member_id"])
    role = _caller_role(principal, store, project_id)
    if ROLES.index(member["scope"]) > ROLES.index(role):
        raise forbidden(f"Only an owner can remove an {member['scope']}.")
    if member["scope"] == "owner" and _owners(store, project_id) == [member["member_id"]]:
        raise ApiError(
            400,
            "Bad Request",
            "The only owner of a project cannot be removed; make another member an owner first.",
        )
    with store.transaction() as conn:
        conn.execute(
            "DELETE FROM memberships WHERE project_id = ? AND member_id = ?",
            (project_id, member["member_id"]),
        )
        conn.execute(
            "DELETE FROM api_keys WHERE project_id = ? AND member_id = ?",
            (project_id, member["member_id"]),
        )
    return json_response({"message": "Successfully removed member from project."})


async def get_scopes(request: Request) -> Response:
    _, project_id = project_caller(request)
    member = _membership(server_state(request).store, project_id, request.path_params["member_id"])
    return json_response({"scopes": [member["scope"]]})


async def update_scope(request: Request) -> Response:
    principal, project_id = project_caller(request, "admin")
    store = server_state(request).store
    body = await json_body(request)
    scope = body.get("scope")
    if not isinstance(scope, str) or scope.strip() not in ROLES:
        raise bad_request(f"scope must be one of {', '.join(ROLES)}.")
    scope = scope.strip()
    member = _membership(store, project_id, request.path_params["member_id"])
    role = _caller_role(principal, store, project_id)
    if scope == "owner" and role != "owner":
        raise forbidden("Only an owner can make another member an owner.")
    if ROLES.index(member["scope"]) > ROLES.index(role):
        raise forbidden(f"Only an owner can change the scope of an {member['scope']}.")
    if (
        member["scope"] == "owner"
        and scope != "owner"
        and _owners(store, project_id) == [member["member_id"]]
    ):
        raise ApiError(
            400,
            "Bad Request",
            "The only owner of a project cannot stop being one; "
            "make another member an owner first.",
        )
    add_member(store, project_id, member["member_id"], scope)
    return json_response({"message": "Successfully updated scope."})


ROUTES: list[BaseRoute] = [
    Route("/v1/projects/{project_id}/members", list_members, methods=["GET"]),
    Route("/v1/projects/{project_id}/members/{member_id}", remove_member, methods=["DELETE"]),
    Route("/v1/projects/{project_id}/members/{member_id}/scopes", get_scopes, methods=["GET"]),
    Route("/v1/projects/{project_id}/members/{member_id}/scopes", update_scope, methods=["PUT"]),
]
