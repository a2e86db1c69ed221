"""Energy-based voice activity and level helpers for the recogniser (16 kHz int16 audio).

- ``frame_levels``: RMS level of each 10 ms frame, in dB re one int16 step;
- ``split_points``: where to cut long recordings (in pauses) into decodable pieces;
- ``normalize_gain``: bring speech to a fixed level (pocketsphinx's features are level
  sensitive at the start of an utterance: quiet input loses several points of WER);
- ``EnergyVad``: a frame-by-frame speech / silence decision with an adaptive noise floor;
- ``pauses`` and ``snap_spans``: the pauses of a piece, and words' start/end moved onto them
  (engines' word times are often 0.1-0.5 s off where a word meets a pause).
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


_SMOOTH = 30  # frames averaged by the level smoothing of ``split_points`` (300 ms)
_BEFORE = _SMOOTH // 2  # the average at frame i covers frames i - 15 ... i + 14


def _smooth_range(levels: np.ndarray, first: int, end: int) -> np.ndarray:
    """The 300 ms moving average of ``levels`` at frames ``first ... end - 1`` (frames beyond
    ``levels`` count as 0 dB). Each value is the same dot product wherever the range starts,
    so a stream cut anywhere smooths exactly as the whole recording does."""
    lo, hi = first - _BEFORE, end + _SMOOTH - _BEFORE - 1
    part = levels[max(lo, 0) : min(hi, len(levels))]
    padded = np.concatenate([np.zeros(max(-lo, 0)), part, np.zeros(max(hi - len(levels), 0))])
    return np.convolve(padded, np.ones(_SMOOTH) / _SMOOTH, mode="valid")


def _middle_of_longest_quiet_run(window: np.ndarray) -> int:
    """Index of the middle of the longest run of frames within 0.5 dB of the window's minimum."""
    quiet = window <= window.min() + 0.5
    best_len, best_mid, run_start = 0, 0, None
    for index, flag in enumerate(np.append(quiet, False)):
        if flag and run_start is None:
            run_start = index
        elif not flag and run_start is not None:
            if index - run_start > best_len:
                best_len, best_mid = index - run_start, (run_start + index) // 2
            run_start = None
    return best_mid


class Segmenter:
    """:func:`split_points` for a stream: 16 kHz int16 audio in, decodable pieces out.

    ``feed`` returns each piece ``(start sample, samples)`` as soon as its end is certain (the
    audio up to 150 ms past the longest piece has arrived); ``finish`` returns the rest. The
    pieces are exactly ``split_points`` of the whole recording, while at most a piece's worth
    of audio (``max_seconds`` and a little) is held.
    """

    def __init__(self, *, max_seconds: float = 20.0, min_seconds: float = 8.0) -> None:
        self._max = int(max_seconds * 100)
        self._min = int(min_seconds * 100)
        self._pending = np.zeros(0, dtype=np.int16)  # samples from ``_start`` on
        self._levels = np.zeros(0)  # levels of the whole frames of ``_pending``
        self._start = 0  # in samples (always a whole number of frames)

    def feed(self, pcm: np.ndarray) -> list[tuple[int, np.ndarray]]:
        """Add audio; the pieces it completes."""
        self._pending = np.concatenate([self._pending, np.asarray(pcm, dtype=np.int16)])
        known = len(self._levels) * FRAME
        whole = len(self._pending) // FRAME * FRAME
        self._levels = np.concatenate([self._levels, frame_levels(self._pending[known:whole])])
        pieces = []
        while len(self._levels) >= self._max + _SMOOTH - _BEFORE:  # the cut's window is known
            pieces.append(self._cut())
        return pieces

    def finish(self) -> list[tuple[int, np.ndarray]]:
        """End of the audio: the remaining pieces."""
        pieces = []
        while len(self._levels) > self._max:
            pieces.append(self._cut())
        if len(self._pending):
            pieces.append((self._start, self._pending))
        self._pending, self._levels = self._pending[:0], self._levels[:0]
        return pieces

    def _cut(self) -> tuple[int, np.ndarray]:
        window = _smooth_range(self._levels, self._min, self._max)
        cut = self._min + _middle_of_longest_quiet_run(window)
        piece = (self._start, self._pending[: cut * FRAME])
        self._pending, self._levels = self._pending[cut * FRAME :], self._levels[cut:]
        self._start += cut * FRAME
        return piece


def split_points(
    pcm: np.ndarray, *, max_seconds: float = 20.0, min_seconds: float = 8.0
) -> list[tuple[int, int]]:
    """Cut audio into ``(start, end)`` sample ranges of at most ``max_seconds`` each.

    Each cut goes in the quietest stretch (300 ms smoothed level) between ``min_seconds`` and
    ``max_seconds`` after the previous cut, in the middle of that pause, so that no word is
    cut when there is any pause at all. The ranges cover the whole input, in order.
    """
    segmenter = Segmenter(max_seconds=max_seconds, min_seconds=min_seconds)
    pieces = segmenter.feed(pcm) + segmenter.finish()
    return [(start, start + len(piece)) for start, piece in pieces]


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


#: How far (seconds) the edge of a word next to a pause may move onto the pause's edge.
SNAP = 0.25
#: Pauses shorter than this (frames: 100 ms) are in a word (a stop's closure), not between words.
_CLOSURE = 10
#: Quiet at the start or end of a piece is a pause from this many frames (30 ms) on.
_EDGE = 3
#: Sound this far (dB) below a piece's loudest frame is not speech, however noisy the piece.
_RANGE_DB = 40.0


def pauses(pcm: np.ndarray) -> list[tuple[float, float]]:
    """The pauses of a piece, ``(start, end)`` in seconds: runs of 10 ms frames ``MARGIN_DB``
    below its noise floor (10th percentile level; at most ``_RANGE_DB`` below its loudest frame)
    or below ``SILENT_DB``, at least 100 ms long (shorter ones are a stop's closure in a word)
    or 30 ms at either end of the piece."""
    levels = frame_levels(pcm)
    if levels.size == 0:
        return []
    floor = float(np.percentile(levels, 10))
    threshold = max(SILENT_DB, min(floor + MARGIN_DB, float(levels.max()) - _RANGE_DB))
    edges = np.flatnonzero(np.diff(np.concatenate([[0], levels < threshold, [0]]).astype(np.int8)))
    return [  # quiet at either end of the piece is no closure: shorter runs count there
        (start / 100, end / 100)
        for start, end in zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True)
        if end - start >= (_EDGE if start == 0 or end == len(levels) else _CLOSURE)
    ]


def snap_spans(pcm: np.ndarray, spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Word spans (seconds from the start of ``pcm``, in order) moved onto the pauses around them.

    Engines place a word's edges next to a pause up to 0.3 s off: Whisper's often reach into
    the pause or past it into the next word's sound. A pause is a hard boundary: a word whose
    span crosses one keeps the side with more of its span; the last word before a pause ends
    where the pause starts and the first word after it starts where it ends, when that moves
    them at most ``SNAP`` s. Edges inside continuous speech do not move. The spans stay in
    order, never overlap and stay within the piece.
    """
    words = [list(span) for span in spans]
    for pause in pauses(pcm):
        _onto_pause(words, *pause)
    limit, low, snapped = len(pcm) / RATE, 0.0, []
    for start, end in words:
        start = min(max(start, low), limit)
        low = min(max(end, start), limit)
        snapped.append((start, low))
    return snapped


def _onto_pause(words: list[list[float]], pause_start: float, pause_end: float) -> None:
    """Move the ``[start, end]`` of ``words`` (in place) off and onto one pause."""
    for word in words:  # a word crossing the pause keeps its larger side
        start, end = word
        if start < pause_end and end > pause_start:
            before, after = pause_start - start, end - pause_end
            if before >= after and before > 0:
                word[1] = pause_start
            elif after > 0:
                word[0] = pause_end
    ending = [word for word in words if word[1] <= pause_start + 1e-9]
    starting = [word for word in words if word[0] >= pause_end - 1e-9]
    last = max(ending, key=lambda word: word[1], default=None)
    first = min(starting, key=lambda word: word[0], default=None)
    if last is not None and pause_start - last[1] <= SNAP:
        last[1] = pause_start
    if first is not None and first[0] - pause_end <= SNAP:
        first[0] = pause_end
