"""Batch throughput: 200 tiny recordings through the local server, 200 ms added per request.

Compares, in the same run and against the same server:

- ``dgdata.transcribe_many(dg, files, cache_dir=None, progress=False, concurrency=16)`` (and 8,
  32 for context); its efficiency is ``ideal / wall`` with ``ideal = files x latency /
  concurrency`` (2.5 s for the defaults). Goal: >= 0.85 at ``--concurrency``;
- a plain sequential loop ``for f in files: dg.transcription.prerecorded(f)``;
- the official Deepgram SDK (7.x) used naively: a sequential loop of
  ``client.listen.v1.media.transcribe_file(request=<the file's bytes>)``.

The recordings are generated in a temporary folder: 16 kHz mono 16-bit WAVs of 0.1-0.3 s of
near-silent noise (+/-8 LSB, about -76 dBFS), each from its own random seed, so every file has
its own content (and cache key). Near-silent audio is below the recogniser's speech floor, so
the server skips pocketsphinx and its cost per file is small next to the latency: the benchmark
measures the client's concurrency, not the server's recognition CPU. (``--audio tone`` uses
short tones instead, which the server does decode; the first table shows both costs.)

The server runs in a subprocess (``LocalServer`` in a child process), so that the client's CPU
(``time.process_time()``) is its own and the two do not share a GIL. Two servers are started:

- ``as shipped``: ``LocalServer()`` as it is;
- ``nodelay``: the same, but its listening socket is made with ``proto=IPPROTO_TCP``. asyncio
  only sets ``TCP_NODELAY`` on connections whose socket says ``IPPROTO_TCP``; ``LocalServer``
  makes its socket with ``proto=0``, so a keep-alive response written in two pieces (headers,
  then body) waits for the client's delayed ACK, about 40 ms per request on Linux. When the
  shipped server already gets ``TCP_NODELAY``, only one server is started.

The main table uses the ``nodelay`` server (what the client can do); the shipped server's rows
follow it. ``conns`` counts the TCP connections the client opened during a row and
``discarded`` urllib3's "Connection pool is full, discarding connection" warnings (hidden from
the output): ``requests`` keeps 10 connections per host, so a batch of more workers opens
connections and throws them away. The rows marked ``pool N`` try the fix from outside: the
client's session gets an ``HTTPAdapter(pool_maxsize=N)``. Every figure is measured in the same
run, so the ratios are what to read on a noisy machine. Exit status 1 when the efficiency goal
is missed. Not collected by pytest.

    python tests/benchmarks/bench_batch.py [--files 200] [--latency-ms 200] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
import wave
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from requests.adapters import DEFAULT_POOLSIZE as DEFAULT_POOL
from requests.adapters import HTTPAdapter

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import dgdata  # noqa: E402

RATE = 16000
GOAL = 0.85

SERVER = textwrap.dedent(
    """
    import json, os, socket, sys
    from dgdata.server.runner import LocalServer

    def nodelay(sock):
        if sock.proto == socket.IPPROTO_TCP:
            return True
        return bool(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))

    server = LocalServer()
    shipped = nodelay(server._sock)
    if sys.argv[1] == "nodelay" and not shipped:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        sock.listen(2048)
        server._sock.close()
        server._sock, server.port = sock, sock.getsockname()[1]
    server.start()
    print(json.dumps({"url": server.url, "ws_url": server.ws_url, "key": server.api_key,
                      "pid": os.getpid(), "shipped_nodelay": shipped}), flush=True)
    sys.stdin.read()  # until the benchmark closes our stdin
    server.stop()
    """
)


@dataclass
class Server:
    """A local server in a child process."""

    name: str
    process: subprocess.Popen[str]
    url: str
    ws_url: str
    key: str
    pid: int
    shipped_nodelay: bool

    @classmethod
    def start(cls, name: str, variant: str) -> Server:
        process = subprocess.Popen(
            [sys.executable, "-c", SERVER, variant],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line.startswith("{"):
            process.kill()
            raise RuntimeError(f"the local server did not start: {line!r}")
        info = json.loads(line)
        return cls(name, process, info["url"], info["ws_url"], info["key"], info["pid"],
                   info["shipped_nodelay"])  # fmt: skip

    def faults(self, method: str, body: dict[str, Any] | None = None) -> None:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.url + "/_dgdata/faults",
            data=data,
            method=method,
            headers={"Content-Type": "application/json", "Authorization": f"Token {self.key}"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()

    def add_latency(self, latency_ms: float) -> None:
        self.faults("POST", {"latency_ms": latency_ms, "times": None, "path": "/v1/listen"})

    def clear_faults(self) -> None:
        self.faults("DELETE")

    def cpu_seconds(self) -> float:
        """CPU time of the server process and its children (the recogniser's workers)."""
        return tree_cpu_seconds(self.pid)

    def stop(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def tree_cpu_seconds(root: int) -> float:
    """User + system CPU seconds of ``root`` and its live descendants (from /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    stats: dict[int, tuple[int, float]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            text = (entry / "stat").read_text()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2 :].split()  # after "pid (comm) "
        stats[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / ticks)
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        total += stats.get(pid, (0, 0.0))[1]
        todo += [child for child, (parent, _) in stats.items() if parent == pid]
    return total


def write_wav(path: Path, pcm: np.ndarray) -> None:
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(RATE)
        handle.writeframes(pcm.astype("<i2").tobytes())


def make_recordings(folder: Path, count: int, kind: str) -> list[Path]:
    """``count`` distinct 0.1-0.3 s recordings: near-silent noise, or short tones."""
    paths = []
    for i in range(count):
        samples = int(RATE * (0.1 + 0.2 * (i % 21) / 20))
        if kind == "silent":  # +/-8 LSB: RMS ~14 dB, under the recogniser's 26 dB floor
            pcm = np.random.default_rng(i).integers(-8, 9, samples)
        else:  # a tone at -20 dBFS, its own frequency per file: the recogniser decodes it
            t = np.arange(samples) / RATE
            pcm = np.rint(3277 * np.sin(2 * np.pi * (200 + 7 * i) * t))
        path = folder / f"{kind}-{i:04d}.wav"
        write_wav(path, pcm)
        paths.append(path)
    return paths


class PoolFull(logging.Filter):
    """Counts (and hides) urllib3's "Connection pool is full, discarding connection" warnings."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def filter(self, record: logging.LogRecord) -> bool:
        if "Connection pool is full" in record.getMessage():
            self.count += 1
            return False
        return True


def connections_opened(dg: dgdata.Deepgram) -> int:
    """TCP connections the client's urllib3 pool for the server has opened so far."""
    pools = dg.session.get_adapter(dg.api_url).poolmanager.pools  # type: ignore[attr-defined]
    return sum(int(pools[key].num_connections) for key in list(pools.keys()))


def sdk_client(server: Server) -> Any:
    """The official SDK pointed at the local server (as tests/server/test_official_sdk.py)."""
    from deepgram import DeepgramClient
    from deepgram.environment import DeepgramClientEnvironment

    environment = DeepgramClientEnvironment(
        base=server.url, production=server.ws_url, agent=server.ws_url, agent_rest=server.url
    )
    return DeepgramClient(api_key=server.key, environment=environment)


@dataclass
class Row:
    """One line of the results table."""

    method: str
    server: str
    concurrency: int
    wall: float
    files: int
    connections: int | None = None
    discarded: int | None = None

    def efficiency(self, latency: float) -> float:
        """``files x latency / concurrency`` over the wall time."""
        return self.files * latency / self.concurrency / self.wall

    def best(self, latency: float, round_trip: float) -> float:
        """The efficiency of a perfect client: ``ceil(files / c)`` rounds of one request each."""
        rounds = math.ceil(self.files / self.concurrency)
        return self.files * latency / self.concurrency / (rounds * (latency + round_trip))


def timed(run: Callable[[], object]) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def round_trip_costs(
    server: Server, dg: dgdata.Deepgram, files: Sequence[Path]
) -> tuple[float, float, float]:
    """(wall, client CPU, server CPU) per file, in ms, of sequential calls without latency."""
    server.clear_faults()
    dg.transcription.prerecorded(files[0])
    wall, cpu, server_cpu = time.perf_counter(), time.process_time(), server.cpu_seconds()
    for path in files:
        dg.transcription.prerecorded(path)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    server_cpu = server.cpu_seconds() - server_cpu
    return 1000 * wall / len(files), 1000 * cpu / len(files), 1000 * server_cpu / len(files)


def batch_row(
    server: Server, dg: dgdata.Deepgram, files: Sequence[Path], concurrency: int, pool: PoolFull
) -> Row:
    """``transcribe_many`` of every file, timed, with the connections it opened."""
    opened, pool.count = connections_opened(dg), 0
    started = time.perf_counter()
    result = dgdata.transcribe_many(
        dg, files, cache_dir=None, progress=False, concurrency=concurrency
    )
    wall = time.perf_counter() - started
    frame = result.transcripts
    assert len(frame) == len(files) and frame["error"].isna().all(), result.errors
    name = f"dgdata.transcribe_many c={concurrency}"
    connections = connections_opened(dg) - opened
    return Row(name, server.name, concurrency, wall, len(files), connections, pool.count)


def sequential_rows(server: Server, dg: dgdata.Deepgram, files: Sequence[Path]) -> list[Row]:
    """The two naive loops: dgdata's ``prerecorded`` and the official SDK's ``transcribe_file``."""
    opened = connections_opened(dg)
    wall = timed(lambda: [dg.transcription.prerecorded(f) for f in files])
    connections = connections_opened(dg) - opened
    rows = [Row("sequential dgdata prerecorded", server.name, 1, wall, len(files), connections)]
    media = sdk_client(server).listen.v1.media
    media.transcribe_file(request=files[0].read_bytes())  # warm up
    # as naive as the brief: read each file whole, send it, wait, next
    wall = timed(lambda: [media.transcribe_file(request=open(f, "rb").read()) for f in files])  # noqa: SIM115
    rows.append(Row("sequential official SDK", server.name, 1, wall, len(files)))
    return rows


def print_costs(
    servers: dict[str, Server],
    clients: dict[str, dgdata.Deepgram],
    sets: list[tuple[str, list[Path]]],
) -> dict[str, float]:
    """Print the round trip without latency; the main audio's wall seconds per server."""
    print(f"\nround trip without added latency (sequential, {len(sets[0][1])} files)")
    header = f"{'server':<12}{'audio':<22}{'wall ms/file':>14}{'client CPU':>12}{'server CPU':>12}"
    print(header)
    costs: dict[str, float] = {}
    for name, server in servers.items():
        for kind, paths in sets if name == "nodelay" else sets[:1]:
            wall, cpu, server_cpu = round_trip_costs(server, clients[name], paths)
            costs.setdefault(name, wall / 1000)
            label = "near-silent noise" if kind == "silent" else "tone (decoded)"
            print(f"{name:<12}{label:<22}{wall:>14.1f}{cpu:>12.1f}{server_cpu:>12.1f}")
    return costs


def print_rows(rows: list[Row], latency: float, costs: dict[str, float]) -> None:
    print(
        "\neff = (files x latency / concurrency) / wall; best = the eff of a perfect client "
        "(ceil(files / c) rounds of latency + round trip);\nx batch = wall / wall of the first "
        "row; conns = TCP connections opened; discarded = urllib3 'pool is full' discards"
    )
    print(
        f"{'method':<40}{'server':<12}{'wall s':>8}{'files/s':>9}{'eff':>7}{'best':>7}"
        f"{'x batch':>9}{'conns':>7}{'discarded':>11}"
    )
    for row in rows:
        conns = "" if row.connections is None else str(row.connections)
        discarded = "" if row.discarded is None else str(row.discarded)
        print(
            f"{row.method:<40}{row.server:<12}{row.wall:>8.2f}{row.files / row.wall:>9.1f}"
            f"{row.efficiency(latency):>7.2f}{row.best(latency, costs[row.server]):>7.2f}"
            f"{row.wall / rows[0].wall:>9.2f}{conns:>7}{discarded:>11}"
        )


def main(argv: list[str] | None = None) -> int:
    """Print the tables; 1 when the efficiency goal is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--latency-ms", type=float, default=200.0)
    parser.add_argument("--concurrency", type=int, default=16, help="the one the goal is for")
    parser.add_argument("--context", default="8,32", help="other concurrencies to show")
    parser.add_argument("--audio", choices=("silent", "tone"), default="silent")
    parser.add_argument("--cost-files", type=int, default=40, help="files per cost measurement")
    parser.add_argument(
        "--skip-sequential", action="store_true", help="leave out the two sequential loops"
    )
    args = parser.parse_args(argv)
    latency = args.latency_ms / 1000
    others = [int(c) for c in args.context.split(",") if c.strip()]
    concurrencies = [args.concurrency] + [c for c in others if c != args.concurrency]
    pool = PoolFull()
    logging.getLogger("urllib3.connectionpool").addFilter(pool)
    started = time.perf_counter()

    servers = {"nodelay": Server.start("nodelay", "nodelay")}
    if not servers["nodelay"].shipped_nodelay:
        servers["as shipped"] = Server.start("as shipped", "shipped")
    rows: list[Row] = []
    try:
        with tempfile.TemporaryDirectory(prefix="bench-batch-") as folder:
            files = make_recordings(Path(folder), args.files, args.audio)
            other_kind = "tone" if args.audio == "silent" else "silent"
            other = make_recordings(Path(folder), args.cost_files, other_kind)
            clients = {n: dgdata.Deepgram(api_key=s.key, api_url=s.url) for n, s in servers.items()}
            for dg in clients.values():  # start the recognisers' worker processes
                dgdata.transcribe_many(dg, files[:32], cache_dir=None, progress=False)
            print(
                f"{args.files} recordings of 0.1-0.3 s ({args.audio}); {args.latency_ms:g} ms "
                f"added per /v1/listen; server in a subprocess; {os.cpu_count()} CPUs"
            )
            if servers["nodelay"].shipped_nodelay:
                print("the shipped LocalServer already sets TCP_NODELAY: one server only")
            sets = [(args.audio, files[: args.cost_files]), (other_kind, other)]
            costs = print_costs(servers, clients, sets)

            for name, server in servers.items():
                server.add_latency(args.latency_ms)
                for concurrency in concurrencies:
                    rows.append(batch_row(server, clients[name], files, concurrency, pool))
                if name != "nodelay":
                    continue
                # the proposed fix, tried from outside: a connection pool as large as the batch
                size = max(concurrencies)
                sized = dgdata.Deepgram(api_key=server.key, api_url=server.url)
                sized.session.mount("http://", HTTPAdapter(pool_maxsize=size))
                for concurrency in (c for c in concurrencies if c > DEFAULT_POOL):
                    rows.append(batch_row(server, sized, files, concurrency, pool))
                    rows[-1].method += f", pool {size}"
                if not args.skip_sequential:
                    rows += sequential_rows(server, clients[name], files)
    finally:
        for server in servers.values():
            server.stop()

    print_rows(rows, latency, costs)
    efficiency = rows[0].efficiency(latency)
    verdict = "PASS" if efficiency >= GOAL else "FAIL"
    print(
        f"\ngoal: transcribe_many efficiency at concurrency {args.concurrency} "
        f"{efficiency:.3f} (>= {GOAL}) {verdict}"
    )
    for row in rows:
        if row.server == "as shipped" and row.concurrency == args.concurrency:
            print(f"  against the server as shipped: {row.efficiency(latency):.3f}")
    print(f"total {time.perf_counter() - started:.0f} s")
    return 0 if efficiency >= GOAL else 1


if __name__ == "__main__":
    raise SystemExit(main())
