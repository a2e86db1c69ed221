"""Folders of distinct short recordings for the batch tests, made from the bundled samples."""

from __future__ import annotations

import wave
from pathlib import Path

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
