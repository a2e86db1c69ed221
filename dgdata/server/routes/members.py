"""Routes: project members and their scopes (list, remove, get scopes, update scope).

Reading needs the member role, changing admin; the rules on who may change whom are the
backend's (:mod:`dgdata.server.backend.members`).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from dgdata.server.backend import Backend
from dgdata.server.backend.accounts import ROLES
from dgdata.server.errors import bad_request
from dgdata.server.routes._context import Answer, RouteTable, json_body, project_caller, run

__all__ = ["ROUTES", "body_scope"]

table = RouteTable("/v1/projects/{project_id}/members")


def body_scope(body: dict[str, Any]) -> str:
    """The body's ``scope``: one of the roles (400 otherwise)."""
    scope = body.get("scope")
    if not isinstance(scope, str) or scope.strip() not in ROLES:
        raise bad_request(f"scope must be one of {', '.join(ROLES)}.")
    return scope.strip()


table.project_call("", Backend.list_members, key="members")


@table.delete("/{member_id}")
async def remove_member(request: Request) -> Answer:
    principal, project_id = await project_caller(request, "admin")
    member_id = request.path_params["member_id"]
    await run(request, Backend.remove_member, principal, project_id, member_id)
    return {"message": "Successfully removed member from project."}


@table.get("/{member_id}/scopes")
async def get_scopes(request: Request) -> Answer:
    _, project_id = await project_caller(request)
    member_id = request.path_params["member_id"]
    return {"scopes": [await run(request, Backend.member_scope, project_id, member_id)]}


@table.put("/{member_id}/scopes")
async def update_scope(request: Request) -> Answer:
    principal, project_id = await project_caller(request, "admin")
    scope = body_scope(await json_body(request))
    member_id = request.path_params["member_id"]
    await run(request, Backend.set_member_scope, principal, project_id, member_id, scope)
    return {"message": "Successfully updated scope."}


ROUTES = table.routes
