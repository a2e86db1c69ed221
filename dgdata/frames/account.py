"""The account as frames: projects, API keys, members, invitations and self-hosted credentials.

Each function takes the parsed JSON of a list endpoint, of a get endpoint, or a list of either,
and returns a frame with the columns of its schema (also when the input holds no rows).  Secrets
are never copied: the ``key`` returned once by "create key" is dropped.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from dgdata.frames._responses import as_dict, items_frame, pick
from dgdata.frames._schema import BOOL, LIST, STRING, TIME, Schema, str_list

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
PROJECT_SCHEMA = Schema("projects", {"project_id": STRING, "name": STRING, "mip_opt_out": BOOL})

#: Columns of :func:`keys`: the key's fields prefixed ``api_key_``, its member's ``member_``.
KEY_SCHEMA = Schema(
    "keys",
    {
        "api_key_id": STRING,
        "api_key_comment": STRING,
        "api_key_scopes": LIST,
        "api_key_tags": LIST,
        "api_key_created": TIME,
        "api_key_expiration_date": TIME,
        "member_id": STRING,
        "member_email": STRING,
        "member_first_name": STRING,
        "member_last_name": STRING,
    },
)

#: Columns of :func:`members`.
MEMBER_SCHEMA = Schema(
    "members",
    {
        "member_id": STRING,
        "email": STRING,
        "first_name": STRING,
        "last_name": STRING,
        "scope": STRING,
        "scopes": LIST,
    },
)

#: Columns of :func:`invitations`.
INVITATION_SCHEMA = Schema("invitations", {"email": STRING, "scope": STRING})

#: Columns of :func:`credentials`.
CREDENTIALS_SCHEMA = Schema(
    "credentials",
    {
        "distribution_credentials_id": STRING,
        "provider": STRING,
        "comment": STRING,
        "scopes": LIST,
        "created": TIME,
        "member_id": STRING,
        "member_email": STRING,
    },
)

#: Member roles from most to least privileged: the first one a member holds is its ``scope``.
ROLE_ORDER = ("owner", "admin", "member", "read-only")


def projects(data: Any) -> pd.DataFrame:
    """Projects: ``{"projects": [...]}``, one project (``get``), or a list of either.

    Example::

        >>> projects({"projects": [{"project_id": "p1", "name": "Calls"}]}).name.tolist()
        ['Calls']
    """
    return items_frame(PROJECT_SCHEMA, data, list_keys=("projects",))


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
    return items_frame(
        KEY_SCHEMA,
        data,
        _key_row,
        list_keys=("api_keys",),
        item_keys=("item", "member", "api_key", "api_key_id", "comment", "scopes"),
    )


def _key_row(entry: Mapping[str, Any]) -> tuple[Any, ...]:
    entry = as_dict(entry.get("item")) or entry
    member = as_dict(entry.get("member"))
    key = as_dict(entry.get("api_key")) or as_dict(member.get("api_key"))
    if not key and "api_key_id" in entry:  # a flat key object
        key = entry
    return (
        *pick(key, "api_key_id", "comment", "scopes", "tags", "created", "expiration_date"),
        *pick(member, "member_id", "email", "first_name", "last_name"),
    )


def members(data: Any) -> pd.DataFrame:
    """Project members with ``scopes`` (a list) and ``scope``, the most privileged role held.

    ``scope`` is the first of :data:`ROLE_ORDER` in ``scopes``, else the first scope listed.

    Example::

        >>> df = members({"members": [{"member_id": "m1", "scopes": ["member", "admin"]}]})
        >>> df.loc[0, "scope"], df.loc[0, "scopes"]
        ('admin', ['member', 'admin'])
    """
    return items_frame(MEMBER_SCHEMA, data, _member_row, list_keys=("members",))


def _member_row(item: Mapping[str, Any]) -> tuple[Any, ...]:
    scopes = str_list(item.get("scopes"))
    return (
        *pick(item, "member_id", "email", "first_name", "last_name"),
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
    return items_frame(INVITATION_SCHEMA, data, list_keys=("invites", "members"))


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
    return items_frame(
        CREDENTIALS_SCHEMA,
        data,
        _credential_row,
        list_keys=("distribution_credentials",),
        item_keys=("member", *CREDENTIALS_SCHEMA.names),
    )


def _credential_row(item: Mapping[str, Any]) -> tuple[Any, ...]:
    member = as_dict(item.get("member"))
    credential = as_dict(item.get("distribution_credentials")) or item
    fields = ("distribution_credentials_id", "provider", "comment", "scopes", "created")
    return (*pick(credential, *fields), *pick(member, "member_id", "email"))
