"""Routes: the control endpoints under ``/_dgdata``, for the server's owner only.

``/_dgdata/faults`` lists (``GET``), adds (``POST``) and clears (``DELETE``) injected faults
(see :mod:`dgdata.server.backend.faults`); ``POST /_dgdata/reset`` clears faults and state back
to how the server started; ``GET /_dgdata/health`` answers ``{"status": "ok"}`` to anyone.

Faults and reset can wipe a ``--db`` server or break it on purpose, so they need two things:

* **the server's owner key**, the one ``dgdata serve`` prints (``Authorization: Token <key>``):
  401 without a valid key, 403 with any other key (a member's, or another owner key). Where a
  request comes from proves nothing: the server's own callbacks and ``url`` fetches, and every
  page open in the user's browser, reach it from loopback too.
* **no cross-site request**: a web page must not be able to send one, even to a server started
  with a known key. Refused with 403: an ``Origin`` other than the server's own, a
  ``Sec-Fetch-Site`` of ``cross-site`` or ``same-site``, and a ``POST`` whose body is not
  ``application/json`` (a page can send a form or ``text/plain`` without asking the server
  first; JSON needs a CORS preflight, which this server never grants).
"""

from __future__ import annotations

import secrets

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from dgdata.server.errors import ApiError, forbidden, unauthorized
from dgdata.server.routes._context import (
    Answer,
    RouteTable,
    caller,
    json_body,
    json_response,
    server_state,
)

__all__ = ["ROUTES"]

table = RouteTable("/_dgdata")

_CROSS_SITE = ("cross-site", "same-site")


def _refuse_cross_site(request: Request) -> None:
    """403 for what a web page on another origin could send (see the module docstring)."""
    origin = request.headers.get("origin")
    own = f"{request.url.scheme}://{request.headers.get('host', '')}"
    if origin is not None and origin.rstrip("/").lower() != own.lower():
        raise forbidden(f"The /_dgdata control endpoints refuse cross-site requests ({origin}).")
    if request.headers.get("sec-fetch-site", "").lower() in _CROSS_SITE:
        raise forbidden("The /_dgdata control endpoints refuse cross-site requests.")
    if request.method == "POST":
        media = request.headers.get("content-type", "").partition(";")[0].strip().lower()
        if media != "application/json":
            raise forbidden(
                "The /_dgdata control endpoints take application/json bodies only "
                f"(not {media or 'no content type'})."
            )


async def _owner_only(request: Request) -> None:
    """401 without a valid credential, 403 with one that is not the server's owner key."""
    _refuse_cross_site(request)
    authorization = request.headers.get("authorization", "")
    scheme, _, credential = authorization.strip().partition(" ")
    credential = credential.strip()
    if scheme.lower() != "token" or not credential:
        raise unauthorized()
    owner_key = server_state(request).boot.api_key
    if not secrets.compare_digest(credential.encode(), owner_key.encode()):
        await caller(request)  # 401 for an unknown or expired key
        raise forbidden("The /_dgdata control endpoints need the server's owner key.")


@table.route("/faults", "GET", "POST", "DELETE")
async def faults(request: Request) -> Answer:
    await _owner_only(request)
    state = server_state(request)
    if request.method == "POST":
        body = await json_body(request)
        try:
            fault = state.faults.add(body)
        except (TypeError, ValueError) as exc:
            raise ApiError(400, "Bad Request", str(exc)) from None
        return json_response(fault.as_json(), status=201)
    if request.method == "DELETE":
        state.faults.clear()
    return {"faults": state.faults.list()}


@table.post("/reset")
async def reset(request: Request) -> Answer:
    await _owner_only(request)
    await run_in_threadpool(server_state(request).reset)
    return {"message": "State reset; faults cleared."}


@table.get("/health")
async def health(request: Request) -> Answer:
    return {"status": "ok"}


ROUTES = table.routes
