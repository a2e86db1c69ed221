"""Batch transcription of folders: concurrent, cached, resumable, with a row for every file.

* :mod:`dgdata.batch.runs`: :func:`transcribe_folder`, :func:`transcribe_many`, the results;
* :mod:`dgdata.batch.worker`: one file's transcription, its retries and the shared 429 pause;
* :mod:`dgdata.batch.cache`: the transcript cache (content + options + scope keys, atomic entries);
* :mod:`dgdata.batch.writers`: Parquet, CSV, JSON lines and caption files out of a result.

Import them from the package (``from dgdata.batch import transcribe_folder``), or from
:mod:`dgdata` itself (``dgdata.transcribe_folder``); the modules are the implementation.
"""

from __future__ import annotations

from dgdata.batch.runs import BatchResult, default_cache_dir, transcribe_folder, transcribe_many
from dgdata.batch.worker import RateLimiter

__all__ = [
    "BatchResult",
    "RateLimiter",
    "default_cache_dir",
    "transcribe_folder",
    "transcribe_many",
]
