"""Test helpers: a local Deepgram-compatible server for your own tests, no key, no network.

As a pytest plugin (``-p dgdata.testing``, or ``pytest_plugins = ["dgdata.testing"]`` in a
``conftest.py``) it gives two fixtures:

* ``deepgram_server``: a :class:`~dgdata.server.runner.LocalServer` for the test session, in
  memory, reset to its starting state before each test that uses it;
* ``deepgram_client``: a :class:`dgdata.Deepgram` pointed at it with its owner key.

Without pytest, :func:`local_server` is the same server as a context manager.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from dgdata.client import Deepgram
    from dgdata.server.runner import LocalServer

__all__ = ["deepgram_client", "deepgram_server", "local_server"]


@contextmanager
def local_server(**options: Any) -> Iterator[LocalServer]:
    """A started :class:`LocalServer` (keywords as for it), stopped on exit."""
    from dgdata.server.runner import LocalServer

    with LocalServer(**options) as server:
        yield server


@pytest.fixture(scope="session")
def _deepgram_session_server() -> Iterator[LocalServer]:
    with local_server() as server:
        yield server


@pytest.fixture
def deepgram_server(_deepgram_session_server: LocalServer) -> LocalServer:
    """The session's local server, reset (state and faults) for this test."""
    _deepgram_session_server.reset()
    return _deepgram_session_server


@pytest.fixture
def deepgram_client(deepgram_server: LocalServer) -> Iterator[Deepgram]:
    """A client for :func:`deepgram_server` with its owner key, closed after the test."""
    from dgdata.client import Deepgram

    client = Deepgram(api_key=deepgram_server.api_key, api_url=deepgram_server.url)
    yield client
    client.close()
