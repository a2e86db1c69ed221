"""Benchmark: 100k usage requests to a DataFrame, dgdata vs ``pandas.json_normalize``.

Run ``python tests/benchmarks/bench_usage_frames.py [--pages 1000] [--per-page 100]
[--repeat 3]``.  It builds 1000 ``/requests`` pages of 100 requests each in the nested shape
Deepgram returns (``response.details{..., config{...}}``, 3 % failures with
``response.message``, a callback object on some), then times, in the same process, the best of
``--repeat`` runs of

* ``dgdata.frames.usage.usage_requests(pages)`` (typed columns, flags, status, ...), and
* ``pandas.json_normalize(pages, record_path="requests")`` (flattening only, object columns),

and prints both times and their ratio.  The goal is a ratio of at least 2.
"""

from __future__ import annotations

import argparse
import gc
import random
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from dgdata.frames.usage import usage_requests

MODELS = ["nova-2", "nova-3", "whisper-large", "aura-2-thalia-en"]
METHODS = ["sync", "async", "streaming"]
TAGS = [["prod"], ["dev"], ["prod", "eu"], []]


def make_request(rnd: random.Random, index: int, keys: list[str]) -> dict[str, Any]:
    """One request in the older, nested shape (plus the spec's top-level fields)."""
    day = 1 + index % 28
    created = (
        f"2024-05-{day:02d}T{rnd.randrange(24):02d}:{rnd.randrange(60):02d}:"
        f"{rnd.randrange(60):02d}.{rnd.randrange(1000):03d}Z"
    )
    model = rnd.choice(MODELS)
    request: dict[str, Any] = {
        "request_id": str(uuid.UUID(int=rnd.getrandbits(128))),
        "project_uuid": "3f2c3d4e-0000-4000-8000-000000000001",
        "created": created,
        "path": f"/v1/listen?model={model}&punctuate=true&diarize=true",
        "api_key_id": rnd.choice(keys),
        "deployment": "hosted",
    }
    if rnd.random() < 0.03:
        request["code"] = 400
        request["response"] = {"message": "Bad Request: failed to process audio"}
        return request
    duration = rnd.uniform(5, 900)
    request["code"] = 200
    request["response"] = {
        "details": {
            "usd": round(duration / 3600 * 0.26, 6),
            "duration": duration / 3600,
            "total_audio": duration,
            "channels": 1,
            "streams": 1,
            "models": [str(uuid.UUID(int=hash(model) & (2**128 - 1)))],
            "method": rnd.choice(METHODS),
            "tier": "nova",
            "tags": rnd.choice(TAGS),
            "features": ["punctuate", "diarize", "smart_format"],
            "config": {
                "model": model,
                "language": "en",
                "punctuate": True,
                "diarize": rnd.random() < 0.5,
                "smart_format": True,
                "utterances": False,
                "multichannel": False,
                "numerals": rnd.random() < 0.2,
            },
        },
        "code": 200,
        "completed": created,
    }
    if rnd.random() < 0.1:
        request["callback"] = {"attempts": 1, "code": 200, "completed": created}
    return request


def make_pages(pages: int, per_page: int, seed: int = 4) -> list[dict[str, Any]]:
    rnd = random.Random(seed)
    keys = [str(uuid.UUID(int=rnd.getrandbits(128))) for _ in range(12)]
    return [
        {
            "page": number,
            "limit": per_page,
            "requests": [make_request(rnd, number * per_page + i, keys) for i in range(per_page)],
        }
        for number in range(pages)
    ]


def best_of(repeat: int, run: Callable[[], pd.DataFrame]) -> tuple[float, pd.DataFrame]:
    best, frame = float("inf"), pd.DataFrame()
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        frame = run()
        best = min(best, time.perf_counter() - start)
    return best, frame


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--per-page", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    pages = make_pages(args.pages, args.per_page)
    total = args.pages * args.per_page
    ours, frame = best_of(args.repeat, lambda: usage_requests(pages))
    theirs, flat = best_of(args.repeat, lambda: pd.json_normalize(pages, record_path="requests"))
    assert len(frame) == len(flat) == total
    print(f"requests: {total:,} ({args.pages} pages of {args.per_page}), best of {args.repeat}")
    print(f"usage_requests:        {ours:7.3f} s  ({frame.shape[1]} typed columns)")
    print(f"pandas.json_normalize: {theirs:7.3f} s  ({flat.shape[1]} untyped columns)")
    print(f"ratio json_normalize / usage_requests: {theirs / ours:.1f}x (goal >= 2x)")


if __name__ == "__main__":
    main()
