"""usage_summary, usage_breakdown and usage_fields on the docs' examples and older shapes."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from dgdata.frames.usage_stats import (
    BREAKDOWN_SCHEMA,
    FIELDS_SCHEMA,
    SUMMARY_SCHEMA,
    usage_breakdown,
    usage_fields,
    usage_summary,
)

from .conftest import PROJECT, DocsExample

# The seed SDK documented /usage results as {start, end, hours, requests}; later SDKs added
# total_hours, tokens{in, out} and tts{characters, requests}.
OLD_USAGE = {
    "start": "2024-05-01",
    "end": "2024-05-03",
    "resolution": {"units": "day", "amount": 1},
    "results": [
        {"start": "2024-05-01", "end": "2024-05-01", "hours": 1.5, "requests": 12},
        {
            "start": "2024-05-02",
            "end": "2024-05-02",
            "hours": 0.25,
            "total_hours": 0.5,
            "requests": 3,
            "tokens": {"in": 1200, "out": 80},
            "tts": {"characters": 5000, "requests": 2},
        },
    ],
}


def test_summary_is_indexed_by_utc_period_start() -> None:
    frame = usage_summary(OLD_USAGE)
    assert isinstance(frame.index, pd.DatetimeIndex)
    assert str(frame.index.tz) == "UTC" and frame.index.name == "start"
    assert frame.index.tolist() == [
        pd.Timestamp("2024-05-01", tz="UTC"),
        pd.Timestamp("2024-05-02", tz="UTC"),
    ]
    assert frame["hours"].tolist() == [1.5, 0.25]
    assert frame["requests"].tolist() == [12, 3]


def test_summary_reads_nested_tokens_and_tts_of_older_sdks() -> None:
    row = usage_summary(OLD_USAGE).loc["2024-05-02"]
    assert (row["tokens_in"], row["tokens_out"]) == (1200, 80)
    assert (row["tts_characters"], row["tts_requests"]) == (5000, 2)
    assert row["total_hours"] == 0.5


def test_summary_keeps_the_response_period_in_attrs() -> None:
    attrs = usage_summary(OLD_USAGE).attrs
    assert attrs == {
        "start": "2024-05-01",
        "end": "2024-05-03",
        "resolution_units": "day",
        "resolution_amount": 1,
    }


def test_spec_usage_response_without_results_is_an_empty_typed_frame(
    docs_example: DocsExample,
) -> None:
    frame = usage_summary(docs_example("GET", PROJECT + "/usage"))
    assert len(frame) == 0
    assert frame.reset_index().dtypes.to_dict() == SUMMARY_SCHEMA.dtypes()
    assert frame.attrs["start"] == "2024-10-16" and frame.attrs["resolution_units"] == "day"


def test_summary_of_a_breakdown_uses_the_grouping_period(docs_example: DocsExample) -> None:
    frame = usage_summary(docs_example("GET", PROJECT + "/usage/breakdown"))
    assert frame.index.tolist() == [pd.Timestamp("2025-01-16", tz="UTC")]
    assert frame["agent_hours"].iloc[0] == pytest.approx(41.33564388888889)


def test_breakdown_golden_row_from_docs_example(docs_example: DocsExample) -> None:
    frame = usage_breakdown(docs_example("GET", PROJECT + "/usage/breakdown"))
    assert frame.columns.tolist() == BREAKDOWN_SCHEMA.names
    row = {column: frame[column].iloc[0] for column in frame.columns}
    assert row["start"] == row["end"] == pd.Timestamp("2025-01-16", tz="UTC")
    assert (row["accessor"], row["endpoint"], row["feature_set"]) == (
        "123456789012345678901234", "listen", "punctuate",
    )  # fmt: skip
    assert (row["method"], row["deployment"]) == ("async", "self-hosted")
    assert row["models"] == ["Nova-2"] and row["tags"] == ["tag1", "tag2"]
    assert row["hours"] == pytest.approx(1619.7242069444444)
    assert row["total_hours"] == pytest.approx(1621.7395791666668)
    assert (row["tokens_in"], row["tokens_out"]) == (0, 0)
    assert (row["tts_characters"], row["requests"]) == (9158866, 373381)


def test_breakdown_null_groupings_are_missing_and_period_falls_back_to_response() -> None:
    response = {
        "start": "2025-01-01",
        "end": "2025-01-31",
        "results": [{"hours": 2.0, "requests": 4, "grouping": {"method": "sync", "tags": None}}],
    }
    row = usage_breakdown(response).iloc[0]
    assert row["start"] == pd.Timestamp("2025-01-01", tz="UTC")
    assert row["end"] == pd.Timestamp("2025-01-31", tz="UTC")
    assert row["accessor"] is pd.NA and row["tags"] == []


def test_breakdown_of_several_responses_concatenates_rows() -> None:
    one = {"results": [{"hours": 1.0, "grouping": {"endpoint": "listen"}}]}
    two = {"results": [{"hours": 2.0, "grouping": {"endpoint": "speak"}}]}
    frame = usage_breakdown([one, two])
    assert frame["endpoint"].tolist() == ["listen", "speak"]
    assert frame["hours"].sum() == 3.0


def test_fields_are_tidy_with_model_fields_flattened(docs_example: DocsExample) -> None:
    frame = usage_fields(docs_example("GET", PROJECT + "/usage/fields"))
    assert frame.columns.tolist() == FIELDS_SCHEMA.names
    assert frame.groupby("kind", sort=False).size().to_dict() == {
        "tags": 2,
        "models": 1,
        "processing_methods": 2,
        "features": 3,
    }
    model = frame[frame["kind"] == "models"].iloc[0]
    assert model["value"] == model["model_name"] == "2-medical-nova"
    assert (model["model_language"], model["model_version"], model["model_id"]) == (
        "en-MY", "2024-05-31.13574", "1234567890-12345-67890",
    )  # fmt: skip
    assert frame.loc[frame["kind"] == "tags", "model_id"].isna().all()


def test_fields_of_the_seed_sdk_with_model_names_and_languages() -> None:
    frame = usage_fields({"models": ["nova-2"], "languages": ["en", "fr"], "tags": None})
    assert frame[["kind", "value"]].values.tolist() == [
        ["models", "nova-2"],
        ["languages", "en"],
        ["languages", "fr"],
    ]


@pytest.mark.parametrize(
    ("function", "schema"),
    [(usage_breakdown, BREAKDOWN_SCHEMA), (usage_fields, FIELDS_SCHEMA)],
)
def test_empty_aggregates_keep_declared_dtypes(function: Any, schema: Any) -> None:
    frame = function({})
    assert len(frame) == 0 and frame.dtypes.to_dict() == schema.dtypes()


def test_aggregate_input_of_the_wrong_kind_raises() -> None:
    with pytest.raises(TypeError, match="usage_summary"):
        usage_summary("2024-05-01")
    with pytest.raises(ValueError, match="aggregate response"):
        usage_breakdown({"projects": []})
