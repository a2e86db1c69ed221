"""Who and what the demo account holds: its people, projects, keys, invitations, purchases,
self-hosted credentials and agent; every one of them fixed, with ids from :func:`demo_id`."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

__all__ = [
    "AGENT_CONFIG",
    "CREDENTIALS",
    "INVITES",
    "KEYS",
    "MEMBERS",
    "PEOPLE",
    "PROJECTS",
    "PURCHASES",
    "VARIABLES",
    "DemoKey",
    "demo_id",
]

_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/dgdata/dgdata/server/demo")


def demo_id(kind: str, *parts: object) -> str:
    """The fixed UUID of a demo object (``demo_id("project", "support")``)."""
    return str(uuid.uuid5(_NAMESPACE, ":".join([kind, *map(str, parts)])))


#: slug: (email, first name, last name)
PEOPLE = {
    "priya": ("priya.patel@example.com", "Priya", "Patel"),
    "sam": ("sam.okafor@example.com", "Sam", "Okafor"),
    "lee": ("lee.chen@example.com", "Lee", "Chen"),
    "maria": ("maria.garcia@example.com", "María", "García"),
    "jo": ("jo.smith@example.com", "Jo", "Smith"),
}

#: slug: (name, company)
PROJECTS = {
    "support": ("Demo — Support calls", "Example Telecom (demo)"),
    "podcast": ("Demo — Podcast studio", "Example Media (demo)"),
    "agents": ("Demo — Voice agent lab", "Example Dental (demo)"),
}

#: project slug: [(person slug, role)]
MEMBERS = {
    "support": [("priya", "owner"), ("sam", "admin"), ("lee", "member"), ("jo", "member")],
    "podcast": [("maria", "owner"), ("lee", "admin"), ("jo", "member")],
    "agents": [("sam", "owner"), ("priya", "admin"), ("maria", "member")],
}


@dataclass(frozen=True)
class DemoKey:
    """One API key of the demo: who made it, for what, when, until when."""

    slug: str
    person: str
    comment: str
    scopes: tuple[str, ...]
    tags: tuple[str, ...]
    created_days_ago: int
    expires_in_days: int | None = None  # relative to the anchor; negative: already expired


#: project slug: its keys
KEYS = {
    "support": [
        DemoKey(
            "batch", "sam", "Demo — nightly batch transcription", ("admin",), ("batch", "prod"), 120
        ),
        DemoKey("live", "lee", "Demo — live call assist", ("member",), ("streaming", "prod"), 110),
        DemoKey(
            "intern",
            "jo",
            "Demo — intern sandbox (expired)",
            ("member",),
            ("sandbox",),
            95,
            expires_in_days=-35,
        ),
        DemoKey(
            "dashboard",
            "priya",
            "Demo — usage dashboard (read only)",
            ("usage:read",),
            ("reporting",),
            80,
        ),
    ],
    "podcast": [
        DemoKey("studio", "maria", "Demo — studio pipeline", ("admin",), ("prod",), 130),
        DemoKey(
            "editor", "jo", "Demo — editor laptop", ("member",), ("dev",), 60, expires_in_days=120
        ),
    ],
    "agents": [
        DemoKey("agent", "sam", "Demo — receptionist agent", ("member",), ("agent", "prod"), 100),
        DemoKey("voices", "priya", "Demo — voice prompts", ("admin",), ("tts",), 90),
    ],
}

#: project slug: [(email, role)]
INVITES = {
    "support": [("new.hire@example.com", "member"), ("contractor@example.com", "admin")],
    "podcast": [("guest.editor@example.com", "member")],
    "agents": [],
}

#: (slug, amount in USD, order type, created days before the anchor)
PURCHASES = {
    "support": [("welcome", 200.0, "promotional", 150), ("q3", 1000.0, "prepaid", 75)],
    "podcast": [("welcome", 200.0, "promotional", 140), ("topup", 250.0, "prepaid", 40)],
    "agents": [("welcome", 200.0, "promotional", 110)],
}

#: project slug: [(slug, person slug, comment, scopes, created days before the anchor)]
CREDENTIALS = {
    "support": [("pilot", "sam", "Demo — on-prem pilot cluster", ["self-hosted:products"], 70)],
    "agents": [
        (
            "edge",
            "sam",
            "Demo — edge box",
            ["self-hosted:product:api", "self-hosted:product:engine"],
            45,
        ),
    ],
    "podcast": [],
}

#: The agent block of the voice-agent lab's one configuration.
AGENT_CONFIG = {
    "listen": {"provider": {"type": "deepgram", "model": "nova-3"}},
    "think": {
        "provider": {"type": "open_ai", "model": "gpt-4o-mini"},
        "prompt": "You are the friendly receptionist of {{DG_COMPANY}}. Opening hours: "
        "{{DG_OPENING_HOURS}}. Book, move or cancel appointments; never give medical advice.",
    },
    "speak": {"provider": {"type": "deepgram", "model": "aura-2-thalia-en"}},
    "greeting": "Hello! You have reached {{DG_COMPANY}}. How can I help you today?",
}
#: The voice-agent lab's agent variables.
VARIABLES = {
    "DG_COMPANY": "Example Dental (demo)",
    "DG_OPENING_HOURS": {"weekdays": "08:00-18:00", "saturday": "09:00-13:00", "sunday": "closed"},
}
