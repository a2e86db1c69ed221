"""Aggregate usage: ``/usage`` (summary), ``/usage/breakdown`` and ``/usage/fields`` as frames.

The aggregate responses share one shape, ``{start, end, resolution{units, amount}, results:
[...]}``.  The response-level period goes to ``DataFrame.attrs`` (``start``, ``end``,
``resolution_units``, ``resolution_amount``); each result becomes one row.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from dgdata.frames._responses import (
    aggregate_frame,
    as_dict,
    as_list,
    first,
    period,
    pick,
    response_dicts,
)
from dgdata.frames._schema import FLOAT, INT, LIST, STRING, TIME, Schema

__all__ = [
    "BREAKDOWN_SCHEMA",
    "FIELDS_SCHEMA",
    "SUMMARY_SCHEMA",
    "usage_breakdown",
    "usage_fields",
    "usage_summary",
]

_METRICS = {
    "hours": FLOAT,
    "total_hours": FLOAT,
    "agent_hours": FLOAT,
    "tokens_in": INT,
    "tokens_out": INT,
    "tts_characters": INT,
    "tts_requests": INT,
    "requests": INT,
}

#: The grouping fields of a breakdown result (null unless the request grouped by them).
_GROUPING = {
    "accessor": STRING,
    "endpoint": STRING,
    "feature_set": STRING,
    "models": LIST,
    "method": STRING,
    "tags": LIST,
    "deployment": STRING,
}

#: Columns of :func:`usage_summary` (``start`` becomes the index).
SUMMARY_SCHEMA = Schema("usage_summary", {"start": TIME, "end": TIME, **_METRICS})

#: Columns of :func:`usage_breakdown`: the grouping, then the metrics.
BREAKDOWN_SCHEMA = Schema("usage_breakdown", {"start": TIME, "end": TIME, **_GROUPING, **_METRICS})

#: Columns of :func:`usage_fields` (tidy: one row per value).
FIELDS_SCHEMA = Schema(
    "usage_fields",
    {
        "kind": STRING,
        "value": STRING,
        "model_name": STRING,
        "model_language": STRING,
        "model_version": STRING,
        "model_id": STRING,
    },
)

_FIELD_KINDS = ("tags", "models", "processing_methods", "features", "languages")


def _metric_values(result: Mapping[str, Any]) -> tuple[Any, ...]:
    """The metrics of one result, in ``_METRICS`` order, from the spec's or the older shape.

    The spec has flat ``tokens_in``/``tokens_out``/``tts_characters``; older SDKs read
    ``tokens{in, out}`` and ``tts{characters, requests}``.
    """
    tokens = as_dict(result.get("tokens"))
    tts = as_dict(result.get("tts"))
    return (
        *pick(result, "hours", "total_hours", "agent_hours"),
        first(result.get("tokens_in"), tokens.get("in")),
        first(result.get("tokens_out"), tokens.get("out")),
        first(result.get("tts_characters"), tts.get("characters")),
        tts.get("requests"),
        result.get("requests"),
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
    frame = aggregate_frame(SUMMARY_SCHEMA, data, _summary_row)
    return frame.set_index("start")


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
    return aggregate_frame(BREAKDOWN_SCHEMA, data, _breakdown_row)


def _summary_row(result: Mapping[str, Any], response: Mapping[str, Any]) -> tuple[Any, ...]:
    return (*period(result, response), *_metric_values(result))


def _breakdown_row(result: Mapping[str, Any], response: Mapping[str, Any]) -> tuple[Any, ...]:
    grouping = as_dict(result.get("grouping"))
    return (
        *period(result, response),
        *pick(grouping, *_GROUPING),
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
            rows.extend(_field_row(kind, value) for value in as_list(response.get(kind)))
    return FIELDS_SCHEMA.from_rows(rows)


def _field_row(kind: str, value: Any) -> tuple[Any, ...]:
    if type(value) is not dict:
        return (kind, value, value if kind == "models" else None, None, None, None)
    return (kind, *pick(value, ("name", "model_id"), "name", "language", "version", "model_id"))
