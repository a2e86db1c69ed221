"""Members, scopes and invitations on the local server, with their role rules."""

from __future__ import annotations

import pytest

from dgdata import Deepgram
from dgdata.server.runner import LocalServer
from tests.server.manage_common import add_person, assert_error, raw

pytestmark = pytest.mark.integration


def test_members_are_listed_with_scopes(dg: Deepgram, server: LocalServer) -> None:
    member_id, _ = add_person(
        server, "member", email="ada@example.com", first_name="Ada", last_name="Lovelace"
    )
    members = dg.members.list_members(server.project_id)["members"]
    assert members[0] == {
        "member_id": server.state.boot.member_id,
        "email": "owner@dgdata.local",
        "first_name": "Local",
        "last_name": "Owner",
        "scopes": ["owner"],
    }
    assert members[1] == {
        "member_id": member_id,
        "email": "ada@example.com",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "scopes": ["member"],
    }
    frame = dg.members.frame(server.project_id)
    assert frame.scope.tolist() == ["owner", "member"]


def test_names_left_out_rather_than_null(server: LocalServer) -> None:
    add_person(server, "member", email="nameless@example.com", first_name=None, last_name=None)
    members = raw(server, "GET", f"/v1/projects/{server.project_id}/members").json()["members"]
    assert members[1] == {
        "member_id": members[1]["member_id"],
        "email": "nameless@example.com",
        "scopes": ["member"],
    }


def test_scopes_are_read_and_changed(dg: Deepgram, server: LocalServer) -> None:
    member_id, member_key = add_person(server, "member")
    pid = server.project_id
    assert dg.scopes.get_scope(pid, member_id) == {"scopes": ["member"]}
    assert dg.scopes.update_scope(pid, member_id, "admin")["message"]
    assert dg.scopes.get_scope(pid, member_id) == {"scopes": ["admin"]}
    # A member-scoped key changes no scopes, not even its own member's.
    assert_error(
        raw(
            server,
            "PUT",
            f"/v1/projects/{pid}/members/{member_id}/scopes",
            member_key,
            json={"scope": "admin"},
        ),
        403,
    )
    assert_error(
        raw(
            server,
            "PUT",
            f"/v1/projects/{pid}/members/{member_id}/scopes",
            json={"scope": "emperor"},
        ),
        400,
    )
    assert_error(raw(server, "PUT", f"/v1/projects/{pid}/members/{member_id}/scopes", json={}), 400)
    assert_error(raw(server, "GET", f"/v1/projects/{pid}/members/nobody/scopes"), 404)


def test_only_owners_make_owners(server: LocalServer) -> None:
    pid = server.project_id
    _, admin_key = add_person(server, "admin")
    member_id, _ = add_person(server, "member")
    path = f"/v1/projects/{pid}/members/{member_id}/scopes"
    assert_error(raw(server, "PUT", path, admin_key, json={"scope": "owner"}), 403, "FORBIDDEN")
    assert raw(server, "PUT", path, admin_key, json={"scope": "admin"}).status_code == 200
    # An admin cannot demote the owner either.
    owner_path = f"/v1/projects/{pid}/members/{server.state.boot.member_id}/scopes"
    assert_error(raw(server, "PUT", owner_path, admin_key, json={"scope": "member"}), 403)
    assert raw(server, "PUT", path, json={"scope": "owner"}).status_code == 200


def test_the_last_owner_stays(server: LocalServer) -> None:
    pid = server.project_id
    owner_id = server.state.boot.member_id
    path = f"/v1/projects/{pid}/members/{owner_id}"
    assert "only owner" in assert_error(raw(server, "DELETE", path), 400)["err_msg"]
    assert_error(raw(server, "PUT", path + "/scopes", json={"scope": "admin"}), 400)
    # With a second owner, the first may go.
    second_id, second_key = add_person(server, "owner")
    assert raw(server, "DELETE", path, second_key).status_code == 200
    members = raw(server, "GET", f"/v1/projects/{pid}/members", second_key).json()["members"]
    assert [m["member_id"] for m in members] == [second_id]


def test_removing_a_member_removes_their_access(dg: Deepgram, server: LocalServer) -> None:
    pid = server.project_id
    member_id, member_key = add_person(server, "member")
    assert raw(server, "GET", f"/v1/projects/{pid}", member_key).status_code == 200
    assert dg.members.remove_member(pid, member_id)["message"]
    assert member_id not in {m["member_id"] for m in dg.members.list_members(pid)["members"]}
    assert_error(raw(server, "GET", f"/v1/projects/{pid}", member_key), 401)  # key deleted too
    assert_error(raw(server, "DELETE", f"/v1/projects/{pid}/members/{member_id}"), 404)


def test_members_cannot_remove_anyone(server: LocalServer) -> None:
    pid = server.project_id
    other_id, _ = add_person(server, "member")
    _, member_key = add_person(server, "member")
    assert_error(raw(server, "DELETE", f"/v1/projects/{pid}/members/{other_id}", member_key), 403)
    _, admin_key = add_person(server, "admin")
    owner = f"/v1/projects/{pid}/members/{server.state.boot.member_id}"
    assert_error(raw(server, "DELETE", owner, admin_key), 403)
    assert raw(server, "DELETE", f"/v1/projects/{pid}/members/{other_id}", admin_key).ok


def test_invitations_are_sent_listed_and_deleted(dg: Deepgram, server: LocalServer) -> None:
    pid = server.project_id
    assert dg.invitations.list_invitations(pid) == {"invites": []}
    assert dg.invitations.send_invitation(pid, email="New@Example.com", scope="member")["message"]
    dg.invitations.send_invitation(pid, {"email": "boss@example.com", "scope": "owner"})
    listed = dg.invitations.list_invitations(pid)["invites"]
    assert listed == [
        {"email": "new@example.com", "scope": "member"},
        {"email": "boss@example.com", "scope": "owner"},
    ]
    # Sending again changes the scope of the pending invitation.
    dg.invitations.send_invitation(pid, email="new@example.com", scope="admin")
    assert {"email": "new@example.com", "scope": "admin"} in dg.invitations.list_invitations(pid)[
        "invites"
    ]
    assert dg.invitations.remove_invitation(pid, "new@example.com")["message"]
    assert [i["email"] for i in dg.invitations.list_invitations(pid)["invites"]] == [
        "boss@example.com"
    ]
    assert_error(raw(server, "DELETE", f"/v1/projects/{pid}/invites/new@example.com"), 404)


@pytest.mark.parametrize(
    "body",
    [
        {"email": "x@example.com"},
        {"scope": "member"},
        {"email": "not-an-email", "scope": "member"},
        {"email": "x@example.com", "scope": "king"},
        {"email": "owner@dgdata.local", "scope": "admin"},
    ],
)
def test_bad_invitations_are_400(server: LocalServer, body: dict) -> None:
    assert_error(raw(server, "POST", f"/v1/projects/{server.project_id}/invites", json=body), 400)


def test_invitation_roles(server: LocalServer) -> None:
    pid = server.project_id
    _, member_key = add_person(server, "member")
    _, admin_key = add_person(server, "admin")
    path = f"/v1/projects/{pid}/invites"
    invite = {"email": "x@example.com", "scope": "member"}
    assert raw(server, "GET", path, member_key).status_code == 200
    assert_error(raw(server, "POST", path, member_key, json=invite), 403)
    assert raw(server, "POST", path, admin_key, json=invite).status_code == 200
    assert_error(raw(server, "POST", path, admin_key, json={**invite, "scope": "owner"}), 403)
    assert_error(raw(server, "DELETE", f"{path}/x@example.com", member_key), 403)
    assert raw(server, "DELETE", f"{path}/x@example.com", admin_key).status_code == 200
