"""API keys of a project (``/v1/projects/{project_id}/keys``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, Literal

from dgdata._query import format_datetime
from dgdata.resources._base import JSON, Resource, operation, without_none


class Keys(Resource):
    """Create, list, inspect and delete API keys. A new key's secret is returned only once."""

    @operation("GET", "/v1/projects/{project_id}/keys")
    def list(self, project_id: str, status: Literal["active", "expired"] | None = None) -> JSON:
        """``{"api_keys": [{"member": {…}, "api_key": {…}}]}``; ``status`` filters."""
        return self._send(self.list, project_id, params={"status": status})

    def frame(self, project_id: str, status: Literal["active", "expired"] | None = None) -> Any:
        """The project's keys as a DataFrame (:func:`dgdata.frames.keys`): no secrets in it."""
        from dgdata.frames.account import keys

        return keys(self.list(project_id, status=status))

    @operation("GET", "/v1/projects/{project_id}/keys/{key_id}")
    def get(self, project_id: str, key_id: str) -> JSON:
        """One key: ``{"item": {"member": {…, "api_key": {…}}}}``."""
        return self._send(self.get, project_id, key_id)

    @operation("POST", "/v1/projects/{project_id}/keys")
    def create(
        self,
        project_id: str,
        comment: str,
        scopes: Iterable[str] | str,
        *,
        tags: Iterable[str] | str | None = None,
        expiration_date: dt.datetime | dt.date | str | None = None,
        time_to_live_in_seconds: int | None = None,
    ) -> JSON:
        """Create a key. The answer's ``key`` is the secret: it is shown this once only.

        Example: ``dg.keys.create(pid, "batch job", ["member"], time_to_live_in_seconds=3600)``
        """
        if not comment or not str(comment).strip():
            raise ValueError("comment is empty: say what the key is for (it shows in the console)")
        scope_list = [scopes] if isinstance(scopes, str) else list(scopes)
        if not scope_list:
            raise ValueError("scopes is empty: give at least one, e.g. ['member']")
        if expiration_date is not None and time_to_live_in_seconds is not None:
            raise ValueError("pass expiration_date or time_to_live_in_seconds, not both")
        if isinstance(expiration_date, (dt.datetime, dt.date)):
            expiration_date = format_datetime(expiration_date)
        body = without_none(
            comment=comment,
            scopes=scope_list,
            tags=[tags] if isinstance(tags, str) else (list(tags) if tags is not None else None),
            expiration_date=expiration_date,
            time_to_live_in_seconds=time_to_live_in_seconds,
        )
        return self._send(self.create, project_id, json=body)

    @operation("DELETE", "/v1/projects/{project_id}/keys/{key_id}")
    def delete(self, project_id: str, key_id: str) -> JSON:
        """Delete a key. Returns ``{"message": …}``."""
        return self._send(self.delete, project_id, key_id)
