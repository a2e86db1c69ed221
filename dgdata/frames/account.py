"""The account as frames: projects, API keys, members, invitations and self-hosted credentials.

Each function takes the parsed JSON of a list endpoint, of a get endpoint, or a list of either,
and returns a frame with the columns of its schema (also when the input holds no rows).  Secrets
are never copied: the ``key`` returned once by "create key" is dropped.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from dgdata.frames._columns import Schema, as_dict, str_list
from dgdata.frames._responses import iter_items

__all__ = [
    "CREDENTIALS_SCHEMA",
    "INVITATION_SCHEMA",
    "KEY_SCHEMA",
    "MEMBER_SCHEMA",
    "PROJECT_SCHEMA",
    "credentials",
    "invitations",
    "keys",
    "members",
    "projects",
]

#: Columns of :func:`projects`.
PROJECT_SCHEMA = Schema({"project_id": "string", "name": "string", "mip_opt_out": "bool"})

#: Columns of :func:`keys`: the key's fields prefixed ``api_key_``, its member's ``member_``.
KEY_SCHEMA = Schema(
    {
        "api_key_id": "string",
        "api_key_comment": "string",
        "api_key_scopes": "list",
        "api_key_tags": "list",
        "api_key_created": "time",
        "api_key_expiration_date": "time",
        "member_id": "string",
        "member_email": "string",
        "member_first_name": "string",
        "member_last_name": "string",
    }
)

#: Columns of :func:`members`.
MEMBER_SCHEMA = Schema(
    {
        "member_id": "string",
        "email": "string",
        "first_name": "string",
        "last_name": "string",
        "scope": "string",
        "scopes": "list",
    }
)

#: Columns of :func:`invitations`.
INVITATION_SCHEMA = Schema({"email": "string", "scope": "string"})

#: Columns of :func:`credentials`.
CREDENTIALS_SCHEMA = Schema(
    {
        "distribution_credentials_id": "string",
        "provider": "string",
        "comment": "string",
        "scopes": "list",
        "created": "time",
        "member_id": "string",
        "member_email": "string",
    }
)

#: Member roles from most to least privileged: the first one a member holds is its ``scope``.
ROLE_ORDER = ("owner", "admin", "member", "read-only")


def _pick(item: Mapping[str, Any], schema: Schema) -> tuple[Any, ...]:
    return tuple(item.get(name) for name in schema.names)


def projects(data: Any) -> pd.DataFrame:
    """Projects: ``{"projects": [...]}``, one project (``get``), or a list of either.

    Example::

        >>> projects({"projects": [{"project_id": "p1", "name": "Calls"}]}).name.tolist()
        ['Calls']
    """
    items = iter_items(
        data, func="projects", list_keys=("projects",), item_keys=PROJECT_SCHEMA.names
    )
    return PROJECT_SCHEMA.from_rows([_pick(item, PROJECT_SCHEMA) for item in items])


def keys(data: Any) -> pd.DataFrame:
    """API keys with their member, flattened: ``api_key_*`` and ``member_*`` columns.

    Reads the list shape ``{"api_keys": [{"member": {...}, "api_key": {...}}]}``, the get shape
    ``{"item": {"member": {..., "api_key": {...}}}}``, flat key objects (the create response,
    the seed SDK's list) and lists of any of those.  The secret ``key`` is never copied.

    Example::

        >>> df = keys({"item": {"member": {"member_id": "m1", "email": "a@b.c",
        ...     "api_key": {"api_key_id": "k1", "scopes": ["member"]}}}})
        >>> df.loc[0, ["api_key_id", "member_email"]].tolist()
        ['k1', 'a@b.c']
    """
    items = iter_items(
        data,
        func="keys",
        list_keys=("api_keys",),
        item_keys=("item", "member", "api_key", "api_key_id", "comment", "scopes"),
    )
    return KEY_SCHEMA.from_rows([_key_row(item) for item in items])


def _key_row(entry: Mapping[str, Any]) -> tuple[Any, ...]:
    entry = as_dict(entry.get("item")) or entry
    member = as_dict(entry.get("member"))
    key = as_dict(entry.get("api_key")) or as_dict(member.get("api_key"))
    if not key and "api_key_id" in entry:  # a flat key object
        key = entry
    return (
        key.get("api_key_id"),
        key.get("comment"),
        key.get("scopes"),
        key.get("tags"),
        key.get("created"),
        key.get("expiration_date"),
        member.get("member_id"),
        member.get("email"),
        member.get("first_name"),
        member.get("last_name"),
    )


def members(data: Any) -> pd.DataFrame:
    """Project members with ``scopes`` (a list) and ``scope``, the most privileged role held.

    ``scope`` is the first of :data:`ROLE_ORDER` in ``scopes``, else the first scope listed.

    Example::

        >>> df = members({"members": [{"member_id": "m1", "scopes": ["member", "admin"]}]})
        >>> df.loc[0, "scope"], df.loc[0, "scopes"]
        ('admin', ['member', 'admin'])
    """
    items = iter_items(data, func="members", list_keys=("members",), item_keys=MEMBER_SCHEMA.names)
    return MEMBER_SCHEMA.from_rows([_member_row(item) for item in items])


def _member_row(item: Mapping[str, Any]) -> tuple[Any, ...]:
    scopes = str_list(item.get("scopes"))
    return (
        item.get("member_id"),
        item.get("email"),
        item.get("first_name"),
        item.get("last_name"),
        primary_scope(scopes) if scopes else item.get("scope"),
        scopes,
    )


def primary_scope(scopes: list[str]) -> str | None:
    """The most privileged role in ``scopes`` (:data:`ROLE_ORDER`), else the first scope."""
    for role in ROLE_ORDER:
        if role in scopes:
            return role
    return scopes[0] if scopes else None


def invitations(data: Any) -> pd.DataFrame:
    """Pending invitations: ``{"invites": [...]}`` (the seed SDK documented ``members``).

    Example::

        >>> invitations({"invites": [{"email": "a@b.c", "scope": "member"}]}).scope.tolist()
        ['member']
    """
    items = iter_items(
        data,
        func="invitations",
        list_keys=("invites", "members"),
        item_keys=INVITATION_SCHEMA.names,
    )
    return INVITATION_SCHEMA.from_rows([_pick(item, INVITATION_SCHEMA) for item in items])


def credentials(data: Any) -> pd.DataFrame:
    """Self-hosted distribution credentials with their member (``member_*`` columns).

    Reads ``{"distribution_credentials": [{"member": {...}, "distribution_credentials":
    {...}}]}`` (list), a single ``{"member", "distribution_credentials": {...}}`` (get, create,
    delete), or a list of either.

    Example::

        >>> df = credentials({"member": {"member_id": "m1"}, "distribution_credentials": {
        ...     "distribution_credentials_id": "c1", "provider": "quay", "scopes": ["x"]}})
        >>> df.loc[0, ["distribution_credentials_id", "provider", "member_id"]].tolist()
        ['c1', 'quay', 'm1']
    """
    items = iter_items(
        data,
        func="credentials",
        list_keys=("distribution_credentials",),
        item_keys=("member", *CREDENTIALS_SCHEMA.names),
    )
    return CREDENTIALS_SCHEMA.from_rows([_credential_row(item) for item in items])


def _credential_row(item: Mapping[str, Any]) -> tuple[Any, ...]:
    member = as_dict(item.get("member"))
    credential = as_dict(item.get("distribution_credentials")) or item
    return (
        credential.get("distribution_credentials_id"),
        credential.get("provider"),
        credential.get("comment"),
        credential.get("scopes"),
        credential.get("created"),
        member.get("member_id"),
        member.get("email"),
    )
