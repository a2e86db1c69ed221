"""Uploads stream from disk: peak memory does not grow with the file's size.

A child process uploads a large (sparse) file to a real HTTP server on loopback that reads the
body in chunks and throws it away, and reports its own peak RSS before and after.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

CHILD = textwrap.dedent(
    """
    import json, resource, sys, threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    import dgdata

    path, size = sys.argv[1], int(sys.argv[2])
    with open(path, "wb") as handle:           # sparse: costs no disk and no memory
        handle.write(b"RIFF\\x00\\x00\\x00\\x00WAVEfmt ")
        handle.truncate(size)

    received = []

    class Sink(BaseHTTPRequestHandler):
        def do_POST(self):
            left, total = int(self.headers["Content-Length"]), 0
            while left:
                chunk = self.rfile.read(min(left, 1 << 20))
                left -= len(chunk)
                total += len(chunk)
            received.append((total, self.headers["Content-Type"]))
            body = json.dumps({"metadata": {"request_id": "r", "duration": 1.0, "channels": 1},
                               "results": {"channels": []}}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Sink)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    dg = dgdata.Deepgram(api_key="k", api_url=f"http://127.0.0.1:{server.server_port}")
    import dgdata.transcript  # warm up imports (pandas) before the baseline
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    dg.transcription.prerecorded(path)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    server.shutdown()
    print(json.dumps({"before_kb": before, "after_kb": after, "received": received}))
    """
)


def test_a_large_file_is_streamed_not_loaded(tmp_path: Path) -> None:
    size = 768 * 1024 * 1024
    result = subprocess.run(
        [sys.executable, "-c", CHILD, str(tmp_path / "big.wav"), str(size)],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["received"] == [[size, "audio/wav"]]
    growth_mb = (report["after_kb"] - report["before_kb"]) / 1024
    print(f"peak RSS growth while uploading 768 MB: {growth_mb:.1f} MB")
    assert growth_mb < 50, f"peak RSS grew by {growth_mb:.0f} MB while uploading 768 MB"
