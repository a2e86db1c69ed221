"""usage_requests: one row per request from /requests pages, in every shape Deepgram has used."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from dgdata.frames.usage import CONFIG_FLAGS, REQUEST_SCHEMA, usage_requests

from .conftest import PROJECT, DocsExample
from .shapes import failed_request, new_request, old_request, page


def _row(frame: pd.DataFrame, index: int = 0) -> dict[str, Any]:
    """One row as {column: scalar}, each scalar as its column holds it (pd.NA, NaT, ...)."""
    return {column: frame[column].iloc[index] for column in frame.columns}


def test_docs_example_list_response_gives_its_one_request(docs_example: DocsExample) -> None:
    frame = usage_requests(docs_example("GET", PROJECT + "/requests"))
    row = _row(frame)
    assert len(frame) == 1
    assert row["request_id"] == "request_id"
    assert row["project_id"] == "project_uuid"
    assert row["created"] == pd.Timestamp("2024-01-15 09:30:00", tz="UTC")
    assert row["api_key_id"] == row["accessor"] == "api_key_id"
    assert row["deployment"] == "deployment"
    assert row["callback_url"] == "callback"
    # the example's placeholder code 1.1 is not an HTTP status: no code, so no status
    assert row["code"] is pd.NA and row["status"] is pd.NA
    assert not row["usd_available"]


def test_docs_example_get_response_matches_the_list_row(docs_example: DocsExample) -> None:
    listed = usage_requests(docs_example("GET", PROJECT + "/requests"))
    got = usage_requests(docs_example("GET", PROJECT + "/requests/{request_id}"))
    pd.testing.assert_frame_equal(listed, got)


def test_old_shape_reads_details_config_and_callback_object() -> None:
    frame = usage_requests(page([old_request(tags=["prod", "eu"])]), project_id="proj-1")
    row = _row(frame)
    assert row["project_id"] == "proj-1"
    assert row["accessor"] == row["api_key_id"] == "key-a"
    assert row["endpoint"] == "listen"
    assert (row["method"], row["model"], row["tier"], row["language"]) == (
        "sync", "nova-2", "nova", "en",
    )  # fmt: skip
    assert row["code"] == 200 and row["status"] == "succeeded"
    assert row["usd"] == pytest.approx(0.0125) and row["usd_available"]
    assert (row["duration"], row["total_audio"], row["channels"], row["streams"]) == (
        0.0125, 45.0, 1, 1,
    )  # fmt: skip
    assert row["models"] == ["4d892fb6-7ac1-4e1a-a3b1-94bcb5a0c7e1"]
    assert row["tags"] == ["prod", "eu"]
    assert row["features"] == ["punctuate", "diarize"]
    assert row["completed"] == pd.Timestamp("2023-11-02 14:05:11.456", tz="UTC")
    assert (row["callback_code"], row["callback_attempts"]) == (200, 1)
    assert row["callback_completed"] == pd.Timestamp("2023-11-02 14:05:12", tz="UTC")
    flags = ["config_punctuate", "config_diarize", "config_language", "config_redact"]
    # language counts as used because one was set; redact was not reported at all
    assert [row[flag] for flag in flags] == [True, False, True, pd.NA]


def test_new_shape_reads_float_code_project_uuid_url_callback_and_token_details() -> None:
    row = _row(usage_requests({"request": new_request()}, project_id="ignored"))
    assert row["project_id"] == "proj-new"  # the request's own project wins
    assert row["code"] == 200 and row["status"] == "succeeded"
    assert row["api_key_id"] == row["accessor"] == "key-b"
    assert (row["endpoint"], row["deployment"]) == ("speak", "hosted")
    assert row["callback_url"] == "https://example.com/hook"
    assert row["callback_code"] is pd.NA
    assert (row["tokens_in"], row["tokens_out"], row["tts_characters"]) == (500, 50, 120)
    assert row["model"] == "aura-2-thalia-en"  # no config: the reported model


def test_failed_request_carries_its_message_and_no_cost() -> None:
    frame = usage_requests([failed_request(), new_request(code=400.0, usd=...)])
    assert frame["status"].tolist() == ["failed", "failed"]
    assert frame["message"][0].startswith("Bad Request: failed to process audio")
    assert frame["usd"].isna().all()
    assert not frame["usd_available"].any()


@pytest.mark.parametrize(
    ("code", "status"),
    [(200, "succeeded"), (299.0, "succeeded"), (302, None), (400, "failed"), (503.0, "failed")],
)
def test_status_follows_the_spec_thresholds(code: float, status: str | None) -> None:
    value = usage_requests([new_request(code=code)])["status"][0]
    assert (value if value is not pd.NA else None) == status


def test_missing_or_unavailable_cost_does_not_fail_and_is_flagged() -> None:
    requests = [
        old_request("a", usd=...),  # no usd key at all
        old_request("b", usd=None),
        old_request("c", usd="not available yet"),
        old_request("d", usd="0.75"),  # a number sent as a string
        old_request("e", usd=0),
    ]
    frame = usage_requests(page(requests))
    assert frame["usd_available"].tolist() == [False, False, False, True, True]
    assert frame["usd"].tolist()[3:] == [0.75, 0.0]


def test_accepts_a_list_of_pages_an_iterator_and_bare_request_dicts() -> None:
    first_page = page([old_request("a"), old_request("b")], number=0)
    second_page = page([new_request("c")], number=1)
    expected = ["a", "b", "c"]
    assert usage_requests([first_page, second_page])["request_id"].tolist() == expected
    assert usage_requests(iter([first_page, second_page]))["request_id"].tolist() == expected
    bare = [old_request("a"), old_request("b"), new_request("c")]
    assert usage_requests(bare)["request_id"].tolist() == expected
    assert usage_requests(old_request("x"))["request_id"].tolist() == ["x"]


def test_empty_input_has_every_declared_column_and_dtype() -> None:
    for empty in ([], {"page": 0, "limit": 10, "requests": []}, {}, {"requests": None}):
        frame = usage_requests(empty)
        assert len(frame) == 0
        assert frame.columns.tolist() == REQUEST_SCHEMA.names
        assert frame.dtypes.to_dict() == REQUEST_SCHEMA.dtypes()


def test_declared_dtypes_hold_for_mixed_shapes() -> None:
    frame = usage_requests([failed_request(), old_request(), new_request()])
    dtypes = frame.dtypes.astype(str).to_dict()
    assert dtypes["created"] == "datetime64[ns, UTC]"
    assert dtypes["code"] == dtypes["channels"] == "Int64"
    assert dtypes["usd"] == "float64"
    assert dtypes["status"] == dtypes["request_id"] == "string"
    assert {dtypes[f"config_{name}"] for name in CONFIG_FLAGS} == {"boolean"}
    assert frame["tags"].map(type).eq(list).all()


def test_odd_values_are_missing_not_errors() -> None:
    odd = {
        "request_id": 12345,
        "created": "yesterday",
        "code": "200",
        "response": {"details": {"usd": {"amount": 1}, "tags": "solo", "config": "nope"}},
        "callback": ["not", "an", "object"],
        "extra_key": {"ignored": True},
    }
    row = _row(usage_requests([odd, None]))
    assert row["request_id"] == "12345"
    assert row["created"] is pd.NaT
    assert row["code"] == 200
    assert not row["usd_available"]
    assert row["tags"] == ["solo"]
    assert row["config_punctuate"] is pd.NA


def test_config_values_of_any_kind_become_used_flags() -> None:
    config = {"summarize": "v2", "keywords": ["a:2"], "redact": [], "alternatives": 0}
    row = _row(usage_requests([old_request(config=config)]))
    flags = ["config_summarize", "config_keywords", "config_redact", "config_alternatives"]
    assert [row[flag] for flag in flags] == [True, True, False, False]


def test_endpoint_comes_from_the_path_without_version_or_query() -> None:
    paths = ["/v1/listen?model=nova-3", "/v2/speak", "/v1/agent/converse", "v1/read", "/"]
    frame = usage_requests([new_request(str(i), path=p) for i, p in enumerate(paths)])
    assert frame["endpoint"].tolist() == ["listen", "speak", "agent", "read", pd.NA]


@pytest.mark.parametrize("bad", ["a string", 42, None, b"bytes", pd.DataFrame()])
def test_input_that_is_not_a_response_raises_type_error(bad: Any) -> None:
    with pytest.raises(TypeError, match="usage_requests"):
        usage_requests(bad)


def test_a_dict_that_is_not_a_requests_response_raises_value_error() -> None:
    with pytest.raises(ValueError, match="expects a /requests page"):
        usage_requests({"projects": []})
    with pytest.raises(TypeError, match="element 1"):
        usage_requests([old_request(), "oops"])
