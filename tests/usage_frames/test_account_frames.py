"""projects, keys, members, invitations and self-hosted credentials."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from dgdata.frames.account import (
    CREDENTIALS_SCHEMA,
    INVITATION_SCHEMA,
    KEY_SCHEMA,
    MEMBER_SCHEMA,
    PROJECT_SCHEMA,
    credentials,
    invitations,
    keys,
    members,
    primary_scope,
    projects,
)

from .conftest import PROJECT, DocsExample

CREDENTIALS = PROJECT + "/self-hosted/distribution/credentials"


def _row(frame: pd.DataFrame, index: int = 0) -> dict[str, Any]:
    return {column: frame[column].iloc[index] for column in frame.columns}


def test_projects_list_and_get_examples(docs_example: DocsExample) -> None:
    listed = projects(docs_example("GET", "/v1/projects"))
    got = projects(docs_example("GET", PROJECT))
    assert listed[["project_id", "name"]].values.tolist() == [["project_id", "name"]]
    assert listed.loc[0, "mip_opt_out"] is pd.NA  # the list does not report it
    assert bool(got.loc[0, "mip_opt_out"]) is True
    assert got.dtypes.to_dict() == PROJECT_SCHEMA.dtypes()


def test_keys_list_shape_flattens_member_and_key_with_prefixes(docs_example: DocsExample) -> None:
    row = _row(keys(docs_example("GET", PROJECT + "/keys")))
    assert row["api_key_id"] == "1234567890abcdef1234567890abcdef"
    assert row["api_key_comment"] == "A comment"
    assert row["api_key_scopes"] == ["admin"] and row["api_key_tags"] == []
    assert row["api_key_created"] == pd.Timestamp("2021-01-01", tz="UTC")
    assert (row["member_id"], row["member_email"]) == ("1000-2000-3000-4000", "john@test.com")


def test_keys_get_shape_with_key_nested_in_member(docs_example: DocsExample) -> None:
    row = _row(keys(docs_example("GET", PROJECT + "/keys/{key_id}")))
    assert row["api_key_id"] == "1000-2000-3000-4000"
    assert row["api_key_tags"] == ["prod", "west-region"]
    assert row["api_key_expiration_date"] == pd.Timestamp("2021-01-01", tz="UTC")
    assert (row["member_first_name"], row["member_last_name"]) == ("John", "Doe")


def test_keys_create_response_is_read_but_the_secret_is_never_copied(
    docs_example: DocsExample,
) -> None:
    body = docs_example("POST", PROJECT + "/keys")
    frame = keys(body)
    assert frame.loc[0, "api_key_id"] == "api_key_id"
    assert body["key"] not in frame.astype(str).to_numpy().ravel().tolist()
    assert "key" not in frame.columns


def test_keys_of_the_seed_sdk_list_are_flat_objects() -> None:
    frame = keys({"api_keys": [{"api_key_id": "k1", "comment": "ci", "scopes": ["member"]}]})
    assert frame.loc[0, "api_key_id"] == "k1" and frame.loc[0, "member_id"] is pd.NA
    assert frame.dtypes.to_dict() == KEY_SCHEMA.dtypes()


def test_members_have_a_scope_list_and_a_primary_scope(docs_example: DocsExample) -> None:
    frame = members(docs_example("GET", PROJECT + "/members"))
    assert frame.loc[0, "scopes"] == ["scopes"] and frame.loc[0, "scope"] == "scopes"
    people = members(
        {
            "members": [
                {"member_id": "a", "scopes": ["member", "owner"]},
                {"member_id": "b", "scopes": ["usage:read"]},
                {"member_id": "c", "scopes": []},
            ]
        }
    )
    assert people["scope"].tolist() == ["owner", "usage:read", pd.NA]
    assert people.dtypes.to_dict() == MEMBER_SCHEMA.dtypes()


def test_primary_scope_prefers_the_most_privileged_role() -> None:
    assert primary_scope(["member", "admin"]) == "admin"
    assert primary_scope(["keys:write", "member"]) == "member"
    assert primary_scope([]) is None


def test_invitations_from_the_spec_and_the_seed_sdk_shape(docs_example: DocsExample) -> None:
    spec = invitations(docs_example("GET", PROJECT + "/invites"))
    seed = invitations({"members": [{"email": "a@b.c", "scope": "admin"}]})
    assert spec.values.tolist() == [["email", "scope"]]
    assert seed.values.tolist() == [["a@b.c", "admin"]]
    assert seed.dtypes.to_dict() == INVITATION_SCHEMA.dtypes()


def test_credentials_list_and_single_shapes(docs_example: DocsExample) -> None:
    listed = credentials(docs_example("GET", CREDENTIALS))
    single = credentials(docs_example("GET", CREDENTIALS + "/{distribution_credentials_id}"))
    deleted = credentials(docs_example("DELETE", CREDENTIALS + "/{distribution_credentials_id}"))
    row = _row(listed)
    assert row["distribution_credentials_id"] == "8b36cfd0-472f-4a21-833f-2d6343c3a2f3"
    assert (row["provider"], row["member_email"]) == ("quay", "email@example.com")
    assert row["scopes"] == ["self-hosted:product:api", "self-hosted:product:engine"]
    assert row["created"] == pd.Timestamp("2023-06-28 15:36:59", tz="UTC")
    assert single.loc[0, "member_id"] == "c7b9b131-73f3-11d9-8665-0b00d2e44b83"
    pd.testing.assert_frame_equal(single, deleted)
    mixed = [
        docs_example("GET", CREDENTIALS),
        docs_example("POST", CREDENTIALS),  # a single credential beside a list response
    ]
    assert credentials(mixed)["distribution_credentials_id"].tolist() == [
        "8b36cfd0-472f-4a21-833f-2d6343c3a2f3",
        "82c32c10-53b2-4d23-993f-864b3d44502a",
    ]
    assert listed.dtypes.to_dict() == CREDENTIALS_SCHEMA.dtypes()


@pytest.mark.parametrize(
    ("function", "body"),
    [
        (projects, {"projects": []}),
        (keys, {"api_keys": []}),
        (members, {"members": None}),
        (invitations, {"invites": []}),
        (credentials, {"distribution_credentials": []}),
    ],
)
def test_empty_account_frames_keep_declared_columns(function: Any, body: Any) -> None:
    frame = function(body)
    assert len(frame) == 0 and frame.columns.size > 0
    assert all(str(dtype) in {"string", "object", "boolean", "datetime64[ns, UTC]"}
               for dtype in frame.dtypes)  # fmt: skip


def test_account_frames_reject_input_of_the_wrong_kind() -> None:
    with pytest.raises(TypeError, match="projects"):
        projects("my-project")
    with pytest.raises(ValueError, match="keys"):
        keys({"balances": []})
