"""models (STT and TTS), agent configurations and agent variables."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from dgdata.frames.catalog import (
    AGENT_SCHEMA,
    AGENT_VARIABLE_SCHEMA,
    MODEL_SCHEMA,
    agent_variables,
    agents,
    models,
)

from .conftest import PROJECT, DocsExample


def test_models_list_gives_one_row_per_model_with_its_kind(docs_example: DocsExample) -> None:
    frame = models(docs_example("GET", "/v1/models"))
    assert frame["kind"].tolist() == ["stt", "tts"]
    assert frame["name"].tolist() == ["nova-3", "zeus"]
    stt, tts = (frame.iloc[i] for i in range(2))
    assert (stt["batch"], stt["streaming"], stt["formatted_output"]) == (True, True, True)
    assert stt["languages"] == ["en", "en-us"] and stt["accent"] is pd.NA
    assert tts["batch"] is pd.NA and tts["canonical_name"] == "aura-2-zeus-en"
    assert (tts["accent"], tts["age"], tts["color"]) == ("American", "Adult", "#C58DFF")
    assert tts["tags"] == ["masculine", "deep", "trustworthy", "smooth"]
    assert tts["use_cases"] == ["IVR"]
    assert frame.dtypes.to_dict() == MODEL_SCHEMA.dtypes()


def test_project_models_match_the_public_list(docs_example: DocsExample) -> None:
    pd.testing.assert_frame_equal(
        models(docs_example("GET", PROJECT + "/models")),
        models(docs_example("GET", "/v1/models")),
    )


def test_single_model_kind_is_inferred_from_voice_metadata(docs_example: DocsExample) -> None:
    stt = models(docs_example("GET", "/v1/models/{model_id}"))
    assert stt[["kind", "canonical_name", "formatted_output"]].values.tolist() == [
        ["stt", "enhanced-general", False]
    ]
    tts = models([{"name": "asteria", "metadata": {"accent": "American"}}])
    assert tts.loc[0, "kind"] == "tts"


def test_agents_keep_config_and_metadata_objects(docs_example: DocsExample) -> None:
    listed = agents(docs_example("GET", PROJECT + "/agents"))
    got = agents(docs_example("GET", PROJECT + "/agents/{agent_id}"))
    pd.testing.assert_frame_equal(listed, got)
    row = listed.iloc[0]
    assert row["agent_id"] == "agent_id"
    assert row["config"] == {"key": "value"} and row["metadata"] == {"key": "value"}
    assert row["created_at"] == pd.Timestamp("2024-01-15 09:30", tz="UTC")
    assert listed.dtypes.to_dict() == AGENT_SCHEMA.dtypes()


def test_agents_as_a_bare_list_with_uuid_ids_and_string_config() -> None:
    frame = agents([{"agent_uuid": "a-1", "config": '{"think": {}}', "api_version": 1}])
    assert frame.loc[0, "agent_id"] == "a-1"
    assert frame.loc[0, "config"] == '{"think": {}}'
    assert frame.loc[0, "api_version"] == 1


def test_agent_created_without_timestamps_still_has_every_column(
    docs_example: DocsExample,
) -> None:
    frame = agents(docs_example("POST", PROJECT + "/agents"))
    assert frame.columns.tolist() == AGENT_SCHEMA.names
    assert frame.loc[0, "created_at"] is pd.NaT


def test_agent_variables_list_and_single(docs_example: DocsExample) -> None:
    listed = agent_variables(docs_example("GET", PROJECT + "/agent-variables"))
    updated = agent_variables(docs_example("PATCH", PROJECT + "/agent-variables/{variable_id}"))
    pd.testing.assert_frame_equal(listed, updated)
    assert listed.loc[0, "key"] == "key" and listed.loc[0, "value"] == {"key": "value"}
    odd = agent_variables([{"agent_variable_uuid": "v", "value": False, "is_sensitive": "false"}])
    assert odd.loc[0, "variable_id"] == "v" and odd.loc[0, "value"] is False
    assert bool(odd.loc[0, "is_sensitive"]) is False
    assert odd.dtypes.to_dict() == AGENT_VARIABLE_SCHEMA.dtypes()


@pytest.mark.parametrize(
    ("function", "body", "schema"),
    [
        (models, {"stt": [], "tts": None}, MODEL_SCHEMA),
        (agents, {"agents": []}, AGENT_SCHEMA),
        (agent_variables, {"variables": []}, AGENT_VARIABLE_SCHEMA),
    ],
)
def test_empty_catalog_frames_keep_declared_dtypes(function: Any, body: Any, schema: Any) -> None:
    frame = function(body)
    assert len(frame) == 0 and frame.dtypes.to_dict() == schema.dtypes()


def test_delete_responses_are_not_agents(docs_example: DocsExample) -> None:
    with pytest.raises(ValueError, match="agents"):
        agents(docs_example("DELETE", PROJECT + "/agents/{agent_id}"))
