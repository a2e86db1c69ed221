"""Live recognition on the Whisper engine: the stream state machine of :mod:`.streaming` (energy
VAD, endpoints, ``max_final`` cuts, ``finalize``, tiling finals) with Whisper decoding.

Whisper cannot be fed incrementally: every result re-decodes the open window, from the start of
the utterance to now (at most ``max_final`` seconds, so a decode's cost stays bounded; Whisper
pads every window to 30 s anyway, about 0.7 s of CPU per decode on one core with tiny.en).

Interim results converge on the final by *local agreement*: the words two consecutive decodes of
the window agree on (their longest common prefix after the committed words) are committed, and
no later result changes a committed word; only the tail after them may change. A final is the
committed words plus the tail of one last decode of the whole utterance, so each interim's
committed prefix is a prefix of the finals' words (``StreamResult.committed`` says how many
words of a result are committed). A word ending within ``GUARD`` of the window's end is never
committed (the window may end inside it). A final whose audio the last interim decode covered
exactly reuses that decode.

Whisper invents words for audio it does not hear well, so: a final's decode stops ``TAIL``
after the last voiced frame (not at the endpoint, ``endpointing`` ms of silence later); after a
forced cut the next window starts ``LEAD`` before the cut (Whisper misses a word at the very
start of its window) and the words that end in that lead are dropped; no word may start after
the window's audio.

Cost control: at most one interim decode per :meth:`~.streaming.StreamingRecognizer.feed` call
(when several interim steps fall in one batch of audio, only the latest is decoded: a live
session merges the audio that arrives while a decode runs into its next batch, so a slow decode
skips steps instead of queueing them; only an utterance that has had no interim yet gets one
before its final in the same batch, so that audio sent faster than real time still sees one),
and an interim step is skipped, not queued, while another stream's decode holds the model. A
batch of a second or more of audio means the stream is behind real time (the previous decodes
took longer than the audio): its interim is skipped too, once the utterance has had one, so that
the stream catches up and its final comes sooner.

The process's one model (:func:`.choice.piece_decoder`) is shared by every stream behind
:data:`MODEL_LOCK`. CTranslate2 already runs one decode at a time per model replica
(``num_workers=1``: two threads decoding at once took 2.2 s against 1.8 s one after the other,
with the same words), so the lock costs nothing and lets interims skip rather than wait. Finals
wait for the model, at most ``timeout`` seconds (then ``PoolExhausted``, which the live session
turns into a 1013 close).

Example::

    recognizer = WhisperStreamingRecognizer(choice.piece_decoder(), endpointing_ms=300)
    for chunk in pcm_chunks:
        for event in recognizer.feed(chunk):
            ...
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from dgdata.server.asr.decoder import PoolExhausted, Word
from dgdata.server.asr.engine import PieceDecoder
from dgdata.server.asr.streaming import (
    FRAME,
    RATE,
    StreamEvent,
    StreamingRecognizer,
    StreamResult,
)

__all__ = ["MODEL_LOCK", "WhisperStreamingRecognizer", "after_committed", "agreed_prefix"]

log = logging.getLogger(__name__)

#: Held while the process's Whisper model decodes a window (see the module docstring).
MODEL_LOCK = threading.Lock()
#: A word of a new decode belongs after the committed words if it starts no earlier than this
#: many seconds before the last committed word's end (decodes' word times differ a little).
OVERLAP = 0.1
#: The longest run of committed words a new decode may repeat at the start of its tail.
REPEAT = 3
#: Seconds of audio before a forced cut decoded with the stretch after it (Whisper misses a
#: word that starts right at the beginning of its window); words in them are dropped.
LEAD = 0.3
#: Seconds after the last voiced frame that a final's decode hears: the rest of the endpoint's
#: silence only invites Whisper to make words up.
TAIL = 0.2
#: Words ending less than this many seconds before the end of the window are not committed,
#: however the decodes agree: the window may end inside the word ("jump" of "jumps").
GUARD = 0.25
#: A word of a decode must reach this many seconds past its window's start to be in it.
LEAD_WORD = 0.05


def after_committed(words: Sequence[Word], committed: Sequence[Word]) -> list[Word]:
    """The words of a decode of the whole window that come after the ``committed`` ones.

    Usually the decode starts with the committed words and the tail is what follows them;
    when it does not (the decode now hears the committed stretch differently), the tail is the
    words that start after the last committed one ends, minus a leading repeat of the last
    committed words.
    """
    if not committed:
        return list(words)
    count = len(committed)
    if [w.word for w in words[:count]] == [w.word for w in committed]:
        return list(words[count:])
    edge = committed[-1].end - OVERLAP
    tail = [w for w in words if w.start >= edge]
    for size in range(min(REPEAT, count, len(tail)), 0, -1):
        if [w.word for w in tail[:size]] == [w.word for w in committed[-size:]]:
            return tail[size:]
    return tail


def _in_window(words: list[Word], start: int, end: int) -> list[Word]:
    """The words of a decode that belong to samples [start, end): a word ending in the lead
    before ``start`` belongs to the previous final (Whisper stretches the first word of a
    window back to its beginning, so the word that goes on past ``start`` is kept, starting
    there); none can start after the audio ends."""
    first, last = (start + round(LEAD_WORD * RATE)) / RATE, end / RATE
    return [
        word if word.start * RATE >= start else replace(word, start=round(start / RATE, 3))
        for word in words
        if word.end > first and word.start < last
    ]


def agreed_prefix(first: Sequence[Word], second: Sequence[Word]) -> int:
    """How many leading words two hypotheses share (by their text)."""
    count = 0
    for a, b in zip(first, second, strict=False):
        if a.word != b.word:
            break
        count += 1
    return count


class WhisperStreamingRecognizer(StreamingRecognizer):
    """:class:`~.streaming.StreamingRecognizer` decoding with Whisper's ``decode(pcm, offset)``
    (a :func:`.choice.piece_decoder`); the other arguments are the same (the decoder pools are
    not used). See the module docstring."""

    def __init__(self, decode: PieceDecoder, **options: Any) -> None:
        super().__init__(**options)
        self._whisper = decode
        self._committed: list[Word] = []  # words of the open window no result may change
        self._tentative: list[Word] = []  # the last interim's words after the committed ones
        self._due: int | None = None  # sample at which an interim result waits to be decoded
        self._last_decode: tuple[int, int, list[Word]] | None = None  # (start, end, words)
        self._lead = 0  # samples of context before the window (after a forced cut)
        self._interim_given = False  # whether the open utterance has had an interim result
        self._batch = 0  # samples given to the current feed call
        self._interims_on = False
        #: Decodes run, and interim steps skipped (the model was busy, or the stream is behind).
        self.decodes = 0
        self.skipped = 0

    # ------------------------------------------------------------------ hooks of the state machine
    def _interim_on(self) -> bool:
        return self._interims_on

    def _interim_due(self, now: int, events: list[StreamEvent]) -> None:
        self._due = now  # decoded at the end of this feed; a later step in the batch replaces it

    def feed(self, pcm16k_mono: np.ndarray) -> list[StreamEvent]:
        """Take more audio (int16, 16 kHz, one channel); the events it completes, in order."""
        self._batch = int(np.asarray(pcm16k_mono).size)
        return super().feed(pcm16k_mono)

    def _end_of_feed(self, events: list[StreamEvent]) -> None:
        due = self._due
        if due is None or not self._active:
            return
        if self._batch >= self._interim_every and self._interim_given:
            # a second or more of audio at once: the stream is behind real time (or sent faster
            # than it); another decode would only put the final later
            self._due = None
            self.skipped += 1
            return
        result = self._interim_at(due, wait=False)
        if result is None:  # the model is busy: try again at the next feed
            self.skipped += 1
            log.debug("interim at %.2f s skipped: the Whisper model is busy", due / RATE)
            return
        self._due = None
        events.append(result)

    def _before_final(self, events: list[StreamEvent]) -> None:
        """An interim due in the batch of audio that also ends the utterance is skipped, unless
        the utterance has had none yet (audio sent faster than real time still gets one)."""
        due, self._due = self._due, None
        if due is not None and not self._interim_given:
            result = self._interim_at(due, wait=False)
            if result is not None:
                events.append(result)

    def _final(
        self, end: int, words: list[Word], *, speech_final: bool, from_finalize: bool = False
    ) -> StreamResult:
        self._due = None  # a final supersedes an interim due before it
        return super()._final(end, words, speech_final=speech_final, from_finalize=from_finalize)

    def _open(self, start: int) -> None:
        self._active = True
        self._utt_start = start
        self._interims_on = self.interim_results
        self._committed, self._tentative, self._due = [], [], None
        self._interim_given = False
        self._lead = 0  # the onset's preroll is context enough

    def _close_utterance(self, end: int) -> list[Word]:
        """The final words of the open utterance: the committed ones, then the tail of a
        decode of its whole audio."""
        heard = min(end, max(self._last_voice + round(TAIL * RATE), self._utt_start + FRAME))
        words = self._committed + after_committed(
            self._decode(self._utt_start, heard), self._committed
        )
        self._committed, self._tentative, self._due = [], [], None
        self._active = self._interims_on = False
        return words

    def _forced_final(self, now: int) -> StreamResult:
        """Cut a long stretch at its widest pause; committed words after the cut stay committed
        (the next final starts with them)."""
        decoded = self._decode(self._utt_start, now)
        words = self._committed + after_committed(decoded, self._committed)
        cut = self._choose_cut(words, now)
        kept = 0  # a prefix, so that the committed words stay in order across the cut
        while kept < len(words) and words[kept].end * RATE <= cut:
            kept += 1
        event = self._final(cut, words[:kept], speech_final=False)
        self._utt_start = cut
        self._lead = round(LEAD * RATE)
        remaining = words[kept:]
        split = max(len(self._committed) - kept, 0)
        self._committed, self._tentative = remaining[:split], remaining[split:]
        return event

    def _release_interim(self) -> None:
        self._interims_on = False

    def _window_start(self) -> int:
        return max(self._utt_start - self._lead, self._audio_start)

    # ------------------------------------------------------------------ decoding
    def _interim_at(self, now: int, *, wait: bool) -> StreamResult | None:
        """The interim result for the window up to sample ``now`` (None: the model was busy)."""
        decoded = self._window(self._utt_start, now, wait=wait)
        if decoded is None:
            return None
        tail = after_committed(decoded, self._committed)
        agreed = agreed_prefix(tail, self._tentative)
        while agreed and tail[agreed - 1].end > now / RATE - GUARD:  # it may be cut short
            agreed -= 1
        self._committed += tail[:agreed]
        self._tentative = tail[agreed:]
        words = self._committed + self._tentative
        self._interim_given = True
        start = self._final_cursor
        return StreamResult(
            round(start / RATE, 3),
            round((now - start) / RATE, 3),
            tuple(words),
            is_final=False,
            committed=len(self._committed),
        )

    def _decode(self, start: int, end: int) -> list[Word]:
        """The words of samples [start, end) by Whisper, waiting for the model."""
        words = self._window(start, end, wait=True)
        assert words is not None  # a waiting decode returns words or raises
        return words

    def _window(self, start: int, end: int, *, wait: bool) -> list[Word] | None:
        """The words of samples [start, end) by Whisper; None when ``wait`` is false and another
        decode holds the model. Raises ``PoolExhausted`` after ``timeout`` seconds of waiting."""
        last = self._last_decode
        if last is not None and last[:2] == (start, end):
            return last[2]
        if not wait:
            acquired = MODEL_LOCK.acquire(blocking=False)
        else:
            acquired = MODEL_LOCK.acquire(timeout=-1 if self._timeout is None else self._timeout)
        if not acquired:
            if not wait:
                return None
            raise PoolExhausted(f"the Whisper model stayed busy for {self._timeout} s")
        first = self._window_start() if start == self._utt_start else start
        try:
            pcm = self._audio[first - self._audio_start : end - self._audio_start]
            decoded = self._whisper(pcm, first / RATE)
        finally:
            MODEL_LOCK.release()
        words = _in_window(decoded if isinstance(decoded, list) else decoded.words, start, end)
        self.decodes += 1
        self._last_decode = (start, end, words)
        return words
