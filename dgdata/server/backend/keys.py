"""API keys: creating, listing and deleting them, with the rules on who may do what.

Key secrets are 40 hex characters, like Deepgram's. A secret is returned once, by
:meth:`Keys.create_key`; the database keeps only its SHA-256. No key may be given (or be deleted
by someone with) less power than it has: a role stronger than the caller's own is refused with
403.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from dgdata.server.backend.accounts import member_json, outranks, role_of, weaker
from dgdata.server.backend.auth import Auth, Principal
from dgdata.server.backend.store import digest, dumps, iso, loads, new_id, utcnow
from dgdata.server.errors import forbidden, not_found

__all__ = ["Keys", "key_json"]


def key_json(row: Any) -> dict[str, Any]:
    """An ``api_keys`` row as the API shows a key (never with its secret)."""
    out: dict[str, Any] = {
        "api_key_id": row["api_key_id"],
        "comment": row["comment"],
        "scopes": loads(row["scopes"], []),
        "tags": loads(row["tags"], []),
        "created": row["created"],
    }
    if row["expiration_date"]:
        out["expiration_date"] = row["expiration_date"]
    return out


class Keys(Auth):
    """The ``api_keys`` table."""

    def create_key(
        self,
        project_id: str,
        member_id: str,
        comment: str,
        scopes: Sequence[str],
        *,
        tags: Sequence[str] = (),
        expiration: datetime | None = None,
        created: datetime | None = None,
        secret: str | None = None,
        api_key_id: str | None = None,
    ) -> tuple[dict[str, Any], str]:
        """Insert an API key; returns ``(the key's JSON without the secret, the secret)``."""
        secret = secret or secrets.token_hex(20)
        api_key_id = api_key_id or new_id()
        self.store.execute(
            "INSERT INTO api_keys (api_key_id, project_id, member_id, secret_sha256, comment, "
            "scopes, tags, created, expiration_date) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                api_key_id,
                project_id,
                member_id,
                digest(secret),
                comment,
                dumps(list(scopes)),
                dumps(list(tags)),
                iso(created or utcnow()),
                None if expiration is None else iso(expiration),
            ),
        )
        row = self.store.one("SELECT * FROM api_keys WHERE api_key_id = ?", (api_key_id,))
        assert row is not None
        return key_json(row), secret

    def create_key_for(
        self,
        principal: Principal,
        project_id: str,
        comment: str,
        scopes: Sequence[str],
        **options: Any,
    ) -> tuple[dict[str, Any], str]:
        """A key of the caller's own in the project (``options`` as for :meth:`create_key`);
        403 for a role stronger than theirs."""
        caller_role = self.role_in(principal, project_id) or "member"
        wanted = role_of(scopes)
        if outranks(wanted, caller_role):
            raise forbidden(
                f"You cannot create a key with the {wanted} role: your role in this "
                f"project is {caller_role}."
            )
        return self.create_key(project_id, principal.member_id, comment, scopes, **options)

    def key_id_for_secret(self, secret: str) -> str | None:
        """The id of the key with this secret, or None."""
        row = self.store.one(
            "SELECT api_key_id FROM api_keys WHERE secret_sha256 = ?", (digest(secret),)
        )
        return None if row is None else str(row["api_key_id"])

    def _key_rows(
        self, project_id: str, *, key_id: str | None = None, status: str | None = None
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
        return self.store.query(sql + " ORDER BY k.created, k.rowid", params)

    def _key_row(self, project_id: str, key_id: str) -> Any:
        rows = self._key_rows(project_id, key_id=key_id)
        if not rows:
            raise not_found("API key")
        return rows[0]

    def list_keys(self, project_id: str, status: str | None = None) -> list[dict[str, Any]]:
        """``{member, api_key}`` of the project's keys (``status`` active or expired), oldest
        first."""
        return [
            {"member": member_json(row), "api_key": key_json(row)}
            for row in self._key_rows(project_id, status=status)
        ]

    def get_key(self, project_id: str, key_id: str) -> dict[str, Any]:
        """``{member: {..., api_key}}`` of one key of the project; 404 if there is none."""
        row = self._key_row(project_id, key_id)
        return {"member": {**member_json(row), "api_key": key_json(row)}}

    def delete_key(self, principal: Principal, project_id: str, key_id: str) -> None:
        """Delete a key of the project; 403 when it is stronger than the caller."""
        row = self._key_row(project_id, key_id)
        key_role = role_of(loads(row["scopes"], []))
        membership = self.member_role(project_id, row["member_id"])
        if membership is not None:
            key_role = weaker(key_role, membership)
        caller_role = self.role_in(principal, project_id) or "member"
        if outranks(key_role, caller_role):
            raise forbidden(f"Only an {key_role} can delete a key with the {key_role} role.")
        self.store.execute("DELETE FROM api_keys WHERE api_key_id = ?", (row["api_key_id"],))
