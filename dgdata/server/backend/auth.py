"""Who is calling, and what they may do.

Credentials, as the real API takes them:

* ``Authorization: Token <api key>`` (REST) or the WebSocket subprotocols ``token, <key>``;
* ``Authorization: Bearer <token>`` from ``POST /v1/auth/grant`` (or subprotocols
  ``bearer, <token>``): short-lived, accepted by listen, speak and read only.

Roles are ``member`` < ``admin`` < ``owner``. What a key may do in a project is the weaker of the
role its scopes name and its member's role in that project, so a member's key cannot create or
delete keys even if the key itself says ``admin``. A key reaches every project its member belongs
to. Granular scopes (``usage:write`` and the like) are stored and echoed but count as ``member``.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from dgdata.server.backend.accounts import Accounts, outranks, role_of, weaker
from dgdata.server.backend.store import digest, iso, loads, utcnow
from dgdata.server.errors import ApiError, forbidden, not_found, unauthorized

__all__ = ["Auth", "Principal", "credential_from_subprotocols"]

_MANAGE_NEEDS_A_KEY = "Temporary tokens only work with the listen, speak and read APIs."


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


def credential_from_subprotocols(protocols: Iterable[str]) -> tuple[str, str] | None:
    """``("Token <key>", "token")`` from WebSocket subprotocols ``token, <key>`` (or bearer)."""
    offered = [p.strip() for p in protocols]
    for index, name in enumerate(offered[:-1]):
        if name.lower() in ("token", "bearer"):
            return f"{name.capitalize()} {offered[index + 1]}", name
    return None


class Auth(Accounts):
    """Who is calling (keys and grant tokens) and what they may do in a project."""

    def authenticate(self, authorization: str | None, *, allow_bearer: bool = False) -> Principal:
        """The caller named by an ``Authorization`` header value; 401 if there is none valid."""
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
            if row is None or row["expires"] <= iso(utcnow()):
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

    def authorize(self, principal: Principal, project_id: str, role: str = "member") -> None:
        """Raise unless the caller has at least ``role`` in the project (404 if not in it)."""
        principal.require_manage()
        have = self.role_in(principal, project_id)
        if have is None:
            if not self.project_exists(project_id):
                raise not_found("Project")
            raise forbidden()
        if outranks(role, have):
            raise forbidden()

    def authenticate_in(
        self, authorization: str | None, project_id: str, role: str = "member"
    ) -> Principal:
        """The caller named by ``authorization``, checked to have ``role`` in the project."""
        principal = self.authenticate(authorization)
        self.authorize(principal, project_id, role)
        return principal

    def issue_grant(self, principal: Principal, ttl_seconds: float) -> tuple[str, datetime]:
        """A new bearer token for the caller's key, valid ``ttl_seconds``; returns it and its
        expiry."""
        if principal.bearer:
            raise forbidden("A temporary token cannot issue another.")
        if not 1 <= ttl_seconds <= 3600:
            raise ApiError(400, "Bad Request", "ttl_seconds must be between 1 and 3600.")
        token = "dgl." + secrets.token_urlsafe(32)
        expires = utcnow() + timedelta(seconds=ttl_seconds)
        self.store.execute(
            "INSERT INTO grants (token_sha256, api_key_id, expires) VALUES (?, ?, ?)",
            (digest(token), principal.api_key_id, iso(expires)),
        )
        return token, expires
