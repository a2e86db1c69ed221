"""Where the media of a request comes from: the request body, or a URL the server fetches.

``POST /v1/listen`` takes raw audio in the body (any ``Content-Type``: the SDKs send
``application/octet-stream``, the caller's mimetype, or none) or, with ``Content-Type:
application/json``, ``{"url": "https://..."}``; ``/v1/read`` takes ``{"text"}`` or ``{"url"}``.
Bodies and downloads are both capped at the server's ``max_upload_bytes`` (413 beyond it); a URL
that cannot be fetched is a 400 saying why. A download is written to an
:class:`~dgdata.server.listen.uploads.Upload` as it arrives, like an audio body: in memory while
small, then in a temporary file, so its size does not grow the server's memory.

URLs are fetched through :mod:`dgdata.server.listen.outbound`: by default a URL whose host is or
resolves to a loopback, private, link-local, multicast or reserved address is a 400 before any
connection is made (``dgdata serve --allow-private-urls`` lets them through), redirects are
followed up to :data:`~dgdata.server.listen.outbound.REDIRECTS` times, each hop checked alike.
Errors say what went wrong without telling a closed port from an open one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from dgdata.server.errors import ApiError, bad_request, media_too_large, parse_json
from dgdata.server.listen import outbound
from dgdata.server.listen.uploads import Upload

__all__ = [
    "FETCH_TIMEOUT",
    "fetch_url",
    "fetch_url_blocking",
    "read_body",
    "read_json_body",
    "vet_url",
]

#: Seconds to connect to a media URL, and to wait for each read from it.
FETCH_TIMEOUT = (10.0, 60.0)

_JSON_ERROR = "Content-type was application/json, but we could not process the JSON payload."


async def read_body(
    request: Request, limit: int, too_large: Callable[[int], ApiError] = media_too_large
) -> bytes:
    """The whole request body (chunked uploads too), refusing more than ``limit`` bytes with
    ``too_large(limit)`` (413).

    Held in memory: for small bodies (JSON) only. Audio is spooled to disk instead
    (:func:`dgdata.server.listen.uploads.spool_body`)."""
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
    """A JSON object body, parsed strictly (:func:`dgdata.server.errors.parse_json`: no NaN,
    no overflowing number, no lone surrogate, no deep nesting); the real API's 400 otherwise."""
    body = parse_json(raw)
    if not isinstance(body, dict):
        raise bad_request(_JSON_ERROR)
    return body


def check_url(url: Any) -> str:
    """A media URL from a body; 400 unless it is an http(s) URL with a host (and a valid port).

    Only the form is checked here; where it points is checked when it is fetched (or, for a
    callback request, by :func:`vet_url` when the request arrives).
    """
    if not isinstance(url, str) or not url.strip():
        raise bad_request(_JSON_ERROR)
    try:
        outbound.parse_url(url.strip())
    except outbound.BadURL:
        raise bad_request(
            f"Bad Request: the url must be an http:// or https:// URL, not {url!a}."
        ) from None
    return url.strip()


async def vet_url(url: str, *, allow_private: bool) -> None:
    """400 now if ``url`` points where this server does not fetch from (resolving its host in
    a worker thread, connecting nowhere): for a request whose fetch happens later."""
    await outbound.vet("url", url, outbound.OutboundPolicy(allow_private))


def fetch_url_blocking(url: str, limit: int, *, allow_private: bool = False) -> Upload:
    """Download ``url`` (blocking) into an :class:`Upload`, at most ``limit`` bytes; 400/413 on
    failure. The caller closes the upload (which deletes its file).

    ``allow_private`` is the server's ``allow_private_urls``: off, a URL that is or resolves to a
    non-public address (also after a redirect) is refused before any connection is made.
    """
    shown = outbound.ascii_text(url)
    policy = outbound.OutboundPolicy(allow_private)
    try:
        with outbound.open_url(
            "GET",
            url,
            policy=policy,
            timeout=FETCH_TIMEOUT,
            headers={"User-Agent": "dgdata-serve (media fetch)"},
            redirects=outbound.REDIRECTS,
        ) as response:
            if response.status >= 400:
                raise bad_request(
                    f"Bad Request: could not fetch the media at {shown}: the server answered "
                    f"HTTP {response.status} {outbound.ascii_text(response.reason or '')}".rstrip()
                    + "."
                )
            return _download(response, shown, limit)
    except outbound.FAILURES as exc:
        raise outbound.refusal("url", url, exc) from None


def _download(response: Any, shown: str, limit: int) -> Upload:
    """The body of a fetched answer as an :class:`Upload`, at most ``limit`` bytes (413 beyond;
    the partial download is deleted on any failure)."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise media_too_large(limit)
    upload = Upload()
    try:
        for chunk in response.stream(65536):
            if upload.size + len(chunk) > limit:
                raise media_too_large(limit)
            upload.write(chunk)
        upload.finish()
    except outbound.NO_ANSWER:
        upload.close()
        raise bad_request(f"Bad Request: fetching the media at {shown} failed midway.") from None
    except BaseException:
        upload.close()
        raise
    return upload


async def fetch_url(url: str, limit: int, *, allow_private: bool = False) -> Upload:
    """:func:`fetch_url_blocking` in a worker thread."""
    return await run_in_threadpool(fetch_url_blocking, url, limit, allow_private=allow_private)
