"""Real-browser fixtures: the local server, JupyterLab, and Debian's Chromium driven by Playwright.

One of each for the package (started on first use, stopped after its last test, so nothing is
left running while the other suites go on):

- ``deepgram_server``: ``LocalServer(demo=True)`` (the demo account; recognition with pocketsphinx);
- ``jupyter_lab``: JupyterLab on 127.0.0.1 with a random token, on a copy of ``notebooks/``, its
  environment (so every kernel's) holding what ``dgdata lab`` passes for that server:
  ``DEEPGRAM_API_URL``, ``DEEPGRAM_API_KEY`` (the owner's key of the first demo project, Support
  calls: a key reaches only its own project) and ``DEEPGRAM_API_KEYS`` (every demo project's key),
  its own config folders in a temporary directory (see ``jupyter.py``);
- ``browser``: ``/usr/bin/chromium`` (never a browser Playwright downloads), headless, with a fake
  microphone that plays ``speech`` (sentences spoken by flite) once, and the permission prompt
  answered yes.

Per test: ``page`` (a fresh browser context with the microphone allowed for the lab's origin),
``open_notebook(name)`` (in JupyterLab) and ``open_notebook7(name)`` (in the Notebook 7 UI the same
server serves). When a test fails, a screenshot of the page, the browser console and the
end of JupyterLab's log are added to its report.

Every test here is marked ``needs_chromium``: where Chromium is missing it is skipped, naming
``apt-get install chromium`` (and fails instead in CI, see ``tests/requirements_plugin.py``).
Environment switches, for debugging (tests/README.md):

- ``DGDATA_SCREENSHOTS=DIR``: also copy each widget's screenshot there;
- ``DGDATA_BROWSER_HEADFUL=1``: show the browser window (needs a display, e.g. ``xvfb-run``);
- ``DGDATA_BROWSER_SLOWMO=MS``: wait that long after each Playwright action;
- ``DGDATA_BROWSER_TRACE=DIR``: save a Playwright trace per test there;
- ``DGDATA_CHROMIUM=PATH``: another Chromium binary than ``chromium`` on PATH.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from dgdata import Deepgram
from dgdata.cli.lab import notebook_environment
from dgdata.server.runner import LocalServer
from tests.browser.jupyter import JupyterLab
from tests.browser.notebook import Notebook, Notebook7
from tests.browser.speech import Speech, make_speech
from tests.requirements_plugin import TOOLS

NOTEBOOKS = Path(__file__).resolve().parent / "notebooks"
SAMPLES = Path(__file__).resolve().parents[2] / "dgdata" / "data" / "samples"

#: Chromium as root on a closed network: no sandbox (root), no GPU, and none of the background
#: connections (updates, sync, QUIC) that this machine's network refuses, many at a time.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
#: Where a test's page keeps its console messages, for the failure report.
CONSOLE = pytest.StashKey[list[str]]()
#: Playwright's default action timeout in these tests (a cold JupyterLab is slow on 2 cores).
ACTION_TIMEOUT_MS = 30_000


def fake_microphone_flags(wav: Path, *, answer_prompt: bool = True) -> list[str]:
    """The flags that make ``wav`` the microphone (played once), and say yes to the prompt."""
    flags = [
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={wav}%noloop",
    ]
    return (["--use-fake-ui-for-media-stream"] if answer_prompt else []) + flags


@pytest.fixture(scope="package")
def browser_tmp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder for the browser tests' files (lab home, speech, screenshots, failures)."""
    return tmp_path_factory.mktemp("browser")


@pytest.fixture(scope="package")
def screenshot_dirs(browser_tmp: Path) -> tuple[Path, ...]:
    """Where screenshots go: ``browser_tmp/screenshots``, and ``DGDATA_SCREENSHOTS`` when set."""
    shots = browser_tmp / "screenshots"
    shots.mkdir()
    extra = os.environ.get("DGDATA_SCREENSHOTS")
    return (shots, Path(extra)) if extra else (shots,)


@pytest.fixture(scope="package")
def speech(browser_tmp: Path) -> Speech:
    """The WAV file the fake microphone plays, and the sentences it says."""
    return make_speech(browser_tmp / "speech")


@pytest.fixture(scope="package")
def deepgram_server() -> Iterator[LocalServer]:
    """The local Deepgram-compatible server with the demo account."""
    with LocalServer(demo=True) as server:
        yield server


@pytest.fixture
def server(deepgram_server: LocalServer) -> LocalServer:
    """The package's server, reset to its demo state before the test."""
    deepgram_server.reset()
    return deepgram_server


def kernel_key(server: LocalServer) -> str:
    """The key the notebooks' ``dgdata.Deepgram()`` uses: the first demo project's owner key."""
    return notebook_environment(server, base={})["DEEPGRAM_API_KEY"]


@pytest.fixture
def api(server: LocalServer) -> Iterator[Deepgram]:
    """A client in the test process with the kernels' key (its project only, as theirs): to
    check what widgets did."""
    client = Deepgram(api_key=kernel_key(server), api_url=server.url, max_retries=0)
    yield client
    client.close()


@pytest.fixture(scope="package")
def jupyter_lab(browser_tmp: Path, deepgram_server: LocalServer) -> Iterator[JupyterLab]:
    """JupyterLab on a copy of tests/browser/notebooks, its kernels wired to the local server."""
    root = browser_tmp / "notebooks"
    shutil.copytree(NOTEBOOKS, root, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    shutil.copytree(SAMPLES, root / "samples", ignore=shutil.ignore_patterns("*.md"))
    env = notebook_environment(deepgram_server, base={})  # what `dgdata lab` passes
    lab = JupyterLab.start(root, home=browser_tmp / "jupyter-home", env=env)
    yield lab
    lab.stop()


def chromium_executable() -> str:
    """Debian's Chromium (never `playwright install`): a test that launches it is marked
    ``needs_chromium``, so the plugin has skipped it already where Chromium is missing."""
    found = TOOLS["needs_chromium"].find()
    assert found is not None, "a test that launches Chromium is marked needs_chromium"
    return found


@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    """The Playwright driver (sync API)."""
    with sync_playwright() as driver:
        yield driver


def launch_chromium(driver: Playwright, flags: list[str]) -> Browser:
    """Headless Chromium (headful with DGDATA_BROWSER_HEADFUL=1).

    Playwright gives every launch a fresh, empty profile (``--user-data-dir`` in a new temporary
    folder, removed on close), so no state carries over between runs.
    """
    return driver.chromium.launch(
        executable_path=chromium_executable(),
        headless=os.environ.get("DGDATA_BROWSER_HEADFUL", "") in ("", "0"),
        slow_mo=float(os.environ.get("DGDATA_BROWSER_SLOWMO", "0")),
        args=[*CHROMIUM_FLAGS, *flags],
    )


@pytest.fixture(scope="package")
def browser(playwright: Playwright, speech: Speech) -> Iterator[Browser]:
    """Chromium whose microphone says ``speech`` once, the permission prompt answered yes."""
    chromium = launch_chromium(playwright, fake_microphone_flags(speech.path))
    yield chromium
    chromium.close()


def new_context(
    browser: Browser, lab: JupyterLab, *, microphone: bool, trace_name: str
) -> BrowserContext:
    """A context on the lab's origin (microphone allowed or not), tracing if asked to."""
    context = browser.new_context(
        viewport={"width": 1280, "height": 900},
        base_url=lab.url,
    )
    if microphone:
        context.grant_permissions(["microphone"], origin=lab.url)
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    if os.environ.get("DGDATA_BROWSER_TRACE"):
        context.tracing.start(name=trace_name, screenshots=True, snapshots=True)
    return context


def close_context(context: BrowserContext, trace_name: str) -> None:
    """Save the trace (when tracing) and close the context."""
    folder = os.environ.get("DGDATA_BROWSER_TRACE")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        context.tracing.stop(path=str(Path(folder) / f"{trace_name}.zip"))
    context.close()


def watch_console(page: Page) -> list[str]:
    """Collect the page's console messages and uncaught errors (shown when a test fails)."""
    messages: list[str] = []
    page.on("console", lambda msg: messages.append(f"[{msg.type}] {msg.text}"))
    page.on("pageerror", lambda exc: messages.append(f"[pageerror] {exc}"))
    return messages


def _safe_name(nodeid: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid.split("::")[-1])[:80]


@pytest.fixture
def page(
    browser: Browser, jupyter_lab: JupyterLab, request: pytest.FixtureRequest
) -> Iterator[Page]:
    """A page in a fresh context, microphone allowed; kernels it started are shut down after."""
    name = _safe_name(request.node.nodeid)
    context = new_context(browser, jupyter_lab, microphone=True, trace_name=name)
    tab = context.new_page()
    request.node.stash[CONSOLE] = watch_console(tab)
    yield tab
    close_context(context, name)
    jupyter_lab.shutdown_kernels()


@pytest.fixture
def denied_page(
    playwright: Playwright, speech: Speech, jupyter_lab: JupyterLab, request: pytest.FixtureRequest
) -> Iterator[Page]:
    """A page of a second Chromium that answers no prompt: the microphone is denied.

    Without ``--use-fake-ui-for-media-stream`` nobody answers the permission prompt of a
    headless browser, and an origin without the permission gets ``NotAllowedError``, as a
    person who clicks "Block" does. (With that flag Chromium says yes even to a denied origin,
    so this needs a browser of its own.)
    """
    name = _safe_name(request.node.nodeid)
    chromium = launch_chromium(playwright, fake_microphone_flags(speech.path, answer_prompt=False))
    context = new_context(chromium, jupyter_lab, microphone=False, trace_name=name)
    tab = context.new_page()
    request.node.stash[CONSOLE] = watch_console(tab)
    yield tab
    close_context(context, name)
    chromium.close()
    jupyter_lab.shutdown_kernels()


@pytest.fixture
def open_notebook(
    page: Page, jupyter_lab: JupyterLab, screenshot_dirs: tuple[Path, ...]
) -> Callable[[str], Notebook]:
    """``open_notebook("smoke.ipynb")``: the notebook open in ``page``, its kernel idle."""

    def opener(name: str) -> Notebook:
        return Notebook.open(page, jupyter_lab, name, screenshot_dirs)

    return opener


@pytest.fixture
def open_notebook7(
    page: Page, jupyter_lab: JupyterLab, screenshot_dirs: tuple[Path, ...]
) -> Callable[[str], Notebook7]:
    """``open_notebook7("smoke.ipynb")``: the notebook open in Notebook 7, its kernel idle."""

    def opener(name: str) -> Notebook7:
        return Notebook7.open(page, jupyter_lab, name, screenshot_dirs)

    return opener


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Iterator[None]:
    """On a failed browser test: a screenshot, the console and JupyterLab's log in the report."""
    outcome: Any = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed:
        return
    funcargs = getattr(item, "funcargs", {})
    tab = funcargs.get("denied_page") or funcargs.get("page")
    if isinstance(tab, Page) and not tab.is_closed():
        base = funcargs.get("browser_tmp") or Path(tempfile.gettempdir())
        folder = Path(base) / "failures"
        folder.mkdir(exist_ok=True)
        shot = folder / f"{_safe_name(item.nodeid)}.png"
        try:
            tab.screenshot(path=str(shot), full_page=True)
            report.sections.append(("browser screenshot", str(shot)))
        except Exception as exc:  # the page may be what broke
            report.sections.append(("browser screenshot", f"not taken: {exc}"))
    console = item.stash.get(CONSOLE, None)
    if console:
        report.sections.append(("browser console", "\n".join(console[-60:])))
    lab = funcargs.get("jupyter_lab")
    if isinstance(lab, JupyterLab):
        report.sections.append(("jupyterlab log (tail)", lab.log_tail()))
