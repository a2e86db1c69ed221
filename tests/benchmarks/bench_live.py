"""Benchmark of the live client's CPU cost (a script; pytest does not collect it).

Runs the scripted server (tests/live/scripted_server.py) in a subprocess, so that only the
client's CPU is measured with ``time.process_time()``:

1. one stream of ``--seconds`` of 16 kHz linear16 audio sent as fast as possible, in 100 ms
   chunks: client CPU per second of audio, and the speed against real time;
2. ``--streams`` concurrent streams at real-time pace (one sender thread each), ``--stream-
   seconds`` of audio each: client CPU as a fraction of the audio time, and result latency.

Usage::

    python tests/benchmarks/bench_live.py [--seconds 120] [--streams 50] [--stream-seconds 10]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from dgdata import Deepgram  # noqa: E402
from tests.live.scripted_server import KEY  # noqa: E402

RATE = 16000
CHUNK_MS = 100
CHUNK = b"\x01\x02" * (RATE * CHUNK_MS // 1000)  # 100 ms of linear16 mono
OPTIONS = {"model": "nova-3", "encoding": "linear16", "sample_rate": RATE, "interim_results": True}


def start_server() -> tuple[subprocess.Popen[str], str]:
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "tests/live/scripted_server.py")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert server.stdout is not None
    line = server.stdout.readline()
    if not line.startswith("PORT "):
        server.kill()
        raise RuntimeError(f"the scripted server did not start: {line!r}")
    return server, f"http://127.0.0.1:{int(line.split()[1])}"


def fast_stream(dg: Deepgram, seconds: float) -> None:
    chunks = round(seconds * 1000 / CHUNK_MS)
    warm_up = dg.transcription.live(OPTIONS)  # first-use costs (imports, caches) are not counted
    warm_up.send(CHUNK)
    warm_up.finish(timeout=60)
    cpu, wall = time.process_time(), time.perf_counter()
    live = dg.transcription.live(OPTIONS)
    for _ in range(chunks):
        live.send(CHUNK)
    live.finish(timeout=60)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print(f"1 stream, {seconds:g} s of audio as fast as possible, {chunks} chunks of {CHUNK_MS} ms")
    print(f"  client CPU: {cpu * 1000 / seconds:.2f} ms per second of audio ({cpu:.3f} s total)")
    print(f"  wall: {wall:.3f} s = {seconds / wall:.0f}x real time; {len(live.words)} final words")


def concurrent_streams(dg: Deepgram, streams: int, seconds: float) -> None:
    chunks = round(seconds * 1000 / CHUNK_MS)
    lives = [dg.transcription.live(OPTIONS) for _ in range(streams)]

    def pace(live: object) -> None:
        started = time.monotonic()
        for n in range(1, chunks + 1):
            delay = started + n * CHUNK_MS / 1000 - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            live.send(CHUNK)  # type: ignore[attr-defined]

    cpu, wall = time.process_time(), time.perf_counter()
    senders = [threading.Thread(target=pace, args=(live,)) for live in lives]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join()
    for live in lives:
        live.finish(timeout=60)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    audio = streams * seconds
    latencies = [value for live in lives for value in live.latency["latency"].dropna().tolist()]
    print(f"{streams} concurrent streams at real-time pace, {seconds:g} s of audio each")
    print(
        f"  client CPU: {cpu:.3f} s for {audio:g} s of audio = {100 * cpu / audio:.2f}% of "
        f"audio time ({100 * cpu / wall:.1f}% of one core over {wall:.1f} s wall)"
    )
    if latencies:
        latencies.sort()
        p90 = latencies[int(0.9 * (len(latencies) - 1))]
        print(
            f"  result latency (audio sent -> final result): p50 "
            f"{1000 * statistics.median(latencies):.1f} ms, p90 {1000 * p90:.1f} ms, max "
            f"{1000 * latencies[-1]:.1f} ms over {len(latencies)} finals"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--streams", type=int, default=50)
    parser.add_argument("--stream-seconds", type=float, default=10.0)
    args = parser.parse_args()
    server, url = start_server()
    try:
        dg = Deepgram(api_key=KEY, api_url=url, max_retries=0)
        fast_stream(dg, args.seconds)
        concurrent_streams(dg, args.streams, args.stream_seconds)
    finally:
        assert server.stdin is not None
        server.stdin.close()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    main()
