"""How the tests call each REST operation, and what must go on the wire.

:func:`dgdata.client.operations` (built from the ``@operation`` declarations) says which
operations exist; ``test_operations.py`` runs its checks on every one of them. This module adds
what the table cannot know: the ids to fill the path with (and how they must be encoded), the
arguments an operation needs besides its ids, with the query and JSON body they must become
(``CASES``). Calls that must be refused before anything is sent are in ``refused_calls.py``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

UTC = dt.timezone.utc
AUDIO_URL = "https://example.com/a.wav"
SEED_INVITE = {"email": "x@example.com", "scope": "member"}

#: Every path parameter: the id a test passes, and the path segment it must become (``/``,
#: ``?``, ``#``, spaces and non-ASCII escaped so an id stays one segment; ``@`` kept raw).
IDS: dict[str, tuple[str, str]] = {
    "project_id": ("proj 1/é", "proj%201%2F%C3%A9"),
    "key_id": ("k 1?", "k%201%3F"),
    "member_id": ("m#1", "m%231"),
    "email": ("a+b/c@example.com", "a%2Bb%2Fc@example.com"),
    "request_id": ("r?1", "r%3F1"),
    "balance_id": ("b/1", "b%2F1"),
    "model_id": ("aura 2", "aura%202"),
    "agent_id": ("agent/1", "agent%2F1"),
    "variable_id": ("DG X", "DG%20X"),
    "distribution_credentials_id": ("c 1", "c%201"),
}


@dataclass(frozen=True)
class Case:
    """One way to call an operation: the arguments after its path ids, and the request.

    ``body`` is the JSON body the request must carry; ``None`` means no body at all.
    """

    name: str
    args: tuple[Any, ...] = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    query: str = ""
    body: Any = None


#: The case of an operation that needs nothing but its ids and sends no query and no body.
PLAIN = (Case("plain"),)

_USAGE_STRINGS = {
    "start": "2024-01-01",
    "end": "2024-01-31",
    "accessor": "key-1",
    "request_id": "req-1",
    "deployment": "hosted",
    "endpoint": "listen",
    "method": "sync",
}
_SELF_HOSTED_ALL = {
    "comment": "My Self-Hosted Distribution Credentials",
    "scopes": ["self-hosted:products"],
    "provider": "quay",
}

#: The cases of every operation that takes more than its ids, by its first call name; the others
#: run :data:`PLAIN`. Every call name of an operation (``sync_prerecorded``…) runs its cases.
CASES: dict[str, tuple[Case, ...]] = {
    "transcription.prerecorded": (
        Case(
            "url-source",
            ({"url": AUDIO_URL},),
            {
                "model": "nova-3",
                "smart_format": True,
                "keywords": ["first:5", "second"],
                "diarize": True,
                "tag": ["a", "b"],
            },
            "model=nova-3&smart_format=true&keywords=first%3A5&keywords=second&diarize=true"
            "&tag=a&tag=b",
            {"url": AUDIO_URL},
        ),
        Case(
            "options",
            ({"url": AUDIO_URL},),
            {
                "model": "nova-3",
                "punctuate": False,
                "utt_split": 0.8,
                "search": "x y",
                "redact": ["pci", "ssn"],
                "language": None,
            },
            "model=nova-3&punctuate=false&utt_split=0.8&search=x+y&redact=pci&redact=ssn",
            {"url": AUDIO_URL},
        ),
    ),
    "projects.get": (
        Case("plain"),
        Case("limit-page", kwargs={"limit": 10, "page": 2}, query="limit=10&page=2"),
    ),
    "projects.update": (
        Case("name", kwargs={"name": "New Name"}, body={"name": "New Name"}),
        Case(
            "extra-field",
            kwargs={"name": "New Name", "company": "ACME"},
            body={"name": "New Name", "company": "ACME"},
        ),
    ),
    "keys.list": (
        Case("plain"),
        Case("active", kwargs={"status": "active"}, query="status=active"),
    ),
    "keys.create": (
        Case(
            "all-fields",
            ("my key", ["member"]),
            {"tags": ["t1", "t2"], "time_to_live_in_seconds": 3600},
            body={
                "comment": "my key",
                "scopes": ["member"],
                "tags": ["t1", "t2"],
                "time_to_live_in_seconds": 3600,
            },
        ),
        Case(
            "unset-fields-omitted",
            ("my key", ["member"]),
            body={"comment": "my key", "scopes": ["member"]},
        ),
    ),
    "scopes.update_scope": (Case("admin", ("admin",), body={"scope": "admin"}),),
    "invitations.send_invitation": (
        Case("seed-dict", (dict(SEED_INVITE),), body=SEED_INVITE),
        Case("keywords", kwargs=SEED_INVITE, body=SEED_INVITE),
    ),
    "usage.list_requests": (
        Case(
            "datetimes",
            kwargs={
                "start": dt.datetime(2024, 1, 1, tzinfo=UTC),
                "end": dt.datetime(2024, 2, 1, 12, 30, tzinfo=UTC),
                "limit": 10,
                "page": 1,
                "status": "succeeded",
            },
            query="start=2024-01-01T00%3A00%3A00Z&end=2024-02-01T12%3A30%3A00Z&limit=10&page=1"
            "&status=succeeded",
        ),
        Case("unfiltered"),
        Case(
            "strings",
            kwargs=_USAGE_STRINGS,
            query="&".join(f"{key}={value}" for key, value in _USAGE_STRINGS.items()),
        ),
    ),
    "usage.get_usage": (
        Case(
            "filters",
            kwargs={
                "start": dt.date(2024, 1, 1),
                "end": dt.date(2024, 1, 31),
                "accessor": "key-1",
                "diarize": True,
                "punctuate": False,
                "method": "sync",
                "model": "nova-3",
                "tag": ["a", "b"],
            },
            query="start=2024-01-01&end=2024-01-31&accessor=key-1&diarize=true&punctuate=false"
            "&method=sync&model=nova-3&tag=a&tag=b",
        ),
    ),
    "usage.get_fields": (
        Case(
            "dates",
            kwargs={"start": "2024-01-01", "end": dt.date(2024, 1, 31)},
            query="start=2024-01-01&end=2024-01-31",
        ),
    ),
    "usage.get_breakdown": (
        Case(
            "grouping",
            kwargs={
                "start": dt.datetime(2024, 1, 1, 6, tzinfo=UTC),
                "end": "2024-01-31",
                "grouping": "models",
                "tag": ["a", "b"],
                "accessor": None,
            },
            query="start=2024-01-01T06%3A00%3A00Z&end=2024-01-31&grouping=models&tag=a&tag=b",
        ),
    ),
    "billing.get_breakdown": (
        Case(
            "filters",
            kwargs={
                "start": dt.date(2025, 1, 16),
                "end": "2025-01-23",
                "accessor": "key-1",
                "deployment": "hosted",
                "tag": "tag1",
                "line_item": "streaming::nova-3",
                "grouping": ["deployment", "line_item"],
            },
            query="start=2025-01-16&end=2025-01-23&accessor=key-1&deployment=hosted&tag=tag1"
            "&line_item=streaming%3A%3Anova-3&grouping=deployment&grouping=line_item",
        ),
    ),
    "billing.get_fields": (
        Case(
            "dates",
            kwargs={"start": "2025-01-01", "end": dt.date(2025, 1, 31), "tag": None},
            query="start=2025-01-01&end=2025-01-31",
        ),
    ),
    "billing.list_purchases": (
        Case("limit", kwargs={"limit": 10}, query="limit=10"),
        Case("unfiltered"),
    ),
    "models.list": (
        Case("plain"),
        Case("include_outdated", kwargs={"include_outdated": True}, query="include_outdated=true"),
        Case("current-only", (False,), query="include_outdated=false"),
    ),
    "models.list_project_models": (
        Case("plain"),
        Case("current-only", kwargs={"include_outdated": False}, query="include_outdated=false"),
    ),
    "speak.synthesize": (
        Case(
            "callback",
            ("hello",),
            {"callback": "https://example.com/cb", "callback_method": "PUT"},
            "callback=https%3A%2F%2Fexample.com%2Fcb&callback_method=PUT",
            {"text": "hello"},
        ),
        Case(
            "options",
            ("hello",),
            {"model": "aura-2", "sample_rate": 24000, "tag": ["a", "b"], "speed": None},
            "model=aura-2&sample_rate=24000&tag=a&tag=b",
            {"text": "hello"},
        ),
    ),
    "speak.flux": (
        Case(
            "callback-in-dict",
            ("hello", {"model": "flux-alexis-en", "callback": "https://example.com/cb"}),
            {"priority": "low"},
            "model=flux-alexis-en&callback=https%3A%2F%2Fexample.com%2Fcb&priority=low",
            {"text": "hello"},
        ),
        Case(
            "options",
            ("hello",),
            {"model": "flux-alexis-en", "sample_rate": 24000, "tag": ["a", "b"], "speed": None},
            "model=flux-alexis-en&sample_rate=24000&tag=a&tag=b",
            {"text": "hello"},
        ),
    ),
    "read.analyze": (
        *(
            Case(
                name,
                (source,),
                {"summarize": True, "topics": True, "language": "en"},
                "summarize=true&topics=true&language=en",
                body,
            )
            for name, source, body in [
                ("str", "hello world", {"text": "hello world"}),
                ("text-dict", {"text": "hello world"}, {"text": "hello world"}),
                ("url-dict", {"url": AUDIO_URL}, {"url": AUDIO_URL}),
            ]
        ),
        Case(
            "options",
            ("hello",),
            {"sentiment": True, "custom_topic": ["a", "b"], "callback": None, "language": "en"},
            "sentiment=true&custom_topic=a&custom_topic=b&language=en",
            {"text": "hello"},
        ),
    ),
    "auth.grant": (
        Case("default-ttl", body={}),
        Case("none", (None,), body={}),
        Case("60s", (60,), body={"ttl_seconds": 60}),
        Case("half-second", (0.5,), body={"ttl_seconds": 0.5}),
        Case("keyword", kwargs={"ttl_seconds": 60}, body={"ttl_seconds": 60}),
    ),
    "selfhosted.create_credentials": (
        Case(
            "all",
            kwargs=_SELF_HOSTED_ALL,
            query="scopes=self-hosted%3Aproducts&provider=quay",
            body={"comment": "My Self-Hosted Distribution Credentials"},
        ),
        Case(
            "two-scopes-no-comment",
            kwargs={"scopes": ("self-hosted:product:api", "self-hosted:product:engine")},
            query="scopes=self-hosted%3Aproduct%3Aapi&scopes=self-hosted%3Aproduct%3Aengine",
            body={},
        ),
        Case(
            "one-scope-string",
            kwargs={"scopes": "self-hosted:products"},
            query="scopes=self-hosted%3Aproducts",
            body={},
        ),
        Case("server-defaults", body={}),
        Case("comment-only", kwargs={"comment": "ci"}, body={"comment": "ci"}),
    ),
    "agents.create": (Case("str-config", ('{"think": {}}',), body={"config": '{"think": {}}'}),),
    "agents.update": (
        Case("metadata", ({"team": "support"},), body={"metadata": {"team": "support"}}),
    ),
    "agents.create_variable": (
        Case(
            "str-value", ("DG_GREETING", "Hello!"), body={"key": "DG_GREETING", "value": "Hello!"}
        ),
        Case(
            "json-value",
            ("DG_LIMITS", {"max": 3, "on": True}),
            {"api_version": 1},
            body={"key": "DG_LIMITS", "value": {"max": 3, "on": True}, "api_version": 1},
        ),
    ),
    "agents.update_variable": (Case("value", ("Hi there!",), body={"value": "Hi there!"}),),
}
