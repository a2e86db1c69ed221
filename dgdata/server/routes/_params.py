"""Query and body checks shared by the routes: booleans, numbers, enums, dates, string lists.

Every check raises the real API's 400 (``INVALID_QUERY_PARAMETER`` for a query, ``Bad Request``
for a body) with a message naming the parameter and what it accepts.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from starlette.requests import HTTPConnection

from dgdata.server.errors import MAX_ITEMS, MAX_TEXT, ApiError, bad_request, query_error

__all__ = [
    "DEPLOYMENTS",
    "ENDPOINTS",
    "MAX_QUERY_INT",
    "METHODS",
    "body_string_list",
    "body_text",
    "date_range",
    "moment_range",
    "parse_date",
    "parse_moment",
    "query_bool",
    "query_enum",
    "query_float",
    "query_int",
    "query_strings",
    "required_text",
]

DEPLOYMENTS = ("hosted", "beta", "self-hosted")
ENDPOINTS = ("listen", "read", "speak", "agent")
METHODS = ("sync", "async", "streaming")

#: The largest integer a query parameter may give (a page number, say).
MAX_QUERY_INT = 1_000_000_000

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no"}


def query_bool(conn: HTTPConnection, name: str) -> bool | None:
    """A boolean query parameter; None when absent; 400 when not a boolean."""
    value = conn.query_params.get(name)
    if value is None or value == "":
        return None
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise query_error(f"{name} must be a boolean (true or false), not {value!r}.")


def query_float(conn: HTTPConnection, name: str, default: float | None = None) -> float | None:
    """A finite number query parameter; 400 when not one (``NaN``, ``inf`` and ``1e400`` are
    not)."""
    value = conn.query_params.get(name)
    if value is None or value == "":
        return default
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        raise query_error(f"{name} must be a number, not {value!a}.")
    return number


def query_int(
    conn: HTTPConnection,
    name: str,
    default: int | None = None,
    *,
    low: int | None = None,
    high: int | None = None,
) -> int | None:
    """An integer query parameter within ``[low, high]`` (``high`` defaults to
    :data:`MAX_QUERY_INT`, so that no page or limit overflows a database integer); 400
    otherwise."""
    number = query_float(conn, name)
    if number is None:
        return default
    high = MAX_QUERY_INT if high is None else high
    if number != int(number) or (low is not None and number < low) or number > high:
        bounds = f" between {low} and {high}" if low is not None else f" up to {high}"
        raise query_error(f"{name} must be a whole number{bounds}.")
    return int(number)


def query_enum(conn: HTTPConnection, name: str, choices: Sequence[str]) -> str | None:
    """A query parameter that must be one of ``choices``; None when absent."""
    value = conn.query_params.get(name)
    if value is None or value == "":
        return None
    if value not in choices:
        raise query_error(f"{name} must be one of {', '.join(choices)}, not {value!r}.")
    return value


def query_strings(conn: HTTPConnection, name: str) -> list[str]:
    """A repeatable query parameter, also split on commas (``a,b`` or ``x=a&x=b``)."""
    values: list[str] = []
    for raw in conn.query_params.getlist(name):
        values.extend(part.strip() for part in raw.split(",") if part.strip())
    return values


def parse_moment(text: str, name: str, *, end: bool = False) -> datetime:
    """A query date or datetime as an aware UTC datetime.

    ``YYYY-MM-DD`` is the start of that day (UTC), or with ``end`` the start of the next day (so
    an end date includes the whole day); ``YYYY-MM-DDTHH:MM:SS[.fff][Z|±HH:MM]`` is that moment
    (UTC when no offset is given). A ``+`` decoded to a space by form encoding is accepted.
    """
    value = text.strip()
    if _DATE.match(value):
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise query_error(f"{name} is not a valid date: {text!r}.") from None
        moment = datetime.combine(day, time(), tzinfo=timezone.utc)
        return _next_day(moment, text, name) if end else moment
    if " " in value and "T" in value:  # "...T10:00:00 02:00": a "+" that became a space
        value = value.replace(" ", "+")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise query_error(
            f"{name} must be a date (YYYY-MM-DD) or a date and time (YYYY-MM-DDTHH:MM:SS, "
            f"optionally with Z or an offset like +02:00), not {text!r}."
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    try:
        return moment.astimezone(timezone.utc)
    except OverflowError:  # 9999-12-31T23:59:59-23:59 is in the year 10000 in UTC
        raise _out_of_range(text, name) from None


def _out_of_range(text: str, name: str) -> ApiError:
    return query_error(f"{name} is outside the years 1 to 9999 (in UTC): {text!a}.")


def _next_day(moment: datetime, text: str, name: str) -> datetime:
    try:
        return moment + timedelta(days=1)
    except OverflowError:
        raise _out_of_range(text, name) from None


def moment_range(conn: HTTPConnection) -> tuple[datetime | None, datetime | None, bool]:
    """``start`` and ``end`` of the query as UTC moments (None when absent).

    Returns ``(start, end, end_exclusive)``: an end given as a date is the start of the next day,
    exclusive; an end given as a datetime is inclusive.
    """
    raw_start = conn.query_params.get("start") or None
    raw_end = conn.query_params.get("end") or None
    start = parse_moment(raw_start, "start") if raw_start else None
    end = parse_moment(raw_end, "end", end=True) if raw_end else None
    exclusive = bool(raw_end and _DATE.match(raw_end.strip()))
    if start is not None and end is not None and (end < start or (exclusive and end <= start)):
        raise query_error("end is before start.")
    return start, end, exclusive


def parse_date(text: str, name: str) -> date:
    """A query date: ``YYYY-MM-DD``, or a datetime whose UTC date is taken."""
    return parse_moment(text, name).date()


def date_range(conn: HTTPConnection, default_start: date, default_end: date) -> tuple[date, date]:
    """``start`` and ``end`` of the query as dates (both inclusive), with defaults."""
    raw_start = conn.query_params.get("start") or None
    raw_end = conn.query_params.get("end") or None
    start = parse_date(raw_start, "start") if raw_start else default_start
    end = parse_date(raw_end, "end") if raw_end else default_end
    if raw_start and not raw_end and end < start:
        end = start
    if raw_end and not raw_start and start > end:
        start = end
    if end < start:
        raise query_error("end is before start.")
    if end >= date.max:  # the period ends the day after its last day: year 10000
        raise _out_of_range(raw_end or raw_start or "", "end" if raw_end else "start")
    if (end - start).days > 3660:
        raise query_error("the date range may span at most ten years.")
    return start, end


def body_string_list(body: dict[str, Any], name: str, *, required: bool = False) -> list[str]:
    """A body field that is a list of non-empty strings (a single string counts as one), at
    most :data:`~dgdata.server.errors.MAX_ITEMS` of at most
    :data:`~dgdata.server.errors.MAX_TEXT` characters each."""
    value = body.get(name)
    if value is None:
        if required:
            raise bad_request(f"{name} is required: a list of strings.")
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise bad_request(f"{name} must be a list of non-empty strings.")
    if required and not value:
        raise bad_request(f"{name} must name at least one value.")
    if len(value) > MAX_ITEMS or any(len(v) > MAX_TEXT for v in value):
        raise bad_request(
            f"{name} may hold at most {MAX_ITEMS} values of at most {MAX_TEXT} characters each."
        )
    return [v.strip() for v in value]


def body_text(body: dict[str, Any], name: str, *, limit: int = MAX_TEXT) -> str | None:
    """A body field holding free text of at most ``limit`` characters, stripped; None when
    absent or null; 400 otherwise."""
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise bad_request(f"{name} must be a string.")
    if len(value) > limit:
        raise bad_request(f"{name} is too long: at most {limit} characters, not {len(value)}.")
    return value.strip()


def required_text(body: dict[str, Any], name: str, purpose: str) -> str:
    """:func:`body_text` that must be given and not blank; the 400 says what it is for
    (``purpose``)."""
    value = body_text(body, name)
    if not value:
        raise bad_request(f"{name} is required: {purpose}.")
    return value
