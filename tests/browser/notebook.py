"""Driving one notebook in JupyterLab with Playwright: open, run all, read outputs, ask the kernel.

Running cells and asking the kernel go through ``window.jupyterapp`` (JupyterLab's command
registry and the notebook's kernel connection), which does not depend on menus or key bindings;
everything a person does with a widget (clicks, typing, choosing a file) goes through the page
like a person's input.

Example::

    notebook = Notebook.open(page, lab, "smoke.ipynb")
    notebook.run_all()
    notebook.cell_output(1).locator(".widget-button").click()
    assert notebook.kernel("print(clicks)") == "1"

``Notebook7.open(...)`` opens the same notebook in the Notebook 7 UI of the same server
(``/notebooks/<path>``). Notebook 7 is built from JupyterLab's components, so the notebook's DOM
(``.jp-Notebook .jp-Cell``, ``.jp-OutputArea``) and ``window.jupyterapp`` (its shell's
``currentWidget`` is the notebook panel) are the same; what differs is checked or done its own
way: the app must be "Jupyter Notebook" 7, there is no file browser to fold, and Run All goes
through its menu bar (Run → Run All Cells), as a person does.
"""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from playwright.sync_api import Locator, Page

from tests.browser.jupyter import JupyterLab

N = TypeVar("N", bound="Notebook")

#: Time for JupyterLab to load and the notebook's kernel to be idle (cold start on 2 cores).
OPEN_TIMEOUT_MS = 60_000
#: Time for all cells of a test notebook to run.
RUN_TIMEOUT_MS = 60_000
#: The tallest window a widget screenshot gets (pixels).
MAX_SCREENSHOT_HEIGHT = 4000

_KERNEL_IDLE = """() => {
  const app = window.jupyterapp;
  if (!app || !app.shell) return false;
  const panel = app.shell.currentWidget;
  if (!panel || !panel.sessionContext || !panel.content) return false;
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  return !!kernel && kernel.connectionStatus === 'connected' && kernel.status === 'idle';
}"""

# The file browser takes a third of the page: fold it away, for room and for screenshots.
_FOLD_LEFT_AREA = """async () => {
  const app = window.jupyterapp;
  if (!app.shell.leftCollapsed) await app.commands.execute('application:toggle-left-area');
}"""

_RUN_ALL = """async () => {
  const app = window.jupyterapp;
  return await app.commands.execute('notebook:run-all-cells');
}"""

# Outputs of every code cell, as JupyterLab's models hold them (errors with their traceback).
_CELL_ERRORS = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  const errors = [];
  panel.content.widgets.forEach((cell, index) => {
    if (cell.model.type !== 'code') return;
    const outputs = cell.model.outputs;
    for (let i = 0; i < outputs.length; i++) {
      const out = outputs.get(i).toJSON();
      if (out.output_type === 'error') {
        errors.push(`cell ${index}: ${out.ename}: ${out.evalue}`);
      }
    }
  });
  return errors;
}"""

# Run code in the notebook's own kernel, without adding a cell; stdout, results and the error.
_KERNEL_EXECUTE = """async (code) => {
  const panel = window.jupyterapp.shell.currentWidget;
  const kernel = panel.sessionContext.session.kernel;
  const future = kernel.requestExecute({code, store_history: false, silent: false});
  let out = '';
  let error = null;
  future.onIOPub = (msg) => {
    const type = msg.header.msg_type;
    if (type === 'stream') out += msg.content.text;
    else if (type === 'execute_result') out += msg.content.data['text/plain'];
    else if (type === 'error') error = `${msg.content.ename}: ${msg.content.evalue}`;
  };
  await future.done;
  return {out, error};
}"""


# Notebook 7's Run All is a menu click, which returns before the cells have run: done when the
# kernel is idle and every code cell has its execution count, or a cell failed (Run All stops).
_ALL_CELLS_RAN = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  if (!kernel || kernel.status !== 'idle') return false;
  let ran = true;
  let failed = false;
  panel.content.widgets.forEach((cell) => {
    if (cell.model.type !== 'code') return;
    if (cell.model.executionCount === null) ran = false;
    const outputs = cell.model.outputs;
    for (let i = 0; i < outputs.length; i++) {
      if (outputs.get(i).type === 'error') failed = true;
    }
  });
  return ran || failed;
}"""

# Which front end the page is: JupyterLab's app is "JupyterLab", Notebook 7's "Jupyter Notebook".
_APP = """() => {
  const app = window.jupyterapp;
  return app ? {name: app.name, version: app.version} : null;
}"""


class NotebookError(AssertionError):
    """A notebook cell, or code run in its kernel, raised."""


@dataclass
class Notebook:
    """One open notebook: its page, the lab it came from, and where screenshots go."""

    page: Page
    lab: JupyterLab
    name: str
    shots: list[Path] = field(default_factory=list)
    screenshot_dirs: tuple[Path, ...] = ()

    @classmethod
    def open(
        cls: type[N], page: Page, lab: JupyterLab, name: str, screenshot_dirs: tuple[Path, ...] = ()
    ) -> N:
        """Open ``name`` (in JupyterLab; ``Notebook7``: in Notebook 7), wait for its kernel."""
        page.goto(cls.url(lab, name))
        page.locator(".jp-Notebook .jp-Cell").first.wait_for(timeout=OPEN_TIMEOUT_MS)
        page.wait_for_function(_KERNEL_IDLE, timeout=OPEN_TIMEOUT_MS)
        notebook = cls(page, lab, name, screenshot_dirs=screenshot_dirs)
        notebook._opened()
        return notebook

    @staticmethod
    def url(lab: JupyterLab, name: str) -> str:
        """Where this front end opens ``name``."""
        return lab.notebook_url(name)

    def _opened(self) -> None:
        """What follows opening the notebook: fold the file browser away."""
        self.page.evaluate(_FOLD_LEFT_AREA)

    @property
    def app(self) -> dict[str, str]:
        """The front end's ``name`` and ``version`` (from ``window.jupyterapp``)."""
        app: dict[str, str] = self.page.evaluate(_APP)
        return app

    @property
    def cells(self) -> Locator:
        """Every cell of the notebook, in order."""
        return self.page.locator(".jp-Notebook .jp-Cell")

    def cell_output(self, index: int) -> Locator:
        """The output area of cell ``index`` (0-based)."""
        return self.cells.nth(index).locator(".jp-OutputArea")

    def run_all(self, timeout_ms: int = RUN_TIMEOUT_MS) -> None:
        """Run every cell (Run → Run All Cells) and wait; a cell's error fails the test here."""
        self.page.evaluate(_RUN_ALL)
        self.page.wait_for_function(_KERNEL_IDLE, timeout=timeout_ms)
        errors = self.page.evaluate(_CELL_ERRORS)
        if errors:
            raise NotebookError(f"{self.name}: " + "; ".join(errors))

    def kernel(self, code: str) -> str:
        """Run ``code`` in the notebook's kernel; what it printed (and its value), stripped."""
        result = self.page.evaluate(_KERNEL_EXECUTE, code)
        if result["error"]:
            raise NotebookError(f"{self.name}: {code!r} raised {result['error']}")
        output: str = result["out"]
        return output.strip()

    def wait_for_kernel(
        self,
        code: str,
        predicate: Callable[[str], bool],
        timeout: float = 30.0,
        interval: float = 0.25,
    ) -> str:
        """Ask the kernel ``code`` until ``predicate(answer)`` holds; the last answer."""
        deadline = time.monotonic() + timeout
        while True:
            answer = self.kernel(code)
            if predicate(answer) or time.monotonic() > deadline:
                return answer
            time.sleep(interval)

    def screenshot(self, name: str, target: Locator | None = None) -> Path:
        """A PNG of ``target`` (or the page), kept with the test run and in DGDATA_SCREENSHOTS."""
        first, *copies = self.screenshot_dirs
        path = first / f"{name}.png"
        if target is None:
            self.page.screenshot(path=str(path))
        else:
            self._element_screenshot(target, path)
        for folder in copies:
            folder.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, folder / path.name)
        self.shots.append(path)
        return path

    def _element_screenshot(self, target: Locator, path: Path) -> None:
        # JupyterLab lays itself out in the viewport and only paints what is inside it: a widget
        # taller than the window is shot in a window tall enough to hold it, then restored.
        viewport = self.page.viewport_size
        box = target.bounding_box()
        if viewport is None or box is None or box["height"] + 200 <= viewport["height"]:
            target.screenshot(path=str(path))
            return
        height = min(int(box["height"]) + 300, MAX_SCREENSHOT_HEIGHT)
        self.page.set_viewport_size({"width": viewport["width"], "height": height})
        try:
            target.scroll_into_view_if_needed()
            target.screenshot(path=str(path))
        finally:
            self.page.set_viewport_size(viewport)

    def evaluate(self, script: str, arg: Any = None) -> Any:
        """``page.evaluate`` (for the odd check of the page's own state)."""
        return self.page.evaluate(script, arg)


class Notebook7(Notebook):
    """One notebook open in Notebook 7 (``/notebooks/<path>`` of the same server)."""

    #: ``window.jupyterapp.name`` of Notebook 7 (JupyterLab's is "JupyterLab").
    APP_NAME = "Jupyter Notebook"

    @staticmethod
    def url(lab: JupyterLab, name: str) -> str:
        """Notebook 7's address for ``name``."""
        return lab.notebook7_url(name)

    def _opened(self) -> None:
        """Check that this is Notebook 7 (not JupyterLab); it has no file browser to fold."""
        app = self.app
        if app["name"] != self.APP_NAME or not app["version"].startswith("7."):
            raise AssertionError(f"{self.page.url} is not Notebook 7: {app}")

    @property
    def menu_bar(self) -> Locator:
        """Notebook 7's menu bar (File, Edit, View, Run, Kernel, Settings, Help)."""
        return self.page.locator("#menu-panel .lm-MenuBar")

    def menu(self, title: str, item: str) -> None:
        """Click ``title`` in the menu bar, then ``item`` in the menu it opens."""
        label = re.compile(f"^{re.escape(title)}$")
        self.menu_bar.locator(".lm-MenuBar-item").filter(
            has=self.page.locator(".lm-MenuBar-itemLabel", has_text=label)
        ).click()
        entry = re.compile(f"^{re.escape(item)}$")
        self.page.locator(".lm-Menu .lm-Menu-item").filter(
            has=self.page.locator(".lm-Menu-itemLabel", has_text=entry)
        ).click()

    def run_all(self, timeout_ms: int = RUN_TIMEOUT_MS) -> None:
        """Run → Run All Cells in the menu bar, and wait; a cell's error fails the test here."""
        self.menu("Run", "Run All Cells")
        self.page.wait_for_function(_ALL_CELLS_RAN, timeout=timeout_ms)
        errors = self.page.evaluate(_CELL_ERRORS)
        if errors:
            raise NotebookError(f"{self.name} (Notebook 7): " + "; ".join(errors))
