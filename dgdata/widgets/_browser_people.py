"""The Members and Invitations tabs of the account browser."""

from __future__ import annotations

from typing import TYPE_CHECKING

import ipywidgets as w

from dgdata.frames.account import invitations as invitations_frame
from dgdata.widgets._browser_common import ConfirmRow, ProjectTab, attempt, make_button

if TYPE_CHECKING:  # pragma: no cover
    from dgdata.client import Deepgram

__all__ = ["ROLES", "InvitationsTab", "MembersTab"]

#: The roles a member or an invitation can have, least privileged first.
ROLES = ("member", "admin", "owner")

_MEMBER_COLUMNS = {
    "email": "email",
    "first_name": "first name",
    "last_name": "last name",
    "scope": "scope",
    "member_id": "member id",
}


class MembersTab(ProjectTab):
    """The project's members: a table, change a member's scope, remove with confirmation.

    CSS classes: ``dgdata-members-table``, ``dgdata-members-select``, ``dgdata-members-scope``,
    ``dgdata-members-apply``, ``dgdata-members-remove``, ``dgdata-members-confirm-row``,
    ``dgdata-members-confirm``, ``dgdata-members-cancel``, ``dgdata-members-message``.
    """

    title = "Members"

    def __init__(self, dg: Deepgram, *, max_rows: int) -> None:
        #: The members of the project.
        self.table = w.HTML()
        self.table.add_class("dgdata-members-table")
        #: The member to change or remove (value: the member id).
        self.selected = w.Dropdown(description="Member", options=[])
        self.selected.add_class("dgdata-members-select")
        #: The scope to give the selected member.
        self.scope = w.Dropdown(description="Scope", options=ROLES, value="member")
        self.scope.add_class("dgdata-members-scope")
        #: Sets the selected member's scope.
        self.apply_button = make_button("Apply", "dgdata-members-apply", style="primary")
        #: Asks for confirmation, then removes the selected member from the project.
        self.remove_button = make_button(
            "Remove", "dgdata-members-remove", style="danger", icon="user-times"
        )
        #: "Remove … from the project? [Confirm] [Cancel]".
        self.confirm_row = ConfirmRow("members")
        self._scopes: dict[str, str] = {}
        controls = w.HBox([self.selected, self.scope, self.apply_button, self.remove_button])
        super().__init__(dg, "members", [self.table, controls, self.confirm_row], max_rows=max_rows)
        self.apply_button.on_click(lambda _: self.apply_scope())
        self.remove_button.on_click(lambda _: self.remove())
        self.selected.observe(lambda _: self._on_select(), names="value")

    def _reload(self, project_id: str) -> None:
        frame = self._dg.members.frame(project_id)
        self.table.value = self.rows_table(
            frame, "members", "This project has no members.", _MEMBER_COLUMNS
        )
        self._scopes = {
            str(member_id): str(scope)
            for member_id, scope in zip(frame["member_id"], frame["scope"], strict=True)
            if isinstance(member_id, str) and isinstance(scope, str)
        }
        previous = self.selected.value
        self.selected.options = [
            (f"{email} ({scope})", member_id)
            for member_id, email, scope in zip(
                frame["member_id"], frame["email"], frame["scope"], strict=True
            )
            if isinstance(member_id, str)
        ]
        if previous in self._scopes:
            self.selected.value = previous
        self._on_select()

    def _on_select(self) -> None:
        self.confirm_row.cancel()
        scope = self._scopes.get(str(self.selected.value))
        if scope in ROLES:
            self.scope.value = scope

    def forget(self) -> None:
        """Drop a pending removal."""
        super().forget()
        self.confirm_row.cancel()

    def apply_scope(self) -> None:
        """Give the selected member the chosen scope (``dg.scopes.update_scope``)."""
        self.message.clear()
        member_id, scope = self.selected.value, self.scope.value
        if not member_id or self.project_id is None:
            self.message.show("Choose a member first.")
            return
        label, project_id = str(self.selected.label).rsplit(" (", 1)[0], self.project_id
        done = attempt(
            self.message,
            lambda: self._dg.scopes.update_scope(project_id, str(member_id), str(scope)),
        )
        if done is not None and self.reload():
            self.message.note(f"{label} is now {scope}.")

    def remove(self) -> None:
        """Ask to confirm removing the selected member; only Confirm removes them."""
        self.message.clear()
        member_id = self.selected.value
        if not member_id or self.project_id is None:
            self.message.show("Choose a member first.")
            return
        label, project_id = str(self.selected.label).rsplit(" (", 1)[0], self.project_id
        self.confirm_row.ask(
            f"Remove {label} from the project?",
            lambda: self._remove(project_id, str(member_id), label),
        )

    def _remove(self, project_id: str, member_id: str, label: str) -> None:
        done = attempt(self.message, lambda: self._dg.members.remove_member(project_id, member_id))
        if done is not None and self.reload():
            self.message.note(f"Removed {label} from the project.")


class InvitationsTab(ProjectTab):
    """Pending invitations: a table, send one (email and scope), revoke one.

    CSS classes: ``dgdata-invitations-table``, ``dgdata-invitations-email``,
    ``dgdata-invitations-scope``, ``dgdata-invitations-send``, ``dgdata-invitations-select``,
    ``dgdata-invitations-revoke``, ``dgdata-invitations-message``.
    """

    title = "Invitations"

    def __init__(self, dg: Deepgram, *, max_rows: int) -> None:
        #: The pending invitations.
        self.table = w.HTML()
        self.table.add_class("dgdata-invitations-table")
        #: Who to invite.
        self.email = w.Text(description="Email", placeholder="name@example.com")
        self.email.add_class("dgdata-invitations-email")
        #: The scope they get when they accept.
        self.scope = w.Dropdown(description="Scope", options=ROLES, value="member")
        self.scope.add_class("dgdata-invitations-scope")
        #: Sends the invitation.
        self.send_button = make_button(
            "Send invitation", "dgdata-invitations-send", style="primary", icon="envelope"
        )
        #: The invitation to revoke (value: the email).
        self.selected = w.Dropdown(description="Invitation", options=[])
        self.selected.add_class("dgdata-invitations-select")
        #: Revokes the selected invitation.
        self.revoke_button = make_button(
            "Revoke", "dgdata-invitations-revoke", style="warning", icon="ban"
        )
        send = w.HBox([self.email, self.scope, self.send_button])
        revoke = w.HBox([self.selected, self.revoke_button])
        super().__init__(dg, "invitations", [self.table, send, revoke], max_rows=max_rows)
        self.send_button.on_click(lambda _: self.send_invitation())
        self.revoke_button.on_click(lambda _: self.revoke_invitation())

    def _reload(self, project_id: str) -> None:
        frame = invitations_frame(self._dg.invitations.list_invitations(project_id))
        self.table.value = self.rows_table(frame, "invitations", "No pending invitations.")
        self.selected.options = [
            (f"{email} ({scope})", email)
            for email, scope in zip(frame["email"], frame["scope"], strict=True)
            if isinstance(email, str)
        ]

    def send_invitation(self) -> None:
        """Invite :attr:`email` with :attr:`scope`; errors are shown inline."""
        self.message.clear()
        email, scope = self.email.value.strip(), self.scope.value
        if self.project_id is None:
            self.message.show("Pick a project first.")
            return
        project_id = self.project_id
        done = attempt(
            self.message,
            lambda: self._dg.invitations.send_invitation(project_id, email=email, scope=scope),
        )
        if done is not None and self.reload():
            self.email.value = ""
            self.message.note(f"Invited {email} as {scope}.")

    def revoke_invitation(self) -> None:
        """Revoke the selected invitation."""
        self.message.clear()
        email = self.selected.value
        if not email or self.project_id is None:
            self.message.show("Choose an invitation to revoke.")
            return
        project_id = self.project_id
        done = attempt(
            self.message, lambda: self._dg.invitations.remove_invitation(project_id, str(email))
        )
        if done is not None and self.reload():
            self.message.note(f"Revoked the invitation of {email}.")
