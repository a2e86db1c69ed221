"""One file of a batch: check it, look in the cache, send it, retry what is worth retrying.

Everything here runs inside a worker (a thread of the batch's pool, or a process of any
``concurrent.futures.Executor``, a Dask cluster's included), so it is made of picklable parts:
a module-level function, a :class:`RateLimiter` that finds its process's shared instance again
when unpickled, and an :class:`Outcome` that never raises.

Retries are the batch's, not the client's: the batch sends with ``max_retries=0`` so that a 429
pauses *every* worker (:class:`RateLimiter`) instead of each worker sleeping on its own and the
others carrying on into the same limit. How long to wait is the client's one policy all the same
(:class:`dgdata._retry.RetryPolicy`), with the batch's own limits (:class:`BatchJob`).

**What the batch sends again** is its own documented policy, wider than the client's (which
never re-sends a ``POST`` that may have been processed, see :mod:`dgdata._retry`): a
transcription is safe to send twice, it only costs. So a file is sent again after a 429, a 408,
a 5xx and a connection refused, reset or cut (even after the server did the work: Deepgram has
no idempotency key, and the second transcription is billed). It is not sent again after a *read
timeout*: a recording that took the whole upload timeout would most likely take it again, and be
billed twice; nor after any other 4xx.

**What is cached is what was sent.** The file is opened once: checked, hashed (for the cache
look-up) and uploaded through the same handle, and the upload is hashed again as it streams
(:class:`~dgdata.batch.cache.HashingReader`). The transcript is cached under the hash of the
bytes sent, so a file rewritten between the look-up and the upload never leaves its transcript
under the old content's hash.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import random
import stat
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from dgdata import errors
from dgdata._retry import PROCESS_OBJECTS, RetryPolicy, is_retryable_status
from dgdata._sources import AUDIO_EXTENSIONS, sniff_mimetype
from dgdata.batch.cache import HashingReader, TranscriptCache, file_sha256
from dgdata.transcript import Transcript

__all__ = [
    "BatchJob",
    "Outcome",
    "RateLimiter",
    "open_recording",
    "transcribe_one",
]

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


def open_recording(path: Path) -> tuple[BinaryIO, str]:
    """The recording at ``path``, open, and its SHA-256; ``OSError`` / ``ValueError`` for what is
    certainly not one.

    A file is taken when its first bytes look like audio (WAV, MP3, AAC, FLAC, Ogg, WebM, MP4,
    AMR, AIFF), or, for headerless formats (raw PCM, mu-law, A-law), by its extension alone.
    One open file serves the check, the hash and the upload. A path that is not a readable
    regular file raises ``OSError`` saying what it is: missing, a dangling symbolic link, a link
    that loops, a folder or another kind of file.
    """
    try:
        kind = path.stat().st_mode  # follows symbolic links
    except OSError as exc:
        raise _unreadable(path, exc) from None
    if not stat.S_ISREG(kind):
        raise IsADirectoryError(f"{path}: not a file")
    handle = open(path, "rb")  # noqa: SIM115 (returned open, closed by the caller)
    try:
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
        return handle, file_sha256(handle)
    except BaseException:
        handle.close()
        raise


def _unreadable(path: Path, exc: OSError) -> OSError:
    """The error for a path whose file cannot be reached, saying why in the file's terms."""
    target = None
    with contextlib.suppress(OSError):
        target = os.readlink(path)
    if exc.errno == errno.ELOOP:
        return OSError(
            errno.ELOOP,
            f"{path}: a symbolic link that loops (it leads back to itself through {target!r}); "
            "point it at a recording or remove it",
        )
    if target is not None:
        return FileNotFoundError(
            errno.ENOENT,
            f"{path}: a dangling symbolic link: its target {target!r} does not exist",
        )
    if isinstance(exc, FileNotFoundError):
        return FileNotFoundError(
            errno.ENOENT, f"{path}: no such file (moved or deleted since it was listed?)"
        )
    return exc


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
        handle, outcome.sha256 = open_recording(path)
    except (OSError, ValueError) as exc:
        return outcome.fail(exc)
    with handle:
        key = TranscriptCache.key(outcome.sha256, job.options, job.scope)
        if job.cache is not None and (stored := job.cache.get(key)) is not None:
            outcome.transcript, outcome.cached = stored, True
            return outcome
        reader = HashingReader(handle, name=str(path))
        try:
            outcome.transcript = _send_with_retries(dg, reader, job, outcome)
        except Exception as exc:  # every failure becomes the file's error row, never a crash
            if not isinstance(exc, (errors.DeepgramError, OSError, ValueError)):
                logger.exception("unexpected error transcribing %s", path)
            return outcome.fail(exc)
    _cache_what_was_sent(job, outcome, reader.hexdigest())
    return outcome


def _cache_what_was_sent(job: BatchJob, outcome: Outcome, sent: str | None) -> None:
    """Cache the transcript under the hash of the bytes sent (the row's ``sha256`` becomes it)."""
    if sent is None:  # the upload did not read the file whole: what was sent is unknown
        logger.warning(
            "%s: transcribed, but not cached (the upload was not read whole)", outcome.path
        )
        return
    if sent != outcome.sha256:
        logger.warning(
            "%s: the file changed while it was being sent; the transcript is of the bytes sent "
            "(sha256 %s), and is cached under their hash",
            outcome.path,
            sent,
        )
        outcome.sha256 = sent
    if job.cache is None or outcome.transcript is None:
        return
    try:
        job.cache.put(TranscriptCache.key(sent, job.options, job.scope), outcome.transcript)
    except OSError as exc:  # the transcript is paid for: keep it, say the cache failed
        logger.warning("%s: transcribed, but not cached (%s)", outcome.path, exc)


def _worth_sending_again(exc: Exception) -> bool:
    """The batch's rule for a failed transcription (see the module docstring).

    Wider than the client's: a dropped connection is sent again even though the server may have
    transcribed the file (that costs, it corrupts nothing); a read timeout is not.
    """
    if isinstance(exc, errors.DeepgramTimeoutError):
        # a connect timeout stays retryable for the client too; a read timeout never is
        return bool(exc.retryable)
    if isinstance(exc, errors.DeepgramConnectionError):
        return True
    return isinstance(exc, errors.DeepgramApiError) and is_retryable_status(exc.status)


def _send_with_retries(
    dg: Any, reader: HashingReader, job: BatchJob, outcome: Outcome
) -> dict[str, Any]:
    retry, rate_limit = job.retry_policy(), job.rate_limit_policy()
    failures = limited = 0
    while True:
        outcome.attempts += 1
        job.limiter.wait()
        reader.seek(0)  # every attempt sends (and hashes) the file from its start
        try:
            return dict(dg.transcription.prerecorded(reader, dict(job.options)))
        except errors.RateLimitError as exc:
            asked = exc.retry_after if exc.retry_after is not None else DEFAULT_RATE_LIMIT_PAUSE
            pause = rate_limit.delay(limited, asked)
            limited += 1
            if pause is None:  # too many 429s, or a Retry-After longer than max_pause
                raise
            logger.warning(
                "%s: rate limited; pausing the whole batch for %.2fs", outcome.path, pause
            )
            job.limiter.pause(pause)
        except (errors.DeepgramApiError, errors.DeepgramConnectionError) as exc:
            # 5xx, 408 and dropped connections are worth another go; 4xx and upload read
            # timeouts (a long recording would time out again, and be billed twice) are not.
            delay = retry.delay(failures) if _worth_sending_again(exc) else None
            failures += 1
            if delay is None:
                raise
            logger.warning("%s: %s; retry in %.2fs", outcome.path, exc, delay)
            time.sleep(delay)
