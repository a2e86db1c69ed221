"""Deepgram's error responses: ``{err_code, err_msg, request_id}`` with a ``dg-request-id``
header, as the real API sends them (see ``tests/data/real``)."""

from __future__ import annotations

from collections.abc import Mapping

__all__ = [
    "ApiError",
    "bad_request",
    "forbidden",
    "not_found",
    "query_error",
    "unauthorized",
]


class ApiError(Exception):
    """An error the server answers with a Deepgram error body.

    Raised anywhere in a route; the app turns it into the response.
    """

    def __init__(
        self,
        status: int,
        err_code: str,
        err_msg: str,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {err_code}: {err_msg}")
        self.status = status
        self.err_code = err_code
        self.err_msg = err_msg
        self.headers = dict(headers or {})

    def body(self, request_id: str) -> dict[str, str]:
        """The JSON body of the response."""
        return {"err_code": self.err_code, "err_msg": self.err_msg, "request_id": request_id}


def bad_request(message: str, err_code: str = "Bad Request") -> ApiError:
    """400, the real API's ``{"err_code": "Bad Request", ...}`` form by default."""
    return ApiError(400, err_code, message)


def query_error(message: str) -> ApiError:
    """The real API's 400 for a bad query parameter (``Invalid query string: ...``)."""
    return ApiError(400, "INVALID_QUERY_PARAMETER", f"Invalid query string: {message}")


def unauthorized() -> ApiError:
    """401 with the real API's body for a missing, unknown or expired credential."""
    return ApiError(401, "INVALID_AUTH", "Invalid credentials.")


def forbidden(message: str = "Insufficient permissions.") -> ApiError:
    """403 for a credential that may not do this."""
    return ApiError(403, "FORBIDDEN", message)


def not_found(what: str) -> ApiError:
    """404 naming what was not found."""
    return ApiError(404, "NOT_FOUND", f"{what} not found.")
