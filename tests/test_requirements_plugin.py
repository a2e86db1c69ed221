"""``tests/requirements_plugin.py``: a missing program skips its tests, naming the apt-get line;
under ``DGDATA_REQUIRE_ALL_TOOLS=1`` (CI) the same tests fail.

Each case runs pytest in a subprocess on a small test file, with a PATH that holds only what the
case gives it (an empty folder: no node, no flite; or a folder with a stand-in ``node``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import tomllib

from tests.requirements_plugin import REQUIRE_ALL, TOOLS

ROOT = Path(__file__).resolve().parent.parent

TESTS = """
import pytest

@pytest.mark.needs_node
def test_runs_javascript():
    assert True

@pytest.mark.needs_chromium
def test_opens_a_browser():
    assert True

def test_needs_nothing():
    assert True
"""


def run_pytest(
    folder: Path, path: Path, *, require_all: bool = False
) -> subprocess.CompletedProcess[str]:
    """pytest -ra with the plugin on ``folder``'s test file, PATH=``path`` (and nothing else)."""
    (folder / "test_tools.py").write_text(TESTS)
    markers = "".join(f"\n  {marker}: {tool.purpose}" for marker, tool in TOOLS.items())
    (folder / "pytest.ini").write_text(f"[pytest]\nmarkers ={markers}\n")  # its own rootdir
    env = {k: v for k, v in os.environ.items() if k not in (REQUIRE_ALL, "DGDATA_CHROMIUM")}
    env.update(PATH=str(path), PYTHONPATH=str(ROOT), DGDATA_CHROMIUM=str(path / "chromium"))
    env["COLUMNS"] = "200"  # the -ra summary lines whole
    if require_all:
        env[REQUIRE_ALL] = "1"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-ra", "-p", "tests.requirements_plugin",
         "-p", "no:cacheprovider", str(folder)],
        cwd=folder, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


@pytest.fixture
def bare_path(tmp_path: Path) -> Path:
    """An empty folder to be the whole PATH: no node, no flite, no chromium."""
    folder = tmp_path / "bin"
    folder.mkdir()
    return folder


def test_a_missing_program_skips_its_tests_with_the_apt_get_line(
    tmp_path: Path, bare_path: Path
) -> None:
    done = run_pytest(tmp_path, bare_path)
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "1 passed, 2 skipped" in out
    assert "SKIPPED [1] test_tools.py:4: node" in out, "the skip points at the test"
    assert "node (the microphone widget's JS tests) is not installed: apt-get install nodejs" in out
    assert "is not installed: apt-get install chromium fonts-liberation fonts-dejavu-core" in out
    assert (
        "to run them: apt-get install chromium fonts-liberation fonts-dejavu-core nodejs" in out
    ), "one summary line installs everything the run went without"


def test_with_require_all_tools_a_missing_program_fails_its_tests(
    tmp_path: Path, bare_path: Path
) -> None:
    done = run_pytest(tmp_path, bare_path, require_all=True)
    assert done.returncode == 1, done.stdout + done.stderr
    out = done.stdout
    assert "1 passed, 2 errors" in out and "skipped" not in out  # failed at setup: errors
    assert f"ERROR test_tools.py::test_runs_javascript - Failed: {REQUIRE_ALL}" in out
    assert f"{REQUIRE_ALL} is set and node (the microphone widget's JS tests) is not " in out
    assert "apt-get install nodejs" in out


def test_a_program_on_path_lets_its_tests_run(tmp_path: Path, bare_path: Path) -> None:
    for name in ("node", "chromium"):  # stand-ins: the plugin only looks them up
        stand_in = bare_path / name
        stand_in.write_text("#!/bin/sh\nexit 0\n")
        stand_in.chmod(0o755)
    done = run_pytest(tmp_path, bare_path, require_all=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 passed" in done.stdout and "apt-get" not in done.stdout


def test_every_tool_marker_is_declared_in_pyproject_with_its_apt_get_line() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    declared = {
        line.split(":", 1)[0]: line.split(":", 1)[1]
        for line in pyproject["tool"]["pytest"]["ini_options"]["markers"]
    }
    for marker, tool in TOOLS.items():
        assert marker in declared, marker
        assert f"apt-get install {tool.packages[0]}" in declared[marker]


def test_ci_requires_every_tool() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert f"export {REQUIRE_ALL}=1" in ci
    assert ci.index(REQUIRE_ALL) < ci.index(".venv/bin/python -m pytest")
