"""Fixtures for the local server's tests: one in-memory server per module, reset per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from dgdata import Deepgram
from dgdata.server.runner import LocalServer


@pytest.fixture(scope="module")
def module_server() -> Iterator[LocalServer]:
    with LocalServer(decoders=1) as server:
        yield server


@pytest.fixture
def server(module_server: LocalServer) -> LocalServer:
    """The module's server, reset to its starting state (one project, one owner key)."""
    module_server.reset()
    return module_server


@pytest.fixture
def dg(server: LocalServer) -> Iterator[Deepgram]:
    """dgdata's client with the server's owner key, no retries (tests see errors as they are)."""
    client = Deepgram(api_key=server.api_key, api_url=server.url, max_retries=0)
    yield client
    client.close()
