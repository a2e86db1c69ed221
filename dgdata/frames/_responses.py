"""The shapes of account, usage and billing responses: where a response keeps its items.

A frame function accepts a list response (``{"balances": [...]}``), a single item (a get
response), an aggregate response (``{start, end, results: [...]}``) or an iterable of those;
the helpers here yield the item dicts and raise ``TypeError`` / ``ValueError`` naming the
function when the input is not of the expected kind.  Nulls and non-objects *inside* a
response are skipped, never fatal.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import pandas as pd

from dgdata.frames._schema import Schema

_NOT_RESPONSES = (str, bytes, bytearray, Mapping, pd.DataFrame, pd.Series)
EMPTY: Mapping[str, Any] = {}  # shared, never mutated: stands in for a missing JSON object

#: one field of a row: a key, or alternative keys of which the first not null is taken
Field = str | tuple[str, ...]


def as_dict(value: Any) -> Mapping[str, Any]:
    """``value`` if it is a dict, else a shared empty mapping (a missing or odd JSON object)."""
    return value if type(value) is dict else EMPTY


def as_list(value: Any) -> list[Any]:
    """``value`` if it is a list, else ``[]`` (a missing or odd JSON array)."""
    return value if type(value) is list else []


def first(*values: Any) -> Any:
    """The first value that is not None (JSON null or a missing key), else None."""
    for value in values:
        if value is not None:
            return value
    return None


def pick(item: Mapping[str, Any], *fields: Field) -> tuple[Any, ...]:
    """The raw values of ``fields`` in ``item``, in order (typed later, by the schema).

    >>> pick({"agent_uuid": "a1", "key": "K"}, ("agent_id", "agent_uuid"), "key", "value")
    ('a1', 'K', None)
    """
    return tuple(
        item.get(field) if type(field) is str else first(*map(item.get, field)) for field in fields
    )


def is_iterable_input(data: Any) -> bool:
    """True for a list, tuple, generator... of responses; False for text, dicts and frames."""
    return isinstance(data, Iterable) and not isinstance(data, _NOT_RESPONSES)


def iter_items(
    data: Any,
    *,
    func: str,
    list_keys: Sequence[str],
    wrapper_keys: Sequence[str] = (),
    item_keys: Iterable[str] = (),
) -> Iterator[dict[str, Any]]:
    """The item dicts held by one response, a single item, or an iterable of either.

    ``list_keys`` name the response's array (``{"balances": [...]}``), ``wrapper_keys`` a single
    item wrapped in an object (``{"balance": {...}}``), and ``item_keys`` the fields that mark a
    bare item.  Nulls and non-objects inside a response are skipped; input of the wrong kind
    raises ``TypeError`` (not a dict or iterable) or ``ValueError`` (an unrecognised dict).

    Example::

        >>> pages = [{"balances": [{"balance_id": "a"}, None]}, {"balance_id": "b"}]
        >>> [i["balance_id"] for i in iter_items(pages, func="balances",
        ...     list_keys=("balances",), item_keys=("balance_id",))]
        ['a', 'b']
    """
    if isinstance(data, Mapping):
        yield from _items_of_dict(data, func, list_keys, wrapper_keys, frozenset(item_keys))
        return
    if not is_iterable_input(data):
        raise TypeError(
            f"{func}() expects a response dict or an iterable of them, got {type(data).__name__}"
        )
    for index, element in enumerate(data):
        if element is None:
            continue
        if not isinstance(element, Mapping):
            raise TypeError(f"{func}(): element {index} is a {type(element).__name__}, not a dict")
        yield from _items_of_dict(element, func, list_keys, wrapper_keys, None)


def _items_of_dict(
    data: Mapping[str, Any],
    func: str,
    list_keys: Sequence[str],
    wrapper_keys: Sequence[str],
    item_keys: frozenset[str] | None,
) -> Iterator[dict[str, Any]]:
    for key in list_keys:
        value = data.get(key)
        if type(value) is list:
            yield from (item for item in value if type(item) is dict)
            return
        if key in data and type(value) is not dict:  # null or odd: a list response, no items
            return
    for key in wrapper_keys:
        if type(data.get(key)) is dict:
            yield data[key]
            return
    if item_keys is None or not data or item_keys.intersection(data):
        if data:
            yield dict(data)
        return
    expected = ", ".join(repr(k) for k in (*list_keys, *wrapper_keys))
    raise ValueError(
        f"{func}() does not recognise a dict with keys {sorted(map(str, data))[:8]}; "
        f"expected a response with {expected} or a single item"
    )


def items_frame(
    schema: Schema,
    data: Any,
    row: Callable[[Mapping[str, Any]], tuple[Any, ...]] | None = None,
    *,
    list_keys: Sequence[str],
    wrapper_keys: Sequence[str] = (),
    item_keys: Iterable[str] | None = None,
) -> pd.DataFrame:
    """The frame of a list / get response: one ``row(item)`` per item of :func:`iter_items`.

    Without ``row`` each column is the item's field of that name; without ``item_keys`` a
    bare item is a dict with any of the column names. The function named in errors is the
    schema's name.
    """
    items = iter_items(
        data,
        func=schema.name,
        list_keys=list_keys,
        wrapper_keys=wrapper_keys,
        item_keys=schema.names if item_keys is None else item_keys,
    )
    if row is None:
        return schema.from_rows([pick(item, *schema.names) for item in items])
    return schema.from_rows([row(item) for item in items])


def response_dicts(data: Any, *, func: str) -> list[Mapping[str, Any]]:
    """One response dict, or an iterable of them, as a list (nulls skipped)."""
    if isinstance(data, Mapping):
        return [data]
    if not is_iterable_input(data):
        raise TypeError(
            f"{func}() expects a response dict or a list of them, got {type(data).__name__}"
        )
    out = []
    for index, element in enumerate(data):
        if element is None:
            continue
        if not isinstance(element, Mapping):
            raise TypeError(f"{func}(): element {index} is a {type(element).__name__}, not a dict")
        out.append(element)
    return out


_RESULT_KEYS = frozenset(
    {"grouping", "hours", "total_hours", "agent_hours", "requests", "dollars", "tokens_in",
     "tokens_out", "tts_characters", "tokens", "tts"}
)  # fmt: skip
_PERIOD_KEYS = frozenset({"start", "end", "resolution"})


def result_items(data: Any, *, func: str) -> Iterator[tuple[Mapping[str, Any], Mapping[str, Any]]]:
    """``(result, response)`` pairs from aggregate responses (``{start, end, results: [...]}``).

    ``data`` is one response, a list of them, or a list of bare result dicts (whose "response"
    is then an empty mapping).  Null and non-object results are skipped.
    """
    for response in response_dicts(data, func=func):
        if "results" not in response:
            if _RESULT_KEYS.intersection(response):
                yield response, EMPTY  # a bare result
            elif response and not _PERIOD_KEYS.intersection(response):
                raise ValueError(
                    f"{func}() expects an aggregate response ({{'results': [...]}}) or result "
                    f"dicts; got keys {sorted(map(str, response))[:8]}"
                )
            continue
        results = response["results"]
        for result in results if type(results) is list else ():
            if type(result) is dict:
                yield result, response


def period(result: Mapping[str, Any], response: Mapping[str, Any]) -> tuple[Any, Any]:
    """A result's own ``start``/``end``, else its grouping's, else the response's period."""
    grouping = as_dict(result.get("grouping"))
    return (
        first(result.get("start"), grouping.get("start"), response.get("start")),
        first(result.get("end"), grouping.get("end"), response.get("end")),
    )


def aggregate_frame(
    schema: Schema,
    data: Any,
    row: Callable[[Mapping[str, Any], Mapping[str, Any]], tuple[Any, ...]],
) -> pd.DataFrame:
    """The frame of aggregate responses: one ``row(result, response)`` per result.

    The response-level period goes to ``DataFrame.attrs`` (:func:`period_attrs`); the function
    named in errors is the schema's name.
    """
    rows = [row(result, response) for result, response in result_items(data, func=schema.name)]
    frame = schema.from_rows(rows)
    frame.attrs.update(period_attrs(data))
    return frame


def period_attrs(data: Any) -> dict[str, Any]:
    """``start``/``end``/``resolution`` of one aggregate response, for ``DataFrame.attrs``."""
    if not isinstance(data, Mapping):
        return {}
    resolution = as_dict(data.get("resolution"))
    return {
        "start": data.get("start"),
        "end": data.get("end"),
        "resolution_units": resolution.get("units"),
        "resolution_amount": resolution.get("amount"),
    }
