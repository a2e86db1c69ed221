"""Usage on the local server: request records, filters, paging, the summary, fields, breakdown.

Each test records the same six requests (known durations, costs, tags and features) with
``Backend.record_request``, the way listen / speak / read record theirs, then checks what the
usage API computes from them.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pandas as pd
import pytest

from dgdata import Deepgram
from dgdata.server.backend import catalog
from dgdata.server.backend.usage_log import UsageRecord
from dgdata.server.runner import LocalServer
from tests.server.manage_common import assert_error, raw, record

pytestmark = pytest.mark.integration


@pytest.fixture
def recorded(server: LocalServer) -> dict[str, Any]:
    """Six requests over 2024-03-01..03, newest last; ``other_key`` made r2."""
    key, _ = server.state.backend.create_key(
        server.project_id, server.state.boot.member_id, "second", ["member"]
    )
    other = key["api_key_id"]
    r: dict[str, UsageRecord] = {}
    r["r1"] = record(
        server,
        created="2024-03-01T10:00:00Z",
        tags=["a"],
        features=["punctuate"],
        config={"model": "nova-3", "language": "en", "punctuate": True},
    )
    r["r2"] = record(
        server,
        created="2024-03-01T23:59:59.500Z",
        method="streaming",
        duration=120.0,
        total_audio=240.0,
        channels=2,
        usd=0.0232,
        models=["nova-2"],
        tags=["b"],
        features=["diarize", "punctuate"],
        config={"model": "nova-2", "diarize": True, "punctuate": True, "multichannel": True},
        api_key_id=other,
    )
    r["r3"] = record(
        server,
        created="2024-03-02T00:00:00Z",
        endpoint="speak",
        path="/v1/speak?model=aura-2-thalia-en",
        duration=30.0,
        total_audio=0.0,
        channels=0,
        streams=0,
        usd=0.015,
        models=["aura-2-thalia-en"],
        tags=["a", "b"],
        tts_characters=500,
        config={"model": "aura-2-thalia-en"},
    )
    r["r4"] = record(
        server,
        created="2024-03-02T12:00:00Z",
        endpoint="read",
        path="/v1/read?summarize=true",
        duration=0.0,
        total_audio=0.0,
        channels=0,
        streams=0,
        usd=0.00033,
        models=[],
        tokens_in=1000,
        tokens_out=100,
        features=["summarize"],
        config={"summarize": True},
    )
    r["r5"] = record(
        server,
        created="2024-03-03T08:00:00Z",
        method="async",
        code=400,
        message="Bad Request: failed to process audio",
        duration=1800.0,
        usd=0.0,
        models=["whisper"],
        config={"model": "whisper"},
        callback="https://example.com/cb",
    )
    r["r6"] = record(
        server,
        created="2024-03-03T09:00:00Z",
        endpoint="agent",
        path="/v1/agent/converse",
        method="streaming",
        duration=300.0,
        total_audio=300.0,
        usd=0.05,
        models=["nova-3", "aura-2-thalia-en"],
        tts_characters=200,
        tokens_in=500,
        tokens_out=80,
        config={},
    )
    return {"records": r, "other_key": other}


def ids(body: dict[str, Any]) -> list[str]:
    return [request["request_id"] for request in body["requests"]]


def order(recorded: dict[str, Any], *names: str) -> list[str]:
    return [recorded["records"][name].request_id for name in names]


def requests_path(server: LocalServer) -> str:
    return f"/v1/projects/{server.project_id}/requests"


# --------------------------------------------------------------------------- /requests


def test_requests_are_listed_newest_first_and_paged(
    dg: Deepgram, server: LocalServer, recorded: dict[str, Any]
) -> None:
    pid = server.project_id
    first = dg.usage.list_requests(pid)
    assert first["page"] == 0 and first["limit"] == 10
    assert ids(first) == order(recorded, "r6", "r5", "r4", "r3", "r2", "r1")
    pages = [dg.usage.list_requests(pid, limit=2, page=n) for n in range(4)]
    assert [ids(p) for p in pages] == [
        order(recorded, "r6", "r5"),
        order(recorded, "r4", "r3"),
        order(recorded, "r2", "r1"),
        [],
    ]
    assert [p["page"] for p in pages] == [0, 1, 2, 3] and pages[1]["limit"] == 2
    walked = [r["request_id"] for r in dg.usage.iter_requests(pid, page_size=4)]
    assert walked == order(recorded, "r6", "r5", "r4", "r3", "r2", "r1")
    assert len(dg.usage.list_all_requests(pid, page_size=1, concurrency=3)) == 6


def test_a_request_carries_the_spec_fields_and_the_details(
    server: LocalServer, recorded: dict[str, Any]
) -> None:
    r2 = recorded["records"]["r2"]
    body = raw(server, "GET", f"{requests_path(server)}/{r2.request_id}").json()["request"]
    assert body == {
        "request_id": r2.request_id,
        "project_uuid": server.project_id,
        "created": "2024-03-01T23:59:59.500Z",
        "path": "/v1/listen?model=nova-3",
        "api_key_id": recorded["other_key"],
        "code": 200,
        "deployment": "hosted",
        "method": "streaming",
        "response": {
            "details": {
                "usd": 0.0232,
                "duration": pytest.approx(120 / 3600),
                "total_audio": 240.0,
                "channels": 2,
                "streams": 1,
                "method": "streaming",
                "models": ["nova-2"],
                "tags": ["b"],
                "features": ["diarize", "punctuate"],
                "config": {
                    "model": "nova-2",
                    "diarize": True,
                    "punctuate": True,
                    "multichannel": True,
                },
            },
            "code": 200,
            "completed": "2024-03-01T23:59:59.500Z",
        },
    }


def test_failed_speak_and_read_requests_have_their_shapes(
    server: LocalServer, recorded: dict[str, Any]
) -> None:
    records = recorded["records"]
    got = {
        name: raw(server, "GET", f"{requests_path(server)}/{records[name].request_id}").json()[
            "request"
        ]
        for name in ("r3", "r4", "r5")
    }
    failed = got["r5"]
    assert failed["code"] == 400 and failed["callback"] == "https://example.com/cb"
    assert failed["response"] == {
        "message": "Bad Request: failed to process audio",
        "code": 400,
        "completed": "2024-03-03T08:00:00.000Z",
    }
    assert got["r3"]["response"]["tts_details"]["speech_segments"][0]["characters"] == 500
    assert got["r4"]["response"]["token_details"][0] | {"model": None} == {
        "feature": "read",
        "input": 1000,
        "output": 100,
        "model": None,
    }
    assert "callback" not in got["r4"]
    assert_error(raw(server, "GET", f"{requests_path(server)}/nope"), 404, "NOT_FOUND")


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "failed"}, ["r5"]),
        ({"status": "succeeded"}, ["r6", "r4", "r3", "r2", "r1"]),
        ({"method": "streaming"}, ["r6", "r2"]),
        ({"endpoint": "speak"}, ["r3"]),
        ({"endpoint": "agent"}, ["r6"]),
        ({"deployment": "self-hosted"}, []),
        ({"deployment": "hosted", "endpoint": "read"}, ["r4"]),
        ({"start": "2024-03-02", "end": "2024-03-02"}, ["r4", "r3"]),  # an end date is inclusive
        ({"end": "2024-03-01"}, ["r2", "r1"]),
        ({"start": "2024-03-03"}, ["r6", "r5"]),
        ({"start": "2024-03-01T23:00:00+01:00"}, ["r6", "r5", "r4", "r3", "r2"]),  # 22:00 UTC
        ({"end": "2024-03-02T00:00:00Z"}, ["r3", "r2", "r1"]),  # an end datetime is inclusive
        ({"start": "2024-03-01T10:00:00", "end": "2024-03-01T10:00:00"}, ["r1"]),
        ({"start": "2024-03-02T13:00:00.250+00:00"}, ["r6", "r5"]),
    ],
)
def test_request_filters(
    server: LocalServer, recorded: dict[str, Any], params: dict, expected: list[str]
) -> None:
    body = raw(server, "GET", requests_path(server), params=params).json()
    assert ids(body) == order(recorded, *expected)


def test_accessor_and_request_id_filters(
    dg: Deepgram, server: LocalServer, recorded: dict[str, Any]
) -> None:
    pid = server.project_id
    assert ids(dg.usage.list_requests(pid, accessor=recorded["other_key"])) == order(recorded, "r2")
    wanted = recorded["records"]["r4"].request_id
    assert ids(dg.usage.list_requests(pid, request_id=wanted)) == [wanted]


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 1001},
        {"limit": "ten"},
        {"page": -1},
        {"page": 1.5},
        {"start": "yesterday"},
        {"end": "2024-13-01"},
        {"start": "2024-03-02", "end": "2024-03-01"},
        {"method": "batch"},
        {"endpoint": "transcribe"},
        {"status": "ok"},
        {"deployment": "cloud"},
    ],
)
def test_bad_request_queries_are_400(server: LocalServer, params: dict) -> None:
    assert_error(
        raw(server, "GET", requests_path(server), params=params), 400, "INVALID_QUERY_PARAMETER"
    )


def test_the_requests_frame_reads_every_field(
    dg: Deepgram, server: LocalServer, recorded: dict[str, Any]
) -> None:
    frame = dg.usage.requests_frame(server.project_id, start="2024-03-01", end="2024-03-03")
    assert len(frame) == 6
    rows = frame.set_index("request_id")
    records = recorded["records"]
    r2 = rows.loc[records["r2"].request_id]
    assert r2.project_id == server.project_id and r2.api_key_id == recorded["other_key"]
    assert r2.status == "succeeded" and r2.method == "streaming" and r2.endpoint == "listen"
    assert r2.model == "nova-2" and list(r2.models) == ["nova-2"] and r2.channels == 2
    assert r2.usd == pytest.approx(0.0232) and r2.duration == pytest.approx(120 / 3600)
    assert bool(r2.config_diarize) and bool(r2.config_multichannel)
    r5 = rows.loc[records["r5"].request_id]
    assert r5.status == "failed" and r5.code == 400 and r5.message.startswith("Bad Request")
    assert r5.callback_url == "https://example.com/cb" and pd.isna(r5.usd)
    assert r5.method == "async"  # a failed request has no details, but says its method
    assert rows.loc[records["r3"].request_id].tts_characters == 500
    assert rows.loc[records["r4"].request_id].tokens_in == 1000
    assert rows.loc[records["r6"].request_id].endpoint == "agent"
    assert str(frame.created.dtype) == "datetime64[ns, UTC]"


# --------------------------------------------------------------------------- /usage


def usage(server: LocalServer, suffix: str = "", **params: Any) -> dict[str, Any]:
    response = raw(
        server,
        "GET",
        f"/v1/projects/{server.project_id}/usage{suffix}",
        params={"start": "2024-03-01", "end": "2024-03-04", **params},
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_the_summary_has_one_result_per_day(server: LocalServer, recorded: dict[str, Any]) -> None:
    body = usage(server)
    assert (body["start"], body["end"]) == ("2024-03-01", "2024-03-04")
    assert body["resolution"] == {"units": "day", "amount": 1}
    days = {result["start"]: result for result in body["results"]}
    assert list(days) == ["2024-03-01", "2024-03-02", "2024-03-03", "2024-03-04"]
    first = days["2024-03-01"]
    assert first["end"] == "2024-03-01" and first["requests"] == 2
    assert first["hours"] == pytest.approx((60 + 120) / 3600)
    assert first["total_hours"] == pytest.approx((60 + 120 * 2) / 3600)  # r2 has two channels
    second = days["2024-03-02"]
    assert (
        second["hours"],
        second["tts_characters"],
        second["tokens_in"],
        second["tokens_out"],
        second["requests"],
    ) == (0, 500, 1000, 100, 2)
    third = days["2024-03-03"]  # r5 failed: a request, but no hours
    assert third["requests"] == 2 and third["hours"] == 0
    assert third["agent_hours"] == pytest.approx(300 / 3600) and third["tts_characters"] == 200
    assert days["2024-03-04"]["requests"] == 0


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"endpoint": "listen"}, {"2024-03-01": 2, "2024-03-03": 1}),
        ({"method": "streaming"}, {"2024-03-01": 1, "2024-03-03": 1}),
        ({"tag": "b"}, {"2024-03-01": 1, "2024-03-02": 1}),
        ({"diarize": "true"}, {"2024-03-01": 1}),
        ({"diarize": "false"}, {"2024-03-01": 1, "2024-03-02": 2, "2024-03-03": 2}),
        ({"diarize": "true", "summarize": "true"}, {"2024-03-01": 1, "2024-03-02": 1}),  # OR
        ({"punctuate": "false", "summarize": "false"}, {"2024-03-02": 1, "2024-03-03": 2}),
        ({"multichannel": "true"}, {"2024-03-01": 1}),
        ({"callback": "true"}, {"2024-03-03": 1}),
        ({"model": "nova-3"}, {"2024-03-01": 1, "2024-03-03": 1}),
        ({"model": catalog.find("nova-3").uuid}, {"2024-03-01": 1, "2024-03-03": 1}),  # type: ignore[union-attr]
        ({"deployment": "beta"}, {}),
    ],
)
def test_summary_filters(
    server: LocalServer, recorded: dict[str, Any], params: dict, expected: dict[str, int]
) -> None:
    counts = {
        r["start"]: r["requests"] for r in usage(server, **params)["results"] if r["requests"]
    }
    assert counts == expected


def test_summary_accessor_filter_and_frame(
    dg: Deepgram, server: LocalServer, recorded: dict[str, Any]
) -> None:
    assert [r["requests"] for r in usage(server, accessor=recorded["other_key"])["results"]] == [
        1,
        0,
        0,
        0,
    ]
    frame = dg.usage.summary_frame(server.project_id, "2024-03-01", "2024-03-03")
    assert frame.requests.tolist() == [2, 2, 2]
    assert frame.hours.sum() == pytest.approx(180 / 3600)
    assert frame.tts_requests.tolist() == [0, 1, 0]
    assert frame.attrs["start"] == "2024-03-01"


def test_the_default_range_runs_from_the_first_request_to_today(
    server: LocalServer, recorded: dict[str, Any]
) -> None:
    body = raw(server, "GET", f"/v1/projects/{server.project_id}/usage").json()
    assert body["start"] == "2024-03-01"
    assert body["end"] == datetime.now(timezone.utc).date().isoformat()
    assert sum(r["requests"] for r in body["results"]) == 6


@pytest.mark.parametrize(
    "params",
    [
        {"start": "March"},
        {"start": "2024-03-05", "end": "2024-03-01"},
        {"diarize": "maybe"},
        {"method": "batch"},
        {"grouping": "colour"},
    ],
)
def test_bad_usage_queries_are_400(server: LocalServer, params: dict) -> None:
    path = f"/v1/projects/{server.project_id}/usage"
    suffix = "/breakdown" if "grouping" in params else ""
    assert_error(raw(server, "GET", path + suffix, params=params), 400, "INVALID_QUERY_PARAMETER")


# --------------------------------------------------------------------------- fields, breakdown


def test_fields_list_what_the_requests_used(
    dg: Deepgram, server: LocalServer, recorded: dict[str, Any]
) -> None:
    body = dg.usage.get_fields(server.project_id, start="2024-03-01", end="2024-03-03")
    assert body["tags"] == ["a", "b"]
    assert body["processing_methods"] == ["async", "streaming", "sync"]
    assert body["features"] == ["diarize", "punctuate", "summarize"]
    models = {m["name"]: m for m in body["models"]}
    assert set(models) == {"nova-3", "nova-2", "aura-2-thalia-en", "whisper"}
    assert models["nova-3"]["model_id"] == catalog.find("nova-3").uuid  # type: ignore[union-attr]
    assert models["nova-3"]["language"] == "en" and models["nova-3"]["version"]
    only_first_day = dg.usage.get_fields(server.project_id, start="2024-03-01", end="2024-03-01")
    assert only_first_day["tags"] == ["a", "b"] and len(only_first_day["models"]) == 2


def breakdown(server: LocalServer, **params: Any) -> dict[str, Any]:
    return usage(server, "/breakdown", **params)


def test_a_breakdown_without_grouping_is_per_day(
    server: LocalServer, recorded: dict[str, Any]
) -> None:
    body = breakdown(server)
    assert body["resolution"] == {"units": "day", "amount": 1}
    assert [r["grouping"]["start"] for r in body["results"]] == [
        "2024-03-01",
        "2024-03-02",
        "2024-03-03",
    ]
    grouping = body["results"][0]["grouping"]
    assert grouping == {
        "start": "2024-03-01",
        "end": "2024-03-01",
        "accessor": None,
        "endpoint": None,
        "feature_set": None,
        "models": [],
        "method": None,
        "tags": None,
        "deployment": None,
    }
    summary = usage(server)["results"]
    for name in ("hours", "total_hours", "agent_hours", "tokens_in", "tts_characters", "requests"):
        assert sum(r[name] for r in body["results"]) == pytest.approx(sum(r[name] for r in summary))


@pytest.mark.parametrize(
    ("grouping", "expected"),
    [
        ("endpoint", {"listen": 3, "speak": 1, "read": 1, "agent": 1}),
        ("method", {"sync": 3, "streaming": 2, "async": 1}),
        ("deployment", {"hosted": 6}),
        (
            "models",
            {
                ("nova-3",): 1,
                ("nova-2",): 1,
                ("aura-2-thalia-en",): 1,
                (): 1,
                ("whisper",): 1,
                ("aura-2-thalia-en", "nova-3"): 1,
            },
        ),
        ("tags", {("a",): 1, ("b",): 1, ("a", "b"): 1, (): 3}),
        ("feature_set", {"punctuate": 1, "diarize,punctuate": 1, "summarize": 1, "": 3}),
    ],
)
def test_breakdown_groupings_sum_to_the_records(
    server: LocalServer, recorded: dict[str, Any], grouping: str, expected: dict
) -> None:
    body = breakdown(server, grouping=grouping)
    totals: dict[Any, int] = {}
    for result in body["results"]:
        value = result["grouping"][grouping]
        key = tuple(value) if isinstance(value, list) else value
        totals[key] = totals.get(key, 0) + result["requests"]
        others = set(result["grouping"]) - {"start", "end", "models", grouping}
        assert all(result["grouping"][name] is None for name in others)
    assert totals == expected


def test_breakdown_by_accessor_with_filters(
    dg: Deepgram, server: LocalServer, recorded: dict[str, Any]
) -> None:
    body = breakdown(server, grouping="accessor", endpoint="listen")
    by_key: dict[str, float] = {}
    for result in body["results"]:
        key = result["grouping"]["accessor"]
        by_key[key] = by_key.get(key, 0) + result["total_hours"]
    assert by_key == {
        server.state.boot.api_key_id: pytest.approx(60 / 3600),
        recorded["other_key"]: pytest.approx(240 / 3600),
    }
    frame = dg.usage.breakdown_frame(
        server.project_id, "2024-03-01", "2024-03-03", grouping="models"
    )
    assert frame.requests.sum() == 6 and frame.models.map(len).max() == 2
