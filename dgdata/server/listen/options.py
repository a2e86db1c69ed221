"""The query options of ``/v1/listen`` (REST and WebSocket): parsed, checked, summarised.

Every option the spec lists is accepted; values are checked and a bad one is the real API's 400
(``INVALID_QUERY_PARAMETER``, naming the parameter and what it takes). Unknown options pass
through, as Deepgram lets them. :func:`parse_listen_options` also says, for usage reporting,
which features a request used and its configuration (the ``features`` and ``config`` of
``/v1/projects/{id}/requests``).

Models: every Deepgram speech-to-text name is accepted (``nova-3``, ``nova-2-meeting``,
``enhanced``, ``base``, ``whisper-large``, the bare domains ``phonecall``, ``meeting`` … and the
catalogue's ``dgdata-local-pocketsphinx``); all are transcribed by the local recogniser, which
responses name honestly in ``model_info`` (:class:`dgdata.server.state.LocalModel`: the engine,
Whisper or pocketsphinx, and its weights, whatever name was asked for; the requested name stays in
``models`` of usage). Flux models (``flux-*``) are refused on ``/v1/listen`` as
the real API refuses them; any other name is the real API's "No such model" 400.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from starlette.datastructures import QueryParams

from dgdata.server.backend import catalog
from dgdata.server.errors import ApiError, query_error

__all__ = [
    "LIVE_ENCODINGS",
    "REST_ENCODINGS",
    "ListenOptions",
    "parse_listen_options",
]

#: Encodings ``/v1/listen`` takes (REST; the socket also takes linear32, alaw and ogg-opus).
REST_ENCODINGS = ("linear16", "flac", "mulaw", "amr-nb", "amr-wb", "opus", "speex", "g729")
LIVE_ENCODINGS = (*REST_ENCODINGS, "linear32", "alaw", "ogg-opus")

_BOOLEANS = (
    "sentiment", "topics", "intents", "detect_entities", "diarize", "dictation", "filler_words",
    "measurements", "multichannel", "numerals", "paragraphs", "profanity_filter", "punctuate",
    "smart_format", "utterances", "mip_opt_out", "interim_results", "vad_events", "no_delay",
    "keepalive", "alternatives_enabled",
)  # fmt: skip
#: Options that are lists of strings (repeatable).
_LISTS = (
    "tag", "keywords", "keyterm", "search", "replace", "redact", "extra", "custom_topic",
    "custom_intent",
)  # fmt: skip
_ENUMS = {
    "callback_method": ("POST", "PUT"),
    "diarize_model": ("latest", "v1", "v2"),
    "custom_topic_mode": ("extended", "strict"),
    "custom_intent_mode": ("extended", "strict"),
}
#: Options recorded in ``config`` besides the features (how the audio was described).
_CONFIG_ONLY = ("model", "language", "version", "encoding", "sample_rate", "channels", "tier")

#: Families and domains of Deepgram's speech-to-text model names.
_FAMILIES = ("nova-3", "nova-2", "nova", "enhanced", "base", "whisper")
_DOMAINS = (
    "general", "meeting", "phonecall", "finance", "conversationalai", "voicemail", "video",
    "medical", "drivethru", "automotive", "atc",
)  # fmt: skip
_WHISPER_SIZES = ("tiny", "base", "small", "medium", "large")
_DEFAULT_MODEL = "base"
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z")


def known_model(name: str) -> bool:
    """Whether ``name`` is a speech-to-text model name Deepgram (or the catalogue) knows."""
    key = name.strip().lower()
    if catalog.find(key) is not None or key.startswith("dgdata-local-"):
        return True  # a local recogniser's own name (the one the server runs answers it)
    if _UUID.match(key):
        return False  # a UUID the catalogue does not know
    if key in _DOMAINS or key in _FAMILIES:
        return True
    for family in _FAMILIES:
        if key.startswith(family + "-"):
            rest = key[len(family) + 1 :]
            allowed = _WHISPER_SIZES if family == "whisper" else _DOMAINS
            return rest in allowed
        if key.endswith("-" + family):  # the old "general-nova-3" / "2-general-nova" forms
            return True
    return key in ("2-general-nova", "general-enhanced", "general-base")


@dataclass
class ListenOptions:
    """A checked ``/v1/listen`` query."""

    model: str
    encoding: str | None = None
    sample_rate: int | None = None
    channels: int = 1
    multichannel: bool = False
    punctuate: bool = False
    smart_format: bool = False
    diarize: bool = False
    utterances: bool = False
    paragraphs: bool = False
    utt_split: float = 0.8
    language: str = "en"
    summarize: str | None = None  # "v2" | "true" | None
    tags: list[str] = field(default_factory=list)
    callback: str | None = None
    callback_method: str = "POST"
    # live only
    interim_results: bool = False
    endpointing: int | None = 10  # ms of silence ending an utterance; None: off
    utterance_end_ms: int | None = None
    vad_events: bool = False
    #: Every option as given (lists for repeatable ones), for the response builder.
    values: dict[str, Any] = field(default_factory=dict)
    #: Usage: the features used and the request's configuration.
    features: list[str] = field(default_factory=list)
    config: dict[str, Any] = field(default_factory=dict)

    def flag(self, name: str) -> bool:
        """Whether a boolean option was set to true."""
        return self.values.get(name) is True


def _bool(name: str, value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("true", "1", "yes"):
        return True
    if lowered in ("false", "0", "no"):
        return False
    raise query_error(f"{name} must be a boolean (true or false), not {value!a}.")


def _int(name: str, value: str, *, low: int | None = None, high: int | None = None) -> int:
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or number != int(number):  # NaN and inf have no int()
        raise query_error(f"{name} must be a whole number, not {value!a}.")
    if (low is not None and number < low) or (high is not None and number > high):
        span = f"at least {low}" if high is None else f"between {low} and {high}"
        raise query_error(f"{name} must be {span}, not {value!a}.")
    return int(number)


def _number(name: str, value: str, *, positive: bool = True) -> float:
    try:
        number = float(value)
    except ValueError:
        raise query_error(f"{name} must be a number, not {value!a}.") from None
    if not math.isfinite(number) or (positive and number <= 0):
        raise query_error(f"{name} must be a positive number, not {value!a}.")
    return number


def _values(query: QueryParams, name: str) -> list[str]:
    return [v for v in query.getlist(name) if v.strip() != ""]


def parse_listen_options(query: QueryParams, *, live: bool = False) -> ListenOptions:
    """Check a ``/v1/listen`` query; 400 ``INVALID_QUERY_PARAMETER`` on a bad value."""
    values: dict[str, Any] = {}
    for name in query:
        given = _values(query, name)
        if not given:
            continue
        if name in _BOOLEANS:
            values[name] = _bool(name, given[-1])
        elif name in _LISTS:
            values[name] = given
        else:
            values[name] = given[-1] if len(given) == 1 else given

    def one(name: str) -> str | None:
        value = values.get(name)
        if isinstance(value, list):
            return str(value[-1])
        return None if value is None else str(value)

    model = (one("model") or _DEFAULT_MODEL).strip()
    if model.lower().startswith("flux"):
        raise ApiError(
            400,
            "V2_MODEL_ON_V1_LISTEN_ENDPOINT",
            f"Flux models such as {model!a} are served on /v2/listen, not /v1/listen.",
        )
    if not known_model(model):
        raise ApiError(
            400, "Bad Request", "Bad Request: No such model/language/tier combination found."
        )
    options = ListenOptions(model=model, values=values)

    encodings = LIVE_ENCODINGS if live else (*REST_ENCODINGS, "linear32", "alaw")
    encoding = one("encoding")
    if encoding is not None:
        encoding = encoding.strip().lower()
        if encoding not in encodings:
            raise query_error(f"encoding must be one of {', '.join(encodings)}, not {encoding!a}.")
        options.encoding = encoding
    rate = one("sample_rate")
    if rate is not None:
        options.sample_rate = _int("sample_rate", rate, low=1000, high=384000)
    if options.encoding is not None and options.sample_rate is None:
        raise query_error(f"sample_rate is required with encoding={options.encoding}.")
    channels = one("channels")
    if channels is not None:
        options.channels = _int("channels", channels, low=1, high=32)
    for name, choices in _ENUMS.items():
        value = one(name)
        if value is None:
            continue
        normalised = value.upper() if name == "callback_method" else value.lower()
        if normalised not in choices:
            raise query_error(f"{name} must be one of {', '.join(choices)}, not {value!a}.")
        values[name] = normalised
    options.callback_method = str(values.get("callback_method", "POST"))
    callback = one("callback")
    if callback is not None:
        parts = urlsplit(callback)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise query_error(f"callback must be an http:// or https:// URL, not {callback!a}.")
        options.callback = callback
    split = one("utt_split")
    if split is not None:
        options.utt_split = _number("utt_split", split)
    summarize = one("summarize")
    if summarize is not None:
        lowered = summarize.strip().lower()
        if lowered not in ("v2", "true", "false", "v1"):
            raise query_error(f"summarize must be v2 or a boolean, not {summarize!a}.")
        options.summarize = None if lowered == "false" else lowered
        values["summarize"] = options.summarize or False
    detect = values.get("detect_language")
    if isinstance(detect, str) and detect.lower() in ("true", "false"):
        values["detect_language"] = detect.lower() == "true"
    endpointing = one("endpointing")
    if endpointing is not None:
        lowered = endpointing.strip().lower()
        if lowered == "false":
            options.endpointing = None
        elif lowered == "true":
            options.endpointing = 10
        else:
            options.endpointing = _int("endpointing", endpointing, low=0, high=60000)
    utterance_end = one("utterance_end_ms")
    if utterance_end is not None:
        options.utterance_end_ms = _int("utterance_end_ms", utterance_end, low=0, high=60000)
    language = one("language")
    if language is not None:
        options.language = language.strip()

    for name in (
        "multichannel",
        "punctuate",
        "smart_format",
        "diarize",
        "utterances",
        "paragraphs",
        "interim_results",
        "vad_events",
    ):
        setattr(options, name, values.get(name) is True)
    if values.get("diarize_model"):  # "specifying it enables diarization" (the spec)
        options.diarize = True
        values["diarize"] = True
    options.tags = list(values.get("tag", []))
    options.features, options.config = _usage_summary(values)
    return options


def _used(value: Any) -> bool:
    return value not in (None, False, "", "false", [], {})


def _usage_summary(values: dict[str, Any]) -> tuple[list[str], dict[str, Any]]:
    features = sorted(
        name
        for name, value in values.items()
        if name not in _CONFIG_ONLY
        and name not in ("tag", "callback_method", "mip_opt_out", "keepalive")
        and _used(value)
    )
    config: dict[str, Any] = {}
    for name, value in values.items():
        if name == "tag":
            continue
        if name in ("sample_rate", "channels") and isinstance(value, str) and value.isdigit():
            config[name] = int(value)
        else:
            config[name] = value
    return features, config
