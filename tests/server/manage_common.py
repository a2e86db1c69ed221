"""Helpers shared by the manage-API tests of the local server (no tests of its own).

* :func:`raw`: one HTTP call with an explicit key, to look at statuses and exact bodies;
* :func:`add_person`: an account with a role in a project and a key of its own;
* :func:`record`: a usage request recorded the way listen / speak / read record theirs;
* :func:`spec_validator`: the JSON schema of an operation's 200 answer, from the vendored spec.
"""

from __future__ import annotations

import functools
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import requests

from dgdata.server.backend.store import new_id
from dgdata.server.backend.usage_log import UsageRecord
from dgdata.server.runner import LocalServer

SPEC = Path(__file__).resolve().parents[1] / "data" / "api" / "openapi.yml"


def raw(
    server: LocalServer,
    method: str,
    path: str,
    key: str | None = None,
    *,
    bearer: str | None = None,
    **kwargs: Any,
) -> requests.Response:
    """One request to the server: ``Token key`` (the owner's by default) or ``Bearer token``."""
    auth = f"Bearer {bearer}" if bearer else f"Token {key or server.api_key}"
    headers = {"Authorization": auth, **kwargs.pop("headers", {})}
    return requests.request(method, server.url + path, headers=headers, timeout=10, **kwargs)


def assert_error(
    response: requests.Response, status: int, code: str | None = None
) -> dict[str, Any]:
    """The response is a Deepgram error body with this status (and err_code)."""
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {"err_code", "err_msg", "request_id"}, body
    assert body["request_id"] == response.headers["dg-request-id"]
    assert body["err_msg"]
    if code is not None:
        assert body["err_code"] == code, body
    return body


def add_person(
    server: LocalServer,
    role: str,
    *,
    email: str | None = None,
    project_id: str | None = None,
    key_scopes: list[str] | None = None,
    first_name: str | None = "Test",
    last_name: str | None = "Person",
) -> tuple[str, str]:
    """A new account with ``role`` in the project; returns ``(member_id, key secret)``."""
    backend = server.state.backend
    project_id = project_id or server.project_id
    member_id = backend.ensure_account(
        email or f"{new_id()[:8]}@example.com", first_name, last_name
    )
    backend.add_member(project_id, member_id, role)
    _, secret = backend.create_key(project_id, member_id, f"{role} key", key_scopes or [role])
    return member_id, secret


def record(
    server: LocalServer, *, project_id: str | None = None, created: datetime | str, **fields: Any
) -> UsageRecord:
    """Record one request (defaults: a 60 s sync nova-3 listen on the owner's key)."""
    if isinstance(created, str):
        created = datetime.fromisoformat(created.replace("Z", "+00:00"))
    if created.tzinfo is None:
        created = created.replace(tzinfo=timezone.utc)
    values: dict[str, Any] = {
        "request_id": new_id(),
        "project_id": project_id or server.project_id,
        "api_key_id": server.state.boot.api_key_id,
        "path": "/v1/listen?model=nova-3",
        "endpoint": "listen",
        "method": "sync",
        "duration": 60.0,
        "total_audio": 60.0,
        "channels": 1,
        "streams": 1,
        "usd": 0.0043,
        "models": ["nova-3"],
        "config": {"model": "nova-3", "language": "en"},
        "created": created,
        "completed": created,
    }
    values.update(fields)
    usage = UsageRecord(**values)
    server.state.backend.record_request(usage)
    return usage


@functools.lru_cache(maxsize=1)
def _spec() -> dict[str, Any]:
    import yaml

    with SPEC.open(encoding="utf-8") as handle:
        spec: dict[str, Any] = yaml.safe_load(handle)
    return spec


def spec_validator(method: str, path: str) -> Any:
    """A jsonschema validator (formats checked) of the 200 answer of ``METHOD /path/{tpl}``."""
    import jsonschema

    spec = _spec()
    operation = spec["paths"][path][method.lower()]
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    document = {**schema, "components": spec["components"]}
    cls = jsonschema.validators.validator_for(document, default=jsonschema.Draft202012Validator)
    return cls(document, format_checker=cls.FORMAT_CHECKER)
