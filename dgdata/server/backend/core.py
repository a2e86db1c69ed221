"""The :class:`Backend`: everything the server remembers, behind methods named for what they do.

In the manner of moto's backends, the routes never touch the database: they parse a request,
call a method here (``create_key``, ``list_members``, ``record_request``, ``usage_summary``,
``reset`` ...) and shape its answer. The methods are plain, blocking Python; the routes run them
in worker threads, off the event loop.

The backend is made of parts, one module each, every one a class over the same
:class:`~dgdata.server.backend.store.Store`:

==============================  ===========================================================
part                            what it owns
==============================  ===========================================================
``accounts.Accounts``           projects, accounts, memberships
``auth.Auth``                   callers (keys, grant tokens) and their role in a project
``keys.Keys``                   API keys
``members.Members``             members, scopes, leaving, invitations
``agents.Agents``               agent configurations and variables
``credentials.Credentials``     self-hosted distribution credentials
``usage_log.UsageLog``          the ``requests`` table: recording calls, listing them
``usage_stats.UsageStats``      usage summary, fields and breakdown
``billing.Billing``             balances, purchases, the billing breakdown and fields
==============================  ===========================================================

Each part builds on the ones it needs (``Members`` on ``Keys`` on ``Auth`` on ``Accounts``;
``Billing`` on ``UsageStats``); :class:`Backend` is all of them, plus :meth:`Backend.bootstrap`
and :meth:`Backend.reset`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from dgdata.server.backend.agents import Agents
from dgdata.server.backend.billing import Billing
from dgdata.server.backend.credentials import Credentials
from dgdata.server.backend.members import Members
from dgdata.server.backend.usage_log import UsageLog

__all__ = ["Backend", "Bootstrap"]

#: The account that owns a fresh server's project and key.
OWNER_EMAIL = "owner@dgdata.local"


@dataclass(frozen=True)
class Bootstrap:
    """The project, owner and key a fresh server starts with (what ``dgdata serve`` prints)."""

    project_id: str
    member_id: str
    api_key_id: str
    api_key: str


class Backend(Members, Agents, Credentials, UsageLog, Billing):
    """The server's state: accounts, projects, keys, members, invitations, agents, self-hosted
    credentials, the usage log and its statistics, and billing, in one SQLite store."""

    def bootstrap(self, api_key: str | None = None) -> Bootstrap:
        """Make sure the server has an owner and a project, and an owner key to print.

        With ``api_key`` that key is (re)registered, so a known secret keeps working across
        restarts and resets; without it a new owner key is minted, as the secret of an old one
        is not kept.
        """
        member_id = self.ensure_account(OWNER_EMAIL, "Local", "Owner")
        project_id = self.first_owned_project(member_id)
        if project_id is None:
            project_id = self.create_project("dgdata local")
            self.add_member(project_id, member_id, "owner")
        if api_key is not None:
            existing = self.key_id_for_secret(api_key)
            if existing is not None:
                return Bootstrap(project_id, member_id, existing, api_key)
        key, secret = self.create_key(
            project_id, member_id, "dgdata serve (owner)", ["owner"], secret=api_key
        )
        return Bootstrap(project_id, member_id, key["api_key_id"], secret)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Run the block's calls as one transaction: all of them are stored, or none."""
        with self.store.transaction():
            yield

    def reset(self) -> None:
        """Forget everything: every row of every table (call :meth:`bootstrap` after)."""
        self.store.reset()

    def close(self) -> None:
        """Close the store."""
        self.store.close()
