"""The Keys tab of the account browser: the keys table, create (secret shown once), delete.

The secret of a new key is shown once, in a warning box, until "Hide", a refresh, another
create, a delete or a change of project; then it is gone from every widget (no synced trait,
no attribute keeps it) and it is never logged. The keys table comes from :meth:`Keys.frame`,
which holds no secrets.
"""

from __future__ import annotations

import datetime as dt
import html
from typing import TYPE_CHECKING, Any

import ipywidgets as w
import pandas as pd

from dgdata.widgets._browser_common import (
    ConfirmRow,
    ProjectTab,
    attempt,
    classed,
    make_button,
    set_visible,
)

if TYPE_CHECKING:  # pragma: no cover
    from dgdata.client import Deepgram

__all__ = ["KNOWN_SCOPES", "KeysTab"]

#: Scopes offered for a new key: the roles, then Deepgram's granular scopes.
KNOWN_SCOPES = (
    "member",
    "admin",
    "owner",
    "usage:read",
    "usage:write",
    "keys:read",
    "keys:write",
    "members:read",
    "members:write",
    "invites:read",
    "invites:write",
    "scopes:read",
    "scopes:write",
    "project:read",
    "project:write",
    "billing:read",
)

_COLUMNS = {
    "api_key_id": "id",
    "api_key_comment": "comment",
    "api_key_scopes": "scopes",
    "api_key_tags": "tags",
    "api_key_created": "created",
    "api_key_expiration_date": "expires",
    "status": "status",
    "member_email": "member",
}
_SECRET_STYLE = (
    "border:1px solid #e0a800;background:#fff8e1;color:#5f4400;padding:8px 12px;border-radius:4px"
)


def _with_status(frame: pd.DataFrame) -> pd.DataFrame:
    """The keys frame plus ``status``: "expired" once the expiration date has passed."""
    now = pd.Timestamp.now(tz="UTC")
    expired = frame["api_key_expiration_date"].notna() & (frame["api_key_expiration_date"] <= now)
    return frame.assign(status=["expired" if e else "active" for e in expired])


class KeysTab(ProjectTab):
    """The project's API keys: a table, a create form and a delete with confirmation.

    CSS classes: ``dgdata-keys-table``, ``dgdata-keys-comment``, ``dgdata-keys-scopes``,
    ``dgdata-keys-tags``, ``dgdata-keys-expiration``, ``dgdata-keys-ttl``,
    ``dgdata-keys-create``, ``dgdata-keys-secret`` (the one-time secret box, inside it
    ``dgdata-keys-secret-value``), ``dgdata-keys-hide``, ``dgdata-keys-select``,
    ``dgdata-keys-delete``, ``dgdata-keys-confirm-row``, ``dgdata-keys-confirm``,
    ``dgdata-keys-cancel``, ``dgdata-keys-message``.
    """

    title = "Keys"

    def __init__(self, dg: Deepgram, *, max_rows: int) -> None:
        #: The keys of the project (no secrets).
        self.table = classed(w.HTML(), "dgdata-keys-table")
        form = self._create_form()
        #: The one-time secret box (empty unless a key was just created).
        self.secret = classed(w.HTML(), "dgdata-keys-secret")
        #: Removes the secret from the page.
        self.hide_button = make_button("Hide", "dgdata-keys-hide", icon="eye-slash")
        #: The secret box and its Hide button, shown only right after a create.
        self.secret_row = w.VBox([self.secret, self.hide_button])
        #: The key to delete.
        self.selected = classed(w.Dropdown(description="Key", options=[]), "dgdata-keys-select")
        #: Asks for confirmation, then deletes the selected key.
        self.delete_button = make_button(
            "Delete", "dgdata-keys-delete", style="danger", icon="trash"
        )
        #: "Delete key …? [Confirm] [Cancel]".
        self.confirm_row = ConfirmRow("keys")
        #: The id of the last key created here (not its secret).
        self.new_key_id: str | None = None
        remove = w.VBox(
            [w.HTML("<b>Delete a key</b>"), w.HBox([self.selected, self.delete_button])]
        )
        children = [self.secret_row, self.table, form, remove, self.confirm_row]
        super().__init__(dg, "keys", children, max_rows=max_rows)
        set_visible(self.secret_row, False)
        self.create_button.on_click(lambda _: self.create())
        self.hide_button.on_click(lambda _: self.hide_secret())
        self.delete_button.on_click(lambda _: self.delete())
        self.selected.observe(lambda _: self.confirm_row.cancel(), names="value")

    def _create_form(self) -> w.VBox:
        #: What the new key is for (required).
        self.comment = classed(
            w.Text(description="Comment", placeholder="what the key is for"), "dgdata-keys-comment"
        )
        #: The new key's scopes (ctrl/cmd-click for several).
        self.scopes = classed(
            w.SelectMultiple(options=KNOWN_SCOPES, value=("member",), rows=5, description="Scopes"),
            "dgdata-keys-scopes",
        )
        #: Tags of the new key, comma separated (optional).
        self.tags = classed(
            w.Text(description="Tags", placeholder="comma separated (optional)"),
            "dgdata-keys-tags",
        )
        #: The new key's expiration date (optional; or a time to live, not both).
        self.expiration = classed(w.DatePicker(description="Expires"), "dgdata-keys-expiration")
        #: The new key's time to live in seconds (0: none).
        self.ttl = classed(
            w.BoundedIntText(value=0, min=0, max=10**9, description="TTL (s)"), "dgdata-keys-ttl"
        )
        #: Creates the key from the form.
        self.create_button = make_button(
            "Create key", "dgdata-keys-create", style="primary", icon="plus"
        )
        return w.VBox(
            [
                w.HTML("<b>New key</b>"),
                w.HBox([self.comment, self.tags]),
                w.HBox([self.scopes, w.VBox([self.expiration, self.ttl])]),
                self.create_button,
            ]
        )

    # ------------------------------------------------------------------ data
    def _reload(self, project_id: str) -> None:
        frame = _with_status(self._dg.keys.frame(project_id))
        self.table.value = self.rows_table(frame, "keys", "This project has no API keys.", _COLUMNS)
        self.selected.options = [
            (f"{comment} ({key_id[:8]})", key_id)
            for key_id, comment in zip(frame["api_key_id"], frame["api_key_comment"], strict=True)
            if isinstance(key_id, str)
        ]

    def forget(self) -> None:
        """Hide the secret and any pending confirmation (a refresh or a new project)."""
        super().forget()
        self.hide_secret()
        self.confirm_row.cancel()

    # ------------------------------------------------------------------ create
    def create(self) -> None:
        """Create a key from the form and show its secret once; errors are shown inline."""
        self.hide_secret()
        self.confirm_row.cancel()
        self.message.clear()
        if self.project_id is None:
            self.message.show("Pick a project first.")
            return
        created = attempt(self.message, lambda: self._create(str(self.project_id)))
        if created is None:
            return
        key_id = str(created.get("api_key_id", ""))
        comment = str(created.get("comment") or self.comment.value)
        self.new_key_id = key_id or None
        self.comment.value = ""
        self.reload()
        self._show_secret(key_id, comment, str(created.get("key", "")))

    def _create(self, project_id: str) -> dict[str, Any]:
        tags = [tag.strip() for tag in self.tags.value.split(",") if tag.strip()]
        expiration: dt.date | None = self.expiration.value
        result: dict[str, Any] = self._dg.keys.create(
            project_id,
            self.comment.value,
            list(self.scopes.value),
            tags=tags or None,
            expiration_date=expiration,
            time_to_live_in_seconds=self.ttl.value or None,
        )
        return result

    def _show_secret(self, key_id: str, comment: str, secret: str) -> None:
        if not secret:
            self.message.note(f"Created key {comment!r} ({key_id}); the API sent no secret.")
            return
        self.secret.value = (
            f'<div class="dgdata-keys-secret-box" style="{_SECRET_STYLE}">'
            f"<b>&#9888; Copy the secret of the new key “{html.escape(comment)}” now: it will "
            "not be shown again.</b><br>"
            '<code class="dgdata-keys-secret-value" style="user-select:all;font-size:1.1em">'
            f"{html.escape(secret)}</code>"
            f'<div style="opacity:.8">key id {html.escape(key_id)}</div></div>'
        )
        set_visible(self.secret_row, True)

    def hide_secret(self) -> None:
        """Remove the one-time secret from the page (it cannot be shown again)."""
        self.secret.value = ""
        set_visible(self.secret_row, False)

    @property
    def showing_secret(self) -> bool:
        """Whether a new key's secret is on the page."""
        return bool(self.secret.value)

    # ------------------------------------------------------------------ delete
    def delete(self) -> None:
        """Ask to confirm deleting the selected key; only Confirm deletes it.

        A new key's secret still on the page is hidden first: it is shown until the next action.
        """
        self.message.clear()
        self.hide_secret()
        key_id = self.selected.value
        if not key_id or self.project_id is None:
            self.message.show("Choose a key to delete.")
            return
        label, project_id = str(self.selected.label), self.project_id
        self.confirm_row.ask(
            f"Delete key {label}? Programs using it will stop working.",
            lambda: self._delete(project_id, str(key_id), label),
        )

    def _delete(self, project_id: str, key_id: str, label: str) -> None:
        if attempt(self.message, lambda: self._dg.keys.delete(project_id, key_id)) is None:
            return
        if self.reload():
            self.message.note(f"Deleted key {label}.")
