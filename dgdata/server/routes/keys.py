"""Routes: API keys (list, get, create, delete).

A key's secret is returned once, by create; list and get never show it. Reading keys needs the
member role, creating and deleting them admin, and no key may be given (or be deleted by someone
with) less power than it has: a role stronger than the caller's own is refused with 403.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from dgdata.server.backend.accounts import ROLES, create_key, key_json, role_of
from dgdata.server.backend.store import Store, iso, loads, utcnow
from dgdata.server.errors import bad_request, forbidden, not_found
from dgdata.server.routes._params import body_string_list, query_enum
from dgdata.server.state import json_body, json_response, project_caller, server_state

__all__ = ["ROUTES", "member_json"]

#: Granular scopes look like ``usage:write`` or ``keys:read``; roles are ``member|admin|owner``.
_GRANULAR = re.compile(r"[a-z][a-z0-9_-]*(:[a-z0-9_*-]+)+\Z")
_MAX_TTL = 10 * 365 * 24 * 3600


def member_json(row: Any) -> dict[str, Any]:
    """``{member_id, email, first_name?, last_name?}`` of an ``accounts`` row (no nulls)."""
    out: dict[str, Any] = {"member_id": row["member_id"], "email": row["email"]}
    for name in ("first_name", "last_name"):
        if row[name] is not None:
            out[name] = row[name]
    return out


def _key_rows(
    store: Store, project_id: str, *, key_id: str | None = None, status: str | None = None
) -> list[Any]:
    sql = (
        "SELECT k.*, a.email, a.first_name, a.last_name FROM api_keys k "
        "JOIN accounts a USING (member_id) WHERE k.project_id = ?"
    )
    params: list[Any] = [project_id]
    if key_id is not None:
        sql += " AND k.api_key_id = ?"
        params.append(key_id)
    now = iso(utcnow())
    if status == "active":
        sql += " AND (k.expiration_date IS NULL OR k.expiration_date > ?)"
        params.append(now)
    elif status == "expired":
        sql += " AND k.expiration_date IS NOT NULL AND k.expiration_date <= ?"
        params.append(now)
    return store.query(sql + " ORDER BY k.created, k.rowid", params)


async def list_keys(request: Request) -> Response:
    _, project_id = project_caller(request)
    status = query_enum(request, "status", ("active", "expired"))
    rows = _key_rows(server_state(request).store, project_id, status=status)
    return json_response(
        {"api_keys": [{"member": member_json(row), "api_key": key_json(row)} for row in rows]}
    )


async def get_key(request: Request) -> Response:
    _, project_id = project_caller(request)
    rows = _key_rows(server_state(request).store, project_id, key_id=request.path_params["key_id"])
    if not rows:
        raise not_found("API key")
    row = rows[0]
    return json_response({"item": {"member": {**member_json(row), "api_key": key_json(row)}}})


def _expiration(body: dict[str, Any]) -> datetime | None:
    expiration = body.get("expiration_date")
    ttl = body.get("time_to_live_in_seconds")
    if expiration is not None and ttl is not None:
        raise bad_request("Give expiration_date or time_to_live_in_seconds, not both.")
    now = utcnow()
    if ttl is not None:
        if isinstance(ttl, bool) or not isinstance(ttl, (int, float)) or ttl != int(ttl):
            raise bad_request("time_to_live_in_seconds must be a whole number of seconds.")
        if not 1 <= ttl <= _MAX_TTL:
            raise bad_request(f"time_to_live_in_seconds must be between 1 and {_MAX_TTL}.")
        return now + timedelta(seconds=int(ttl))
    if expiration is None:
        return None
    if not isinstance(expiration, str):
        raise bad_request("expiration_date must be an ISO 8601 date or date and time string.")
    try:
        text = expiration.strip()
        if len(text) == 10:
            moment = datetime.combine(date.fromisoformat(text), time(), tzinfo=timezone.utc)
        else:
            moment = datetime.fromisoformat(text)
    except ValueError:
        raise bad_request(
            f"expiration_date must be an ISO 8601 date or date and time, not {expiration!r}."
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    if moment <= now:
        raise bad_request("expiration_date must be in the future.")
    return moment


async def create_project_key(request: Request) -> Response:
    principal, project_id = project_caller(request, "admin")
    store = server_state(request).store
    body = await json_body(request)
    comment = body.get("comment")
    if not isinstance(comment, str) or not comment.strip():
        raise bad_request("comment is required: a non-empty string saying what the key is for.")
    scopes = body_string_list(body, "scopes", required=True)
    unknown = [s for s in scopes if s not in ROLES and not _GRANULAR.match(s)]
    if unknown:
        raise bad_request(
            f"Unknown scopes {unknown}: use member, admin or owner, or granular "
            "scopes such as usage:write."
        )
    tags = body_string_list(body, "tags")
    expiration = _expiration(body)
    caller_role = principal.role_in(store, project_id) or "member"
    wanted = role_of(scopes)
    if ROLES.index(wanted) > ROLES.index(caller_role):
        raise forbidden(
            f"You cannot create a key with the {wanted} role: your role in this "
            f"project is {caller_role}."
        )
    key, secret = create_key(
        store,
        project_id,
        principal.member_id,
        comment.strip(),
        scopes,
        tags=tags,
        expiration=expiration,
    )
    out: dict[str, Any] = {
        "api_key_id": key["api_key_id"],
        "key": secret,
        "comment": key["comment"],
        "scopes": key["scopes"],
        "tags": key["tags"],
        "created": key["created"],
    }
    if "expiration_date" in key:
        out["expiration_date"] = key["expiration_date"]
    return json_response(out)


async def delete_key(request: Request) -> Response:
    principal, project_id = project_caller(request, "admin")
    store = server_state(request).store
    rows = _key_rows(store, project_id, key_id=request.path_params["key_id"])
    if not rows:
        raise not_found("API key")
    row = rows[0]
    membership = store.one(
        "SELECT scope FROM memberships WHERE project_id = ? AND member_id = ?",
        (project_id, row["member_id"]),
    )
    key_role = role_of(loads(row["scopes"], []))
    if membership is not None:
        key_role = min(key_role, str(membership["scope"]), key=ROLES.index)
    caller_role = principal.role_in(store, project_id) or "member"
    if ROLES.index(key_role) > ROLES.index(caller_role):
        raise forbidden(f"Only an {key_role} can delete a key with the {key_role} role.")
    store.execute("DELETE FROM api_keys WHERE api_key_id = ?", (row["api_key_id"],))
    return json_response({"message": "API key deleted."})


ROUTES: list[BaseRoute] = [
    Route("/v1/projects/{project_id}/keys", list_keys, methods=["GET"]),
    Route("/v1/projects/{project_id}/keys", create_project_key, methods=["POST"]),
    Route("/v1/projects/{project_id}/keys/{key_id}", get_key, methods=["GET"]),
    Route("/v1/projects/{project_id}/keys/{key_id}", delete_key, methods=["DELETE"]),
]
