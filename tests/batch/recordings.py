"""Folders of distinct short recordings for the batch tests, made from the bundled samples."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

SAMPLES = Path(__file__).resolve().parents[2] / "dgdata" / "data" / "samples"
SAMPLE_NAMES = ("hello", "callback", "students")


def distinct_recordings(folder: Path, count: int) -> list[Path]:
    """``count`` WAVs of the sample sentences, each with a different length of trailing silence.

    The content (and so the cache key) of every file differs, while each still says its sentence.
    """
    folder.mkdir(parents=True, exist_ok=True)
    made = []
    for index in range(count):
        name = SAMPLE_NAMES[index % len(SAMPLE_NAMES)]
        with wave.open(str(SAMPLES / f"{name}.wav"), "rb") as source:
            params = source.getparams()
            frames = source.readframes(source.getnframes())
        target = folder / f"{index:03d}-{name}.wav"
        with wave.open(str(target), "wb") as out:
            out.setparams(params)
            out.writeframes(frames + b"\0\0" * (160 * (index + 1)))
        made.append(target)
    return made


def sample_pcm(name: str) -> np.ndarray:
    """The 16 kHz mono samples of a bundled recording."""
    with wave.open(str(SAMPLES / f"{name}.wav")) as recording:
        return np.frombuffer(recording.readframes(recording.getnframes()), dtype="<i2")


def two_channel_call(path: Path, *turns: str, gap: int = 6000) -> Path:
    """A two-channel 16 kHz call: two people take turns saying the named sample sentences.

    Each turn is the sentence on its speaker's channel and silence on the other, followed by
    ``gap`` samples of silence on both.
    """
    channels: list[list[np.ndarray]] = [[], []]
    pause = np.zeros(gap, dtype="<i2")
    for index, name in enumerate(turns):
        speech = sample_pcm(name)
        channels[index % 2] += [speech, pause]
        channels[1 - index % 2] += [np.zeros_like(speech), pause]
    left, right = (np.concatenate(parts) for parts in channels)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes(np.column_stack([left, right]).astype("<i2").tobytes())
    return path
