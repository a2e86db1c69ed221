"""The speech the fake microphone plays: a few sentences spoken by flite, with silence around.

Chromium's fake capture device (``--use-file-for-fake-audio-capture=<wav>%noloop``) plays a
16-bit PCM WAV file once, from the moment a page opens the microphone; flite's ``rms`` voice (the
one the local recogniser does best on) spoke the sentences at 16 kHz (pre-rendered, in
``tests/data/speech/``), which Chromium resamples to its own capture rate like any other file.
One second of silence comes first (the widget has started listening by then), a pause between
sentences lets the recogniser end each utterance, and two seconds of silence at the end flush the
last words before the test presses Stop.
"""

from __future__ import annotations

import time
import wave
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from playwright.sync_api import Locator

from tests.server.audio_corpus import read_wav, recorded, write_wav

RATE = 16000
#: What the fake microphone says (from tests/server/audio_corpus.CORPUS).
SENTENCES: tuple[str, ...] = (
    "please call me back when you get home tonight",
    "the weather is nice today so we are going to the park",
    "can you tell me where the nearest train station is",
)
LEADING_SILENCE = 1.0
PAUSE = 0.8
TRAILING_SILENCE = 2.0


@dataclass(frozen=True)
class Speech:
    """A WAV file for the fake microphone, what it says, and how long it plays."""

    path: Path
    sentences: tuple[str, ...]

    @property
    def text(self) -> str:
        """The reference transcript: the sentences joined by spaces."""
        return " ".join(self.sentences)

    @property
    def duration(self) -> float:
        """Seconds of audio in the file, silences included."""
        with wave.open(str(self.path), "rb") as wav:
            return wav.getnframes() / wav.getframerate()


def make_speech(folder: Path, sentences: tuple[str, ...] = SENTENCES) -> Speech:
    """Join the ``sentences``' recordings into ``folder/speech.wav`` (16 kHz mono 16-bit PCM)."""
    folder.mkdir(parents=True, exist_ok=True)

    def silence(seconds: float) -> np.ndarray:
        return np.zeros(int(seconds * RATE), dtype=np.int16)

    pieces = [silence(LEADING_SILENCE)]
    for n, sentence in enumerate(sentences):
        clip = recorded(sentence)
        with wave.open(str(clip.path), "rb") as wav:
            if wav.getframerate() != RATE:
                raise RuntimeError(f"{clip.path.name} is {wav.getframerate()} Hz, not {RATE}")
        if n:
            pieces.append(silence(PAUSE))
        pieces.append(read_wav(clip.path))
    pieces.append(silence(TRAILING_SILENCE))
    path = write_wav(folder / "speech.wav", np.concatenate(pieces), RATE)
    return Speech(path, sentences)


#: The word error rate the microphone tests allow (the issue's limit).
MAX_WER = 0.25
#: Seconds of audio past the end of the file before Stop (silence: the last words are flushed).
MARGIN = 0.5


def seconds_sent(root: Locator) -> float:
    """Seconds of audio the page has sent to the kernel (the widget's timer)."""
    return float(root.locator(".dgdata-mic-elapsed").get_attribute("data-seconds") or 0)


def wait_until_played(
    root: Locator, speech: Speech, midway: Callable[[], object] | None = None
) -> None:
    """Wait until the page has sent the whole fake-microphone file and ``MARGIN`` more.

    ``midway`` is called once, when half of it has been sent (a screenshot mid-sentence).
    """
    deadline = time.monotonic() + speech.duration + 20
    while (sent := seconds_sent(root)) < speech.duration + MARGIN:
        assert time.monotonic() < deadline, f"only {sent:.1f} s of audio sent"
        if midway is not None and sent > speech.duration / 2:
            midway()
            midway = None
        time.sleep(0.2)
