"""Accounts, projects and API keys: the rows every other part of the server hangs off.

Key secrets are 40 hex characters, like Deepgram's. A secret is returned once, by
:func:`create_key`; the database keeps only its SHA-256.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dgdata.server.backend.store import Store, digest, dumps, iso, loads, new_id, utcnow

__all__ = [
    "ROLES",
    "Bootstrap",
    "add_member",
    "bootstrap",
    "create_key",
    "create_project",
    "ensure_account",
    "key_json",
    "role_of",
]

#: The roles a member or key can have, weakest first.
ROLES: tuple[str, ...] = ("member", "admin", "owner")


def role_of(scopes: Sequence[str]) -> str:
    """The strongest role named in ``scopes``; ``member`` when none is (granular scopes)."""
    named = [s for s in scopes if s in ROLES]
    return max(named, key=ROLES.index) if named else "member"


def create_project(
    store: Store,
    name: str,
    *,
    project_id: str | None = None,
    created: datetime | None = None,
    company: str | None = None,
) -> str:
    """Insert a project; returns its id."""
    project_id = project_id or new_id()
    store.execute(
        "INSERT INTO projects (project_id, name, company, created) VALUES (?, ?, ?, ?)",
        (project_id, name, company, iso(created or utcnow())),
    )
    return project_id


def ensure_account(
    store: Store,
    email: str,
    first_name: str | None = None,
    last_name: str | None = None,
    *,
    member_id: str | None = None,
) -> str:
    """The member id of the account with this email, creating the account if needed."""
    row = store.one("SELECT member_id FROM accounts WHERE email = ?", (email,))
    if row is not None:
        return str(row["member_id"])
    member_id = member_id or new_id()
    store.execute(
        "INSERT INTO accounts (member_id, email, first_name, last_name) VALUES (?, ?, ?, ?)",
        (member_id, email, first_name, last_name),
    )
    return member_id


def add_member(store: Store, project_id: str, member_id: str, scope: str) -> None:
    """Make an account a member of a project with a role (replacing an earlier one)."""
    if scope not in ROLES:
        raise ValueError(f"scope must be one of {ROLES}, not {scope!r}")
    store.execute(
        "INSERT INTO memberships (project_id, member_id, scope) VALUES (?, ?, ?) "
        "ON CONFLICT (project_id, member_id) DO UPDATE SET scope = excluded.scope",
        (project_id, member_id, scope),
    )


def create_key(
    store: Store,
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
    store.execute(
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
    row = store.one("SELECT * FROM api_keys WHERE api_key_id = ?", (api_key_id,))
    assert row is not None
    return key_json(row), secret


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


@dataclass(frozen=True)
class Bootstrap:
    """The project, owner and key a fresh server starts with (what ``dgdata serve`` prints)."""

    project_id: str
    member_id: str
    api_key_id: str
    api_key: str


def bootstrap(store: Store, *, api_key: str | None = None) -> Bootstrap:
    """Make sure the server has an owner and a project, and an owner key to print.

    With ``api_key`` that key is (re)registered, so a known secret keeps working across restarts
    and resets; without it a new owner key is minted, as the secret of an old one is not kept.
    """
    member_id = ensure_account(store, "owner@dgdata.local", "Local", "Owner")
    row = store.one(
        "SELECT project_id FROM memberships WHERE member_id = ? AND scope = 'owner' "
        "ORDER BY rowid LIMIT 1",
        (member_id,),
    )
    if row is None:
        project_id = create_project(store, "dgdata local")
        add_member(store, project_id, member_id, "owner")
    else:
        project_id = str(row["project_id"])
    if api_key is not None:
        existing = store.one(
            "SELECT api_key_id FROM api_keys WHERE secret_sha256 = ?", (digest(api_key),)
        )
        if existing is not None:
            return Bootstrap(project_id, member_id, str(existing["api_key_id"]), api_key)
    key, secret = create_key(
        store, project_id, member_id, "dgdata serve (owner)", ["owner"], secret=api_key
    )
    return Bootstrap(project_id, member_id, key["api_key_id"], secret)
