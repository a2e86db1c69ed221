"""The server's routes, one module per API group; each module exposes ``ROUTES``."""

from __future__ import annotations

#: Modules of this package whose ``ROUTES`` the app mounts, in order.
ROUTE_MODULES: tuple[str, ...] = (
    "projects",
    "keys",
    "members",
    "invitations",
    "usage",
    "billing",
    "models",
    "selfhosted",
    "agents",
    "auth",
    "listen",
    "live",
    "speak",
    "read",
)
