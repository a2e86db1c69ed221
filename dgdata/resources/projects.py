"""Projects: list, inspect, rename, delete and leave (``/v1/projects``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dgdata.resources._base import JSON, Resource, operation


class Projects(Resource):
    """The projects the key can see. ``dg.projects.list()["projects"]`` is a list of dicts."""

    @operation("GET", "/v1/projects")
    def list(self) -> JSON:
        """All projects of the key: ``{"projects": [{"project_id", "name", …}]}``."""
        return self._send(self.list)

    @operation("GET", "/v1/projects/{project_id}")
    def get(self, project_id: str, *, limit: int | None = None, page: int | None = None) -> JSON:
        """One project: ``{"project_id", "name", "mip_opt_out"}``."""
        return self._send(self.get, project_id, params={"limit": limit, "page": page})

    @operation("PATCH", "/v1/projects/{project_id}")
    def update(
        self, project: str | Mapping[str, Any], name: str | None = None, **fields: Any
    ) -> JSON:
        """Rename a project. Takes an id and ``name=``, or the seed's project dict.

        >>> dg.projects.update("3f0e…", name="Call analytics")          # doctest: +SKIP
        >>> dg.projects.update({"project_id": "3f0e…", "name": "Call analytics"})  # doctest: +SKIP
        """
        if isinstance(project, Mapping):
            body = {k: v for k, v in project.items() if k != "project_id" and v is not None}
            project_id = project.get("project_id")
        else:
            body, project_id = {}, project
        if name is not None:
            body["name"] = name
        body.update({k: v for k, v in fields.items() if v is not None})
        if not body:
            raise ValueError("nothing to update: pass name=... (the project's new name)")
        return self._send(self.update, project_id, json=body)

    @operation("DELETE", "/v1/projects/{project_id}")
    def delete(self, project_id: str) -> JSON:
        """Delete a project (irreversible). Returns ``{"message": …}``."""
        return self._send(self.delete, project_id)

    @operation("DELETE", "/v1/projects/{project_id}/leave")
    def leave(self, project_id: str) -> JSON:
        """Remove the key's own account from a project. Returns ``{"message": …}``."""
        return self._send(self.leave, project_id)
