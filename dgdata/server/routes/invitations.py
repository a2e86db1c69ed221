"""Routes: project invitations (list, send, delete by email).

An invitation is only a record here (no email leaves the machine). Listing needs the member role,
sending and deleting admin; only owners may invite owners. Inviting an address again updates the
scope of the pending invitation.
"""

from __future__ import annotations

import re

from starlette.requests import Request

from dgdata.server.backend import Backend
from dgdata.server.errors import bad_request
from dgdata.server.routes._context import Answer, RouteTable, json_body, project_caller, run
from dgdata.server.routes.members import body_scope

__all__ = ["ROUTES"]

_EMAIL = re.compile(r"[^@\s/]+@[^@\s/]+\.[^@\s/]+\Z")

table = RouteTable("/v1/projects/{project_id}/invites")

table.project_call("", Backend.list_invitations, key="invites")


@table.post()
async def send_invitation(request: Request) -> Answer:
    principal, project_id = await project_caller(request, "admin")
    body = await json_body(request)
    email = body.get("email")
    # 254 characters: the longest address SMTP can carry (RFC 5321).
    if not isinstance(email, str) or len(email) > 254 or not _EMAIL.match(email.strip()):
        raise bad_request("email must be an email address, like someone@example.com.")
    scope = body_scope(body)
    email = email.strip().lower()
    await run(request, Backend.invite, principal, project_id, email, scope)
    return {"message": f"Invitation sent to {email}."}


@table.delete("/{email}")
async def delete_invitation(request: Request) -> Answer:
    _, project_id = await project_caller(request, "admin")
    email = str(request.path_params["email"]).strip().lower()
    await run(request, Backend.delete_invitation, project_id, email)
    return {"message": f"Invitation to {email} deleted."}


ROUTES = table.routes
