"""Routes: the model catalogue (``/v1/models``) and a project's models.

See :mod:`dgdata.server.backend.catalog` for what the entries mean: the one local recogniser
this server runs and the Deepgram model names it answers to, each flagged with what serves it.
Any valid key may read the public catalogue; a project's models need the member role in it.
"""

from __future__ import annotations

from starlette.requests import Request

from dgdata.server.backend import catalog
from dgdata.server.errors import not_found
from dgdata.server.routes._context import (
    Answer,
    RouteTable,
    caller,
    project_caller,
    server_state,
)
from dgdata.server.routes._params import query_bool

__all__ = ["ROUTES"]

table = RouteTable()


@table.get("/v1/models")
async def list_models(request: Request) -> Answer:
    (await caller(request)).require_manage()
    return _catalogue(request)


@table.get("/v1/models/{model_id}")
async def get_model(request: Request) -> Answer:
    (await caller(request)).require_manage()
    return _one(request)


@table.get("/v1/projects/{project_id}/models")
async def list_project_models(request: Request) -> Answer:
    await project_caller(request)
    return _catalogue(request)


@table.get("/v1/projects/{project_id}/models/{model_id}")
async def get_project_model(request: Request) -> Answer:
    await project_caller(request)
    return _one(request)


def _catalogue(request: Request) -> Answer:
    """The catalogue as this server lists it: its own recogniser first, then the aliases."""
    recogniser = server_state(request).model.recogniser()
    return catalog.list_models(bool(query_bool(request, "include_outdated")), recogniser)


def _one(request: Request) -> Answer:
    recogniser = server_state(request).model.recogniser()
    model = catalog.by_uuid(str(request.path_params["model_id"]), recogniser)
    if model is None:
        raise not_found("Model")
    body = model.as_json(recogniser.served_by)
    # The spec's answer is oneOf(STT shape, TTS shape), and the two shapes only differ in which
    # optional fields they define, so every object would match both. Naming the other kind's
    # distinguishing field as null ("not applicable") makes the answer match exactly one.
    if model.kind == "stt":
        body["metadata"] = None
    else:
        body.update(batch=None, streaming=None, formatted_output=None)
    return body


ROUTES = table.routes
