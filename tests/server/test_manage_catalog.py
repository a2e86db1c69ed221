"""Models, self-hosted credentials, agent configurations, agent variables and think models."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from dgdata import Deepgram
from dgdata.frames.account import credentials as credentials_frame
from dgdata.frames.catalog import agent_variables, agents, models
from dgdata.server.backend import catalog
from dgdata.server.runner import LocalServer
from tests.server.manage_common import add_person, assert_error, raw

pytestmark = pytest.mark.integration

SPEECH = (
    Path(__file__).parents[1] / "data" / "speech" / "i-think-we-should-order-pizza-for-dinner.wav"
)

# --------------------------------------------------------------------------- models


@pytest.mark.parametrize(
    ("engine", "local_name", "served_by"),
    [
        ("pocketsphinx", "dgdata-local-pocketsphinx", "pocketsphinx en-us"),
        ("whisper", "dgdata-local-whisper-tiny.en", "Whisper tiny.en"),
    ],
)
def test_the_catalogue_is_honest_about_what_serves_it(
    engine_server: Callable[..., LocalServer], engine: str, local_name: str, served_by: str
) -> None:
    server = engine_server(engine)
    dg = Deepgram(server.api_key, api_url=server.url)
    body = dg.models.list()
    stt = {m["canonical_name"]: m for m in body["stt"]}
    assert [name for name in stt if name.startswith("dgdata-local-")] == [local_name]
    local = stt[local_name]
    assert local["dgdata"] == {
        "served_by": served_by,
        "alias": False,
        "latest": True,
        "note": "The local server's own recogniser.",
    }
    assert local["formatted_output"] is (engine == "whisper")  # Whisper writes cased text
    assert dg.models.get(local["uuid"])["canonical_name"] == local_name
    # What answers a request is what the catalogue lists: the same name and uuid.
    answer = dg.transcription.prerecorded(SPEECH, model=local_name)
    ((uuid, info),) = answer["metadata"]["model_info"].items()
    assert (uuid, info["name"], info["arch"]) == (local["uuid"], local_name, local["architecture"])
    assert {"nova-3-general", "nova-2-general", "base-general", "whisper-large"} <= set(stt)
    nova3 = stt["nova-3-general"]
    assert nova3["dgdata"]["alias"] and nova3["dgdata"]["served_by"] == served_by
    assert "not by Deepgram's nova-3-general" in nova3["dgdata"]["note"]
    assert all(m["languages"] == ["en", "en-US"] for m in body["stt"] + body["tts"])
    tts = {m["canonical_name"]: m for m in body["tts"]}
    assert {"aura-2-thalia-en", "aura-asteria-en"} <= set(tts)
    assert "dgdata-local" in tts["aura-2-thalia-en"]["metadata"]["tags"]
    assert len({m["uuid"] for m in body["stt"] + body["tts"]}) == len(body["stt"]) + len(
        body["tts"]
    )
    frame = models(body)
    assert set(frame.kind) == {"stt", "tts"} and frame.uuid.is_unique


def test_outdated_versions_are_listed_on_request(dg: Deepgram, server: LocalServer) -> None:
    latest = dg.models.list()
    everything = dg.models.list(include_outdated=True)
    assert len(everything["stt"]) > len(latest["stt"])
    outdated = [m for m in everything["stt"] if not m["dgdata"]["latest"]]
    assert outdated and all(m["uuid"] not in {x["uuid"] for x in latest["stt"]} for m in outdated)
    project = dg.models.list_project_models(server.project_id, include_outdated=True)
    assert project == everything


def test_one_model_by_uuid(dg: Deepgram, server: LocalServer) -> None:
    nova3 = catalog.find("nova-3")
    assert nova3 is not None and catalog.find("nova-3-general") is nova3
    assert catalog.find(nova3.uuid) is nova3
    got = dg.models.get(nova3.uuid)
    assert got["canonical_name"] == "nova-3-general" and got["batch"] is True
    assert got["metadata"] is None  # an STT model: no voice metadata
    voice = catalog.find("aura-2-thalia-en")
    assert voice is not None
    got_voice = dg.models.get_project_model(server.project_id, voice.uuid)
    assert got_voice["metadata"]["accent"] == "American" and got_voice["batch"] is None
    assert_error(raw(server, "GET", "/v1/models/not-a-model"), 404, "NOT_FOUND")
    assert_error(raw(server, "GET", f"/v1/projects/{server.project_id}/models/nope"), 404)
    assert_error(raw(server, "GET", "/v1/models", "0" * 40), 401)
    assert_error(raw(server, "GET", "/v1/models", params={"include_outdated": "often"}), 400)


def test_model_uuids_are_stable() -> None:
    assert catalog.model_uuid("nova-3-general") == "1d4c9df3-51dd-5866-a20d-de9a27f967dd"


# --------------------------------------------------------------------------- self-hosted


def test_distribution_credentials(dg: Deepgram, server: LocalServer) -> None:
    pid = server.project_id
    assert dg.selfhosted.list_credentials(pid) == {"distribution_credentials": []}
    default = dg.selfhosted.create_credentials(pid, "cluster A")
    assert default["member"] == {
        "member_id": server.state.boot.member_id,
        "email": "owner@dgdata.local",
    }
    creds = default["distribution_credentials"]
    assert creds["scopes"] == ["self-hosted:products"] and creds["provider"] == "quay"
    assert creds["comment"] == "cluster A" and creds["created"].endswith("Z")
    chosen = dg.selfhosted.create_credentials(
        pid, scopes=["self-hosted:product:api", "self-hosted:product:engine"], provider="quay"
    )
    assert chosen["distribution_credentials"]["scopes"] == [
        "self-hosted:product:api",
        "self-hosted:product:engine",
    ]
    assert "comment" not in chosen["distribution_credentials"]
    listed = dg.selfhosted.list_credentials(pid)["distribution_credentials"]
    assert [c["distribution_credentials"]["distribution_credentials_id"] for c in listed] == [
        creds["distribution_credentials_id"],
        chosen["distribution_credentials"]["distribution_credentials_id"],
    ]
    assert len(credentials_frame(dg.selfhosted.list_credentials(pid))) == 2
    one = dg.selfhosted.get_credentials(pid, creds["distribution_credentials_id"])
    assert one == default
    assert dg.selfhosted.delete_credentials(pid, creds["distribution_credentials_id"]) == default
    assert_error(
        raw(
            server,
            "GET",
            f"/v1/projects/{pid}/self-hosted/distribution/credentials/"
            f"{creds['distribution_credentials_id']}",
        ),
        404,
    )


def test_bad_credentials_and_roles(server: LocalServer) -> None:
    path = f"/v1/projects/{server.project_id}/self-hosted/distribution/credentials"
    assert_error(raw(server, "POST", path, params={"scopes": "everything"}), 400)
    assert_error(raw(server, "POST", path, params={"provider": "dockerhub"}), 400)
    assert_error(raw(server, "POST", path, json={"comment": 7}), 400)
    assert_error(raw(server, "DELETE", path + "/nope"), 404)
    _, member_key = add_person(server, "member")
    assert raw(server, "GET", path, member_key).status_code == 200
    assert_error(raw(server, "POST", path, member_key, json={"comment": "x"}), 403)


# --------------------------------------------------------------------------- agents

CONFIG = {
    "listen": {"provider": {"type": "deepgram", "model": "nova-3"}},
    "think": {"provider": {"type": "open_ai", "model": "gpt-4o-mini"}},
}


def test_agent_configurations(dg: Deepgram, server: LocalServer) -> None:
    pid = server.project_id
    created = dg.agents.create(pid, CONFIG, metadata={"team": "support"})
    assert created["config"] == CONFIG and created["metadata"] == {"team": "support"}
    agent_id = created["agent_id"]
    as_text = raw(
        server,
        "POST",
        f"/v1/projects/{pid}/agents",
        json={"config": json.dumps(CONFIG), "api_version": 1},
    ).json()
    assert as_text["config"] == CONFIG and as_text["metadata"] == {}
    listed = dg.agents.list(pid)["agents"]
    assert [a["agent_id"] for a in listed] == [agent_id, as_text["agent_id"]]
    assert len(agents(dg.agents.list(pid))) == 2
    got = dg.agents.get(pid, agent_id)
    assert got["created_at"] == got["updated_at"] and got["config"] == CONFIG
    updated = dg.agents.update(pid, agent_id, {"team": "sales", "tier": "gold"})
    assert updated["metadata"] == {"team": "sales", "tier": "gold"}
    assert updated["config"] == CONFIG and updated["updated_at"] >= got["updated_at"]
    assert dg.agents.delete(pid, agent_id)["message"]
    assert_error(raw(server, "GET", f"/v1/projects/{pid}/agents/{agent_id}"), 404)
    assert_error(
        raw(server, "PUT", f"/v1/projects/{pid}/agents/{agent_id}", json={"metadata": {}}), 404
    )


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"config": "{not json"},
        {"config": "[1, 2]"},
        {"config": 5},
        {"config": "{}", "metadata": {"n": 1}},
        {"config": "{}", "metadata": "x"},
        {"config": "{}", "api_version": 2},
    ],
)
def test_bad_agent_bodies_are_400(server: LocalServer, body: dict) -> None:
    assert_error(raw(server, "POST", f"/v1/projects/{server.project_id}/agents", json=body), 400)


def test_agent_variables(dg: Deepgram, server: LocalServer) -> None:
    pid = server.project_id
    greeting = dg.agents.create_variable(pid, "DG_GREETING", "Hello!")
    assert greeting["key"] == "DG_GREETING" and greeting["value"] == "Hello!"
    hours = dg.agents.create_variable(pid, "DG_HOURS", {"mon": [9, 17]}, api_version=1)
    assert hours["value"] == {"mon": [9, 17]}
    nothing = dg.agents.create_variable(pid, "DG_NOTHING", None)
    assert nothing["value"] is None
    listed = dg.agents.list_variables(pid)["variables"]
    assert [v["key"] for v in listed] == ["DG_GREETING", "DG_HOURS", "DG_NOTHING"]
    assert agent_variables(dg.agents.list_variables(pid)).key.tolist() == [v["key"] for v in listed]
    changed = dg.agents.update_variable(pid, greeting["variable_id"], ["Hi", "Hello"])
    assert changed["value"] == ["Hi", "Hello"] and changed["key"] == "DG_GREETING"
    assert dg.agents.get_variable(pid, greeting["variable_id"])["value"] == ["Hi", "Hello"]
    assert dg.agents.delete_variable(pid, greeting["variable_id"])["message"]
    path = f"/v1/projects/{pid}/agent-variables"
    assert_error(raw(server, "GET", f"{path}/{greeting['variable_id']}"), 404)
    assert_error(raw(server, "POST", path, json={"key": "DG_HOURS", "value": 1}), 400)  # taken
    for bad in ({"key": "greeting", "value": 1}, {"key": "DG_X"}, {"value": 1}):
        assert_error(raw(server, "POST", path, json=bad), 400)
    assert_error(raw(server, "PATCH", f"{path}/{hours['variable_id']}", json={}), 400)


def test_agent_roles(server: LocalServer) -> None:
    _, member_key = add_person(server, "member")
    pid = server.project_id
    assert raw(server, "GET", f"/v1/projects/{pid}/agents", member_key).status_code == 200
    assert_error(
        raw(server, "POST", f"/v1/projects/{pid}/agents", member_key, json={"config": "{}"}), 403
    )
    assert_error(
        raw(
            server,
            "POST",
            f"/v1/projects/{pid}/agent-variables",
            member_key,
            json={"key": "DG_A", "value": 1},
        ),
        403,
    )


def test_think_models_need_no_key(dg: Deepgram, server: LocalServer) -> None:
    import requests

    anonymous = requests.get(server.url + "/v1/agent/settings/think/models", timeout=10)
    assert anonymous.status_code == 200
    models_ = anonymous.json()["models"]
    assert {"id": "gpt-4o-mini", "name": "GPT-4o mini", "provider": "open_ai"} in models_
    assert all(set(m) == {"id", "name", "provider"} for m in models_)
    assert dg.agents.list_think_models() == anonymous.json()
