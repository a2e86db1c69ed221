"""Integration tests against a real endpoint: ``pytest --api-key KEY [--api-url URL]``.

They only read, except one key round trip (create, read back, delete) that cleans up after itself.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from dgdata import Deepgram, errors

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def live(integration_settings: dict[str, str | None]) -> Iterator[Deepgram]:
    client = Deepgram(
        api_key=integration_settings["api_key"], api_url=integration_settings["api_url"]
    )
    yield client
    client.close()


@pytest.fixture(scope="module")
def project_id(live: Deepgram) -> str:
    projects = live.projects.list()["projects"]
    assert projects, "the key sees no project"
    return str(projects[0]["project_id"])


def test_projects_list_and_get(live: Deepgram, project_id: str) -> None:
    assert live.projects.get(project_id)["project_id"] == project_id


def test_keys_round_trip(live: Deepgram, project_id: str) -> None:
    created = live.keys.create(project_id, "dgdata integration test", ["member"],
                               time_to_live_in_seconds=120)  # fmt: skip
    key_id = created["api_key_id"]
    try:
        assert created["key"]
        listed = {item["api_key"]["api_key_id"] for item in live.keys.list(project_id)["api_keys"]}
        assert key_id in listed
    finally:
        live.keys.delete(project_id, key_id)


def test_members_usage_and_balances_are_readable(live: Deepgram, project_id: str) -> None:
    assert "members" in live.members.list_members(project_id)
    assert "requests" in live.usage.list_requests(project_id, limit=1)
    assert "balances" in live.billing.list_balance(project_id)


def test_models_are_listed(live: Deepgram) -> None:
    assert "stt" in live.models.list()


def test_iter_requests_walks_pages(live: Deepgram, project_id: str) -> None:
    walk = live.usage.iter_requests(project_id, page_size=10)
    seen = [request["request_id"] for request in itertools.islice(walk, 25)]
    assert len(seen) == len(set(seen))


def test_a_wrong_key_is_an_authentication_error(
    integration_settings: dict[str, str | None],
) -> None:
    bad = Deepgram(api_key="0" * 40, api_url=integration_settings["api_url"], max_retries=0)
    with pytest.raises(errors.AuthenticationError):
        bad.projects.list()
