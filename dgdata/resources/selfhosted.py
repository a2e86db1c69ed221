"""Self-hosted distribution credentials of a project."""

from __future__ import annotations

from collections.abc import Iterable

from dgdata.resources._base import JSON, Resource, operation, without_none

_BASE = "/v1/projects/{project_id}/self-hosted/distribution/credentials"


class SelfHosted(Resource):
    """Credentials for pulling Deepgram's self-hosted images (from the container registry)."""

    @operation("GET", _BASE)
    def list_credentials(self, project_id: str) -> JSON:
        """``{"distribution_credentials": [{"member": {…}, "distribution_credentials": {…}}]}``."""
        return self._send(self.list_credentials, project_id)

    @operation("POST", _BASE)
    def create_credentials(
        self,
        project_id: str,
        comment: str | None = None,
        *,
        scopes: Iterable[str] | str | None = None,
        provider: str | None = None,
    ) -> JSON:
        """Create credentials; ``scopes`` (default ``self-hosted:products``) and ``provider``
        (``quay``) travel in the query, the ``comment`` in the body."""
        scope_list = [scopes] if isinstance(scopes, str) else scopes
        params = {
            "scopes": list(scope_list) if scope_list is not None else None,
            "provider": provider,
        }
        return self._send(
            self.create_credentials, project_id, params=params, json=without_none(comment=comment)
        )

    @operation("GET", _BASE + "/{distribution_credentials_id}")
    def get_credentials(self, project_id: str, distribution_credentials_id: str) -> JSON:
        """One set of credentials."""
        return self._send(self.get_credentials, project_id, distribution_credentials_id)

    @operation("DELETE", _BASE + "/{distribution_credentials_id}")
    def delete_credentials(self, project_id: str, distribution_credentials_id: str) -> JSON:
        """Delete credentials; the answer is the deleted credentials."""
        return self._send(self.delete_credentials, project_id, distribution_credentials_id)
