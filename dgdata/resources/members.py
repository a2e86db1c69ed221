"""Members of a project (``/v1/projects/{project_id}/members``)."""

from __future__ import annotations

from typing import Any

from dgdata.resources._base import JSON, Resource, operation


class Members(Resource):
    """List and remove the people in a project (seed names kept)."""

    @operation("GET", "/v1/projects/{project_id}/members")
    def list_members(self, project_id: str) -> JSON:
        """``{"members": [{"member_id", "email", "first_name", "last_name", "scopes"}]}``."""
        return self._send(self.list_members, project_id)

    def frame(self, project_id: str) -> Any:
        """The project's members as a DataFrame (:func:`dgdata.frames.members`), with scopes."""
        from dgdata.frames.account import members

        return members(self.list_members(project_id))

    @operation("DELETE", "/v1/projects/{project_id}/members/{member_id}")
    def remove_member(self, project_id: str, member_id: str) -> JSON:
        """Remove a member from the project. Returns ``{"message": …}``."""
        return self._send(self.remove_member, project_id, member_id)
