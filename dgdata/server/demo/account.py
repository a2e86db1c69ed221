"""The synthetic demo account of ``dgdata serve --demo``.

Everything here is made up, and says so: projects are called ``Demo — …``, people live at
``@example.com``, companies end in ``(demo)``. What it holds:

* three projects (support calls, a podcast studio, a voice-agent lab) whose owners include the
  server's bootstrap owner. A key reaches only the project it was made in, so the owner also has
  one owner key in each demo project (:func:`demo_owner_keys`: ``LocalServer.demo_keys``, and
  ``dgdata serve --demo`` prints them); the key ``dgdata serve`` prints reaches its own project;
* members with every role, API keys (one expired, several member-scoped, one granular),
  pending invitations, purchases and the balances left after the usage, self-hosted
  credentials, an agent configuration and agent variables;
* 90 days of usage ending today: a few thousand requests across models (nova-3, nova-2, base,
  whisper, aura and aura-2 voices), methods (sync, async, streaming), endpoints (listen, speak,
  read, agent), tags, features and request options, with weekly seasonality, growth over the
  quarter, and a few failed requests (400, 402, 500). Costs come from
  :mod:`dgdata.server.backend.pricing`.

Deterministic: one random generator with a fixed seed, ids derived with UUID 5, times relative to
an anchor. The anchor is midnight UTC of the day the seed runs (so the history always ends
today); requests that would fall later today than the moment of seeding are left out. Two seeds
on the same day give the same ids and numbers. The secrets of the demo's people's keys are random
(they are not meant to be used; the secrets are never shown); the owner's demo keys are derived
from the server's owner key, so the server knows them without storing them, and registered again
at every start and reset.

The seed is one transaction and takes well under a second. It runs after start and after every
reset; on a database that already holds the demo (a ``--db`` file), it does nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from dgdata.server.backend import Backend, Store
from dgdata.server.backend.store import dumps, iso, utcnow
from dgdata.server.demo.cast import (
    AGENT_CONFIG,
    CREDENTIALS,
    INVITES,
    KEYS,
    MEMBERS,
    PEOPLE,
    PROJECTS,
    PURCHASES,
    VARIABLES,
    demo_id,
)
from dgdata.server.demo.traffic import DEMO_DAYS, demo_requests
from dgdata.server.state import ServerState

__all__ = [
    "DEMO_DAYS",
    "DEMO_SEED",
    "DemoSummary",
    "build_demo",
    "demo_id",
    "demo_owner_keys",
    "register_owner_keys",
    "seed_demo",
]

DEMO_SEED = 20240917
_META_KEY = "demo_seeded"


@dataclass
class DemoSummary:
    """What a seed inserted (also stored, as JSON, in the ``meta`` table)."""

    anchor: str
    projects: list[str] = field(default_factory=list)
    requests: int = 0
    failed: int = 0
    usd: float = 0.0


def seed_demo(state: ServerState) -> None:
    """Seed the demo account into the server's store (once; see the module docstring), and
    register the owner's key for each demo project."""
    now = utcnow()
    build_demo(state.store, state.boot.member_id, today=now.date(), now=now)
    register_owner_keys(state.backend, state.boot.member_id, state.boot.api_key)


def demo_owner_keys(owner_key: str) -> dict[str, str]:
    """``{project id: key secret}``: the owner's key for each demo project, derived from the
    server's owner key (HMAC-SHA256, 40 hex characters like every key): the same on every start
    with the same owner key, and telling nothing about it."""
    return {
        demo_id("project", slug): hmac.new(
            owner_key.encode(), f"dgdata demo owner key {slug}".encode(), hashlib.sha256
        ).hexdigest()[:40]
        for slug in PROJECTS
    }


def register_owner_keys(backend: Backend, owner_member_id: str, owner_key: str) -> None:
    """Make the keys of :func:`demo_owner_keys` work (those already registered are kept)."""
    for project_id, secret in demo_owner_keys(owner_key).items():
        if backend.key_id_for_secret(secret) is not None:
            continue
        if backend.member_role(project_id, owner_member_id) != "owner":
            continue  # the owner left or lost the project since: no key in it
        backend.create_key(
            project_id,
            owner_member_id,
            "dgdata serve --demo (owner)",
            ["owner"],
            secret=secret,
            api_key_id=demo_id("owner key", project_id, secret[:8]),
        )


def build_demo(
    store: Store, owner_member_id: str, *, today: date, now: datetime | None = None
) -> DemoSummary | None:
    """Insert the demo account, anchored at midnight UTC of ``today``; None if already there.

    ``owner_member_id`` (the server's bootstrap owner) becomes an owner of every demo project.
    Requests later than ``now`` (default: the end of ``today``) are left out.
    """
    if store.get_meta(_META_KEY) is not None:
        return None
    anchor = datetime.combine(today, time(), tzinfo=timezone.utc)
    cutoff = now if now is not None else anchor + timedelta(days=1)
    rnd = random.Random(DEMO_SEED)
    summary = DemoSummary(anchor=iso(anchor))
    backend = Backend(store)
    with backend.transaction():
        member_ids = {
            slug: backend.add_account(demo_id("member", slug), *person)
            for slug, person in PEOPLE.items()
        }
        for order, (slug, (name, company)) in enumerate(PROJECTS.items()):
            project_id = demo_id("project", slug)
            summary.projects.append(project_id)
            created = anchor - timedelta(days=200 - order * 10)
            backend.create_project(name, project_id=project_id, created=created, company=company)
            backend.add_member(project_id, owner_member_id, "owner")
            for person, scope in MEMBERS[slug]:
                backend.add_member(project_id, member_ids[person], scope)
            keys = _add_keys(backend, slug, project_id, member_ids, anchor)
            _add_records(backend, slug, project_id, member_ids, anchor)
            requests = demo_requests(rnd, slug, project_id, keys, anchor, cutoff)
            backend.load_requests(requests)
            spent = sum(record.usd for record in requests)
            summary.requests += len(requests)
            summary.failed += sum(1 for record in requests if record.code >= 400)
            summary.usd = round(summary.usd + spent, 6)
            _add_purchases(backend, slug, project_id, spent, anchor)
        store.set_meta(
            _META_KEY,
            dumps(
                {
                    "anchor": summary.anchor,
                    "requests": summary.requests,
                    "projects": summary.projects,
                }
            ),
        )
    return summary


def _add_keys(
    backend: Backend, slug: str, project_id: str, member_ids: dict[str, str], anchor: datetime
) -> dict[str, str]:
    """The project's keys; returns their ids by slug."""
    keys = {}
    for key in KEYS[slug]:
        expires = key.expires_in_days
        key_json, _ = backend.create_key(
            project_id,
            member_ids[key.person],
            key.comment,
            key.scopes,
            tags=key.tags,
            expiration=None if expires is None else anchor + timedelta(days=expires),
            created=anchor - timedelta(days=key.created_days_ago),
            api_key_id=demo_id("key", slug, key.slug),
        )
        keys[key.slug] = str(key_json["api_key_id"])
    return keys


def _add_records(
    backend: Backend, slug: str, project_id: str, member_ids: dict[str, str], anchor: datetime
) -> None:
    """The project's invitations, self-hosted credentials and (for the agent lab) agent."""

    def ago(days: float) -> str:
        return iso(anchor - timedelta(days=days))

    for i, (email, scope) in enumerate(INVITES[slug]):
        backend.add_invitation(project_id, email, scope, created=ago(3 + i))
    for cred, person, comment, scopes, days in CREDENTIALS[slug]:
        backend.create_credentials(
            project_id,
            member_ids[person],
            scopes=scopes,
            provider="quay",
            comment=comment,
            credentials_id=demo_id("credentials", slug, cred),
            created=ago(days),
        )
    if slug != "agents":
        return
    metadata = {"name": "Demo — receptionist", "team": "front desk"}
    agent_id = demo_id("agent", "receptionist")
    backend.create_agent(
        project_id, AGENT_CONFIG, metadata, item_id=agent_id, created=ago(60), updated=ago(12)
    )
    for index, (key, value) in enumerate(VARIABLES.items()):
        backend.create_variable(
            project_id,
            key,
            value,
            item_id=demo_id("variable", key),
            created=ago(60 - index),
            updated=ago(20 - index),
        )


def _add_purchases(
    backend: Backend, slug: str, project_id: str, spent: float, anchor: datetime
) -> None:
    """The project's purchases, and the balances left of them after ``spent`` dollars."""
    for order, amount, kind, days in PURCHASES[slug]:
        order_id = demo_id("order", slug, order)
        created = anchor - timedelta(days=days)
        backend.add_purchase(
            project_id,
            order_id,
            amount,
            created=iso(created),
            expiration=iso(created + timedelta(days=365)),
            order_type=kind,
        )
        take = min(amount, spent)
        spent -= take
        balance_id = demo_id("balance", slug, order)
        backend.add_balance(
            project_id, balance_id, round(amount - take, 6), purchase_order_id=order_id
        )
