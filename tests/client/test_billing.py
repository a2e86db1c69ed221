"""Billing: the exact request of balances, breakdown, fields and purchases."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import responses

from dgdata import Deepgram
from tests.client.conftest import API, SentRequest

BALANCES = "/v1/projects/{project_id}/balances"
BALANCE = BALANCES + "/{balance_id}"
BREAKDOWN = "/v1/projects/{project_id}/billing/breakdown"
FIELDS = "/v1/projects/{project_id}/billing/fields"
PURCHASES = "/v1/projects/{project_id}/purchases"


@pytest.mark.parametrize(
    ("call", "template", "path", "query"),
    [
        pytest.param(
            lambda dg: dg.billing.list_balance("proj-1"),
            BALANCES,
            "/v1/projects/proj-1/balances",
            "",
            id="list_balance",
        ),
        pytest.param(
            lambda dg: dg.billing.get_balance("proj-1", "bal-1"),
            BALANCE,
            "/v1/projects/proj-1/balances/bal-1",
            "",
            id="get_balance",
        ),
        pytest.param(
            lambda dg: dg.billing.get_breakdown(
                "proj-1",
                start=dt.date(2025, 1, 16),
                end="2025-01-23",
                accessor="key-1",
                deployment="hosted",
                tag="tag1",
                line_item="streaming::nova-3",
                grouping=["deployment", "line_item"],
            ),
            BREAKDOWN,
            "/v1/projects/proj-1/billing/breakdown",
            "start=2025-01-16&end=2025-01-23&accessor=key-1&deployment=hosted&tag=tag1"
            "&line_item=streaming%3A%3Anova-3&grouping=deployment&grouping=line_item",
            id="get_breakdown",
        ),
        pytest.param(
            lambda dg: dg.billing.get_fields(
                "proj-1", start="2025-01-01", end=dt.date(2025, 1, 31)
            ),
            FIELDS,
            "/v1/projects/proj-1/billing/fields",
            "start=2025-01-01&end=2025-01-31",
            id="get_fields",
        ),
        pytest.param(
            lambda dg: dg.billing.list_purchases("proj-1", limit=10),
            PURCHASES,
            "/v1/projects/proj-1/purchases",
            "limit=10",
            id="list_purchases",
        ),
        pytest.param(
            lambda dg: dg.billing.list_purchases("proj-1"),
            PURCHASES,
            "/v1/projects/proj-1/purchases",
            "",
            id="list_purchases-unfiltered",
        ),
    ],
)
def test_billing_operation_sends_the_documented_request_and_returns_the_answer(
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
    ("method_name", "template", "options", "params"),
    [
        (
            "get_breakdown",
            BREAKDOWN,
            {"start": dt.date(2025, 1, 1), "grouping": ["accessor", "tags"], "tag": None},
            [("start", "2025-01-01"), ("grouping", "accessor"), ("grouping", "tags")],
        ),
        (
            "get_fields",
            FIELDS,
            {"start": "2025-01-01", "end": dt.date(2025, 1, 31)},
            [("start", "2025-01-01"), ("end", "2025-01-31")],
        ),
        ("list_purchases", PURCHASES, {"limit": 5}, [("limit", "5")]),
    ],
)
def test_billing_options_as_dict_or_keywords_send_the_same_request(
    dg: Deepgram,
    answer: Callable[..., Any],
    sent: Callable[[], list[SentRequest]],
    method_name: str,
    template: str,
    options: dict[str, Any],
    params: list[tuple[str, str]],
) -> None:
    path = template.format(project_id="proj-1")
    answer("GET", template, path)
    answer("GET", template, path)
    method = getattr(dg.billing, method_name)

    method("proj-1", options)
    method("proj-1", **options)

    by_dict, by_keywords = sent()
    assert by_dict.url == by_keywords.url
    assert by_dict.params == params


def test_billing_get_balance_percent_encodes_the_ids(
    dg: Deepgram, answer: Callable[..., Any], sent: Callable[[], list[SentRequest]]
) -> None:
    answer("GET", BALANCE, "/v1/projects/p%201/balances/b%2F1")
    dg.billing.get_balance("p 1", "b/1")
    (request,) = sent()
    assert request.url == API + "/v1/projects/p%201/balances/b%2F1"


@pytest.mark.parametrize("blank", ["", "   ", None])
@pytest.mark.parametrize(
    ("call", "name"),
    [
        pytest.param(lambda dg, x: dg.billing.list_balance(x), "project_id", id="list_balance"),
        pytest.param(lambda dg, x: dg.billing.get_balance(x, "b"), "project_id", id="get-p"),
        pytest.param(lambda dg, x: dg.billing.get_balance("p", x), "balance_id", id="get-b"),
        pytest.param(lambda dg, x: dg.billing.get_breakdown(x), "project_id", id="breakdown"),
        pytest.param(lambda dg, x: dg.billing.get_fields(x), "project_id", id="fields"),
        pytest.param(lambda dg, x: dg.billing.list_purchases(x), "project_id", id="purchases"),
    ],
)
def test_billing_blank_id_raises_value_error_and_sends_nothing(
    dg: Deepgram,
    mocked: responses.RequestsMock,
    call: Callable[..., Any],
    name: str,
    blank: str | None,
) -> None:
    with pytest.raises(ValueError, match=name):
        call(dg, blank)
    assert len(mocked.calls) == 0
