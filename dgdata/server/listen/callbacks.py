"""Asynchronous requests (``callback=URL``): work in the background, then deliver the result.

A request with ``callback`` is answered at once with ``{"request_id": ...}``; its work runs on a
small thread pool (:func:`submit`), and the result is sent to the callback URL with
``callback_method`` (POST by default, or PUT). Delivery is retried on a connection error or a
non-2xx answer, :data:`ATTEMPTS` times in all, waiting :data:`BACKOFF` seconds before the first
retry and twice as long before each next one. How it went (the last status code, 0 when the
receiver never answered, and the number of attempts) is stored on the request with
:meth:`dgdata.server.backend.usage_log.UsageLog.set_callback_result`.

Like Deepgram, the delivery carries a ``dg-token`` header with the id of the API key that made
the request, so a receiver can tell its callbacks from anyone else's POSTs.

Callback URLs follow the server's outbound policy (:mod:`dgdata.server.listen.outbound`): one that
is or resolves to a loopback, private, link-local, multicast or reserved address is refused with a
400 when the request arrives (:func:`vet`), unless the server allows private URLs. Delivery checks
again (the name may resolve elsewhere by then), connects only to the checked address, follows no
redirect, and gives up at once on a refused address.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from dgdata.server.backend.calls import Call
from dgdata.server.backend.usage_log import UsageLog
from dgdata.server.listen import outbound

__all__ = ["ATTEMPTS", "BACKOFF", "deliver", "deliver_result", "submit", "vet"]

#: Delivery attempts in all (the first one and the retries).
ATTEMPTS = 4
#: Seconds before the first retry; doubled before each next one.
BACKOFF = 0.5
#: Seconds a receiver has to answer one delivery.
TIMEOUT = 10.0
#: Background jobs that may run at once (recognition itself is bounded by the decoder pool).
WORKERS = 4

log = logging.getLogger(__name__)
_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None


def submit(job: Callable[[], Any]) -> Future[Any]:
    """Run ``job`` on the background pool; its exceptions are logged, never lost silently."""
    global _executor
    with _lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(WORKERS, thread_name_prefix="dgdata-callback")
        executor = _executor

    def run() -> Any:
        try:
            return job()
        except Exception:
            log.exception("a background request failed")
            return None

    return executor.submit(run)


async def vet(url: str, *, allow_private: bool) -> None:
    """400 now unless the callback URL's host resolves to addresses the server may send to
    (``allow_private``: the server's ``allow_private_urls``); connects nowhere."""
    await outbound.vet("callback", url, outbound.OutboundPolicy(allow_private))


def _send(method: str, url: str, body: bytes, headers: dict[str, str], allow_private: bool) -> int:
    """One delivery attempt: the receiver's status code (no redirect followed)."""
    policy = outbound.OutboundPolicy(allow_private)
    with outbound.open_url(
        method, url, policy=policy, timeout=(TIMEOUT, TIMEOUT), headers=headers, body=body
    ) as response:
        return response.status


def deliver(
    usage: UsageLog,
    request_id: str,
    url: str,
    *,
    method: str = "POST",
    body: bytes,
    content_type: str,
    api_key_id: str | None = None,
    allow_private: bool = False,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[int, int]:
    """Send ``body`` to ``url``, retrying; returns ``(last status, attempts)`` and stores them
    on the request in ``usage`` (the server's backend). Blocking: runs on the background pool.

    The status is 0 when the receiver never answered (refused, timed out), or when the URL now
    points where the server may not send (no retry then: the answer would not change).
    """
    headers = {"Content-Type": content_type, "dg-request-id": request_id}
    if api_key_id:
        headers["dg-token"] = api_key_id
    code, attempts, delay = 0, 0, BACKOFF
    for attempt in range(1, ATTEMPTS + 1):
        attempts = attempt
        try:
            code = _send(method, url, body, headers, allow_private)
        except (outbound.RefusedAddress, outbound.BadURL) as exc:
            code = 0
            log.warning("callback %s for %s refused: %s", url, request_id, exc)
            break
        except outbound.NO_ANSWER as exc:
            code = 0
            log.info("callback %s for %s failed: %s", url, request_id, exc)
        if 200 <= code < 300:
            break
        if attempt < ATTEMPTS:
            sleep(delay)
            delay *= 2
    try:
        usage.set_callback_result(request_id, code, attempts)
    except Exception:  # the store may be closed if the server stopped meanwhile
        log.warning("could not store the callback result of %s", request_id, exc_info=True)
    if not 200 <= code < 300:
        log.warning(
            "callback for request %s to %s failed after %d attempts (last status %s)",
            request_id,
            url,
            attempts,
            code or "none",
        )
    return code, attempts


def deliver_result(
    call: Call,
    url: str,
    body: bytes,
    *,
    method: str,
    allow_private: bool,
    content_type: str = "application/json",
) -> tuple[int, int]:
    """Deliver a call's result (or error body) to its callback URL: :func:`deliver` with the
    call's request id, key and usage log (``allow_private``: the server's
    ``allow_private_urls``)."""
    return deliver(
        call.usage,
        call.request_id,
        url,
        method=method,
        body=body,
        content_type=content_type,
        api_key_id=call.principal.api_key_id,
        allow_private=allow_private,
    )
