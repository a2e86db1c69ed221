"""What a project can use, as frames: speech models (STT and TTS), agent configurations and
agent variables."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pandas as pd

from dgdata.frames._responses import as_dict, as_list, items_frame, iter_items, pick
from dgdata.frames._schema import BOOL, INT, LIST, OBJECT, STRING, TIME, Schema

__all__ = [
    "AGENT_SCHEMA",
    "AGENT_VARIABLE_SCHEMA",
    "MODEL_SCHEMA",
    "agent_variables",
    "agents",
    "models",
]

#: Columns of :func:`models`: ``kind`` ("stt"/"tts"), the common fields, the STT capabilities
#: and the TTS voice metadata (<NA> / ``[]`` on rows of the other kind).
MODEL_SCHEMA = Schema(
    "models",
    {
        "kind": STRING,
        "name": STRING,
        "canonical_name": STRING,
        "architecture": STRING,
        "languages": LIST,
        "version": STRING,
        "uuid": STRING,
        "batch": BOOL,
        "streaming": BOOL,
        "formatted_output": BOOL,
        "accent": STRING,
        "age": STRING,
        "color": STRING,
        "image": STRING,
        "sample": STRING,
        "tags": LIST,
        "use_cases": LIST,
    },
)

#: Columns of :func:`agents`; ``config`` and ``metadata`` keep the JSON value as given.
AGENT_SCHEMA = Schema(
    "agents",
    {
        "agent_id": STRING,
        "config": OBJECT,
        "metadata": OBJECT,
        "created_at": TIME,
        "updated_at": TIME,
        "member_id": STRING,
        "api_version": INT,
    },
)

#: Columns of :func:`agent_variables`; ``value`` keeps the JSON value as given.
AGENT_VARIABLE_SCHEMA = Schema(
    "agent_variables",
    {
        "variable_id": STRING,
        "key": STRING,
        "value": OBJECT,
        "is_sensitive": BOOL,
        "created_at": TIME,
        "updated_at": TIME,
        "member_id": STRING,
        "api_version": INT,
    },
)

_MODEL_FIELDS = ("name", "canonical_name", "architecture", "uuid", "version", "languages")
#: the columns read from a TTS model's voice ``metadata``, and those read from the model itself
_VOICE_COLUMNS = ("accent", "age", "color", "image", "sample", "tags", "use_cases")
_OWN_COLUMNS = tuple(name for name in MODEL_SCHEMA.names[1:] if name not in _VOICE_COLUMNS)


def models(data: Any) -> pd.DataFrame:
    """Speech-to-text and text-to-speech models, with ``kind`` "stt" or "tts".

    Reads ``{"stt": [...], "tts": [...]}`` (``/v1/models``, project models), one model (``get``:
    "tts" when it carries voice ``metadata``), or a list of either.

    Example::

        >>> df = models({"stt": [{"name": "nova-3", "batch": True}],
        ...              "tts": [{"name": "zeus", "metadata": {"accent": "American"}}]})
        >>> df[["kind", "name", "batch", "accent"]].values.tolist()
        [['stt', 'nova-3', True, <NA>], ['tts', 'zeus', <NA>, 'American']]
    """
    return MODEL_SCHEMA.from_rows([_model_row(kind, item) for kind, item in _model_items(data)])


def _model_items(data: Any) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """(kind, model) pairs from list responses (``stt``/``tts`` arrays) and single models."""
    for item in iter_items(
        data, func="models", list_keys=(), item_keys=(*_MODEL_FIELDS, "stt", "tts")
    ):
        if "stt" not in item and "tts" not in item:
            yield ("tts" if "metadata" in item else "stt"), item
            continue
        for kind in ("stt", "tts"):
            for model in as_list(item.get(kind)):
                if type(model) is dict:
                    yield kind, model


def _model_row(kind: str, model: Mapping[str, Any]) -> tuple[Any, ...]:
    voice = as_dict(model.get("metadata"))
    return (kind, *pick(model, *_OWN_COLUMNS), *pick(voice, *_VOICE_COLUMNS))


def agents(data: Any) -> pd.DataFrame:
    """Agent configurations: ``{"agents": [...]}``, a bare list, or one agent (get/update).

    ``agent_id`` also reads ``agent_uuid``; ``config`` (an object, or the JSON string some
    responses carry) and ``metadata`` stay as given, one value per row.

    Example::

        >>> df = agents({"agents": [{"agent_id": "a1", "config": {"think": {}},
        ...     "created_at": "2024-01-15T09:30:00Z"}]})
        >>> df.loc[0, "agent_id"], df.loc[0, "config"]
        ('a1', {'think': {}})
    """
    return items_frame(
        AGENT_SCHEMA,
        data,
        lambda item: pick(item, ("agent_id", "agent_uuid"), *AGENT_SCHEMA.names[1:]),
        list_keys=("agents",),
        item_keys=("agent_uuid", *AGENT_SCHEMA.names),
    )


def agent_variables(data: Any) -> pd.DataFrame:
    """Agent variables: ``{"variables": [...]}``, a bare list, or one variable.

    ``variable_id`` also reads ``agent_variable_uuid``; ``value`` stays as given (any JSON).

    Example::

        >>> df = agent_variables({"variables": [{"variable_id": "v1", "key": "DG_NAME",
        ...     "value": "Ada"}]})
        >>> df.loc[0, ["key", "value"]].tolist()
        ['DG_NAME', 'Ada']
    """
    return items_frame(
        AGENT_VARIABLE_SCHEMA,
        data,
        lambda item: pick(
            item, ("variable_id", "agent_variable_uuid"), *AGENT_VARIABLE_SCHEMA.names[1:]
        ),
        list_keys=("variables",),
        item_keys=("agent_variable_uuid", *AGENT_VARIABLE_SCHEMA.names),
    )
