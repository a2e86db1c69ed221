"""Schema-driven fuzzing of the local server with schemathesis, from the vendored spec.

Every operation of ``tests/data/api/openapi.yml`` (Deepgram's OpenAPI description, CC BY 4.0, see
``tests/data/README.md``) gets generated requests: valid ones and, for the query and body,
invalid ones. Each response must not be a 5xx and, where the spec describes the response (status
and media type), must match its schema, content type and headers.

Corrections to the spec made before fuzzing. Two ``oneOf`` that no value can satisfy:

* ``ErrorResponse`` is a ``oneOf`` of a string and two objects whose properties are all optional,
  so *every* JSON object matches both object branches and no error body can pass (the real API's
  own ``{"err_code": "INVALID_AUTH", ...}`` included);
* ``AgentThinkModelsV1ResponseModelsItems``: its fifth branch (Bedrock) accepts any ``id``, so an
  OpenAI, Anthropic, Google or Groq model matches two branches (the docs' own ``gpt-5`` example
  fails).

Both are read as the ``anyOf`` they were meant to be. And two responses described wrongly:

* ``POST /v1/listen``'s 400 is given the *transcript* schema; it is read as ``ErrorResponse``
  like every other operation's 400;
* ``POST /v1/speak`` (and ``/v2/speak`` without a callback) answer with audio bytes, as the real
  API does (see the speak fixtures in ``tests/data/real``), not JSON: ``audio/*`` and
  ``application/octet-stream`` are added to their 200 media types.

Generated ``{"url": ...}`` bodies make the server fetch made-up hosts; the fetch timeout is cut
to keep DNS failures fast.

``status_code_conformance`` is not checked: the spec documents only 200 and 400 for almost every
operation, while the real API (and so this server) also answers 401, 403 and 404.

Generated requests carry the server's owner key, and the demo account's real ids are
substituted into GET paths so that the 200 responses (the shapes that matter) are exercised too.
Destructive operations keep their generated ids (so they hit 404), except for the project
itself, which the fuzzer must not delete from under the other cases.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
import yaml
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
)

from dgdata.server.runner import LocalServer
from tests.server.fuzz_common import KEEP_GENERATED, SPEC, demo_server, real_ids


def load_spec() -> dict[str, Any]:
    """The vendored spec, with two unsatisfiable ``oneOf`` read as ``anyOf`` (see above)."""
    spec: dict[str, Any] = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    schemas = spec["components"]["schemas"]
    for name in ("ErrorResponse", "AgentThinkModelsV1ResponseModelsItems"):
        schemas[name]["anyOf"] = schemas[name].pop("oneOf")
    listen_400 = spec["paths"]["/v1/listen"]["post"]["responses"]["400"]["content"]
    listen_400["application/json"]["schema"] = {"$ref": "#/components/schemas/ErrorResponse"}
    audio = {"schema": {"type": "string", "format": "binary"}}
    for path in ("/v1/speak", "/v2/speak"):
        content = spec["paths"][path]["post"]["responses"]["200"]["content"]
        content["audio/*"] = audio
        content["application/octet-stream"] = audio
    return spec


schema = schemathesis.openapi.from_dict(load_spec())

CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    content_type_conformance,
    response_headers_conformance,
]


@pytest.fixture(scope="module")
def fuzz_server() -> Iterator[LocalServer]:
    with demo_server() as server:
        yield server


#: Synthesis: with neither flite nor espeak-ng installed these answer 501 (not in the spec).
SPEAK = "^/v[12]/speak$"
FUZZ = settings(
    max_examples=12, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
)


def honours_the_spec(case: Any, server: LocalServer) -> None:
    """Send the generated request with the owner key and real ids; check the answer."""
    method, path = case.operation.method.upper(), case.operation.path
    if case.path_parameters:
        ids = real_ids(server)
        for name in list(case.path_parameters):
            if (name == "project_id" and (method, path) not in KEEP_GENERATED) or (
                method == "GET" and name in ids
            ):
                case.path_parameters[name] = ids[name]
    case.headers = {**(case.headers or {}), "Authorization": f"Token {server.api_key}"}
    case.call_and_validate(base_url=server.url, checks=CHECKS, timeout=60)


@schema.exclude(path_regex=SPEAK).parametrize()
@FUZZ
def test_the_server_honours_the_spec(case: Any, fuzz_server: LocalServer) -> None:
    honours_the_spec(case, fuzz_server)


@pytest.mark.needs_tts
@schema.include(path_regex=SPEAK).parametrize()
@FUZZ
def test_the_server_honours_the_spec_when_it_speaks(case: Any, fuzz_server: LocalServer) -> None:
    honours_the_spec(case, fuzz_server)
