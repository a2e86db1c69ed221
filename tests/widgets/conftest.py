"""Fixtures of the widget tests (no browser), on the servers of ``tests/conftest.py``.

The demo account (``demo_server``) has three projects, members of every role, keys (one
expired, one ``usage:read``), pending invitations, balances and 90 days of usage. A reset puts
it back as seeded: the same owner key, the demo re-seeded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from dgdata import Deepgram
from dgdata.server.demo.cast import demo_id
from dgdata.server.runner import LocalServer
from tests.conftest import DEMO


@pytest.fixture
def fresh_server(deepgram_server_factory: Callable[..., LocalServer]) -> LocalServer:
    """The demo server, reset to the seeded demo (for tests that change the account)."""
    return deepgram_server_factory(**DEMO)


@pytest.fixture
def demo_dg(demo_server: LocalServer) -> Iterator[Deepgram]:
    """A client with the owner's key for "Demo — Support calls" (a key reaches its own project
    only), no retries (tests see errors as they are)."""
    key = demo_server.demo_keys[demo_id("project", "support")]
    client = Deepgram(api_key=key, api_url=demo_server.url, max_retries=0)
    yield client
    client.close()


@pytest.fixture
def support_project(demo_dg: Deepgram) -> str:
    """The id of "Demo — Support calls", the project of ``demo_dg``'s key."""
    projects = demo_dg.projects.list()["projects"]
    return next(p["project_id"] for p in projects if p["name"] == "Demo — Support calls")
