"""Live recognition on the Whisper engine (issue 17, item 3): the recogniser a live stream opens
when the process's engine is Whisper, fed real speech (the clips of ``tests/data/speech``) in
100 ms chunks as fast as it takes them, and one stream through the real WebSocket.

Whisper decodes cost ~0.7 s of CPU each, so each stream is recognised once per module (about 20
decodes in all) and the tests read what it gave.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from dgdata import Deepgram
from dgdata.server.asr import choice
from dgdata.server.asr import engine as asr
from dgdata.server.asr.choice import EngineChoice
from dgdata.server.asr.decoder import Word
from dgdata.server.asr.live_engine import open_recognizer
from dgdata.server.asr.streaming import SpeechStarted, StreamEvent, StreamResult, UtteranceEnd
from dgdata.server.asr.vad import FRAME, SILENT_DB, frame_levels
from dgdata.server.asr.whisper_stream import (
    MODEL_LOCK,
    WhisperStreamingRecognizer,
    after_committed,
    agreed_prefix,
)
from dgdata.server.runner import LocalServer
from tests.server.audio_corpus import read_wav, wer, write_wav

pytestmark = pytest.mark.skipif(
    not choice.whisper_available(), reason="needs faster-whisper and its weights (dgdata[server])"
)

SPEECH = Path(__file__).parent.parent / "data" / "speech"
RATE = 16000
CHUNK = RATE // 10  # 100 ms
#: Two sentences run together (one stretch of speech longer than ``MAX_FINAL``, so it is cut
#: once), a pause, a third sentence, a pause.
RUN_ON = (
    "please call me back when you get home tonight",
    "the quick brown fox jumps over the lazy dog",
)
ALONE = "i would like a cup of coffee with milk and sugar"
MAX_FINAL = 4.0
PAUSE = 1.5


def clip(text: str) -> np.ndarray:
    return read_wav(SPEECH / f"{text.replace(' ', '-')}.wav")


def trimmed(pcm: np.ndarray) -> np.ndarray:
    """The clip without its leading and trailing silence (so that two run together)."""
    loud = np.flatnonzero(frame_levels(pcm) > SILENT_DB + 20)
    return pcm[loud[0] * FRAME : (loud[-1] + 1) * FRAME]


@dataclass
class Fed:
    """What a recogniser gave for a stream: each event with the stream time it came out at (the
    end of the audio fed so far), the wall time of each feed that gave a final, and the cost."""

    events: list[tuple[float, StreamEvent]]
    duration: float
    cpu: float
    final_walls: list[float]
    decodes: int

    def results(self) -> list[StreamResult]:
        return [e for _, e in self.events if isinstance(e, StreamResult)]

    def finals(self) -> list[StreamResult]:
        return [e for e in self.results() if e.is_final]

    def final_words(self, since: float = 0.0) -> list[str]:
        """The words of the finals from stream second ``since`` on, in order."""
        return [w.word for e in self.finals() if e.start >= since for w in e.words]


def feed(recognizer: WhisperStreamingRecognizer, pcm: np.ndarray) -> Fed:
    """Feed ``pcm`` in 100 ms chunks, then ``finalize``."""
    events: list[tuple[float, StreamEvent]] = []
    walls: list[float] = []
    started = time.process_time()
    for begin in range(0, len(pcm), CHUNK):
        wall = time.perf_counter()
        out = recognizer.feed(pcm[begin : begin + CHUNK])
        if any(isinstance(e, StreamResult) and e.is_final for e in out):
            walls.append(time.perf_counter() - wall)
        events.extend((min(begin + CHUNK, len(pcm)) / RATE, e) for e in out)
    events.extend((len(pcm) / RATE, e) for e in recognizer.finalize())
    return Fed(events, len(pcm) / RATE, time.process_time() - started, walls, recognizer.decodes)


@pytest.fixture(scope="module")
def whisper() -> Iterator[choice.PieceDecoder]:
    """This process recognises with Whisper for the module (pocketsphinx again after it)."""
    choice.configure(EngineChoice("whisper"))
    decoder = choice.piece_decoder()  # the model loads here, not in a measured feed
    assert decoder is not None
    yield decoder
    choice.configure(EngineChoice("pocketsphinx"))


@pytest.fixture(scope="module")
def stream(whisper: choice.PieceDecoder) -> Fed:
    """The three sentences (see ``RUN_ON``) as one stream."""
    silence = np.zeros(round(PAUSE * RATE), np.int16)
    pcm = np.concatenate(
        [trimmed(clip(RUN_ON[0])), trimmed(clip(RUN_ON[1])), silence, clip(ALONE), silence]
    )
    recognizer = WhisperStreamingRecognizer(
        whisper, endpointing_ms=300, utterance_end_ms=1000, max_final=MAX_FINAL
    )
    with recognizer:
        return feed(recognizer, pcm)


# --------------------------------------------------------------------------- the stream


def test_the_finals_are_the_sentences(stream: Fed) -> None:
    finals = stream.finals()
    spoken = " ".join(stream.final_words())
    assert wer(" ".join((*RUN_ON, ALONE)), spoken) <= 0.1, spoken
    assert any(not e.speech_final and e.words for e in finals[:-1]), "the run-on stretch is cut"
    assert [e.speech_final for e in finals if e.words][-1], "the last sentence ends at a pause"


def test_the_finals_tile_the_stream(stream: Fed) -> None:
    finals = stream.finals()
    assert finals[0].start == 0.0
    for before, after in itertools.pairwise(finals):
        assert round(before.start + before.duration, 3) == after.start
    assert round(finals[-1].start + finals[-1].duration, 3) == stream.duration
    assert finals[-1].from_finalize
    for final in finals:  # every word of a final lies in its stretch of the stream
        assert all(
            final.start - 0.05 <= w.start <= final.start + final.duration for w in final.words
        )


def test_interims_come_every_second_while_speech_goes_on(stream: Fed) -> None:
    """From the moment speech is detected to its final, a result comes at least every 1.0 s of
    stream time."""
    open_since: float | None = None
    last = 0.0
    interims = 0
    for at, event in stream.events:
        if isinstance(event, SpeechStarted):
            open_since = last = at
        elif isinstance(event, StreamResult) and open_since is not None:
            assert at - last <= 1.0 + 1e-9, f"no result between {last} s and {at} s"
            last = at
            interims += not event.is_final
            if event.is_final and event.speech_final:
                open_since = None
    assert interims >= 7, "about one a second over ~9 s of speech"


def test_each_interims_committed_words_begin_the_finals(stream: Fed) -> None:
    """Local agreement: what an interim commits is never changed (the finals from its start on
    begin with it), and a good share of all interim words survive into the finals."""
    interims = [e for e in stream.results() if not e.is_final]
    survived = total = 0
    for interim in interims:
        words = [w.word for w in interim.words]
        final = stream.final_words(since=interim.start)
        assert final[: interim.committed] == words[: interim.committed], (words, final)
        survived += agreed_prefix(interim.words, [Word(w, 0, 0, 1) for w in final])
        total += len(words)
    assert max(e.committed for e in interims) >= 5, "interims commit words as speech goes on"
    assert survived / total >= 0.8, f"{survived} of {total} interim words survive"


def test_speech_started_and_utterance_end_still_come(stream: Fed) -> None:
    starts = [(at, e) for at, e in stream.events if isinstance(e, SpeechStarted)]
    ends = [(at, e) for at, e in stream.events if isinstance(e, UtteranceEnd)]
    assert len(starts) == 2, "one run of speech, then the third sentence"
    assert len(ends) == 2
    last_words = [e.words[-1].end for e in stream.finals() if e.speech_final]
    assert [e.last_word_end for _, e in ends] == last_words


def test_whisper_decodes_stay_bounded(stream: Fed) -> None:
    """One decode per interim and per final (none queued); a final comes one decode after its
    endpoint; the cost per second of audio stays under one core."""
    results = stream.results()
    assert stream.decodes <= len(results)
    # ~0.7 s of CPU per decode and about one decode a second of speech; loose for busy machines
    assert stream.cpu / stream.duration < 2.0, f"{stream.cpu:.1f} s CPU for {stream.duration} s"
    finals = [e for e in stream.finals() if e.speech_final]
    for final in finals:  # the endpoint: 300 ms of silence after the last word (+ VAD lag)
        lag = final.start + final.duration - final.words[-1].end
        assert lag <= 0.8, f"the final came {lag:.2f} s of stream after its last word"


# --------------------------------------------------------------------------- the pieces


def words(text: str, start: float = 0.0) -> list[Word]:
    return [
        Word(w, start + i * 0.3, start + i * 0.3 + 0.25, 0.9) for i, w in enumerate(text.split())
    ]


def test_the_tail_after_committed_words() -> None:
    committed = words("the quick brown")
    assert [w.word for w in after_committed(words("the quick brown fox jumps"), committed)] == [
        "fox",
        "jumps",
    ]
    # the decode hears the committed stretch differently: its words after them in time
    redecoded = words("a quick brownfox jumps")
    redecoded[-2:] = words("brown fox jumps", 0.6)
    assert [w.word for w in after_committed(redecoded, committed)] == ["fox", "jumps"]
    assert agreed_prefix(words("fox jumps over"), words("fox jumped over")) == 1


def test_an_interim_is_skipped_not_queued_while_the_model_is_busy(
    whisper: choice.PieceDecoder,
) -> None:
    pcm = clip("the quick brown fox jumps over the lazy dog")
    recognizer = WhisperStreamingRecognizer(whisper, endpointing_ms=300)
    first = RATE * 2  # speech starts within the first half second: an interim is due by 1.5 s
    with MODEL_LOCK:  # another stream decodes
        busy = recognizer.feed(pcm[:first])
    assert not [e for e in busy if isinstance(e, StreamResult)], "skipped, not waited for"
    assert recognizer.skipped == 1 and recognizer.decodes == 0
    after = recognizer.feed(pcm[first : first + CHUNK])
    interims = [e for e in after if isinstance(e, StreamResult)]
    assert len(interims) == 1 and not interims[0].is_final and recognizer.decodes == 1
    assert [w.word for w in interims[0].words][:2] == ["the", "quick"]
    recognizer.close()


def test_audio_sent_at_once_still_gets_one_interim(whisper: choice.PieceDecoder) -> None:
    """A whole utterance in one batch: its interim steps collapse into one decode, given before
    the final (not dropped, not one per step)."""
    text = "my phone battery is almost empty"
    recognizer = WhisperStreamingRecognizer(whisper, endpointing_ms=300)
    events = recognizer.feed(np.concatenate([clip(text), np.zeros(RATE, np.int16)]))
    results = [e for e in events if isinstance(e, StreamResult)]
    assert [e.is_final for e in results] == [False, True]
    assert " ".join(w.word for w in results[1].words) == text
    assert recognizer.decodes == 2
    recognizer.close()


def test_a_stream_behind_real_time_skips_interims_after_the_first(
    whisper: choice.PieceDecoder,
) -> None:
    """Batches of a second of audio (the previous decodes took that long): one interim for the
    utterance, then only its final."""
    pcm = np.concatenate([clip(ALONE), np.zeros(RATE, np.int16)])
    recognizer = WhisperStreamingRecognizer(whisper, endpointing_ms=300)
    events = [e for b in range(0, len(pcm), RATE) for e in recognizer.feed(pcm[b : b + RATE])]
    results = [e for e in events if isinstance(e, StreamResult)]
    assert [e.is_final for e in results] == [False, True]
    assert recognizer.decodes == 2 and recognizer.skipped >= 1
    assert wer(ALONE, " ".join(w.word for w in results[1].words)) <= 0.1
    recognizer.close()


def test_the_engine_of_the_process_picks_the_live_recognizer(whisper: choice.PieceDecoder) -> None:
    options = SimpleNamespace(endpointing=300, interim_results=True, utterance_end_ms=None)
    recognizer = open_recognizer(options, asr.DecoderPool(1), 1.0)
    assert isinstance(getattr(recognizer, "inner"), WhisperStreamingRecognizer)  # noqa: B009
    recognizer.close()
    choice.configure(EngineChoice("pocketsphinx"))
    try:
        recognizer = open_recognizer(options, asr.DecoderPool(1), 1.0)
        assert type(getattr(recognizer, "inner")) is asr.StreamingRecognizer  # noqa: B009
        recognizer.close()
    finally:
        choice.configure(EngineChoice("whisper"))


# --------------------------------------------------------------------------- the socket


def test_a_whisper_server_streams_the_sentence(
    whisper: choice.PieceDecoder, tmp_path: Path
) -> None:
    text = "the quick brown fox jumps over the lazy dog"
    path = tmp_path / "pause.wav"  # the sentence, then a pause: an endpoint
    write_wav(path, np.concatenate([clip(text), np.zeros(RATE, np.int16)]), RATE)
    with LocalServer(engine="whisper", decoders=1) as server:
        dg = Deepgram(api_key=server.api_key, api_url=server.url, max_retries=0)
        live = dg.transcription.live_wav(
            path,
            realtime=True,  # sent at once, the audio would come in one batch: no interims
            interim_results=True,
            vad_events=True,
            timeout=60,
        )
    assert int(live.close_status) == 1000 and live.error is None
    assert live.transcript == text
    kinds = [m["type"] for m in live.messages]
    assert kinds.count("SpeechStarted") == 1 and kinds[-1] == "Metadata"
    results = [m for m in live.messages if m["type"] == "Results"]
    assert any(not m["is_final"] for m in results) and any(m["speech_final"] for m in results)
    latency = live.latency_summary()  # from the send of a final's audio to the final
    assert latency["count"] >= 1 and latency["max"] < 5.0, latency
