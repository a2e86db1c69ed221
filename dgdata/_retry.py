"""The one retry policy of the client.

Retried: connection errors, and the statuses 408, 429 and 5xx. ``Retry-After`` is honoured first;
otherwise the delay is ``min(base * 2**attempt, cap)`` plus up to 25% jitter, so a burst of clients
does not come back in lockstep.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


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
        """Seconds to wait before retry number ``attempt`` (0-based), or ``None`` to give up."""
        if attempt >= self.max_retries:
            return None
        if retry_after is not None:
            return retry_after if retry_after <= self.max_retry_after else None
        computed = min(self.backoff_base * 2**attempt, self.backoff_cap)
        return computed * (1 + random.uniform(0, 0.25))
