"""Batch transcription of folders: concurrent, cached, resumable, with a row for every file.

* :mod:`dgdata.batch.runs`: :func:`transcribe_folder` / :func:`transcribe_many` and :class:`BatchResult`;
* :mod:`dgdata.batch.worker`: one file's transcription, its retries and the shared 429 pause;
* :mod:`dgdata.batch.cache`: the transcript cache (content + options + scope keys, atomic entries);
* :mod:`dgdata.batch.writers`: Parquet, CSV, JSON lines and caption files out of a result.

The public names are re-exported here: ``from dgdata.batch import transcribe_folder``.
"""

from __future__ import annotations

from dgdata.batch.runs import (
    BatchResult,
    RateLimiter,
    default_cache_dir,
    transcribe_folder,
    transcribe_many,
)

__all__ = [
    "BatchResult",
    "RateLimiter",
    "default_cache_dir",
    "transcribe_folder",
    "transcribe_many",
]
