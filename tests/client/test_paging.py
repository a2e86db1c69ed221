"""Fetching every page concurrently: order kept, stops at the first short page, errors raised."""

from __future__ import annotations

import threading
import time

import pytest

from dgdata.resources._paging import fetch_all_pages


def make_server(total: int, page_size: int, delay: float = 0.0, echo_limit: bool = True):  # type: ignore[no-untyped-def]
    calls: list[int] = []
    lock = threading.Lock()
    in_flight = [0, 0]  # current, peak

    def fetch(page: int) -> dict:
        with lock:
            calls.append(page)
            in_flight[0] += 1
            in_flight[1] = max(in_flight[1], in_flight[0])
        time.sleep(delay)
        start = page * page_size
        items = [{"request_id": f"r{i}"} for i in range(start, min(start + page_size, total))]
        with lock:
            in_flight[0] -= 1
        body: dict = {"page": page, "requests": items}
        if echo_limit:
            body["limit"] = page_size
        return body

    return fetch, calls, in_flight


@pytest.mark.parametrize("total", [0, 1, 9, 10, 11, 95, 100, 101])
def test_all_items_in_order_whatever_the_total(total: int) -> None:
    fetch, _, _ = make_server(total, page_size=10)
    pages = fetch_all_pages(fetch, key="requests", page_size=10, concurrency=4)
    ids = [item["request_id"] for page in pages for item in page["requests"]]
    assert ids == [f"r{i}" for i in range(total)]


def test_at_most_concurrency_minus_one_pages_are_wasted() -> None:
    fetch, calls, _ = make_server(95, page_size=10)
    fetch_all_pages(fetch, key="requests", page_size=10, concurrency=4)
    assert max(calls) <= 9 + 3
    assert sorted(set(calls)) == list(range(max(calls) + 1))


def test_pages_are_fetched_concurrently_but_bounded() -> None:
    fetch, _, in_flight = make_server(200, page_size=10, delay=0.02)
    started = time.perf_counter()
    pages = fetch_all_pages(fetch, key="requests", page_size=10, concurrency=5)
    elapsed = time.perf_counter() - started
    assert sum(len(p["requests"]) for p in pages) == 200
    assert in_flight[1] == 5
    assert elapsed < 21 * 0.02 * 0.6  # well under the sequential time


def test_the_servers_echoed_limit_wins() -> None:
    fetch, _, _ = make_server(25, page_size=5)
    pages = fetch_all_pages(fetch, key="requests", page_size=100, concurrency=3)
    assert sum(len(p["requests"]) for p in pages) == 25


def test_a_server_ignoring_page_does_not_loop_forever() -> None:
    def same_page(_: int) -> dict:
        return {"limit": 2, "requests": [{"request_id": "a"}, {"request_id": "b"}]}

    pages = fetch_all_pages(same_page, key="requests", page_size=2, concurrency=3)
    assert [item["request_id"] for page in pages for item in page["requests"]] == ["a", "b"]


def test_an_error_on_any_page_is_raised() -> None:
    fetch, _, _ = make_server(100, page_size=10)

    def flaky(page: int) -> dict:
        if page == 3:
            raise RuntimeError("page 3 failed")
        return fetch(page)

    with pytest.raises(RuntimeError, match="page 3 failed"):
        fetch_all_pages(flaky, key="requests", page_size=10, concurrency=4)


def test_concurrency_must_be_positive() -> None:
    with pytest.raises(ValueError):
        fetch_all_pages(lambda p: {}, key="requests", page_size=10, concurrency=0)
