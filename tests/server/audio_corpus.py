"""Speech for the recognition tests: ``flite -voice rms`` sentences, pre-rendered, and a tiny WER.

The sentences were spoken once by flite and committed as 16 kHz mono WAV files under
``tests/data/speech/`` (``tests/data/speech/render.py`` re-renders them; its README says how), so
the tests need no speech engine: a fresh machine with Python runs them. A sentence that is not
there is an error naming that script, not a skip.

Two sets of everyday English sentences:

- ``CORPUS``: the 20 sentences the tests and the benchmark score (WER over the whole set);
- ``HELD_OUT``: 10 more sentences that no decoder setting was tuned on; the benchmark reports
  them separately, to show that the tuning generalises beyond ``CORPUS``.

Example::

    clips = synthesize(CORPUS[:2], tmp_path)
    words = recognize(read_wav(clips[0].path))
    assert wer(clips[0].text, " ".join(w.word for w in words)) <= 0.1
"""

from __future__ import annotations

import re
import shutil
import wave
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

#: Where the pre-rendered sentences are, and the flite voice that spoke them.
SPEECH = Path(__file__).resolve().parents[1] / "data" / "speech"
FLITE_VOICE = "rms"

CORPUS: tuple[str, ...] = (
    "the quick brown fox jumps over the lazy dog",
    "please call me back when you get home tonight",
    "i would like a cup of coffee with milk and sugar",
    "the weather is nice today so we are going to the park",
    "can you tell me where the nearest train station is",
    "she bought three apples and a loaf of bread at the market",
    "we need to finish the report before the meeting on friday",
    "my brother lives in a small house near the river",
    "turn left at the next corner and walk two blocks",
    "the children played in the garden all afternoon",
    "do you know what time the store opens in the morning",
    "he forgot his keys on the kitchen table again",
    "it has been raining for three days without a break",
    "the doctor said i should drink more water every day",
    "our flight leaves at seven in the evening",
    "they are planning a trip to the mountains next summer",
    "could you please send me the file by email",
    "the music was so loud that nobody could hear a thing",
    "i think we should order pizza for dinner",
    "there are twenty five students in the class",
)

HELD_OUT: tuple[str, ...] = (
    "the dog barked at the mailman every single morning",
    "let me know if you need any help with your homework",
    "she opened the window to let some fresh air in",
    "we watched a movie and went to bed early",
    "the bus was late so i had to walk to work",
    "please remember to buy eggs and cheese on your way home",
    "the new restaurant downtown serves very good food",
    "he plays the guitar in a band with his friends",
    "my phone battery is almost empty",
    "the meeting has been moved to tuesday afternoon",
)


@dataclass(frozen=True)
class Clip:
    """One sentence flite spoke: its reference text and the 16 kHz mono WAV file."""

    text: str
    path: Path

    @property
    def duration(self) -> float:
        """Length of the WAV file, in seconds."""
        with wave.open(str(self.path), "rb") as wav:
            return wav.getnframes() / wav.getframerate()


def speech_file(text: str) -> Path:
    """The committed recording of ``text`` (``tests/data/speech/<words-joined-by-dashes>.wav``)."""
    return SPEECH / f"{'-'.join(normalize(text))}.wav"


def recorded(text: str) -> Clip:
    """The pre-rendered ``text`` in place (read it, never write it): an error if it is missing."""
    path = speech_file(text)
    if not path.is_file():
        raise FileNotFoundError(
            f"no pre-rendered speech for {text!r} ({path.name}): add the sentence to CORPUS or "
            "HELD_OUT and run `python tests/data/speech/render.py` (needs flite)"
        )
    return Clip(text, path)


def synthesize_one(text: str, path: Path) -> Clip:
    """Flite's ``text`` (pre-rendered) copied to ``path``, for a test to read or rewrite."""
    shutil.copyfile(recorded(text).path, path)
    return Clip(text, path)


def synthesize(texts: Iterable[str], directory: Path, *, prefix: str = "clip") -> list[Clip]:
    """Copy each text's speech into ``directory/<prefix>-NN.wav``; the clips in the same order."""
    directory.mkdir(parents=True, exist_ok=True)
    return [
        synthesize_one(text, directory / f"{prefix}-{n:02d}.wav") for n, text in enumerate(texts)
    ]


def corpus_clips() -> tuple[Clip, ...]:
    """``CORPUS`` as flite spoke it: the committed files themselves (tests only read them)."""
    return tuple(recorded(text) for text in CORPUS)


def read_wav(path: Path) -> np.ndarray:
    """The samples of a 16-bit mono WAV file as 1-D int16 (no resampling: flite gives 16 kHz)."""
    with wave.open(str(path), "rb") as wav:
        if wav.getsampwidth() != 2 or wav.getnchannels() != 1:
            raise ValueError(f"{path}: expected 16-bit mono")
        return np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").astype(np.int16)


def write_wav(path: Path, samples: np.ndarray, rate: int) -> Path:
    """Write int16 samples, shape (n,) or (n, channels), as a WAV file."""
    frames = samples if samples.ndim == 2 else samples[:, None]
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(frames.shape[1])
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(np.ascontiguousarray(frames, dtype="<i2").tobytes())
    return path


_NUMBER_WORDS = {"25": "twenty five"}


def normalize(text: str) -> list[str]:
    """Lowercase words without punctuation: the unit the WER counts."""
    words = re.findall(r"[a-z0-9']+", text.lower())
    out: list[str] = []
    for word in words:
        out.extend(_NUMBER_WORDS.get(word, word).split())
    return out


def edit_distance(reference: Sequence[str], hypothesis: Sequence[str]) -> int:
    """Levenshtein distance between two word sequences (substitutions, insertions, deletions)."""
    previous = list(range(len(hypothesis) + 1))
    for i, ref_word in enumerate(reference, 1):
        current = [i] + [0] * len(hypothesis)
        for j, hyp_word in enumerate(hypothesis, 1):
            current[j] = min(
                previous[j] + 1,
                current[j - 1] + 1,
                previous[j - 1] + (ref_word != hyp_word),
            )
        previous = current
    return previous[-1]


def wer(reference: str, hypothesis: str) -> float:
    """Word error rate of one hypothesis against its reference."""
    ref = normalize(reference)
    return edit_distance(ref, normalize(hypothesis)) / max(len(ref), 1)


def corpus_wer(pairs: Iterable[tuple[str, str]]) -> float:
    """Word error rate over many (reference, hypothesis) pairs: total errors / total words."""
    errors = words = 0
    for reference, hypothesis in pairs:
        ref = normalize(reference)
        errors += edit_distance(ref, normalize(hypothesis))
        words += len(ref)
    return errors / max(words, 1)
