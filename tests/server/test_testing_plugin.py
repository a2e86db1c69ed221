"""``dgdata.testing``: the pytest plugin users put in their own test suites."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from dgdata.testing import local_server

USER_TESTS = """
import dgdata

def test_a_users_code_runs_on_the_local_server(deepgram_client, deepgram_server):
    projects = deepgram_client.projects.list()["projects"]
    assert [p["project_id"] for p in projects] == [deepgram_server.project_id]
    deepgram_client.projects.update(deepgram_server.project_id, name="changed by test one")

def test_each_test_starts_from_a_reset_server(deepgram_client, deepgram_server):
    assert deepgram_client.projects.get(deepgram_server.project_id)["name"] == "dgdata local"

def test_faults_reach_the_users_client(deepgram_server):
    deepgram_server.inject(status=503)
    client = dgdata.Deepgram(api_key=deepgram_server.api_key, api_url=deepgram_server.url,
                             max_retries=0)
    try:
        client.projects.list()
    except dgdata.errors.ServerError as error:
        assert error.status == 503
    else:
        raise AssertionError("the injected 503 did not arrive")
"""


USER_OPTIONS = """
import pytest

@pytest.fixture
def deepgram_server_options():
    return {"demo": True, "decoders": 1}

@pytest.fixture
def deepgram_client_options():
    return {"max_retries": 0}

def test_options_reach_the_server_and_the_client(deepgram_client, deepgram_server):
    import dgdata

    [(project_id, key), *_] = deepgram_server.demo_keys.items()  # a key per demo project
    with dgdata.Deepgram(api_key=key, api_url=deepgram_server.url) as demo:
        [project] = demo.projects.list()["projects"]
    assert project["project_id"] == project_id and project["name"].startswith("Demo")
    assert deepgram_client.config.max_retries == 0

def test_the_factory_keeps_one_reset_server_per_set_of_options(
    deepgram_server_factory, deepgram_server
):
    plain = deepgram_server_factory(decoders=1)
    assert plain is not deepgram_server and plain.running
    plain.inject(status=503)
    assert deepgram_server_factory(decoders=1) is plain
    assert plain.state.faults.list() == [], "asking again resets it"
    assert deepgram_server_factory(demo=True, decoders=1) is deepgram_server
"""


def run_user_tests(tmp_path: Path, source: str) -> subprocess.CompletedProcess[str]:
    """Run ``source`` as a user's test module with the plugin, outside this suite."""
    (tmp_path / "test_user_code.py").write_text(textwrap.dedent(source))
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "dgdata.testing", "-q", "-p", "no:cacheprovider",
         str(tmp_path / "test_user_code.py")],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("source", "passed"), [(USER_TESTS, 3), (USER_OPTIONS, 2)], ids=["defaults", "options"]
)
def test_the_plugin_gives_users_a_server_and_a_client(
    tmp_path: Path, source: str, passed: int
) -> None:
    result = run_user_tests(tmp_path, source)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{passed} passed" in result.stdout


def test_local_server_is_a_context_manager() -> None:
    with local_server(demo=True) as server:
        assert server.running
        rows = server.store.one("SELECT count(*) FROM requests")
        assert rows is not None and rows[0] > 1000, "the demo seeded its usage history"
    assert not server.running
