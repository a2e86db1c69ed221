"""Calls the client must refuse before sending anything, and how it refuses them.

Blank and dot-segment ids are checked for every operation from the operations table in
``test_operations.py``; these are the other arguments an operation checks itself (empty text,
missing fields, contradictory options…), each with everything it is given, ids included.
"""

from __future__ import annotations

import datetime as dt

import pytest

_DATE = dt.datetime(2030, 1, 1, tzinfo=dt.timezone.utc)

#: ``(call, args, kwargs, error class, message pattern)``.
REJECTED = [
    *(
        pytest.param(
            "agents.create", ("p", config), {}, ValueError, "config", id=f"agent-config{n}"
        )
        for n, config in enumerate(["", "   "])
    ),
    *(
        pytest.param(
            "agents.create_variable", ("p", key, "x"), {}, ValueError, "key", id=f"variable-key{n}"
        )
        for n, key in enumerate(["", "  "])
    ),
    pytest.param(
        "keys.create",
        ("p",),
        {
            "comment": "k",
            "scopes": ["member"],
            "expiration_date": _DATE,
            "time_to_live_in_seconds": 60,
        },
        ValueError,
        "not both",
        id="key-expiration-and-ttl",
    ),
    pytest.param(
        "keys.create", ("p", "", ["member"]), {}, ValueError, "comment", id="key-no-comment"
    ),
    pytest.param(
        "keys.create", ("p", "  ", ["member"]), {}, ValueError, "comment", id="key-blank-comment"
    ),
    pytest.param("keys.create", ("p", "k", []), {}, ValueError, "scopes", id="key-no-scopes"),
    *(
        pytest.param("scopes.update_scope", ("p", "m", s), {}, ValueError, "scope", id=f"scope{n}")
        for n, s in enumerate(["", "  "])
    ),
    pytest.param(
        "invitations.send_invitation",
        ("p", {"email": "x@example.com"}),
        {},
        ValueError,
        "needs scope",
        id="invite-no-scope",
    ),
    pytest.param(
        "invitations.send_invitation",
        ("p", None),
        {"scope": "member"},
        ValueError,
        "needs email",
        id="invite-no-email",
    ),
    pytest.param(
        "invitations.send_invitation",
        ("p", {}),
        {},
        ValueError,
        "needs email and scope",
        id="invite-nothing",
    ),
    pytest.param(
        "invitations.send_invitation",
        ("p", {"email": "", "scope": "member"}),
        {},
        ValueError,
        "needs email",
        id="invite-empty-email",
    ),
    pytest.param(
        "projects.update", ("p",), {}, ValueError, "nothing to update", id="project-id-only"
    ),
    pytest.param(
        "projects.update",
        ("p",),
        {"name": None},
        ValueError,
        "nothing to update",
        id="project-name-none",
    ),
    pytest.param(
        "projects.update",
        ({"project_id": "p"},),
        {},
        ValueError,
        "nothing to update",
        id="project-dict-id-only",
    ),
    pytest.param(
        "projects.update",
        ({"project_id": "p", "name": None},),
        {},
        ValueError,
        "nothing to update",
        id="project-dict-name-none",
    ),
    pytest.param(
        "projects.update",
        ({"name": "New Name"},),
        {},
        ValueError,
        "project_id",
        id="project-dict-without-id",
    ),
    *(
        pytest.param(
            "projects.update",
            ({"project_id": blank, "name": "x"},),
            {},
            ValueError,
            "project_id",
            id=f"project-dict-blank-id{n}",
        )
        for n, blank in enumerate(["", "   ", None])
    ),
    *(
        pytest.param(
            "usage.iter_requests", (blank,), {}, ValueError, "project_id", id=f"iter-blank-id{n}"
        )
        for n, blank in enumerate(["", "   ", None])
    ),
    pytest.param(
        "usage.iter_requests",
        ("p",),
        {"page_size": 0},
        ValueError,
        "page_size",
        id="iter-page-size-0",
    ),
    *(
        pytest.param("read.analyze", (source,), {}, TypeError, "analyze", id=f"read-{name}")
        for name, source in [
            ("bytes", b"hello"),
            ("list", ["hello"]),
            ("dict-without-text-or-url", {"body": "hello"}),
            ("int", 42),
            ("none", None),
        ]
    ),
    *(
        pytest.param("read.analyze", (source,), {}, ValueError, "empty", id=f"read-empty{n}")
        for n, source in enumerate(["", "  \n", {"text": ""}, {"url": " "}, {"text": None}])
    ),
    pytest.param("speak.flux", ("hello",), {}, ValueError, "model", id="flux-no-model"),
    pytest.param(
        "speak.flux", ("hello",), {"model": ""}, ValueError, "model", id="flux-empty-model"
    ),
    pytest.param(
        "speak.flux", ("hello", {"model": None}), {}, ValueError, "model", id="flux-none-model"
    ),
    *(
        pytest.param(
            f"speak.{name}",
            (text,),
            {"model": "flux-alexis-en"},
            ValueError,
            "text",
            id=f"{name}-text{n}",
        )
        for name in ("synthesize", "flux")
        for n, text in enumerate(["", "   \n", None])
    ),
    *(
        pytest.param("auth.grant", (ttl,), {}, ValueError, "ttl_seconds", id=f"grant-ttl{ttl}")
        for ttl in (0, -1, -0.5)
    ),
]
