"""Batch transcription: a folder (or any list) of recordings in, tidy DataFrames out.

:func:`transcribe_folder` and :func:`transcribe_many` send recordings concurrently, keep every
finished transcript in a :class:`~dgdata._batch_cache.TranscriptCache` (so a rerun, even after
``kill -9``, skips what is done), turn bad files into error rows instead of exceptions, and share
one rate limiter across workers: a 429 pauses the whole batch, not one worker.

>>> result = dgdata.transcribe_folder(dg, "calls/", options={"smart_format": True})
>>> result.transcripts        # one row per file: text, duration, confidence, error ...
>>> result.words              # every word of every file, with a ``source`` column
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from dgdata import errors
from dgdata._batch_cache import TranscriptCache, file_sha256
from dgdata._sources import AUDIO_EXTENSIONS, sniff_mimetype

__all__ = [
    "BatchResult",
    "RateLimiter",
    "default_cache_dir",
    "transcribe_folder",
    "transcribe_many",
]

#: ``cache_dir`` default: the user's cache folder (``$XDG_CACHE_HOME/dgdata/transcripts``).
DEFAULT: Any = object()


def default_cache_dir() -> Path:
    """Where transcripts are cached unless told otherwise."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "dgdata" / "transcripts"


class RateLimiter:
    """One pause shared by a batch's workers: after a 429 everyone waits until it is over."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._until = 0.0

    def pause(self, seconds: float) -> None:
        """Hold every worker for ``seconds`` from now (a longer pause already set wins)."""
        with self._lock:
            self._until = max(self._until, self._clock() + max(seconds, 0.0))

    def remaining(self) -> float:
        """Seconds left in the current pause."""
        with self._lock:
            return max(self._until - self._clock(), 0.0)

    def wait(self) -> None:
        """Block until no pause is in force."""
        while (left := self.remaining()) > 0:
            time.sleep(min(left, 0.5))


COLUMNS = {
    "path": "string",
    "sha256": "string",
    "duration": "Float64",
    "channels": "Int64",
    "request_id": "string",
    "text": "string",
    "confidence": "Float64",
    "words": "Int64",
    "cached": "boolean",
    "attempts": "Int64",
    "error_type": "string",
    "error": "string",
    "status": "Int64",
}


@dataclass
class _Outcome:
    path: str
    sha256: str | None = None
    transcript: dict[str, Any] | None = None
    cached: bool = False
    attempts: int = 0
    error_type: str | None = None
    error: str | None = None
    status: int | None = None

    def row(self) -> dict[str, Any]:
        metadata = (self.transcript or {}).get("metadata", {})
        channels = (self.transcript or {}).get("results", {}).get("channels") or [{}]
        best = (channels[0].get("alternatives") or [{}])[0]
        return {
            "path": self.path,
            "sha256": self.sha256,
            "duration": metadata.get("duration"),
            "channels": metadata.get("channels"),
            "request_id": metadata.get("request_id"),
            "text": best.get("transcript") if self.transcript else None,
            "confidence": best.get("confidence") if self.transcript else None,
            "words": len(best.get("words") or []) if self.transcript else None,
            "cached": self.cached,
            "attempts": self.attempts,
            "error_type": self.error_type,
            "error": self.error,
            "status": self.status,
        }


@dataclass
class BatchResult:
    """What a batch gave: one row per file, and the transcripts behind them."""

    transcripts: pd.DataFrame
    responses: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)

    @property
    def errors(self) -> pd.DataFrame:
        """The rows of files that failed."""
        return self.transcripts[self.transcripts["error"].notna()].reset_index(drop=True)

    @property
    def words(self) -> pd.DataFrame:
        """Every word of every transcript, with a ``source`` column (the file's path)."""
        from dgdata import frames

        return frames.words(self.responses)

    @property
    def utterances(self) -> pd.DataFrame:
        """Every utterance (with ``utterances=true``), with a ``source`` column."""
        from dgdata import frames

        return frames.utterances(self.responses)

    def __repr__(self) -> str:
        done = int(self.transcripts["error"].isna().sum())
        return f"<BatchResult {done} transcribed, {len(self.errors)} failed>"


def _check_audio(path: Path) -> None:
    """Raise ValueError/OSError for what is certainly not a recording."""
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file")
    if not path.is_file():
        raise IsADirectoryError(f"{path}: not a file")
    with open(path, "rb") as handle:
        head = handle.read(64)
    if not head:
        raise ValueError(f"{path}: the file is empty")
    if sniff_mimetype(head) is None and path.suffix.lower() not in AUDIO_EXTENSIONS:
        raise ValueError(
            f"{path}: not a recording Deepgram can read (unknown content and extension)"
        )


def _transcribe_one(
    dg: Any,
    path: Path,
    options: Mapping[str, Any],
    cache: TranscriptCache | None,
    limiter: RateLimiter,
    attempts: int,
) -> _Outcome:
    outcome = _Outcome(str(path))
    try:
        _check_audio(path)
        outcome.sha256 = file_sha256(path)
    except (OSError, ValueError) as exc:
        outcome.error_type, outcome.error = type(exc).__name__, str(exc)
        return outcome
    key = TranscriptCache.key(outcome.sha256, options)
    if cache is not None and (stored := cache.get(key)) is not None:
        outcome.transcript, outcome.cached = stored, True
        return outcome
    for attempt in range(1, attempts + 1):
        outcome.attempts = attempt
        limiter.wait()
        try:
            transcript = dg.transcription.prerecorded(path, dict(options))
        except errors.RateLimitError as exc:
            limiter.pause(exc.retry_after if exc.retry_after is not None else 2.0**attempt)
            failure: errors.DeepgramError = exc
        except (
            errors.ServerError,
            errors.RequestTimeoutError,
            errors.DeepgramConnectionError,
        ) as exc:
            time.sleep(min(0.5 * 2**attempt, 8) * (1 + random.random() / 4))
            failure = exc
        except errors.DeepgramError as exc:  # 400, 401, 402 ...: retrying will not help
            failure = exc
            break
        else:
            outcome.transcript = dict(transcript)
            if cache is not None:
                cache.put(key, outcome.transcript)
            return outcome
    outcome.error_type, outcome.error = type(failure).__name__, str(failure)
    outcome.status = getattr(failure, "status", None)
    return outcome


def transcribe_many(
    dg: Any,
    sources: Iterable[str | os.PathLike[str]],
    options: Mapping[str, Any] | None = None,
    *,
    concurrency: int = 8,
    cache_dir: str | os.PathLike[str] | None = DEFAULT,
    progress: bool = True,
    executor: Executor | None = None,
    attempts: int = 4,
) -> BatchResult:
    """Transcribe recordings concurrently; every file gives a row, failures included.

    ``cache_dir`` (default :func:`default_cache_dir`; None for no cache) keeps finished
    transcripts, so a rerun sends only what is not done. ``executor`` runs the work (any
    ``concurrent.futures.Executor``); by default a thread pool of ``concurrency`` workers.
    """
    paths = [Path(source) for source in sources]
    cache = (
        None
        if cache_dir is None
        else TranscriptCache(default_cache_dir() if cache_dir is DEFAULT else cache_dir)
    )
    limiter = RateLimiter()
    chosen = dict(options or {})
    pool = executor or ThreadPoolExecutor(max(int(concurrency), 1), "dgdata-batch")
    outcomes: dict[Future[_Outcome], int] = {}
    results: list[_Outcome | None] = [None] * len(paths)
    bar = _progress(len(paths), progress)
    try:
        for index, path in enumerate(paths):
            future = pool.submit(_transcribe_one, dg, path, chosen, cache, limiter, attempts)
            outcomes[future] = index
        failed = 0
        hours = 0.0
        for future in as_completed(outcomes):
            outcome = future.result()
            results[outcomes[future]] = outcome
            failed += outcome.error is not None
            hours += float((outcome.transcript or {}).get("metadata", {}).get("duration", 0)) / 3600
            if bar is not None:
                bar.set_postfix(failed=failed, audio_hours=f"{hours:.2f}", refresh=False)
                bar.update(1)
    finally:
        if bar is not None:
            bar.close()
        if executor is None:
            pool.shutdown(wait=True)
    done = [o for o in results if o is not None]
    frame = pd.DataFrame([o.row() for o in done], columns=list(COLUMNS)).astype(COLUMNS)
    responses = {o.path: o.transcript for o in done if o.transcript is not None}
    return BatchResult(frame, responses)


def transcribe_folder(
    dg: Any,
    folder: str | os.PathLike[str],
    pattern: str = "**/*",
    options: Mapping[str, Any] | None = None,
    **settings: Any,
) -> BatchResult:
    """Transcribe every file under ``folder`` matching ``pattern`` (hidden files skipped).

    Keywords are those of :func:`transcribe_many`. Files that are not recordings become error
    rows, so nothing in the folder is silently ignored except hidden files and folders.
    """
    root = Path(folder)
    if not root.is_dir():
        raise NotADirectoryError(f"{root}: not a folder; pass the folder of recordings")
    files: Sequence[Path] = sorted(
        p
        for p in root.glob(pattern)
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)
    )
    return transcribe_many(dg, files, options, **settings)


def _progress(total: int, enabled: bool) -> Any:
    if not enabled:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="file", desc="transcribing")
