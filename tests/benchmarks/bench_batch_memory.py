"""Batch memory: peak RSS growth of the client while ``transcribe_many`` uploads a 1 GiB file.

The recording is a valid 44-byte WAV header (16 kHz mono 16-bit) followed by a hole: the file
is sparse (``truncate``), so it costs neither disk nor page cache worth speaking of. It goes
through ``transcribe_many(dg, [big], cache_dir=<tmp>, progress=False)``: the cache key needs the
file's SHA-256 (read in chunks), then the upload streams the file. The server is a loopback sink
in a subprocess (so that its memory is not counted): it reads the body in 1 MiB chunks, throws
it away and answers a small Deepgram transcript. The local dgdata server is not used: it would
try to recognise nine hours of audio.

Peak RSS is the kernel's high-water mark (``VmHWM`` of ``/proc/self/status``), reset before
each measurement by writing ``5`` to ``/proc/self/clear_refs`` (Linux >= 4.0); a thread also
samples ``VmRSS`` every 10 ms as a cross-check (and as the measure where the reset is refused).
The baseline, in the same run, is the growth for a 1 MiB file sent the same way. Goal: growth
<= 50 MB for the 1 GiB file. Exit status 1 when it is missed. Not collected by pytest.

Throughput is shown too (MB/s, and this process's CPU seconds), with the two halves of the
batch's work timed alone: hashing the file, and uploading it with ``prerecorded``; and the upload
once more through a ``requests`` adapter whose urllib3 send block is 1 MiB instead of 16 KiB.
The page cache is filled before the timed passes (the first read of a sparse file's holes is
slow on ext4), so every pass reads from memory.

    python tests/benchmarks/bench_batch_memory.py [--size-mb 1024] [--baseline-mb 1]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import struct
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from requests.adapters import HTTPAdapter

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import dgdata  # noqa: E402

GOAL_MB = 50.0
MIB = 1024 * 1024

SINK = textwrap.dedent(
    """
    import json, sys, threading, uuid
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    received = []

    def transcript(size):
        seconds = max(size - 44, 0) / 32000  # 16 kHz mono 16-bit
        return {
            "metadata": {"transaction_key": "deprecated", "request_id": str(uuid.uuid4()),
                         "sha256": "", "created": "2024-05-01T12:00:00.000Z",
                         "duration": seconds, "channels": 1, "models": ["sink"],
                         "model_info": {}},
            "results": {"channels": [{"alternatives": [
                {"transcript": "", "confidence": 0.0, "words": []}]}]},
        }

    class Sink(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            left, total = int(self.headers["Content-Length"]), 0
            while left:
                chunk = self.rfile.read(min(left, 1 << 20))
                if not chunk:
                    break
                left -= len(chunk)
                total += len(chunk)
            received.append(total)
            self.answer(transcript(total))

        def do_GET(self):
            self.answer({"received": received})

        def answer(self, value):
            body = json.dumps(value).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Sink)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(server.server_port, flush=True)
    sys.stdin.read()  # until the benchmark closes our stdin
    server.shutdown()
    """
)


def sparse_wav(path: Path, size: int) -> Path:
    """A valid WAV header (16 kHz mono 16-bit) and then a hole, ``size`` bytes in all."""
    data = size - 44
    header = b"RIFF" + struct.pack("<I", size - 8) + b"WAVE"
    header += b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, 16000, 32000, 2, 16)
    header += b"data" + struct.pack("<I", data)
    with open(path, "wb") as handle:
        handle.write(header)
        handle.truncate(size)
    return path


def status_kb(field: str) -> int:
    """A ``kB`` figure of /proc/self/status (``VmRSS``, ``VmHWM``)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def reset_peak() -> bool:
    """Set VmHWM back to the current RSS; False where the kernel does not allow it."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return status_kb("VmHWM") <= status_kb("VmRSS") + 64


class Sampler(threading.Thread):
    """The highest VmRSS seen, every ``interval`` seconds."""

    def __init__(self, interval: float = 0.01) -> None:
        super().__init__(daemon=True)
        self.interval = interval
        self.peak = status_kb("VmRSS")
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(self.interval):
            self.peak = max(self.peak, status_kb("VmRSS"))

    def stop(self) -> int:
        self.done.set()
        self.join()
        self.peak = max(self.peak, status_kb("VmRSS"))
        return self.peak


@dataclass
class Measure:
    label: str
    size: int
    seconds: float
    cpu: float  # CPU seconds of this process (the sampler thread's included)
    growth_mb: float  # VmHWM after - VmRSS before (the HWM was reset to it)
    sampled_mb: float  # highest sampled VmRSS - VmRSS before
    exact: bool  # whether the HWM reset worked (else growth_mb is a lower bound)

    @property
    def mb_per_s(self) -> float:
        return self.size / MIB / self.seconds


def measure(label: str, size: int, run: Callable[[], Any]) -> Measure:
    """Time ``run()`` and the growth of this process's peak RSS while it runs."""
    exact = reset_peak()
    before = status_kb("VmRSS")
    sampler = Sampler()
    sampler.start()
    started, cpu = time.perf_counter(), time.process_time()
    run()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    sampled = sampler.stop()
    growth = (status_kb("VmHWM") - before) / 1024
    return Measure(label, size, seconds, cpu, growth, (sampled - before) / 1024, exact)


class BlockAdapter(HTTPAdapter):
    """requests' adapter with urllib3's send block size set (urllib3 2's default: 16 KiB)."""

    def __init__(self, blocksize: int) -> None:
        self.blocksize = blocksize
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, blocksize=self.blocksize, **kwargs)


def start_sink() -> tuple[subprocess.Popen[str], str]:
    sink = subprocess.Popen(
        [sys.executable, "-c", SINK], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert sink.stdout is not None
    line = sink.stdout.readline()
    if not line.strip().isdigit():
        sink.kill()
        raise RuntimeError(f"the sink did not start: {line!r}")
    return sink, f"http://127.0.0.1:{int(line)}"


def received(url: str) -> list[int]:
    with urllib.request.urlopen(url + "/received", timeout=10) as response:
        return list(json.loads(response.read())["received"])


def main(argv: list[str] | None = None) -> int:
    """Print the figures; 1 when the memory goal is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=1024, help="the big file, in MiB")
    parser.add_argument("--baseline-mb", type=int, default=1, help="the baseline file, in MiB")
    args = parser.parse_args(argv)
    sink, url = start_sink()
    dg = dgdata.Deepgram(api_key="bench", api_url=url)
    try:
        with tempfile.TemporaryDirectory(prefix="bench-batch-memory-") as folder:
            tmp = Path(folder)
            small_size, big_size = args.baseline_mb * MIB, args.size_mb * MIB
            small = sparse_wav(tmp / "small.wav", small_size)
            big = sparse_wav(tmp / "big.wav", big_size)
            caches = iter(range(1000))

            def batch(path: Path) -> Callable[[], None]:
                def run() -> None:
                    cache = tmp / f"cache-{next(caches)}"  # a fresh cache: no hit, one upload
                    result = dgdata.transcribe_many(dg, [path], cache_dir=cache, progress=False)
                    assert result.errors.empty, result.errors.to_dict("records")
                    assert not result.transcripts["cached"].any(), "a cache hit: no upload"

                return run

            def sha256(path: Path) -> Callable[[], None]:
                def run() -> None:
                    digest = hashlib.sha256()
                    with open(path, "rb") as handle:
                        while chunk := handle.read(MIB):
                            digest.update(chunk)

                return run

            batch(small)()  # warm up: imports (pandas), the connection, first-call caches
            # Reading the holes of a sparse file the first time fills the page cache (with
            # zeros, on ext4): untimed here, so that every timed pass reads from memory.
            cold = time.perf_counter()
            sha256(big)()
            cold = time.perf_counter() - cold
            big_blocks = dgdata.Deepgram(api_key="bench", api_url=url)
            big_blocks.session.mount("http://", BlockAdapter(MIB))
            big_blocks.transcription.prerecorded(small)
            results = [
                measure(f"transcribe_many {args.baseline_mb} MiB (baseline)", small_size,
                        batch(small)),
                measure(f"transcribe_many {args.size_mb} MiB", big_size, batch(big)),
                measure(f"transcribe_many {args.baseline_mb} MiB (again)", small_size,
                        batch(small)),
                measure("  of which: SHA-256 alone (hashlib, 1 MiB reads)", big_size,
                        sha256(big)),
                measure("  of which: upload alone (dg.transcription.prerecorded)",
                        big_size, lambda: dg.transcription.prerecorded(big)),
                measure("  upload alone, 1 MiB send blocks (HTTPAdapter blocksize)", big_size,
                        lambda: big_blocks.transcription.prerecorded(big)),
            ]  # fmt: skip
            sizes = received(url)
    finally:
        assert sink.stdin is not None
        sink.stdin.close()
        sink.wait(timeout=20)

    expected = [small_size, small_size, small_size, big_size, small_size, big_size, big_size]
    assert sizes == expected, f"the sink received {sizes}, expected {expected}"
    print(f"client: dgdata {dgdata.__version__}, python {sys.version.split()[0]}; sink in a "
          f"subprocess; every body arrived whole ({len(sizes)} uploads)")  # fmt: skip
    print(f"first (cold) read of the sparse {args.size_mb} MiB, untimed below: {cold:.2f} s")
    if not all(r.exact for r in results):
        print("VmHWM could not be reset here: the growth column is a lower bound")
    print(f"\n{'what':<60}{'MiB':>6}{'wall s':>8}{'MiB/s':>7}{'CPU s':>7}{'peak RSS +MB':>14}"
          f"{'sampled +MB':>13}")  # fmt: skip
    for r in results:
        print(f"{r.label:<60}{r.size / MIB:>6.0f}{r.seconds:>8.2f}{r.mb_per_s:>7.0f}{r.cpu:>7.2f}"
              f"{r.growth_mb:>14.1f}{r.sampled_mb:>13.1f}")  # fmt: skip
    baseline, big_run = results[0], results[1]
    verdict = "PASS" if big_run.growth_mb <= GOAL_MB else "FAIL"
    print(
        f"\ngoal: peak RSS growth while the batch uploads {args.size_mb} MiB "
        f"{big_run.growth_mb:.1f} MB (<= {GOAL_MB:g} MB) {verdict}; "
        f"{big_run.growth_mb - baseline.growth_mb:+.1f} MB over the {args.baseline_mb} MiB baseline"
    )
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    raise SystemExit(main())
