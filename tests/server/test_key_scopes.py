"""Keys belong to their project, and granular scopes limit them (issue 16 item 4), on the server.

A key reaches only the project it was created in, even where its member belongs to others; a
project that is not the key's answers the same 403 whether or not it exists; a key without a
role scope does only what its Deepgram scopes (``usage:read``, ``keys:read`` ...) name.
"""

from __future__ import annotations

import json

import pytest
import requests
import websocket

from dgdata.server.backend.auth import VOICE_SCOPE, required_scope, scope_grants
from dgdata.server.backend.store import new_id
from dgdata.server.routes import ROUTES
from dgdata.server.runner import LocalServer
from tests.server.manage_common import add_person, assert_error, raw

pytestmark = pytest.mark.integration

#: GET endpoints of a project, with the scope each needs (``{p}``: the project id).
_READS = {
    "/v1/projects/{p}": "project:read",
    "/v1/projects/{p}/keys": "keys:read",
    "/v1/projects/{p}/members": "members:read",
    "/v1/projects/{p}/invites": "members:read:invites",
    "/v1/projects/{p}/requests": "usage:read",
    "/v1/projects/{p}/usage": "usage:read",
    "/v1/projects/{p}/usage/fields": "usage:read",
    "/v1/projects/{p}/usage/breakdown": "usage:read",
    "/v1/projects/{p}/balances": "billing:read",
    "/v1/projects/{p}/purchases": "billing:read",
    "/v1/projects/{p}/models": "project:read",
    "/v1/projects/{p}/agents": "project:read",
}


def second_project(server: LocalServer, name: str = "second") -> str:
    """Another project the server's owner also owns."""
    backend = server.state.backend
    project_id = backend.create_project(name)
    backend.add_member(project_id, server.state.boot.member_id, "owner")
    return project_id


def key_in(server: LocalServer, project_id: str, scopes: list[str]) -> str:
    """A key of the server's owner, made in ``project_id`` with ``scopes``."""
    _, secret = server.state.backend.create_key(
        project_id, server.state.boot.member_id, "scoped", scopes
    )
    return secret


def refusal(response: requests.Response) -> tuple[int, str, str, str]:
    """What a refusal tells: status, code, message, ``dg-error`` header (no request id)."""
    body = assert_error(response, 403, "FORBIDDEN")
    return response.status_code, body["err_code"], body["err_msg"], response.headers["dg-error"]


# --------------------------------------------------------------------------- project binding


def test_a_key_reaches_only_the_project_it_was_made_in(server: LocalServer) -> None:
    other = second_project(server)
    listed = raw(server, "GET", "/v1/projects").json()["projects"]
    assert [p["project_id"] for p in listed] == [server.project_id]
    for path in ("", "/members", "/keys", "/usage", "/requests"):
        refusal(raw(server, "GET", f"/v1/projects/{other}{path}"))
    assert_error(
        raw(
            server, "POST", f"/v1/projects/{other}/keys", json={"comment": "x", "scopes": ["owner"]}
        ),
        403,
    )
    assert_error(raw(server, "DELETE", f"/v1/projects/{other}"), 403)
    assert server.state.backend.project_exists(other)
    # The owner's key made in the other project reaches it, and only it.
    there = key_in(server, other, ["owner"])
    assert [
        p["project_id"] for p in raw(server, "GET", "/v1/projects", there).json()["projects"]
    ] == [other]
    assert raw(server, "GET", f"/v1/projects/{other}/members", there).status_code == 200
    refusal(raw(server, "GET", f"/v1/projects/{server.project_id}/members", there))


def test_other_projects_answer_the_same_whether_or_not_they_exist(server: LocalServer) -> None:
    existing = second_project(server)
    missing = new_id()
    assert not server.state.backend.project_exists(missing)
    for method, path in [
        ("GET", ""),
        ("GET", "/keys"),
        ("GET", "/members"),
        ("GET", "/usage"),
        ("PATCH", ""),
        ("DELETE", ""),
        ("DELETE", "/leave"),
    ]:
        answers = {
            refusal(raw(server, method, f"/v1/projects/{project}{path}", json={"name": "x"}))
            for project in (existing, missing)
        }
        assert len(answers) == 1, answers
        assert answers == {
            (403, "FORBIDDEN", "Insufficient permissions.", "Insufficient permissions.")
        }


def test_a_key_whose_member_left_its_project_reaches_nothing(server: LocalServer) -> None:
    member_id, key = add_person(server, "member")
    server.state.backend.store.execute("DELETE FROM memberships WHERE member_id = ?", (member_id,))
    assert raw(server, "GET", "/v1/projects", key).json() == {"projects": []}
    refusal(raw(server, "GET", f"/v1/projects/{server.project_id}", key))


# --------------------------------------------------------------------------- granular scopes


def test_a_usage_read_key_reads_usage_and_nothing_else(server: LocalServer) -> None:
    other = second_project(server)
    key = key_in(server, server.project_id, ["usage:read"])
    for template, scope in _READS.items():
        response = raw(server, "GET", template.format(p=server.project_id), key)
        if scope == "usage:read":
            assert response.status_code == 200, (template, response.text)
        else:
            assert "usage:read" in refusal(response)[2], template
    # Not another project's usage, though the key's member owns that one too.
    refusal(raw(server, "GET", f"/v1/projects/{other}/usage", key))
    # Not the voice APIs, nor a token for them, nor a key.
    refusal(raw(server, "POST", "/v1/read?summarize=v2", key, json={"text": "Hello there."}))
    refusal(raw(server, "POST", "/v1/auth/grant", key, json={}))
    refusal(
        raw(
            server,
            "POST",
            f"/v1/projects/{server.project_id}/keys",
            key,
            json={"comment": "more", "scopes": ["usage:read"]},
        )
    )
    # The list of its own project and the model catalogue need no scope.
    assert raw(server, "GET", "/v1/projects", key).json()["projects"][0]["project_id"] == (
        server.project_id
    )
    assert raw(server, "GET", "/v1/models", key).status_code == 200


@pytest.mark.parametrize(
    ("scopes", "allowed"),
    [
        (["members:read"], {"members:read", "members:read:invites"}),
        (["keys:read"], {"keys:read"}),
        (["keys:write"], {"keys:read"}),  # write includes read (and writing needs an admin)
        (["billing:read", "project:read"], {"billing:read", "project:read"}),
        (["members:read:invites"], {"members:read:invites"}),
    ],
)
def test_each_granular_scope_opens_its_endpoints_only(
    server: LocalServer, scopes: list[str], allowed: set[str]
) -> None:
    key = key_in(server, server.project_id, scopes)
    for template, scope in _READS.items():
        status = raw(server, "GET", template.format(p=server.project_id), key).status_code
        assert status == (200 if scope in allowed else 403), (scopes, template, status)


def test_a_granular_key_never_does_more_than_a_member(server: LocalServer) -> None:
    key = key_in(server, server.project_id, ["keys:write", "members:write"])
    create = {"comment": "escalate", "scopes": ["owner"]}
    refusal(raw(server, "POST", f"/v1/projects/{server.project_id}/keys", key, json=create))
    refusal(
        raw(
            server,
            "PUT",
            f"/v1/projects/{server.project_id}/members/{server.state.boot.member_id}/scopes",
            key,
            json={"scope": "member"},
        )
    )


def test_a_usage_write_key_uses_the_voice_apis_and_its_tokens_too(server: LocalServer) -> None:
    key = key_in(server, server.project_id, [VOICE_SCOPE])
    text = {"text": "The local server answers. It summarises text."}
    assert raw(server, "POST", "/v1/read?summarize=v2", key, json=text).status_code == 200
    grant = raw(server, "POST", "/v1/auth/grant", key, json={})
    assert grant.status_code == 200, grant.text
    token = grant.json()["access_token"]
    assert raw(server, "POST", "/v1/read?summarize=v2", bearer=token, json=text).status_code == 200
    assert raw(server, "GET", f"/v1/projects/{server.project_id}/usage", key).ok  # write has read
    refusal(raw(server, "GET", f"/v1/projects/{server.project_id}/members", key))


def test_the_live_websocket_checks_the_scope_too(server: LocalServer) -> None:
    key = key_in(server, server.project_id, ["usage:read"])
    url = f"{server.ws_url}/v1/listen?encoding=linear16&sample_rate=16000"
    with pytest.raises(websocket.WebSocketBadStatusException) as raised:
        websocket.create_connection(url, timeout=20, header=[f"Authorization: Token {key}"])
    assert raised.value.status_code == 403
    assert json.loads(raised.value.resp_body or b"{}")["err_code"] == "FORBIDDEN"


def test_role_scopes_keep_working(server: LocalServer) -> None:
    _, member = add_person(server, "member")
    _, admin = add_person(server, "admin")
    for template in _READS:
        path = template.format(p=server.project_id)
        assert raw(server, "GET", path, member).status_code == 200, path
    keys = f"/v1/projects/{server.project_id}/keys"
    assert_error(
        raw(server, "POST", keys, member, json={"comment": "m", "scopes": ["member"]}), 403
    )
    made = raw(server, "POST", keys, admin, json={"comment": "a", "scopes": ["usage:read"]})
    assert made.status_code == 200, made.text
    # A key with a role and granular scopes acts by its role.
    mixed = key_in(server, server.project_id, ["member", "usage:read"])
    assert raw(server, "GET", f"/v1/projects/{server.project_id}/members", mixed).status_code == 200


# --------------------------------------------------------------------------- the table


def test_every_project_route_has_a_scope_and_voice_routes_need_usage_write() -> None:
    for route in ROUTES:
        path = route.path.replace("{project_id}", "p")  # type: ignore[attr-defined]
        methods = getattr(route, "methods", None) or {"GET"}
        for method in methods:
            scope = required_scope(method, path)
            if path.startswith("/v1/projects/p"):
                assert scope and ":" in scope, (method, route.path)  # type: ignore[attr-defined]
            elif path in ("/v1/listen", "/v1/speak", "/v2/speak", "/v1/read", "/v1/auth/grant"):
                assert scope == VOICE_SCOPE, (method, path)
            else:
                assert scope is None, (method, path)


def test_how_scopes_include_each_other() -> None:
    assert scope_grants("usage:read", "usage:read")
    assert scope_grants("usage:write", "usage:read")
    assert scope_grants("members:read", "members:read:invites")
    assert scope_grants("members:write", "members:read:scopes")
    assert not scope_grants("usage:read", "usage:write")
    assert not scope_grants("members:read:invites", "members:read")
    assert not scope_grants("keys:read", "keys:readable")
    assert not scope_grants("usage:read", "members:read")
