"""Tests that need a program pip does not install: a marker each, skipped (or failed in CI).

The default run needs only what ``pip install -e ".[dev]"`` installs. A test that truly needs a
system program carries one of these markers (declared in ``pyproject.toml``):

==================  ==========================================================================
``needs_chromium``  Debian's Chromium, for the real-browser tests (``DGDATA_CHROMIUM`` or PATH)
``needs_node``      node, to run the microphone widget's JavaScript
``needs_flite``     flite itself (re-rendering the committed test speech)
``needs_tts``       a speech synthesiser for the local server's ``/v1/speak``: flite or espeak-ng
==================  ==========================================================================

Where the program is missing, the test is skipped and its reason names the ``apt-get install``
line that brings it (``pytest -ra`` lists them; the summary adds one line installing them all).
With ``DGDATA_REQUIRE_ALL_TOOLS=1`` (``.ci/run`` sets it) the same test fails instead: CI has
installed everything, so a skip there would only hide a broken image.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass

import pytest

#: Set to 1 (``.ci/run`` does) to fail, rather than skip, a test whose program is missing.
REQUIRE_ALL = "DGDATA_REQUIRE_ALL_TOOLS"


def _on_path(*names: str) -> Callable[[], str | None]:
    """A finder: the first of ``names`` on PATH, or None."""

    def find() -> str | None:
        return next((path for name in names if (path := shutil.which(name))), None)

    return find


def _chromium() -> str | None:
    """``DGDATA_CHROMIUM`` when set (an executable file, else None), else ``chromium`` on PATH."""
    chosen = os.environ.get("DGDATA_CHROMIUM")
    if chosen:
        return chosen if os.path.isfile(chosen) and os.access(chosen, os.X_OK) else None
    return shutil.which("chromium")


@dataclass(frozen=True)
class Tool:
    """A program some tests need: what it is for, how to find it, the Debian packages to get it."""

    marker: str
    purpose: str
    find: Callable[[], str | None]
    packages: tuple[str, ...]

    @property
    def install(self) -> str:
        """The line that installs it."""
        return f"apt-get install {' '.join(self.packages)}"

    def reason(self) -> str:
        """The skip (or CI failure) message: what is missing, and how to install it."""
        return f"{self.purpose} is not installed: {self.install}"


TOOLS: dict[str, Tool] = {
    tool.marker: tool
    for tool in (
        Tool(
            "needs_chromium",
            "Chromium (the real-browser tests)",
            _chromium,
            ("chromium", "fonts-liberation", "fonts-dejavu-core"),
        ),
        Tool(
            "needs_node", "node (the microphone widget's JS tests)", _on_path("node"), ("nodejs",)
        ),
        Tool("needs_flite", "flite (renders the test speech)", _on_path("flite"), ("flite",)),
        Tool(
            "needs_tts",
            "a speech synthesiser for /v1/speak (flite or espeak-ng)",
            _on_path("flite", "espeak-ng", "espeak"),
            ("flite",),
        ),
    )
}

#: Per test: the tools it needs that this machine lacks (found at collection).
_ITEM_MISSING = pytest.StashKey[list[Tool]]()
#: Per run: the tests marked to be skipped, with what they lack (for the summary line).
_SKIPPED = pytest.StashKey[dict[str, list[Tool]]]()


def _require_all() -> bool:
    """Whether missing programs fail their tests (``DGDATA_REQUIRE_ALL_TOOLS`` set, not 0)."""
    return os.environ.get(REQUIRE_ALL, "") not in ("", "0")


def expect_tool(marker: str) -> bool:
    """Whether a test may count on the program of ``marker``: it is here, or CI demands it."""
    return _require_all() or TOOLS[marker].find() is not None


def missing_tools(item: pytest.Item, found: dict[str, bool]) -> list[Tool]:
    """The tools ``item``'s markers ask for that this machine lacks (``found`` caches lookups)."""
    wanted = {mark.name for mark in item.iter_markers() if mark.name in TOOLS}
    for name in wanted - found.keys():
        found[name] = TOOLS[name].find() is not None
    return [tool for name, tool in TOOLS.items() if name in wanted and not found[name]]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark each test whose program is missing to be skipped, saying what to install.

    Under ``DGDATA_REQUIRE_ALL_TOOLS=1`` they are not skipped: ``pytest_runtest_setup`` fails
    them instead. Each program is looked up once per run.
    """
    found: dict[str, bool] = {}
    skipped = config.stash.setdefault(_SKIPPED, {})
    strict = _require_all()
    for item in items:
        missing = missing_tools(item, found)
        item.stash[_ITEM_MISSING] = missing
        if missing and not strict:
            skipped[item.nodeid] = missing
            item.add_marker(pytest.mark.skip(reason="; ".join(t.reason() for t in missing)))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """In CI (``DGDATA_REQUIRE_ALL_TOOLS=1``) a test whose program is missing fails, at once."""
    missing = item.stash.get(_ITEM_MISSING, [])
    if missing and _require_all():
        reasons = "; ".join(tool.reason() for tool in missing)
        pytest.fail(f"{REQUIRE_ALL} is set and {reasons}", pytrace=False)


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    """One line that installs every program this run's skipped tests went without."""
    marked = config.stash.get(_SKIPPED, {})
    reports = terminalreporter.stats.get("skipped", [])
    missing = {t.marker for r in reports if r.nodeid in marked for t in marked[r.nodeid]}
    if not missing:
        return
    ordered = [tool for marker, tool in TOOLS.items() if marker in missing]
    packages = dict.fromkeys(p for tool in ordered for p in tool.packages)
    terminalreporter.write_line(
        "some tests were skipped for programs pip does not install; to run them: "
        f"apt-get install {' '.join(packages)}",
        yellow=True,
    )
