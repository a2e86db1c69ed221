"""Who is calling, and what they may do.

Credentials, as the real API takes them:

* ``Authorization: Token <api key>`` (REST) or the WebSocket subprotocols ``token, <key>``;
* ``Authorization: Bearer <token>`` from ``POST /v1/auth/grant`` (or subprotocols
  ``bearer, <token>``): short-lived, accepted by listen, speak and read only. Expired tokens are
  purged whenever a token is issued, and when one is presented.

**A key belongs to the project it was created in** and reaches that project only, as Deepgram's
keys do: ``GET /v1/projects`` lists just it, and any other project id answers 403
``FORBIDDEN`` "Insufficient permissions.", whether or not a project with that id exists (see
:meth:`Auth.authorize` for why 403 and not 404).

**Roles** are ``member`` < ``admin`` < ``owner``. What a key with a role scope may do in its
project is the weaker of that role and its member's role there, so a member's key cannot create or
delete keys even if the key itself says ``admin``.

**Granular scopes** (Deepgram's names: ``usage:read``, ``keys:read``, ``members:read`` ...) limit a
key that has no role scope to what they name: every endpoint needs the scope
:func:`required_scope` gives it (:data:`PROJECT_SCOPES`, :data:`VOICE_SCOPE`), so a
``usage:read`` key reads usage and requests, and nothing else of its project (not its members,
not its keys). ``x:write`` includes ``x:read``, and a scope includes the narrower ones under it
(``members:read`` includes ``members:read:invites``). Such a key never does more than a member
key could: its role is ``member``, so endpoints that need an admin refuse it whatever its scopes.
Listing the key's own project and the global model catalogue need no scope.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from dgdata.server.backend.accounts import ROLES, Accounts, outranks, role_of, weaker
from dgdata.server.backend.store import digest, iso, loads, utcnow
from dgdata.server.errors import ApiError, forbidden, unauthorized

__all__ = [
    "PROJECT_SCOPES",
    "VOICE_SCOPE",
    "Auth",
    "Principal",
    "credential_from_subprotocols",
    "required_scope",
    "scope_grants",
]

_MANAGE_NEEDS_A_KEY = "Temporary tokens only work with the listen, speak and read APIs."

#: The scope of the voice APIs (listen, speak, read, and issuing a grant for them); Deepgram's
#: grant tokens carry it.
VOICE_SCOPE = "usage:write"
_VOICE_PATHS = ("/v1/listen", "/v1/speak", "/v2/speak", "/v1/read", "/v1/auth/grant")

#: What the endpoints under ``/v1/projects/{project_id}`` need, by the first path segment after
#: the project id: ``(scope to read, scope to change)``; ``GET``/``HEAD`` read, other methods
#: change. :data:`_SPECIAL` overrides a few operations.
PROJECT_SCOPES: dict[str, tuple[str, str]] = {
    "": ("project:read", "project:write"),
    "leave": ("project:read", "project:write"),
    "keys": ("keys:read", "keys:write"),
    "members": ("members:read", "members:write"),
    "invites": ("members:read:invites", "members:write:invites"),
    "requests": ("usage:read", "usage:write"),
    "usage": ("usage:read", "usage:write"),
    "balances": ("billing:read", "billing:write"),
    "billing": ("billing:read", "billing:write"),
    "purchases": ("billing:read", "billing:write"),
    "models": ("project:read", "project:write"),
    "self-hosted": ("project:read", "project:write"),
    "agents": ("project:read", "project:write"),
    "agent-variables": ("project:read", "project:write"),
}
_SPECIAL: dict[tuple[str, str], str] = {
    ("DELETE", ""): "project:write:destroy",
    ("DELETE", "members/*"): "members:write:kick",
    ("GET", "members/*/scopes"): "members:read:scopes",
    ("PUT", "members/*/scopes"): "members:write:scopes",
}
_PROJECT_PATH = re.compile(r"/v1/projects/[^/]+/?(?P<rest>.*)\Z")


def required_scope(method: str, path: str) -> str | None:
    """The granular scope ``method path`` needs, or None (no scope: any key of the project).

    ``required_scope("GET", "/v1/projects/p/usage/breakdown") == "usage:read"``.
    """
    method = "GET" if method.upper() == "HEAD" else method.upper()
    if path.rstrip("/") in _VOICE_PATHS:
        return VOICE_SCOPE
    match = _PROJECT_PATH.match(path)
    if match is None:
        return None  # the key's own project list, the model catalogue, the control routes
    parts = [part for part in match["rest"].split("/") if part]
    shape = "/".join(parts[:1] + ["*"] * len(parts[1:2]) + parts[2:])  # members/*/scopes
    special = _SPECIAL.get((method, shape))
    if special is not None:
        return special
    read, write = PROJECT_SCOPES.get(parts[0] if parts else "", ("project:read", "project:write"))
    return read if method == "GET" else write


def scope_grants(held: str, needed: str) -> bool:
    """Whether a key holding scope ``held`` may do what needs ``needed``: the same scope, a
    broader one (``members:read`` grants ``members:read:invites``), or its write form
    (``usage:write`` grants ``usage:read``)."""
    broader = [held]
    parts = held.split(":")
    if len(parts) >= 2 and parts[1] == "write":
        broader.append(":".join([parts[0], "read", *parts[2:]]))
    return any(needed == scope or needed.startswith(scope + ":") for scope in broader)


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: an API key, or a grant token issued for one."""

    api_key_id: str
    project_id: str  # the project the key was created in
    member_id: str
    key_role: str
    scopes: tuple[str, ...]
    bearer: bool = False

    def require_manage(self) -> None:
        """Raise for a grant token, which the manage APIs do not accept."""
        if self.bearer:
            raise forbidden(_MANAGE_NEEDS_A_KEY)

    @property
    def granular(self) -> bool:
        """Whether the key's power is its granular scopes (it names no role)."""
        return bool(self.scopes) and not any(scope in ROLES for scope in self.scopes)

    def require_scope(self, scope: str | None) -> None:
        """403 unless the key may do what needs ``scope`` (a key with a role always may: its
        role is checked instead)."""
        if scope is None or not self.granular:
            return
        if not any(scope_grants(held, scope) for held in self.scopes):
            raise forbidden(f"This key's scopes ({', '.join(self.scopes)}) do not include {scope}.")


def credential_from_subprotocols(protocols: Iterable[str]) -> tuple[str, str] | None:
    """``("Token <key>", "token")`` from WebSocket subprotocols ``token, <key>`` (or bearer)."""
    offered = [p.strip() for p in protocols]
    for index, name in enumerate(offered[:-1]):
        if name.lower() in ("token", "bearer"):
            return f"{name.capitalize()} {offered[index + 1]}", name
    return None


class Auth(Accounts):
    """Who is calling (keys and grant tokens) and what they may do in a project."""

    def authenticate(
        self, authorization: str | None, *, allow_bearer: bool = False, scope: str | None = None
    ) -> Principal:
        """The caller named by an ``Authorization`` header value; 401 if there is none valid,
        403 if its key lacks ``scope``.

        ``allow_bearer`` marks a voice API (listen, speak, read), the only ones grant tokens may
        call; they need :data:`VOICE_SCOPE` unless another ``scope`` is given.
        """
        if scope is None and allow_bearer:
            scope = VOICE_SCOPE
        principal = self._authenticate(authorization, allow_bearer=allow_bearer)
        principal.require_scope(scope)
        return principal

    def _authenticate(self, authorization: str | None, *, allow_bearer: bool) -> Principal:
        if not authorization:
            raise unauthorized()
        scheme, _, credential = authorization.strip().partition(" ")
        scheme, credential = scheme.lower(), credential.strip()
        if not credential:
            raise unauthorized()
        if scheme == "token":
            row = self.store.one(
                "SELECT api_key_id FROM api_keys WHERE secret_sha256 = ?", (digest(credential),)
            )
            if row is None:
                raise unauthorized()
            return self._principal_for_key(str(row["api_key_id"]), bearer=False)
        if scheme == "bearer":
            row = self.store.one(
                "SELECT api_key_id, expires FROM grants WHERE token_sha256 = ?",
                (digest(credential),),
            )
            if row is None:
                raise unauthorized()
            if row["expires"] <= iso(utcnow()):
                self.purge_grants()
                raise unauthorized()
            if not allow_bearer:
                raise forbidden(_MANAGE_NEEDS_A_KEY)
            return self._principal_for_key(str(row["api_key_id"]), bearer=True)
        raise unauthorized()

    def _principal_for_key(self, api_key_id: str, *, bearer: bool) -> Principal:
        row = self.store.one(
            "SELECT api_key_id, project_id, member_id, scopes, expiration_date FROM api_keys "
            "WHERE api_key_id = ?",
            (api_key_id,),
        )
        if row is None or (row["expiration_date"] and row["expiration_date"] <= iso(utcnow())):
            raise unauthorized()
        scopes = tuple(loads(row["scopes"], []))
        return Principal(
            api_key_id=str(row["api_key_id"]),
            project_id=str(row["project_id"]),
            member_id=str(row["member_id"]),
            key_role=role_of(scopes),
            scopes=scopes,
            bearer=bearer,
        )

    def role_in(self, principal: Principal, project_id: str) -> str | None:
        """The role a caller has in a project (the weaker of its key's and its member's), or
        None if it is not a member."""
        role = self.member_role(project_id, principal.member_id)
        return None if role is None else weaker(role, principal.key_role)

    def authorize(
        self,
        principal: Principal,
        project_id: str,
        role: str = "member",
        scope: str | None = None,
    ) -> None:
        """Raise unless the caller's key belongs to the project, holds ``scope`` and has at
        least ``role`` there.

        A project that is not the key's answers 403 ``FORBIDDEN`` "Insufficient permissions.",
        the same whether the id exists or not, and without looking it up: an outsider cannot
        tell taken ids from free ones. 403 rather than 404 because that is what the real API
        answers for a project a key may not reach, and because the key is refused, not the id:
        a key's own project always exists (deleting a project deletes its keys).
        """
        principal.require_manage()
        if project_id != principal.project_id:
            raise forbidden()
        have = self.role_in(principal, project_id)
        if have is None:  # the key's member left the project: the same answer as above
            raise forbidden()
        principal.require_scope(scope)
        if outranks(role, have):
            raise forbidden()

    def authenticate_in(
        self,
        authorization: str | None,
        project_id: str,
        role: str = "member",
        scope: str | None = None,
    ) -> Principal:
        """The caller named by ``authorization``, checked to have ``role`` and ``scope`` in the
        project (see :meth:`authorize`)."""
        principal = self.authenticate(authorization)
        self.authorize(principal, project_id, role, scope)
        return principal

    def projects_of(self, principal: Principal) -> list[dict[str, Any]]:
        """``{project_id, name}`` of the projects the caller reaches: its key's own, if its
        member still belongs to it."""
        mine = self.list_projects(principal.member_id)
        return [project for project in mine if project["project_id"] == principal.project_id]

    def issue_grant(self, principal: Principal, ttl_seconds: float) -> tuple[str, datetime]:
        """A new bearer token for the caller's key, valid ``ttl_seconds``; returns it and its
        expiry."""
        if principal.bearer:
            raise forbidden("A temporary token cannot issue another.")
        if not 1 <= ttl_seconds <= 3600:
            raise ApiError(400, "Bad Request", "ttl_seconds must be between 1 and 3600.")
        token = "dgl." + secrets.token_urlsafe(32)
        expires = utcnow() + timedelta(seconds=ttl_seconds)
        with self.store.transaction():
            self.purge_grants()
            self.store.execute(
                "INSERT INTO grants (token_sha256, api_key_id, expires) VALUES (?, ?, ?)",
                (digest(token), principal.api_key_id, iso(expires)),
            )
        return token, expires

    def purge_grants(self) -> int:
        """Delete the grant tokens that have expired; returns how many there were."""
        return self.store.execute("DELETE FROM grants WHERE expires <= ?", (iso(utcnow()),))
