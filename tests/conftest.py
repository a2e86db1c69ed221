"""Shared test configuration.

``pytest --api-key KEY [--api-url URL] tests/`` runs the integration tests (marked
``integration``) against that endpoint, as the seed SDK's test suite did. Without ``--api-key``
they target the local server (``dgdata serve``) once it exists; until then they are skipped with
that reason.
"""

from __future__ import annotations

import os

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("dgdata")
    group.addoption("--api-key", default=None, help="run integration tests with this API key")
    group.addoption(
        "--api-url",
        default=None,
        help="base URL for integration tests (default: Deepgram's cloud, or DEEPGRAM_API_URL)",
    )


@pytest.fixture(autouse=True)
def _no_ambient_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never pick up the developer's own key or URL by accident."""
    for name in ("DEEPGRAM_API_KEY", "DEEPGRAM_API_URL", "DEEPGRAM_ACCESS_TOKEN"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def integration_settings(request: pytest.FixtureRequest) -> dict[str, str | None]:
    """The endpoint integration tests talk to, or a skip saying why there is none."""
    api_key = request.config.getoption("--api-key")
    api_url = request.config.getoption("--api-url") or os.environ.get("DEEPGRAM_API_URL")
    if not api_key:
        pytest.skip(
            "integration tests need --api-key KEY [--api-url URL]; the local server "
            "(`dgdata serve`, issue 6) will be their default target once it exists"
        )
    return {"api_key": api_key, "api_url": api_url}
