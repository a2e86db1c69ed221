"""Projects: ``update`` takes the seed's project dict; ids stay one path segment.

The request of every projects operation, blank ids and updates with nothing to update are
checked with all the other operations in ``test_operations.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from dgdata import Deepgram
from tests.client.conftest import API, SentRequest

PROJECT = "/v1/projects/{project_id}"


@pytest.mark.parametrize(
    ("project", "keywords", "body"),
    [
        pytest.param(
            {"project_id": "proj-1", "name": "New Name"}, {}, {"name": "New Name"}, id="seed-dict"
        ),
        pytest.param(
            {"project_id": "proj-1", "name": "Old", "company": None},
            {"name": "New"},
            {"name": "New"},
            id="name-keyword-overrides-the-dict",
        ),
    ],
)
def test_projects_update_takes_the_seed_project_dict(
    dg: Deepgram,
    answer: Callable[..., Any],
    sent: Callable[[], list[SentRequest]],
    project: dict[str, Any],
    keywords: dict[str, str],
    body: dict[str, str],
) -> None:
    example = answer("PATCH", PROJECT, "/v1/projects/proj-1")
    result = dg.projects.update(project, **keywords)
    (request,) = sent()
    assert (request.method, request.url) == ("PATCH", API + "/v1/projects/proj-1")
    assert request.json == body
    assert result == example


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
