"""Shared test configuration.

The integration tests (marked ``integration``) run against the local server (``dgdata serve``,
started in a thread for the session, with its demo account seeded) by default, and against a real
endpoint with ``pytest --api-key KEY [--api-url URL]``, as the seed SDK's test suite did. Tests
that change account state in ways a real account should not suffer (deleting projects, removing
members) need the local server and skip, saying so, when a real key is given.

The local server comes from ``dgdata.testing``, the pytest plugin dgdata ships to its users:
servers are started once per session (one per set of options) and reset where a test needs a
clean one. ``server``/``dg`` are its plain server and a client that does not retry;
``demo_server`` is the one with the demo account, reset once per module.

Those shared servers recognise speech with the session's engine: ``auto`` (Whisper where it is
installed with weights, else pocketsphinx) unless ``pytest --dgdata-engine pocketsphinx`` (or
``DGDATA_ENGINE``) chooses one for the whole run, which is how CI runs the suite on both engines.
A test that needs a given engine asks ``engine_server("pocketsphinx")`` for it.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest
import requests

if TYPE_CHECKING:
    from dgdata import Deepgram
    from dgdata.server.runner import LocalServer

#: Markers for tests that need Chromium, node or a speech engine: skipped where missing.
#: The local server's fixtures are those dgdata ships to its users (``dgdata.testing``).
pytest_plugins = ["tests.requirements_plugin", "dgdata.testing"]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("dgdata")
    group.addoption("--api-key", default=None, help="run integration tests with this API key")
    group.addoption(
        "--api-url",
        default=None,
        help="base URL for integration tests (default: Deepgram's cloud, or DEEPGRAM_API_URL)",
    )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True, scope="session")
def _loopback_only() -> Iterator[None]:
    """No test sends HTTP beyond this machine, not even a DNS lookup.

    The fuzzer makes up ``{"url": ...}`` and ``callback`` addresses that the local server would
    otherwise try to reach; they fail here as an unreachable host would (the server's resolver,
    :func:`dgdata.server.listen.outbound.resolve`, answers loopback addresses only).
    (``responses`` mocks still answer for their made-up hosts: they replace ``send`` while they
    are active.)
    """
    from requests.adapters import HTTPAdapter

    from dgdata.server.listen import outbound

    original = HTTPAdapter.send
    resolve = outbound.resolve

    def send(self: HTTPAdapter, request: Any, *args: Any, **kwargs: Any) -> Any:
        host = urlsplit(request.url).hostname or ""
        if not _is_loopback(host):
            raise requests.ConnectionError(f"the tests reach loopback only, not {host}")
        return original(self, request, *args, **kwargs)

    def loopback_resolve(host: str, port: int) -> list[str]:
        """The server's resolver (its url sources and callbacks): numeric hosts and localhost
        only, and only to loopback; anything else fails as an unknown name would."""
        if host.rstrip(".").lower() != "localhost":
            try:
                socket.getaddrinfo(host, port, flags=socket.AI_NUMERICHOST)
            except socket.gaierror:
                raise socket.gaierror(socket.EAI_NONAME, f"the tests look up no {host}") from None
        addresses = resolve(host, port)
        ips = [ipaddress.ip_address(address) for address in addresses]
        ips = [getattr(ip, "ipv4_mapped", None) or ip for ip in ips]  # ::ffff:127.0.0.1 too
        if not all(ip.is_loopback or ip.is_unspecified for ip in ips):
            raise socket.gaierror(socket.EAI_NONAME, f"the tests reach loopback only, not {host}")
        return addresses

    HTTPAdapter.send = send  # type: ignore[method-assign]
    outbound.resolve = loopback_resolve
    yield
    HTTPAdapter.send = original  # type: ignore[method-assign]
    outbound.resolve = resolve


@pytest.fixture(autouse=True)
def _no_ambient_credentials(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Tests never pick up the developer's own key or URL, nor touch their transcript cache."""
    for name in ("DEEPGRAM_API_KEY", "DEEPGRAM_API_URL", "DEEPGRAM_ACCESS_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))


#: The suite's demo server: the demo account, two recognisers; like the plain server, it may
#: fetch from and call back to the tests' loopback receivers (refused by default).
DEMO = {"demo": True, "decoders": 2, "allow_private_urls": True}
#: The suite's plain server: one recogniser (the machine is shared by the tests), and ``url``
#: sources and callbacks may reach the tests' loopback receivers (refused by default:
#: ``tests/server/test_outbound.py`` tests that).
PLAIN = {"decoders": 1, "allow_private_urls": True}


@pytest.fixture
def deepgram_server_options() -> dict[str, Any]:
    """The suite's plain local server (:data:`PLAIN`), on the session's engine."""
    return dict(PLAIN)


@pytest.fixture(scope="session")
def engine_server(
    deepgram_server_factory: Callable[..., LocalServer],
) -> Callable[..., LocalServer]:
    """``engine_server("pocketsphinx", **options)``: the plain server on that engine (``whisper``,
    ``pocketsphinx`` or ``auto``), reset; for tests that need a given engine whatever the
    session's default. One server per engine is kept for the session."""

    def on_engine(engine: str, **options: Any) -> LocalServer:
        return deepgram_server_factory(**{**PLAIN, "engine": engine, **options})

    return on_engine


@pytest.fixture
def deepgram_client_options() -> dict[str, Any]:
    """Clients that do not retry: tests see each error as the server sends it."""
    return {"max_retries": 0}


@pytest.fixture
def server(deepgram_server: LocalServer) -> LocalServer:
    """The plain local server (one project, one owner key), reset for this test."""
    return deepgram_server


@pytest.fixture
def dg(deepgram_client: Deepgram) -> Deepgram:
    """dgdata's client with the server's owner key, no retries."""
    return deepgram_client


@pytest.fixture(scope="module")
def demo_server(deepgram_server_factory: Callable[..., LocalServer]) -> LocalServer:
    """The local server with the demo account (3 projects, 90 days of usage), reset for the
    module: its tests see each other's changes, not those of other modules."""
    return deepgram_server_factory(**DEMO)


@dataclass(frozen=True)
class Endpoint:
    """Where the integration tests talk to: a key, a URL, and the local server if it is one."""

    api_key: str
    api_url: str | None
    local: LocalServer | None = None


@pytest.fixture(scope="session")
def integration_endpoint(
    request: pytest.FixtureRequest, deepgram_server_factory: Callable[..., LocalServer]
) -> Endpoint:
    """The local server (demo account seeded), or the endpoint given with ``--api-key``."""
    api_key = request.config.getoption("--api-key")
    if api_key:
        api_url = request.config.getoption("--api-url") or os.environ.get("DEEPGRAM_API_URL")
        return Endpoint(api_key, api_url)
    server = deepgram_server_factory(**DEMO)
    return Endpoint(server.api_key, server.url, server)


@pytest.fixture
def local_endpoint(integration_endpoint: Endpoint) -> LocalServer:
    """The local server; tests that need it skip (saying why) against a real account."""
    if integration_endpoint.local is None:
        pytest.skip("changes account state (deletes, removals): runs on the local server only")
    return integration_endpoint.local
