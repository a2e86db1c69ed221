"""The frames layer is a leaf: pandas, numpy, the standard library and deepgram-captions only."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "dgdata"
LEAF_MODULES = [
    PACKAGE / "transcript.py",
    *sorted((PACKAGE / "frames").glob("*.py")),
]
ALLOWED_THIRD_PARTY = {"pandas", "numpy", "pyarrow", "deepgram_captions"}


def _imported_modules(path: Path) -> set[str]:
    """Dotted names of what ``path`` imports (``from a import b`` counts as ``a.b``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.update(
                node.module if alias.name == "*" else f"{node.module}.{alias.name}"
                for alias in node.names
            )
    return found


@pytest.mark.parametrize("path", LEAF_MODULES, ids=lambda p: p.name)
def test_leaf_modules_import_only_pandas_numpy_stdlib_and_frames(path: Path) -> None:
    for module in _imported_modules(path):
        top = module.split(".")[0]
        allowed = (
            module.startswith("dgdata.frames")
            if top == "dgdata"
            else top in sys.stdlib_module_names or top in ALLOWED_THIRD_PARTY
        )
        assert allowed, f"{path.name} imports {module}"


def test_importing_the_transcript_loads_no_network_code() -> None:
    probe = (
        "import sys, dgdata.transcript, dgdata.frames; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'requests', 'urllib3', 'websocket', 'http'} or m in {'dgdata.client', 'dgdata.live'}); "
        "print(','.join(bad))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == ""
