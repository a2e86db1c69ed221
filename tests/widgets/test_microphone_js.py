"""``LiveMicrophone``'s ES module, run by node with a fake DOM, microphone and AudioWorklet.

The harness (``mic_harness.mjs``) imports the real module, drives its buttons, feeds the real
resampling processor 48 kHz audio and reports what the fake model was sent, as JSON.
(Real-browser tests drive the same JS in Chromium: ``tests/browser/test_microphone.py``.)
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from dgdata.widgets._mic_stream import BROWSER_ERRORS

JS = Path(__file__).parents[2] / "dgdata" / "widgets" / "microphone.js"

# ---------------------------------------------------------------------- the ES module


def test_the_js_has_the_required_pieces() -> None:
    source = JS.read_text()
    for piece in (
        "getUserMedia",
        "echoCancellation",
        "noiseSuppression",
        "autoGainControl",
        "audioWorklet.addModule",
        "new AudioWorkletNode",
        "isSecureContext",
        "registerProcessor",
        "export default { initialize, render }",
    ):
        assert piece in source, piece
    assert "undefined, [\n      data.buffer,\n    ]" in source  # buffers: model.send's 3rd argument


HARNESS = Path(__file__).with_name("mic_harness.mjs")


@pytest.fixture(scope="module")
def js() -> dict[str, Any]:
    """What the harness saw (the module imported as an ES module by node)."""
    node = shutil.which("node")
    assert node is not None, "a test that uses `js` is marked needs_node, so node is here"
    done = subprocess.run(
        [node, str(HARNESS), JS.as_uri(), json.dumps(BROWSER_ERRORS)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


@pytest.mark.needs_node  # skipped without node (tests/requirements_plugin.py)
def test_js_start_asks_for_the_raw_microphone(js: dict[str, Any]) -> None:
    assert js["initial"]["state"] == "idle" and js["initial"]["start"] and not js["initial"]["stop"]
    assert js["acquiring"]["state"] == "starting" and js["acquiring"]["stop"]
    audio = js["constraints"]["audio"]
    assert (audio["echoCancellation"], audio["noiseSuppression"], audio["autoGainControl"]) == (
        False,
        False,
        False,
    )
    assert js["startMessage"] == {"type": "start", "device_rate": 48000, "sample_rate": 16000}


@pytest.mark.needs_node
def test_js_sends_100ms_pcm16_chunks_as_binary_buffers(js: dict[str, Any]) -> None:
    chunks = js["audio"]  # the filter's look-ahead (~1 ms) holds the tenth back until Stop
    assert len(chunks) == 9
    assert [c["seq"] for c in chunks] == list(range(1, 10))
    assert all(c["arrayBuffer"] and c["callbacks"] == "undefined" for c in chunks)
    assert {c["bytes"] for c in chunks} == {3200} and {c["samples"] for c in chunks} == {1600}
    assert 16000 <= js["peak"] <= 16500 and -16500 <= js["trough"] <= -16000, "0.5 full scale"
    assert js["clipped"] == [32767, -32768]
    assert js["aliased"] < 33, "a 10 kHz tone at -6 dBFS comes out below -60 dBFS (low-passed)"
    assert js["capturing"]["elapsed"] == "0:00.9"
    assert js["capturing"]["level"] == pytest.approx(0.5 / 2**0.5, abs=0.01)


@pytest.mark.needs_node
def test_js_renders_the_kernel_state_and_text(js: dict[str, Any]) -> None:
    listening = js["listening"]
    assert listening["state"] == "listening" and listening["stop"] and not listening["start"]
    assert listening["final"] == "hello there" and listening["interim"] == " how are"
    assert listening["errorHidden"] and listening["label"] == "browser source"
    assert js["afterStop"]["types"] == ["audio", "stop"], "the worklet's last samples, then stop"
    assert js["afterStop"]["audioCount"] == 10 and js["afterStop"]["track"]
    assert js["afterStop"]["samples"] == 16000, "1 s in, exactly 1 s out (after the flush)"
    assert js["afterStop"]["context"] == "closed"
    assert js["done"]["state"] == "done" and js["done"]["start"]
    assert js["pythonStop"] == "stop"


@pytest.mark.needs_node
def test_js_reports_a_denied_or_insecure_microphone(js: dict[str, Any]) -> None:
    denied = js["denied"]
    assert denied["state"] == "error" and not denied["errorHidden"]
    assert denied["error"] == BROWSER_ERRORS["NotAllowedError"]
    assert denied["sent"] == [
        {"type": "error", "name": "NotAllowedError", "message": "Permission denied"}
    ]
    assert denied["closed"] == "closed"
    insecure = js["insecure"]
    assert not insecure["tried"] and insecure["state"] == "error"
    assert insecure["sent"][0]["name"] == "InsecureContextError"
    assert insecure["error"] == BROWSER_ERRORS["InsecureContextError"]


@pytest.mark.needs_node
def test_js_lets_go_of_the_microphone_when_the_kernel_stream_fails(js: dict[str, Any]) -> None:
    failed = js["kernelFailed"]
    assert failed["types"] == ["start"] and failed["track"]
    assert failed["during"]["state"] == "starting" and failed["during"]["stop"], "views see it"
    assert failed["after"]["state"] == "error" and failed["after"]["start"]


@pytest.mark.needs_node
def test_js_kernel_side_sources_only_send_start_and_stop(js: dict[str, Any]) -> None:
    assert js["fileInitial"]["start"] and js["fileInitial"]["state"] == "idle"
    listening = js["fileListening"]
    assert listening["elapsed"] == "1:05.2" and listening["level"] == 0.1
    assert listening["meter"] == "66.7%"  # -20 dBFS on a -60..0 dB scale
    assert js["fileSent"] == [{"type": "start"}, {"type": "stop"}]
    assert js["format"] == ["0:00.0", "1:05.2", 1, 0]
