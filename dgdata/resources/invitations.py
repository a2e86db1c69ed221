"""Invitations to a project (``/v1/projects/{project_id}/invites``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dgdata.resources._base import JSON, Resource, operation


class Invitations(Resource):
    """Send, list and revoke invitations (seed names kept)."""

    @operation("GET", "/v1/projects/{project_id}/invites")
    def list_invitations(self, project_id: str) -> JSON:
        """``{"invites": [{"email", "scope"}]}``."""
        return self._send(self.list_invitations, project_id)

    @operation("POST", "/v1/projects/{project_id}/invites")
    def send_invitation(
        self,
        project_id: str,
        options: Mapping[str, Any] | None = None,
        *,
        email: str | None = None,
        scope: str | None = None,
    ) -> JSON:
        """Invite someone: the seed's ``{"email": …, "scope": …}`` dict, or keywords."""
        body = dict(options or {})
        if email is not None:
            body["email"] = email
        if scope is not None:
            body["scope"] = scope
        missing = [name for name in ("email", "scope") if not body.get(name)]
        if missing:
            raise ValueError(f"send_invitation needs {' and '.join(missing)}")
        return self._send(self.send_invitation, project_id, json=body)

    @operation("DELETE", "/v1/projects/{project_id}/invites/{email}")
    def remove_invitation(self, project_id: str, email: str) -> JSON:
        """Revoke the invitation sent to ``email``. Returns ``{"message": …}``."""
        return self._send(self.remove_invitation, project_id, email)

    @operation("DELETE", "/v1/projects/{project_id}/leave")
    def leave_project(self, project_id: str) -> JSON:
        """The seed's name for :meth:`dgdata.resources.projects.Projects.leave`."""
        return self._send(self.leave_project, project_id)
