"""``dgdata.testing``: the pytest plugin users put in their own test suites."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

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


def test_the_plugin_gives_users_a_server_and_a_client(tmp_path: Path) -> None:
    (tmp_path / "test_user_code.py").write_text(textwrap.dedent(USER_TESTS))
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "dgdata.testing", "-q", "-p", "no:cacheprovider",
         str(tmp_path / "test_user_code.py")],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 passed" in result.stdout


def test_local_server_is_a_context_manager() -> None:
    with local_server(demo=True) as server:
        assert server.running
        rows = server.store.one("SELECT count(*) FROM requests")
        assert rows is not None and rows[0] > 1000, "the demo seeded its usage history"
    assert not server.running
