"""The HTTP transport: one pooled ``requests.Session``, auth, timeouts, retries, error mapping.

This is the only module that sends HTTP requests; resource groups describe *what* to send.
"""

from __future__ import annotations

import itertools
import logging
import platform
import time
from collections.abc import Callable, Mapping
from typing import Any

import requests
import urllib3

from dgdata._config import ClientConfig, Secret
from dgdata._query import encode_query
from dgdata._retry import RetryPolicy, is_retryable_status, may_resend, not_retried_because
from dgdata._version import __version__
from dgdata.errors import (
    DeepgramApiError,
    DeepgramConnectionError,
    DeepgramError,
    DeepgramTimeoutError,
    RateLimitError,
    error_from_response,
    parse_retry_after,
)

logger = logging.getLogger(__name__)

USER_AGENT = (
    f"dgdata/{__version__} python/{platform.python_version()} requests/{requests.__version__}"
)
JSONValue = Any


#: connections kept per host: more than any batch's default concurrency, so none is thrown away
POOL_SIZE = 64
#: bytes per socket write of a streamed upload (urllib3 2 defaults to 16 KiB; 1 MiB takes half
#: the CPU time for a large recording)
UPLOAD_BLOCK = 1 << 20


class _PooledAdapter(requests.adapters.HTTPAdapter):
    """An adapter with a pool as large as a batch and large upload blocks."""

    def __init__(self) -> None:
        super().__init__(pool_connections=POOL_SIZE, pool_maxsize=POOL_SIZE)

    def init_poolmanager(self, *args: Any, **pool_kwargs: Any) -> None:
        if int(urllib3.__version__.split(".")[0]) >= 2:
            pool_kwargs.setdefault("blocksize", UPLOAD_BLOCK)
        super().init_poolmanager(*args, **pool_kwargs)


def pooled_session() -> requests.Session:
    """The session a client makes when none is given: pooled for concurrent batches.

    It says dgdata's User-Agent for whatever else is sent with it; it never holds a key.
    """
    session = requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    for prefix in ("http://", "https://"):
        session.mount(prefix, _PooledAdapter())
    return session


class CredentialAuth(requests.auth.AuthBase):
    """Puts ``Authorization: Token <key>`` (or ``Bearer <token>``) on each request.

    Given to each request (``auth=``), never set as ``Session.auth`` or in ``Session.headers``:
    a session may be shared by clients with other keys, and printing it never shows the
    secret. ``requests`` drops the header on a redirect to another host.
    """

    def __init__(self, scheme: str, secret: Secret) -> None:
        self.scheme = scheme
        self._secret = secret

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"{self.scheme} {self._secret.reveal()}"
        return request

    def __repr__(self) -> str:
        return f"CredentialAuth({self.scheme} ***)"


def redacted(request: requests.PreparedRequest | None) -> requests.PreparedRequest | None:
    """A copy of ``request`` whose ``Authorization`` header shows the scheme but not the secret."""
    if request is None:
        return None
    copy = request.copy()
    auth = copy.headers.get("Authorization")
    if auth:
        copy.headers["Authorization"] = auth.split(" ", 1)[0] + " ***"
    return copy


def _rewinder(data: Any) -> Callable[[], bool] | None:
    """A function that makes ``data`` ready to be sent again, or ``None`` when it cannot be.

    Bytes can always be re-sent; a seekable file is rewound to where it started; an iterator
    or a pipe cannot, so a request carrying one is never retried once it has been sent.
    """
    if data is None or isinstance(data, (bytes, bytearray, memoryview, str)):
        return lambda: True
    seek, tell = getattr(data, "seek", None), getattr(data, "tell", None)
    if seek is None or tell is None:
        return None
    try:
        start = tell()
        if hasattr(data, "seekable") and not data.seekable():
            return None
    except (OSError, ValueError):
        return None

    def rewind() -> bool:
        try:
            seek(start)
        except (OSError, ValueError):
            return False
        return True

    return rewind


class Transport:
    """Sends requests for one client: pooling, auth, timeouts, retries, errors.

    The credentials and the User-Agent go on each request (``auth=`` and ``headers=`` of
    ``Session.request``), never into the session: a session is shared (by the caller's
    clients, by :meth:`dgdata.Deepgram.with_options`), so what is written into it would be
    sent by every client using it, with the key of whichever wrote last.

    Args:
        config: the resolved client settings.
        session: a ``requests.Session`` to use, left exactly as given (headers, auth,
            adapters) and never closed by :meth:`close`: it belongs to the caller. A pooled
            session is created (and owned) otherwise.
        sleep: the function used to wait between retries (default ``time.sleep``).
    """

    def __init__(
        self,
        config: ClientConfig,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.config = config
        self.owns_session = session is None
        self.session = pooled_session() if session is None else session
        self.auth = CredentialAuth(config.scheme, config.credential)
        self.retry_policy = RetryPolicy(max_retries=config.max_retries)
        self.sleep = sleep

    def close(self) -> None:
        """Close the pooled connections of the session this transport made (not a given one)."""
        if self.owns_session:
            self.session.close()

    def url(self, path: str, *, agent: bool = False) -> str:
        base = self.config.agent_url if agent else self.config.base_url
        return base + path

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: JSONValue = None,
        data: Any = None,
        headers: Mapping[str, str] | None = None,
        upload: bool = False,
        agent: bool = False,
        stream: bool = False,
        timeout: float | tuple[float, float] | None = None,
    ) -> requests.Response:
        """Send one request, retrying what is safe to retry, and return a 2xx response.

        What is sent again is :mod:`dgdata._retry`'s rule: idempotent methods after connection
        errors, 408, 429 and 5xx; ``POST`` and ``PATCH`` only after a connect error (nothing
        was sent) or a 408 / 429 (nothing was done). ``upload`` marks the media endpoints
        (listen, speak, read): they get the long read timeout. Raises a
        :class:`~dgdata.errors.DeepgramError` subclass for anything else.
        """
        url = self.url(path, agent=agent)
        query = encode_query(params)
        timeouts = self._timeouts(upload, timeout)
        rewind = _rewinder(data)
        last_error: DeepgramError | None = None
        for attempt in itertools.count():
            if last_error is not None and (rewind is None or not rewind()):
                raise last_error  # the body cannot be sent again as it was
            started = time.monotonic()
            try:
                response = self.session.request(
                    method,
                    url,
                    params=query,
                    json=json,
                    data=data,
                    headers={"User-Agent": USER_AGENT, **(headers or {})},
                    auth=self.auth,
                    timeout=timeouts,
                    stream=stream,
                )
            except requests.RequestException as exc:
                error = self._transport_error(exc, method, path, upload, timeouts)
                delay = self._retry_delay(attempt, method, error, rewind)
                if delay is None:
                    raise error from exc
                self._wait(delay, attempt, method, path, str(error))
                last_error = error
                continue
            self._log_answer(method, path, response, time.monotonic() - started)
            if response.status_code < 400:
                return response
            api_error = error_from_response(response, redacted(response.request))
            delay = self._retry_delay(attempt, method, api_error, rewind)
            if delay is None:
                raise api_error
            response.close()
            self._wait(delay, attempt, method, path, f"HTTP {response.status_code}")
            last_error = api_error
        raise AssertionError("unreachable")  # pragma: no cover

    @staticmethod
    def _log_answer(method: str, path: str, response: requests.Response, elapsed: float) -> None:
        logger.debug(
            "%s %s -> %s in %.3fs (request %s)",
            method,
            path,
            response.status_code,
            elapsed,
            response.headers.get("dg-request-id", "-"),
        )

    def _timeouts(
        self, upload: bool, override: float | tuple[float, float] | None
    ) -> tuple[float, float]:
        if isinstance(override, tuple):
            return (float(override[0]), float(override[1]))
        t = self.config.timeouts
        if override is not None:
            return (t.connect, float(override))
        return (t.connect, t.upload_read if upload else t.read)

    def _retry_delay(
        self,
        attempt: int,
        method: str,
        error: DeepgramError,
        rewind: Callable[[], bool] | None,
    ) -> float | None:
        """Seconds to wait before sending again, or ``None`` to raise ``error`` now.

        A transport error that may have reached the server already says so (``retryable`` is
        False: :meth:`_transport_error`); an error status is checked against the method here."""
        if not getattr(error, "retryable", False):
            return None
        status = error.status if isinstance(error, DeepgramApiError) else None
        if status is not None and not is_retryable_status(status):
            return None
        if status is not None and not may_resend(method, status=status):
            assert isinstance(error, DeepgramApiError)
            error.retryable = False  # sending it again yourself is not safe either
            if self.retry_policy.max_retries:
                # a connection error says so in its message; a status is the server's words
                logger.warning(
                    "%s answered HTTP %d; not retried: %s is not idempotent and the work may "
                    "have been done",
                    method,
                    status,
                    method,
                )
            return None
        if rewind is None:  # a stream: what was read of it cannot be sent again
            return None
        retry_after = None
        if isinstance(error, RateLimitError):
            retry_after = error.retry_after
        elif isinstance(error, DeepgramApiError):
            retry_after = parse_retry_after(error.headers.get("Retry-After"))
        return self.retry_policy.delay(attempt, retry_after)

    def _wait(self, delay: float, attempt: int, method: str, path: str, reason: str) -> None:
        logger.warning(
            "%s %s failed (%s); retry %d of %d in %.2fs",
            method,
            path,
            reason,
            attempt + 1,
            self.retry_policy.max_retries,
            delay,
        )
        (self.sleep or time.sleep)(delay)

    def _transport_error(
        self,
        exc: requests.RequestException,
        method: str,
        path: str,
        upload: bool,
        timeouts: tuple[float, float],
    ) -> DeepgramError:
        """The :class:`DeepgramError` for a request that got no answer.

        A non-idempotent request that may have reached the server gets ``retryable = False``
        and a message saying that it may have been processed and what to check.
        """
        # The original exception stays chained as __cause__: make sure its request is redacted.
        if isinstance(exc.request, requests.PreparedRequest):
            exc.request = redacted(exc.request)
        where = f"{method} {self.config.base_url}{path}"
        if isinstance(exc, requests.ConnectTimeout):
            return DeepgramTimeoutError(
                f"Could not connect to {where} within {timeouts[0]:g}s: is the URL right and the "
                "server reachable?"
            )
        timed_out = isinstance(exc, requests.ReadTimeout)
        if not timed_out and not isinstance(
            exc, (requests.ConnectionError, requests.exceptions.ChunkedEncodingError)
        ):
            return DeepgramError(f"{where} could not be sent: {_reason(exc)}")
        # past connecting, a POST may have been received: say so, and that it is not retried
        lost = not may_resend(method) and (timed_out or not _connect_failure(exc))
        unsure = ". " + not_retried_because(method, path, upload=upload) if lost else ""
        if timed_out and upload:
            unsure += (
                ". For long recordings, raise the upload timeout "
                "(Deepgram(timeout=dgdata.Timeouts(upload_read=...))) or use callback="
            )
        error: DeepgramConnectionError
        if timed_out:
            error = DeepgramTimeoutError(f"No answer from {where} within {timeouts[1]:g}s{unsure}")
        else:
            error = DeepgramConnectionError(f"Connection to {where} failed: {_reason(exc)}{unsure}")
        if lost:
            error.retryable = False
        return error


def _connect_failure(exc: BaseException) -> bool:
    """Whether ``exc`` failed while connecting (refused, DNS, connect timeout): nothing sent.

    ``requests`` wraps urllib3's errors (``MaxRetryError(reason=NewConnectionError(...))``);
    the causes are followed down to the one that says where it failed.
    """
    if isinstance(exc, requests.ConnectTimeout):
        return True
    seen: set[int] = set()
    pending: list[object] = [exc]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, urllib3.exceptions.ConnectTimeoutError):  # NewConnectionError too
            return True
        if isinstance(current, BaseException):
            args = current.args[:1] if current.args else ()
            pending.extend([*args, getattr(current, "reason", None), current.__cause__])
    return False


def _reason(exc: Exception) -> str:
    """The innermost, most specific reason of a requests/urllib3 error, in one line."""
    text = str(exc)
    for inner in (getattr(exc, "args", None) or [None])[:1]:
        reason = getattr(inner, "reason", None)
        if reason is not None:
            text = str(reason)
    return " ".join(text.split())[:300]


def parse_json(response: requests.Response) -> JSONValue:
    """The JSON body of a successful response; ``{}`` when the body is empty (e.g. 204)."""
    if not response.content:
        return {}
    try:
        return response.json()
    except ValueError:
        content_type = response.headers.get("Content-Type", "?")
        snippet = " ".join(response.text[:120].split())
        raise DeepgramApiError(
            f"Expected a JSON answer but got {content_type}: {snippet!r}",
            status=response.status_code,
            request_id=response.headers.get("dg-request-id"),
            body=response.text,
            headers=response.headers,
            request=redacted(response.request),
        ) from None
