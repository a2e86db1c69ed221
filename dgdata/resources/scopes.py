"""Scopes of a project member (``/v1/projects/{project_id}/members/{member_id}/scopes``)."""

from __future__ import annotations

from dgdata.resources._base import JSON, Resource, operation


class Scopes(Resource):
    """Read and change what a member may do (seed names kept)."""

    @operation("GET", "/v1/projects/{project_id}/members/{member_id}/scopes")
    def get_scope(self, project_id: str, member_id: str) -> JSON:
        """``{"scopes": ["member", …]}``."""
        return self._send(self.get_scope, project_id, member_id)

    @operation("PUT", "/v1/projects/{project_id}/members/{member_id}/scopes")
    def update_scope(self, project_id: str, member_id: str, scope: str) -> JSON:
        """Set a member's scope: ``"member"``, ``"admin"`` or ``"owner"``."""
        if not scope or not str(scope).strip():
            raise ValueError("scope is empty: give one, e.g. 'member' or 'admin'")
        return self._send(self.update_scope, project_id, member_id, json={"scope": scope})
