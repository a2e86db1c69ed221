"""A local HTTP receiver for callback deliveries (``callback=URL``) in the server tests.

``with CallbackReceiver() as receiver:`` serves on a free loopback port in a thread; every
request it gets is kept in ``receiver.received`` (method, path, headers, body) and
:meth:`CallbackReceiver.wait` blocks until some have arrived. ``fail_first=n`` answers the first
``n`` deliveries with 500, to exercise retries. It also answers ``GET`` (recorded alike), for the
server's ``url`` sources: ``redirects={path: location}`` answers those paths with a 302 to
``location``, and any other path with ``document``.
"""

from __future__ import annotations

import http.server
import threading
from dataclasses import dataclass
from typing import Any


@dataclass
class Delivery:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class CallbackReceiver:
    def __init__(
        self,
        *,
        fail_first: int = 0,
        document: bytes = b"",
        redirects: dict[str, str] | None = None,
    ) -> None:
        self.received: list[Delivery] = []
        self.fail_first = fail_first
        self.document = document
        self.redirects = dict(redirects or {})
        self._arrived = threading.Condition()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with receiver._arrived:
                    receiver.received.append(
                        Delivery(self.command, self.path, dict(self.headers.items()), body)
                    )
                    failing = len(receiver.received) <= receiver.fail_first
                    receiver._arrived.notify_all()
                self.send_response(500 if failing else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_POST = _handle
            do_PUT = _handle

            def do_GET(self) -> None:
                with receiver._arrived:
                    receiver.received.append(
                        Delivery("GET", self.path, dict(self.headers.items()), b"")
                    )
                    receiver._arrived.notify_all()
                location = receiver.redirects.get(self.path)
                self.send_response(302 if location else 200)
                if location:
                    self.send_header("Location", location)
                body = b"" if location else receiver.document
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self._httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def wait(self, count: int = 1, timeout: float = 30.0) -> list[Delivery]:
        """The deliveries once at least ``count`` have arrived (AssertionError on timeout)."""
        with self._arrived:
            done = self._arrived.wait_for(lambda: len(self.received) >= count, timeout)
        assert done, f"expected {count} callback deliveries, got {len(self.received)}"
        return list(self.received)

    def __enter__(self) -> CallbackReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


def callback_outcome(
    store: Any, request_id: str, *, attempts: int = 1, timeout: float = 10.0
) -> dict[str, Any]:
    """The request's usage row once the server has stored how ``attempts`` deliveries went
    (it stores that right after the receiver answers, so a test must wait for it)."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        row = store.one("SELECT * FROM requests WHERE request_id = ?", (request_id,))
        if row is not None and (row["callback_attempts"] or 0) >= attempts:
            return dict(row)
        assert time.monotonic() < deadline, f"no callback outcome stored for {request_id}"
        time.sleep(0.02)
