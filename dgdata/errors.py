"""Errors raised by dgdata.

Every error derives from :class:`DeepgramError`, so ``except dgdata.errors.DeepgramError`` catches
all of them. The hierarchy::

    DeepgramError
    ├── ConfigurationError            no credentials, a malformed URL (also a ValueError)
    ├── DeepgramApiError              the API answered with an error status
    │   ├── BadRequestError           400  bad options, corrupt or unsupported audio
    │   ├── AuthenticationError       401  a wrong, expired or revoked key
    │   ├── PaymentRequiredError      402  the project is out of credit
    │   ├── PermissionDeniedError     403  the key lacks the scope for this call
    │   ├── NotFoundError             404  no such project, key, member, request…
    │   ├── RequestTimeoutError       408  the upload was too slow           (retried)
    │   ├── ConflictError             409  the resource changed meanwhile
    │   ├── RateLimitError            429  too many concurrent requests      (retried)
    │   └── ServerError               5xx  Deepgram had a problem            (retried)
    └── DeepgramConnectionError       no HTTP answer: refused, reset, DNS    (retried)
        └── DeepgramTimeoutError      no answer in time (also a TimeoutError)

An API error carries ``status``, ``request_id`` (from the body or the ``dg-request-id`` header),
``err_code``, ``message``, the raw ``body`` and the ``headers``; ``str(error)`` reads
``Request <id>: <message> (HTTP <status>)``. The ``request`` attached to an error is a copy whose
``Authorization`` header is redacted: no error ever carries a secret.
"""

from __future__ import annotations

import contextlib
import html
import json
import re
from collections.abc import Mapping
from typing import Any

__all__ = [
    "AuthenticationError",
    "BadRequestError",
    "ClearTextCredentialWarning",
    "ConfigurationError",
    "ConflictError",
    "DeepgramApiError",
    "DeepgramConnectionError",
    "DeepgramError",
    "DeepgramTimeoutError",
    "NotFoundError",
    "PaymentRequiredError",
    "PermissionDeniedError",
    "RateLimitError",
    "RequestTimeoutError",
    "ServerError",
    "error_class_for_status",
    "error_from_response",
    "make_api_error",
]

_MAX_MESSAGE = 300


class DeepgramError(Exception):
    """The root of every error dgdata raises."""


class ClearTextCredentialWarning(UserWarning):
    """A client sends its key over plain ``http://`` to another machine: anyone on the way can
    read it. Loopback addresses (the local server) do not warn."""


class ConfigurationError(DeepgramError, ValueError):
    """The client cannot be set up: no credentials, or a URL that is not http(s)/ws(s)."""


class DeepgramApiError(DeepgramError):
    """The Deepgram API answered with an error status.

    Attributes:
        status: the HTTP status code.
        message: a one-line, human-readable message.
        request_id: Deepgram's request id (body ``request_id`` or the ``dg-request-id`` header).
        err_code: Deepgram's error code (``err_code`` or ``category``), when the body has one.
        body: the parsed JSON body, or the text when it is not JSON.
        headers: the response headers (a case-insensitive mapping).
        request: the request that failed, with its ``Authorization`` header redacted.
        response: the ``requests.Response``, when there is one.
    """

    retryable = False

    def __init__(
        self,
        message: str,
        *,
        status: int,
        request_id: str | None = None,
        err_code: str | None = None,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        request: Any = None,
        response: Any = None,
    ) -> None:
        self.message = message
        self.status = status
        self.request_id = request_id
        self.err_code = err_code
        self.body = body
        self.headers = headers if headers is not None else {}
        self.request = request
        self.response = response
        super().__init__(str(self))

    def __str__(self) -> str:
        prefix = f"Request {self.request_id}: " if self.request_id else ""
        return f"{prefix}{self.message} (HTTP {self.status})"

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status={self.status}, request_id={self.request_id!r}, "
            f"err_code={self.err_code!r}, message={self.message!r})"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        # Keep errors picklable (batch workers in other processes send them back) without the
        # live request/response objects.
        kwargs = {
            "status": self.status,
            "request_id": self.request_id,
            "err_code": self.err_code,
            "body": self.body,
            "headers": dict(self.headers),
        }
        return (_rebuild_api_error, (type(self), self.message, kwargs))


def _rebuild_api_error(cls: type[DeepgramApiError], message: str, kwargs: dict[str, Any]) -> Any:
    return cls(message, **kwargs)


class BadRequestError(DeepgramApiError):
    """400: the request was malformed: unknown options, or audio Deepgram cannot decode."""


class AuthenticationError(DeepgramApiError):
    """401: the API key or access token is wrong, expired or revoked."""


class PaymentRequiredError(DeepgramApiError):
    """402: the project has run out of credit."""


class PermissionDeniedError(DeepgramApiError):
    """403: the key is valid but lacks the scope for this call."""


class NotFoundError(DeepgramApiError):
    """404: no such project, key, member, request or model."""


class RequestTimeoutError(DeepgramApiError):
    """408: the server gave up waiting for the request. Safe to retry; retried automatically."""

    retryable = True


class ConflictError(DeepgramApiError):
    """409: the resource is in a state that conflicts with the request."""


class RateLimitError(DeepgramApiError):
    """429: too many requests at once. Safe to retry; retried automatically.

    Attributes:
        retry_after: seconds the server asked us to wait (``Retry-After``), or ``None``.
    """

    retryable = True

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        self.retry_after = retry_after
        super().__init__(message, **kwargs)

    def __reduce__(self) -> tuple[Any, ...]:
        cls, (klass, message, kwargs) = super().__reduce__()
        return (cls, (klass, message, {**kwargs, "retry_after": self.retry_after}))


class ServerError(DeepgramApiError):
    """5xx: Deepgram (or a proxy in front of it) failed. Safe to retry; retried automatically."""

    retryable = True


class DeepgramConnectionError(DeepgramError, ConnectionError):
    """No HTTP answer at all: the connection was refused, reset or could not be resolved.

    Safe to retry for requests that can be sent again; retried automatically.
    """

    retryable = True


class DeepgramTimeoutError(DeepgramConnectionError, TimeoutError):
    """The server did not answer within the timeout.

    A read timeout on ``POST /v1/listen`` is *not* retried: the audio may already have been
    received (and billed); the message says so.
    """


_STATUS_CLASSES: dict[int, type[DeepgramApiError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    402: PaymentRequiredError,
    403: PermissionDeniedError,
    404: NotFoundError,
    408: RequestTimeoutError,
    409: ConflictError,
    429: RateLimitError,
}


def error_class_for_status(status: int) -> type[DeepgramApiError]:
    """The :class:`DeepgramApiError` subclass for a status (all 5xx give :class:`ServerError`)."""
    if status in _STATUS_CLASSES:
        return _STATUS_CLASSES[status]
    if 500 <= status <= 599:
        return ServerError
    return DeepgramApiError


def parse_error_body(text: str, content_type: str = "") -> tuple[Any, str | None, str | None, str]:
    """Read any of Deepgram's error body shapes.

    Returns ``(body, err_code, request_id, message)``. The shapes are: plain text;
    ``{err_code, err_msg, request_id}``; ``{category, message, details, request_id}``; and an HTML
    page from a proxy, reduced to its title or first words.
    """
    stripped = text.strip()
    if stripped[:1] in ("{", "["):
        try:
            body = json.loads(stripped)
        except ValueError:
            body = None
        if isinstance(body, dict):
            return (body, *_fields_of_json_error(body))
        if isinstance(body, str):
            return body, None, None, _one_line(body)
    if "html" in content_type.lower() or re.match(r"(?is)\s*<(!doctype|html)", stripped):
        return text, None, None, _one_line(_html_to_text(stripped))
    if stripped.startswith('"') and stripped.endswith('"'):
        with contextlib.suppress(ValueError):
            stripped = json.loads(stripped)
    return text, None, None, _one_line(stripped)


def _fields_of_json_error(body: dict[str, Any]) -> tuple[str | None, str | None, str]:
    err_code = body.get("err_code") or body.get("category") or body.get("code")
    request_id = body.get("request_id")
    message = body.get("err_msg") or body.get("message") or body.get("error") or ""
    details = body.get("details")
    if details and str(details) not in str(message):
        message = f"{message}: {details}" if message else str(details)
    if not message:
        message = json.dumps(body)[:_MAX_MESSAGE]
    return (
        str(err_code) if err_code is not None else None,
        str(request_id) if request_id else None,
        _one_line(str(message)),
    )


def _html_to_text(page: str) -> str:
    title = re.search(r"(?is)<title[^>]*>(.*?)</title>", page)
    if title and title.group(1).strip():
        return html.unescape(title.group(1))
    page = re.sub(r"(?is)<(script|style)[^>]*>.*?</\1>", " ", page)
    return html.unescape(re.sub(r"(?s)<[^>]+>", " ", page))


def _one_line(text: str) -> str:
    line = " ".join(str(text).split())
    if len(line) > _MAX_MESSAGE:
        line = line[: _MAX_MESSAGE - 1] + "…"
    return line


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    from datetime import datetime, timezone
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def error_from_response(response: Any, request: Any = None) -> DeepgramApiError:
    """Build the right :class:`DeepgramApiError` subclass from a ``requests.Response``.

    ``request`` should be the redacted copy of the request; the response keeps a reference to it
    instead of the original, so the secret does not travel with the error.
    """
    headers = response.headers
    content_type = headers.get("Content-Type", "")
    try:
        text = response.text
    except Exception:  # an undecodable body still gives an error with a status
        text = ""
    body, err_code, request_id, message = parse_error_body(text or "", content_type)
    if not message:
        message = headers.get("dg-error") or response.reason or "No error message"
        message = _one_line(message)
    if request is not None:
        response.request = request
    return make_api_error(
        message,
        status=int(response.status_code),
        headers=headers,
        request_id=request_id,
        err_code=err_code,
        body=body,
        request=request,
        response=response,
    )


def make_api_error(
    message: str,
    *,
    status: int,
    headers: Mapping[str, str],
    request_id: str | None = None,
    err_code: str | None = None,
    body: Any = None,
    request: Any = None,
    response: Any = None,
) -> DeepgramApiError:
    """The :class:`DeepgramApiError` subclass for ``status``, with the request id falling back to
    the ``dg-request-id`` header and, for a 429, ``retry_after`` read from ``Retry-After``.

    ``headers`` must be case-insensitive (``requests`` headers, ``CaseInsensitiveDict``).
    """
    cls = error_class_for_status(status)
    extra: dict[str, Any] = {}
    if cls is RateLimitError:
        extra["retry_after"] = parse_retry_after(headers.get("Retry-After"))
    return cls(
        message,
        status=status,
        request_id=request_id or headers.get("dg-request-id"),
        err_code=err_code,
        body=body,
        headers=headers,
        request=request,
        response=response,
        **extra,
    )
