"""Render the word-timing probe: single words, each with known start and end, in one WAV file.

``tests/server/test_word_timing.py`` checks that each engine's word times are within 0.1 s of
the true ones. The truth comes from construction: each word of ``WORDS`` is spoken alone by
flite (``rms`` voice, 16 kHz), trimmed of its leading and trailing silence (10 ms frames more
than 40 dB below the word's loudest one), and the words are put one after another with 150-400
ms of quiet room noise between them (RMS 8, seeded), so each word's start and end is known to
10 ms. Writes ``words.wav`` (16 kHz mono 16-bit) and ``words.json`` (``[[word, start, end],
...]`` in seconds) beside this script (needs ``apt-get install flite``)::

    .venv/bin/python tests/data/speech/probes/render.py          # write both files
    .venv/bin/python tests/data/speech/probes/render.py --check  # exit 1 if either differs
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import tempfile
import wave
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[4]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from tests.data.speech.render import render  # noqa: E402
from tests.server.audio_corpus import read_wav  # noqa: E402

HERE = Path(__file__).resolve().parent
RATE = 16000
FRAME = RATE // 100
#: Words with every kind of edge: fricatives (fish, seven, thirty), stops (table, paper,
#: doctor), vowels and glides (orange, yellow, window), nasals (morning, number).
WORDS = (
    "morning", "table", "garden", "seven", "coffee", "window", "yellow", "basket", "simple",
    "friday", "number", "hello", "station", "fish", "kitchen", "music", "paper", "orange",
    "thirty", "doctor",
)  # fmt: skip
GAPS = (0.15, 0.4)  # seconds of room noise between words
EDGE = 0.5  # before the first word and after the last
TRIM_DB = 40.0


def trim(pcm: np.ndarray) -> np.ndarray:
    """``pcm`` without its leading and trailing 10 ms frames more than ``TRIM_DB`` below its
    loudest frame."""
    count = len(pcm) // FRAME
    frames = pcm[: count * FRAME].astype(np.float64).reshape(count, FRAME)
    levels = np.sqrt(np.mean(frames * frames, axis=1))
    loud = np.flatnonzero(levels > levels.max() * 10 ** (-TRIM_DB / 20))
    return pcm[loud[0] * FRAME : (loud[-1] + 1) * FRAME]


def build(folder: Path) -> tuple[np.ndarray, list[tuple[str, float, float]]]:
    """The probe's samples and each word's ``(word, start, end)``."""
    rng = np.random.default_rng(17)

    def noise(seconds: float) -> np.ndarray:
        return np.rint(rng.normal(0, 8, round(seconds * RATE))).astype(np.int16)

    parts, truth = [noise(EDGE)], []
    cursor = len(parts[0])
    for index, word in enumerate(WORDS):
        spoken = trim(read_wav(render(word, folder / f"{index}.wav")))
        truth.append((word, cursor / RATE, (cursor + len(spoken)) / RATE))
        parts += [spoken, noise(rng.uniform(*GAPS) if index + 1 < len(WORDS) else EDGE)]
        cursor += len(spoken) + len(parts[-1])
    return np.concatenate(parts), truth


def wav_bytes(pcm: np.ndarray) -> bytes:
    """``pcm`` as a 16 kHz mono 16-bit WAV file."""
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(RATE)
        wav.writeframes(pcm.astype("<i2").tobytes())
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    """Render the probe (or with ``--check`` only compare it); the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--check", action="store_true", help="compare only; exit 1 on a change")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        pcm, truth = build(Path(folder))
    rows = ",\n".join(json.dumps(row) for row in truth)  # one word a line
    files = {HERE / "words.wav": wav_bytes(pcm), HERE / "words.json": f"[\n{rows}\n]\n".encode()}
    stale = [path for path, data in files.items() if not path.is_file() or
             path.read_bytes() != data]  # fmt: skip
    for path in stale:
        if args.check:
            print(f"differs from what flite renders: {path.name}")
        else:
            path.write_bytes(files[path])
            print(f"rendered {path.name}")
    return 1 if stale and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
