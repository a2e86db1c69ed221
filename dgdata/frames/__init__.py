"""Pure functions from Deepgram JSON to pandas DataFrames (no network, no other dgdata layer).

Transcripts (:mod:`dgdata.frames.transcripts`): :func:`words`, :func:`utterances`,
:func:`paragraphs`, :func:`sentences`, :func:`alternatives`, :func:`summary`, :func:`topics`,
:func:`intents`, :func:`sentiments`, :func:`entities`, :func:`search_hits`, :func:`languages`.
Each takes a response dict, a :class:`dgdata.Transcript`, live messages, or a list / mapping of
them, and returns a frame with declared columns and dtypes (:data:`SCHEMAS`).

Example::

    >>> from dgdata import frames
    >>> frames.words(response).head()
"""

from __future__ import annotations

from dgdata.frames.account import credentials, invitations, keys, members, primary_scope, projects
from dgdata.frames.billing import balances, billing_breakdown, billing_fields, purchases
from dgdata.frames.catalog import agent_variables, agents, models
from dgdata.frames.transcripts import (
    SCHEMAS,
    alternatives,
    entities,
    intents,
    languages,
    paragraphs,
    search_hits,
    sentences,
    sentiments,
    summary,
    topics,
    utterances,
    words,
)
from dgdata.frames.usage import usage_requests
from dgdata.frames.usage_stats import usage_breakdown, usage_fields, usage_summary

__all__ = [
    "SCHEMAS",
    "agent_variables",
    "agents",
    "alternatives",
    "balances",
    "billing_breakdown",
    "billing_fields",
    "credentials",
    "entities",
    "intents",
    "invitations",
    "keys",
    "languages",
    "members",
    "models",
    "paragraphs",
    "primary_scope",
    "projects",
    "purchases",
    "search_hits",
    "sentences",
    "sentiments",
    "summary",
    "topics",
    "usage_breakdown",
    "usage_fields",
    "usage_requests",
    "usage_summary",
    "utterances",
    "words",
]
