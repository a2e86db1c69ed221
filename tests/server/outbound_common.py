"""Fixtures of the outbound URL policy tests (no tests of its own).

* :func:`stub_resolver`: the server's resolver (:func:`dgdata.server.listen.outbound.resolve`)
  answers :data:`NAMES` (reserved ``.test`` names mapped to private, link-local, multicast...
  addresses), and the suite's loopback-only resolver the rest; the fixture is the list of names
  looked up.
* :func:`connections`: every ``socket.connect`` in this process is recorded, and one to anything
  but loopback is refused, so a test never reaches such an address even if the code under test
  would try to.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from dgdata.server.listen import outbound
from dgdata.server.runner import LocalServer

#: What the stub resolver answers: a test never connects to any of these.
NAMES: dict[str, list[str]] = {
    "private.test": ["10.0.0.5"],
    "metadata.test": ["169.254.169.254"],
    "multicast.test": ["224.0.0.1"],
    "linklocal6.test": ["fe80::1"],
    "unique-local.test": ["fd00::5"],
    "cgnat.test": ["100.64.0.1"],
    "mapped.test": ["::ffff:10.0.0.5"],
    "mixed.test": ["93.184.216.34", "10.0.0.5"],
    # A public address: accepted, never connected to (the tests refuse it in :func:`connections`).
    "callback.test": ["93.184.216.34"],
    # Loopback, for tests that take 127.0.0.1 for a public address (a receiver must run there).
    "public.test": ["127.0.0.1"],
}


@pytest.fixture
def stub_resolver(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The server resolves :data:`NAMES` (the rest as before); the names it looked up, in order."""
    looked_up: list[str] = []
    previous = outbound.resolve

    def resolve(host: str, port: int) -> list[str]:
        looked_up.append(host)
        return list(NAMES[host]) if host in NAMES else previous(host, port)

    monkeypatch.setattr(outbound, "resolve", resolve)
    return looked_up


class Connections:
    """The addresses sockets of this process connected to (or tried to) while recording."""

    def __init__(self) -> None:
        self.made: list[tuple[str, int]] = []

    def beyond(self, server: LocalServer, *ports: int) -> list[tuple[str, int]]:
        """The connections to anything but ``server`` (and loopback ``ports``)."""
        allowed = {(server.host, server.port), *(("127.0.0.1", port) for port in ports)}
        return [address for address in self.made if address not in allowed]


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> Iterator[Connections]:
    """Records every ``socket.connect`` (``connect_ex`` too); refuses all but loopback ones."""
    record = Connections()

    def guarded(original: Any) -> Any:
        def connect(sock: socket.socket, address: Any) -> Any:
            if isinstance(address, tuple):
                host, port = str(address[0]), int(address[1])
                record.made.append((host, port))
                if not ipaddress.ip_address(host.split("%")[0]).is_loopback:
                    raise ConnectionRefusedError(f"the test refuses a connection to {host}")
            return original(sock, address)

        return connect

    monkeypatch.setattr(socket.socket, "connect", guarded(socket.socket.connect))
    monkeypatch.setattr(socket.socket, "connect_ex", guarded(socket.socket.connect_ex))
    yield record
