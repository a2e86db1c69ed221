"""A live session's messages assembled into one ``/v1/listen``-shaped response.

Used by :meth:`dgdata.Transcript.from_live`. The final ``Results`` messages of each channel
and alternative are concatenated in order: their words, their non-empty transcripts joined by
spaces, and their confidences averaged with the word counts as weights. ``metadata`` comes from
the session's ``Metadata`` message when there is one (request id, created, duration, channels),
else from the ``Results`` messages (request id, model, end of the last message).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from dgdata.frames._inputs import (
    dicts,
    dig,
    indexed_dicts,
    is_final_results,
    is_live_message,
    live_channel,
    mapping,
)


class _Alternative:
    """The running concatenation of one channel's alternative across messages."""

    def __init__(self) -> None:
        self.transcripts: list[str] = []
        self.words: list[dict[str, Any]] = []
        self.weighted_confidence = 0.0

    def add(self, alternative: Mapping[str, Any]) -> None:
        text = alternative.get("transcript")
        if isinstance(text, str) and text:
            self.transcripts.append(text)
        words = dicts(alternative.get("words"))
        self.words.extend(words)
        confidence = alternative.get("confidence")
        if isinstance(confidence, (int, float)) and not isinstance(confidence, bool):
            self.weighted_confidence += confidence * len(words)

    def as_json(self) -> dict[str, Any]:
        confidence = self.weighted_confidence / len(self.words) if self.words else 0.0
        return {
            "transcript": " ".join(self.transcripts),
            "confidence": confidence,
            "words": self.words,
        }


def response_from_live(messages: Iterable[Any]) -> dict[str, Any]:
    """The response a prerecorded request would give, built from a live session's messages.

    ``TypeError`` for a single object instead of a list, ``ValueError`` for an item that is not
    a live ``/v1/listen`` message.

    Example::

        response = response_from_live(messages)   # every message the socket delivered
        response["results"]["channels"][0]["alternatives"][0]["transcript"]
    """
    if isinstance(messages, (Mapping, str, bytes)):
        raise TypeError("expected the list of a live session's messages, got a single object")
    items = list(messages)
    for position, item in enumerate(items):
        if not is_live_message(item):
            raise ValueError(f"item {position} is not a live /v1/listen message: {item!r:.80}")
    finals = [item for item in items if is_final_results(item)]
    channels: dict[int, dict[int, _Alternative]] = {}
    for message in finals:
        slots = channels.setdefault(live_channel(message), {})
        for index, alternative in indexed_dicts(dig(message, "channel", "alternatives")):
            slots.setdefault(index, _Alternative()).add(alternative)
    count = _channel_count(items, channels)
    results = {
        "channels": [
            {"alternatives": [slot.as_json() for _, slot in sorted(channels.get(c, {}).items())]}
            for c in range(count)
        ]
    }
    return {"metadata": _metadata(items, finals, count), "results": results}


def _channel_count(items: list[Any], channels: dict[int, Any]) -> int:
    counts = [max(channels) + 1] if channels else []
    for item in items:
        declared = item.get("channels")
        position = item.get("channel_index")
        if isinstance(declared, int) and item.get("type") == "Metadata":
            counts.append(declared)
        if isinstance(position, list) and len(position) == 2 and isinstance(position[1], int):
            counts.append(position[1])
    return max(counts, default=0)


def _metadata(items: list[Any], finals: list[Any], channels: int) -> dict[str, Any]:
    summary: dict[str, Any] = next((i for i in items if i.get("type") == "Metadata"), {})
    first = mapping(finals[0].get("metadata")) if finals else {}
    metadata: dict[str, Any] = {
        "request_id": summary.get("request_id", first.get("request_id")),
        "created": summary.get("created"),
        "duration": summary.get("duration", _end_of(finals)),
        "channels": channels,
    }
    model_uuid, model_info = first.get("model_uuid"), first.get("model_info")
    if isinstance(model_uuid, str) and isinstance(model_info, Mapping):
        metadata["models"] = [model_uuid]
        metadata["model_info"] = {model_uuid: dict(model_info)}
    return {key: value for key, value in metadata.items() if value is not None}


def _end_of(finals: list[Any]) -> float | None:
    ends = [
        message["start"] + message["duration"]
        for message in finals
        if all(
            isinstance(message.get(key), (int, float)) and not isinstance(message.get(key), bool)
            for key in ("start", "duration")
        )
    ]
    return max(ends, default=None)
