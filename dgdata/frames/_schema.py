"""Declared frame schemas and fast, forgiving column builders.

Every frame in :mod:`dgdata.frames` declares its columns and dtypes once, as a :class:`Schema`.
Walkers over the JSON collect plain Python lists (one per column); :meth:`Schema.frame` turns
them into a DataFrame with exactly the declared columns, in order, with exactly the declared
dtypes, whatever the values looked like:

====================  ==========================  =========================================
dtype name            pandas dtype                 values that do not fit become
====================  ==========================  =========================================
``FLOAT``             ``float64``                  ``NaN`` (ints and numeric strings convert)
``INT``               ``Int64`` (nullable)         ``<NA>`` (integral floats convert)
``STRING``            ``string`` (nullable)        ``<NA>`` for ``None``; others via ``str()``
``BOOL``              ``boolean`` (nullable)       ``<NA>``
``DATETIME``          ``datetime64[ns, UTC]``      ``NaT``
====================  ==========================  =========================================

The converters try one vectorised call first (numpy / pyarrow) and fall back to a per-value
conversion only when that fails, so well-formed responses take the fast path.

Example::

    >>> people = Schema("people", (("name", STRING), ("age", INT)))
    >>> people.frame({"name": ["Ada", None], "age": [36, "n/a"]}, 2).dtypes.tolist()
    [<StringDtype(na_value=<NA>)>, Int64Dtype()]
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import pandas as pd

from dgdata.frames._columns import to_time

FLOAT = "float64"
INT = "Int64"
STRING = "string"
BOOL = "boolean"
DATETIME = "datetime64[ns, UTC]"

_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_STRING_DTYPE = pd.StringDtype()
_ARROW_STRINGS = getattr(_STRING_DTYPE, "storage", "python") == "pyarrow"


def float_array(values: Sequence[Any]) -> np.ndarray:
    """``values`` as a float64 array; ``None`` and unconvertible values become ``NaN``.

    >>> float_array([1, 0.5, None, "x"]).tolist()
    [1.0, 0.5, nan, nan]
    """
    try:
        array = np.array(values, dtype=np.float64)
        if array.shape == (len(values),):
            return array
    except (TypeError, ValueError, OverflowError):
        pass
    return np.array([_float_or_nan(value) for value in values], dtype=np.float64)


def int_array(values: Sequence[Any]) -> pd.api.extensions.ExtensionArray:
    """``values`` as a nullable ``Int64`` array; non-integral values become ``<NA>``.

    Only exact ints take the vectorised path: ``pd.array(…, dtype="Int64")`` itself would
    truncate ``1.5`` to 1 in mixed lists and wrap ``1e30`` around.

    >>> int_array([1, 2.0, None, 2.5, True]).tolist()
    [1, 2, <NA>, <NA>, 1]
    """
    values = list(values)
    nulls = values.count(None)
    if nulls == len(values):  # common: a feature that was not requested
        return na_array(INT, len(values))
    if not set(map(type, values)) <= {int, type(None)}:
        values = [_int_or_none(value) for value in values]
        nulls = values.count(None)
    try:
        if nulls:
            mask = np.array([value is None for value in values], dtype=bool)
            data = np.array([0 if value is None else value for value in values], dtype=np.int64)
        else:
            mask, data = np.zeros(len(values), dtype=bool), np.array(values, dtype=np.int64)
    except OverflowError:  # exact ints beyond int64
        return int_array([_int_or_none(value) for value in values])
    return pd.arrays.IntegerArray(data, mask)


def string_array(values: Sequence[Any]) -> pd.api.extensions.ExtensionArray:
    """``values`` as a nullable ``string`` array; non-strings are converted with ``str()``.

    >>> string_array(["a", None, 3]).tolist()
    ['a', <NA>, '3']
    """
    if _ARROW_STRINGS:
        import pyarrow as pa

        try:
            return pd.arrays.ArrowStringArray(pa.array(values, type=pa.large_string()))
        except (TypeError, ValueError, pa.ArrowException):
            pass
    return pd.array([_text_or_none(value) for value in values], dtype=_STRING_DTYPE)


def bool_array(values: Sequence[Any]) -> pd.api.extensions.ExtensionArray:
    """``values`` as a nullable ``boolean`` array; anything but ``True``/``False`` is ``<NA>``."""
    flags = [value if isinstance(value, bool) else None for value in values]
    return pd.array(flags, dtype=cast(Any, BOOL))


def datetime_array(values: Sequence[Any]) -> pd.api.extensions.ExtensionArray:
    """ISO 8601 strings as UTC timestamps (``datetime64[ns, UTC]``); unparseable ones are ``NaT``.

    >>> [str(stamp) for stamp in datetime_array(["2025-07-22T16:56:38.656Z", "soon"])]
    ['2025-07-22 16:56:38.656000+00:00', 'NaT']
    """
    return to_time(values).array


def na_array(dtype: str, length: int) -> Any:
    """An all-missing array of ``length`` values with the given declared dtype."""
    if dtype == FLOAT:
        return np.full(length, np.nan)
    if dtype == INT:
        return pd.arrays.IntegerArray(np.zeros(length, np.int64), np.ones(length, dtype=bool))
    return pd.array([None] * length, dtype=cast(Any, dtype))


_CONVERTERS = {
    FLOAT: float_array,
    INT: int_array,
    STRING: string_array,
    BOOL: bool_array,
    DATETIME: datetime_array,
}


@dataclass(frozen=True)
class Schema:
    """The declared columns of one frame: ``(name, dtype)`` pairs, in display order.

    >>> Schema("hits", (("query", STRING), ("start", FLOAT))).empty().dtypes.astype(str).tolist()
    ['string', 'float64']
    """

    name: str
    columns: tuple[tuple[str, str], ...]

    def __post_init__(self) -> None:
        unknown = {dtype for _, dtype in self.columns} - set(_CONVERTERS)
        if unknown:
            raise ValueError(f"schema {self.name!r}: unknown dtypes {sorted(unknown)}")

    @property
    def names(self) -> list[str]:
        """Column names, in order."""
        return [name for name, _ in self.columns]

    @property
    def dtypes(self) -> dict[str, str]:
        """Column name → declared dtype name."""
        return dict(self.columns)

    def empty(self) -> pd.DataFrame:
        """A zero-row frame with the declared columns and dtypes."""
        return self.frame({}, 0)

    def frame(self, data: Mapping[str, Any], length: int) -> pd.DataFrame:
        """Build the frame from column lists of ``length`` values (missing columns are all-NA).

        Each list is converted with the converter of its declared dtype, so the result always
        has exactly the declared columns and dtypes.
        """
        arrays: dict[str, Any] = {}
        for name, dtype in self.columns:
            values = data.get(name)
            if values is None:
                arrays[name] = na_array(dtype, length)
            else:
                if len(values) != length:
                    raise AssertionError(f"{self.name}.{name}: {len(values)} values, not {length}")
                arrays[name] = _CONVERTERS[dtype](values)
        return pd.DataFrame(arrays, index=pd.RangeIndex(length), copy=False)


def column_array(dtype: str, values: Iterable[Any]) -> Any:
    """Convert ``values`` with the converter of the declared ``dtype`` (see the module table)."""
    return _CONVERTERS[dtype](list(values))


def _float_or_nan(value: Any) -> float:
    if value is None:
        return math.nan
    try:
        return float(value)
    except (TypeError, ValueError, OverflowError):
        return math.nan


def _int_or_none(value: Any) -> int | None:
    if isinstance(value, int):
        number = int(value)
    else:
        real = _float_or_nan(value)
        if not real.is_integer():  # also rejects NaN and infinities
            return None
        number = int(real)
    return number if _INT64_MIN <= number <= _INT64_MAX else None


def _text_or_none(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value if isinstance(value, str) else str(value)
