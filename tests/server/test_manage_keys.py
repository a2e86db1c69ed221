"""API keys on the local server: shapes, secrets shown once, expiry, roles and grant tokens."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pytest

from dgdata import Deepgram
from dgdata.errors import PermissionDeniedError
from dgdata.server.runner import LocalServer
from tests.server.manage_common import add_person, assert_error, raw

pytestmark = pytest.mark.integration


def test_the_owner_key_is_listed_with_its_member(dg: Deepgram, server: LocalServer) -> None:
    body = dg.keys.list(server.project_id)
    [entry] = body["api_keys"]
    assert entry["member"]["email"] == "owner@dgdata.local"
    assert entry["member"]["member_id"] == server.state.boot.member_id
    assert entry["api_key"]["api_key_id"] == server.state.boot.api_key_id
    assert entry["api_key"]["scopes"] == ["owner"]
    assert entry["api_key"]["created"].endswith("Z")
    assert "key" not in entry["api_key"] and "expiration_date" not in entry["api_key"]


def test_a_created_key_shows_its_secret_once_and_works(dg: Deepgram, server: LocalServer) -> None:
    created = dg.keys.create(server.project_id, "ci job", ["member"], tags=["ci", "nightly"])
    assert set(created) >= {"api_key_id", "key", "comment", "scopes", "tags"}
    assert len(created["key"]) == 40 and created["comment"] == "ci job"
    assert created["scopes"] == ["member"] and created["tags"] == ["ci", "nightly"]
    secret = created["key"]

    got = dg.keys.get(server.project_id, created["api_key_id"])
    api_key = got["item"]["member"]["api_key"]
    assert api_key["api_key_id"] == created["api_key_id"]
    assert api_key["tags"] == ["ci", "nightly"]
    assert got["item"]["member"]["first_name"] == "Local"
    listed = raw(server, "GET", f"/v1/projects/{server.project_id}/keys").text
    assert secret not in listed and secret not in str(got)

    # The key works until it is deleted.
    assert raw(server, "GET", "/v1/projects", secret).status_code == 200
    assert dg.keys.delete(server.project_id, created["api_key_id"])["message"]
    assert_error(raw(server, "GET", "/v1/projects", secret), 401, "INVALID_AUTH")
    assert_error(
        raw(server, "GET", f"/v1/projects/{server.project_id}/keys/{created['api_key_id']}"),
        404,
        "NOT_FOUND",
    )


def test_a_key_with_a_time_to_live_expires(dg: Deepgram, server: LocalServer) -> None:
    created = dg.keys.create(server.project_id, "short", ["member"], time_to_live_in_seconds=1)
    expires = datetime.fromisoformat(created["expiration_date"].replace("Z", "+00:00"))
    assert timedelta(0) < expires - datetime.now(timezone.utc) <= timedelta(seconds=1.5)
    assert raw(server, "GET", "/v1/projects", created["key"]).status_code == 200
    active = dg.keys.list(server.project_id, status="active")["api_keys"]
    assert created["api_key_id"] in {e["api_key"]["api_key_id"] for e in active}

    time.sleep(1.2)
    assert_error(raw(server, "GET", "/v1/projects", created["key"]), 401, "INVALID_AUTH")
    expired = dg.keys.list(server.project_id, status="expired")["api_keys"]
    assert [e["api_key"]["api_key_id"] for e in expired] == [created["api_key_id"]]
    active = dg.keys.list(server.project_id, status="active")["api_keys"]
    assert created["api_key_id"] not in {e["api_key"]["api_key_id"] for e in active}


def test_an_expiration_date_is_kept(dg: Deepgram, server: LocalServer) -> None:
    when = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=30)
    created = dg.keys.create(server.project_id, "month", "admin", expiration_date=when)
    assert created["expiration_date"] == when.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    got = dg.keys.get(server.project_id, created["api_key_id"])["item"]["member"]["api_key"]
    assert got["expiration_date"] == created["expiration_date"]


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"scopes": ["member"]}, "comment"),
        ({"comment": "x"}, "scopes"),
        ({"comment": "x", "scopes": []}, "scopes"),
        ({"comment": "x", "scopes": ["superuser"]}, "Unknown scopes"),
        ({"comment": "x", "scopes": "member", "tags": [1]}, "tags"),
        ({"comment": "x", "scopes": ["member"], "time_to_live_in_seconds": 0}, "time_to_live"),
        ({"comment": "x", "scopes": ["member"], "time_to_live_in_seconds": "1"}, "time_to_live"),
        ({"comment": "x", "scopes": ["member"], "expiration_date": "2001-01-01"}, "future"),
        ({"comment": "x", "scopes": ["member"], "expiration_date": "soon"}, "expiration_date"),
        (
            {
                "comment": "x",
                "scopes": ["member"],
                "expiration_date": "2999-01-01",
                "time_to_live_in_seconds": 60,
            },
            "not both",
        ),
    ],
)
def test_bad_key_bodies_are_400(server: LocalServer, body: dict, fragment: str) -> None:
    response = raw(server, "POST", f"/v1/projects/{server.project_id}/keys", json=body)
    assert fragment in assert_error(response, 400)["err_msg"]


def test_a_member_key_cannot_create_or_delete_keys(dg: Deepgram, server: LocalServer) -> None:
    member_key = dg.keys.create(server.project_id, "read only", ["member"])
    owner_key_id = server.state.boot.api_key_id
    path = f"/v1/projects/{server.project_id}/keys"
    # It may read...
    assert raw(server, "GET", path, member_key["key"]).status_code == 200
    # ...but not write: 403 with a Deepgram error body.
    denied = raw(
        server, "POST", path, member_key["key"], json={"comment": "x", "scopes": ["member"]}
    )
    assert_error(denied, 403, "FORBIDDEN")
    assert_error(
        raw(server, "DELETE", f"{path}/{owner_key_id}", member_key["key"]), 403, "FORBIDDEN"
    )
    assert_error(
        raw(server, "DELETE", f"{path}/{member_key['api_key_id']}", member_key["key"]),
        403,
        "FORBIDDEN",
    )
    # Through dgdata's client the same refusal is an exception carrying the status.
    member = Deepgram(api_key=member_key["key"], api_url=server.url, max_retries=0)
    with member, pytest.raises(PermissionDeniedError) as raised:
        member.keys.create(server.project_id, "nope", ["member"])
    assert raised.value.status == 403 and raised.value.err_code == "FORBIDDEN"
    assert raised.value.request_id


def test_a_key_cannot_be_stronger_than_its_creator(server: LocalServer) -> None:
    _, admin_key = add_person(server, "admin")
    path = f"/v1/projects/{server.project_id}/keys"
    ok = raw(server, "POST", path, admin_key, json={"comment": "a", "scopes": ["admin"]})
    assert ok.status_code == 200, ok.text
    assert_error(
        raw(server, "POST", path, admin_key, json={"comment": "o", "scopes": ["owner"]}),
        403,
        "FORBIDDEN",
    )
    # ...and an admin cannot delete the owner's key.
    owner_key = f"{path}/{server.state.boot.api_key_id}"
    assert_error(raw(server, "DELETE", owner_key, admin_key), 403, "FORBIDDEN")
    # An admin key of a member-role person is only as strong as the person.
    _, weak_key = add_person(server, "member", key_scopes=["admin"])
    assert_error(
        raw(server, "POST", path, weak_key, json={"comment": "m", "scopes": ["member"]}), 403
    )


def test_granular_scopes_are_kept_and_limit_the_key(server: LocalServer) -> None:
    path = f"/v1/projects/{server.project_id}/keys"
    created = raw(server, "POST", path, json={"comment": "usage", "scopes": ["usage:read"]}).json()
    assert created["scopes"] == ["usage:read"]
    usage = f"/v1/projects/{server.project_id}/usage"
    assert raw(server, "GET", usage, created["key"]).status_code == 200
    assert_error(raw(server, "GET", path, created["key"]), 403, "FORBIDDEN")
    assert_error(
        raw(server, "POST", path, created["key"], json={"comment": "x", "scopes": ["member"]}), 403
    )


def test_unknown_ids_are_404_and_foreign_projects_403(server: LocalServer) -> None:
    assert_error(raw(server, "GET", f"/v1/projects/{server.project_id}/keys/nope"), 404)
    assert_error(raw(server, "DELETE", f"/v1/projects/{server.project_id}/keys/nope"), 404)
    assert_error(raw(server, "GET", "/v1/projects/no-such-project/keys"), 403, "FORBIDDEN")
    assert_error(
        raw(server, "GET", f"/v1/projects/{server.project_id}/keys", params={"status": "sleeping"}),
        400,
        "INVALID_QUERY_PARAMETER",
    )


def test_grant_tokens_work_on_no_manage_route_and_expire(dg: Deepgram, server: LocalServer) -> None:
    grant = dg.auth.grant(ttl_seconds=1)
    assert set(grant) == {"access_token", "expires_in"} and grant["expires_in"] == 1
    token = grant["access_token"]
    pid = server.project_id
    for method, path in [
        ("GET", f"/v1/projects/{pid}/keys"),
        ("POST", f"/v1/projects/{pid}/keys"),
        ("GET", f"/v1/projects/{pid}/members"),
        ("GET", f"/v1/projects/{pid}/requests"),
        ("GET", f"/v1/projects/{pid}/usage"),
        ("GET", f"/v1/projects/{pid}/balances"),
        ("GET", "/v1/models"),
        ("GET", f"/v1/projects/{pid}/agents"),
        ("POST", "/v1/auth/grant"),
    ]:
        assert_error(raw(server, method, path, bearer=token, json={}), 403, "FORBIDDEN")
    time.sleep(1.2)
    assert_error(raw(server, "GET", f"/v1/projects/{pid}/keys", bearer=token), 401, "INVALID_AUTH")


def test_grant_defaults_and_bad_ttls(server: LocalServer) -> None:
    default = raw(server, "POST", "/v1/auth/grant")
    assert default.status_code == 200 and default.json()["expires_in"] == 30
    assert (
        raw(server, "POST", "/v1/auth/grant", json={"ttl_seconds": 2.5}).json()["expires_in"] == 2.5
    )
    for ttl in (0, 3601, "30", True):
        assert_error(raw(server, "POST", "/v1/auth/grant", json={"ttl_seconds": ttl}), 400)
    assert_error(raw(server, "POST", "/v1/auth/grant", "f" * 40), 401, "INVALID_AUTH")
