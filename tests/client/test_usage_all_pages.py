"""``usage.list_all_requests``: every page, fetched concurrently, in order, same as the walk."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses

from dgdata import Deepgram, errors
from tests.client.conftest import API

URL = f"{API}/v1/projects/p1/requests"


def serve_history(
    mocked: responses.RequestsMock, total: int, fail_page: int | None = None
) -> list[int]:
    pages_asked: list[int] = []

    def answer(request: requests.PreparedRequest):  # type: ignore[no-untyped-def]
        query = parse_qs(urlsplit(request.url).query)
        page, limit = int(query["page"][0]), int(query["limit"][0])
        pages_asked.append(page)
        if page == fail_page:
            return (500, {}, json.dumps({"err_msg": "boom"}))
        items = [
            {"request_id": f"r{i}", "created": "2024-01-01T00:00:00Z", "start": query.get("start")}
            for i in range(page * limit, min((page + 1) * limit, total))
        ]
        return (
            200,
            {"Content-Type": "application/json"},
            json.dumps({"page": page, "limit": limit, "requests": items}),
        )

    mocked.add_callback("GET", URL, callback=answer)
    mocked.assert_all_requests_are_fired = False
    return pages_asked


@pytest.mark.parametrize("total", [0, 7, 10, 53])
def test_same_requests_as_the_sequential_walk(
    dg: Deepgram, mocked: responses.RequestsMock, total: int
) -> None:
    serve_history(mocked, total)
    everything = dg.usage.list_all_requests("p1", page_size=10, concurrency=4, start="2024-01-01")
    walked = list(dg.usage.iter_requests("p1", page_size=10, start="2024-01-01"))
    assert [r["request_id"] for r in everything] == [f"r{i}" for i in range(total)]
    assert everything == walked
    assert all(r["start"] == ["2024-01-01"] for r in everything)  # filters reach every page


def test_a_failing_page_raises_the_api_error(dg: Deepgram, mocked: responses.RequestsMock) -> None:
    serve_history(mocked, 100, fail_page=4)
    with pytest.raises(errors.ServerError, match="boom"):
        dg.usage.list_all_requests("p1", page_size=10, concurrency=3)


def test_bad_page_size_is_refused_before_any_request(
    dg: Deepgram, mocked: responses.RequestsMock
) -> None:
    with pytest.raises(ValueError):
        dg.usage.list_all_requests("p1", page_size=0)
    assert len(mocked.calls) == 0
