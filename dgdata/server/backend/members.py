"""Project members, their scopes, leaving a project, and invitations: with their role rules.

Nobody may act on a member with a stronger role than their own, only owners may make (or
invite) owners, and a project always keeps at least one owner. Removing a member also deletes the
keys they made in the project. An invitation is only a record (no email leaves the machine);
inviting an address again updates the scope of the pending invitation.
"""

from __future__ import annotations

from typing import Any

from dgdata.server.backend.accounts import member_json, outranks
from dgdata.server.backend.auth import Principal
from dgdata.server.backend.keys import Keys
from dgdata.server.backend.store import iso, utcnow
from dgdata.server.errors import ApiError, bad_request, forbidden, not_found

__all__ = ["Members"]

_MEMBER = (
    "SELECT a.member_id, a.email, a.first_name, a.last_name, m.scope FROM memberships m "
    "JOIN accounts a USING (member_id) WHERE m.project_id = ?"
)


def _last_owner(what: str) -> ApiError:
    return ApiError(400, "Bad Request", f"The only owner of a project cannot {what}.")


class Members(Keys):
    """The ``memberships`` and ``invitations`` tables, as the members API sees them."""

    def list_members(self, project_id: str) -> list[dict[str, Any]]:
        """``{member_id, email, first_name?, last_name?, scopes}`` of every member."""
        rows = self.store.query(_MEMBER + " ORDER BY m.rowid", (project_id,))
        return [{**member_json(row), "scopes": [row["scope"]]} for row in rows]

    def member_scope(self, project_id: str, member_id: str) -> str:
        """A member's role in the project; 404 if they are not a member."""
        row = self._one_or_404("Member", _MEMBER + " AND m.member_id = ?", (project_id, member_id))
        return str(row["scope"])

    def _check_not_weaker(
        self, principal: Principal, project_id: str, scope: str, what: str
    ) -> None:
        """403 ("Only an owner can {what} an admin.") when the caller is weaker than ``scope``."""
        if outranks(scope, self.role_in(principal, project_id) or "member"):
            raise forbidden(f"Only an owner can {what} an {scope}.")

    def remove_member(self, principal: Principal, project_id: str, member_id: str) -> None:
        """Remove a member and the keys they made in the project."""
        scope = self.member_scope(project_id, member_id)
        self._check_not_weaker(principal, project_id, scope, "remove")
        if scope == "owner" and self.owners(project_id) == [member_id]:
            raise _last_owner("be removed; make another member an owner first")
        with self.store.transaction() as conn:
            for table in ("memberships", "api_keys"):
                conn.execute(
                    f"DELETE FROM {table} WHERE project_id = ? AND member_id = ?",
                    (project_id, member_id),
                )

    def set_member_scope(
        self, principal: Principal, project_id: str, member_id: str, scope: str
    ) -> None:
        """Give a member another role."""
        current = self.member_scope(project_id, member_id)
        if scope == "owner" and self.role_in(principal, project_id) != "owner":
            raise forbidden("Only an owner can make another member an owner.")
        self._check_not_weaker(principal, project_id, current, "change the scope of")
        if current == "owner" and scope != "owner" and self.owners(project_id) == [member_id]:
            raise _last_owner("stop being one; make another member an owner first")
        self.add_member(project_id, member_id, scope)

    def leave_project(self, principal: Principal, project_id: str) -> None:
        """The caller's account leaves the project."""
        if self.owners(project_id) == [principal.member_id]:
            raise _last_owner("leave it; make another member an owner first, or delete the project")
        self.store.execute(
            "DELETE FROM memberships WHERE project_id = ? AND member_id = ?",
            (project_id, principal.member_id),
        )

    # ------------------------------------------------------------------ invitations

    def list_invitations(self, project_id: str) -> list[dict[str, Any]]:
        """``{email, scope}`` of the pending invitations, oldest first."""
        rows = self.store.query(
            "SELECT email, scope FROM invitations WHERE project_id = ? ORDER BY created, email",
            (project_id,),
        )
        return [dict(row) for row in rows]

    def invite(
        self,
        principal: Principal,
        project_id: str,
        email: str,
        scope: str,
        *,
        created: str | None = None,
    ) -> None:
        """Invite an address (lower case) to the project with a role."""
        if scope == "owner" and self.role_in(principal, project_id) != "owner":
            raise forbidden("Only an owner can invite an owner.")
        member = self.store.one(
            "SELECT 1 FROM memberships m JOIN accounts a USING (member_id) "
            "WHERE m.project_id = ? AND lower(a.email) = ?",
            (project_id, email),
        )
        if member is not None:
            raise bad_request(f"{email} is already a member of this project.")
        self.add_invitation(project_id, email, scope, created=created)

    def add_invitation(
        self, project_id: str, email: str, scope: str, *, created: str | None = None
    ) -> None:
        """Record an invitation, without the rules of :meth:`invite` (for seeding)."""
        self.store.execute(
            "INSERT INTO invitations (project_id, email, scope, created) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (project_id, email) DO UPDATE SET scope = excluded.scope",
            (project_id, email, scope, created or iso(utcnow())),
        )

    def delete_invitation(self, project_id: str, email: str) -> None:
        """Withdraw an invitation; 404 if there is none for this address."""
        changed = self.store.execute(
            "DELETE FROM invitations WHERE project_id = ? AND email = ?", (project_id, email)
        )
        if not changed:
            raise not_found("Invitation")
