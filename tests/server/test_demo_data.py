"""The synthetic demo account (``dgdata serve --demo``): deterministic, fast, plausible, and
readable as frames through dgdata's client."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pandas as pd
import pytest

from dgdata import Deepgram
from dgdata.frames.usage import usage_requests
from dgdata.server.backend import Backend
from dgdata.server.backend.store import Store, utcnow
from dgdata.server.demo.account import DEMO_DAYS, build_demo, demo_id
from dgdata.server.runner import LocalServer

pytestmark = pytest.mark.integration

TODAY = date(2025, 6, 18)
NOON = datetime(2025, 6, 18, 12, 0, tzinfo=timezone.utc)

_TABLES = {
    "projects": "project_id",
    "accounts": "member_id",
    "api_keys": "api_key_id",
    "invitations": "project_id, email",
    "purchases": "order_id",
    "balances": "balance_id",
    "requests": "request_id",
    "credentials": "distribution_credentials_id",
    "agents": "agent_id",
    "agent_variables": "variable_id",
}


def value(store: Store, sql: str, params: tuple[Any, ...] = ()) -> Any:
    """The one value of a one-row, one-column query."""
    row = store.one(sql, params)
    assert row is not None
    return row[0]


def snapshot(store: Store, owner: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every demo row, minus what is random on purpose (key secrets, the bootstrap owner)."""
    out = {}
    for table, order in _TABLES.items():
        rows = store.query(f"SELECT * FROM {table} ORDER BY {order}")
        out[table] = [
            tuple(v for k, v in zip(row.keys(), tuple(row), strict=True) if k != "secret_sha256")
            for row in rows
            if owner not in tuple(row) and "dgdata" not in str(tuple(row))
        ]
    out["memberships"] = [
        tuple(r)
        for r in store.query(
            "SELECT * FROM memberships WHERE member_id != ? ORDER BY project_id, member_id",
            (owner,),
        )
    ]
    return out


def seeded(today: date = TODAY, now: datetime = NOON) -> tuple[Store, str, float]:
    store = Store()
    owner = Backend(store).bootstrap().member_id
    started = time.perf_counter()
    summary = build_demo(store, owner, today=today, now=now)
    assert summary is not None
    return store, owner, time.perf_counter() - started


def test_two_seeds_give_the_same_ids_and_numbers() -> None:
    first, owner_1, _ = seeded()
    second, owner_2, _ = seeded()
    assert owner_1 != owner_2  # each store has its own bootstrap owner...
    assert snapshot(first, owner_1) == snapshot(second, owner_2)  # ...and the same demo
    assert snapshot(first, owner_1)["requests"]


def test_the_seed_is_fast_and_sized_like_a_real_account() -> None:
    store, _, seconds = seeded()
    assert seconds < 2.0
    count = value(store, "SELECT count(*) AS n FROM requests")
    assert 2000 <= count <= 6000
    failed = {
        r["code"]: r["n"]
        for r in store.query(
            "SELECT code, count(*) AS n FROM requests WHERE code >= 400 GROUP BY code"
        )
    }
    assert set(failed) == {400, 402, 500} and sum(failed.values()) < count * 0.05


def test_the_history_ends_today_and_spans_ninety_days() -> None:
    store, _, _ = seeded()
    days = [
        date.fromisoformat(r["d"])
        for r in store.query("SELECT DISTINCT substr(created, 1, 10) AS d FROM requests ORDER BY d")
    ]
    assert days[0] == TODAY - timedelta(days=DEMO_DAYS - 1) and days[-1] == TODAY
    assert len(days) == DEMO_DAYS
    latest = value(store, "SELECT max(created) AS m FROM requests")
    assert latest <= "2025-06-18T12:00:00.000Z"  # nothing later than the seeding moment


def test_weekly_seasonality_and_growth() -> None:
    store, _, _ = seeded()
    frame = pd.DataFrame(
        [dict(r) for r in store.query("SELECT substr(created, 1, 10) AS day, usd FROM requests")]
    )
    daily = frame.groupby("day").size()
    daily.index = pd.to_datetime(daily.index)
    weekday = daily[daily.index.day_of_week < 5].mean()
    weekend = daily[daily.index.day_of_week >= 5].mean()
    assert weekend < 0.8 * weekday
    assert daily.iloc[-35:-7].mean() > 1.3 * daily.iloc[:28].mean()


def test_a_day_later_the_account_is_the_same_and_the_history_moves() -> None:
    first, owner_1, _ = seeded()
    later, owner_2, _ = seeded(TODAY + timedelta(days=1), NOON + timedelta(days=1))
    a, b = snapshot(first, owner_1), snapshot(later, owner_2)
    for table in ("projects", "accounts", "api_keys", "purchases", "agents"):
        assert [r[0] for r in a[table]] == [r[0] for r in b[table]]
    assert [r[4] for r in a["projects"]] != [r[4] for r in b["projects"]]  # created moved
    # The weekly pattern falls on other days, so the draws differ, but not the size.
    assert len(b["requests"]) == pytest.approx(len(a["requests"]), rel=0.1)


def test_seeding_twice_does_nothing_the_second_time() -> None:
    store, owner, _ = seeded()
    before = value(store, "SELECT count(*) AS n FROM requests")
    assert build_demo(store, owner, today=TODAY, now=NOON) is None
    assert value(store, "SELECT count(*) AS n FROM requests") == before


# --------------------------------------------------------------------------- through the API


@pytest.fixture(scope="module")
def demo() -> Iterator[LocalServer]:
    with LocalServer(decoders=1, demo=True) as server:
        yield server


@pytest.fixture(scope="module")
def client(demo: LocalServer) -> Iterator[Deepgram]:
    """A client with the key ``dgdata serve`` prints: its own project only."""
    with Deepgram(api_key=demo.api_key, api_url=demo.url, max_retries=0) as dg:
        yield dg


@pytest.fixture(scope="module")
def clients(demo: LocalServer) -> Iterator[dict[str, Deepgram]]:
    """A client per demo project, with the owner's key for it (a key reaches one project)."""
    made = {
        pid: Deepgram(api_key=k, api_url=demo.url, max_retries=0)
        for pid, k in demo.demo_keys.items()
    }
    yield made
    for dg in made.values():
        dg.close()


def test_each_demo_key_sees_its_own_project(
    client: Deepgram, clients: dict[str, Deepgram], demo: LocalServer
) -> None:
    assert [p["name"] for p in client.projects.list()["projects"]] == ["dgdata local"]
    assert list(clients) == [demo_id("project", slug) for slug in ("support", "podcast", "agents")]
    names = set()
    for project_id, dg in clients.items():
        [project] = dg.projects.list()["projects"]
        assert project["project_id"] == project_id
        names.add(project["name"])
        members = dg.members.list_members(project_id)["members"]
        me = [m for m in members if m["member_id"] == demo.state.boot.member_id]
        assert me and me[0]["scopes"] == ["owner"]
        assert all(m["email"].endswith(("@example.com", "@dgdata.local")) for m in members)
    assert names == {"Demo — Support calls", "Demo — Podcast studio", "Demo — Voice agent lab"}


def test_demo_keys_members_invites_and_more(clients: dict[str, Deepgram]) -> None:
    support = demo_id("project", "support")
    client = clients[support]
    roles = {m["scopes"][0] for m in client.members.list_members(support)["members"]}
    assert roles == {"owner", "admin", "member"}
    expired = client.keys.list(support, status="expired")["api_keys"]
    assert [k["api_key"]["comment"] for k in expired] == ["Demo — intern sandbox (expired)"]
    scopes = [k["api_key"]["scopes"] for k in client.keys.list(support)["api_keys"]]
    assert ["member"] in scopes and ["usage:read"] in scopes
    assert len(client.invitations.list_invitations(support)["invites"]) == 2
    assert client.selfhosted.list_credentials(support)["distribution_credentials"]
    lab = demo_id("project", "agents")
    client = clients[lab]
    [agent] = client.agents.list(lab)["agents"]
    assert "{{DG_COMPANY}}" in agent["config"]["greeting"]
    keys = {v["key"] for v in client.agents.list_variables(lab)["variables"]}
    assert keys == {"DG_COMPANY", "DG_OPENING_HOURS"}


def test_balances_are_purchases_minus_usage(
    clients: dict[str, Deepgram], demo: LocalServer
) -> None:
    store = demo.state.store
    for slug in ("support", "podcast", "agents"):
        pid = demo_id("project", slug)
        client = clients[pid]
        bought = sum(o["amount"] for o in client.billing.list_purchases(pid)["orders"])
        left = sum(b["amount"] for b in client.billing.list_balance(pid)["balances"])
        spent = value(store, "SELECT sum(usd) FROM requests WHERE project_id = ?", (pid,))
        assert 0 < spent < bought
        assert left == pytest.approx(bought - spent, abs=1e-4)


def test_the_requests_frame_over_the_demo(clients: dict[str, Deepgram]) -> None:
    frame = pd.concat([dg.usage.requests_frame() for dg in clients.values()], ignore_index=True)
    assert len(frame) > 2000
    assert frame.project_id.nunique() == 3
    assert {"nova-3", "nova-2", "base", "whisper", "aura-2-thalia-en"} <= set(frame.model)
    assert set(frame.method) == {"sync", "async", "streaming"}
    assert set(frame.endpoint) == {"listen", "speak", "read", "agent"}
    assert set(frame.status) == {"succeeded", "failed"}
    assert frame.usd.sum() > 50 and frame.usd_available.sum() > 0.9 * len(frame)
    assert str(frame.created.dtype) == "datetime64[ns, UTC]"
    assert frame.usd.dtype == "float64" and str(frame.code.dtype) == "Int64"
    assert str(frame.tts_characters.dtype) == "Int64" and frame.tts_characters.sum() > 0
    assert frame.tokens_in.sum() > 0 and frame.callback_url.notna().any()
    assert frame.tags.map(len).gt(0).mean() > 0.5
    assert frame.config_diarize.fillna(False).any()
    today = utcnow().date()
    oldest = frame.created.min().date()
    assert oldest >= today - timedelta(days=DEMO_DAYS - 1)
    by_day = frame.created.dt.date.nunique()
    assert by_day >= DEMO_DAYS - 1  # today may not have begun yet


def test_the_demo_aggregates_agree(clients: dict[str, Deepgram]) -> None:
    support = demo_id("project", "support")
    client = clients[support]
    pages = client.usage.list_all_requests(support, page_size=500)
    summary = client.usage.summary_frame(support)
    assert summary.requests.sum() == len(pages)
    breakdown = client.usage.breakdown_frame(support, grouping="models")
    assert breakdown.requests.sum() == len(pages)
    assert breakdown.hours.sum() == pytest.approx(summary.hours.sum())
    frame = usage_requests(pages)
    billed = client.billing.get_breakdown(support, grouping=["line_item"])
    assert sum(r["dollars"] for r in billed["results"]) == pytest.approx(frame.usd.sum(), rel=1e-6)
    fields = client.usage.get_fields(support)
    assert {"support", "qa"} <= set(fields["tags"]) and len(fields["models"]) >= 4


def test_a_reset_seeds_the_same_demo_again(clients: dict[str, Deepgram], demo: LocalServer) -> None:
    support = demo_id("project", "support")
    client = clients[support]  # the demo keys are registered again after the reset
    before = client.usage.list_requests(support, limit=5)
    demo.reset()
    assert client.usage.list_requests(support, limit=5)["requests"] == before["requests"]
