"""Helpers shared by the fuzz tests of the local server (no tests of its own).

* :data:`SPEC`: the vendored OpenAPI description (``tests/data/api/openapi.yml``);
* :func:`demo_server`: the demo server a fuzz module runs against;
* :func:`real_ids`: ids of things that exist on the fuzzed server, by path parameter name;
* :data:`KEEP_GENERATED`: operations whose path must keep generated ids (the project survives);
* :func:`spec_names`: the query parameters and body fields the spec gives an operation.
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from dgdata.server.listen import sources as listen_sources
from dgdata.server.runner import LocalServer

SPEC = Path(__file__).resolve().parents[1] / "data" / "api" / "openapi.yml"

#: Operations that would destroy the fuzzed project (or the caller's membership of it).
KEEP_GENERATED = {
    ("DELETE", "/v1/projects/{project_id}"),
    ("DELETE", "/v1/projects/{project_id}/leave"),
}


@contextlib.contextmanager
def demo_server() -> Iterator[LocalServer]:
    """A demo server (one recogniser) on which made-up media URLs fail fast."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(listen_sources, "FETCH_TIMEOUT", (0.5, 2.0))
        with LocalServer(demo=True, decoders=1) as server:
            yield server


def real_ids(server: LocalServer) -> dict[str, str]:
    """Ids of existing things, by path parameter name."""
    store = server.store
    project_id = server.project_id

    def first(sql: str) -> str:
        row = store.one(sql, (project_id,))
        return str(row[0]) if row is not None else "none"

    return {
        "project_id": project_id,
        "key_id": first("SELECT api_key_id FROM api_keys WHERE project_id = ?"),
        "member_id": server.state.boot.member_id,
        "request_id": first("SELECT request_id FROM requests WHERE project_id = ?"),
        "balance_id": first("SELECT balance_id FROM balances WHERE project_id = ?"),
        "distribution_credentials_id": first(
            "SELECT distribution_credentials_id FROM credentials WHERE project_id = ?"
        ),
        "agent_id": first("SELECT agent_id FROM agents WHERE project_id = ?"),
        "variable_id": first("SELECT variable_id FROM agent_variables WHERE project_id = ?"),
    }


@functools.cache
def _spec() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    return loaded


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = _spec()
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def _template(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path)


def spec_names(method: str, path: str) -> tuple[list[str], list[str]]:
    """``(query parameter names, JSON body field names)`` of an operation in the spec (empty
    lists for an operation the spec does not describe)."""
    for spec_path, operations in _spec()["paths"].items():
        if _template(spec_path) != _template(path) or method.lower() not in operations:
            continue
        operation = operations[method.lower()]
        parameters = [_resolve(p) for p in operation.get("parameters", [])]
        query = [p["name"] for p in parameters if p["in"] == "query"]
        content = operation.get("requestBody", {}).get("content", {})
        schema = content.get("application/json", {}).get("schema", {})
        return query, sorted(_properties(schema))
    return [], []


def _properties(schema: dict[str, Any]) -> set[str]:
    """Property names of a schema and of the schemas it combines."""
    schema = _resolve(schema)
    names = set(schema.get("properties", {}))
    for combined in ("allOf", "anyOf", "oneOf"):
        for part in schema.get(combined, []):
            names |= _properties(part)
    return names
