"""Integration tests: dgdata's client against a Deepgram endpoint, all 50 operations.

By default the endpoint is the local server (``dgdata serve`` in a thread, demo account seeded);
``pytest --api-key KEY [--api-url URL]`` points them at a real account instead, where the tests
that delete or remove things skip (see ``tests/conftest.py``). The last test checks that every
operation of :func:`dgdata.client.operations` went over the wire in this module.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from dgdata import Deepgram, errors
from dgdata.client import operations
from dgdata.server.runner import LocalServer
from tests.conftest import Endpoint
from tests.requirements_plugin import TOOLS
from tests.server.audio_corpus import synthesize_one, wer

pytestmark = pytest.mark.integration

TEXT = "the children played in the garden all afternoon"

#: (HTTP method, path) of every request this module's clients sent.
SENT: list[tuple[str, str]] = []


def _note(response: requests.Response, *args: object, **kwargs: object) -> None:
    SENT.append((str(response.request.method), requests.utils.urlparse(response.url).path))


def client(endpoint: Endpoint, **options: object) -> Deepgram:
    session = requests.Session()
    session.hooks["response"].append(_note)
    settings: dict[str, object] = {"api_url": endpoint.api_url, "session": session}
    settings.update(options)
    if "access_token" not in options:
        settings.setdefault("api_key", endpoint.api_key)
    return Deepgram(**settings)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def live(integration_endpoint: Endpoint) -> Iterator[Deepgram]:
    dg = client(integration_endpoint)
    yield dg
    dg.close()


@pytest.fixture(scope="module")
def project_id(live: Deepgram, integration_endpoint: Endpoint) -> str:
    """The project the key was made in on the local server; the first project otherwise."""
    if integration_endpoint.local is not None:
        return integration_endpoint.local.project_id
    projects = live.projects.list()["projects"]
    assert projects, "the key sees no project"
    return str(projects[0]["project_id"])


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return synthesize_one(TEXT, tmp_path_factory.mktemp("integration") / "garden.wav").path


@pytest.fixture(scope="module")
def transcribed(live: Deepgram, clip: Path) -> dict:
    return dict(live.transcription.prerecorded(clip, {"smart_format": True, "tag": "integration"}))


# --- projects ---------------------------------------------------------------------------------


def test_projects_list_get_and_update(live: Deepgram, project_id: str) -> None:
    project = live.projects.get(project_id)
    assert project["project_id"] == project_id
    original = project["name"]
    assert "message" in live.projects.update(project_id, name=original + " (renamed)")
    assert live.projects.get(project_id)["name"] == original + " (renamed)"
    live.projects.update(project_id, name=original)
    assert live.projects.get(project_id)["name"] == original


def test_projects_leave_and_delete(live: Deepgram, local_endpoint: LocalServer) -> None:
    backend = local_endpoint.state.backend
    me = local_endpoint.state.boot.member_id
    other = backend.ensure_account("co-owner@example.com", "Co", "Owner")
    shared = backend.create_project("to leave")
    backend.add_member(shared, me, "owner")
    backend.add_member(shared, other, "owner")
    doomed = backend.create_project("to delete")
    backend.add_member(doomed, me, "owner")

    def key_in(project: str) -> Deepgram:  # a key reaches only the project it was made in
        _, secret = backend.create_key(project, me, "integration", ["owner"])
        return client(Endpoint(secret, local_endpoint.url, local_endpoint))

    with key_in(shared) as in_shared, key_in(doomed) as in_doomed:
        assert "message" in in_shared.projects.leave(shared)
        assert "message" in in_doomed.projects.delete(doomed)
        assert in_shared.projects.list()["projects"] == []
        with pytest.raises(errors.AuthenticationError):  # its keys went with the project
            in_doomed.projects.get(doomed)
    remaining = {p["project_id"] for p in live.projects.list()["projects"]}
    assert shared not in remaining and doomed not in remaining
    with pytest.raises(errors.PermissionDeniedError):  # the same as for any other project
        live.projects.get(doomed)


# --- keys, members, scopes, invitations --------------------------------------------------------


def test_keys_round_trip(live: Deepgram, project_id: str) -> None:
    created = live.keys.create(
        project_id, "dgdata integration test", ["member"], time_to_live_in_seconds=120
    )
    key_id = created["api_key_id"]
    try:
        assert created["key"]
        listed = {item["api_key"]["api_key_id"] for item in live.keys.list(project_id)["api_keys"]}
        assert key_id in listed
        item = live.keys.get(project_id, key_id)["item"]["member"]["api_key"]
        assert item["comment"] == "dgdata integration test"
        assert "key" not in item, "a key's secret is shown once, at creation"
    finally:
        live.keys.delete(project_id, key_id)
    with pytest.raises(errors.NotFoundError):
        live.keys.get(project_id, key_id)


def test_members_and_scopes(live: Deepgram, project_id: str) -> None:
    members = live.members.list_members(project_id)["members"]
    assert members
    scopes = live.scopes.get_scope(project_id, members[0]["member_id"])["scopes"]
    assert isinstance(scopes, list) and scopes


def test_scopes_update_and_member_removal(
    live: Deepgram, project_id: str, local_endpoint: LocalServer
) -> None:
    backend = local_endpoint.state.backend
    member = backend.ensure_account("analyst@example.com", "Ana", "Lyst")
    backend.add_member(project_id, member, "member")
    assert "message" in live.scopes.update_scope(project_id, member, "admin")
    assert live.scopes.get_scope(project_id, member)["scopes"] == ["admin"]
    assert "message" in live.members.remove_member(project_id, member)
    listed = {m["member_id"] for m in live.members.list_members(project_id)["members"]}
    assert member not in listed


def test_invitations_round_trip(
    live: Deepgram, project_id: str, local_endpoint: LocalServer
) -> None:
    email = "new.colleague@example.com"
    assert "message" in live.invitations.send_invitation(project_id, email=email, scope="member")
    invites = live.invitations.list_invitations(project_id)["invites"]
    assert {"email": email, "scope": "member"} in invites
    assert "message" in live.invitations.remove_invitation(project_id, email)
    assert email not in {
        i["email"] for i in live.invitations.list_invitations(project_id)["invites"]
    }


# --- listen, speak, read, auth ------------------------------------------------------------------


def test_prerecorded_transcription(transcribed: dict, clip: Path) -> None:
    alternative = transcribed["results"]["channels"][0]["alternatives"][0]
    assert wer(TEXT, alternative["transcript"]) <= 0.2, alternative["transcript"]
    assert alternative["words"][0]["start"] < alternative["words"][-1]["end"]


def test_sync_prerecorded_and_a_grant_token(
    live: Deepgram, clip: Path, integration_endpoint: Endpoint
) -> None:
    grant = live.auth.grant(ttl_seconds=60)
    assert grant["access_token"] and grant["expires_in"] > 0
    with client(integration_endpoint, access_token=grant["access_token"]) as temporary:
        response = temporary.transcription.sync_prerecorded(clip.read_bytes(), model="nova-3")
        assert wer(TEXT, response["results"]["channels"][0]["alternatives"][0]["transcript"]) <= 0.2
        with pytest.raises(errors.PermissionDeniedError):
            temporary.projects.list()


@pytest.mark.needs_tts  # the local server speaks with flite or espeak-ng
def test_speak_then_listen_closes_the_loop(live: Deepgram) -> None:
    spoken = live.speak.synthesize(
        "turn left at the next corner", encoding="linear16", container="wav", sample_rate=16000
    )
    assert spoken.audio[:4] == b"RIFF"
    heard = live.transcription.prerecorded({"buffer": spoken.audio, "mimetype": "audio/wav"})
    transcript = heard["results"]["channels"][0]["alternatives"][0]["transcript"]
    assert wer("turn left at the next corner", transcript) <= 0.35, transcript


def test_speak_flux(live: Deepgram) -> None:
    try:
        result = live.speak.flux("hello there", model="flux-thalia-en")
    except errors.DeepgramError as error:  # the local server says what it cannot do, clearly
        assert error.status in (400, 501) and error.message
    else:
        assert result


def test_read_summarizes(live: Deepgram) -> None:
    text = (
        "The quarterly report shows revenue grew by ten percent. Costs stayed flat. "
        "The team expects growth to continue next quarter as new customers arrive. "
        "Hiring will focus on support staff."
    )
    result = live.read.analyze({"text": text}, summarize=True, language="en")
    assert result["results"]["summary"]
    assert result["metadata"]["request_id"]


# --- usage and billing --------------------------------------------------------------------------


def test_usage_requests_and_one_request(live: Deepgram, project_id: str, transcribed: dict) -> None:
    request_id = transcribed["metadata"]["request_id"]
    listed = live.usage.list_requests(project_id, limit=100)["requests"]
    assert request_id in {r["request_id"] for r in listed}
    one = live.usage.get_request(project_id, request_id)["request"]
    assert one["request_id"] == request_id


def test_usage_summary_fields_and_breakdown(
    live: Deepgram, project_id: str, transcribed: dict
) -> None:
    assert "resolution" in live.usage.get_usage(project_id)
    assert "models" in live.usage.get_fields(project_id)
    breakdown = live.usage.get_breakdown(project_id, grouping="models")
    assert {"start", "end", "resolution", "results"} <= set(breakdown)


def test_iter_requests_walks_pages(live: Deepgram, project_id: str) -> None:
    walk = live.usage.iter_requests(project_id, page_size=10)
    seen = [request["request_id"] for request in itertools.islice(walk, 25)]
    assert len(seen) == len(set(seen))


def test_billing_balances_breakdown_fields_and_purchases(live: Deepgram, project_id: str) -> None:
    balances = live.billing.list_balance(project_id)["balances"]
    if balances:
        one = live.billing.get_balance(project_id, balances[0]["balance_id"])
        assert one["balance_id"] == balances[0]["balance_id"]
    assert "results" in live.billing.get_breakdown(project_id)
    assert "line_items" in live.billing.get_fields(project_id)
    assert "orders" in live.billing.list_purchases(project_id, limit=5)


def test_balances_go_down_as_usage_accrues(
    live: Deepgram, clip: Path, local_endpoint: LocalServer
) -> None:
    project_id = local_endpoint.project_id
    store = local_endpoint.store
    store.execute(
        "INSERT INTO balances (balance_id, project_id, amount, units) VALUES "
        "('integration-balance', ?, 10.0, 'usd')",
        (project_id,),
    )
    before = live.billing.get_balance(project_id, "integration-balance")["amount"]
    live.transcription.prerecorded(clip)
    after = live.billing.get_balance(project_id, "integration-balance")["amount"]
    assert after < before


# --- models, self-hosted, agents ------------------------------------------------------------------


def test_models(live: Deepgram, project_id: str) -> None:
    catalog = live.models.list(include_outdated=True)
    first = catalog["stt"][0]
    assert live.models.get(first["uuid"])["uuid"] == first["uuid"]
    project_models = live.models.list_project_models(project_id)
    model = (project_models["stt"] or project_models["tts"])[0]
    assert live.models.get_project_model(project_id, model["uuid"])["uuid"] == model["uuid"]


def test_selfhosted_credentials_round_trip(live: Deepgram, project_id: str) -> None:
    created = live.selfhosted.create_credentials(project_id, "integration", provider="quay")
    credential_id = created["distribution_credentials"]["distribution_credentials_id"]
    try:
        listed = live.selfhosted.list_credentials(project_id)["distribution_credentials"]
        assert credential_id in {
            c["distribution_credentials"]["distribution_credentials_id"] for c in listed
        }
        assert live.selfhosted.get_credentials(project_id, credential_id)
    finally:
        live.selfhosted.delete_credentials(project_id, credential_id)


def test_agents_and_variables_round_trip(live: Deepgram, project_id: str) -> None:
    assert "models" in live.agents.list_think_models()
    agent = live.agents.create(
        project_id, {"agent": {"think": {"prompt": "Be brief."}}}, metadata={"team": "integration"}
    )
    agent_id = agent["agent_id"]
    assert agent_id in {a["agent_id"] for a in live.agents.list(project_id)["agents"]}
    assert live.agents.get(project_id, agent_id)["agent_id"] == agent_id
    live.agents.update(project_id, agent_id, {"team": "renamed"})
    assert live.agents.get(project_id, agent_id)["metadata"] == {"team": "renamed"}
    live.agents.delete(project_id, agent_id)

    variable = live.agents.create_variable(project_id, "DG_GREETING", "hello")
    variable_id = variable["variable_id"]
    assert variable_id in {
        v["variable_id"] for v in live.agents.list_variables(project_id)["variables"]
    }
    live.agents.update_variable(project_id, variable_id, "hi")
    assert live.agents.get_variable(project_id, variable_id)["value"] == "hi"
    live.agents.delete_variable(project_id, variable_id)


# --- errors and completeness --------------------------------------------------------------------


def test_a_wrong_key_is_an_authentication_error(integration_endpoint: Endpoint) -> None:
    with (
        client(integration_endpoint, api_key="0" * 40, max_retries=0) as bad,
        pytest.raises(errors.AuthenticationError),
    ):
        bad.projects.list()


def test_every_operation_went_over_the_wire(integration_endpoint: Endpoint) -> None:
    if integration_endpoint.local is None:
        pytest.skip("the destructive operations ran only on the local server")
    missing = []
    for op in operations():
        pattern = re.sub(r"\{[^/]+\}", "[^/]+", op.path)
        if not any(m == op.method and re.fullmatch(pattern, p) for m, p in SENT):
            missing.append(f"{op.method} {op.path}")
    if TOOLS["needs_tts"].find() is None:  # its test was skipped, saying what to install
        missing = [op for op in missing if op != "POST /v1/speak"]
    assert not missing, f"operations never sent: {missing}"
