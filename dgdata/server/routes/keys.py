"""Routes: API keys (list, get, create, delete).

A key's secret is returned once, by create; list and get never show it. Reading keys needs the
member role, creating and deleting them admin, and no key may be given (or be deleted by someone
with) less power than it has (see :mod:`dgdata.server.backend.keys`).
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from starlette.requests import Request

from dgdata.server.backend import Backend
from dgdata.server.backend.accounts import ROLES
from dgdata.server.backend.store import utcnow
from dgdata.server.errors import bad_request
from dgdata.server.routes._context import Answer, RouteTable, json_body, project_caller, run
from dgdata.server.routes._params import body_string_list, query_enum, required_text

__all__ = ["ROUTES"]

#: Granular scopes look like ``usage:write`` or ``keys:read``; roles are ``member|admin|owner``.
_GRANULAR = re.compile(r"[a-z][a-z0-9_-]*(:[a-z0-9_*-]+)+\Z")
_MAX_TTL = 10 * 365 * 24 * 3600

table = RouteTable("/v1/projects/{project_id}/keys")


@table.get()
async def list_keys(request: Request) -> Answer:
    _, project_id = await project_caller(request)
    status = query_enum(request, "status", ("active", "expired"))
    return {"api_keys": await run(request, Backend.list_keys, project_id, status)}


table.project_call("/{key_id}", Backend.get_key, key="item")


@table.delete("/{key_id}")
async def delete_key(request: Request) -> Answer:
    principal, project_id = await project_caller(request, "admin")
    await run(request, Backend.delete_key, principal, project_id, request.path_params["key_id"])
    return {"message": "API key deleted."}


def _ttl_expiration(ttl: Any, now: datetime) -> datetime:
    # json_body has refused NaN, infinities and integers beyond 64 bits already
    if isinstance(ttl, bool) or not isinstance(ttl, (int, float)) or ttl != int(ttl):
        raise bad_request("time_to_live_in_seconds must be a whole number of seconds.")
    if not 1 <= ttl <= _MAX_TTL:
        raise bad_request(f"time_to_live_in_seconds must be between 1 and {_MAX_TTL}.")
    return now + timedelta(seconds=int(ttl))


def _expiration(body: dict[str, Any]) -> datetime | None:
    expiration = body.get("expiration_date")
    ttl = body.get("time_to_live_in_seconds")
    if expiration is not None and ttl is not None:
        raise bad_request("Give expiration_date or time_to_live_in_seconds, not both.")
    now = utcnow()
    if ttl is not None:
        return _ttl_expiration(ttl, now)
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
    try:
        moment = moment.astimezone(timezone.utc)
    except OverflowError:  # 9999-12-31T23:59:59-23:59 is in the year 10000 in UTC
        raise bad_request("expiration_date must be before the year 10000 (in UTC).") from None
    if moment <= now:
        raise bad_request("expiration_date must be in the future.")
    return moment


def _scopes(body: dict[str, Any]) -> list[str]:
    scopes = body_string_list(body, "scopes", required=True)
    unknown = [s for s in scopes if s not in ROLES and not _GRANULAR.match(s)]
    if unknown:
        raise bad_request(
            f"Unknown scopes {unknown}: use member, admin or owner, or granular "
            "scopes such as usage:write."
        )
    return scopes


@table.post()
async def create_project_key(request: Request) -> Answer:
    principal, project_id = await project_caller(request, "admin")
    body = await json_body(request)
    comment = required_text(body, "comment", "a non-empty string saying what the key is for")
    key, secret = await run(
        request,
        Backend.create_key_for,
        principal,
        project_id,
        comment,
        _scopes(body),
        tags=body_string_list(body, "tags"),
        expiration=_expiration(body),
    )
    # The key's fields, with the secret second, as the real API orders them.
    return {"api_key_id": key.pop("api_key_id"), "key": secret, **key}


ROUTES = table.routes
