"""Fetch-and-convert helpers: the client fetches, the frames module shapes (issue 4)."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import requests
import responses

from dgdata import Deepgram
from tests.client.conftest import API


def request_item(i: int, usd: float) -> dict:
    return {
        "request_id": f"r{i}",
        "created": "2024-01-02T03:04:05.000Z",
        "path": "/v1/listen",
        "api_key_id": "k1",
        "response": {
            "details": {"usd": usd, "duration": 10.0, "models": ["nova-3"], "method": "sync"}
        },
        "code": 200,
    }


def serve_requests(mocked: responses.RequestsMock, project: str, total: int) -> None:
    def answer(request: requests.PreparedRequest):  # type: ignore[no-untyped-def]
        query = parse_qs(urlsplit(request.url).query)
        page, limit = int(query["page"][0]), int(query["limit"][0])
        items = [
            request_item(i, 0.01 * i) for i in range(page * limit, min((page + 1) * limit, total))
        ]
        body = {"page": page, "limit": limit, "requests": items}
        return (200, {"Content-Type": "application/json"}, json.dumps(body))

    mocked.add_callback("GET", f"{API}/v1/projects/{project}/requests", callback=answer)


def test_requests_frame_for_every_project_of_the_key(
    dg: Deepgram, mocked: responses.RequestsMock
) -> None:
    mocked.get(
        f"{API}/v1/projects", json={"projects": [{"project_id": "p1"}, {"project_id": "p2"}]}
    )
    serve_requests(mocked, "p1", 25)
    serve_requests(mocked, "p2", 3)
    frame = dg.usage.requests_frame(start="2024-01-01", page_size=10, concurrency=3)
    assert len(frame) == 28
    assert frame.groupby("project_id").size().to_dict() == {"p1": 25, "p2": 3}
    assert frame["usd"].sum() == sum(0.01 * i for i in range(25)) + sum(0.01 * i for i in range(3))
    assert str(frame["created"].dtype) == "datetime64[ns, UTC]" or "UTC" in str(
        frame["created"].dtype
    )


def test_requests_frame_for_one_project_has_stable_columns_when_empty(
    dg: Deepgram, mocked: responses.RequestsMock
) -> None:
    serve_requests(mocked, "p1", 0)
    empty = dg.usage.requests_frame("p1")
    serve_requests(mocked, "p2", 2)
    full = dg.usage.requests_frame("p2")
    assert len(empty) == 0
    assert list(empty.columns) == list(full.columns)
    assert (empty.dtypes == full.dtypes).all()


def test_summary_and_breakdown_frames(dg: Deepgram, mocked: responses.RequestsMock) -> None:
    mocked.get(
        f"{API}/v1/projects/p1/usage",
        match=[
            responses.matchers.query_param_matcher({"start": "2024-01-01", "end": "2024-01-03"})
        ],
        json={
            "start": "2024-01-01",
            "end": "2024-01-03",
            "resolution": {"units": "day", "amount": 1},
            "results": [
                {"start": "2024-01-01", "end": "2024-01-02", "hours": 1.5, "requests": 3},
                {"start": "2024-01-02", "end": "2024-01-03", "hours": 0.5, "requests": 1},
            ],
        },
    )
    mocked.get(
        f"{API}/v1/projects/p1/usage/breakdown",
        match=[responses.matchers.query_param_matcher({"grouping": "models"})],
        json={
            "start": "2024-01-01",
            "end": "2024-01-03",
            "resolution": {"units": "day", "amount": 1},
            "results": [{"hours": 2.0, "requests": 4, "grouping": {"models": "nova-3"}}],
        },
    )
    summary = dg.usage.summary_frame("p1", "2024-01-01", "2024-01-03")
    assert summary["hours"].tolist() == [1.5, 0.5]
    assert isinstance(summary.index, pd.DatetimeIndex)
    breakdown = dg.usage.breakdown_frame("p1", grouping="models")
    assert breakdown["hours"].tolist() == [2.0]


def test_balances_keys_and_members_frames(dg: Deepgram, mocked: responses.RequestsMock) -> None:
    mocked.get(
        f"{API}/v1/projects/p1/balances",
        json={
            "balances": [
                {"balance_id": "b1", "amount": 12.5, "units": "usd", "purchase_order_id": "po"}
            ]
        },
    )
    mocked.get(
        f"{API}/v1/projects/p1/keys",
        json={
            "api_keys": [
                {
                    "member": {"member_id": "m1", "email": "a@x.io"},
                    "api_key": {
                        "api_key_id": "k1",
                        "comment": "c",
                        "scopes": ["member"],
                        "created": "2024-01-01T00:00:00Z",
                    },
                }
            ]
        },
    )
    mocked.get(
        f"{API}/v1/projects/p1/members",
        json={"members": [{"member_id": "m1", "email": "a@x.io", "scopes": ["member", "admin"]}]},
    )
    balances = dg.billing.balances_frame("p1")
    assert balances[["project_id", "amount"]].values.tolist() == [["p1", 12.5]]
    keys = dg.keys.frame("p1")
    assert len(keys) == 1 and "k1" in keys.astype(str).values
    members = dg.members.frame("p1")
    assert members["scope"].tolist() == ["admin"]
