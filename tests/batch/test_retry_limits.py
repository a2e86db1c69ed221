"""The batch's retry limits, kept while it waits what the client's one RetryPolicy says.

429s pause every worker and do not use up ``attempts`` (at most 20 per file); a ``Retry-After``
over 300 s is an error row, not a five-minute wait; 5xx, 408 and dropped connections are tried
``attempts`` times with the policy's back-off.
"""

from __future__ import annotations

import logging
import re
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from dgdata import Deepgram
from dgdata._retry import RetryPolicy
from dgdata.batch import RateLimiter, transcribe_many
from dgdata.batch import worker as batch_worker
from dgdata.batch.worker import BatchJob
from dgdata.server.runner import LocalServer

HELLO = Path(__file__).resolve().parents[2] / "dgdata" / "data" / "samples" / "hello.wav"


def one_row(dg: Deepgram, attempts: int = 8) -> dict[str, Any]:
    """The row of ``hello.wav`` sent alone, with no cache."""
    result = transcribe_many(dg, [HELLO], cache_dir=None, progress=False, attempts=attempts)
    return dict(result.transcripts.iloc[0])


def logged_waits(caplog: pytest.LogCaptureFixture, pattern: str) -> list[float]:
    """The seconds in the worker's log lines that match ``pattern`` (a group around them)."""
    found = (re.search(pattern, record.getMessage()) for record in caplog.records)
    return [float(match.group(1)) for match in found if match]


def test_the_jobs_policies_are_the_clients_policy_with_the_batchs_limits() -> None:
    job = BatchJob(options={}, cache=None, limiter=RateLimiter(), attempts=8)
    assert job.retry_policy() == RetryPolicy(
        max_retries=7, backoff_base=batch_worker.BACKOFF_BASE, backoff_cap=batch_worker.BACKOFF_CAP
    )
    limits = job.rate_limit_policy()
    assert limits.delay(19, 300.0) == 300.0, "the 20th 429 still pauses, up to five minutes"
    assert limits.delay(20, 1.0) is None, "the 21st does not"
    assert limits.delay(0, 300.5) is None, "nor does a Retry-After over five minutes"


def test_a_retry_after_over_five_minutes_is_an_error_row_not_a_wait(
    dg: Deepgram, server: LocalServer
) -> None:
    server.inject(status=429, retry_after=301, times=None, path="/v1/listen")
    started = time.monotonic()
    row = one_row(dg)
    assert time.monotonic() - started < 30
    assert (row["error_type"], row["status"], row["attempts"]) == ("RateLimitError", 429, 1)


def test_429s_do_not_use_up_attempts_and_stop_after_twenty(
    dg: Deepgram, server: LocalServer, caplog: pytest.LogCaptureFixture
) -> None:
    server.inject(status=429, retry_after=0.01, times=None, path="/v1/listen")
    with caplog.at_level(logging.WARNING, logger=batch_worker.__name__):
        row = one_row(dg, attempts=1)
    assert (row["error_type"], row["attempts"]) == ("RateLimitError", 21)
    assert logged_waits(caplog, r"pausing the whole batch for ([\d.]+)s") == [0.01] * 20


def test_a_429_without_retry_after_pauses_the_default(
    dg: Deepgram, server: LocalServer, caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setattr(batch_worker, "DEFAULT_RATE_LIMIT_PAUSE", 0.05)
    server.inject(status=429, times=1, path="/v1/listen")
    with caplog.at_level(logging.WARNING, logger=batch_worker.__name__):
        row = one_row(dg)
    assert pd.isna(row["error"]) and row["attempts"] == 2
    assert logged_waits(caplog, r"pausing the whole batch for ([\d.]+)s") == [0.05]


def test_server_errors_are_tried_attempts_times_with_the_policys_back_off(
    dg: Deepgram, server: LocalServer, caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setattr(batch_worker, "BACKOFF_BASE", 0.01)
    server.inject(status=503, times=None, path="/v1/listen")
    with caplog.at_level(logging.WARNING, logger=batch_worker.__name__):
        row = one_row(dg, attempts=4)
    assert (row["error_type"], row["status"], row["attempts"]) == ("ServerError", 503, 4)
    waits = logged_waits(caplog, r"retry in ([\d.]+)s")
    assert len(waits) == 3, "three back-offs between four attempts"
    for attempt, wait in enumerate(waits):  # base * 2**attempt plus up to 25 % jitter
        assert 0.01 * 2**attempt - 0.005 <= wait <= 0.0125 * 2**attempt + 0.005
