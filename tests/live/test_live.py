"""Live transcription against a real WebSocket server (tests/live/scripted_server.py)."""

from __future__ import annotations

import asyncio
import hashlib
import json
import pickle
import random
import threading
import time
from collections.abc import Callable
from typing import Any, cast

import pandas as pd
import pytest

import dgdata.aio
from dgdata import Deepgram
from dgdata.errors import (
    AuthenticationError,
    BadRequestError,
    DeepgramApiError,
    DeepgramConnectionError,
    DeepgramTimeoutError,
    PermissionDeniedError,
)
from dgdata.live import (
    CloseStatus,
    LiveStreamClosedError,
    LiveTranscription,
    LiveTranscriptionEvent,
)
from tests.live.conftest import CHUNK, RAW, client_for, live_threads, stranded, stream_on
from tests.live.scripted_server import KEY, ScriptedServer


def send_seconds(live: LiveTranscription, seconds: float) -> None:
    for _ in range(round(seconds * 10)):
        live.send(CHUNK)


# ----------------------------------------------------------------------------- handshake


def test_handshake_sends_the_query_authorization_and_user_agent(
    dg: Deepgram, server: ScriptedServer
) -> None:
    live = dg.transcription.live(
        {"model": "nova-3", "keywords": ["first:5", "second"]}, punctuate=True, **RAW
    )
    live.close()
    (connection,) = server.connections
    assert connection.path == (
        "/v1/listen?model=nova-3&keywords=first%3A5&keywords=second&punctuate=true"
        "&encoding=linear16&sample_rate=16000"
    )
    assert connection.headers["authorization"] == f"Token {KEY}"
    assert connection.headers["user-agent"].startswith("dgdata/")


def test_an_access_token_is_sent_as_bearer(server: ScriptedServer) -> None:
    dg = Deepgram(access_token=KEY, api_url=server.url)
    dg.transcription.live(model="nova-3").close()
    assert server.connections[0].headers["authorization"] == f"Bearer {KEY}"


def test_a_wrong_key_raises_authentication_error_without_the_key(server: ScriptedServer) -> None:
    secret = "dgkey_wrong_secret_value_0000000000000000"
    dg = client_for(server, api_key=secret)
    with pytest.raises(AuthenticationError) as caught:
        dg.transcription.live(model="nova-3")
    error = caught.value
    assert error.status == 401
    assert "Invalid credentials." in str(error) and "API key" in str(error)
    assert error.request_id and error.request_id in str(error)
    assert error.headers["dg-error"] == "Invalid credentials."
    for text in (str(error), repr(error), repr(error.__cause__), repr(error.__context__)):
        assert secret not in text
    assert pickle.loads(pickle.dumps(error)).status == 401
    assert error.__context__ is None, "no websocket-client exception (unpicklable) rides along"


@pytest.mark.parametrize(
    ("status", "cls", "words"),
    [(400, BadRequestError, "Invalid query string"), (403, PermissionDeniedError, "permission")],
)
def test_a_refused_handshake_raises_the_error_of_its_status(
    serve: Callable[..., ScriptedServer], status: int, cls: type[DeepgramApiError], words: str
) -> None:
    dg = client_for(serve(reject=status))
    with pytest.raises(cls, match=words) as caught:
        dg.transcription.live(model="nova-3")
    assert caught.value.status == status


def test_an_unreachable_server_raises_a_connection_error() -> None:
    dg = Deepgram(api_key=KEY, api_url="http://127.0.0.1:9")
    with pytest.raises(DeepgramConnectionError, match="Could not open the live stream"):
        dg.transcription.live(model="nova-3", connect_timeout=2)


# ----------------------------------------------------------------------------- sending


def test_the_server_receives_exactly_the_bytes_sent(dg: Deepgram, server: ScriptedServer) -> None:
    rng = random.Random(5)
    chunks = [rng.randbytes(rng.randint(1, 5000)) for _ in range(40)]
    live = dg.transcription.live(**RAW)
    for chunk in chunks:
        live.send(chunk)
    live.send(bytearray(b"tail"))
    live.send(memoryview(b"view"))
    live.finish()
    sent = b"".join(chunks) + b"tailview"
    assert bytes(server.connections[0].audio) == sent
    assert live.bytes_sent == len(sent)
    assert live.metadata["sha256"] == hashlib.sha256(sent).hexdigest()


def test_send_is_thread_safe(dg: Deepgram, server: ScriptedServer) -> None:
    live = dg.transcription.live(**RAW)
    frames = {n: bytes([n]) * (1000 + n) for n in range(8)}

    def worker(n: int) -> None:
        for _ in range(25):
            live.send(frames[n])

    threads = [threading.Thread(target=worker, args=(n,)) for n in frames]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    live.finish()
    sizes = server.connections[0].binary_sizes
    assert sorted(sizes) == sorted(len(frame) for frame in frames.values() for _ in range(25))
    assert len(server.connections[0].audio) == sum(sizes)


def test_an_empty_chunk_is_never_sent(dg: Deepgram, server: ScriptedServer) -> None:
    live = dg.transcription.live(**RAW)
    live.send(b"")
    live.send(CHUNK)
    live.send(bytearray())
    live.finish()
    assert server.connections[0].binary_sizes == [len(CHUNK)]
    with pytest.raises(TypeError):
        live.send(cast(Any, "text"))


def test_keep_alive_is_sent_while_no_audio_flows(dg: Deepgram, server: ScriptedServer) -> None:
    live = dg.transcription.live(keep_alive=0.1, **RAW)
    for _ in range(6):  # audio every 50 ms: no KeepAlive needed
        live.send(CHUNK)
        time.sleep(0.05)
    busy = len(server.connections[0].texts)
    time.sleep(0.55)
    live.finish()
    texts = server.connections[0].texts
    assert busy == 0
    keep_alives = [t for t in texts if t == '{"type": "KeepAlive"}']
    assert 3 <= len(keep_alives) <= 7
    assert texts[-1] == '{"type": "CloseStream"}'


def test_keep_alive_keeps_a_silent_stream_open(serve: Callable[..., ScriptedServer]) -> None:
    _, live = stream_on(serve, {"keep_alive": 0.1}, silence_timeout=0.4)
    live.send(CHUNK)
    time.sleep(1.0)
    metadata = live.finish()
    assert metadata is not None and metadata["type"] == "Metadata"


def test_finalize_and_keep_alive_send_their_messages(dg: Deepgram, server: ScriptedServer) -> None:
    live = dg.transcription.live(keep_alive=None, **RAW)
    send_seconds(live, 0.2)
    live.keep_alive()
    live.finalize()
    live.finish()
    assert server.connections[0].texts == [
        '{"type": "KeepAlive"}',
        '{"type": "Finalize"}',
        '{"type": "CloseStream"}',
    ]
    assert any(m.get("from_finalize") for m in live.messages)


# ----------------------------------------------------------------------------- results


def test_finish_returns_the_metadata_and_results_accumulate(
    serve: Callable[..., ScriptedServer],
) -> None:
    _, live = stream_on(serve, duplicate_finals=True)
    send_seconds(live, 1.2)
    metadata = live.finish()
    assert metadata is not None and metadata["type"] == "Metadata"
    assert metadata["duration"] == pytest.approx(1.2)
    assert live.metadata == metadata and live.request_id == metadata["request_id"]
    kinds = [m["type"] for m in live.messages]
    assert kinds[-1] == "Metadata" and kinds.count("Results") == 3 * 3  # interim + 2 finals, x3
    assert live.transcript == "C1w0a c1w0b. C1w1a c1w1b. C1w2a c1w2b."
    words = live.words
    assert words["word"].tolist() == [f"c1w{k}{x}" for k in range(3) for x in "ab"]
    assert words[["start", "end"]].iloc[-1].tolist() == pytest.approx([1.1, 1.2])
    assert words.dtypes["word"] == "string" and words.dtypes["punctuated_word"] == "string"
    assert words.dtypes["start"] == "float64" and words.dtypes["confidence"] == "float64"
    assert words.dtypes["speaker"] == "Int64" and words.dtypes["channel"] == "Int64"
    assert live.to_transcript().text == live.transcript


def test_utterances_end_with_speech_final_and_utterance_end(
    serve: Callable[..., ScriptedServer],
) -> None:
    server, live = stream_on(serve, speech_final_every=2, utterance_end_every=3)
    send_seconds(live, 2.5)
    assert server.wait_for(lambda: len(live.utterances) == 4, timeout=5)
    assert live.utterances["ended_by"].tolist()[-1] == "open"
    live.finish()
    frame = live.utterances
    assert list(frame.columns) == ["start", "end", "transcript", "channel", "ended_by"]
    assert frame["ended_by"].tolist() == [
        "speech_final",
        "utterance_end",
        "speech_final",
        "stream_end",
    ]
    assert frame["start"].tolist() == pytest.approx([0.0, 1.0, 1.5, 2.0])
    assert frame["end"].tolist() == pytest.approx([1.0, 1.5, 2.0, 2.5])
    assert frame["transcript"].iloc[0] == "C1w0a c1w0b. C1w1a c1w1b."
    assert frame.dtypes["channel"] == "Int64"


def test_latency_pairs_each_final_with_the_send_of_its_audio(
    dg: Deepgram, server: ScriptedServer
) -> None:
    live = dg.transcription.live(**RAW)
    before = time.time()
    send_seconds(live, 1.0)
    live.finish()
    latency = live.latency
    assert len(latency) == 2
    assert list(latency.columns) == ["channel", "start", "end", "sent_at", "received_at", "latency"]
    assert (latency["sent_at"] >= before).all()
    assert (latency["latency"] >= 0).all() and (latency["latency"] < 2).all()
    summary = live.latency_summary()
    assert summary["count"] == 2 and 0 <= summary["p50"] <= summary["max"] < 2


# ----------------------------------------------------------------------------- events


def test_events_with_the_seed_names(serve: Callable[..., ScriptedServer]) -> None:
    server = serve(speech_started=True, utterance_end_every=1)
    got: dict[str, list[Any]] = {}

    def recorder(name: str) -> Callable[[Any], None]:
        return lambda value: got.setdefault(name, []).append(value)

    live = client_for(server).transcription.live(handlers={"open": recorder("open")}, **RAW)
    live.registerHandler(live.event.TRANSCRIPT_RECEIVED, recorder("transcript"))
    live.registerHandler(live.event.CLOSE, recorder("close"))
    live.on("metadata", recorder("metadata"))
    live.on(LiveTranscriptionEvent.UTTERANCE_END, recorder("utterance_end"))
    live.on("SPEECH_STARTED", recorder("speech_started"))
    live.on("message", recorder("message"))
    removed = recorder("removed")
    live.on("transcript", removed)
    live.deregisterHandler("transcript", removed)

    @live.on("transcript")
    def decorated(message: dict[str, Any]) -> None:
        got.setdefault("decorated", []).append(message["is_final"])

    send_seconds(live, 1.0)
    live.finish()
    assert got["open"] == [live]
    assert [m["is_final"] for m in got["transcript"]] == [False, True, False, True]
    assert got["decorated"] == [False, True, False, True]
    assert len(got["utterance_end"]) == 2 and len(got["speech_started"]) == 1
    assert got["metadata"] == [live.metadata]
    assert len(got["message"]) == len(live.messages)
    assert "removed" not in got
    (status,) = got["close"]
    assert isinstance(status, CloseStatus) and status == 1000 and status.error is None
    with pytest.raises(ValueError, match="unknown live event"):
        live.on("nonsense", print)


def test_a_failing_handler_goes_to_the_error_event_and_the_stream_goes_on(
    dg: Deepgram, server: ScriptedServer, caplog: pytest.LogCaptureFixture
) -> None:
    errors: list[BaseException] = []
    live = dg.transcription.live(**RAW)
    live.on("error", errors.append)
    live.on("error", lambda exc: 1 / 0)  # a failing error handler is only logged

    @live.on("transcript")
    def broken(message: dict[str, Any]) -> None:
        raise KeyError("boom")

    send_seconds(live, 1.0)
    assert live.finish()["type"] == "Metadata"
    assert [type(e) for e in errors] == [KeyError] * 4
    assert live.errors == errors
    assert live.transcript.count("w") == 4
    assert "handler" in caplog.text


def test_close_from_a_handler_does_not_deadlock(dg: Deepgram, server: ScriptedServer) -> None:
    live = dg.transcription.live(**RAW)
    live.on("transcript", lambda message: live.close())
    send_seconds(live, 0.6)
    assert server.wait_for(lambda: not live.is_open, timeout=5)
    live.close()
    assert live.close_status == 1000 and live.error is None


# ----------------------------------------------------------------------------- closing


def test_silence_ends_the_stream_with_a_readable_net_0001_error(
    serve: Callable[..., ScriptedServer],
) -> None:
    closes: list[CloseStatus] = []
    server, live = stream_on(serve, {"keep_alive": None}, silence_timeout=0.3)
    live.on("close", closes.append)
    live.send(CHUNK)
    assert server.wait_for(lambda: not live.is_open, timeout=5)
    with pytest.raises(LiveStreamClosedError) as caught:
        live.finish()
    error = caught.value
    assert "no audio for 10 s (NET-0001); send audio or keep_alive" in str(error)
    assert (error.code, error.err_code) == (1011, "NET-0001")
    assert closes == [1011] and closes[0].reason == "NET-0001" and closes[0].error is error
    with pytest.raises(LiveStreamClosedError):
        live.send(CHUNK)


def test_undecodable_audio_gives_a_readable_data_0000_error(
    serve: Callable[..., ScriptedServer],
) -> None:
    server, live = stream_on(serve, data_error_after=1000)
    live.send(CHUNK)
    assert server.wait_for(lambda: not live.is_open, timeout=5)
    with pytest.raises(LiveStreamClosedError, match=r"could not decode the audio \(DATA-0000\)"):
        live.finish()
    assert live.close_status == 1008


def test_a_drop_without_reconnect_is_an_error(serve: Callable[..., ScriptedServer]) -> None:
    server, live = stream_on(serve, drop_after=3200)
    live.send(CHUNK)
    assert server.wait_for(lambda: not live.is_open, timeout=5)
    with pytest.raises(LiveStreamClosedError, match="dropped") as caught:
        live.finish()
    assert caught.value.code == 1006 and caught.value.retryable


def test_finish_times_out_when_deepgram_never_closes(
    serve: Callable[..., ScriptedServer],
) -> None:
    _, live = stream_on(serve, ignore_close_stream=True)
    send_seconds(live, 0.5)
    started = time.monotonic()
    with pytest.raises(DeepgramTimeoutError, match=r"within 0\.3s"):
        live.finish(timeout=0.3)
    assert time.monotonic() - started < 3
    assert not live.is_open and len(live.words) == 2
    assert live.errors == [] and live.close_status == 1000  # the hang-up was ours


def test_no_thread_outlives_finish_or_close(dg: Deepgram, server: ScriptedServer) -> None:
    before = set(threading.enumerate())
    for end in ("finish", "close", "context"):
        if end == "context":
            with dg.transcription.live(**RAW) as live:
                live.send(CHUNK)
        else:
            live = dg.transcription.live(keep_alive=0.05, **RAW)
            live.send(CHUNK)
            assert len(live_threads()) == 2
            getattr(live, end)()
        assert not live.is_open
        assert live_threads() == []
    assert {t for t in threading.enumerate() if t.name.startswith("dgdata")} <= before


def test_the_context_manager_closes_on_an_exception(dg: Deepgram, server: ScriptedServer) -> None:
    with pytest.raises(RuntimeError), dg.transcription.live(**RAW) as live:
        live.send(CHUNK)
        raise RuntimeError("user code failed")
    assert not live.is_open
    assert server.connections[0].texts == []  # closed, no CloseStream


def test_the_key_never_shows(dg: Deepgram, server: ScriptedServer) -> None:
    live = dg.transcription.live(**RAW)
    assert KEY not in repr(live) and KEY not in live.url
    live.finish()
    assert KEY not in repr(live)


# ----------------------------------------------------------------------------- reconnect


def test_reconnect_after_a_drop_records_the_gap_and_goes_on(
    serve: Callable[..., ScriptedServer],
) -> None:
    opens: list[LiveTranscription] = []
    # the first connection drops after 1 s of audio
    server, live = stream_on(serve, {"reconnect": True}, drop_after=32000)
    live.on("open", opens.append)
    send_seconds(live, 1.0)
    assert server.wait_for(lambda: len(server.connections) == 2, timeout=5)
    assert server.wait_for(lambda: live.gaps and live.gaps[0].ended_at, timeout=5)
    send_seconds(live, 1.0)
    live.finish()
    (gap,) = live.gaps
    assert gap.ended_at is not None and gap.audio_end is not None
    assert gap.started_at <= gap.ended_at and gap.duration >= 0
    assert gap.audio_start == pytest.approx(1.0) and gap.audio_end >= 1.0
    assert "dropped" in gap.reason
    assert opens == [live]  # the reconnect
    words = live.words
    assert words["word"].str.startswith("c1").sum() == 2  # dropped before its 2nd result
    second = words[words["word"].str.startswith("c2")]
    assert len(second) == 4 and second["start"].min() >= gap.audio_end - 1e-9
    assert second["end"].max() == pytest.approx(gap.audio_end + 1.0)
    assert live.error is None and live.close_status == 1000


# ----------------------------------------------------------------------------- helpers


def _write_wav(path: Any, seconds: float, rate: int, channels: int) -> bytes:
    import wave

    import numpy as np

    t = np.arange(int(seconds * rate)) / rate
    tone = (np.sin(2 * np.pi * 440 * t) * 8000).astype("<i2")
    samples = np.repeat(tone[:, None], channels, axis=1).tobytes()
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(channels)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(samples)
    return samples


def test_live_wav_takes_the_format_from_the_header_and_paces_in_real_time(
    dg: Deepgram, server: ScriptedServer, tmp_path: Any
) -> None:
    path = tmp_path / "tone.wav"
    samples = _write_wav(path, 0.6, rate=8000, channels=2)
    started = time.monotonic()
    live = dg.transcription.live_wav(path, realtime=True, chunk_ms=50, model="nova-3")
    elapsed = time.monotonic() - started
    assert 0.55 <= elapsed < 2.0
    connection = server.connections[0]
    assert connection.query["encoding"] == ["linear16"]
    assert connection.query["sample_rate"] == ["8000"] and connection.query["channels"] == ["2"]
    assert bytes(connection.audio) == samples  # the samples, not the header
    assert len(connection.binary_sizes) == 12
    assert live.metadata["duration"] == pytest.approx(0.6) and not live.is_open


def test_stream_wav_as_fast_as_possible_and_format_checks(
    dg: Deepgram, server: ScriptedServer, tmp_path: Any
) -> None:
    path = tmp_path / "tone.wav"
    samples = _write_wav(path, 2.0, rate=16000, channels=1)
    with dg.transcription.live(**RAW) as live:
        started = time.monotonic()
        assert live.stream_wav(path, realtime=False) == pytest.approx(2.0)
        assert time.monotonic() - started < 1.0
    assert bytes(server.connections[0].audio) == samples
    with (
        dg.transcription.live(encoding="linear16", sample_rate=44100) as live,
        pytest.raises(ValueError, match="sample_rate=44100 but the file has 16000"),
    ):
        live.stream_wav(path)
    (tmp_path / "bad.wav").write_bytes(b"not a wav")
    with pytest.raises(ValueError, match="not a PCM WAV"):
        dg.transcription.live_wav(tmp_path / "bad.wav")


def test_stream_wav_without_encoding_sends_the_whole_file(
    dg: Deepgram, server: ScriptedServer, tmp_path: Any
) -> None:
    path = tmp_path / "tone.wav"
    _write_wav(path, 0.3, rate=16000, channels=1)
    with dg.transcription.live(model="nova-3") as live:
        live.stream_wav(path, realtime=False)
    assert bytes(server.connections[0].audio) == path.read_bytes()


def test_stream_url_sends_what_the_http_server_serves(dg: Deepgram, server: ScriptedServer) -> None:
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    body = random.Random(7).randbytes(100_000)

    class Radio(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "audio/mpeg")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    http = ThreadingHTTPServer(("127.0.0.1", 0), Radio)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{http.server_address[1]}/stream.mp3"
        with dg.transcription.live(model="nova-3") as live:
            assert live.stream_url(url, chunk_size=4096) == len(body)
    finally:
        http.shutdown()
        http.server_close()
        thread.join(5)
    assert bytes(server.connections[0].audio) == body
    assert max(server.connections[0].binary_sizes) <= 4096


# ----------------------------------------------------------------------------- aio


def test_aio_live_and_awaitable_finish(server: ScriptedServer) -> None:
    received: list[dict[str, Any]] = []

    async def main() -> dict[str, Any]:
        dg = dgdata.aio.Deepgram({"api_key": KEY, "api_url": server.url})
        live = await dg.transcription.live({"punctuate": True, **RAW})
        live.registerHandler(live.event.TRANSCRIPT_RECEIVED, received.append)
        for _ in range(5):
            live.send(CHUNK)
        metadata = await live.finish()
        assert live.transcript and isinstance(live.words, pd.DataFrame)
        async with await dg.transcription.live(**RAW) as second:
            second.send(CHUNK)
        return metadata

    metadata = asyncio.run(main())
    assert metadata["type"] == "Metadata" and len(received) == 2
    assert len(server.connections) == 2


def test_results_can_be_read_while_the_stream_runs(dg: Deepgram, server: ScriptedServer) -> None:
    live = dg.transcription.live(**RAW)
    send_seconds(live, 0.5)
    assert server.wait_for(lambda: len(live.words) == 2, timeout=5)
    assert json.loads(json.dumps(live.messages))  # plain JSON, safe to copy
    live.finish()


def test_reconnect_gives_up_when_the_server_stays_away(
    serve: Callable[..., ScriptedServer],
) -> None:
    server, live = stranded(serve, reconnect=2)
    live.send(CHUNK)
    assert server.wait_for(lambda: not live.is_open, timeout=5)
    with pytest.raises(LiveStreamClosedError, match="going away") as caught:
        live.finish()
    assert "reconnecting failed (2 attempt(s)): Could not open" in str(caught.value)
    (gap,) = live.gaps
    assert gap.ended_at is None and gap.audio_end is None


def test_send_after_finish_raises(dg: Deepgram, server: ScriptedServer) -> None:
    live = dg.transcription.live(**RAW)
    live.send(CHUNK)
    live.finish()
    with pytest.raises(DeepgramConnectionError, match="closed"):
        live.send(CHUNK)
    assert live.finish() == live.metadata  # a second finish() just answers again
