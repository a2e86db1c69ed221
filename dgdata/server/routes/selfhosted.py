"""Routes: self-hosted distribution credentials (list, create, get, delete).

Only records (:mod:`dgdata.server.backend.credentials`): the local server hands out no registry
credentials. ``scopes`` and ``provider`` travel in the query, as the spec has them (the body is
also read, for clients that send them there); ``comment`` in the body. Reading needs the member
role, creating and deleting admin.
"""

from __future__ import annotations

from starlette.requests import Request

from dgdata.server.backend import Backend
from dgdata.server.errors import query_error
from dgdata.server.routes._context import Answer, RouteTable, json_body, project_caller, run
from dgdata.server.routes._params import body_string_list, body_text, query_strings

__all__ = ["PROVIDERS", "ROUTES", "SCOPES"]

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

table = RouteTable("/v1/projects/{project_id}/self-hosted/distribution/credentials")


table.project_call("", Backend.list_credentials, key="distribution_credentials")
table.project_call("/{distribution_credentials_id}", Backend.get_credentials)
table.project_delete("/{distribution_credentials_id}", Backend.delete_credentials)


@table.post()
async def create_credentials(request: Request) -> Answer:
    principal, project_id = await project_caller(request, "admin")
    body = await json_body(request, required=False)
    comment = body_text(body, "comment")
    scopes = query_strings(request, "scopes") or body_string_list(body, "scopes")
    scopes = list(dict.fromkeys(scopes)) or ["self-hosted:products"]
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown:
        raise query_error(f"scopes must be among {', '.join(SCOPES)}; not {unknown[0]!r}.")
    provider = request.query_params.get("provider") or body.get("provider") or "quay"
    if provider not in PROVIDERS:
        raise query_error(f"provider must be one of {', '.join(PROVIDERS)}, not {provider!r}.")
    return await run(
        request,
        Backend.create_credentials,
        project_id,
        principal.member_id,
        scopes=scopes,
        provider=provider,
        comment=comment,
    )


ROUTES = table.routes
