"""Shared helpers for the frame tests: the real recorded responses and the schema check."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from dgdata.frames import SCHEMAS

REAL = Path(__file__).resolve().parents[1] / "data" / "real"

#: Every real /v1/listen REST answer kept under tests/data/real.
REST_RESPONSES = sorted(REAL.glob("python-sdk-*/tests/response_data/listen/rest/*-response.json"))
REST_RESPONSES += [
    REAL / "python-captions" / "dg_utterances.json",
    REAL / "python-captions" / "dg_transcription.json",
    REAL / "python-sdk-v2.12.0" / "tests" / "mock_response.json",
]
#: Every real live /v1/listen ``Results`` message kept under tests/data/real.
LIVE_MESSAGES = sorted(
    REAL.glob("python-sdk-*/tests/response_data/listen/websocket/*-response.json")
)


def load(path: Path) -> Any:
    """The parsed JSON of a data file."""
    return json.loads(path.read_text(encoding="utf-8"))


def label(path: Path) -> str:
    """A short test id for a data file."""
    return f"{path.parent.name}/{path.name[:16]}"


def assert_schema(frame: pd.DataFrame, name: str, *, source: str | None = None) -> None:
    """``frame`` has exactly the declared columns and dtypes of frame ``name``.

    ``source`` is the expected dtype of a leading ``source`` column, if one is expected.
    """
    expected = {column: str(dtype) for column, dtype in SCHEMAS[name].dtypes().items()}
    if source is not None:
        expected = {"source": source, **expected}
    assert list(frame.columns) == list(expected), name
    actual = {column: str(dtype) for column, dtype in frame.dtypes.items()}
    assert actual == expected, name
    assert isinstance(frame.index, pd.RangeIndex)
