"""Projects: the exact request of list, get, update, delete and leave."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import responses

from dgdata import Deepgram
from tests.client.conftest import API, SentRequest

Call = Callable[[Deepgram], Any]
PROJECT = "/v1/projects/{project_id}"


@pytest.mark.parametrize(
    ("call", "method", "template", "path", "query", "body"),
    [
        pytest.param(
            lambda dg: dg.projects.list(),
            "GET",
            "/v1/projects",
            "/v1/projects",
            "",
            None,
            id="list",
        ),
        pytest.param(
            lambda dg: dg.projects.get("proj-1"),
            "GET",
            PROJECT,
            "/v1/projects/proj-1",
            "",
            None,
            id="get",
        ),
        pytest.param(
            lambda dg: dg.projects.get("proj-1", limit=10, page=2),
            "GET",
            PROJECT,
            "/v1/projects/proj-1",
            "limit=10&page=2",
            None,
            id="get-limit-page",
        ),
        pytest.param(
            lambda dg: dg.projects.update("proj-1", name="New Name"),
            "PATCH",
            PROJECT,
            "/v1/projects/proj-1",
            "",
            {"name": "New Name"},
            id="update-id-and-name",
        ),
        pytest.param(
            lambda dg: dg.projects.update({"project_id": "proj-1", "name": "New Name"}),
            "PATCH",
            PROJECT,
            "/v1/projects/proj-1",
            "",
            {"name": "New Name"},
            id="update-seed-dict",
        ),
        pytest.param(
            lambda dg: dg.projects.update("proj-1", name="New Name", company="ACME"),
            "PATCH",
            PROJECT,
            "/v1/projects/proj-1",
            "",
            {"name": "New Name", "company": "ACME"},
            id="update-extra-field",
        ),
        pytest.param(
            lambda dg: dg.projects.delete("proj-1"),
            "DELETE",
            PROJECT,
            "/v1/projects/proj-1",
            "",
            None,
            id="delete",
        ),
        pytest.param(
            lambda dg: dg.projects.leave("proj-1"),
            "DELETE",
            PROJECT + "/leave",
            "/v1/projects/proj-1/leave",
            "",
            None,
            id="leave",
        ),
    ],
)
def test_projects_operation_sends_the_documented_request_and_returns_the_answer(
    dg: Deepgram,
    answer: Callable[..., Any],
    sent: Callable[[], list[SentRequest]],
    call: Call,
    method: str,
    template: str,
    path: str,
    query: str,
    body: dict[str, Any] | None,
) -> None:
    example = answer(method, template, path)

    result = call(dg)

    (request,) = sent()
    assert (request.method, request.path, request.query) == (method, path, query)
    if body is None:
        assert request.body is None
        request.assert_client_headers(content_type=None)
    else:
        assert request.json == body
        request.assert_client_headers(content_type="application/json")
    assert result == example


def test_projects_update_name_keyword_overrides_the_seed_dict(
    dg: Deepgram, answer: Callable[..., Any], sent: Callable[[], list[SentRequest]]
) -> None:
    answer("PATCH", PROJECT, "/v1/projects/proj-1")
    dg.projects.update({"project_id": "proj-1", "name": "Old", "company": None}, name="New")
    (request,) = sent()
    assert request.json == {"name": "New"}


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda dg: dg.projects.update("proj-1"), id="id-only"),
        pytest.param(lambda dg: dg.projects.update("proj-1", name=None), id="name-none"),
        pytest.param(lambda dg: dg.projects.update({"project_id": "proj-1"}), id="dict-id-only"),
        pytest.param(
            lambda dg: dg.projects.update({"project_id": "proj-1", "name": None}), id="dict-none"
        ),
    ],
)
def test_projects_update_with_nothing_to_update_raises_before_sending(
    dg: Deepgram, mocked: responses.RequestsMock, call: Call
) -> None:
    with pytest.raises(ValueError, match="nothing to update"):
        call(dg)
    assert len(mocked.calls) == 0


def test_projects_update_seed_dict_without_project_id_raises_before_sending(
    dg: Deepgram, mocked: responses.RequestsMock
) -> None:
    with pytest.raises(ValueError, match="project_id"):
        dg.projects.update({"name": "New Name"})
    assert len(mocked.calls) == 0


@pytest.mark.parametrize(
    ("project_id", "path"),
    [
        ("a/b c", "/v1/projects/a%2Fb%20c"),
        ("id?x=1#frag", "/v1/projects/id%3Fx%3D1%23frag"),
        ("projé", "/v1/projects/proj%C3%A9"),
    ],
)
def test_projects_get_percent_encodes_the_id_so_it_stays_one_segment(
    dg: Deepgram,
    answer: Callable[..., Any],
    sent: Callable[[], list[SentRequest]],
    project_id: str,
    path: str,
) -> None:
    answer("GET", PROJECT, path)
    dg.projects.get(project_id)
    (request,) = sent()
    assert request.url == API + path


@pytest.mark.parametrize("blank", ["", "   ", None])
@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda dg, pid: dg.projects.get(pid), id="get"),
        pytest.param(lambda dg, pid: dg.projects.update(pid, name="x"), id="update"),
        pytest.param(lambda dg, x: dg.projects.update({"project_id": x, "name": "x"}), id="dict"),
        pytest.param(lambda dg, pid: dg.projects.delete(pid), id="delete"),
        pytest.param(lambda dg, pid: dg.projects.leave(pid), id="leave"),
    ],
)
def test_projects_blank_id_raises_value_error_and_sends_nothing(
    dg: Deepgram, mocked: responses.RequestsMock, call: Callable[..., Any], blank: str | None
) -> None:
    with pytest.raises(ValueError, match="project_id"):
        call(dg, blank)
    assert len(mocked.calls) == 0
