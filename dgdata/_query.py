"""Query-string and path encoding, the way the Deepgram API reads them.

- booleans are ``true`` / ``false``;
- a list, tuple or set repeats the key (``keywords=first:5&keywords=second``);
- ``datetime`` is ISO 8601 (UTC as ``Z``), ``date`` is ``YYYY-MM-DD``;
- ``None`` means "not set" and is left out.

Percent-encoding itself is left to ``requests`` (form style: ``:`` → ``%3A``, space → ``+``), which
is what the official SDKs send.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote

QueryPairs = list[tuple[str, str]]


def format_datetime(value: dt.datetime | dt.date) -> str:
    """ISO 8601 text for a query or JSON body: aware UTC datetimes end in ``Z``."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None and value.utcoffset() == dt.timedelta(0):
            return value.replace(tzinfo=None).isoformat() + "Z"
        return value.isoformat()
    return value.isoformat()


def format_scalar(value: Any) -> str:
    """One query value as text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dt.datetime, dt.date)):
        return format_datetime(value)
    if isinstance(value, enum.Enum):
        return format_scalar(value.value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def encode_query(params: Mapping[str, Any] | None) -> QueryPairs:
    """Turn options into ``(key, text)`` pairs: lists repeat the key, ``None`` is dropped.

    >>> encode_query({"punctuate": True, "keywords": ["first:5", "second"], "tier": None})
    [('punctuate', 'true'), ('keywords', 'first:5'), ('keywords', 'second')]
    """
    pairs: QueryPairs = []
    for key, value in (params or {}).items():
        if value is None:
            continue
        if isinstance(value, (list, tuple, set, frozenset)):
            items: Iterable[Any] = (
                sorted(value, key=str) if isinstance(value, (set, frozenset)) else value
            )
            pairs.extend((key, format_scalar(item)) for item in items if item is not None)
        elif isinstance(value, Mapping):
            raise TypeError(
                f"query option {key!r} is a mapping; Deepgram query options are scalars or lists "
                "(for `extra`, pass a list of 'key:value' strings)"
            )
        else:
            pairs.append((key, format_scalar(value)))
    return pairs


def merge_options(options: Mapping[str, Any] | None, keywords: Mapping[str, Any]) -> dict[str, Any]:
    """Options given as a dict and/or keywords (keywords win), as one new dict."""
    if options is not None and not isinstance(options, Mapping):
        raise TypeError(f"options must be a dict, got {type(options).__name__}")
    merged = dict(options or {})
    merged.update(keywords)
    return merged


def path_segment(value: Any, name: str) -> str:
    """One path id, percent-encoded so that ``/``, ``?`` or ``#`` cannot change the route.

    ``@`` stays as it is (invite emails travel raw, as the official SDKs send them). An empty id
    raises ``ValueError`` before any request is made.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValueError(f"{name} is empty; pass the {name} to act on")
    if isinstance(value, Mapping):
        raise TypeError(f"{name} must be a string id, got a {type(value).__name__}")
    text = str(value)
    if text.strip() in (".", ".."):
        # `..` would be resolved by URL normalisation and hit another endpoint.
        raise ValueError(f"{name} {text!r} is not an id")
    return quote(text, safe="@")
