"""Benchmark: ``frames.words`` on a 10-hour transcript against json_normalize and json.loads.

Run from the repository root::

    python tests/benchmarks/bench_frames_words.py [--hours 10] [--repeats 5]

It builds a ~10-hour transcript (~100k words) by repeating the words of a real recorded
response (tests/data/real/…) with shifted times, then times, best of ``--repeats``:

- ``frames.words(response)``;
- ``pandas.json_normalize(response, record_path=[results, channels, alternatives, words])``
  for the same words;
- ``json.loads`` of the same document, serialised once.

Goals: words at least 3x faster than json_normalize and no slower than json.loads. Exit
status 1 when a goal is missed, so CI can run it as a check. Not collected by pytest
(``tests/benchmarks`` is ignored in pyproject.toml).
"""

from __future__ import annotations

import argparse
import copy
import gc
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from dgdata import frames  # noqa: E402

FIXTURE = (
    ROOT
    / "tests/data/real/python-sdk-v4.8.1/tests/response_data/listen/rest"
    / "b00dc103a62ea2ccfc752ec0f646c7528ef5e729a9d7481d2a944253a9128ce2-"
    "a17f4880c5b4cf124ac54d06d77c9f0ab7f3fe1052ff1c7b090f7eaf8ede5b76-response.json"
)
RECORD_PATH = ["results", "channels", "alternatives", "words"]


def long_transcript(hours: float) -> dict[str, Any]:
    """The fixture with its words repeated, times shifted, to cover ``hours`` of audio."""
    response = json.loads(FIXTURE.read_text())
    duration = float(response["metadata"]["duration"])
    alternative = response["results"]["channels"][0]["alternatives"][0]
    original = alternative["words"]
    words = []
    for repeat in range(int(hours * 3600 / duration)):
        offset = repeat * duration
        for word in original:
            shifted = dict(word)
            shifted["start"] = word["start"] + offset
            shifted["end"] = word["end"] + offset
            words.append(shifted)
    alternative["words"] = words
    alternative["transcript"] = " ".join(w["punctuated_word"] for w in words)
    long = copy.deepcopy(response)
    long["metadata"]["duration"] = duration * (len(words) // len(original))
    return long


def best_of(repeats: int, action: Callable[[], Any]) -> float:
    """The fastest of ``repeats`` runs, in seconds (garbage collection off while timing)."""
    times = []
    for _ in range(repeats):
        gc.collect()
        gc.disable()
        try:
            started = time.perf_counter()
            action()
            times.append(time.perf_counter() - started)
        finally:
            gc.enable()
    return min(times)


def main(argv: list[str] | None = None) -> int:
    """Time the three contenders and print the ratios; 1 when a goal is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=10.0)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)

    response = long_transcript(args.hours)
    document = json.dumps(response)
    ours = frames.words(response)
    theirs = pd.json_normalize(response, record_path=RECORD_PATH)
    assert len(ours) == len(theirs), (len(ours), len(theirs))
    assert ours["start"].tolist() == theirs["start"].tolist()

    t_words = best_of(args.repeats, lambda: frames.words(response))
    t_normalize = best_of(
        args.repeats, lambda: pd.json_normalize(response, record_path=RECORD_PATH)
    )
    t_loads = best_of(args.repeats, lambda: json.loads(document))

    print(f"transcript: {len(ours):,} words, {len(document) / 1e6:.1f} MB of JSON")
    print(f"frames.words          {t_words * 1000:8.1f} ms")
    print(f"pandas.json_normalize {t_normalize * 1000:8.1f} ms")
    print(f"json.loads            {t_loads * 1000:8.1f} ms")
    faster = t_normalize / t_words
    versus_loads = t_loads / t_words
    print(f"words is {faster:.1f}x faster than json_normalize (goal >= 3x)")
    print(f"words takes {t_words / t_loads:.2f}x the time of json.loads (goal <= 1x)")
    return 0 if faster >= 3 and versus_loads >= 1 else 1


if __name__ == "__main__":
    raise SystemExit(main())
