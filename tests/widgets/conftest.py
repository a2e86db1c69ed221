"""Fixtures of the widget tests (no browser): a local server with the demo account.

The demo account (``LocalServer(demo=True)``) has three projects, members of every role, keys
(one expired, one ``usage:read``), pending invitations, balances and 90 days of usage.
``server.reset()`` puts it back as seeded: the same owner key, the demo re-seeded.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from dgdata import Deepgram
from dgdata.server.runner import LocalServer
from tests.server.conftest import dg, module_server, server  # noqa: F401 (a plain server, reset)


@pytest.fixture(scope="module")
def demo_server() -> Iterator[LocalServer]:
    """One local server with the demo account per test module."""
    with LocalServer(demo=True, decoders=2) as running:
        yield running


@pytest.fixture
def fresh_server(demo_server: LocalServer) -> LocalServer:
    """The module's demo server, reset to the seeded demo (for tests that change the account)."""
    demo_server.reset()
    return demo_server


@pytest.fixture
def demo_dg(demo_server: LocalServer) -> Iterator[Deepgram]:
    """A client with the server's owner key, no retries (tests see errors as they are)."""
    client = Deepgram(api_key=demo_server.api_key, api_url=demo_server.url, max_retries=0)
    yield client
    client.close()


@pytest.fixture
def support_project(demo_dg: Deepgram) -> str:
    """The id of "Demo — Support calls", the first project the owner key sees."""
    projects = demo_dg.projects.list()["projects"]
    return next(p["project_id"] for p in projects if p["name"] == "Demo — Support calls")
