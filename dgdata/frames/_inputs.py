"""What the transcript frame functions accept, normalised to transcripts and source names.

One *transcript* is any of:

- a ``POST /v1/listen`` response: a dict with ``results`` (usually also ``metadata``), or a
  :class:`dgdata.Transcript` (which is such a dict);
- one live ``Results`` message: ``{"type": "Results", "channel": {"alternatives": [...]}, ...}``;
- a live *session*: a list whose items are all live messages (``Results``, ``Metadata``,
  ``UtteranceEnd``, ``SpeechStarted``). Only the final ``Results`` are used: messages with
  ``is_final: false`` (interim results) and the other message types are skipped;
- an SDK response object with a ``to_dict()`` or ``model_dump()`` method.

Several transcripts at once add a ``source`` column that says which one each row came from:

- a list or tuple (or another non-string iterable): the source is the item's position, unless
  the item is a ``(name, transcript)`` tuple, then it is ``name``;
- a mapping ``{name: transcript}`` (a dict that is not itself a response or live message).

``source`` is ``Int64`` when every source is an ``int`` and ``string`` otherwise (names are
converted with ``str()``, so ``pathlib.Path`` keys work). Anything else raises ``TypeError``
(wrong kind of object) or ``ValueError`` (a dict that is not a transcript, e.g. an error body).
Inside ``results``, values of the wrong type are treated as absent, so partial responses still
give (possibly empty) frames.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from dgdata.frames._schema import to_int, to_string

LIVE_MESSAGE_TYPES = ("Results", "Metadata", "UtteranceEnd", "SpeechStarted")
_RESPONSE_KEYS = ("results", "metadata", "err_code", "err_msg", "request_id")
_EXPECTED = (
    "expected a Deepgram transcript: a /v1/listen response dict (with 'results'), a "
    "dgdata.Transcript, a live 'Results' message or a list of live messages, or a list / "
    "tuple / mapping of those"
)


def dicts(value: Any) -> list[dict[str, Any]]:
    """The dict items of a JSON array; a missing or non-list value gives ``[]``."""
    if not isinstance(value, list):
        return []
    if all(isinstance(item, dict) for item in value):
        return value
    return [item for item in value if isinstance(item, dict)]


def indexed_dicts(value: Any) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(position, item)`` for the dict items of a JSON array, keeping the JSON positions."""
    if isinstance(value, list):
        for position, item in enumerate(value):
            if isinstance(item, dict):
                yield position, item


def mapping(value: Any) -> dict[str, Any]:
    """``value`` if it is a JSON object, else ``{}``."""
    return value if isinstance(value, dict) else {}


def dig(value: Any, *keys: str) -> Any:
    """``value[k1][k2]…``, or ``None`` as soon as a level is missing or not an object."""
    for key in keys:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


class AltRef(NamedTuple):
    """One alternative of one channel, with where it came from."""

    channel: int
    alternative: int
    #: the alternative object itself
    data: dict[str, Any]
    #: the REST ``results.channels[i]`` object, or the live ``Results`` message
    container: dict[str, Any]
    live: bool


@dataclass(frozen=True)
class Unit:
    """One transcript: a REST response's ``results``, or a live session's final messages."""

    results: dict[str, Any] | None = None
    messages: tuple[dict[str, Any], ...] = ()

    def alternatives(self) -> Iterator[AltRef]:
        """Every alternative of every channel (REST) or of every final message (live)."""
        if self.results is not None:
            for channel, container in indexed_dicts(self.results.get("channels")):
                for position, alt in indexed_dicts(container.get("alternatives")):
                    yield AltRef(channel, position, alt, container, False)
        for message in self.messages:
            channel = live_channel(message)
            alternatives = dig(message, "channel", "alternatives")
            for position, alt in indexed_dicts(alternatives):
                yield AltRef(channel, position, alt, message, True)


def live_channel(message: Mapping[str, Any]) -> int:
    """The channel of a live message: ``channel_index[0]`` (``[channel, of_channels]``), or 0."""
    position = message.get("channel_index")
    if isinstance(position, list) and position:
        position = position[0]
    return position if isinstance(position, int) and not isinstance(position, bool) else 0


def is_live_message(value: Any) -> bool:
    """A live ``/v1/listen`` server message (``Results``, ``Metadata``, …)."""
    if not isinstance(value, Mapping):
        return False
    kind = value.get("type")
    if isinstance(kind, str):
        return kind in LIVE_MESSAGE_TYPES
    return "results" not in value and isinstance(value.get("channel"), Mapping)


def is_final_results(message: Mapping[str, Any]) -> bool:
    """A ``Results`` message that is not an interim result."""
    return message.get("type", "Results") == "Results" and message.get("is_final") is not False


def plain(value: Any) -> Any:
    """SDK response objects (``to_dict()`` / ``model_dump()``) as plain dicts; others unchanged."""
    if isinstance(value, (Mapping, list, tuple, str, bytes)):
        return value
    for method in ("to_dict", "model_dump"):
        convert = getattr(value, method, None)
        if callable(convert):
            return convert()
    return value


def response_results(response: Mapping[str, Any]) -> dict[str, Any]:
    """The ``results`` object of a REST response; a clear ``ValueError`` when it is not one."""
    results = response.get("results")
    if isinstance(results, dict):
        return results
    if "err_code" in response or "err_msg" in response:
        code, message = response.get("err_code"), response.get("err_msg")
        raise ValueError(f"this is a Deepgram error response ({code}: {message}), not a transcript")
    if "results" in response:
        kind = type(results).__name__
        raise ValueError(f"not a Deepgram transcript: 'results' must be an object, got {kind}")
    if set(response) == {"request_id"}:
        raise ValueError(
            "this is the answer to a callback request (only 'request_id'): the transcript is "
            "sent to the callback URL; pass that body instead"
        )
    keys = ", ".join(map(repr, list(response)[:8])) or "none"
    raise ValueError(f"not a Deepgram transcript: {_EXPECTED}; got a dict with keys {keys}")


def collect(value: Any) -> tuple[list[Unit], list[Hashable] | None]:
    """The transcripts in ``value`` and their source names (``None`` for a single transcript)."""
    value = plain(value)
    if isinstance(value, Iterable) and not isinstance(value, (Mapping, str, bytes, bytearray)):
        value = list(value)  # a generator can be walked only once
    single = _single(value)
    if single is not None:
        return [single], None
    items = _named_items(value)
    units = [_item_unit(name, item) for name, item in items]
    return units, [name for name, _ in items]


def source_array(names: list[Hashable], counts: list[int]) -> Any:
    """The ``source`` column: each name repeated for the rows of its transcript."""
    if all(isinstance(name, int) and not isinstance(name, bool) for name in names):
        return to_int(np.repeat(np.array(names, dtype=object), counts).tolist())
    labels = np.array([str(name) for name in names], dtype=object)
    return to_string(np.repeat(labels, counts).tolist())


def _single(value: Any) -> Unit | None:
    """``value`` as one transcript, or ``None`` when it is a collection of them."""
    if isinstance(value, (str, bytes, bytearray)):
        raise TypeError(
            f"{_EXPECTED}; got {type(value).__name__} (for a path or JSON text use "
            "dgdata.Transcript.load)"
        )
    if isinstance(value, Mapping):
        if is_live_message(value):
            return _message(value)
        if any(key in value for key in _RESPONSE_KEYS) or not _looks_named(value):
            return Unit(results=response_results(value))
        return None
    if isinstance(value, Iterable):
        items = value if isinstance(value, list) else list(value)
        if items and all(is_live_message(item) for item in items):
            return _session(items)
        return None
    raise TypeError(f"{_EXPECTED}; got {type(value).__name__}")


def _looks_named(value: Mapping[Any, Any]) -> bool:
    """A non-empty mapping whose values are all transcripts-to-be (dicts, lists, objects)."""
    return bool(value) and all(
        not isinstance(item, (str, bytes, int, float, type(None))) for item in value.values()
    )


def _named_items(value: Any) -> list[tuple[Hashable, Any]]:
    if isinstance(value, Mapping):
        return list(value.items())
    items = value if isinstance(value, list) else list(value)
    return [_pair(position, item) for position, item in enumerate(items)]


def _pair(position: int, item: Any) -> tuple[Hashable, Any]:
    if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], Hashable):
        name, transcript = item
        if not isinstance(name, (Mapping, list, tuple)):
            return name, transcript
    return position, item


def _item_unit(name: Hashable, item: Any) -> Unit:
    """One item of a collection: a transcript or a live session, never a nested collection."""
    item = plain(item)
    try:
        unit = _single(item)
    except (TypeError, ValueError) as error:
        raise type(error)(f"source {name!r}: {error}") from None
    if unit is None:
        kind = type(item).__name__
        raise TypeError(f"source {name!r}: {_EXPECTED}; got a {kind} that is none of these")
    return unit


def _session(messages: list[Any]) -> Unit:
    return Unit(messages=tuple(message for message in messages if is_final_results(message)))


def _message(message: Mapping[str, Any]) -> Unit:
    """One live message given on its own: used even when it is an interim result."""
    kind = message.get("type", "Results")
    if kind != "Results":
        raise ValueError(f"a live {kind!r} message holds no transcript; pass 'Results' messages")
    return Unit(messages=(dict(message),))
