"""Batch transcription: a folder (or any list) of recordings in, tidy DataFrames out.

:func:`transcribe_folder` and :func:`transcribe_many` send recordings concurrently, keep every
finished transcript in a :class:`~dgdata.batch.cache.TranscriptCache` (so a rerun, even after
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
from typing import TYPE_CHECKING, Any, TypedDict

import pandas as pd

from dgdata.batch.cache import TranscriptCache, cache_scope
from dgdata.batch.worker import BatchJob, Outcome, RateLimiter, transcribe_one
from dgdata.frames._schema import BOOL, FLOAT, INT, STRING, Schema

if TYPE_CHECKING:  # only for the annotations (typing.Unpack is Python 3.11+)
    from typing_extensions import Unpack

__all__ = ["BatchResult", "default_cache_dir", "transcribe_folder", "transcribe_many"]

#: ``cache_dir`` default: the user's cache folder (``$XDG_CACHE_HOME/dgdata/transcripts``).
DEFAULT: Any = object()


def default_cache_dir() -> Path:
    """Where transcripts are cached unless told otherwise."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "dgdata" / "transcripts"


#: The columns of :attr:`BatchResult.transcripts`: one row per file, failures included.
TRANSCRIPTS_SCHEMA = Schema(
    "transcripts",
    {
        "path": STRING,
        "sha256": STRING,
        "duration": FLOAT,
        "channels": INT,
        "request_id": STRING,
        "text": STRING,
        "confidence": FLOAT,
        "words": INT,
        "cached": BOOL,
        "attempts": INT,
        "error_type": STRING,
        "error": STRING,
        "err_code": STRING,
        "status": INT,
    },
)


class BatchKeywords(TypedDict, total=False):
    """The keywords :func:`transcribe_folder` passes on to :func:`transcribe_many`."""

    concurrency: int
    cache_dir: str | os.PathLike[str] | None
    progress: bool
    executor: Executor | None
    attempts: int


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

    # Writers: the work is in dgdata.batch.writers; these are the documented entry points.

    def to_parquet(self, directory: str | os.PathLike[str], **options: Any) -> Path:
        """Write ``transcripts/``, ``words/`` and ``utterances/`` as partitioned Parquet."""
        from dgdata.batch import writers as _batch_writers

        return _batch_writers.to_parquet(self, directory, **options)

    def to_csv(self, path: str | os.PathLike[str], **options: Any) -> Path:
        """Write the transcripts table (or ``table="words"`` …) as CSV."""
        from dgdata.batch import writers as _batch_writers

        return _batch_writers.to_csv(self, path, **options)

    def to_jsonl(self, path: str | os.PathLike[str], **options: Any) -> Path:
        """Write one JSON line per file: its row and, by default, the whole response."""
        from dgdata.batch import writers as _batch_writers

        return _batch_writers.to_jsonl(self, path, **options)

    def to_srt(self, directory: str | os.PathLike[str], **options: Any) -> list[Path]:
        """Write one ``.srt`` caption file per transcribed recording."""
        from dgdata.batch import writers as _batch_writers

        return _batch_writers.to_captions(self, directory, "srt", **options)

    def to_webvtt(self, directory: str | os.PathLike[str], **options: Any) -> list[Path]:
        """Write one ``.vtt`` caption file per transcribed recording."""
        from dgdata.batch import writers as _batch_writers

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
    attempts: int = 8,
) -> BatchResult:
    """Transcribe recordings concurrently; every file gives a row, failures included.

    Args:
        dg: a :class:`dgdata.Deepgram` client (local server, cloud or self-hosted).
        sources: paths of recordings (a list, not one path); a path given twice is sent once.
        options: ``/v1/listen`` options for every file (``{"model": "nova-3", ...}``).
        concurrency: files in flight at once with the default thread pool.
        cache_dir: where finished transcripts are kept (default :func:`default_cache_dir`;
            ``None`` for no cache), so a rerun sends only what is not done. Entries are kept
            per endpoint and API key: another server or account never gets them.
        progress: a ``tqdm`` bar (files, failures, audio hours, ETA); a widget in notebooks.
        executor: any ``concurrent.futures.Executor`` to run the files on instead of the thread
            pool, e.g. a Dask cluster's ``client.get_executor()``. It is left open.
        attempts: tries per file after server errors, 408s and dropped connections (with
            back-off). A 429 pauses the whole batch for its ``Retry-After`` and does not use up
            an attempt; other errors are not retried.

    Returns:
        a :class:`BatchResult`, rows in the order of ``sources``.
    """
    paths = _paths(sources)
    job = BatchJob(
        options=_options(options),
        cache=None if cache_dir is None else TranscriptCache(_cache_folder(cache_dir)),
        limiter=RateLimiter(),
        attempts=_positive("attempts", attempts),
        scope=_scope(dg),
    )
    # The batch does its own retrying (with one pause for every worker), so the client must not.
    sender = dg.with_options(max_retries=0) if hasattr(dg, "with_options") else dg
    pool = executor or ThreadPoolExecutor(_positive("concurrency", concurrency), "dgdata-batch")
    bar = _progress(len(paths), progress)
    interrupted = False
    try:
        futures = {
            pool.submit(transcribe_one, sender, path, job): i for i, path in enumerate(paths)
        }
        outcomes = _collect(futures, paths, bar)
    except BaseException:
        interrupted = True
        raise
    finally:
        if bar is not None:
            bar.close()
        if executor is None:  # interrupted: do not wait for uploads in flight
            pool.shutdown(wait=not interrupted, cancel_futures=True)
    frame = TRANSCRIPTS_SCHEMA.from_records([outcome.row() for outcome in outcomes])
    responses = {o.path: o.transcript for o in outcomes if o.transcript is not None}
    return BatchResult(frame, responses)


def _collect(futures: dict[Future[Outcome], int], paths: list[Path], bar: Any) -> list[Outcome]:
    """Each file's outcome as it finishes, in the order of ``paths``; a lost task is an error."""
    results: list[Outcome | None] = [None] * len(paths)
    failed = cached = 0
    hours = 0.0
    try:
        for future in as_completed(futures):
            index = futures[future]
            try:
                outcome = future.result()
            except Exception as exc:  # the executor lost the task (a Dask worker died, ...)
                outcome = Outcome(str(paths[index])).fail(exc)
            results[index] = outcome
            failed += outcome.error is not None
            cached += outcome.cached
            hours += outcome.duration / 3600
            if bar is not None:
                bar.set_postfix(failed=failed, cached=cached, audio_hours=f"{hours:.2f}")
                bar.update(1)
    except BaseException:
        for future in futures:  # interrupted: drop the files not started yet
            future.cancel()
        raise
    return [o for o in results if o is not None]


def _paths(sources: Iterable[str | os.PathLike[str]]) -> list[Path]:
    if isinstance(sources, (str, bytes, os.PathLike)):
        raise TypeError(
            f"sources must be a list of recordings, not one path ({sources!r}); "
            "for every recording of a folder use transcribe_folder(dg, folder)"
        )
    return list(dict.fromkeys(Path(source) for source in sources))


def _options(options: Mapping[str, Any] | None) -> dict[str, Any]:
    if options is None:
        return {}
    if not isinstance(options, Mapping):
        raise TypeError(
            f"options must be a dict of /v1/listen options such as {{'smart_format': True}}, "
            f"not {type(options).__name__}"
        )
    return dict(options)


def _positive(name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a whole number of at least 1, not {value!r}")
    return value


def _cache_folder(cache_dir: str | os.PathLike[str]) -> Path:
    folder = default_cache_dir() if cache_dir is DEFAULT else Path(cache_dir)
    if folder.exists() and not folder.is_dir():
        raise NotADirectoryError(f"cache_dir {folder} is a file; pass a folder (or None)")
    return folder


def _scope(dg: Any) -> str:
    config = getattr(dg, "config", None)
    if config is None:  # not a dgdata client: no way to tell accounts apart
        return ""
    return cache_scope(config.base_url, config.scheme, config.credential.reveal())


def transcribe_folder(
    dg: Any,
    folder: str | os.PathLike[str],
    pattern: str = "**/*",
    options: Mapping[str, Any] | None = None,
    **keywords: Unpack[BatchKeywords],
) -> BatchResult:
    """Transcribe every file under ``folder`` matching ``pattern`` (hidden files skipped).

    The keywords are those of :func:`transcribe_many`: ``concurrency``, ``cache_dir``,
    ``progress``, ``executor`` and ``attempts``, with the same defaults. Files that are not
    recordings, and symbolic links that dangle or loop, become error rows, so nothing in the
    folder is silently ignored except hidden files and folders.

    Example::

        result = dgdata.transcribe_folder(dg, "calls/", "**/*.wav", {"smart_format": True})
    """
    if not isinstance(pattern, str):
        raise TypeError(
            f"pattern must be a glob such as '**/*.wav', not {type(pattern).__name__}; "
            "options go fourth or as options=..."
        )
    root = Path(folder)
    if not root.is_dir():
        raise NotADirectoryError(f"{root}: not a folder; pass the folder of recordings")
    files: Sequence[Path] = sorted(
        p
        for p in root.glob(pattern)
        if _is_listed(p) and not any(part.startswith(".") for part in p.relative_to(root).parts)
    )
    result = transcribe_many(dg, files, options, **keywords)
    result.root = root
    return result


def _is_listed(path: Path) -> bool:
    """Whether a match of the pattern gets a row: files, and symbolic links that lead nowhere.

    Folders (and links to folders) are what ``**/*`` walks through, not recordings; a dangling
    or looping link is a file that went missing, and its error row says so.
    """
    return path.is_file() or (path.is_symlink() and not path.is_dir())


def _progress(total: int, enabled: bool) -> Any:
    if not enabled:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="file", desc="transcribing")
