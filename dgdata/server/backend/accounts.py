"""Projects, the accounts of people, and who belongs to which project with which role.

These are the rows every other part of the server hangs off. :class:`Accounts` is the root of the
backend's parts (see :mod:`dgdata.server.backend.core`); tests and scripts reach it as
``server.state.backend``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from dgdata.server.backend.store import Tables, iso, new_id, utcnow

__all__ = [
    "ROLES",
    "Accounts",
    "member_json",
    "outranks",
    "role_of",
    "weaker",
]

#: The roles a member or key can have, weakest first.
ROLES: tuple[str, ...] = ("member", "admin", "owner")


def role_of(scopes: Sequence[str]) -> str:
    """The strongest role named in ``scopes``; ``member`` when none is (granular scopes)."""
    named = [s for s in scopes if s in ROLES]
    return max(named, key=ROLES.index) if named else "member"


def weaker(*roles: str) -> str:
    """The weakest of ``roles``."""
    return min(roles, key=ROLES.index)


def outranks(role: str, other: str) -> bool:
    """Whether ``role`` is stronger than ``other``."""
    return ROLES.index(role) > ROLES.index(other)


def member_json(row: Any) -> dict[str, Any]:
    """``{member_id, email, first_name?, last_name?}`` of an ``accounts`` row (no nulls)."""
    out: dict[str, Any] = {"member_id": row["member_id"], "email": row["email"]}
    for name in ("first_name", "last_name"):
        if row[name] is not None:
            out[name] = row[name]
    return out


class Accounts(Tables):
    """Projects, accounts and memberships."""

    # ------------------------------------------------------------------ projects

    def create_project(
        self,
        name: str,
        company: str | None = None,
        *,
        project_id: str | None = None,
        created: datetime | None = None,
    ) -> str:
        """Insert a project (its id and creation time new ones unless given); returns its id."""
        project_id = project_id or new_id()
        self.store.execute(
            "INSERT INTO projects (project_id, name, company, created) VALUES (?, ?, ?, ?)",
            (project_id, name, company, iso(created or utcnow())),
        )
        return project_id

    def project_exists(self, project_id: str) -> bool:
        """Whether the project exists."""
        return (
            self.store.one("SELECT 1 FROM projects WHERE project_id = ?", (project_id,)) is not None
        )

    def list_projects(self, member_id: str) -> list[dict[str, Any]]:
        """``{project_id, name}`` of every project the account belongs to, oldest first."""
        rows = self.store.query(
            "SELECT p.project_id, p.name FROM projects p JOIN memberships m USING (project_id) "
            "WHERE m.member_id = ? ORDER BY p.created, p.project_id",
            (member_id,),
        )
        return [dict(row) for row in rows]

    def get_project(self, project_id: str) -> dict[str, Any] | None:
        """``{project_id, mip_opt_out, name}`` of a project, or None."""
        row = self.store.one(
            "SELECT project_id, mip_opt_out, name FROM projects WHERE project_id = ?",
            (project_id,),
        )
        return None if row is None else {**dict(row), "mip_opt_out": bool(row["mip_opt_out"])}

    def rename_project(self, project_id: str, name: str) -> None:
        """Give a project a new name."""
        self.store.execute("UPDATE projects SET name = ? WHERE project_id = ?", (name, project_id))

    def delete_project(self, project_id: str) -> None:
        """Delete a project and everything in it."""
        self.store.execute("DELETE FROM projects WHERE project_id = ?", (project_id,))

    # ------------------------------------------------------------------ accounts, memberships

    def ensure_account(
        self, email: str, first_name: str | None = None, last_name: str | None = None
    ) -> str:
        """The member id of the account with this email, creating the account if needed."""
        return self.add_account(new_id(), email, first_name, last_name)

    def add_account(
        self, member_id: str, email: str, first_name: str | None, last_name: str | None
    ) -> str:
        """Add an account with this id unless one has this email; returns the member id of
        the email's account."""
        with self.store.transaction():
            self.store.execute(
                "INSERT OR IGNORE INTO accounts (member_id, email, first_name, last_name) "
                "VALUES (?, ?, ?, ?)",
                (member_id, email, first_name, last_name),
            )
            row = self.store.one("SELECT member_id FROM accounts WHERE email = ?", (email,))
        assert row is not None
        return str(row["member_id"])

    def add_member(self, project_id: str, member_id: str, scope: str) -> None:
        """Make an account a member of a project with a role (replacing an earlier one)."""
        if scope not in ROLES:
            raise ValueError(f"scope must be one of {ROLES}, not {scope!r}")
        self.store.execute(
            "INSERT INTO memberships (project_id, member_id, scope) VALUES (?, ?, ?) "
            "ON CONFLICT (project_id, member_id) DO UPDATE SET scope = excluded.scope",
            (project_id, member_id, scope),
        )

    def member_role(self, project_id: str, member_id: str) -> str | None:
        """The role an account has in a project, or None if it is not a member."""
        row = self.store.one(
            "SELECT scope FROM memberships WHERE project_id = ? AND member_id = ?",
            (project_id, member_id),
        )
        return None if row is None else str(row["scope"])

    def owners(self, project_id: str) -> list[str]:
        """The member ids of the project's owners."""
        rows = self.store.query(
            "SELECT member_id FROM memberships WHERE project_id = ? AND scope = 'owner'",
            (project_id,),
        )
        return [str(row["member_id"]) for row in rows]

    def first_owned_project(self, member_id: str) -> str | None:
        """The first project (in creation order) the account owns, or None."""
        row = self.store.one(
            "SELECT project_id FROM memberships WHERE member_id = ? AND scope = 'owner' "
            "ORDER BY rowid LIMIT 1",
            (member_id,),
        )
        return None if row is None else str(row["project_id"])
