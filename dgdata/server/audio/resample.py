"""Polyphase windowed-sinc resampling in numpy, for whole signals and for streams.

The resampler converts ``rate_in`` to ``rate_out`` by the rational factor ``up / down`` (reduced,
``up`` at most ``MAX_PHASES``). Its low-pass filter is a Kaiser-windowed sinc with cutoff at
``ROLLOFF`` of the lower Nyquist frequency and ``ZERO_CROSSINGS`` zero crossings each side (at the
lower rate), which attenuates aliases by about 80 dB. The filter is applied as ``up`` polyphase
branches, each a strided matrix-vector product, so the work is proportional to the number of
output samples times the taps of one branch.

Output sample ``n`` sits at input time ``n * down / up`` (no delay: the filter is centred), and
a stream fed in chunks of any size gives exactly the samples of a single call on the whole signal.

Example::

    y = resample(x, 44100, 16000)          # x: float (n,) or (n, channels)
    stream = Resampler(8000, 16000, channels=1)
    y = np.concatenate([stream.process(c) for c in chunks] + [stream.flush()])
"""

from __future__ import annotations

from fractions import Fraction
from functools import lru_cache

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

MAX_PHASES = 1000
ZERO_CROSSINGS = 16
ROLLOFF = 0.94
KAISER_BETA = 8.6
_BLOCK = 1 << 16  # output samples computed per block, to bound temporary memory


def ratio(rate_in: int, rate_out: int) -> tuple[int, int]:
    """The reduced ``(up, down)`` factor from ``rate_in`` to ``rate_out``.

    Ratios that need more than ``MAX_PHASES`` branches (odd rates such as 44101 Hz) are
    approximated by the nearest fraction with a denominator of at most ``MAX_PHASES``, which
    changes the rate by well under a part in 10^5.
    """
    if rate_in <= 0 or rate_out <= 0:
        raise ValueError("sample rates must be positive")
    fraction = Fraction(rate_out, rate_in)
    if fraction.numerator > MAX_PHASES:
        fraction = fraction.limit_denominator(MAX_PHASES)
        if fraction.numerator > MAX_PHASES:  # rate_out / rate_in > 1: bound the numerator
            fraction = 1 / (1 / fraction).limit_denominator(MAX_PHASES)
    return fraction.numerator, fraction.denominator


@lru_cache(maxsize=32)
def _branches(up: int, down: int) -> tuple[np.ndarray, int]:
    """Polyphase filter bank: (``up`` x taps) reversed branches, and the half width in inputs."""
    half = int(np.ceil(ZERO_CROSSINGS * max(down / up, 1.0)))
    taps = 2 * half + 1
    centre = half * up
    j = np.arange(taps * up, dtype=np.float64)
    cutoff = ROLLOFF * 0.5 / max(up, down)  # cycles per sample at the upsampled rate
    t = j - centre
    h = 2 * cutoff * np.sinc(2 * cutoff * t)
    window = np.kaiser(2 * centre + 1, KAISER_BETA)
    h[: 2 * centre + 1] *= window
    h[2 * centre + 1 :] = 0.0
    bank = h.reshape(taps, up).T.copy()  # bank[p, k] = h[p + k * up]
    bank /= bank.sum(axis=1, keepdims=True)  # unit DC gain in every branch
    return np.ascontiguousarray(bank[:, ::-1]), half


class Resampler:
    """Stateful resampler for a stream of float frames, shape (n, channels).

    ``process`` returns every output sample whose inputs have arrived; ``flush`` ends the
    stream (as if followed by silence) and returns the rest, so that the total output length is
    ``ceil(inputs * up / down)``.
    """

    def __init__(self, rate_in: int, rate_out: int, channels: int = 1) -> None:
        self.up, self.down = ratio(rate_in, rate_out)
        self.channels = channels
        self._bank, self._half = _branches(self.up, self.down)
        self._taps = self._bank.shape[1]
        # the buffer holds padded input; absolute padded index of buffer[0] is _origin
        self._buffer = np.zeros((self._half, channels), dtype=np.float64)
        self._origin = 0
        self._inputs = 0
        self._next = 0  # index of the next output sample
        self._flushed = False

    @property
    def passthrough(self) -> bool:
        """True when input and output rates are equal (samples are returned unchanged)."""
        return self.up == self.down

    def process(self, frames: np.ndarray) -> np.ndarray:
        """Feed input frames (n, channels); the output frames they complete."""
        if self._flushed:
            raise RuntimeError("the resampler was flushed")
        frames = np.asarray(frames, dtype=np.float64).reshape(-1, self.channels)
        self._inputs += len(frames)
        if self.passthrough:
            return frames
        self._buffer = np.concatenate([self._buffer, frames])
        return self._emit(self._ready())

    def flush(self) -> np.ndarray:
        """End of stream: the outputs still owed, computed with zeros after the last input."""
        if self._flushed:
            return np.zeros((0, self.channels))
        self._flushed = True
        if self.passthrough:
            return np.zeros((0, self.channels))
        tail = np.zeros((self._half + 1, self.channels))
        self._buffer = np.concatenate([self._buffer, tail])
        total = -(-self._inputs * self.up // self.down)
        return self._emit(total)

    def _ready(self) -> int:
        """How many outputs (in total) the padded input received so far can produce."""
        available = self._origin + len(self._buffer)  # padded inputs received
        # output n reads padded inputs (n * down) // up ... that + taps - 1
        last_start = available - self._taps
        if last_start < 0:
            return 0
        return ((last_start + 1) * self.up - 1) // self.down + 1

    def _emit(self, until: int) -> np.ndarray:
        until = max(until, self._next)
        out = np.empty((until - self._next, self.channels))
        for block_start in range(self._next, until, _BLOCK):
            block_end = min(block_start + _BLOCK, until)
            out[block_start - self._next : block_end - self._next] = self._block(
                block_start, block_end
            )
        self._next = until
        # drop inputs no future output needs
        keep_from = (self._next * self.down) // self.up - self._origin
        if keep_from > 0:
            self._buffer = self._buffer[keep_from:]
            self._origin += keep_from
        return out

    def _block(self, first: int, end: int) -> np.ndarray:
        up, down = self.up, self.down
        out = np.empty((end - first, self.channels))
        windows = sliding_window_view(self._buffer, self._taps, axis=0)  # (m, channels, taps)
        for phase_offset in range(min(up, end - first)):
            n0 = first + phase_offset
            phase = (n0 * down) % up
            count = -(-(end - n0) // up)
            start = (n0 * down) // up - self._origin
            rows = windows[start : start + count * down : down]  # each step of `up` outputs
            out[phase_offset::up] = rows @ self._bank[phase]
        return out


def resample(frames: np.ndarray, rate_in: int, rate_out: int) -> np.ndarray:
    """Resample a whole float signal, shape (n,) or (n, channels), keeping its shape kind."""
    array = np.asarray(frames, dtype=np.float64)
    two_d = array.reshape(len(array), -1)
    stream = Resampler(rate_in, rate_out, channels=two_d.shape[1])
    result = np.concatenate([stream.process(two_d), stream.flush()])
    return result if array.ndim == 2 else result[:, 0]
