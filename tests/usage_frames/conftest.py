"""Fixtures for the usage / billing / account frame and plot tests.

The docs' example responses come from ``tests/data/docs-examples/wiremock-mappings.json`` (one
stub per REST operation; see the README there for origin and licence).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

import matplotlib
import pytest

matplotlib.use("Agg")

import matplotlib.pyplot as plt

MAPPINGS = Path(__file__).resolve().parents[1] / "data" / "docs-examples" / "wiremock-mappings.json"
PROJECT = "/v1/projects/{project_id}"
#: The type of the ``docs_example`` fixture.
DocsExample = Callable[[str, str], Any]


@cache
def _stubs() -> dict[tuple[str, str], Any]:
    mappings = json.loads(MAPPINGS.read_text(encoding="utf-8"))["mappings"]
    stubs = {}
    for mapping in mappings:
        request, response = mapping["request"], mapping["response"]
        body = response.get("body") or ""
        stubs[(request["method"], request["urlPathTemplate"])] = (
            json.loads(body) if body.lstrip().startswith(("{", "[")) else body
        )
    return stubs


def docs_body(method: str, path: str) -> Any:
    """The docs' example response body for one operation, e.g. ``("GET", PROJECT + "/keys")``.

    Each call returns a fresh copy, so a test may change it freely.
    """
    return json.loads(json.dumps(_stubs()[(method, path)]))


@pytest.fixture
def docs_example() -> Callable[[str, str], Any]:
    """``docs_example("GET", PROJECT + "/balances")`` -> the parsed example body."""
    return docs_body


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    plt.close("all")
