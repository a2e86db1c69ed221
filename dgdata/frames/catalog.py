"""What a project can use, as frames: speech models (STT and TTS), agent configurations and
agent variables."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pandas as pd

from dgdata.frames._columns import Schema, as_dict
from dgdata.frames._responses import iter_items

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
    {
        "kind": "string",
        "name": "string",
        "canonical_name": "string",
        "architecture": "string",
        "languages": "list",
        "version": "string",
        "uuid": "string",
        "batch": "bool",
        "streaming": "bool",
        "formatted_output": "bool",
        "accent": "string",
        "age": "string",
        "color": "string",
        "image": "string",
        "sample": "string",
        "tags": "list",
        "use_cases": "list",
    }
)

#: Columns of :func:`agents`; ``config`` and ``metadata`` keep the JSON value as given.
AGENT_SCHEMA = Schema(
    {
        "agent_id": "string",
        "config": "object",
        "metadata": "object",
        "created_at": "time",
        "updated_at": "time",
        "member_id": "string",
        "api_version": "int",
    }
)

#: Columns of :func:`agent_variables`; ``value`` keeps the JSON value as given.
AGENT_VARIABLE_SCHEMA = Schema(
    {
        "variable_id": "string",
        "key": "string",
        "value": "object",
        "is_sensitive": "bool",
        "created_at": "time",
        "updated_at": "time",
        "member_id": "string",
        "api_version": "int",
    }
)

_MODEL_FIELDS = ("name", "canonical_name", "architecture", "uuid", "version", "languages")


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
            listed = item.get(kind)
            for model in listed if type(listed) is list else ():
                if type(model) is dict:
                    yield kind, model


def _model_row(kind: str, model: Mapping[str, Any]) -> tuple[Any, ...]:
    voice = as_dict(model.get("metadata"))
    return (
        kind,
        model.get("name"),
        model.get("canonical_name"),
        model.get("architecture"),
        model.get("languages"),
        model.get("version"),
        model.get("uuid"),
        model.get("batch"),
        model.get("streaming"),
        model.get("formatted_output"),
        voice.get("accent"),
        voice.get("age"),
        voice.get("color"),
        voice.get("image"),
        voice.get("sample"),
        voice.get("tags"),
        voice.get("use_cases"),
    )


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
    items = iter_items(
        data,
        func="agents",
        list_keys=("agents",),
        item_keys=("agent_uuid", *AGENT_SCHEMA.names),
    )
    return AGENT_SCHEMA.from_rows([_agent_row(item) for item in items])


def _agent_row(item: Mapping[str, Any]) -> tuple[Any, ...]:
    agent_id = item.get("agent_id")
    return (
        agent_id if agent_id is not None else item.get("agent_uuid"),
        item.get("config"),
        item.get("metadata"),
        item.get("created_at"),
        item.get("updated_at"),
        item.get("member_id"),
        item.get("api_version"),
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
    items = iter_items(
        data,
        func="agent_variables",
        list_keys=("variables",),
        item_keys=("agent_variable_uuid", *AGENT_VARIABLE_SCHEMA.names),
    )
    return AGENT_VARIABLE_SCHEMA.from_rows([_variable_row(item) for item in items])


def _variable_row(item: Mapping[str, Any]) -> tuple[Any, ...]:
    variable_id = item.get("variable_id")
    return (
        variable_id if variable_id is not None else item.get("agent_variable_uuid"),
        item.get("key"),
        item.get("value"),
        item.get("is_sensitive"),
        item.get("created_at"),
        item.get("updated_at"),
        item.get("member_id"),
        item.get("api_version"),
    )
