"""The one retry policy, and the one per-process registry of shared objects.

Retried: connection errors, and the statuses 408, 429 and 5xx. ``Retry-After`` is honoured first;
otherwise the delay is ``min(base * 2**attempt, cap)`` plus up to 25% jitter, so a burst of clients
does not come back in lockstep. The client's transport (:mod:`dgdata._http`) and the batch's
workers (:mod:`dgdata.batch.worker`) both wait what :meth:`RetryPolicy.delay` says.

:data:`PROCESS_OBJECTS` is where objects that must stay one per process after pickling (a client
and its connection pool, a batch's rate limiter) find their instance again when unpickled.
"""

from __future__ import annotations

import random
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

__all__ = [
    "PROCESS_OBJECTS",
    "RETRY_STATUSES",
    "ProcessRegistry",
    "RetryPolicy",
    "is_retryable_status",
]

RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})

T = TypeVar("T")


def is_retryable_status(status: int) -> bool:
    """Statuses worth another attempt: timeouts, rate limits and server errors."""
    return status in RETRY_STATUSES or 500 <= status <= 599


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
