"""Declared columns and fast, forgiving converters for the account, usage and billing frames.

Every frame in ``usage.py``, ``usage_stats.py``, ``billing.py`` and ``account.py`` declares its
columns once as a :class:`Schema` (column name -> kind).  A frame is built by an explicit walker
that collects one Python list per column, then :meth:`Schema.build` turns each list into a typed
array in one vectorised step.  The same schema builds the empty frame, so a frame has the same
columns and dtypes whether the response had zero rows, missing keys or odd values.

Kinds and the pandas dtype each becomes:

============  ==========================  ==================================================
kind          dtype                       accepted values (anything else becomes missing)
============  ==========================  ==================================================
``string``    ``string``                  str; int/float/bool are written out as text
``float``     ``float64``                 numbers and numeric strings; missing -> NaN
``int``       ``Int64``                   integral numbers (``200.0`` -> 200); else <NA>
``bool``      ``boolean``                 true/false, 1/0, "true"/"false"/"yes"/"no"
``flag``      ``boolean``                 "was this option used": true/false, non-zero
                                          numbers, non-empty strings/lists; "false" -> False
``time``      ``datetime64[ns, UTC]``     ISO 8601 strings (naive ones are read as UTC)
``list``      ``object``                  a list of str per row (a lone string -> [it])
``object``    ``object``                  the JSON value as given (dicts, lists, ...)
============  ==========================  ==================================================

Example::

    >>> s = Schema({"id": "string", "n": "int"})
    >>> s.build({"id": ["a", None], "n": [1.0, "2"]}, 2).dtypes.astype(str).tolist()
    ['string', 'Int64']
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

UTC_NS = pd.DatetimeTZDtype(unit="ns", tz="UTC")
_STRING = pd.StringDtype()
_NONE = type(None)
EMPTY: Mapping[str, Any] = {}  # shared, never mutated: stands in for a missing JSON object

_TRUE_WORDS = frozenset({"true", "t", "yes", "y", "1", "on"})
_FALSE_WORDS = frozenset({"false", "f", "no", "n", "0", "off", "", "none", "null"})
_TS_MIN = pd.Timestamp.min.tz_localize("UTC")
_TS_MAX = pd.Timestamp.max.tz_localize("UTC")
_NULL = np.array(None, dtype=object)  # compares element-wise with an object array


def as_dict(value: Any) -> Mapping[str, Any]:
    """``value`` if it is a dict, else a shared empty mapping (a missing or odd JSON object)."""
    return value if type(value) is dict else EMPTY


def first(*values: Any) -> Any:
    """The first value that is not None (JSON null or a missing key), else None."""
    for value in values:
        if value is not None:
            return value
    return None


def str_list(value: Any) -> list[str]:
    """A JSON array of strings as a list of str; a lone string becomes ``[it]``, null ``[]``."""
    if type(value) is list:
        for element in value:
            if type(element) is not str:
                texts = map(_scalar_text, value)
                return [text for text in texts if text is not None]
        return value
    if type(value) is str:
        return [value]
    return []


# --------------------------------------------------------------------------- converters


def _scalar_text(value: Any) -> str | None:
    if type(value) is str:
        return value
    if type(value) is bool:
        return "true" if value else "false"
    if type(value) is int:
        return str(value)
    if type(value) is float:
        return None if math.isnan(value) else repr(value)
    return None


def to_string(values: Sequence[Any]) -> pd.api.extensions.ExtensionArray:
    """Text column: str kept, numbers and booleans written out, everything else <NA>."""
    if not set(map(type, values)) <= {str, _NONE}:
        values = [_scalar_text(v) for v in values]
    return pd.array(values, dtype=_STRING)


def _float_or_nan(value: Any) -> float:
    if type(value) not in (int, float, str):  # JSON true/false, objects, arrays: not numbers
        return math.nan
    try:
        return float(value)
    except (ValueError, OverflowError):
        return math.nan


def to_float(values: Sequence[Any]) -> np.ndarray:
    """float64 column: numbers and numeric strings (``"1.5"``) kept, anything else NaN."""
    if set(map(type, values)) <= {int, float, _NONE}:
        try:
            return np.array(values, dtype=np.float64)
        except OverflowError:  # an int too large for a float
            pass
    return np.fromiter(map(_float_or_nan, values), dtype=np.float64, count=len(values))


def to_int(values: Sequence[Any]) -> pd.api.extensions.ExtensionArray:
    """Int64 column: integral numbers (``200.0`` -> 200, ``"3"`` -> 3); fractions are <NA>."""
    floats = to_float(values)
    with np.errstate(invalid="ignore"):
        valid = np.isfinite(floats) & (np.floor(floats) == floats) & (np.abs(floats) < 2.0**62)
    data = np.where(valid, floats, 0.0).astype(np.int64)
    return pd.arrays.IntegerArray(data, ~valid)


def _strict_bool(value: Any) -> bool | None:
    if type(value) is bool:
        return value
    if type(value) in (int, float):
        return True if value == 1 else False if value == 0 else None
    if type(value) is str:
        word = value.strip().lower()
        return True if word in _TRUE_WORDS else False if word in _FALSE_WORDS else None
    return None


def _used_flag(value: Any) -> bool | None:
    if value is None or type(value) is bool:
        return value
    if type(value) in (int, float):
        return None if value != value else value != 0  # NaN stays missing
    if type(value) is str:
        return value.strip().lower() not in _FALSE_WORDS
    if isinstance(value, (list, dict, tuple)):
        return len(value) > 0
    return None


def _boolean(values: Sequence[Any], slow: Callable[[Any], bool | None]) -> pd.arrays.BooleanArray:
    n = len(values)
    objects = np.fromiter(values, dtype=object, count=n)
    is_none = np.equal(objects, _NULL)
    if is_none.all():
        return pd.arrays.BooleanArray(np.zeros(n, dtype=bool), is_none)
    if set(map(type, values)) <= {bool, _NONE}:
        return pd.arrays.BooleanArray(np.equal(objects, True).astype(bool), is_none.astype(bool))
    parsed = [slow(v) for v in values]
    missing = np.fromiter((p is None for p in parsed), dtype=bool, count=n)
    data = np.fromiter((p is True for p in parsed), dtype=bool, count=n)
    return pd.arrays.BooleanArray(data, missing)


def to_bool(values: Sequence[Any]) -> pd.arrays.BooleanArray:
    """Nullable boolean column: true/false, 1/0 and yes/no words; anything else <NA>."""
    return _boolean(values, _strict_bool)


def to_flag(values: Sequence[Any]) -> pd.arrays.BooleanArray:
    """Nullable boolean "option used" column (``summarize="v2"`` -> True, ``[]`` -> False)."""
    return _boolean(values, _used_flag)


def to_time(values: Sequence[Any]) -> pd.Series:
    """Timestamps as ``datetime64[ns, UTC]``: ISO 8601 strings; others and bad strings NaT."""
    texts = pd.Series([v if type(v) is str else None for v in values], dtype=object)
    try:
        parsed = pd.to_datetime(texts, utc=True, format="ISO8601", errors="coerce")
    except (ValueError, TypeError, OverflowError):  # pragma: no cover - pandas version quirks
        parsed = pd.Series([_one_time(v) for v in texts], dtype=object)
        parsed = pd.to_datetime(parsed, utc=True, errors="coerce")
    if parsed.dtype != UTC_NS:
        parsed = parsed.where((parsed >= _TS_MIN) & (parsed <= _TS_MAX))  # outside ns range
        parsed = parsed.astype(UTC_NS)
    return parsed.reset_index(drop=True)


def _one_time(value: str | None) -> pd.Timestamp | None:
    if value is None:
        return None
    try:
        return pd.Timestamp(value)
    except (ValueError, TypeError, OverflowError):
        return None


def to_list(values: Sequence[Any]) -> np.ndarray:
    """Object column holding one list of str per row (missing -> ``[]``)."""
    return to_object([str_list(v) for v in values])


def to_object(values: Sequence[Any]) -> np.ndarray:
    """Object column holding each JSON value as given (never split into more dimensions)."""
    return np.fromiter(values, dtype=object, count=len(values))


def _missing(kind: str, length: int) -> Any:
    """An all-missing column of ``kind`` (built directly: the common case for rare fields)."""
    if kind in ("bool", "flag"):
        return pd.arrays.BooleanArray(np.zeros(length, bool), np.ones(length, bool))
    if kind == "int":
        return pd.arrays.IntegerArray(np.zeros(length, np.int64), np.ones(length, bool))
    if kind == "float":
        return np.full(length, np.nan)
    if kind == "time":
        return pd.Series(np.full(length, np.datetime64("NaT", "ns"))).dt.tz_localize("UTC")
    if kind == "list":
        return to_object([[] for _ in range(length)])
    if kind == "string":
        return pd.Series(index=pd.RangeIndex(length), dtype=_STRING).array
    return np.full(length, None, dtype=object)


_CONVERTERS: dict[str, Callable[[Sequence[Any]], Any]] = {
    "string": to_string,
    "float": to_float,
    "int": to_int,
    "bool": to_bool,
    "flag": to_flag,
    "time": to_time,
    "list": to_list,
    "object": to_object,
}
_DTYPES: dict[str, Any] = {
    "string": _STRING,
    "float": np.dtype("float64"),
    "int": pd.Int64Dtype(),
    "bool": pd.BooleanDtype(),
    "flag": pd.BooleanDtype(),
    "time": UTC_NS,
    "list": np.dtype("object"),
    "object": np.dtype("object"),
}


class Schema:
    """The declared columns of one frame, in order: ``{name: kind}`` (kinds: module docstring).

    Example::

        >>> Schema({"balance_id": "string", "amount": "float"}).empty().dtypes.astype(str).to_dict()
        {'balance_id': 'string', 'amount': 'float64'}
    """

    def __init__(self, columns: Mapping[str, str]) -> None:
        unknown = {kind for kind in columns.values() if kind not in _CONVERTERS}
        if unknown:
            raise ValueError(f"unknown column kinds {sorted(unknown)}")
        self.columns: dict[str, str] = dict(columns)

    @property
    def names(self) -> list[str]:
        """Column names in frame order."""
        return list(self.columns)

    def dtypes(self) -> dict[str, Any]:
        """``{column: pandas dtype}``, e.g. to compare with ``df.dtypes.to_dict()``."""
        return {name: _DTYPES[kind] for name, kind in self.columns.items()}

    def build(self, columns: Mapping[str, Sequence[Any]], length: int) -> pd.DataFrame:
        """A frame with exactly these columns from raw per-column lists (absent ones: missing)."""
        index = pd.RangeIndex(length)
        data = {}
        for name, kind in self.columns.items():
            values = columns.get(name)
            values = list(values) if values is not None else None
            if values is None or values.count(None) == length:  # absent: skip the parsing
                array = _missing(kind, length)
            else:
                array = _CONVERTERS[kind](values)
            # an explicit dtype stops pandas from inferring "str" for object columns of text
            data[name] = pd.Series(array, index=index, dtype=_DTYPES[kind], copy=False)
        return pd.DataFrame(data, index=index, copy=False)

    def from_rows(self, rows: Sequence[Sequence[Any]]) -> pd.DataFrame:
        """A frame from row tuples whose fields are in schema order."""
        columns = dict(zip(self.columns, zip(*rows, strict=True), strict=True)) if rows else {}
        return self.build(columns, len(rows))

    def empty(self) -> pd.DataFrame:
        """The zero-row frame with every declared column and dtype."""
        return self.build({}, 0)
