"""Usage: ``iter_requests`` walks the pages of ``list_requests``.

The request of every usage operation (filters, dates, dict or keyword options), blank ids and a
bad page size are checked with all the other operations in ``test_operations.py``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import responses
from responses import matchers

from dgdata import Deepgram
from tests.client.conftest import API, SentRequest

UTC = dt.timezone.utc
REQUESTS_URL = f"{API}/v1/projects/proj-1/requests"


def _items(*ids: str) -> list[dict[str, Any]]:
    return [{"request_id": i, "path": "/v1/listen"} for i in ids]


def _page(mocked: responses.RequestsMock, query: dict[str, str], body: dict[str, Any]) -> None:
    mocked.get(REQUESTS_URL, json=body, match=[matchers.query_param_matcher(query)])


def test_usage_iter_requests_walks_pages_0_1_2_and_stops_on_a_short_page(
    dg: Deepgram, mocked: responses.RequestsMock, sent: Callable[[], list[SentRequest]]
) -> None:
    _page(
        mocked, {"limit": "2", "page": "0"}, {"page": 0, "limit": 2, "requests": _items("a", "b")}
    )
    _page(
        mocked, {"limit": "2", "page": "1"}, {"page": 1, "limit": 2, "requests": _items("c", "d")}
    )
    _page(mocked, {"limit": "2", "page": "2"}, {"page": 2, "limit": 2, "requests": _items("e")})

    found = [r["request_id"] for r in dg.usage.iter_requests("proj-1", page_size=2)]

    assert found == ["a", "b", "c", "d", "e"]
    assert [r.query for r in sent()] == ["limit=2&page=0", "limit=2&page=1", "limit=2&page=2"]


def test_usage_iter_requests_stops_on_an_empty_page(
    dg: Deepgram, mocked: responses.RequestsMock
) -> None:
    _page(
        mocked, {"limit": "2", "page": "0"}, {"page": 0, "limit": 2, "requests": _items("a", "b")}
    )
    _page(mocked, {"limit": "2", "page": "1"}, {"page": 1, "limit": 2, "requests": []})

    found = [r["request_id"] for r in dg.usage.iter_requests("proj-1", page_size=2)]

    assert found == ["a", "b"]
    assert len(mocked.calls) == 2


def test_usage_iter_requests_stops_at_once_when_the_first_page_is_empty(
    dg: Deepgram, mocked: responses.RequestsMock
) -> None:
    _page(mocked, {"limit": "100", "page": "0"}, {"page": 0, "limit": 100, "requests": []})
    assert list(dg.usage.iter_requests("proj-1")) == []
    assert len(mocked.calls) == 1


def test_usage_iter_requests_uses_the_limit_the_server_echoes(
    dg: Deepgram, mocked: responses.RequestsMock
) -> None:
    # Asked for 100 a page, the server caps pages at 2: a full page of 2 is not the last one.
    _page(
        mocked, {"limit": "100", "page": "0"}, {"page": 0, "limit": 2, "requests": _items("a", "b")}
    )
    _page(mocked, {"limit": "100", "page": "1"}, {"page": 1, "limit": 2, "requests": _items("c")})

    found = [r["request_id"] for r in dg.usage.iter_requests("proj-1")]

    assert found == ["a", "b", "c"]


def test_usage_iter_requests_stops_when_the_server_repeats_the_same_page(
    dg: Deepgram, mocked: responses.RequestsMock
) -> None:
    same = {"page": 0, "limit": 2, "requests": _items("a", "b")}
    _page(mocked, {"limit": "2", "page": "0"}, same)
    _page(mocked, {"limit": "2", "page": "1"}, same)  # the server ignores `page`

    found = [r["request_id"] for r in dg.usage.iter_requests("proj-1", page_size=2)]

    assert found == ["a", "b"]
    assert len(mocked.calls) == 2  # a third request would fail: nothing answers page 2


def test_usage_iter_requests_sends_the_filters_with_every_page_and_starts_at_the_given_page(
    dg: Deepgram, mocked: responses.RequestsMock, sent: Callable[[], list[SentRequest]]
) -> None:
    base = {"start": "2024-01-01T00:00:00Z", "status": "failed", "limit": "1"}
    _page(mocked, {**base, "page": "3"}, {"page": 3, "limit": 1, "requests": _items("a")})
    _page(mocked, {**base, "page": "4"}, {"page": 4, "limit": 1, "requests": []})

    found = list(
        dg.usage.iter_requests(
            "proj-1",
            {"start": dt.datetime(2024, 1, 1, tzinfo=UTC), "page": 3},
            status="failed",
            limit=1,
        )
    )

    assert [r["request_id"] for r in found] == ["a"]
    assert sent()[0].query == "start=2024-01-01T00%3A00%3A00Z&status=failed&limit=1&page=3"
