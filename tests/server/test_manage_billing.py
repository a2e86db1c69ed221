"""Billing on the local server: balances that go down with usage, the breakdown, fields and
purchases."""

from __future__ import annotations

from typing import Any

import pytest

from dgdata import Deepgram
from dgdata.frames.billing import billing_breakdown
from dgdata.server.backend.store import new_id
from dgdata.server.runner import LocalServer
from tests.server.manage_common import add_person, assert_error, raw, record

pytestmark = pytest.mark.integration

LISTEN: dict[str, Any] = {"tags": ["prod"], "usd": 0.25}
STREAM: dict[str, Any] = {
    "method": "streaming",
    "models": ["nova-3"],
    "tags": ["prod", "eu"],
    "usd": 0.5,
}
SPEAK: dict[str, Any] = {
    "endpoint": "speak",
    "models": ["aura-2-thalia-en"],
    "tts_characters": 1000,
    "usd": 0.03,
    "duration": 0.0,
    "channels": 0,
}
FAILED: dict[str, Any] = {"code": 500, "message": "boom", "usd": 0.0}


def add_purchase(
    server: LocalServer,
    amount: float,
    created: str,
    *,
    expiration: str | None = "2030-01-01T00:00:00.000Z",
    balance: bool = True,
) -> tuple[str, str]:
    order_id, balance_id = new_id(), new_id()
    store = server.state.store
    store.execute(
        "INSERT INTO purchases (order_id, project_id, created, expiration, amount, units, "
        "order_type) VALUES (?, ?, ?, ?, ?, 'usd', 'promotional')",
        (order_id, server.project_id, created, expiration, amount),
    )
    if balance:
        store.execute(
            "INSERT INTO balances (balance_id, project_id, amount, units, purchase_order_id) "
            "VALUES (?, ?, ?, 'usd', ?)",
            (balance_id, server.project_id, amount, order_id),
        )
    return order_id, balance_id


@pytest.fixture
def billed(server: LocalServer) -> dict[str, Any]:
    order_1, balance_1 = add_purchase(server, 0.5, "2024-01-01T00:00:00.000Z")
    order_2, balance_2 = add_purchase(server, 10.0, "2024-02-01T00:00:00.000Z")
    record(server, created="2024-03-01T10:00:00Z", **LISTEN)
    record(server, created="2024-03-01T11:00:00Z", **STREAM)
    record(server, created="2024-03-02T09:00:00Z", **SPEAK)
    record(server, created="2024-03-02T10:00:00Z", **FAILED)
    return {"balances": [balance_1, balance_2], "orders": [order_1, order_2]}


def test_balances_go_down_by_what_requests_cost(
    dg: Deepgram, server: LocalServer, billed: dict[str, Any]
) -> None:
    balances = dg.billing.list_balance(server.project_id)["balances"]
    # 0.78 spent: the oldest balance (0.50) first, then 0.28 off the second.
    assert [b["balance_id"] for b in balances] == billed["balances"]
    assert [b["amount"] for b in balances] == [0.0, pytest.approx(9.72)]
    assert balances[1]["purchase_order_id"] == billed["orders"][1] and balances[1]["units"] == "usd"
    one = dg.billing.get_balance(server.project_id, billed["balances"][1])
    assert one == balances[1]
    record(server, created="2024-03-03T10:00:00Z", usd=1.0)
    assert dg.billing.get_balance(server.project_id, billed["balances"][1])["amount"] == (
        pytest.approx(8.72)
    )
    assert_error(raw(server, "GET", f"/v1/projects/{server.project_id}/balances/nope"), 404)
    frame = dg.billing.balances_frame(server.project_id)
    assert frame.amount.sum() == pytest.approx(8.72)


def breakdown(server: LocalServer, **params: Any) -> dict[str, Any]:
    response = raw(
        server,
        "GET",
        f"/v1/projects/{server.project_id}/billing/breakdown",
        params={"start": "2024-03-01", "end": "2024-03-02", **params},
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def totals(body: dict[str, Any], *names: str) -> dict[Any, float]:
    out: dict[Any, float] = {}
    for result in body["results"]:
        key = tuple(
            tuple(v) if isinstance(v := result["grouping"][name], list) else v for name in names
        )
        out[key if len(key) > 1 else key[0]] = round(out.get(key, 0) + result["dollars"], 6)
    return out


def test_the_breakdown_is_per_day(server: LocalServer, billed: dict[str, Any]) -> None:
    body = breakdown(server)
    assert (body["start"], body["end"]) == ("2024-03-01", "2024-03-02")
    assert body["resolution"] == {"units": "day", "amount": 1}
    assert [(r["grouping"]["start"], r["dollars"]) for r in body["results"]] == [
        ("2024-03-01", 0.75),
        ("2024-03-02", 0.03),
    ]
    assert body["results"][0]["grouping"] == {
        "start": "2024-03-01",
        "end": "2024-03-01",
        "accessor": None,
        "deployment": None,
        "line_item": None,
        "tags": None,
    }


def test_breakdown_groupings(dg: Deepgram, server: LocalServer, billed: dict[str, Any]) -> None:
    assert totals(breakdown(server, grouping="line_item"), "line_item") == {
        "sync::nova-3": 0.25,
        "streaming::nova-3": 0.5,
        "sync::aura-2": 0.03,
    }
    assert totals(breakdown(server, grouping="tags"), "tags") == {
        ("prod",): 0.25,
        ("eu", "prod"): 0.5,
        (): 0.03,
    }
    key = server.state.boot.api_key_id
    both = dg.billing.get_breakdown(
        server.project_id, start="2024-03-01", end="2024-03-02", grouping=["accessor", "deployment"]
    )
    assert totals(both, "accessor", "deployment") == {(key, "hosted"): 0.78}
    frame = billing_breakdown(both)
    assert frame.dollars.sum() == pytest.approx(0.78) and frame.accessor.tolist() == [key, key]


@pytest.mark.parametrize(
    ("params", "dollars"),
    [
        ({"tag": "eu"}, 0.5),
        ({"line_item": "sync::aura-2"}, 0.03),
        ({"deployment": "self-hosted"}, 0.0),
        ({"accessor": "nobody"}, 0.0),
        ({"start": "2024-03-02"}, 0.03),
    ],
)
def test_breakdown_filters(
    server: LocalServer, billed: dict[str, Any], params: dict, dollars: float
) -> None:
    body = breakdown(server, **params)
    assert sum(r["dollars"] for r in body["results"]) == pytest.approx(dollars)


def test_bad_breakdown_queries_are_400(server: LocalServer) -> None:
    path = f"/v1/projects/{server.project_id}/billing/breakdown"
    for params in ({"grouping": "models"}, {"deployment": "cloud"}, {"end": "soon"}):
        assert_error(raw(server, "GET", path, params=params), 400, "INVALID_QUERY_PARAMETER")


def test_fields_name_what_was_billed(
    dg: Deepgram, server: LocalServer, billed: dict[str, Any]
) -> None:
    fields = dg.billing.get_fields(server.project_id, start="2024-03-01", end="2024-03-02")
    assert fields == {
        "accessors": [server.state.boot.api_key_id],
        "deployments": ["hosted"],
        "tags": ["eu", "prod"],
        "line_items": {
            "streaming::nova-3": "Nova-3 (Stream)",
            "sync::aura-2": "Aura-2 (Sync)",
            "sync::nova-3": "Nova-3 (Sync)",
        },
    }
    empty = dg.billing.get_fields(server.project_id, start="2020-01-01", end="2020-01-31")
    assert empty == {"accessors": [], "deployments": [], "tags": [], "line_items": {}}


def test_purchases_are_listed_newest_first(dg: Deepgram, server: LocalServer) -> None:
    assert dg.billing.list_purchases(server.project_id) == {"orders": []}
    first, _ = add_purchase(server, 100.0, "2024-01-01T00:00:00.000Z")
    second, _ = add_purchase(server, 50.0, "2024-02-01T00:00:00.000Z", expiration=None)
    third, _ = add_purchase(server, 25.0, "2024-03-01T00:00:00.000Z", balance=False)
    orders = dg.billing.list_purchases(server.project_id)["orders"]
    assert [o["order_id"] for o in orders] == [third, second, first]
    assert orders[2] == {
        "order_id": first,
        "expiration": "2030-01-01T00:00:00.000Z",
        "created": "2024-01-01T00:00:00.000Z",
        "amount": 100.0,
        "units": "usd",
        "order_type": "promotional",
    }
    assert "expiration" not in orders[1]
    limited = dg.billing.list_purchases(server.project_id, limit=2)["orders"]
    assert [o["order_id"] for o in limited] == [third, second]
    for bad in (0, 1001, "many"):
        assert_error(
            raw(
                server, "GET", f"/v1/projects/{server.project_id}/purchases", params={"limit": bad}
            ),
            400,
        )


def test_a_member_reads_billing(server: LocalServer, billed: dict[str, Any]) -> None:
    _, member_key = add_person(server, "member")
    for suffix in ("balances", "billing/fields", "billing/breakdown", "purchases"):
        path = f"/v1/projects/{server.project_id}/{suffix}"
        assert raw(server, "GET", path, member_key).status_code == 200
