"""Test helpers: a local Deepgram-compatible server for your own tests, no key, no network.

As a pytest plugin (``-p dgdata.testing``, or ``pytest_plugins = ["dgdata.testing"]`` in a
``conftest.py``) it gives these fixtures:

* ``deepgram_server``: a :class:`~dgdata.server.runner.LocalServer`, reset to its starting
  state (and its faults cleared) before each test that uses it;
* ``deepgram_client``: a :class:`dgdata.Deepgram` pointed at it with its owner key;
* ``deepgram_server_options`` and ``deepgram_client_options``: the keywords those two are built
  with, ``{}`` unless you override them, in a ``conftest.py`` for a folder or in a test module::

      @pytest.fixture
      def deepgram_server_options():
          return {"demo": True}          # projects, members, keys and 90 days of usage

      @pytest.fixture
      def deepgram_client_options():
          return {"max_retries": 0}      # see errors as the server sends them

* ``deepgram_server_factory``: for tests that need servers of more than one kind, or one server
  for a whole module: ``deepgram_server_factory(demo=True)`` is the server with those options,
  reset. It is session-scoped, so module- and session-scoped fixtures may use it too.

Servers are started on first use and shared by the whole test session, one per set of options
(starting one costs a second or so), and stopped when the session ends.

Without pytest, :func:`local_server` is the same server as a context manager.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from dgdata.client import Deepgram
    from dgdata.server.runner import LocalServer

__all__ = [
    "ServerPool",
    "deepgram_client",
    "deepgram_client_options",
    "deepgram_server",
    "deepgram_server_factory",
    "deepgram_server_options",
    "local_server",
]

logger = logging.getLogger(__name__)


@contextmanager
def local_server(**options: Any) -> Iterator[LocalServer]:
    """A started :class:`LocalServer` (keywords as for it), stopped on exit."""
    from dgdata.server.runner import LocalServer

    with LocalServer(**options) as server:
        yield server


class ServerPool:
    """Started local servers, one per set of options, kept until :meth:`close`.

    Example::

        pool = ServerPool()
        server = pool.get(demo=True)  # started now
        assert pool.get(demo=True) is server
        pool.close()  # every server stopped
    """

    def __init__(self) -> None:
        self._servers: dict[str, LocalServer] = {}

    def get(self, **options: Any) -> LocalServer:
        """The server started with ``options`` (started now if it is the first ask)."""
        # repr, not hash: options may hold unhashable values (a list of scopes, a path...).
        key = repr(sorted(options.items()))
        server = self._servers.get(key)
        if server is None:
            from dgdata.server.runner import LocalServer

            logger.debug("starting a local server with %s", options or "default options")
            server = self._servers[key] = LocalServer(**options).start()
        return server

    def close(self) -> None:
        """Stop every server."""
        servers, self._servers = list(self._servers.values()), {}
        for server in servers:
            server.stop()


@pytest.fixture(scope="session")
def _deepgram_servers() -> Iterator[ServerPool]:
    pool = ServerPool()
    yield pool
    pool.close()


@pytest.fixture(scope="session")
def deepgram_server_factory(_deepgram_servers: ServerPool) -> Callable[..., LocalServer]:
    """``deepgram_server_factory(**options)``: the session's server with ``options``, reset."""

    def reset_server(**options: Any) -> LocalServer:
        server = _deepgram_servers.get(**options)
        server.reset()
        return server

    return reset_server


@pytest.fixture
def deepgram_server_options() -> dict[str, Any]:
    """The :class:`LocalServer` keywords of ``deepgram_server``; override to change them."""
    return {}


@pytest.fixture
def deepgram_client_options() -> dict[str, Any]:
    """More :class:`dgdata.Deepgram` keywords for ``deepgram_client``; override to set them."""
    return {}


@pytest.fixture
def deepgram_server(
    deepgram_server_factory: Callable[..., LocalServer], deepgram_server_options: dict[str, Any]
) -> LocalServer:
    """A local server (options: ``deepgram_server_options``) reset for this test."""
    return deepgram_server_factory(**deepgram_server_options)


@pytest.fixture
def deepgram_client(
    deepgram_server: LocalServer, deepgram_client_options: dict[str, Any]
) -> Iterator[Deepgram]:
    """A client for :func:`deepgram_server` with its owner key, closed after the test."""
    from dgdata.client import Deepgram

    client = Deepgram(
        api_key=deepgram_server.api_key, api_url=deepgram_server.url, **deepgram_client_options
    )
    yield client
    client.close()
