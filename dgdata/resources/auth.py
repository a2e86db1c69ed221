"""Short-lived access tokens (``POST /v1/auth/grant``)."""

from __future__ import annotations

from dgdata.resources._base import JSON, Resource, operation, without_none


class Auth(Resource):
    """Grant temporary tokens for listen / speak / read (they do not work for management)."""

    @operation("POST", "/v1/auth/grant")
    def grant(self, ttl_seconds: float | None = None) -> JSON:
        """A JWT: ``{"access_token", "expires_in"}`` (default TTL 30 s).

        Use it with ``Deepgram(access_token=...)``, e.g. in a browser or a worker that must not
        hold the API key.
        """
        if ttl_seconds is not None and ttl_seconds <= 0:
            raise ValueError("ttl_seconds must be positive")
        return self._send(self.grant, json=without_none(ttl_seconds=ttl_seconds))
