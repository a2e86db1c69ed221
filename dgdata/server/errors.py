"""Deepgram's error responses: ``{err_code, err_msg, request_id}`` with a ``dg-request-id``
header, as the real API sends them (see ``tests/data/real``); and what keeps bad input from
becoming a 500 instead of one of them.

Limits of the management API's JSON bodies (keys, members, invitations, projects, agents,
grants, self-hosted credentials), chosen far beyond what a real client sends:

* a body is at most :data:`MAX_JSON_BODY` bytes (1 MiB): 413 ``PAYLOAD_TOO_LARGE`` beyond it,
  refused from ``Content-Length`` or as soon as the stream passes the limit (never buffered);
* nesting is at most :data:`MAX_DEPTH` (64) arrays or objects deep;
* a free-text field (a key's comment, a tag, a project name, an agent's metadata value...) is at
  most :data:`MAX_TEXT` (4,096) characters, and a list of them at most :data:`MAX_ITEMS` (256)
  items (checked by the routes, see :mod:`dgdata.server.routes._params`).

Every JSON body the server reads (``/v1/listen`` and ``/v1/read`` too) is parsed strictly by
:func:`parse_json`: ``NaN``, ``Infinity``, numbers that overflow a double (``1e400``), integers
beyond 64 bits, lone UTF-16 surrogates (``"\\udfff"``, which no UTF-8 text can hold) and nesting
beyond :data:`MAX_DEPTH` are a 400 with Deepgram's error body, before anything is stored.

:class:`SafeJSONResponse` renders what is already stored even if it holds such values (a lone
surrogate becomes U+FFFD, a non-finite number ``null``) rather than failing the response.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any

from starlette.responses import JSONResponse

__all__ = [
    "MAX_DEPTH",
    "MAX_ITEMS",
    "MAX_JSON_BODY",
    "MAX_TEXT",
    "NOT_JSON",
    "ApiError",
    "SafeJSONResponse",
    "bad_request",
    "body_too_large",
    "forbidden",
    "media_too_large",
    "not_found",
    "parse_json",
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


#: Bytes of a management JSON body.
MAX_JSON_BODY = 1024 * 1024
#: Arrays and objects nested in one another.
MAX_DEPTH = 64
#: Characters of a free-text field.
MAX_TEXT = 4096
#: Items of a list of strings (tags, scopes) or entries of a metadata object.
MAX_ITEMS = 256

#: The real API's message for a body that is not JSON.
NOT_JSON = "Content-type was application/json, but we could not process the JSON payload."
_INT_LIMIT = 2**63
_TOO_DEEP = f"It is nested too deeply (at most {MAX_DEPTH} levels of arrays and objects)."
#: In a Python string a surrogate code point is always a lone one (pairs are decoded).
_SURROGATE = re.compile("[\ud800-\udfff]")


def media_too_large(limit: int) -> ApiError:
    """413 for media (an upload, a fetched recording or document) beyond the server's limit."""
    return ApiError(
        413,
        "PAYLOAD_TOO_LARGE",
        f"The media is larger than this server accepts ({limit} bytes); start the server with "
        "a larger max_upload_bytes, or send a shorter recording.",
    )


def body_too_large(limit: int = MAX_JSON_BODY) -> ApiError:
    """413 for a JSON body beyond ``limit`` bytes."""
    return ApiError(
        413,
        "PAYLOAD_TOO_LARGE",
        f"The JSON body is larger than this server accepts ({limit} bytes).",
    )


class _Refused(ValueError):
    """A JSON value the server refuses, with the message to answer."""


def _no_constant(name: str) -> Any:
    raise _Refused(f"{name} is not a JSON number; send a finite number.")


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise _Refused(f"the number {text[:40]} is out of range.")
    return number


def _bounded_int(text: str) -> int:
    number = int(text)  # ValueError beyond 4,300 digits (Python's own limit)
    if not -_INT_LIMIT <= number < _INT_LIMIT:
        raise _Refused(f"the integer {text[:40]}... does not fit in 64 bits.")
    return number


def parse_json(raw: bytes | str, *, what: str = NOT_JSON) -> Any:
    """The JSON value of ``raw``, strictly: a 400 with Deepgram's error body otherwise, its
    message ``what`` and why."""
    try:
        value = json.loads(
            raw,
            parse_constant=_no_constant,
            parse_float=_finite_float,
            parse_int=_bounded_int,
        )
    except _Refused as exc:
        raise bad_request(f"{what} {exc}") from None
    except RecursionError:
        raise bad_request(f"{what} {_TOO_DEEP}") from None
    except json.JSONDecodeError as exc:
        # The real API's message alone for a body, as it answers; where for a field inside it.
        where = "" if what == NOT_JSON else f" {exc.msg} at character {exc.pos}."
        raise bad_request(what + where) from None
    except ValueError:  # UnicodeDecodeError, an integer of more than 4,300 digits
        raise bad_request(what) from None
    problem = _problem(value)
    if problem:
        raise bad_request(f"{what} {problem}")
    return value


def _problem(value: Any) -> str:
    """What is wrong with a parsed value: nesting beyond :data:`MAX_DEPTH` or a string with a
    lone surrogate; "" when nothing is."""
    pending: list[tuple[Any, int]] = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                return "A string holds a lone UTF-16 surrogate (such as \\udfff), not text."
            continue
        if not isinstance(item, (dict, list)):
            continue
        if depth >= MAX_DEPTH:
            return _TOO_DEEP
        children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
        pending.extend((child, depth + 1) for child in children)
    return ""


def _sanitised(value: Any) -> Any:
    """``value`` with lone surrogates replaced by U+FFFD and non-finite numbers by None."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {_sanitised(k): _sanitised(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_sanitised(v) for v in value]
    return value


class SafeJSONResponse(JSONResponse):
    """A JSON response that renders stored values no UTF-8 JSON can hold instead of failing."""

    def render(self, content: Any) -> bytes:
        try:
            return super().render(content)
        except (UnicodeEncodeError, ValueError):
            # Only data stored before the input checks can get here: answer it readable.
            return super().render(_sanitised(content))
