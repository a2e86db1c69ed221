"""One file of a batch: check it, look in the cache, send it, retry what is worth retrying.

Everything here runs inside a worker (a thread of the batch's pool, or a process of any
``concurrent.futures.Executor``, a Dask cluster's included), so it is made of picklable parts:
a module-level function, a :class:`RateLimiter` that finds its process's shared instance again
when unpickled, and an :class:`Outcome` that never raises.

Retries are the batch's, not the client's: the batch sends with ``max_retries=0`` so that a 429
pauses *every* worker (:class:`RateLimiter`) instead of each worker sleeping on its own and the
others carrying on into the same limit. How long to wait is the client's one policy all the same
(:class:`dgdata._retry.RetryPolicy`), with the batch's own limits (:class:`BatchJob`).
"""

from __future__ import annotations

import logging
import random
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dgdata import errors
from dgdata._retry import PROCESS_OBJECTS, RetryPolicy
from dgdata._sources import AUDIO_EXTENSIONS, sniff_mimetype
from dgdata.batch.cache import TranscriptCache, file_sha256
from dgdata.transcript import Transcript

__all__ = ["BatchJob", "Outcome", "RateLimiter", "audio_sha256", "transcribe_one"]

logger = logging.getLogger(__name__)

#: the first back-off after a server error or a dropped connection, and the longest one
BACKOFF_BASE = 0.5
BACKOFF_CAP = 8.0
#: the pause after a 429 that came without ``Retry-After``
DEFAULT_RATE_LIMIT_PAUSE = 2.0
#: after a pause, each worker waits up to this much more, so they do not return in lockstep
RESUME_SPREAD = 0.25


class RateLimiter:
    """One pause shared by a batch's workers: after a 429 everyone waits until it is over.

    Pickling keeps the sharing within a process: every copy of one limiter that arrives in a
    worker process (a Dask worker, a process pool) resolves to that process's single instance
    (:data:`dgdata._retry.PROCESS_OBJECTS`). Across processes each has its own pause, and each
    meets the 429 itself.
    """

    def __init__(
        self, clock: Callable[[], float] = time.monotonic, *, token: str | None = None
    ) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._until = 0.0
        self.token = token or uuid.uuid4().hex
        PROCESS_OBJECTS.instance(self.token, lambda: self)  # copies unpickled here find it

    def pause(self, seconds: float) -> None:
        """Hold every worker for ``seconds`` from now (a longer pause already set wins)."""
        with self._lock:
            self._until = max(self._until, self._clock() + max(seconds, 0.0))

    def remaining(self) -> float:
        """Seconds left in the current pause."""
        with self._lock:
            return max(self._until - self._clock(), 0.0)

    def wait(self) -> None:
        """Block until no pause is in force (then a little more, so workers come back spread)."""
        paused = False
        while (left := self.remaining()) > 0:
            paused = True
            time.sleep(min(left, 0.5))
        if paused:
            time.sleep(random.uniform(0, RESUME_SPREAD))

    def __reduce__(self) -> tuple[Any, ...]:
        return (_limiter_for, (self.token,))

    def __repr__(self) -> str:
        return f"<RateLimiter paused for {self.remaining():.2f}s>"


def _limiter_for(token: str) -> RateLimiter:
    """This process's instance of the limiter ``token`` (made on the first copy to arrive)."""
    return PROCESS_OBJECTS.instance(token, lambda: RateLimiter(token=token))


@dataclass
class Outcome:
    """What became of one file: a transcript, or an error with everything known about it."""

    path: str
    sha256: str | None = None
    transcript: dict[str, Any] | None = None
    cached: bool = False
    attempts: int = 0
    error_type: str | None = None
    error: str | None = None
    status: int | None = None
    request_id: str | None = None
    err_code: str | None = None

    def fail(self, exc: BaseException) -> Outcome:
        """Record ``exc`` as this file's error (class, message, status, request id)."""
        self.error_type, self.error = type(exc).__name__, str(exc)
        self.status = getattr(exc, "status", None)
        self.request_id = getattr(exc, "request_id", None)
        self.err_code = getattr(exc, "err_code", None)
        return self

    @property
    def duration(self) -> float:
        """Seconds of audio transcribed (0 for a failure)."""
        return float((self.transcript or {}).get("metadata", {}).get("duration") or 0.0)

    def row(self) -> dict[str, Any]:
        """The file's row of :attr:`BatchResult.transcripts <dgdata.batch.BatchResult>`."""
        response = self.transcript or {}
        metadata = response.get("metadata", {})
        # the best alternative of every channel (a multichannel call has one per channel)
        best = [
            (channel.get("alternatives") or [{}])[0]
            for channel in response.get("results", {}).get("channels") or []
        ]
        done = self.transcript is not None
        scores = [b["confidence"] for b in best if isinstance(b.get("confidence"), (int, float))]
        return {
            "path": self.path,
            "sha256": self.sha256,
            "duration": metadata.get("duration"),
            "channels": metadata.get("channels"),
            "request_id": metadata.get("request_id") if done else self.request_id,
            "text": Transcript(response).text if done else None,
            "confidence": sum(scores) / len(scores) if done and scores else None,
            "words": sum(len(b.get("words") or []) for b in best) if done else None,
            "cached": self.cached,
            "attempts": self.attempts,
            "error_type": self.error_type,
            "error": self.error,
            "err_code": self.err_code,
            "status": self.status,
        }


#: formats with no header to recognise: for them the extension is all there is to go on
HEADERLESS_EXTENSIONS = frozenset(
    {".raw", ".pcm", ".l16", ".s16", ".ulaw", ".mulaw", ".ul", ".alaw", ".al", ".g711"}
)


def audio_sha256(path: Path) -> str:
    """The SHA-256 of a recording; ``OSError`` / ``ValueError`` for what is certainly not one.

    A file is taken when its first bytes look like audio (WAV, MP3, AAC, FLAC, Ogg, WebM, MP4,
    AMR, AIFF), or, for headerless formats (raw PCM, mu-law, A-law), by its extension alone. The
    file is opened once for both the check and the hash.
    """
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file (moved or deleted since it was listed?)")
    if not path.is_file():
        raise IsADirectoryError(f"{path}: not a file")
    with open(path, "rb") as handle:
        head = handle.read(64)
        if not head:
            raise ValueError(f"{path}: the file is empty; nothing to transcribe")
        if sniff_mimetype(head) is None and path.suffix.lower() not in HEADERLESS_EXTENSIONS:
            named = path.suffix.lower() in AUDIO_EXTENSIONS
            raise ValueError(
                f"{path}: not a recording Deepgram can read ("
                + (f"named {path.suffix} but its content is not" if named else "unknown content")
                + "); headerless audio needs an extension such as .ulaw or .pcm"
            )
        handle.seek(0)
        return file_sha256(handle)


@dataclass(frozen=True)
class BatchJob:
    """What every file of one batch shares (picklable: it travels to worker processes)."""

    options: Mapping[str, Any]
    cache: TranscriptCache | None
    limiter: RateLimiter
    #: tries per file for server errors, 408s and dropped connections
    attempts: int = 8
    #: whose transcripts these are (:func:`~dgdata.batch.cache.cache_scope`)
    scope: str = ""
    #: 429s a file may meet (they do not use up ``attempts``), and the longest pause accepted
    rate_limited: int = 20
    max_pause: float = 300.0

    def retry_policy(self) -> RetryPolicy:
        """Server errors, 408s and dropped connections: ``attempts`` tries in all, backing off."""
        return RetryPolicy(
            max_retries=self.attempts - 1, backoff_base=BACKOFF_BASE, backoff_cap=BACKOFF_CAP
        )

    def rate_limit_policy(self) -> RetryPolicy:
        """429s: ``rate_limited`` pauses at most, each its ``Retry-After`` up to ``max_pause``."""
        return RetryPolicy(max_retries=self.rate_limited, max_retry_after=self.max_pause)


def transcribe_one(dg: Any, path: Path, job: BatchJob) -> Outcome:
    """Transcribe one file (or take it from the cache). Never raises: failures are outcomes."""
    outcome = Outcome(str(path))
    try:
        outcome.sha256 = audio_sha256(path)
    except (OSError, ValueError) as exc:
        return outcome.fail(exc)
    key = TranscriptCache.key(outcome.sha256, job.options, job.scope)
    if job.cache is not None and (stored := job.cache.get(key)) is not None:
        outcome.transcript, outcome.cached = stored, True
        return outcome
    try:
        outcome.transcript = _send_with_retries(dg, path, job, outcome)
    except Exception as exc:  # every failure becomes the file's error row, never a crash
        if not isinstance(exc, (errors.DeepgramError, OSError, ValueError)):
            logger.exception("unexpected error transcribing %s", path)
        return outcome.fail(exc)
    if job.cache is not None:
        try:
            job.cache.put(key, outcome.transcript)
        except OSError as exc:  # the transcript is paid for: keep it, say the cache failed
            logger.warning("%s: transcribed, but not cached (%s)", path, exc)
    return outcome


def _send_with_retries(dg: Any, path: Path, job: BatchJob, outcome: Outcome) -> dict[str, Any]:
    retry, rate_limit = job.retry_policy(), job.rate_limit_policy()
    failures = limited = 0
    while True:
        outcome.attempts += 1
        job.limiter.wait()
        try:
            return dict(dg.transcription.prerecorded(path, dict(job.options)))
        except errors.RateLimitError as exc:
            asked = exc.retry_after if exc.retry_after is not None else DEFAULT_RATE_LIMIT_PAUSE
            pause = rate_limit.delay(limited, asked)
            limited += 1
            if pause is None:  # too many 429s, or a Retry-After longer than max_pause
                raise
            logger.warning("%s: rate limited; pausing the whole batch for %.2fs", path, pause)
            job.limiter.pause(pause)
        except (errors.DeepgramApiError, errors.DeepgramConnectionError) as exc:
            # 5xx, 408 and dropped connections are worth another go; 4xx and upload read
            # timeouts (the audio may already be billed) are not.
            delay = retry.delay(failures) if getattr(exc, "retryable", False) else None
            failures += 1
            if delay is None:
                raise
            logger.warning("%s: %s; retry in %.2fs", path, exc, delay)
            time.sleep(delay)
