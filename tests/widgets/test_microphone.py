"""``LiveMicrophone`` without a browser: the kernel half against the local server, the JS in node.

The browser is simulated the way its messages reach the kernel: ``{"type": "start"}``, then
16-bit PCM in 100 ms buffers, then ``{"type": "stop"}``, through ``handle_message``. The ES
module is imported by node with a tiny fake DOM, fake ``getUserMedia`` and fake AudioWorklet that
runs the real resampling processor. (Real-browser tests drive the same JS in Chromium.)
"""

from __future__ import annotations

import importlib.abc
import socket
import sys
import threading
import time
import types
import wave
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import anywidget
import numpy as np
import pandas as pd
import pytest

from dgdata import Deepgram
from dgdata.server.runner import LocalServer
from dgdata.widgets import LiveMicrophone
from dgdata.widgets._mic_stream import BROWSER_ERRORS

SAMPLES = Path(__file__).parents[2] / "dgdata" / "data" / "samples"
HELLO, CALLBACK = SAMPLES / "hello.wav", SAMPLES / "callback.wav"
JS = Path(__file__).parents[2] / "dgdata" / "widgets" / "microphone.js"


class RecordingMic(LiveMicrophone):
    """A LiveMicrophone that records the custom messages meant for its (absent) front-end."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.sent: list[dict[str, Any]] = []
        super().__init__(*args, **kwargs)

    def send(self, content: dict[str, Any], buffers: Any = None) -> None:
        self.sent.append(content)


def mic_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith(("dgdata-mic", "dgdata-live"))]


@pytest.fixture
def make_mic() -> Iterator[Callable[..., RecordingMic]]:
    """``make_mic(dg, **kw)``: widgets closed after the test, which must leave no thread behind."""
    made: list[RecordingMic] = []

    def make(client: Any, **kwargs: Any) -> RecordingMic:
        mic = RecordingMic(client, **kwargs)
        made.append(mic)
        return mic

    yield make
    for mic in made:
        mic.close()
    deadline = time.monotonic() + 3
    while mic_threads() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not mic_threads(), f"threads left running: {mic_threads()}"


def pcm_chunks(path: Path, chunk_ms: int = 100) -> list[bytes]:
    with wave.open(str(path), "rb") as wav:
        frames = wav.getframerate() * chunk_ms // 1000
        chunks = []
        while data := wav.readframes(frames):
            chunks.append(data)
    return chunks


def record(mic: LiveMicrophone, *names: str) -> list[tuple[str, Any]]:
    changes: list[tuple[str, Any]] = []
    mic.observe(lambda change: changes.append((change["name"], change["new"])), names=list(names))
    return changes


def speak_like_a_browser(mic: LiveMicrophone, path: Path, pause: float = 0.0) -> None:
    mic.handle_message({"type": "start", "device_rate": 48000, "sample_rate": 16000})
    for seq, chunk in enumerate(pcm_chunks(path), 1):
        mic.handle_message(
            {"type": "audio", "seq": seq, "samples": len(chunk) // 2}, [memoryview(chunk)]
        )
        time.sleep(pause)
    mic.handle_message({"type": "stop"})


# ---------------------------------------------------------------------- the browser source


def test_browser_chunks_become_interim_and_final_text_words_and_utterances(
    dg: Deepgram, make_mic: Callable[..., RecordingMic]
) -> None:
    mic = make_mic(dg, model="general", smart_format=False)
    changes = record(mic, "state", "interim", "final_text", "level")
    speak_like_a_browser(mic, HELLO)
    assert mic.wait(15), mic.state
    assert mic.state == "done" and mic.error == ""
    assert mic.transcript == "hello this is a speech test" == mic.final_text
    assert any(name == "interim" and value for name, value in changes), "interim text was shown"
    assert mic.interim == ""
    states = [value for name, value in changes if name == "state"]
    assert states[0] == "starting" and states[-1] == "done" and "finishing" in states
    assert max(value for name, value in changes if name == "level") > 0.02
    assert mic.elapsed == pytest.approx(2.17, abs=0.05) and mic.device_rate == 48000
    words = mic.words
    assert isinstance(words, pd.DataFrame)
    assert list(words.word) == ["hello", "this", "is", "a", "speech", "test"]
    assert {"start", "end", "confidence"} <= set(words.columns)
    assert (words.end > words.start).all() and words.confidence.between(0, 1).all()
    assert " ".join(mic.utterances.transcript) == mic.transcript
    assert mic.live is not None
    options = mic.live.options
    assert options["encoding"] == "linear16" and options["sample_rate"] == 16000
    assert options["channels"] == 1 and options["interim_results"] is True
    assert options["model"] == "general" and options["smart_format"] is False


def test_a_second_start_is_a_new_session_with_fresh_text(
    dg: Deepgram, make_mic: Callable[..., RecordingMic]
) -> None:
    mic = make_mic(dg)
    speak_like_a_browser(mic, HELLO)
    assert mic.wait(15) and mic.transcript == "hello this is a speech test"
    speak_like_a_browser(mic, CALLBACK)
    assert mic.wait(15) and mic.state == "done"
    assert mic.final_text == "please call me back tonight" == mic.transcript
    assert mic.elapsed == pytest.approx(1.78, abs=0.05)


def test_a_refused_key_shows_a_sentence_without_the_key_and_releases_the_browser(
    server: LocalServer, make_mic: Callable[..., RecordingMic]
) -> None:
    key = "sekrit" + "7" * 34
    client = Deepgram(api_key=key, api_url=server.url, max_retries=0)
    mic = make_mic(client)
    speak_like_a_browser(mic, HELLO)  # nothing raises, later audio is dropped quietly
    assert mic.wait(10)
    assert mic.state == "error"
    assert "Invalid credentials" in mic.error and "API key" in mic.error
    assert key not in mic.error and "Traceback" not in mic.error
    assert {"type": "capture", "action": "stop"} in mic.sent
    assert mic.words.empty and mic.transcript == ""


def test_an_unexpected_failure_is_a_sentence_with_the_key_masked(
    server: LocalServer, monkeypatch: pytest.MonkeyPatch, make_mic: Callable[..., RecordingMic]
) -> None:
    key = "leaky" + "3" * 35
    client = Deepgram(api_key=key, api_url=server.url, max_retries=0)

    def broken_live(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError(f"proxy said: bad token {key}")

    monkeypatch.setattr(client.transcription, "live", broken_live)
    mic = make_mic(client)
    mic.handle_message({"type": "start"})
    assert mic.wait(5) and mic.state == "error"
    assert mic.error == "RuntimeError: proxy said: bad token ***"


def test_a_dropped_socket_mid_stream_ends_in_an_error(
    dg: Deepgram, server: LocalServer, make_mic: Callable[..., RecordingMic]
) -> None:
    server.inject(ws_drop_after_ms=300, path="/v1/listen")
    mic = make_mic(dg)
    speak_like_a_browser(mic, HELLO, pause=0.05)
    assert mic.wait(10)
    assert mic.state == "error"
    assert "1006" in mic.error or "connection" in mic.error.lower()
    assert {"type": "capture", "action": "stop"} in mic.sent


def test_an_unanswered_handshake_never_blocks_the_kernel(
    make_mic: Callable[..., RecordingMic],
) -> None:
    listener = socket.create_server(("127.0.0.1", 0))  # accepts, never answers
    port = listener.getsockname()[1]
    try:
        client = Deepgram(api_key="k" * 40, api_url=f"http://127.0.0.1:{port}", timeout=(1, 5))
        mic = make_mic(client)
        started = time.monotonic()
        speak_like_a_browser(mic, HELLO)  # 23 messages, while the handshake hangs for 1 s
        assert time.monotonic() - started < 0.8, "the comm handler queues; it never waits"
        assert mic.state == "finishing" and not mic.wait(0.1)
        assert mic.wait(5) and mic.state == "error"
        assert "within 1s" in mic.error
    finally:
        listener.close()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("NotAllowedError", "denied access to the microphone"),
        ("NotFoundError", "found no microphone"),
        ("OverconstrainedError", "as requested"),
        ("InsecureContextError", "https://"),
        ("NoMediaDevicesError", 'source="kernel"'),
    ],
)
def test_errors_the_browser_reports_become_sentences(
    name: str, expected: str, make_mic: Callable[..., RecordingMic]
) -> None:
    mic = make_mic(Deepgram(api_key="k" * 40, api_url="http://127.0.0.1:9"))
    mic.handle_message({"type": "error", "name": name, "message": "Permission denied"})
    assert mic.state == "error" and expected in mic.error
    assert mic.live is None and mic.wait(0)


def test_an_unknown_browser_error_names_itself(make_mic: Callable[..., RecordingMic]) -> None:
    mic = make_mic(Deepgram(api_key="k" * 40, api_url="http://127.0.0.1:9"))
    mic.handle_message({"type": "error", "name": "WeirdError", "message": "it  broke\n"})
    assert "(WeirdError: it broke)" in mic.error
    mic.handle_message({"type": "nonsense"})  # ignored
    mic.handle_message("not a dict")  # type: ignore[arg-type]
    assert mic.state == "error"


def test_a_browser_error_during_a_session_keeps_the_text_and_ends_in_error(
    dg: Deepgram, make_mic: Callable[..., RecordingMic]
) -> None:
    mic = make_mic(dg)
    mic.handle_message({"type": "start"})
    for seq, chunk in enumerate(pcm_chunks(HELLO), 1):
        mic.handle_message({"type": "audio", "seq": seq}, [chunk])
    mic.handle_message({"type": "error", "name": "TrackEndedError", "message": "ended"})
    assert mic.wait(15)
    assert mic.state == "error" and "stopped delivering audio" in mic.error
    assert mic.transcript == "hello this is a speech test"


# ---------------------------------------------------------------------- kernel-side sources


def test_the_file_source_streams_at_real_time_pace_through_the_same_ui(
    dg: Deepgram, make_mic: Callable[..., RecordingMic]
) -> None:
    mic = make_mic(dg, source="file", file=CALLBACK)
    assert mic.source == "file" and "callback.wav" in mic.source_label
    changes = record(mic, "level", "state")
    started = time.monotonic()
    mic.start()
    assert mic.state == "starting"
    assert mic.wait(15)
    assert time.monotonic() - started >= 1.6, "1.78 s of audio is sent in real time"
    assert mic.state == "done" and mic.transcript == "please call me back tonight"
    assert mic.final_text == mic.transcript and len(mic.words) == 5
    assert max(value for name, value in changes if name == "level") > 0.02
    mic.handle_message({"type": "start"})  # the Start button of the front-end
    assert mic.state == "starting" and mic.wait(15) and mic.state == "done"


def test_stopping_the_file_source_early_keeps_what_was_said(
    dg: Deepgram, make_mic: Callable[..., RecordingMic], tmp_path: Path
) -> None:
    # "hello this is a speech test" (2.2 s), then 20 s of silence: however long the handshake
    # takes on a loaded machine (the file plays from start(), in real time), Stop comes first.
    with wave.open(str(HELLO), "rb") as wav:
        params, audio = wav.getparams(), wav.readframes(wav.getnframes())
    padded = tmp_path / "hello-then-silence.wav"
    with wave.open(str(padded), "wb") as wav:
        wav.setparams(params)
        wav.writeframes(audio + bytes(20 * params.framerate * params.sampwidth))
    duration = params.nframes / params.framerate + 20
    # After Stop the server decodes what it was sent before it closes the stream: with two busy
    # loops on two cores that took up to 13 s, past the default finish_timeout (10 s), and the
    # stream ended in a timeout error. This test is about what is kept, not how fast.
    mic = make_mic(dg, source="file", file=padded, finish_timeout=60)
    mic.start()
    # Stop once the stream is open and "hello" (0.1-0.6 s) has been sent, however late that is.
    deadline = time.monotonic() + 15
    while not (mic.state == "listening" and mic.elapsed >= 0.8):
        assert mic.state in ("starting", "listening"), (mic.state, mic.error)
        assert time.monotonic() < deadline, f"{mic.state}, {mic.elapsed:.1f} s sent"
        time.sleep(0.02)
    sent_at_stop = mic.elapsed
    mic.handle_message({"type": "stop"})
    assert mic.wait(70) and mic.state == "done", (mic.state, mic.error)
    assert sent_at_stop <= mic.elapsed < duration, "Stop ends the stream before the file does"
    said = ["hello", "this", "is", "a", "speech", "test"]
    heard = mic.transcript.split()
    # What was sent before Stop is kept: "hello" and then the sentence's next words, in order
    # (the last one may be cut short by Stop and heard as another word, e.g. "just").
    assert heard[:1] == ["hello"] and len(heard) <= len(said), mic.transcript
    assert heard[:-1] == said[: len(heard) - 1], mic.transcript
    # Nothing after Stop: every word lies within the audio that was sent.
    assert len(mic.words) == len(heard) and mic.words["end"].max() <= mic.elapsed + 0.05


class _BrokenImport(importlib.abc.MetaPathFinder):
    def find_spec(self, name: str, path: Any, target: Any = None) -> None:
        if name == "sounddevice":
            raise OSError("PortAudio library not found")


def test_the_kernel_source_explains_a_missing_portaudio(
    monkeypatch: pytest.MonkeyPatch, make_mic: Callable[..., RecordingMic]
) -> None:
    monkeypatch.delitem(sys.modules, "sounddevice", raising=False)
    monkeypatch.setattr(sys, "meta_path", [_BrokenImport(), *sys.meta_path])
    mic = make_mic(Deepgram(api_key="k" * 40, api_url="http://127.0.0.1:9"), source="kernel")
    mic.start()  # never raises: the message is in the widget
    assert mic.state == "error" and "libportaudio2" in mic.error
    assert mic.live is None and mic.wait(0)


def test_the_kernel_source_explains_a_missing_sounddevice(
    monkeypatch: pytest.MonkeyPatch, make_mic: Callable[..., RecordingMic]
) -> None:
    monkeypatch.setitem(sys.modules, "sounddevice", None)  # import fails with ImportError
    mic = make_mic(Deepgram(api_key="k" * 40, api_url="http://127.0.0.1:9"), source="kernel")
    mic.handle_message({"type": "start"})
    assert mic.state == "error" and 'pip install "dgdata[mic]"' in mic.error


def fake_sounddevice(wav: Path | None, opened: list[dict[str, Any]]) -> types.ModuleType:
    """A stand-in for sounddevice (PortAudio is not on the test machines) fed from a WAV."""
    module = types.ModuleType("sounddevice")

    def query_devices(device: Any = None, kind: str | None = None) -> dict[str, Any]:
        if wav is None:
            raise ValueError("No input device matching")
        return {"name": "fake", "max_input_channels": 1}

    class InputStream:
        def __init__(self, **kwargs: Any) -> None:
            opened.append(kwargs)
            self.callback, self.running = kwargs["callback"], threading.Event()
            self.thread = threading.Thread(target=self.feed, name="fake-portaudio", daemon=True)

        def feed(self) -> None:
            assert wav is not None
            for chunk in pcm_chunks(wav):
                if not self.running.is_set():
                    return
                block = np.frombuffer(chunk, "<i2").reshape(-1, 1)
                self.callback(block, len(block), None, None)
                time.sleep(0.01)

        def start(self) -> None:
            self.running.set()
            self.thread.start()

        def stop(self) -> None:
            self.running.clear()
            self.thread.join()

        def close(self) -> None:
            opened.append({"closed": True})

    module.query_devices = query_devices  # type: ignore[attr-defined]
    module.InputStream = InputStream  # type: ignore[attr-defined]
    return module


def test_the_kernel_source_captures_16khz_mono_int16_in_100ms_blocks(
    dg: Deepgram, monkeypatch: pytest.MonkeyPatch, make_mic: Callable[..., RecordingMic]
) -> None:
    opened: list[dict[str, Any]] = []
    monkeypatch.setitem(sys.modules, "sounddevice", fake_sounddevice(HELLO, opened))
    mic = make_mic(dg, source="kernel")
    assert "kernel's machine" in mic.source_label
    mic.start()
    deadline = time.monotonic() + 5
    while mic.elapsed < 2.1 and time.monotonic() < deadline:
        time.sleep(0.05)
    mic.stop()
    assert mic.wait(15) and mic.state == "done", mic.error
    assert mic.transcript == "hello this is a speech test"
    settings = {k: v for k, v in opened[0].items() if k != "callback"}
    assert settings == {
        "samplerate": 16000,
        "channels": 1,
        "dtype": "int16",
        "blocksize": 1600,
        "device": None,
    }
    assert opened[-1] == {"closed": True}


def test_the_kernel_source_says_when_there_is_no_input_device(
    monkeypatch: pytest.MonkeyPatch, make_mic: Callable[..., RecordingMic]
) -> None:
    monkeypatch.setitem(sys.modules, "sounddevice", fake_sounddevice(None, []))
    mic = make_mic(Deepgram(api_key="k" * 40, api_url="http://127.0.0.1:9"), source="kernel")
    mic.start()
    assert mic.state == "error" and "has no microphone" in mic.error and "device=" in mic.error


# ---------------------------------------------------------------------- construction


def test_options_are_checked_when_the_widget_is_made() -> None:
    client = Deepgram(api_key="k" * 40, api_url="http://127.0.0.1:9")
    with pytest.raises(TypeError, match=r"diarise.*source.*any /v1/listen option"):
        LiveMicrophone(client, diarise=True)
    with pytest.raises(TypeError, match="encoding"):
        LiveMicrophone(client, encoding="mulaw")
    with pytest.raises(ValueError, match="source must be one of"):
        LiveMicrophone(client, source="phone")
    with pytest.raises(ValueError, match='source="file"'):
        LiveMicrophone(client, file=HELLO)
    with pytest.raises(FileNotFoundError):
        LiveMicrophone(client, source="file", file=HELLO.with_name("missing.wav"))


def test_every_synced_trait_is_documented_and_processing_is_off_by_default() -> None:
    mic = LiveMicrophone(Deepgram(api_key="k" * 40, api_url="http://127.0.0.1:9"))
    try:
        base = set(anywidget.AnyWidget.class_traits(sync=True))
        own = {n for n in mic.traits(sync=True) if n not in base and not n.startswith("_")}
        assert {"state", "interim", "final_text", "error", "level", "elapsed", "source"} <= own
        own.add("_browser_errors")
        undocumented = [name for name in own if not mic.trait_metadata(name, "help")]
        assert not undocumented
        assert (mic.echo_cancellation, mic.noise_suppression, mic.auto_gain_control) == (
            False,
            False,
            False,
        )
        assert (mic.sample_rate, mic.chunk_ms, mic.state) == (16000, 100, "idle")
        assert mic._browser_errors["NotAllowedError"] == BROWSER_ERRORS["NotAllowedError"]
        assert mic.words.empty and {"word", "start", "end", "confidence"} <= set(mic.words.columns)
    finally:
        mic.close()
