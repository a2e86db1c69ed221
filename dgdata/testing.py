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

The speech recogniser of those servers is ``auto`` (Whisper where faster-whisper and its weights
are installed, else pocketsphinx) unless you choose, for the whole session::

    pytest --dgdata-engine pocketsphinx            # or whisper; also --dgdata-model DIR|NAME
    DGDATA_ENGINE=pocketsphinx pytest              # the same from the environment
    # pytest.ini / pyproject's [tool.pytest.ini_options]:  dgdata_engine = pocketsphinx

(the command line wins over the environment, which wins over the ini file). An ``engine=`` (or
``model=``, ``threads=``) in a server's own options wins over all of them; ``server.engine``
says which engine a server resolved to. ``engine="whisper"`` where Whisper is missing is an
error saying what to install, never a silent fallback.

Without pytest, :func:`local_server` is the same server as a context manager.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from dgdata.client import Deepgram
    from dgdata.server.runner import LocalServer

__all__ = [
    "ENGINE_SETTINGS",
    "ServerPool",
    "deepgram_client",
    "deepgram_client_options",
    "deepgram_server",
    "deepgram_server_factory",
    "deepgram_server_options",
    "engine_defaults",
    "local_server",
]

logger = logging.getLogger(__name__)

#: ``LocalServer`` keyword -> (command-line option, environment variable, ini name).
ENGINE_SETTINGS = {
    "engine": ("--dgdata-engine", "DGDATA_ENGINE", "dgdata_engine"),
    "model": ("--dgdata-model", "DGDATA_MODEL", "dgdata_model"),
    "threads": ("--dgdata-threads", "DGDATA_THREADS", "dgdata_threads"),
}


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--dgdata-engine``/``--dgdata-model``/``--dgdata-threads`` and their ini names."""
    group = parser.getgroup("dgdata", "dgdata's local Deepgram-compatible server")
    helps = {
        "engine": "speech recogniser of the local servers: auto (default), whisper or pocketsphinx",
        "model": "Whisper weights of the local servers: a CTranslate2 folder or a model name",
        "threads": "CPU threads of each Whisper decode of the local servers (default 1)",
    }
    for keyword, (option, variable, ini) in ENGINE_SETTINGS.items():
        choices = ("auto", "whisper", "pocketsphinx") if keyword == "engine" else None
        group.addoption(
            option,
            dest=ini,
            default=None,
            choices=choices,
            help=f"{helps[keyword]} (or {variable})",
        )
        parser.addini(ini, f"{helps[keyword]}; {option} and {variable} win over it", default=None)


def engine_defaults(config: pytest.Config) -> dict[str, Any]:
    """The recogniser keywords chosen for the session's servers (option, else environment,
    else ini); empty when nothing was chosen (the servers' own default: ``auto``)."""
    chosen: dict[str, Any] = {}
    for keyword, (_, variable, ini) in ENGINE_SETTINGS.items():
        value = config.getoption(ini, None) or os.environ.get(variable) or config.getini(ini)
        if value:
            chosen[keyword] = int(value) if keyword == "threads" else str(value)
    return chosen


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

    def __init__(self, defaults: dict[str, Any] | None = None) -> None:
        self._servers: dict[str, LocalServer] = {}
        #: Keywords every server gets unless its options say otherwise (e.g. ``engine``).
        self.defaults = dict(defaults or {})

    def get(self, **options: Any) -> LocalServer:
        """The server started with ``options`` (started now if it is the first ask)."""
        options = {**self.defaults, **options}
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
def _deepgram_servers(pytestconfig: pytest.Config) -> Iterator[ServerPool]:
    pool = ServerPool(engine_defaults(pytestconfig))
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
