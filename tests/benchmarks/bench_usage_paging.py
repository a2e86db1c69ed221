"""Paging 20k usage requests (200 pages of 100) from a local server adding 50 ms per page.

Compares ``usage.list_all_requests`` (pages fetched concurrently) with the sequential walk
``list(usage.iter_requests(...))`` in the same run, against the same server. Goal: >= 5x.

    python tests/benchmarks/bench_usage_paging.py
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import dgdata

TOTAL, PAGE_SIZE, LATENCY = 20_000, 100, 0.05


def item(i: int) -> dict:
    return {
        "request_id": f"{i:08d}-0000-4000-8000-000000000000",
        "created": "2024-05-01T12:00:00.000Z",
        "path": "/v1/listen?model=nova-3",
        "api_key_id": "k1",
        "response": {"details": {"usd": 0.0043, "duration": 60.0, "models": ["nova-3"]}},
        "code": 200,
    }


class Pages(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        query = parse_qs(urlsplit(self.path).query)
        page, limit = int(query["page"][0]), int(query["limit"][0])
        time.sleep(LATENCY)
        items = [item(i) for i in range(page * limit, min((page + 1) * limit, TOTAL))]
        body = json.dumps({"page": page, "limit": limit, "requests": items}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def main() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Pages)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    dg = dgdata.Deepgram(api_key="bench", api_url=f"http://127.0.0.1:{server.server_port}")

    started = time.perf_counter()
    walked = list(dg.usage.iter_requests("p1", page_size=PAGE_SIZE))
    sequential = time.perf_counter() - started

    results = {}
    for concurrency in (8, 16):
        started = time.perf_counter()
        fetched = dg.usage.list_all_requests("p1", page_size=PAGE_SIZE, concurrency=concurrency)
        results[concurrency] = time.perf_counter() - started
        assert fetched == walked and len(fetched) == TOTAL

    server.shutdown()
    print(f"{TOTAL} requests, {TOTAL // PAGE_SIZE} pages, {LATENCY * 1000:.0f} ms per page")
    print(f"sequential walk            {sequential:6.2f} s")
    for concurrency, seconds in results.items():
        print(
            f"concurrent, {concurrency:2d} in flight    {seconds:6.2f} s   "
            f"speed-up {sequential / seconds:5.1f}x (goal >= 5x)"
        )


if __name__ == "__main__":
    main()
