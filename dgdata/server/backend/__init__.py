"""The server's state and its rules, in the manner of moto's backends: no HTTP here.

:class:`~dgdata.server.backend.core.Backend` owns accounts, projects, keys, members,
invitations, agents, self-hosted credentials, the usage log and its statistics, and billing, all
in one SQLite :class:`~dgdata.server.backend.store.Store`; every SQL statement of the server is in
this package, behind methods named for what they do. Also here: who is calling (:mod:`.auth`),
one call's usage record (:mod:`.calls`), the model catalogue (:mod:`.catalog`), the price table
(:mod:`.pricing`) and failure injection (:mod:`.faults`).
"""

from __future__ import annotations

from dgdata.server.backend.core import Backend, Bootstrap
from dgdata.server.backend.store import Store

__all__ = ["Backend", "Bootstrap", "Store"]
