"""Routes: projects (list, get, update, delete, leave)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from dgdata.server.errors import ApiError, bad_request
from dgdata.server.state import (
    caller,
    json_body,
    json_response,
    project_caller,
    query_int,
    server_state,
)

__all__ = ["ROUTES"]


async def list_projects(request: Request) -> Response:
    principal = caller(request)
    principal.require_manage()
    rows = server_state(request).store.query(
        "SELECT p.project_id, p.name FROM projects p JOIN memberships m USING (project_id) "
        "WHERE m.member_id = ? ORDER BY p.created, p.project_id",
        (principal.member_id,),
    )
    return json_response({"projects": [dict(row) for row in rows]})


async def get_project(request: Request) -> Response:
    _, project_id = project_caller(request)
    query_int(request, "limit", low=1, high=1000)  # declared by the spec, validated, unused
    query_int(request, "page", low=0)
    row = server_state(request).store.one(
        "SELECT project_id, mip_opt_out, name FROM projects WHERE project_id = ?", (project_id,)
    )
    assert row is not None  # project_caller checked it exists
    return json_response({**dict(row), "mip_opt_out": bool(row["mip_opt_out"])})


async def update_project(request: Request) -> Response:
    _, project_id = project_caller(request, "admin")
    body = await json_body(request)
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise bad_request("name must be a non-empty string.")
    server_state(request).store.execute(
        "UPDATE projects SET name = ? WHERE project_id = ?", (name.strip(), project_id)
    )
    return json_response({"message": "Successfully updated project info."})


async def delete_project(request: Request) -> Response:
    _, project_id = project_caller(request, "owner")
    server_state(request).store.execute("DELETE FROM projects WHERE project_id = ?", (project_id,))
    return json_response({"message": "Project deleted."})


async def leave_project(request: Request) -> Response:
    principal, project_id = project_caller(request)
    store = server_state(request).store
    owners = store.query(
        "SELECT member_id FROM memberships WHERE project_id = ? AND scope = 'owner'", (project_id,)
    )
    if [row["member_id"] for row in owners] == [principal.member_id]:
        raise ApiError(
            400,
            "Bad Request",
            "The only owner of a project cannot leave it; "
            "make another member an owner first, or delete the project.",
        )
    store.execute(
        "DELETE FROM memberships WHERE project_id = ? AND member_id = ?",
        (project_id, principal.member_id),
    )
    return json_response({"message": "Successfully removed from project."})


ROUTES: list[BaseRoute] = [
    Route("/v1/projects", list_projects, methods=["GET"]),
    Route("/v1/projects/{project_id}", get_project, methods=["GET"]),
    Route("/v1/projects/{project_id}", update_project, methods=["PATCH"]),
    Route("/v1/projects/{project_id}", delete_project, methods=["DELETE"]),
    Route("/v1/projects/{project_id}/leave", leave_project, methods=["DELETE"]),
]
