"""The models the local server lists (``/v1/models``), and what really serves each one.

The truth first: a local server recognises speech with **one** engine, the one it was started
with (Whisper through faster-whisper, e.g. ``dgdata-local-whisper-tiny.en``, or pocketsphinx and
its US English model, ``dgdata-local-pocketsphinx``: a :class:`Recogniser`), and synthesises
speech with its own small local synthesiser. It runs no Deepgram model. The catalogue lists that
engine under its own name and, so that code written for Deepgram runs unchanged, the model
names clients commonly pass (``nova-3``, ``nova-2``, ``base``, ``whisper``, the ``aura`` voices...)
as **aliases**: accepted, answered by the local engine, priced at Deepgram's list price for that
model (see :mod:`dgdata.server.backend.pricing`) so that usage and spend look real.

Every entry carries, besides the fields of the API, a ``dgdata`` object saying which local
engine serves it and whether it is an alias; the API's own fields stay honest too (languages are
the ones the local engine understands, English). UUIDs are fixed (UUID 5 of the canonical name),
so they are the same on every server and across restarts.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

__all__ = [
    "LOCAL_STT_ENGINE",
    "LOCAL_STT_MODEL",
    "LOCAL_TTS_ENGINE",
    "POCKETSPHINX",
    "THINK_MODELS",
    "Model",
    "Recogniser",
    "find",
    "list_models",
    "model_uuid",
]

_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/dgdata/dgdata/server/models")

#: The speech recogniser behind every STT model of the local server.
LOCAL_STT_ENGINE = "pocketsphinx en-us"
#: The name the local recogniser is listed under.
LOCAL_STT_MODEL = "dgdata-local-pocketsphinx"
#: The speech synthesiser behind every TTS voice of the local server.
LOCAL_TTS_ENGINE = "flite (rms voice) or espeak-ng, whichever is installed"

_LANGUAGES = ["en", "en-US"]


def _pocketsphinx_version() -> str:
    try:
        return f"pocketsphinx-{metadata.version('pocketsphinx')}.en-us"
    except metadata.PackageNotFoundError:  # pragma: no cover - the server extra is missing
        return "pocketsphinx.en-us"


def model_uuid(canonical_name: str, version: str | None = None) -> str:
    """The fixed UUID of a model (of one of its versions when ``version`` is given)."""
    key = canonical_name if version is None else f"{canonical_name}@{version}"
    return str(uuid.uuid5(_NAMESPACE, key))


@dataclass(frozen=True)
class Recogniser:
    """The speech recogniser a server runs, as the catalogue lists it.

    ``name`` is its canonical name (``dgdata-local-whisper-tiny.en``), ``served_by`` what the
    aliases say answers them (``"whisper tiny.en (faster-whisper, int8)"``), ``formatted``
    whether the engine writes punctuated, cased text of its own.
    """

    name: str
    version: str
    architecture: str
    served_by: str
    formatted: bool

    def model(self) -> Model:
        """The recogniser's own catalogue entry."""
        return _stt(
            self.name, self.name, self.architecture, self.version, "local",
            self.architecture, formatted=self.formatted,
        )  # fmt: skip


@dataclass(frozen=True)
class Model:
    """One catalogue entry."""

    kind: str  # "stt" | "tts"
    name: str
    canonical_name: str
    architecture: str
    version: str
    aliases: tuple[str, ...] = ()
    latest: bool = True
    batch: bool = True
    streaming: bool = True
    formatted_output: bool = True
    voice: dict[str, Any] = field(default_factory=dict)

    @property
    def uuid(self) -> str:
        return model_uuid(self.canonical_name, None if self.latest else self.version)

    @property
    def is_alias(self) -> bool:
        return not self.canonical_name.startswith("dgdata-local-")

    def names(self) -> tuple[str, ...]:
        """Every name a request may use for this model."""
        return (self.canonical_name, self.name, *self.aliases)

    def as_json(self, served_by: str = LOCAL_STT_ENGINE) -> dict[str, Any]:
        """The model as ``/v1/models`` shows it (``served_by``: the server's recogniser)."""
        out: dict[str, Any] = {
            "name": self.name,
            "canonical_name": self.canonical_name,
            "architecture": self.architecture,
            "languages": list(_LANGUAGES),
            "version": self.version,
            "uuid": self.uuid,
        }
        if self.kind == "stt":
            out.update(
                batch=self.batch, streaming=self.streaming, formatted_output=self.formatted_output
            )
            engine = served_by
            note = (
                "The local server's own recogniser."
                if not self.is_alias
                else f"Accepted as a model name; transcribed by the local {served_by} "
                f"engine, not by Deepgram's {self.canonical_name}. Priced as Deepgram lists it."
            )
        else:
            out["metadata"] = {**self.voice, "tags": [*self.voice.get("tags", []), "dgdata-local"]}
            engine = LOCAL_TTS_ENGINE
            note = (
                f"Accepted as a voice name; spoken by the {LOCAL_TTS_ENGINE}, not by Deepgram's "
                f"{self.canonical_name}. Priced as Deepgram lists it."
            )
        out["dgdata"] = {
            "served_by": engine,
            "alias": self.kind == "tts" or self.is_alias,
            "latest": self.latest,
            "note": note,
        }
        return out


def _stt(
    name: str,
    canonical: str,
    architecture: str,
    version: str,
    *aliases: str,
    latest: bool = True,
    formatted: bool = True,
    streaming: bool = True,
) -> Model:
    return Model(
        "stt",
        name,
        canonical,
        architecture,
        version,
        aliases,
        latest,
        formatted_output=formatted,
        streaming=streaming,
    )


def _voice(
    voice: str,
    architecture: str,
    version: str,
    accent: str,
    age: str,
    color: str,
    tags: list[str],
    use_cases: list[str],
) -> Model:
    canonical = f"{architecture}-{voice}-en"
    meta = {"accent": accent, "age": age, "color": color, "tags": tags, "use_cases": use_cases}
    return Model("tts", voice, canonical, architecture, version, (), True, voice=meta)


_STT: tuple[Model, ...] = (
    _stt("general", "nova-3-general", "nova-3", "2025-04-17.0", "nova-3"),
    _stt("medical", "nova-3-medical", "nova-3", "2025-04-17.0"),
    _stt("general", "nova-2-general", "nova-2", "2024-01-09.29447", "nova-2"),
    _stt("meeting", "nova-2-meeting", "nova-2", "2024-01-09.29447"),
    _stt("phonecall", "nova-2-phonecall", "nova-2", "2024-01-09.29447"),
    _stt("general", "nova-general", "nova", "2023-04-28.0", "nova"),
    _stt("general", "enhanced-general", "polaris", "2022-05-18.1", "enhanced", formatted=False),
    _stt("general", "base-general", "base", "2021-11-10.1", "base", formatted=False),
    _stt(
        "large",
        "whisper-large",
        "whisper",
        "2023-01-01.0",
        "whisper",
        "whisper-medium",
        streaming=False,
    ),
    # Earlier versions, listed with include_outdated=true.
    _stt("general", "nova-2-general", "nova-2", "2023-09-20.0", latest=False),
    _stt("general", "nova-3-general", "nova-3", "2025-02-12.0", latest=False),
)

_TTS: tuple[Model, ...] = (
    _voice(
        "thalia",
        "aura-2",
        "2025-04-07.0",
        "American",
        "Adult",
        "#A3C4F3",
        ["feminine", "clear", "energetic"],
        ["IVR", "casual chat"],
    ),
    _voice(
        "andromeda",
        "aura-2",
        "2025-04-07.0",
        "American",
        "Adult",
        "#F7B267",
        ["feminine", "casual", "expressive"],
        ["customer service", "IVR"],
    ),
    _voice(
        "apollo",
        "aura-2",
        "2025-04-07.0",
        "American",
        "Adult",
        "#7BD389",
        ["masculine", "confident", "casual"],
        ["casual chat"],
    ),
    _voice(
        "zeus",
        "aura-2",
        "2025-04-07.0",
        "American",
        "Adult",
        "#C58DFF",
        ["masculine", "deep", "trustworthy"],
        ["IVR"],
    ),
    _voice(
        "asteria",
        "aura",
        "2024-02-01.0",
        "American",
        "Adult",
        "#F2A1C2",
        ["feminine", "clear", "confident"],
        ["advertising", "IVR"],
    ),
    _voice(
        "luna",
        "aura",
        "2024-02-01.0",
        "American",
        "Young Adult",
        "#B8E1FF",
        ["feminine", "friendly", "natural"],
        ["IVR", "casual chat"],
    ),
    _voice(
        "orion",
        "aura",
        "2024-02-01.0",
        "American",
        "Adult",
        "#8FA3BF",
        ["masculine", "approachable", "calm"],
        ["informative"],
    ),
    _voice(
        "helios",
        "aura",
        "2024-02-01.0",
        "British",
        "Adult",
        "#E8C547",
        ["masculine", "professional", "clear"],
        ["customer service"],
    ),
)

#: Think models of ``/v1/agent/settings/think/models``. The local server runs no language model;
#: this is the catalogue Deepgram documents, listed so that agent tooling finds its choices.
THINK_MODELS: tuple[dict[str, str], ...] = (
    {"id": "gpt-5", "name": "GPT-5", "provider": "open_ai"},
    {"id": "gpt-5-mini", "name": "GPT-5 mini", "provider": "open_ai"},
    {"id": "gpt-5-nano", "name": "GPT-5 nano", "provider": "open_ai"},
    {"id": "gpt-4.1", "name": "GPT-4.1", "provider": "open_ai"},
    {"id": "gpt-4.1-mini", "name": "GPT-4.1 mini", "provider": "open_ai"},
    {"id": "gpt-4.1-nano", "name": "GPT-4.1 nano", "provider": "open_ai"},
    {"id": "gpt-4o", "name": "GPT-4o", "provider": "open_ai"},
    {"id": "gpt-4o-mini", "name": "GPT-4o mini", "provider": "open_ai"},
    {"id": "claude-3-5-haiku-latest", "name": "Claude 3.5 Haiku", "provider": "anthropic"},
    {"id": "claude-sonnet-4-20250514", "name": "Claude Sonnet 4", "provider": "anthropic"},
    {"id": "gemini-2.5-flash", "name": "Gemini 2.5 Flash", "provider": "google"},
    {"id": "gemini-2.0-flash", "name": "Gemini 2.0 Flash", "provider": "google"},
    {"id": "gemini-2.0-flash-lite", "name": "Gemini 2.0 Flash Lite", "provider": "google"},
    {"id": "openai/gpt-oss-20b", "name": "GPT OSS 20B", "provider": "groq"},
)


#: pocketsphinx writes plain lower-case words: no formatted output of its own.
POCKETSPHINX = Recogniser(
    LOCAL_STT_MODEL, _pocketsphinx_version(), "pocketsphinx", LOCAL_STT_ENGINE, formatted=False
)


def _all(recogniser: Recogniser = POCKETSPHINX) -> Iterator[Model]:
    yield recogniser.model()
    yield from _STT
    yield from _TTS


def list_models(
    include_outdated: bool = False, recogniser: Recogniser = POCKETSPHINX
) -> dict[str, list[dict[str, Any]]]:
    """``{"stt": [...], "tts": [...]}`` as ``/v1/models`` answers on a server that recognises
    with ``recogniser``."""
    chosen = [m for m in _all(recogniser) if m.latest or include_outdated]
    return {
        "stt": [m.as_json(recogniser.served_by) for m in chosen if m.kind == "stt"],
        "tts": [m.as_json() for m in chosen if m.kind == "tts"],
    }


def by_uuid(model_id: str, recogniser: Recogniser = POCKETSPHINX) -> Model | None:
    """The catalogue entry with this UUID (on a server that recognises with ``recogniser``)."""
    return next((m for m in _all(recogniser) if m.uuid == model_id), None)


_BY_NAME: dict[str, Model] = {}
for _model in _all():
    if _model.latest:
        for _name in (_model.canonical_name, *_model.aliases):
            _BY_NAME.setdefault(_name.lower(), _model)


def find(name: str) -> Model | None:
    """The latest catalogue entry a request's model name (or model UUID) means, or None.

    ``nova-3``, ``nova-3-general``, ``aura-2-thalia-en`` and the UUID all find their entry.
    """
    key = name.strip().lower()
    model = _BY_NAME.get(key)
    if model is None and not key.endswith("-general"):
        model = _BY_NAME.get(key + "-general")
    return model or by_uuid(name.strip())
