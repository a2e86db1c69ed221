"""Routes: project invitations (list, send, delete by email).

An invitation is only a record here (no email leaves the machine). Listing needs the member role,
sending and deleting admin; only owners may invite owners. Inviting an address again updates the
scope of the pending invitation.
"""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from dgdata.server.backend.accounts import ROLES
from dgdata.server.backend.store import iso, utcnow
from dgdata.server.errors import bad_request, forbidden, not_found
from dgdata.server.state import json_body, json_response, project_caller, server_state

__all__ = ["ROUTES"]

_EMAIL = re.compile(r"[^@\s/]+@[^@\s/]+\.[^@\s/]+\Z")


async def list_invitations(request: Request) -> Response:
    _, project_id = project_caller(request)
    rows = server_state(request).store.query(
        "SELECT email, scope FROM invitations WHERE project_id = ? ORDER BY created, email",
        (project_id,),
    )
    return json_response({"invites": [dict(row) for row in rows]})


async def send_invitation(request: Request) -> Response:
    principal, project_id = project_caller(request, "admin")
    store = server_state(request).store
    body = await json_body(request)
    email = body.get("email")
    scope = body.get("scope")
    if not isinstance(email, str) or not _EMAIL.match(email.strip()):
        raise bad_request("email must be an email address, like someone@example.com.")
    if not isinstance(scope, str) or scope.strip() not in ROLES:
        raise bad_request(f"scope must be one of {', '.join(ROLES)}.")
    email, scope = email.strip().lower(), scope.strip()
    if scope == "owner" and principal.role_in(store, project_id) != "owner":
        raise forbidden("Only an owner can invite an owner.")
    member = store.one(
        "SELECT 1 FROM memberships m JOIN accounts a USING (member_id) "
        "WHERE m.project_id = ? AND lower(a.email) = ?",
        (project_id, email),
    )
    if member is not None:
        raise bad_request(f"{email} is already a member of this project.")
    store.execute(
        "INSERT INTO invitations (project_id, email, scope, created) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (project_id, email) DO UPDATE SET scope = excluded.scope",
        (project_id, email, scope, iso(utcnow())),
    )
    return json_response({"message": f"Invitation sent to {email}."})


async def delete_invitation(request: Request) -> Response:
    _, project_id = project_caller(request, "admin")
    email = str(request.path_params["email"]).strip().lower()
    changed = server_state(request).store.execute(
        "DELETE FROM invitations WHERE project_id = ? AND email = ?", (project_id, email)
    )
    if not changed:
        raise not_found("Invitation")
    return json_response({"message": f"Invitation to {email} deleted."})


ROUTES: list[BaseRoute] = [
    Route("/v1/projects/{project_id}/invites", list_invitations, methods=["GET"]),
    Route("/v1/projects/{project_id}/invites", send_invitation, methods=["POST"]),
    Route("/v1/projects/{project_id}/invites/{email}", delete_invitation, methods=["DELETE"]),
]
