"""Declared frame schemas and fast, forgiving column converters: the one column system of frames.

Every frame of :mod:`dgdata.frames` (and the tables of :mod:`dgdata.batch` and the live results)
declares its columns once, as a :class:`Schema` of ``{column: kind}``. Walkers over the JSON
collect one plain Python list per column; :meth:`Schema.frame` turns each list into a typed
array in one vectorised step, so a frame has exactly the declared columns, in order, with
exactly the declared dtypes, whether the response had zero rows, missing keys or odd values.

Kinds and the pandas dtype each becomes:

==========  =========================  =====================================================
kind        pandas dtype               accepted values (anything else becomes missing)
==========  =========================  =====================================================
``string``  ``string`` (nullable)      text as given; numbers written out, JSON booleans as
                                       ``"true"``/``"false"``
``float``   ``float64``                numbers and numeric text; missing is ``NaN``
``int``     ``Int64`` (nullable)       whole numbers within int64 (``200.0``, ``"7"``)
``bool``    ``boolean`` (nullable)     true/false, 1/0, and in any case the words true/false,
                                       yes/no, t/f, y/n, on/off, 1/0
``flag``    ``boolean`` (nullable)     "was this option used": the ``bool`` values, and any
                                       other text, non-zero number or non-empty list is True
``time``    ``datetime64[ns, UTC]``    ISO 8601 text (naive times are read as UTC)
``list``    ``object``                 a list of str per row (a lone string -> [it]; else [])
``object``  ``object``                 the JSON value as given
==========  =========================  =====================================================

The rules, one sentence each: a boolean is not a number (``True`` in an ``int`` or ``float``
column is missing); a number is not cut to fit (``1.5`` or ``2**63`` in an ``int`` column is
missing, never truncated or wrapped); boolean words are read in any case; ``""`` is missing in
every column but ``string`` (where it stays ``""``) and ``object`` (kept as given). What odd
values become (``NA`` is ``<NA>`` / ``NaN`` / ``NaT``):

=============  ====  ======  =====  =====  ==========  ====
value          int   float   bool   flag   string      time
=============  ====  ======  =====  =====  ==========  ====
``True``       NA    NA      True   True   ``"true"``  NA
``"True"``     NA    NA      True   True   ``"True"``  NA
``"true"``     NA    NA      True   True   ``"true"``  NA
``"no"``       NA    NA      False  False  ``"no"``    NA
``1``          1     1.0     True   True   ``"1"``     NA
``1.5``        NA    1.5     NA     True   ``"1.5"``   NA
``"7"``        7     7.0     NA     True   ``"7"``     NA
``-3``         -3    -3.0    NA     True   ``"-3"``    NA
``2**63``      NA    9.2e18  NA     True   its digits  NA
``10**400``    NA    NA      NA     True   its digits  NA
``""``         NA    NA      NA     NA     ``""``      NA
``None``       NA    NA      NA     NA     NA          NA
``NaN``        NA    NA      NA     NA     NA          NA
``[]``/``{}``  NA    NA      NA     False  NA          NA
=============  ====  ======  =====  =====  ==========  ====

Each converter first checks the value types with one C-speed pass and takes a vectorised numpy
/ pyarrow path when the column is well formed (the case for real responses), falling back to
a per-value rule only for odd values.

Example::

    >>> people = Schema("people", {"name": STRING, "age": INT})
    >>> people.frame({"name": ["Ada", None], "age": [36, "n/a"]}, 2).dtypes.astype(str).tolist()
    ['string', 'Int64']
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "BOOL",
    "FLAG",
    "FLOAT",
    "INT",
    "LIST",
    "OBJECT",
    "STRING",
    "TIME",
    "Schema",
    "str_list",
    "to_bool",
    "to_flag",
    "to_float",
    "to_int",
    "to_list",
    "to_object",
    "to_string",
    "to_time",
]

STRING = "string"
FLOAT = "float"
INT = "int"
BOOL = "bool"
FLAG = "flag"
TIME = "time"
LIST = "list"
OBJECT = "object"

UTC_NS = pd.DatetimeTZDtype(unit="ns", tz="UTC")
_STRING_DTYPE = pd.StringDtype()
_ARROW_STRINGS = getattr(_STRING_DTYPE, "storage", "python") == "pyarrow"
_NONE = type(None)
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
# Value types the vectorised paths take as they are (bool is not among them: not a number)
_NUMBERS = frozenset({float, int})
_NUMBERS_OR_NONE = frozenset({float, int, _NONE})
_ONLY_NONE = frozenset({_NONE})
_INT_OR_NONE = frozenset({int, _NONE})
_BOOL_OR_NONE = frozenset({bool, _NONE})
_TRUE_WORDS = frozenset({"true", "t", "yes", "y", "1", "on"})
_FALSE_WORDS = frozenset({"false", "f", "no", "n", "0", "off"})
_NULL_WORDS = frozenset({"", "none", "null"})  # missing, not false
_TS_MIN = pd.Timestamp.min.tz_localize("UTC")
_TS_MAX = pd.Timestamp.max.tz_localize("UTC")
_NULL = np.array(None, dtype=object)  # compares element-wise with an object array


# --------------------------------------------------------------------------- per-value rules
# The slow paths: one value at a time, for columns the vectorised paths refuse.


def _is_boolean(value: Any) -> bool:
    return isinstance(value, (bool, np.bool_))


def _float_or_nan(value: Any) -> float:
    """A number or numeric text as a float; booleans, other objects and overflows are NaN."""
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return math.nan
        # "1e400" overflows to inf: out of range, like 10**400; an explicit "inf" stays
        return math.nan if math.isinf(number) and "inf" not in value.lower() else number
    if _is_boolean(value) or not isinstance(value, numbers.Real):
        return math.nan
    try:
        return float(value)
    except (OverflowError, ValueError):  # an int too large for a float
        return math.nan


def _int_or_none(value: Any) -> int | None:
    """A whole number (or its text) within int64, else None: never truncated, never wrapped."""
    if _is_boolean(value):
        return None
    if isinstance(value, (int, np.integer)):
        number = int(value)
    elif isinstance(value, str) and (exact := _int_text(value)) is not None:
        number = exact  # exact, even past 2**53 where a float would round
    else:
        real = _float_or_nan(value)
        if not real.is_integer():  # also rejects NaN and infinities
            return None
        number = int(real)
    return number if _INT64_MIN <= number <= _INT64_MAX else None


def _int_text(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


def _text_or_none(value: Any) -> str | None:
    """Text as given; numbers written out; booleans in JSON's spelling; the rest None."""
    if isinstance(value, str):
        return value
    if _is_boolean(value):
        return "true" if value else "false"
    if isinstance(value, numbers.Number):
        if value != value:  # NaN
            return None
        try:
            return str(value)
        except ValueError:  # an int past Python's str() digit limit
            return None
    return None


def _bool_or_none(value: Any) -> bool | None:
    if _is_boolean(value):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        return True if word in _TRUE_WORDS else False if word in _FALSE_WORDS else None
    if isinstance(value, numbers.Real):
        return True if value == 1 else False if value == 0 else None
    return None


def _used_or_none(value: Any) -> bool | None:
    """A "was this option used" flag: ``summarize="v2"`` and ``["pci"]`` are True."""
    if value is None or _is_boolean(value):
        return None if value is None else bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        return None if word in _NULL_WORDS else word not in _FALSE_WORDS
    if isinstance(value, numbers.Real):
        return None if value != value else value != 0  # NaN stays missing
    if isinstance(value, (list, dict, tuple)):
        return len(value) > 0
    return None


def str_list(value: Any) -> list[str]:
    """A JSON array of strings as a list of str; a lone string becomes ``[it]``, the rest ``[]``.

    >>> str_list(["a", 1, None]), str_list("b"), str_list(""), str_list(None)
    (['a', '1'], ['b'], [], [])
    """
    if type(value) is list:
        for element in value:
            if type(element) is not str:
                texts = map(_text_or_none, value)
                return [text for text in texts if text is not None]
        return value
    if type(value) is str and value:
        return [value]
    return []


# --------------------------------------------------------------------------- converters


def to_float(values: Sequence[Any]) -> np.ndarray:
    """float64 column: numbers and numeric text (``"1.5"``) kept, anything else NaN.

    >>> to_float([1, 0.5, None, "2", "x", True]).tolist()
    [1.0, 0.5, nan, 2.0, nan, nan]
    """
    types = set(map(type, values))
    try:
        if types <= _NUMBERS:  # the usual case: np.fromiter is numpy's fastest reader
            return np.fromiter(values, dtype=np.float64, count=len(values))
        if types == _ONLY_NONE:  # a feature that was not requested
            return np.full(len(values), np.nan)
        if types <= _NUMBERS_OR_NONE:
            filled = (math.nan if value is None else value for value in values)
            return np.fromiter(filled, dtype=np.float64, count=len(values))
    except OverflowError:  # an int too large for a float
        pass
    return np.fromiter(map(_float_or_nan, values), dtype=np.float64, count=len(values))


def to_int(values: Sequence[Any]) -> pd.arrays.IntegerArray:
    """Int64 column: whole numbers within int64 (``200.0`` -> 200, ``"7"`` -> 7), else <NA>.

    Only exact ints take the vectorised path: ``pd.array(…, dtype="Int64")`` itself would
    truncate ``1.5`` to 1 in mixed lists and wrap ``1e30`` around.

    >>> to_int([1, 2.0, None, 2.5, True, "7"]).tolist()
    [1, 2, <NA>, <NA>, <NA>, 7]
    """
    values = values if type(values) is list else list(values)
    nulls = values.count(None)
    if nulls == len(values):  # common: a feature that was not requested
        return _missing(INT, len(values))
    if not set(map(type, values)) <= _INT_OR_NONE:
        values = [_int_or_none(value) for value in values]
        nulls = values.count(None)
    try:
        if nulls:
            mask = np.fromiter((value is None for value in values), dtype=bool, count=len(values))
            data = np.array([0 if value is None else value for value in values], dtype=np.int64)
        else:
            mask = np.zeros(len(values), dtype=bool)
            data = np.fromiter(values, dtype=np.int64, count=len(values))
    except OverflowError:  # exact ints beyond int64
        return to_int([_int_or_none(value) for value in values])
    return pd.arrays.IntegerArray(data, mask)


def to_string(values: Sequence[Any]) -> pd.api.extensions.ExtensionArray:
    """Nullable string column: text as given, numbers and booleans written out, the rest <NA>.

    >>> to_string(["a", "", None, 3, 1.5, True, {"k": 1}]).tolist()
    ['a', '', <NA>, '3', '1.5', 'true', <NA>]
    """
    if _ARROW_STRINGS:
        import pyarrow as pa

        try:  # accepts only str and None: anything else takes the slow path
            return pd.arrays.ArrowStringArray(pa.array(values, type=pa.large_string()))
        except (TypeError, ValueError, pa.ArrowException):
            pass
    return pd.array([_text_or_none(value) for value in values], dtype=_STRING_DTYPE)


def _boolean(values: Sequence[Any], slow: Callable[[Any], bool | None]) -> pd.arrays.BooleanArray:
    count = len(values)
    objects = np.fromiter(values, dtype=object, count=count)
    is_none = np.equal(objects, _NULL).astype(bool)
    if is_none.all():
        return pd.arrays.BooleanArray(np.zeros(count, dtype=bool), is_none)
    if set(map(type, values)) <= _BOOL_OR_NONE:
        return pd.arrays.BooleanArray(np.equal(objects, True).astype(bool), is_none)
    parsed = [slow(value) for value in values]
    missing = np.fromiter((flag is None for flag in parsed), dtype=bool, count=count)
    data = np.fromiter((flag is True for flag in parsed), dtype=bool, count=count)
    return pd.arrays.BooleanArray(data, missing)


def to_bool(values: Sequence[Any]) -> pd.arrays.BooleanArray:
    """Nullable boolean column: true/false, 1/0 and the words of the module table, else <NA>.

    >>> to_bool([True, "TRUE", "no", 1, 2, "", None]).tolist()
    [True, True, False, True, <NA>, <NA>, <NA>]
    """
    return _boolean(values, _bool_or_none)


def to_flag(values: Sequence[Any]) -> pd.arrays.BooleanArray:
    """Nullable boolean "option used" column (``summarize="v2"`` -> True, ``[]`` -> False).

    >>> to_flag(["v2", "false", [], ["pci"], 0, ""]).tolist()
    [True, False, False, True, False, <NA>]
    """
    return _boolean(values, _used_or_none)


def to_time(values: Sequence[Any]) -> pd.api.extensions.ExtensionArray:
    """``datetime64[ns, UTC]`` column from ISO 8601 text; other values and bad text are NaT.

    >>> [str(stamp) for stamp in to_time(["2025-07-22T16:56:38.656Z", "soon", 5])]
    ['2025-07-22 16:56:38.656000+00:00', 'NaT', 'NaT']
    """
    texts = pd.Series([value if type(value) is str else None for value in values], dtype=object)
    if texts.isna().all():
        return _missing(TIME, len(texts))
    try:
        parsed = pd.to_datetime(texts, utc=True, format="ISO8601", errors="coerce")
    except (ValueError, TypeError, OverflowError):  # pragma: no cover - pandas version quirks
        parsed = pd.to_datetime(pd.Series([_one_time(text) for text in texts]), utc=True)
    if parsed.dtype != UTC_NS:
        parsed = parsed.where((parsed >= _TS_MIN) & (parsed <= _TS_MAX))  # outside ns range
        parsed = parsed.astype(UTC_NS)
    return parsed.array


def _one_time(text: str | None) -> pd.Timestamp | None:
    if text is None:
        return None
    try:
        return pd.Timestamp(text)
    except (ValueError, TypeError, OverflowError):
        return None


def to_list(values: Sequence[Any]) -> np.ndarray:
    """Object column holding one list of str per row (missing -> ``[]``, never shared)."""
    return to_object([str_list(value) for value in values])


def to_object(values: Sequence[Any]) -> np.ndarray:
    """Object column holding each JSON value as given (never split into more dimensions)."""
    return np.fromiter(values, dtype=object, count=len(values))


def _missing(kind: str, length: int) -> Any:
    """An all-missing column of ``kind`` (built directly: the common case for rare fields)."""
    if kind in (BOOL, FLAG):
        return pd.arrays.BooleanArray(np.zeros(length, bool), np.ones(length, bool))
    if kind == INT:
        return pd.arrays.IntegerArray(np.zeros(length, np.int64), np.ones(length, bool))
    if kind == FLOAT:
        return np.full(length, np.nan)
    if kind == TIME:
        return pd.array(np.full(length, np.datetime64("NaT", "ns")), dtype=UTC_NS)
    if kind == LIST:
        return to_object([[] for _ in range(length)])
    if kind == STRING:
        return to_string([None] * length)
    return np.full(length, None, dtype=object)


_CONVERTERS: dict[str, Callable[[Sequence[Any]], Any]] = {
    STRING: to_string,
    FLOAT: to_float,
    INT: to_int,
    BOOL: to_bool,
    FLAG: to_flag,
    TIME: to_time,
    LIST: to_list,
    OBJECT: to_object,
}
_DTYPES: dict[str, Any] = {
    STRING: _STRING_DTYPE,
    FLOAT: np.dtype("float64"),
    INT: pd.Int64Dtype(),
    BOOL: pd.BooleanDtype(),
    FLAG: pd.BooleanDtype(),
    TIME: UTC_NS,
    LIST: np.dtype("object"),
    OBJECT: np.dtype("object"),
}


class Schema:
    """The declared columns of one frame, in order: ``{column: kind}`` (kinds: module table).

    ``columns`` is a mapping or ``(column, kind)`` pairs, anything :class:`dict` accepts.

    Example::

        >>> Schema("balances", {"balance_id": STRING, "amount": FLOAT}).empty().dtypes.to_dict()
        {'balance_id': <StringDtype(na_value=<NA>)>, 'amount': dtype('float64')}
    """

    def __init__(self, name: str, columns: Mapping[str, str] | Iterable[tuple[str, str]]) -> None:
        self.name = name
        self.columns: dict[str, str] = dict(columns)
        unknown = {kind for kind in self.columns.values() if kind not in _CONVERTERS}
        if unknown:
            raise ValueError(f"schema {name!r}: unknown column kinds {sorted(unknown)}")

    def __repr__(self) -> str:
        return f"Schema({self.name!r}, {self.columns!r})"

    @property
    def names(self) -> list[str]:
        """Column names, in frame order."""
        return list(self.columns)

    def dtypes(self) -> dict[str, Any]:
        """``{column: pandas dtype}``, e.g. to compare with ``df.dtypes.to_dict()``."""
        return {name: _DTYPES[kind] for name, kind in self.columns.items()}

    def frame(self, columns: Mapping[str, Sequence[Any]], length: int) -> pd.DataFrame:
        """The frame from one list of ``length`` raw values per column (absent ones: missing)."""
        index = pd.RangeIndex(length)
        data = {}
        for name, kind in self.columns.items():
            values = columns.get(name)
            if values is None:
                array = _missing(kind, length)
            elif len(values) != length:
                raise AssertionError(f"{self.name}.{name}: {len(values)} values, not {length}")
            else:
                array = _CONVERTERS[kind](values if type(values) is list else list(values))
            # an explicit dtype stops pandas from inferring "str" for object columns of text
            data[name] = pd.Series(array, index=index, dtype=_DTYPES[kind], copy=False)
        return pd.DataFrame(data, index=index, copy=False)

    def from_rows(self, rows: Sequence[Sequence[Any]]) -> pd.DataFrame:
        """The frame from row tuples whose fields are in column order."""
        columns = dict(zip(self.columns, zip(*rows, strict=True), strict=True)) if rows else {}
        return self.frame(columns, len(rows))

    def from_records(self, records: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
        """The frame from one mapping per row, by column name (a missing key: a missing value)."""
        columns = {name: [record.get(name) for record in records] for name in self.columns}
        return self.frame(columns, len(records))

    def empty(self) -> pd.DataFrame:
        """The zero-row frame with every declared column and dtype."""
        return self.frame({}, 0)
