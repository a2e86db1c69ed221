"""Energy-based voice activity and level helpers for the recogniser (16 kHz int16 audio).

- ``frame_levels``: RMS level of each 10 ms frame, in dB re one int16 step;
- ``split_points``: where to cut long recordings (in pauses) into decodable pieces;
- ``normalize_gain``: bring speech to a fixed level (pocketsphinx's features are level
  sensitive at the start of an utterance: quiet input loses several points of WER);
- ``EnergyVad``: a frame-by-frame speech / silence decision with an adaptive noise floor.
"""

from __future__ import annotations

from collections import deque

import numpy as np

RATE = 16000
FRAME = RATE // 100  # 10 ms, pocketsphinx's frame rate
SPEECH_LEVEL = 6000.0  # target RMS of loud speech frames after gain normalisation
MAX_GAIN = 30.0
SILENT_DB = 26.0  # frames below this level (RMS 20, -64 dBFS) are never speech
MARGIN_DB = 12.0  # speech is this far above the noise floor


def frame_levels(pcm: np.ndarray) -> np.ndarray:
    """RMS level of each whole 10 ms frame in dB (RMS 1 = 0 dB; digital silence = 0 dB)."""
    count = len(pcm) // FRAME
    frames = np.asarray(pcm[: count * FRAME], dtype=np.float64).reshape(count, FRAME)
    rms = np.sqrt(np.mean(frames * frames, axis=1))
    return 20.0 * np.log10(np.maximum(rms, 1.0))


def normalize_gain(pcm: np.ndarray) -> np.ndarray:
    """Scale int16 speech so that its loud frames are near ``SPEECH_LEVEL``, without clipping.

    The level is the 95th percentile of the 10 ms frame RMS; the gain is at most ``MAX_GAIN``
    and never pushes the peak past 0.95 of full scale. Silence is left alone.
    """
    count = len(pcm) // FRAME
    if count == 0:
        return pcm
    frames = np.asarray(pcm[: count * FRAME], dtype=np.float64).reshape(count, FRAME)
    level = float(np.percentile(np.sqrt(np.mean(frames * frames, axis=1)), 95))
    peak = float(np.max(np.abs(pcm.astype(np.int32))))
    if level < 10.0 ** (SILENT_DB / 20.0) or peak == 0:
        return pcm
    gain = min(SPEECH_LEVEL / level, MAX_GAIN, 0.95 * 32767 / peak)
    if abs(gain - 1.0) < 0.05:
        return pcm
    return np.clip(np.rint(pcm * gain), -32768, 32767).astype(np.int16)


def _smooth(levels: np.ndarray, width: int) -> np.ndarray:
    kernel = np.ones(width) / width
    return np.convolve(levels, kernel, mode="same")


def split_points(
    pcm: np.ndarray, *, max_seconds: float = 20.0, min_seconds: float = 8.0
) -> list[tuple[int, int]]:
    """Cut audio into ``(start, end)`` sample ranges of at most ``max_seconds`` each.

    Each cut goes in the quietest stretch (300 ms smoothed level) between ``min_seconds`` and
    ``max_seconds`` after the previous cut, in the middle of that pause, so that no word is
    cut when there is any pause at all. The ranges cover the whole input, in order.
    """
    total = len(pcm)
    max_frames = int(max_seconds * 100)
    min_frames = int(min_seconds * 100)
    if total <= max_frames * FRAME:
        return [(0, total)] if total else []
    smoothed = _smooth(frame_levels(pcm), 30)
    ranges: list[tuple[int, int]] = []
    start = 0  # in frames
    frames = len(smoothed)
    while (frames - start) > max_frames:
        window = smoothed[start + min_frames : start + max_frames]
        quiet = window <= window.min() + 0.5
        # the longest run of quiet frames, cut in its middle
        best_len, best_mid, run_start = 0, 0, None
        for index, flag in enumerate(np.append(quiet, False)):
            if flag and run_start is None:
                run_start = index
            elif not flag and run_start is not None:
                if index - run_start > best_len:
                    best_len, best_mid = index - run_start, (run_start + index) // 2
                run_start = None
        cut = start + min_frames + best_mid
        ranges.append((start * FRAME, cut * FRAME))
        start = cut
    ranges.append((start * FRAME, total))
    return ranges


def is_silent(pcm: np.ndarray) -> bool:
    """True when no 10 ms frame of ``pcm`` reaches the speech floor (nothing to decode)."""
    levels = frame_levels(pcm)
    return levels.size == 0 or float(levels.max()) < SILENT_DB


class EnergyVad:
    """Frame-by-frame speech detection with a noise floor tracked over the last few seconds.

    A frame is voiced when its level is ``MARGIN_DB`` above the floor (the 10th percentile of
    the last ``history`` frames) and above ``SILENT_DB``. ``onset`` consecutive voiced frames
    are needed to start speech, so that clicks do not count.
    """

    def __init__(self, *, history: int = 500, onset: int = 3) -> None:
        self._levels: deque[float] = deque(maxlen=history)
        self._floor = 0.0
        self._run = 0
        self._count = 0
        self.onset = onset

    def voiced(self, frame: np.ndarray) -> bool:
        """Whether this 10 ms frame is loud enough to be speech."""
        x = frame.astype(np.float64)
        level = 20.0 * np.log10(max(float(np.sqrt(np.mean(x * x))), 1.0))
        self._levels.append(level)
        self._count += 1
        if self._count % 10 == 0 or self._count < 10:  # the floor moves slowly: save work
            self._floor = float(np.percentile(np.fromiter(self._levels, float), 10))
        loud = level >= max(self._floor + MARGIN_DB, SILENT_DB)
        self._run = self._run + 1 if loud else 0
        return loud

    @property
    def onset_run(self) -> int:
        """How many voiced frames in a row, up to the last one."""
        return self._run
