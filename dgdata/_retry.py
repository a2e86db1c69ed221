"""The one retry policy, and the one per-process registry of shared objects.

**What is sent again** (the client's transport, :mod:`dgdata._http`). A request is re-sent only
when that cannot do its work twice:

- *Idempotent methods* (``GET``, ``HEAD``, ``OPTIONS``, ``PUT``, ``DELETE``): after a connection
  error of any kind (refused, reset, cut mid-answer, connect or read timeout) and after the
  statuses 408, 429 and 5xx. Sending them twice has the effect of sending them once.
- *Non-idempotent methods* (``POST``, ``PATCH``: creating a key, an invitation, a transcription,
  a grant): only when the request provably never reached the server or the server says it did
  not do the work:

  - a *connect* error: connection refused, a name that does not resolve, a connect timeout
    (nothing was sent);
  - *429* (with or without ``Retry-After``) and *408*: the request was turned away before it was
    processed (too many requests; the request did not arrive whole in time).

  Everything else is raised at once, not retried: a read timeout, a connection reset or cut after
  the request went out, and every other status, 5xx included (a 500, 502, 503 or 504 from the
  server or a proxy in front of it may come after the work was done: nothing says it was not).
  The error's ``retryable`` is then ``False``, and a connection error's message says the request
  *may have been processed* and what to check before sending it again (list the keys before
  creating another one; look in the usage log before transcribing again).

The batch (:mod:`dgdata.batch.worker`) sends with the client's retries off and keeps its own
documented policy for transcriptions: sending a recording again cannot corrupt anything, it only
costs, so it also re-sends after 5xx, 408 and dropped connections.

**How long to wait.** ``Retry-After`` is honoured first; otherwise the delay is
``min(base * 2**attempt, cap)`` plus up to 25% jitter, so a burst of clients does not come back
in lockstep. The transport and the batch's workers both wait what :meth:`RetryPolicy.delay` says.

:data:`PROCESS_OBJECTS` is where objects that must stay one per process after pickling (a client
and its connection pool, a batch's rate limiter) find their instance again when unpickled.
"""

from __future__ import annotations

import random
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

__all__ = [
    "IDEMPOTENT_METHODS",
    "NOT_PROCESSED_STATUSES",
    "PROCESS_OBJECTS",
    "RETRY_STATUSES",
    "ProcessRegistry",
    "RetryPolicy",
    "check_before_resending",
    "is_idempotent",
    "is_retryable_status",
    "may_resend",
    "not_retried_because",
]

RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
#: methods whose second sending has the effect of the first (RFC 9110, 9.2.2)
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})
#: statuses that say the request was turned away unprocessed, so even a POST may go again
NOT_PROCESSED_STATUSES = frozenset({408, 429})

T = TypeVar("T")


def is_retryable_status(status: int) -> bool:
    """Statuses worth another attempt: timeouts, rate limits and server errors."""
    return status in RETRY_STATUSES or 500 <= status <= 599


def is_idempotent(method: str) -> bool:
    """Whether sending ``method`` twice has the effect of sending it once."""
    return method.upper() in IDEMPOTENT_METHODS


def may_resend(method: str, *, status: int | None = None, reached_server: bool = True) -> bool:
    """Whether a failed request may be sent again without any risk of doing its work twice.

    ``status`` is the error status answered (``None`` when no answer came); ``reached_server`` is
    ``False`` only when the request provably never left (a refused connection, a name that does
    not resolve, a connect timeout). Whether the failure is worth retrying at all (a 400 is not)
    is :func:`is_retryable_status`'s and the error's ``retryable``.

    >>> may_resend("GET"), may_resend("POST"), may_resend("POST", reached_server=False)
    (True, False, True)
    >>> may_resend("POST", status=429), may_resend("POST", status=408)
    (True, True)
    >>> may_resend("POST", status=503), may_resend("PATCH", status=500)
    (False, False)
    """
    if is_idempotent(method) or not reached_server:
        return True
    return status in NOT_PROCESSED_STATUSES


#: what to look at before re-sending a non-idempotent request whose outcome is unknown
_CHECKS = (
    (r"/projects/[^/]+/keys$", "list the project's keys (dg.keys.list) before creating another"),
    (r"/projects/[^/]+/invites$", "list the invitations (dg.invitations.list) before re-sending"),
    (
        r"/v[12]/(listen|speak|read)$",
        "look for its request in the usage log (dg.usage.list_requests) before sending it again",
    ),
    (r"/auth/grant$", "a second grant is harmless: ask for a new token"),
)


def check_before_resending(path: str) -> str:
    """What to check before sending again a request to ``path`` that may have been processed.

    >>> check_before_resending("/v1/projects/p1/keys")
    "list the project's keys (dg.keys.list) before creating another"
    """
    for pattern, advice in _CHECKS:
        if re.search(pattern, path):
            return advice
    return "check whether it took effect (list what it creates or changes) before sending it again"


def not_retried_because(method: str, path: str, *, upload: bool = False) -> str:
    """The end of the message of a non-idempotent request whose answer was lost.

    >>> print(not_retried_because("POST", "/v1/projects/p1/keys"))  # doctest: +ELLIPSIS
    Not retried: POST is not idempotent and the server may have ... before creating another
    """
    if upload:
        return (
            "Not retried: the audio may already have been received and billed; "
            + check_before_resending(path)
        )
    return (
        f"Not retried: {method} is not idempotent and the server may have processed the "
        f"request before the answer was lost; {check_before_resending(path)}"
    )


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to wait between attempts.

    Attributes:
        max_retries: attempts after the first (0 disables retrying).
        backoff_base: the first delay, in seconds, when the server gives no ``Retry-After``.
        backoff_cap: the longest computed delay.
        max_retry_after: the longest ``Retry-After`` we are willing to sleep; a longer one is not
            retried but raised, so the caller (a batch, a person) decides.
    """

    max_retries: int = 2
    backoff_base: float = 0.5
    backoff_cap: float = 8.0
    max_retry_after: float = 60.0

    def delay(self, attempt: int, retry_after: float | None = None) -> float | None:
        """Seconds to wait before retry number ``attempt`` (0-based), or ``None`` to give up.

        >>> policy = RetryPolicy(max_retries=3, max_retry_after=10)
        >>> policy.delay(0, retry_after=2.0), policy.delay(0, retry_after=30.0), policy.delay(3)
        (2.0, None, None)
        >>> 0.5 <= policy.delay(0) <= 0.625 and 2.0 <= policy.delay(2) <= 2.5
        True
        """
        if attempt >= self.max_retries:
            return None
        if retry_after is not None:
            return retry_after if retry_after <= self.max_retry_after else None
        computed = min(self.backoff_base * 2**attempt, self.backoff_cap)
        return computed * (1 + random.uniform(0, 0.25))


class ProcessRegistry:
    """This process's one instance of each shared object, by token; the last ``limit`` are kept.

    An object that must stay one per process pickles to its token (and what rebuilds it), and
    its unpickling function asks :meth:`instance` for that token: every copy that reaches a
    process (a Dask worker, a process-pool worker, or the process that made it) is then that
    process's single instance. Past ``limit`` tokens the least recently used is dropped, and
    closed if it has a ``close()`` method (a client's connection pool); an object still in use
    keeps working, and a copy unpickled later gets a fresh instance.

    Example::

        >>> registry = ProcessRegistry(limit=2)
        >>> first = registry.instance("a", list)
        >>> registry.instance("a", list) is first
        True
        >>> _ = registry.instance("b", list), registry.instance("c", list)
        >>> sorted(registry.tokens())
        ['b', 'c']
    """

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("a registry keeps at least one object")
        self.limit = limit
        self._objects: OrderedDict[str, Any] = OrderedDict()
        # re-entrant: creating an object may register it itself (a rate limiter does)
        self._lock = threading.RLock()

    def instance(self, token: str, create: Callable[[], T]) -> T:
        """The object registered as ``token``; ``create()`` makes it the first time."""
        dropped: list[Any] = []
        with self._lock:
            found = self._objects.get(token)
            if found is None:
                found = self._objects.setdefault(token, create())
            self._objects.move_to_end(token)
            while len(self._objects) > self.limit:
                dropped.append(self._objects.popitem(last=False)[1])
        for old in dropped:  # outside the lock: closing may wait on sockets
            close = getattr(old, "close", None)
            if callable(close):
                close()
        return found

    def tokens(self) -> list[str]:
        """The registered tokens, least recently used first."""
        with self._lock:
            return list(self._objects)

    def __len__(self) -> int:
        with self._lock:
            return len(self._objects)


#: Clients unpickled in this process and the rate limiters of the batches run here.
PROCESS_OBJECTS = ProcessRegistry(limit=64)
