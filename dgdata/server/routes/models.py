"""Routes: the model catalogue (``/v1/models``) and a project's models.

See :mod:`dgdata.server.backend.catalog` for what the entries mean: one real local engine and the
Deepgram model names it answers to, each flagged with what serves it. Any valid key may read the
public catalogue; a project's models need the member role in it.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from dgdata.server.backend import catalog
from dgdata.server.errors import not_found
from dgdata.server.state import caller, json_response, project_caller, query_bool

__all__ = ["ROUTES"]


async def list_models(request: Request) -> Response:
    caller(request).require_manage()
    return json_response(catalog.list_models(bool(query_bool(request, "include_outdated"))))


async def get_model(request: Request) -> Response:
    caller(request).require_manage()
    return _one(str(request.path_params["model_id"]))


async def list_project_models(request: Request) -> Response:
    project_caller(request)
    return json_response(catalog.list_models(bool(query_bool(request, "include_outdated"))))


async def get_project_model(request: Request) -> Response:
    project_caller(request)
    return _one(str(request.path_params["model_id"]))


def _one(model_id: str) -> Response:
    model = catalog.by_uuid(model_id)
    if model is None:
        raise not_found("Model")
    body = model.as_json()
    # The spec's answer is oneOf(STT shape, TTS shape), and the two shapes only differ in which
    # optional fields they define, so every object would match both. Naming the other kind's
    # distinguishing field as null ("not applicable") makes the answer match exactly one.
    if model.kind == "stt":
        body["metadata"] = None
    else:
        body.update(batch=None, streaming=None, formatted_output=None)
    return json_response(body)


ROUTES: list[BaseRoute] = [
    Route("/v1/models", list_models, methods=["GET"]),
    Route("/v1/models/{model_id}", get_model, methods=["GET"]),
    Route("/v1/projects/{project_id}/models", list_project_models, methods=["GET"]),
    Route("/v1/projects/{project_id}/models/{model_id}", get_project_model, methods=["GET"]),
]
