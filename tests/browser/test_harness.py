"""The harness itself: JupyterLab renders widgets in Chromium, clicks reach the kernel.

If this fails, the widget tests beside it cannot mean anything; it checks each link once: the
notebook opens on the venv's kernel, an ipywidgets button and an anywidget render and answer
clicks, and ``dgdata.Deepgram()`` in the kernel reaches the local server (the project of its key).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import expect

from dgdata import Deepgram
from tests.browser.notebook import Notebook

pytestmark = pytest.mark.timeout(120)


@pytest.mark.needs_chromium
def test_widgets_render_and_clicks_reach_the_kernel(
    open_notebook: Callable[[str], Notebook], api: Deepgram
) -> None:
    notebook = open_notebook("smoke.ipynb")
    notebook.run_all()

    assert Path(notebook.kernel("import sys; print(sys.executable)")) == Path(sys.executable)
    # the kernel's key reaches its own project only, the one the test's client sees too
    (project,) = api.projects.list()["projects"]
    assert project["name"] == "Demo — Support calls"
    expect(notebook.cell_output(3)).to_have_text(project["name"])
    # and the kernel has the key of every demo project, as `dgdata lab` gives them
    keys = "import os; print(len(os.environ['DEEPGRAM_API_KEYS'].split(',')))"
    assert notebook.kernel(keys) == "3"

    button = notebook.cell_output(1).locator("button.smoke-button")
    expect(button).to_have_text("Click me")
    button.click()
    expect(button).to_have_text("Clicked 1")
    button.click()
    expect(button).to_have_text("Clicked 2")
    assert notebook.kernel("print(clicks)") == "2"

    counter = notebook.cell_output(2).locator("button.smoke-anywidget")
    expect(counter).to_have_text("count 0")
    counter.click()
    expect(counter).to_have_text("count 1")
    assert notebook.wait_for_kernel("print(counter.value)", lambda v: v == "1") == "1"
    notebook.kernel("counter.value = 41")
    expect(counter).to_have_text("count 41")

    notebook.screenshot("harness", notebook.page.locator(".jp-NotebookPanel"))


def test_ci_installs_the_browser_these_tests_drive() -> None:
    ci = (Path(__file__).resolve().parents[2] / ".ci" / "run").read_text(encoding="utf-8")
    packages = re.search(r"^debian_packages=\((.*)\)$", ci, re.M)
    assert packages, ".ci/run lists its Debian packages in debian_packages=(...)"
    assert {"chromium", "flite"} <= set(packages.group(1).split())
    assert "playwright install" not in ci
