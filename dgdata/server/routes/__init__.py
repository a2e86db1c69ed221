"""The server's routes, one module per API group: HTTP only.

A route parses the request (:mod:`._params`, :mod:`._context`), calls the backend
(:class:`dgdata.server.backend.Backend`, in a worker thread) or an engine (recognition,
synthesis, summaries), and shapes the answer. Each module declares its routes on a
:class:`~dgdata.server.routes._context.RouteTable` and exposes them as ``ROUTES``; :data:`ROUTES`
below is all of them, in the order the app mounts them. A new endpoint goes in the module of its
API group (or a new module added to this list).
"""

from __future__ import annotations

from starlette.routing import BaseRoute

from dgdata.server.routes import (
    agents,
    auth,
    billing,
    control,
    invitations,
    keys,
    listen,
    live,
    members,
    models,
    projects,
    read,
    selfhosted,
    speak,
    usage,
)

__all__ = ["ROUTES"]

#: Every route of the server, in the order the app mounts them.
ROUTES: list[BaseRoute] = [
    *control.ROUTES,
    *projects.ROUTES,
    *keys.ROUTES,
    *members.ROUTES,
    *invitations.ROUTES,
    *usage.ROUTES,
    *billing.ROUTES,
    *models.ROUTES,
    *selfhosted.ROUTES,
    *agents.ROUTES,
    *auth.ROUTES,
    *listen.ROUTES,
    *live.ROUTES,
    *speak.ROUTES,
    *read.ROUTES,
]
