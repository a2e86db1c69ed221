"""Query encoding: booleans, lists, dates, None, path ids."""

from __future__ import annotations

import datetime as dt
import enum

import pytest

from dgdata._query import encode_query, format_datetime, merge_options, path_segment


class Color(enum.Enum):
    RED = "red"


@pytest.mark.parametrize(
    ("params", "pairs"),
    [
        ({"punctuate": True, "diarize": False}, [("punctuate", "true"), ("diarize", "false")]),
        ({"keywords": ["first:5", "second"]}, [("keywords", "first:5"), ("keywords", "second")]),
        ({"tag": ("a", "b")}, [("tag", "a"), ("tag", "b")]),
        ({"tag": {"b", "a"}}, [("tag", "a"), ("tag", "b")]),
        ({"tier": None, "model": "nova-3"}, [("model", "nova-3")]),
        (
            {"limit": 10, "utt_split": 0.8, "page": 2.0},
            [("limit", "10"), ("utt_split", "0.8"), ("page", "2")],
        ),
        ({"start": dt.date(2024, 1, 31)}, [("start", "2024-01-31")]),
        ({"color": Color.RED}, [("color", "red")]),
        ({"tag": ["a", None, "b"]}, [("tag", "a"), ("tag", "b")]),
        ({"tag": []}, []),
    ],
)
def test_encode_query(params: dict[str, object], pairs: list[tuple[str, str]]) -> None:
    assert encode_query(params) == pairs


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc), "2024-01-01T00:00:00Z"),
        (
            dt.datetime(2024, 1, 1, 12, 30, tzinfo=dt.timezone(dt.timedelta(hours=2))),
            "2024-01-01T12:30:00+02:00",
        ),
        (dt.datetime(2024, 1, 1, 8, 0), "2024-01-01T08:00:00"),
        (dt.date(2024, 2, 29), "2024-02-29"),
    ],
)
def test_dates_are_iso_8601(value: dt.date, text: str) -> None:
    assert format_datetime(value) == text


def test_a_mapping_is_not_a_query_value() -> None:
    with pytest.raises(TypeError, match="extra"):
        encode_query({"extra": {"k": "v"}})


def test_keywords_override_the_options_dict_without_changing_it() -> None:
    options = {"model": "nova-2", "punctuate": True}
    assert merge_options(options, {"model": "nova-3"}) == {"model": "nova-3", "punctuate": True}
    assert options["model"] == "nova-2"


def test_options_must_be_a_dict() -> None:
    with pytest.raises(TypeError):
        merge_options(["model"], {})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "segment"),
    [
        ("abc-123", "abc-123"),
        ("x@example.com", "x@example.com"),
        ("a+b@example.com", "a%2Bb@example.com"),
        ("../../v1/projects", "..%2F..%2Fv1%2Fprojects"),
        ("with space", "with%20space"),
        ("q?x#y", "q%3Fx%23y"),
        (42, "42"),
    ],
)
def test_path_ids_are_quoted(value: object, segment: str) -> None:
    assert path_segment(value, "id") == segment


@pytest.mark.parametrize("empty", ["", "   ", None])
def test_empty_path_id_is_a_value_error(empty: object) -> None:
    with pytest.raises(ValueError, match="project_id is empty"):
        path_segment(empty, "project_id")
