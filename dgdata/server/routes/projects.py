"""Routes: projects (list, get, update, delete, leave).

Listing shows the project the caller's key belongs to; reading needs the member role,
renaming admin, deleting owner. The only owner of a project cannot leave it.
"""

from __future__ import annotations

from starlette.requests import Request

from dgdata.server.backend import Backend
from dgdata.server.routes._context import Answer, RouteTable, caller, json_body, project_caller, run
from dgdata.server.routes._params import query_int, required_text

__all__ = ["ROUTES"]

table = RouteTable("/v1/projects")


@table.get()
async def list_projects(request: Request) -> Answer:
    principal = await caller(request)
    principal.require_manage()
    projects = await run(request, Backend.projects_of, principal)
    return {"projects": projects}


@table.get("/{project_id}")
async def get_project(request: Request) -> Answer:
    _, project_id = await project_caller(request)
    query_int(request, "limit", low=1, high=1000)  # declared by the spec, validated, unused
    query_int(request, "page", low=0)
    project = await run(request, Backend.get_project, project_id)
    assert project is not None  # project_caller checked it exists
    return project


@table.patch("/{project_id}")
async def update_project(request: Request) -> Answer:
    _, project_id = await project_caller(request, "admin")
    name = required_text(await json_body(request), "name", "the project's new name")
    await run(request, Backend.rename_project, project_id, name)
    return {"message": "Successfully updated project info."}


table.project_delete(
    "/{project_id}", Backend.delete_project, role="owner", message="Project deleted."
)


@table.delete("/{project_id}/leave")
async def leave_project(request: Request) -> Answer:
    principal, project_id = await project_caller(request)
    await run(request, Backend.leave_project, principal, project_id)
    return {"message": "Successfully removed from project."}


ROUTES = table.routes
