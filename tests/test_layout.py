"""The package's layout and import rules: the folders show the layers (CONTRIBUTING.md draws them).

The import rules are import-linter contracts in ``pyproject.toml``; this test runs them, so the
README's test command and CI check them on every run. The counts below are the limits of the
layout issue: a small flat core at the top of ``dgdata/``, families of parts in subpackages.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "dgdata"

#: the small shared core: the only modules at the top of the package
CORE = {
    "__init__.py",
    "__main__.py",
    "_atomic.py",
    "_config.py",
    "_http.py",
    "_query.py",
    "_retry.py",
    "_sources.py",
    "_version.py",
    "aio.py",
    "client.py",
    "errors.py",
    "options.py",
    "plots.py",
    "testing.py",
    "transcript.py",
}
#: the families of parts, one folder each
SUBPACKAGES = {"batch", "cli", "frames", "live", "resources", "server", "widgets"}
SERVER_TOP = {"__init__.py", "app.py", "errors.py", "runner.py", "state.py"}
SERVER_SUBPACKAGES = {"asr", "audio", "backend", "demo", "listen", "routes", "speak"}


def _modules(folder: Path) -> set[str]:
    return {p.name for p in folder.glob("*.py")}


def _packages(folder: Path) -> set[str]:
    return {p.parent.name for p in folder.glob("*/__init__.py")}


def test_the_package_top_is_the_small_core_and_its_subpackages() -> None:
    modules = _modules(PACKAGE)
    assert modules == CORE, f"new top-level modules belong in a subpackage: {modules - CORE}"
    assert len(modules) <= 16
    assert _packages(PACKAGE) == SUBPACKAGES
    assert not [m for m in modules if re.match(r"_(live|batch|cli)_", m)]


def test_the_server_top_is_app_runner_state_errors_and_its_rooms() -> None:
    server = PACKAGE / "server"
    assert _modules(server) == SERVER_TOP
    assert _packages(server) == SERVER_SUBPACKAGES
    assert len(_modules(server)) + len(_packages(server)) <= 12


@pytest.mark.parametrize(
    "folder", sorted(SUBPACKAGES | {f"server/{p}" for p in SERVER_SUBPACKAGES})
)
def test_every_subpackage_says_what_lives_in_it(folder: str) -> None:
    init = (PACKAGE / folder / "__init__.py").read_text()
    docstring = re.match(r'\s*(?:"""|\'\'\')(.*?)(?:"""|\'\'\')', init, re.S)
    assert docstring and len(docstring.group(1).split()) >= 8, f"dgdata/{folder}/__init__.py"


def test_import_contracts_hold(monkeypatch: pytest.MonkeyPatch) -> None:
    """``lint-imports``: frames a leaf, client and server apart, widgets off the server, layers."""
    from importlinter.cli import lint_imports

    monkeypatch.chdir(ROOT)
    contracts = (ROOT / "pyproject.toml").read_text().count("[[tool.importlinter.contracts]]")
    assert contracts >= 4
    assert lint_imports(no_cache=True, no_logo=True) == 0, "see `lint-imports` for what broke"


def test_a_broken_contract_is_caught(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The contracts are live: a frames module that imports the client breaks the first one."""
    from importlinter.cli import lint_imports

    copy = tmp_path / "dgdata"
    for source in PACKAGE.rglob("*.py"):
        target = copy / source.relative_to(PACKAGE)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(source.read_text())
    (copy / "frames" / "_bad.py").write_text("from dgdata.client import Deepgram\n")
    config = tmp_path / "pyproject.toml"
    config.write_text((ROOT / "pyproject.toml").read_text())
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in [m for m in list(sys.modules) if m == "dgdata" or m.startswith("dgdata.")]:
        monkeypatch.delitem(sys.modules, name)
    assert lint_imports(config_filename=str(config), no_cache=True, no_logo=True) == 1
