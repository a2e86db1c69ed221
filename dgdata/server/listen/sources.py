"""Where the media of a request comes from: the request body, or a URL the server fetches.

``POST /v1/listen`` takes raw audio in the body (any ``Content-Type``: the SDKs send
``application/octet-stream``, the caller's mimetype, or none) or, with ``Content-Type:
application/json``, ``{"url": "https://..."}``; ``/v1/read`` takes ``{"text"}`` or ``{"url"}``.
Bodies and downloads are both capped at the server's ``max_upload_bytes`` (413 beyond it); a URL
that cannot be fetched is a 400 saying why.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import requests
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from dgdata.server.errors import ApiError, bad_request

__all__ = [
    "FETCH_TIMEOUT",
    "ascii_text",
    "fetch_url",
    "fetch_url_blocking",
    "read_body",
    "read_json_body",
]

#: Seconds to connect to a media URL, and to wait for each read from it.
FETCH_TIMEOUT = (10.0, 60.0)

_JSON_ERROR = "Content-type was application/json, but we could not process the JSON payload."


def too_large(limit: int) -> ApiError:
    """413 for media beyond the server's limit."""
    return ApiError(
        413,
        "PAYLOAD_TOO_LARGE",
        f"The media is larger than this server accepts ({limit} bytes); start the server with "
        "a larger max_upload_bytes, or send a shorter recording.",
    )


async def read_body(request: Request, limit: int) -> bytes:
    """The whole request body (chunked uploads too), refusing more than ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise too_large(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def is_json(request: Request) -> bool:
    """Whether the request says its body is JSON."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    return kind == "application/json" or kind.endswith("+json")


def read_json_body(raw: bytes) -> dict[str, Any]:
    """A JSON object body; the real API's 400 otherwise."""
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise bad_request(_JSON_ERROR) from None
    if not isinstance(body, dict):
        raise bad_request(_JSON_ERROR)
    return body


def check_url(url: Any) -> str:
    """A media URL from a body; 400 unless it is an http(s) URL."""
    if not isinstance(url, str) or not url.strip():
        raise bad_request(_JSON_ERROR)
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise bad_request(f"Bad Request: the url must be an http:// or https:// URL, not {url!a}.")
    return url.strip()


def ascii_text(text: str) -> str:
    """``text`` with anything beyond ASCII escaped: error messages also go in a header."""
    return text.encode("ascii", "backslashreplace").decode("ascii")


def fetch_url_blocking(url: str, limit: int) -> bytes:
    """Download ``url`` (blocking), at most ``limit`` bytes; 400/413 on failure."""
    shown = ascii_text(url)
    try:
        response = requests.get(
            url,
            stream=True,
            timeout=FETCH_TIMEOUT,
            headers={"User-Agent": "dgdata-serve (media fetch)"},
        )
    except requests.RequestException as exc:
        reason = ascii_text(" ".join(str(exc).split())[:200].rstrip())
        raise bad_request(f"Bad Request: could not fetch the media at {shown}: {reason}") from None
    with response:
        if response.status_code >= 400:
            raise bad_request(
                f"Bad Request: could not fetch the media at {shown}: the server answered "
                f"HTTP {response.status_code} {response.reason or ''}".rstrip()
                + "."
            )
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise too_large(limit)
        chunks: list[bytes] = []
        size = 0
        try:
            for chunk in response.iter_content(65536):
                size += len(chunk)
                if size > limit:
                    raise too_large(limit)
                chunks.append(chunk)
        except requests.RequestException as exc:
            reason = ascii_text(" ".join(str(exc).split())[:200].rstrip())
            raise bad_request(
                f"Bad Request: fetching the media at {shown} failed midway: {reason}"
            ) from None
    return b"".join(chunks)


async def fetch_url(url: str, limit: int) -> bytes:
    """Download ``url`` (in a worker thread), at most ``limit`` bytes; 400/413 on failure."""
    return await run_in_threadpool(fetch_url_blocking, url, limit)
