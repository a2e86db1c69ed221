"""Usage: the exact request of requests / usage / fields / breakdown, and the page walker."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import responses
from responses import matchers

from dgdata import Deepgram
from tests.client.conftest import API, SentRequest

REQUESTS = "/v1/projects/{project_id}/requests"
REQUEST = REQUESTS + "/{request_id}"
USAGE = "/v1/projects/{project_id}/usage"
FIELDS = USAGE + "/fields"
BREAKDOWN = USAGE + "/breakdown"
UTC = dt.timezone.utc
REQUESTS_URL = f"{API}/v1/projects/proj-1/requests"


@pytest.mark.parametrize(
    ("call", "template", "path", "query"),
    [
        pytest.param(
            lambda dg: dg.usage.list_requests(
                "proj-1",
                start=dt.datetime(2024, 1, 1, tzinfo=UTC),
                end=dt.datetime(2024, 2, 1, 12, 30, tzinfo=UTC),
                limit=10,
                page=1,
                status="succeeded",
            ),
            REQUESTS,
            "/v1/projects/proj-1/requests",
            "start=2024-01-01T00%3A00%3A00Z&end=2024-02-01T12%3A30%3A00Z&limit=10&page=1"
            "&status=succeeded",
            id="list_requests-datetimes",
        ),
        pytest.param(
            lambda dg: dg.usage.list_requests("proj-1"),
            REQUESTS,
            "/v1/projects/proj-1/requests",
            "",
            id="list_requests-unfiltered",
        ),
        pytest.param(
            lambda dg: dg.usage.list_requests(
                "proj-1",
                start="2024-01-01",
                end="2024-01-31",
                accessor="key-1",
                request_id="req-1",
                deployment="hosted",
                endpoint="listen",
                method="sync",
            ),
            REQUESTS,
            "/v1/projects/proj-1/requests",
            "start=2024-01-01&end=2024-01-31&accessor=key-1&request_id=req-1&deployment=hosted"
            "&endpoint=listen&method=sync",
            id="list_requests-strings",
        ),
        pytest.param(
            lambda dg: dg.usage.get_request("proj-1", "req-1"),
            REQUEST,
            "/v1/projects/proj-1/requests/req-1",
            "",
            id="get_request",
        ),
        pytest.param(
            lambda dg: dg.usage.get_usage(
                "proj-1",
                start=dt.date(2024, 1, 1),
                end=dt.date(2024, 1, 31),
                accessor="key-1",
                diarize=True,
                punctuate=False,
                method="sync",
                model="nova-3",
                tag=["a", "b"],
            ),
            USAGE,
            "/v1/projects/proj-1/usage",
            "start=2024-01-01&end=2024-01-31&accessor=key-1&diarize=true&punctuate=false"
            "&method=sync&model=nova-3&tag=a&tag=b",
            id="get_usage",
        ),
        pytest.param(
            lambda dg: dg.usage.get_fields("proj-1", start="2024-01-01", end=dt.date(2024, 1, 31)),
            FIELDS,
            "/v1/projects/proj-1/usage/fields",
            "start=2024-01-01&end=2024-01-31",
            id="get_fields",
        ),
        pytest.param(
            lambda dg: dg.usage.get_breakdown(
                "proj-1", start="2024-01-01", end="2024-01-31", grouping="models", tag=["a", "b"]
            ),
            BREAKDOWN,
            "/v1/projects/proj-1/usage/breakdown",
            "start=2024-01-01&end=2024-01-31&grouping=models&tag=a&tag=b",
            id="get_breakdown",
        ),
    ],
)
def test_usage_operation_sends_the_documented_request_and_returns_the_answer(
    dg: Deepgram,
    answer: Callable[..., Any],
    sent: Callable[[], list[SentRequest]],
    call: Callable[[Deepgram], Any],
    template: str,
    path: str,
    query: str,
) -> None:
    example = answer("GET", template, path)

    result = call(dg)

    (request,) = sent()
    assert (request.method, request.path, request.query) == ("GET", path, query)
    assert request.body is None
    request.assert_client_headers(content_type=None)
    assert result == example


@pytest.mark.parametrize(
    ("method_name", "template"),
    [
        ("list_requests", REQUESTS),
        ("get_usage", USAGE),
        ("get_fields", FIELDS),
        ("get_breakdown", BREAKDOWN),
    ],
)
def test_usage_options_as_dict_or_keywords_send_the_same_request(
    dg: Deepgram,
    answer: Callable[..., Any],
    sent: Callable[[], list[SentRequest]],
    method_name: str,
    template: str,
) -> None:
    options = {
        "start": dt.datetime(2024, 1, 1, 6, tzinfo=UTC),
        "end": dt.date(2024, 1, 31),
        "tag": ["a", "b"],
        "diarize": True,
        "accessor": None,
    }
    path = template.format(project_id="proj-1")
    answer("GET", template, path)
    answer("GET", template, path)
    answer("GET", template, path)
    method = getattr(dg.usage, method_name)

    method("proj-1", options)
    method("proj-1", **options)
    method("proj-1", {**options, "tag": "dropped"}, tag=["a", "b"])  # keywords win

    by_dict, by_keywords, mixed = sent()
    assert by_dict.url == by_keywords.url == mixed.url
    assert by_dict.params == [
        ("start", "2024-01-01T06:00:00Z"),
        ("end", "2024-01-31"),
        ("tag", "a"),
        ("tag", "b"),
        ("diarize", "true"),
    ]


def test_usage_get_request_percent_encodes_the_ids(
    dg: Deepgram, answer: Callable[..., Any], sent: Callable[[], list[SentRequest]]
) -> None:
    answer("GET", REQUEST, "/v1/projects/p%2F1/requests/r%3F1")
    dg.usage.get_request("p/1", "r?1")
    (request,) = sent()
    assert request.url == API + "/v1/projects/p%2F1/requests/r%3F1"


# --- iter_requests: walking the pages ---------------------------------------------------------


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


def test_usage_iter_requests_rejects_a_page_size_below_one(
    dg: Deepgram, mocked: responses.RequestsMock
) -> None:
    with pytest.raises(ValueError, match="page_size"):
        list(dg.usage.iter_requests("proj-1", page_size=0))
    assert len(mocked.calls) == 0


# --- ids ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("blank", ["", "   ", None])
@pytest.mark.parametrize(
    ("call", "name"),
    [
        pytest.param(lambda dg, x: dg.usage.list_requests(x), "project_id", id="list_requests"),
        pytest.param(lambda dg, x: list(dg.usage.iter_requests(x)), "project_id", id="iter"),
        pytest.param(lambda dg, x: dg.usage.get_request(x, "req-1"), "project_id", id="get-p"),
        pytest.param(lambda dg, x: dg.usage.get_request("proj-1", x), "request_id", id="get-r"),
        pytest.param(lambda dg, x: dg.usage.get_usage(x), "project_id", id="get_usage"),
        pytest.param(lambda dg, x: dg.usage.get_fields(x), "project_id", id="get_fields"),
        pytest.param(lambda dg, x: dg.usage.get_breakdown(x), "project_id", id="get_breakdown"),
    ],
)
def test_usage_blank_id_raises_value_error_and_sends_nothing(
    dg: Deepgram,
    mocked: responses.RequestsMock,
    call: Callable[..., Any],
    name: str,
    blank: str | None,
) -> None:
    with pytest.raises(ValueError, match=name):
        call(dg, blank)
    assert len(mocked.calls) == 0
