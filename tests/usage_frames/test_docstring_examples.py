"""The examples in the frames' docstrings run and print what they say."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "dgdata.frames._schema",
    "dgdata.frames._responses",
    "dgdata.frames.usage",
    "dgdata.frames.usage_stats",
    "dgdata.frames.billing",
    "dgdata.frames.account",
    "dgdata.frames.catalog",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_hold(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE, verbose=False)
    assert result.attempted > 0, f"{name} has no examples"
    assert result.failed == 0
