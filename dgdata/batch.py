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
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from dgdata._batch_cache import TranscriptCache
from dgdata._batch_worker import Outcome, RateLimiter, transcribe_one

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
    "err_code": "string",
    "status": "Int64",
}


@dataclass
class BatchResult:
    """What a batch gave: one row per file, and the transcripts behind them."""

    transcripts: pd.DataFrame
    responses: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)
    #: the folder the paths are under (set by :func:`transcribe_folder`); writers of one file
    #: per recording mirror the layout below it
    root: Path | None = None

    @property
    def errors(self) -> pd.DataFrame:
        """The rows of files that failed."""
        return self.transcripts[self.transcripts["error"].notna()].reset_index(drop=True)

    @property
    def words(self) -> pd.DataFrame:
        """Every word of every transcript, with a ``source`` column (the file's path)."""
        return self._table("words")

    @property
    def utterances(self) -> pd.DataFrame:
        """Every utterance (with ``utterances=true``), with a ``source`` column."""
        return self._table("utterances")

    def _table(self, name: str) -> pd.DataFrame:
        from dgdata import frames

        if self.responses:
            table: pd.DataFrame = getattr(frames, name)(self.responses)
            return table
        # nothing transcribed: the same columns and dtypes, no rows
        empty = frames.SCHEMAS[name].empty()
        empty.insert(0, "source", pd.array([], dtype="string"))
        return empty

    # Writers: the work is in dgdata._batch_writers; these are the documented entry points.

    def to_parquet(self, directory: str | os.PathLike[str], **options: Any) -> Path:
        """Write ``transcripts/``, ``words/`` and ``utterances/`` as partitioned Parquet."""
        from dgdata import _batch_writers

        return _batch_writers.to_parquet(self, directory, **options)

    def to_csv(self, path: str | os.PathLike[str], **options: Any) -> Path:
        """Write the transcripts table (or ``table="words"`` …) as CSV."""
        from dgdata import _batch_writers

        return _batch_writers.to_csv(self, path, **options)

    def to_jsonl(self, path: str | os.PathLike[str], **options: Any) -> Path:
        """Write one JSON line per file: its row and, by default, the whole response."""
        from dgdata import _batch_writers

        return _batch_writers.to_jsonl(self, path, **options)

    def to_srt(self, directory: str | os.PathLike[str], **options: Any) -> list[Path]:
        """Write one ``.srt`` caption file per transcribed recording."""
        from dgdata import _batch_writers

        return _batch_writers.to_captions(self, directory, "srt", **options)

    def to_webvtt(self, directory: str | os.PathLike[str], **options: Any) -> list[Path]:
        """Write one ``.vtt`` caption file per transcribed recording."""
        from dgdata import _batch_writers

        return _batch_writers.to_captions(self, directory, "vtt", **options)

    def __repr__(self) -> str:
        done = int(self.transcripts["error"].isna().sum())
        return f"<BatchResult {done} transcribed, {len(self.errors)} failed>"


def transcribe_many(
    dg: Any,
    sources: Iterable[str | os.PathLike[str]],
    options: Mapping[str, Any] | None = None,
    *,
    concurrency: int = 8,
    cache_dir: str | os.PathLike[str] | None = DEFAULT,
    progress: bool = True,
    executor: Executor | None = None,
    attempts: int = 6,
) -> BatchResult:
    """Transcribe recordings concurrently; every file gives a row, failures included.

    Args:
        dg: a :class:`dgdata.Deepgram` client (local server, cloud or self-hosted).
        sources: paths of recordings; a path given twice is sent once.
        options: ``/v1/listen`` options for every file (``{"model": "nova-3", ...}``).
        concurrency: files in flight at once with the default thread pool.
        cache_dir: where finished transcripts are kept (default :func:`default_cache_dir`;
            ``None`` for no cache), so a rerun sends only what is not done.
        progress: a ``tqdm`` bar (files, failures, audio hours, ETA); a widget in notebooks.
        executor: any ``concurrent.futures.Executor`` to run the files on instead of the thread
            pool, e.g. a Dask cluster's ``client.get_executor()``. It is left open.
        attempts: tries per file. A 429 pauses the whole batch for its ``Retry-After``; server
            errors, 408s and dropped connections back off and try again; other errors do not.

    Returns:
        a :class:`BatchResult`, rows in the order of ``sources``.
    """
    paths = list(dict.fromkeys(Path(source) for source in sources))
    cache = (
        None
        if cache_dir is None
        else TranscriptCache(default_cache_dir() if cache_dir is DEFAULT else cache_dir)
    )
    # The batch does its own retrying (with one pause for every worker), so the client must not.
    sender = dg.with_options(max_retries=0) if hasattr(dg, "with_options") else dg
    limiter = RateLimiter()
    chosen = dict(options or {})
    pool = executor or ThreadPoolExecutor(max(int(concurrency), 1), "dgdata-batch")
    futures: dict[Future[Outcome], int] = {}
    results: list[Outcome | None] = [None] * len(paths)
    bar = _progress(len(paths), progress)
    try:
        for index, path in enumerate(paths):
            future = pool.submit(transcribe_one, sender, path, chosen, cache, limiter, attempts)
            futures[future] = index
        failed = cached = 0
        hours = 0.0
        for future in as_completed(futures):
            outcome = future.result()
            results[futures[future]] = outcome
            failed += outcome.error is not None
            cached += outcome.cached
            hours += outcome.duration / 3600
            if bar is not None:
                bar.set_postfix(
                    failed=failed, cached=cached, audio_hours=f"{hours:.2f}", refresh=False
                )
                bar.update(1)
    except BaseException:
        for future in futures:  # interrupted: drop the files not started yet
            future.cancel()
        raise
    finally:
        if bar is not None:
            bar.close()
        if executor is None:
            pool.shutdown(wait=True, cancel_futures=True)
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
    result = transcribe_many(dg, files, options, **settings)
    result.root = root
    return result


def _progress(total: int, enabled: bool) -> Any:
    if not enabled:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="file", desc="transcribing")
