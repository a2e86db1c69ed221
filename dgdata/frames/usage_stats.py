"""Aggregate usage: ``/usage`` (summary), ``/usage/breakdown`` and ``/usage/fields`` as frames.

The aggregate responses share one shape, ``{start, end, resolution{units, amount}, results:
[...]}``.  The response-level period goes to ``DataFrame.attrs`` (``start``, ``end``,
``resolution_units``, ``resolution_amount``); each result becomes one row.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from dgdata.frames._columns import Schema, as_dict
from dgdata.frames._responses import period_attrs, response_dicts, result_items

__all__ = [
    "BREAKDOWN_SCHEMA",
    "FIELDS_SCHEMA",
    "SUMMARY_SCHEMA",
    "usage_breakdown",
    "usage_fields",
    "usage_summary",
]

_METRICS = {
    "hours": "float",
    "total_hours": "float",
    "agent_hours": "float",
    "tokens_in": "int",
    "tokens_out": "int",
    "tts_characters": "int",
    "tts_requests": "int",
    "requests": "int",
}

#: Columns of :func:`usage_summary` (``start`` becomes the index).
SUMMARY_SCHEMA = Schema({"start": "time", "end": "time", **_METRICS})

#: Columns of :func:`usage_breakdown`: the grouping, then the metrics.
BREAKDOWN_SCHEMA = Schema(
    {
        "start": "time",
        "end": "time",
        "accessor": "string",
        "endpoint": "string",
        "feature_set": "string",
        "models": "list",
        "method": "string",
        "tags": "list",
        "deployment": "string",
        **_METRICS,
    }
)

#: Columns of :func:`usage_fields` (tidy: one row per value).
FIELDS_SCHEMA = Schema(
    {
        "kind": "string",
        "value": "string",
        "model_name": "string",
        "model_language": "string",
        "model_version": "string",
        "model_id": "string",
    }
)

_FIELD_KINDS = ("tags", "models", "processing_methods", "features", "languages")


def _metric_values(result: Mapping[str, Any]) -> tuple[Any, ...]:
    """The metrics of one result, in ``_METRICS`` order, from the spec's or the older shape.

    The spec has flat ``tokens_in``/``tokens_out``/``tts_characters``; older SDKs read
    ``tokens{in, out}`` and ``tts{characters, requests}``.
    """
    tokens = as_dict(result.get("tokens"))
    tts = as_dict(result.get("tts"))
    tokens_in = result.get("tokens_in")
    tokens_out = result.get("tokens_out")
    characters = result.get("tts_characters")
    return (
        result.get("hours"),
        result.get("total_hours"),
        result.get("agent_hours"),
        tokens_in if tokens_in is not None else tokens.get("in"),
        tokens_out if tokens_out is not None else tokens.get("out"),
        characters if characters is not None else tts.get("characters"),
        tts.get("requests"),
        result.get("requests"),
    )


def _period(result: Mapping[str, Any], response: Mapping[str, Any]) -> tuple[Any, Any]:
    """A result's own ``start``/``end``, else its grouping's, else the response's period."""
    grouping = as_dict(result.get("grouping"))
    start = result.get("start", grouping.get("start"))
    end = result.get("end", grouping.get("end"))
    return (
        start if start is not None else response.get("start"),
        end if end is not None else response.get("end"),
    )


def usage_summary(data: Any) -> pd.DataFrame:
    """The ``/usage`` aggregate: one row per period, indexed by period start (UTC timestamps).

    Accepts a ``/usage`` response, a list of them, or result dicts.  Columns: ``end``, ``hours``,
    ``total_hours``, ``agent_hours`` (float64) and ``tokens_in``, ``tokens_out``,
    ``tts_characters``, ``tts_requests``, ``requests`` (Int64).  Breakdown responses work too
    (a result's ``grouping.start``/``end`` give its period).  A response with no ``results``
    (the spec's minimal shape) gives an empty frame; its period is in ``attrs``.

    Example::

        >>> df = usage_summary({"start": "2024-10-16", "end": "2024-10-17", "results": [
        ...     {"start": "2024-10-16", "end": "2024-10-16", "hours": 1.5, "requests": 12}]})
        >>> df.loc["2024-10-16", "requests"].item()
        12
    """
    rows = [
        (*_period(result, response), *_metric_values(result))
        for result, response in result_items(data, func="usage_summary")
    ]
    frame = SUMMARY_SCHEMA.from_rows(rows).set_index("start")
    frame.attrs.update(period_attrs(data))
    return frame


def usage_breakdown(data: Any) -> pd.DataFrame:
    """``/usage/breakdown``: one row per result with its grouping columns and metrics.

    Grouping fields Deepgram leaves null (it fills only those grouped by) are <NA>, or ``[]`` for
    the list columns ``models`` and ``tags``.

    Example::

        >>> df = usage_breakdown({"results": [{"hours": 2.0, "requests": 3,
        ...     "grouping": {"start": "2025-01-16", "method": "async", "models": ["Nova-2"]}}]})
        >>> df[["method", "hours", "requests"]].to_dict("records")
        [{'method': 'async', 'hours': 2.0, 'requests': 3}]
    """
    rows = [
        _breakdown_row(result, response)
        for result, response in result_items(data, func="usage_breakdown")
    ]
    frame = BREAKDOWN_SCHEMA.from_rows(rows)
    frame.attrs.update(period_attrs(data))
    return frame


def _breakdown_row(result: Mapping[str, Any], response: Mapping[str, Any]) -> tuple[Any, ...]:
    grouping = as_dict(result.get("grouping"))
    return (
        *_period(result, response),
        grouping.get("accessor"),
        grouping.get("endpoint"),
        grouping.get("feature_set"),
        grouping.get("models"),
        grouping.get("method"),
        grouping.get("tags"),
        grouping.get("deployment"),
        *_metric_values(result),
    )


def usage_fields(data: Any) -> pd.DataFrame:
    """``/usage/fields`` as a tidy frame: one row per (kind, value).

    Kinds: ``tags``, ``models``, ``processing_methods``, ``features`` (and ``languages`` from
    older responses).  Model rows also carry ``model_name``, ``model_language``,
    ``model_version`` and ``model_id``; their ``value`` is the model name (else its id).

    Example::

        >>> df = usage_fields({"tags": ["prod"], "models": [{"name": "nova-3", "model_id": "m1"}]})
        >>> df[["kind", "value", "model_id"]].values.tolist()
        [['tags', 'prod', <NA>], ['models', 'nova-3', 'm1']]
    """
    rows: list[tuple[Any, ...]] = []
    for response in response_dicts(data, func="usage_fields"):
        for kind in _FIELD_KINDS:
            values = response.get(kind)
            for value in values if type(values) is list else ():
                rows.append(_field_row(kind, value))
    return FIELDS_SCHEMA.from_rows(rows)


def _field_row(kind: str, value: Any) -> tuple[Any, ...]:
    if type(value) is not dict:
        return (kind, value, value if kind == "models" else None, None, None, None)
    name = value.get("name")
    return (
        kind,
        name if name is not None else value.get("model_id"),
        name,
        value.get("language"),
        value.get("version"),
        value.get("model_id"),
    )
