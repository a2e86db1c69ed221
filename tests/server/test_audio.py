"""Decoding request audio: containers, raw encodings, resampling quality, streaming, errors."""

from __future__ import annotations

import io
import struct
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import requests
import soundfile

from dgdata.server.audio import media as media_module
from dgdata.server.audio.decode import (
    ERR_CODE,
    ERR_MSG,
    MAX_SAMPLE_RATE,
    MIN_SAMPLE_RATE,
    StreamDecoder,
    UnsupportedAudio,
)
from dgdata.server.audio.media import Media, MediaDecoder, decode_audio
from dgdata.server.audio.resample import Resampler, resample
from dgdata.server.runner import LocalServer

RATE = 16000


def tone(frequency: float, rate: int, seconds: float, amplitude: float = 0.4) -> np.ndarray:
    """A float sine in [-1, 1]."""
    t = np.arange(round(rate * seconds)) / rate
    return amplitude * np.sin(2 * np.pi * frequency * t)


def encode(signal: np.ndarray, rate: int, **kwargs: str) -> bytes:
    """``signal`` (float, (n,) or (n, channels)) written by libsndfile, e.g. format="FLAC"."""
    buffer = io.BytesIO()
    soundfile.write(buffer, signal, rate, **kwargs)
    return buffer.getvalue()


def peak_frequency(samples: np.ndarray, rate: int = RATE) -> float:
    """The frequency of the strongest FFT bin of a windowed signal."""
    x = samples.astype(np.float64)
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return float(np.fft.rfftfreq(len(x), 1 / rate)[np.argmax(spectrum)])


def level_db(samples: np.ndarray, reference: float) -> float:
    rms = float(np.sqrt(np.mean(samples.astype(np.float64) ** 2)))
    return 20 * np.log10(max(rms, 1e-9) / reference)


# --------------------------------------------------------------------------- containers


@pytest.mark.parametrize("rate", [8000, 11025, 22050, 44100, 48000, 96000])
def test_wav_is_resampled_to_16k_keeping_frequency_and_duration(rate: int) -> None:
    signal = tone(1000.0, rate, 1.5)
    audio = decode_audio(encode(signal, rate, format="WAV", subtype="PCM_16"))
    assert audio.sample_rate_in == rate
    assert audio.channels == 1
    assert audio.duration == pytest.approx(len(signal) / rate)
    assert audio.samples.dtype == np.int16
    assert audio.frames == -(-len(signal) * RATE // rate)
    assert peak_frequency(audio.channel(0)) == pytest.approx(1000.0, abs=2.0)
    # the amplitude survives (passband gain 1): 0.4 full scale = -7.96 dBFS
    middle = audio.channel(0)[2000:-2000]
    assert level_db(middle, 32768) == pytest.approx(20 * np.log10(0.4 / np.sqrt(2)), abs=0.1)


def test_resampled_sine_matches_the_ideal_sine_sample_by_sample() -> None:
    out = resample(tone(440.0, 44100, 1.0) * 32768, 44100, RATE)
    ideal = tone(440.0, RATE, len(out) / RATE) * 32768
    error = np.abs(out - ideal)[100:-100]  # edges see the zero padding
    assert error.max() < 1.0  # below one int16 step: no delay, no gain error


def test_downsampling_removes_what_cannot_be_represented() -> None:
    # 12 kHz is above the 8 kHz Nyquist frequency of the output: it must not alias to 4 kHz
    out = resample(tone(12000.0, 48000, 1.0) * 32768, 48000, RATE)[1000:-1000]
    assert level_db(out, 0.4 * 32768 / np.sqrt(2)) < -80


def test_16k_pcm16_passes_through_unchanged() -> None:
    rng = np.random.default_rng(1)
    samples = rng.integers(-20000, 20000, size=(8000, 2), dtype=np.int16)
    audio = decode_audio(encode(samples, RATE, format="WAV", subtype="PCM_16"))
    np.testing.assert_array_equal(audio.samples, samples)


def test_stereo_channels_stay_separate() -> None:
    stereo = np.stack([tone(440.0, 44100, 1.0), tone(1500.0, 44100, 1.0)], axis=1)
    audio = decode_audio(encode(stereo, 44100, format="WAV", subtype="PCM_16"))
    assert audio.channels == 2 and audio.samples.shape[1] == 2
    assert peak_frequency(audio.channel(0)) == pytest.approx(440.0, abs=2.0)
    assert peak_frequency(audio.channel(1)) == pytest.approx(1500.0, abs=2.0)


@pytest.mark.parametrize(
    ("subtype", "fmt"),
    [
        ("PCM_U8", "WAV"),
        ("PCM_24", "WAV"),
        ("PCM_32", "WAV"),
        ("FLOAT", "WAV"),
        ("DOUBLE", "WAV"),
        ("ULAW", "WAV"),
        ("ALAW", "WAV"),
        ("PCM_16", "WAVEX"),
    ],
)
def test_wav_sample_formats(subtype: str, fmt: str) -> None:
    signal = tone(700.0, RATE, 1.0)
    audio = decode_audio(encode(signal, RATE, format=fmt, subtype=subtype))
    decoded = audio.channel(0).astype(np.float64) / 32768
    noise = decoded - signal
    snr = 10 * np.log10(np.mean(signal**2) / max(np.mean(noise**2), 1e-20))
    assert snr > (35 if subtype in ("PCM_U8", "ULAW", "ALAW") else 80)


def test_streamed_wav_with_unknown_data_size_is_read_to_the_end() -> None:
    data = bytearray(encode(tone(500.0, 8000, 1.0), 8000, format="WAV", subtype="PCM_16"))
    position = data.index(b"data")
    data[position + 4 : position + 8] = struct.pack("<I", 0xFFFFFFFF)
    audio = decode_audio(bytes(data))
    assert audio.duration == pytest.approx(1.0)


def test_wav_cut_short_in_its_data_gives_the_samples_that_are_there() -> None:
    data = encode(tone(500.0, RATE, 1.0), RATE, format="WAV", subtype="PCM_16")
    audio = decode_audio(data[: 44 + 2 * 8000 + 1])  # half the samples and half a sample more
    assert audio.duration == pytest.approx(0.5)


def test_non_finite_float_samples_become_silence_or_full_scale() -> None:
    signal = np.array([0.5, np.nan, np.inf, -np.inf, -0.5], dtype=np.float32)
    audio = decode_audio(encode(signal, RATE, format="WAV", subtype="FLOAT"))
    assert audio.channel(0).tolist() == [16384, 0, 32767, -32768, -16384]


@pytest.mark.parametrize(
    ("fmt", "subtype"), [("FLAC", "PCM_16"), ("OGG", "VORBIS"), ("AIFF", "PCM_16")]
)
def test_other_containers_are_read_by_libsndfile(fmt: str, subtype: str) -> None:
    signal = tone(1000.0, 44100, 1.0)
    audio = decode_audio(encode(signal, 44100, format=fmt, subtype=subtype))
    assert audio.sample_rate_in == 44100
    assert audio.duration == pytest.approx(1.0, abs=0.01)
    assert peak_frequency(audio.channel(0)) == pytest.approx(1000.0, abs=2.0)


def test_a_container_wins_over_a_raw_encoding_parameter() -> None:
    wav = encode(tone(1000.0, 8000, 1.0), 8000, format="WAV", subtype="PCM_16")
    audio = decode_audio(wav, encoding="linear16", sample_rate=16000)
    assert audio.sample_rate_in == 8000 and audio.duration == pytest.approx(1.0)


# --------------------------------------------------------------------------- raw encodings


@pytest.mark.parametrize(
    ("encoding", "subtype", "min_snr"),
    [("linear16", "PCM_16", 80), ("linear32", "PCM_32", 80), ("mulaw", "ULAW", 35),
     ("alaw", "ALAW", 35)],
)  # fmt: skip
def test_raw_encodings_decode_and_resample(encoding: str, subtype: str, min_snr: float) -> None:
    signal = tone(600.0, 8000, 2.0)
    raw = encode(signal, 8000, format="RAW", subtype=subtype)  # libsndfile's own encoder
    audio = decode_audio(raw, encoding=encoding, sample_rate=8000)
    assert audio.sample_rate_in == 8000 and audio.channels == 1
    assert audio.duration == pytest.approx(2.0)
    assert audio.frames == 32000
    assert peak_frequency(audio.channel(0)) == pytest.approx(600.0, abs=2.0)
    ideal = tone(600.0, RATE, 2.0) * 32768
    noise = (audio.channel(0) - ideal)[200:-200]
    snr = 10 * np.log10(np.mean(ideal**2) / np.mean(noise**2))
    assert snr > min_snr


def test_raw_interleaved_channels() -> None:
    stereo = np.stack([tone(300.0, 16000, 1.0), tone(2000.0, 16000, 1.0)], axis=1)
    raw = encode(stereo, RATE, format="RAW", subtype="PCM_16")
    audio = decode_audio(raw, encoding="linear16", sample_rate=RATE, channels=2)
    assert audio.channels == 2 and audio.duration == pytest.approx(1.0)
    assert peak_frequency(audio.channel(1)) == pytest.approx(2000.0, abs=2.0)


# --------------------------------------------------------------------------- errors


FLAC = encode(tone(1000.0, 16000, 1.0), 16000, format="FLAC")
WAV = encode(tone(1000.0, 16000, 1.0), 16000, format="WAV", subtype="PCM_16")


@pytest.mark.parametrize(
    ("body", "kwargs"),
    [
        (b"", {}),
        (b"hello, this is plain text and not audio at all\n" * 20, {}),
        (b'{"url": "https://example.com/a.wav"}', {}),
        (FLAC[: len(FLAC) // 2], {}),
        (WAV[:30], {}),
        (WAV[:44], {}),  # a header and no samples
        (b"RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00" + b"\x55" * 16 + b"data", {}),
        (bytes(np.random.default_rng(0).integers(0, 256, 5000, dtype=np.uint8)), {}),
        (b"\x00\x01" * 100, {"encoding": "linear16"}),  # raw audio needs a sample rate
        (b"\x00\x01" * 100, {"encoding": "opus", "sample_rate": 16000}),
        (b"\x00", {"encoding": "linear16", "sample_rate": 16000}),  # not one whole sample
    ],
    ids=[
        "empty", "text", "json", "truncated-flac", "truncated-wav", "header-only-wav",
        "bad-wav-format",
        "random-bytes", "raw-no-rate", "unsupported-raw-encoding", "half-a-sample",
    ],
)  # fmt: skip
def test_undecodable_audio_raises_the_api_400(body: bytes, kwargs: dict[str, object]) -> None:
    with pytest.raises(UnsupportedAudio) as caught:
        decode_audio(body, **kwargs)  # type: ignore[arg-type]
    assert str(caught.value) == "Bad Request: failed to process audio: corrupt or unsupported data"
    assert caught.value.err_msg == ERR_MSG and caught.value.err_code == ERR_CODE == "Bad Request"
    assert caught.value.status == 400
    assert isinstance(caught.value, ValueError)


# --------------------------------------------------------------------------- streaming


def _chunks(data: bytes, seed: int) -> list[bytes]:
    """``data`` cut at random places (odd sizes: samples and frames are split)."""
    rng = np.random.default_rng(seed)
    pieces, position = [], 0
    while position < len(data):
        size = int(rng.integers(1, 3001))
        pieces.append(data[position : position + size])
        position += size
    return pieces


@pytest.mark.parametrize(
    ("encoding", "subtype", "rate", "channels"),
    [("mulaw", "ULAW", 8000, 1), ("alaw", "ALAW", 8000, 1), ("linear16", "PCM_16", 44100, 2),
     ("linear16", "PCM_16", 16000, 1), ("linear32", "PCM_32", 48000, 1)],
)  # fmt: skip
def test_stream_decoder_equals_whole_decoding_however_cut(
    encoding: str, subtype: str, rate: int, channels: int
) -> None:
    signal = np.stack([tone(440.0 * (c + 1), rate, 1.3) for c in range(channels)], axis=1)
    raw = encode(signal, rate, format="RAW", subtype=subtype)
    whole = decode_audio(raw, encoding=encoding, sample_rate=rate, channels=channels)
    decoder = StreamDecoder(encoding, rate, channels)
    parts = [decoder.feed(chunk) for chunk in _chunks(raw, seed=rate)]
    parts.append(decoder.flush())
    streamed = np.concatenate(parts)
    assert all(part.ndim == 2 and part.shape[1] == channels for part in parts)
    assert streamed.dtype == np.int16
    np.testing.assert_array_equal(streamed, whole.samples)
    assert decoder.duration == pytest.approx(whole.duration)


def test_stream_decoder_reads_a_wav_header_split_across_chunks() -> None:
    signal = np.stack([tone(440.0, 22050, 1.0), tone(880.0, 22050, 1.0)], axis=1)
    wav = encode(signal, 22050, format="WAV", subtype="PCM_16")
    decoder = StreamDecoder(None, None, None)
    assert decoder.channels is None
    first = decoder.feed(wav[:7])  # not even the RIFF tag yet
    assert first.shape[0] == 0
    parts = [first] + [decoder.feed(wav[i : i + 5]) for i in range(7, 202, 5)]
    parts += [decoder.feed(chunk) for chunk in _chunks(wav[202:], seed=3)] + [decoder.flush()]
    assert decoder.channels == 2 and decoder.sample_rate_in == 22050
    frames = np.concatenate([part for part in parts if len(part)])  # (0, 1) before the header
    np.testing.assert_array_equal(frames, decode_audio(wav).samples)


def test_stream_decoder_skips_a_wav_header_sent_with_a_raw_encoding() -> None:
    wav = encode(tone(440.0, 16000, 0.5), RATE, format="WAV", subtype="PCM_16")
    decoder = StreamDecoder("linear16", RATE, 1)
    out = np.concatenate([decoder.feed(wav), decoder.flush()])
    np.testing.assert_array_equal(out, decode_audio(wav).samples)


@pytest.mark.parametrize("body", [b"OggS\x00\x02" + b"\x00" * 40, b"not audio, just some text"])
def test_stream_decoder_without_encoding_needs_wav(body: bytes) -> None:
    decoder = StreamDecoder(None, None, None)
    with pytest.raises(UnsupportedAudio):
        decoder.feed(body)


def test_stream_decoder_rejects_missing_rate_and_unknown_encodings() -> None:
    with pytest.raises(UnsupportedAudio):
        StreamDecoder("mulaw", None, 1)
    with pytest.raises(UnsupportedAudio):
        StreamDecoder("speex", 8000, 1)


def test_resampler_stream_state_matches_one_call() -> None:
    x = np.random.default_rng(5).normal(0, 3000, (12345, 1))
    stream = Resampler(11025, RATE, 1)
    parts = [stream.process(x[i : i + 77]) for i in range(0, len(x), 77)] + [stream.flush()]
    np.testing.assert_allclose(np.concatenate(parts), resample(x, 11025, RATE), atol=1e-9)


# --------------------------------------------------------------------------- odd WAV headers


def wav_with_header(rate: int, channels: int, samples: bytes = b"\x00\x01" * 4000) -> bytes:
    """A PCM 16-bit WAV whose ``fmt `` chunk says ``rate`` Hz and ``channels`` channels."""
    fmt = struct.pack("<HHIIHH", 1, channels, rate, 0, 0, 16)
    body = b"WAVE" + b"fmt " + struct.pack("<I", 16) + fmt
    body += b"data" + struct.pack("<I", len(samples)) + samples
    return b"RIFF" + struct.pack("<I", len(body)) + body


#: Headers that say what no recording is (issue 16, item 6): 500 before, from resampling.
ODD_HEADERS = {"1-hz": (1, 1), "0-hz": (0, 1), "4-ghz": (4_000_000_000, 1),
               "0-channels": (16000, 0), "65535-channels": (16000, 65535)}  # fmt: skip


@pytest.mark.parametrize("header", ODD_HEADERS.values(), ids=ODD_HEADERS.keys())
def test_a_wav_header_with_an_impossible_rate_or_channel_count_is_unsupported(
    header: tuple[int, int],
) -> None:
    wav = wav_with_header(*header)
    with pytest.raises(UnsupportedAudio):
        decode_audio(wav)
    with pytest.raises(UnsupportedAudio):
        MediaDecoder(Media(data=wav))
    with pytest.raises(UnsupportedAudio):
        StreamDecoder(None, None, None).feed(wav)


@pytest.mark.parametrize("rate", [MIN_SAMPLE_RATE, 8000, 44100, MAX_SAMPLE_RATE])
def test_every_rate_within_the_bounds_is_decoded(rate: int) -> None:
    audio = decode_audio(encode(tone(200.0, rate, 0.2), rate, format="WAV", subtype="PCM_16"))
    assert audio.sample_rate_in == rate and audio.frames == pytest.approx(0.2 * RATE, abs=2)


def test_a_raw_sample_rate_out_of_bounds_is_unsupported() -> None:
    for rate in (1, MIN_SAMPLE_RATE - 1, MAX_SAMPLE_RATE + 1):
        with pytest.raises(UnsupportedAudio):
            decode_audio(b"\x00\x01" * 100, encoding="linear16", sample_rate=rate)


@pytest.mark.parametrize("header", ODD_HEADERS.values(), ids=ODD_HEADERS.keys())
def test_the_server_answers_an_impossible_wav_header_with_deepgrams_400(
    server: LocalServer, header: tuple[int, int]
) -> None:
    answer = requests.post(
        f"{server.url}/v1/listen", data=wav_with_header(*header), timeout=30,
        headers={"Authorization": f"Token {server.api_key}"},
    )  # fmt: skip
    assert answer.status_code == 400, answer.text
    body = answer.json()
    assert body["err_code"] == ERR_CODE and body["err_msg"] == ERR_MSG
    assert body["request_id"] == answer.headers["dg-request-id"]


def test_the_server_answers_raw_audio_at_1_hz_with_deepgrams_400(server: LocalServer) -> None:
    answer = requests.post(
        f"{server.url}/v1/listen?encoding=linear16&sample_rate=1", data=b"\x00\x01" * 800,
        headers={"Authorization": f"Token {server.api_key}"}, timeout=30,
    )  # fmt: skip
    assert answer.status_code == 400, answer.text
    assert {"err_code", "err_msg", "request_id"} <= answer.json().keys()


# --------------------------------------------------------------------------- block by block


@pytest.mark.parametrize(
    ("body", "kwargs"),
    [
        (encode(np.stack([tone(300.0, 44100, 2.1), tone(500.0, 44100, 2.1)], 1), 44100,
                format="WAV", subtype="PCM_24"), {}),
        (encode(tone(300.0, 22050, 2.1), 22050, format="FLAC"), {}),
        (encode(tone(300.0, 8000, 2.1), 8000, format="RAW", subtype="ULAW"),
         {"encoding": "mulaw", "sample_rate": 8000}),
    ],
    ids=["wav-stereo-24-bit", "flac", "raw-mulaw"],
)  # fmt: skip
def test_a_file_decoded_in_small_blocks_equals_decoding_it_whole(
    body: bytes, kwargs: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = decode_audio(body, **kwargs)
    path = tmp_path / "upload"
    path.write_bytes(body)
    monkeypatch.setattr(media_module, "BLOCK_BYTES", 1001)  # odd: blocks split frames
    with MediaDecoder(Media(path=str(path)), **kwargs) as decoder:
        blocks = list(decoder)
        assert len(blocks) > 10
        np.testing.assert_array_equal(np.concatenate(blocks), whole.samples)
        assert decoder.duration == whole.duration and decoder.channels == whole.channels


def test_a_wav_with_a_large_chunk_before_its_samples_is_read_from_a_file(tmp_path: Path) -> None:
    wav = encode(tone(300.0, 16000, 0.5), RATE, format="WAV", subtype="PCM_16")
    junk = b"JUNK" + struct.pack("<I", 3 << 20) + bytes(3 << 20)  # 3 MB of padding
    padded = wav[:4] + struct.pack("<I", len(wav) - 8 + len(junk)) + wav[8:12] + junk + wav[12:]
    path = tmp_path / "padded.wav"
    path.write_bytes(padded)
    with MediaDecoder(Media(path=str(path))) as decoder:
        np.testing.assert_array_equal(np.concatenate(list(decoder)), decode_audio(wav).samples)
