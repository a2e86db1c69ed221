"""Recognition on real synthetic speech (flite): accuracy, times, long audio, pool, streaming."""

from __future__ import annotations

import threading
from itertools import pairwise
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from dgdata.server.asr import choice, engine
from dgdata.server.asr.choice import EngineChoice
from dgdata.server.asr.decoder import to_words
from dgdata.server.asr.engine import (
    INTERIM_OPTIONS,
    DecoderPool,
    PoolExhausted,
    SpeechStarted,
    StreamingRecognizer,
    StreamResult,
    UtteranceEnd,
    Word,
    recognize,
)
from dgdata.server.asr.recording import Decoding, recognize_lane
from dgdata.server.asr.vad import Segmenter, split_points
from dgdata.server.audio import media as media_module
from dgdata.server.audio.media import Media
from tests.server.audio_corpus import Clip, corpus_clips, corpus_wer, read_wav, wer

RATE = 16000
POOL = DecoderPool(2)  # every test here shares two decoders (each costs ~0.4 s and ~95 MB)
INTERIM = DecoderPool(1, options=INTERIM_OPTIONS)  # and one interim-result decoder


def noise_gap(seconds: float, seed: int) -> np.ndarray:
    """Quiet room noise (RMS 8, about -72 dBFS): more realistic than digital silence."""
    rng = np.random.default_rng(seed)
    return np.rint(rng.normal(0, 8, round(seconds * RATE))).astype(np.int16)


def conversation(clips: list[Clip], gap: float) -> np.ndarray:
    """The clips one after another, ``gap`` seconds of room noise between and around them."""
    parts = [noise_gap(0.5, 0)]
    for n, clip in enumerate(clips):
        parts += [read_wav(clip.path), noise_gap(gap, n + 1)]
    return np.concatenate(parts)


def text(words: list[Word] | tuple[Word, ...]) -> str:
    return " ".join(w.word for w in words)


@pytest.fixture(scope="module")
def recognized() -> list[tuple[Clip, list[Word]]]:
    """Every corpus sentence recognised once for the module."""
    return [(clip, recognize(read_wav(clip.path), pool=POOL)) for clip in corpus_clips()]


# --------------------------------------------------------------------------- whole recordings


def test_corpus_word_error_rate_is_at_most_ten_percent(
    recognized: list[tuple[Clip, list[Word]]],
) -> None:
    rate = corpus_wer((clip.text, text(words)) for clip, words in recognized)
    assert rate <= 0.10, f"WER {rate:.1%}"
    perfect = sum(wer(clip.text, text(words)) == 0 for clip, words in recognized)
    assert perfect >= len(recognized) // 2


def test_words_are_clean_lowercase_vocabulary(recognized: list[tuple[Clip, list[Word]]]) -> None:
    for _, words in recognized:
        for word in words:
            assert word.word == word.word.lower()
            assert "(" not in word.word and not word.word.startswith(("<", "[", "+"))
            assert 0.0 <= word.confidence <= 1.0


def test_word_times_are_ordered_and_inside_the_audio(
    recognized: list[tuple[Clip, list[Word]]],
) -> None:
    for clip, words in recognized:
        assert words, clip.text
        assert words[0].start >= 0.0 and words[-1].end <= clip.duration + 1e-9
        for word in words:
            assert word.start < word.end
        for before, after in pairwise(words):
            assert before.end <= after.start + 1e-9


def test_confidences_separate_right_from_wrong_words() -> None:
    clip = corpus_clips()[0]
    words = recognize(read_wav(clip.path), pool=POOL)
    assert np.mean([w.confidence for w in words]) > 0.6


def test_recognition_is_deterministic_whatever_the_decoder_did_before() -> None:
    first, other = corpus_clips()[3], corpus_clips()[7]
    pool = DecoderPool(1)
    before = recognize(read_wav(first.path), pool=pool)
    recognize(read_wav(other.path), pool=pool)
    assert recognize(read_wav(first.path), pool=pool) == before
    assert pool.stats().created == 1


def test_long_audio_is_cut_in_pauses_and_keeps_absolute_times() -> None:
    clips = list(corpus_clips()[:9])
    pcm = conversation(clips, gap=1.0)
    pieces = split_points(pcm)
    assert len(pieces) >= 2 and all(end - start <= 20 * RATE for start, end in pieces)
    assert pieces[0][0] == 0 and pieces[-1][1] == len(pcm)
    words = recognize(pcm, pool=POOL)
    reference = " ".join(clip.text for clip in clips)
    assert wer(reference, text(words)) <= 0.10
    starts = [w.start for w in words]
    assert starts == sorted(starts) and words[-1].end <= len(pcm) / RATE
    assert words[-1].start > 20.0  # the last sentence is found where it is, past the first cut


def test_audio_recognised_block_by_block_gives_the_words_of_the_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 16, item 9: a long upload is decoded and recognised a block at a time."""
    monkeypatch.setattr(engine, "MAX_SEGMENT", 10.0)  # cut pieces of 8 to 10 s: quicker
    pcm = conversation(list(corpus_clips()[:3]), gap=1.0)
    assert len(split_points(pcm, max_seconds=10.0)) >= 2, "long enough to be cut"
    whole = recognize(pcm, pool=POOL)
    path = tmp_path / "call.raw"  # the same audio in channel 1 of a stereo file
    path.write_bytes(np.stack([np.zeros_like(pcm), pcm], axis=1).astype("<i2").tobytes())
    monkeypatch.setattr(media_module, "BLOCK_BYTES", 12345 * 4)  # blocks of 0.77 s
    choice.configure(EngineChoice("pocketsphinx"))  # this process's engine: a server may set it
    result = recognize_lane(Media(path=str(path)), Decoding("linear16", RATE, 2), 1)
    assert result.words == whole
    assert result.channels == 2 and result.duration == len(pcm) / RATE


def test_a_stream_is_cut_where_the_whole_recording_is() -> None:
    pcm = conversation(list(corpus_clips()[:12]), gap=0.6)
    rng = np.random.default_rng(5)
    segmenter, pieces, position = Segmenter(), [], 0
    while position < len(pcm):
        size = int(rng.integers(1, 50000))
        pieces += segmenter.feed(pcm[position : position + size])
        position += size
    pieces += segmenter.finish()
    assert [(start, start + len(piece)) for start, piece in pieces] == split_points(pcm)
    assert len(pieces) >= 3
    np.testing.assert_array_equal(np.concatenate([piece for _, piece in pieces]), pcm)


def test_silence_and_tiny_inputs_give_no_words() -> None:
    assert recognize(np.zeros(RATE * 3, dtype=np.int16), pool=POOL) == []
    assert recognize(noise_gap(2.0, 9), pool=POOL) == []
    assert recognize(np.zeros(10, dtype=np.int16), pool=POOL) == []


def test_quiet_speech_is_recognised_as_well_as_loud_speech() -> None:
    clip = corpus_clips()[1]
    loud = read_wav(clip.path)
    quiet = (loud.astype(np.float64) * 0.05).astype(np.int16)  # -26 dB
    assert wer(clip.text, text(recognize(quiet, pool=POOL))) <= 0.1


# --------------------------------------------------------------------------- the pool


def test_pool_is_bounded_and_times_out() -> None:
    pool = DecoderPool(1)
    decoder = pool.acquire()
    assert pool.stats().in_use == 1 and pool.stats().created == 1
    with pytest.raises(PoolExhausted):
        pool.acquire(timeout=0.05)
    assert pool.stats().timeouts == 1
    pool.release(decoder)
    assert pool.acquire(timeout=0) is decoder  # reused, not re-created
    pool.release(decoder)
    stats = pool.stats()
    assert (stats.size, stats.created, stats.idle, stats.in_use) == (1, 1, 1, 0)


def test_concurrent_callers_wait_for_the_single_decoder() -> None:
    pool = DecoderPool(1)
    clips = corpus_clips()[:3]
    results: dict[int, str] = {}

    def work(n: int) -> None:
        results[n] = text(recognize(read_wav(clips[n].path), pool=pool, timeout=60))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(wer(clips[n].text, results[n]) <= 0.2 for n in range(3))
    assert pool.stats().created == 1 and pool.stats().waits >= 1


# --------------------------------------------------------------------------- streaming


def stream(recognizer: StreamingRecognizer, pcm: np.ndarray, chunk_ms: int = 100) -> list:
    """Feed ``pcm`` in chunks, then finalize; every event in order."""
    size = RATE * chunk_ms // 1000
    events: list = []
    for start in range(0, len(pcm), size):
        events += recognizer.feed(pcm[start : start + size])
    return events + recognizer.finalize()


def finals(events: list) -> list[StreamResult]:
    return [e for e in events if isinstance(e, StreamResult) and e.is_final]


@pytest.fixture(scope="module")
def streamed() -> tuple[list[Clip], np.ndarray, list, StreamingRecognizer]:
    clips = list(corpus_clips()[10:14])
    pcm = conversation(clips, gap=1.3)
    recognizer = StreamingRecognizer(
        endpointing_ms=300,
        interim_results=True,
        utterance_end_ms=1000,
        pool=POOL,
        interim_pool=INTERIM,
    )
    events = stream(recognizer, pcm)
    recognizer.close()
    return clips, pcm, events, recognizer


def test_stream_finals_are_accurate_and_end_at_each_sentence(streamed: tuple) -> None:
    clips, _, events, _ = streamed
    results = finals(events)
    spoken = " ".join(text(result.words) for result in results)
    assert wer(" ".join(clip.text for clip in clips), spoken) <= 0.10
    with_speech_final = [r for r in results if r.speech_final]
    assert len(with_speech_final) == len(clips)
    for result, clip in zip(with_speech_final, clips, strict=True):
        assert wer(clip.text, text(result.words)) <= 0.25


def test_stream_sends_interim_results_while_speech_goes_on(streamed: tuple) -> None:
    _, _, events, _ = streamed
    interims = [e for e in events if isinstance(e, StreamResult) and not e.is_final]
    assert len(interims) >= 4
    assert any(interim.words for interim in interims)
    for interim in interims:
        assert not interim.speech_final


def test_stream_finals_tile_the_timeline(streamed: tuple) -> None:
    _, pcm, events, recognizer = streamed
    cursor = 0.0
    for result in finals(events):
        assert result.start == pytest.approx(cursor, abs=1e-3)
        for word in result.words:  # absolute times, inside the final's window
            assert result.start - 1e-3 <= word.start < word.end <= result.start + result.duration
        cursor = result.start + result.duration
    assert cursor == pytest.approx(len(pcm) / RATE, abs=1e-3)
    assert recognizer.cursor == pytest.approx(len(pcm) / RATE)


def test_stream_vad_events(streamed: tuple) -> None:
    clips, _, events, _ = streamed
    started = [e for e in events if isinstance(e, SpeechStarted)]
    assert len(started) == len(clips)
    ends = [e for e in events if isinstance(e, UtteranceEnd)]
    assert len(ends) == len(clips)
    speech_finals = [r for r in finals(events) if r.speech_final]
    for end, result in zip(ends, speech_finals, strict=True):
        assert end.last_word_end == result.words[-1].end
    # each SpeechStarted comes before the words of its sentence
    for start, result in zip(started, speech_finals, strict=True):
        assert start.timestamp <= result.words[0].start + 0.05


def test_stream_holds_a_decoder_only_while_someone_speaks() -> None:
    interim = DecoderPool(1, options=INTERIM_OPTIONS)
    recognizer = StreamingRecognizer(endpointing_ms=300, pool=POOL, interim_pool=interim)
    recognizer.feed(noise_gap(1.0, 3))
    assert not recognizer.holding_decoder and interim.stats().created == 0
    clip = corpus_clips()[5]
    recognizer.feed(read_wav(clip.path)[: RATE // 2])
    assert recognizer.holding_decoder and interim.stats().in_use == 1
    events = recognizer.feed(np.concatenate([read_wav(clip.path)[RATE // 2 :], noise_gap(1, 4)]))
    assert any(isinstance(e, StreamResult) and e.speech_final for e in events)
    assert not recognizer.holding_decoder and interim.stats().in_use == 0
    assert POOL.stats().in_use == 0  # the final's decoder was only borrowed
    recognizer.close()


def test_stream_without_interim_results_borrows_decoders_only_for_finals() -> None:
    interim = DecoderPool(1, options=INTERIM_OPTIONS)
    recognizer = StreamingRecognizer(
        endpointing_ms=300, interim_results=False, pool=POOL, interim_pool=interim
    )
    clip = corpus_clips()[6]
    events = stream(recognizer, np.concatenate([noise_gap(0.5, 1), read_wav(clip.path),
                                                noise_gap(1.0, 2)]))  # fmt: skip
    assert interim.stats().created == 0
    assert all(e.is_final for e in events if isinstance(e, StreamResult))
    spoken = [e for e in events if isinstance(e, StreamResult) and e.speech_final]
    assert len(spoken) == 1 and wer(clip.text, text(spoken[0].words)) <= 0.1


def test_finalize_flushes_pending_speech() -> None:
    clip = corpus_clips()[2]
    pcm = np.concatenate([noise_gap(0.3, 5), read_wav(clip.path)])
    recognizer = StreamingRecognizer(
        endpointing_ms=300, interim_results=False, pool=POOL, interim_pool=INTERIM
    )
    events = [e for e in stream(recognizer, pcm[:-800]) if isinstance(e, StreamResult)]
    assert [e.from_finalize for e in events] == [True]  # the only final is the flushed one
    assert wer(clip.text, text(events[0].words)) <= 0.2
    assert events[0].start + events[0].duration == pytest.approx(recognizer.cursor, abs=1e-3)
    assert recognizer.finalize() == []  # nothing left
    assert not recognizer.holding_decoder
    recognizer.close()


def test_long_speech_without_pauses_is_cut_between_words() -> None:
    clips = list(corpus_clips()[14:17])
    pcm = conversation(clips, gap=0.25)  # never quiet long enough for an endpoint
    recognizer = StreamingRecognizer(
        endpointing_ms=None, interim_results=True, max_final=3.0, pool=POOL, interim_pool=INTERIM
    )
    results = finals(stream(recognizer, pcm))
    recognizer.close()
    assert not any(r.speech_final for r in results)
    forced = [r for r in results if not r.from_finalize and r.words]
    assert len(forced) >= 2
    for result in results:  # at most max_final of speech (plus the silence before it)
        if result.words:
            assert result.words[-1].end - result.words[0].start <= 3.0
    spoken = " ".join(text(r.words) for r in results)  # no word lost or doubled at the cuts
    assert wer(" ".join(clip.text for clip in clips), spoken) <= 0.10


def test_abbreviations_come_out_in_deepgram_spoken_form() -> None:
    """pocketsphinx's dictionary writes "mr" and "dr(2)"; Deepgram says "mister", "doctor"."""
    segments = [
        SimpleNamespace(word=word, start_frame=10 * i, end_frame=10 * i + 9, prob=1.0)
        for i, word in enumerate(["<s>", "mr", "dashwood", "dr(2)", "dr", "st(2)", "louis(2)"])
    ]
    words = to_words(segments, offset=1.0)
    assert [w.word for w in words] == ["mister", "dashwood", "doctor", "drive", "saint", "louis"]
    assert (words[0].start, words[0].end) == (1.1, 1.2)
