"""Hand-built usage requests in the shapes Deepgram has used, for the tests.

* ``old_request``: the shape of the older docs / SDKs (``accessor``, ``response.details{...}``,
  ``response.code``/``completed``, ``callback{code, completed, attempts}``);
* ``new_request``: the current OpenAPI shape (``project_uuid``, ``api_key_id``, top-level
  float ``code``, ``deployment``, ``callback`` as the URL) with the details Deepgram still
  reports inside ``response``;
* ``failed_request``: a failure in the older shape (``response.message`` instead of details).
"""

from __future__ import annotations

from typing import Any


def old_request(
    request_id: str = "r-old",
    created: str = "2023-11-02T14:05:09.123Z",
    *,
    usd: Any = 0.0125,
    method: str = "sync",
    model: str = "nova-2",
    tags: list[str] | None = None,
    accessor: str = "key-a",
    config: dict[str, Any] | None = None,
) -> dict[str, Any]:
    details: dict[str, Any] = {
        "duration": 0.0125,
        "total_audio": 45.0,
        "channels": 1,
        "streams": 1,
        "models": ["4d892fb6-7ac1-4e1a-a3b1-94bcb5a0c7e1"],
        "method": method,
        "tier": "nova",
        "tags": ["prod"] if tags is None else tags,
        "features": ["punctuate", "diarize"],
        "config": {"model": model, "language": "en", "punctuate": True, "diarize": False}
        if config is None
        else config,
    }
    if usd is not ...:
        details["usd"] = usd
    return {
        "request_id": request_id,
        "created": created,
        "path": f"/v1/listen?model={model}&punctuate=true",
        "accessor": accessor,
        "response": {"details": details, "code": 200, "completed": "2023-11-02T14:05:11.456Z"},
        "callback": {"attempts": 1, "code": 200, "completed": "2023-11-02T14:05:12.000Z"},
    }


def failed_request(
    request_id: str = "r-failed", created: str = "2023-11-02T15:00:00.000Z"
) -> dict[str, Any]:
    return {
        "request_id": request_id,
        "created": created,
        "path": "/v1/listen",
        "accessor": "key-a",
        "response": {
            "message": "Bad Request: failed to process audio: corrupt or unsupported data"
        },
    }


def new_request(
    request_id: str = "r-new",
    created: str = "2025-03-04T08:00:00Z",
    *,
    code: Any = 200.0,
    usd: Any = 0.5,
    api_key_id: str = "key-b",
    path: str = "/v1/speak",
    deployment: str = "hosted",
) -> dict[str, Any]:
    response: dict[str, Any] = {
        "details": {
            "duration": 0.001,
            "total_audio": 3.6,
            "models": ["aura-2-thalia-en"],
            "method": "sync",
            "tags": [],
            "features": [],
        },
        "tts_details": {
            "duration": 3.6,
            "speech_segments": [{"characters": 120, "model": "aura-2", "tier": "aura"}],
        },
        "token_details": [
            {"feature": "summarization", "input": 300, "output": 40, "model": "m"},
            {"feature": "topics", "input": 200, "output": 10, "model": "m"},
        ],
    }
    if usd is not ...:
        response["details"]["usd"] = usd
    return {
        "request_id": request_id,
        "project_uuid": "proj-new",
        "created": created,
        "path": path,
        "api_key_id": api_key_id,
        "response": response,
        "code": code,
        "deployment": deployment,
        "callback": "https://example.com/hook",
    }


def page(requests: list[Any], number: int = 0) -> dict[str, Any]:
    """A ``/requests`` page around ``requests``."""
    return {"page": number, "limit": max(len(requests), 1), "requests": requests}
