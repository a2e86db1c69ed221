"""Choosing the recognition engine, and Whisper's weights loaded once per recogniser process."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dgdata import Deepgram
from dgdata.server.asr import choice
from dgdata.server.asr.choice import EngineChoice
from dgdata.server.asr.recording import Decoding, recognize_lane
from dgdata.server.audio.media import Media
from dgdata.server.runner import LocalServer

SPEECH = Path(__file__).parent.parent / "data" / "speech"


def test_a_bad_choice_is_refused() -> None:
    with pytest.raises(ValueError, match="engine must be one of"):
        EngineChoice("kaldi")
    with pytest.raises(ValueError, match="threads"):
        EngineChoice("whisper", threads=0)


def test_auto_is_whisper_only_where_it_is_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(choice, "whisper_available", lambda model=None: False)
    assert choice.resolve(EngineChoice("auto")) == "pocketsphinx"
    with pytest.raises(RuntimeError, match="--engine pocketsphinx"):
        choice.resolve(EngineChoice("whisper"))
    monkeypatch.setattr(choice, "whisper_available", lambda model=None: True)
    assert choice.resolve(EngineChoice("auto")) == "whisper"
    assert choice.resolve(EngineChoice("pocketsphinx")) == "pocketsphinx"


def test_auto_resolves_to_whisper_here_without_loading_it() -> None:
    """The [server] extra installs faster-whisper and the weights; resolving loads nothing."""
    loads = choice.loads()
    assert choice.whisper_available()
    assert choice.resolve(EngineChoice()) == "whisper"
    assert choice.resolve(EngineChoice("auto", model="small")) == "whisper"
    assert choice.loads() == loads


def test_pocketsphinx_has_no_piece_decoder_and_whisper_loads_once() -> None:
    try:
        choice.configure(EngineChoice("pocketsphinx"))
        assert choice.piece_decoder() is None and choice.language_decoder() is None
        loads = choice.loads()
        choice.configure(EngineChoice("whisper"))
        first, second = choice.piece_decoder(), choice.language_decoder(None)
        assert first is not None and second is not None
        assert choice.whisper_engine() is choice.whisper_engine()
        assert choice.loads() <= loads + 1  # loaded now, or by an earlier test of this process
        choice.configure(EngineChoice("pocketsphinx"))
        choice.configure(EngineChoice("whisper"))
        assert choice.piece_decoder() is not None and choice.loads() <= loads + 1  # kept
    finally:
        choice.configure(EngineChoice("pocketsphinx"))


def test_a_model_that_cannot_load_fails_when_first_used(tmp_path: Path) -> None:
    try:
        choice.configure(EngineChoice("whisper", model=str(tmp_path)))  # no model.bin
        with pytest.raises(RuntimeError, match="could not be loaded"):
            choice.piece_decoder()
    finally:
        choice.configure(EngineChoice("pocketsphinx"))


def test_a_lane_says_the_language_whisper_heard_and_pocketsphinx_says_none() -> None:
    clip = SPEECH / "he-forgot-his-keys-on-the-kitchen-table-again.wav"
    media, decoding = Media(path=str(clip)), Decoding()
    try:
        choice.configure(EngineChoice("whisper"))
        heard = recognize_lane(media, decoding, None, None)  # detect_language
        assert (heard.language, heard.language_confidence) == ("en", 1.0)
        assert " ".join(w.word for w in heard.words) == clip.stem.replace("-", " ")
        assert heard.words[0].capital and heard.words[-1].mark == "."
        choice.configure(EngineChoice("pocketsphinx"))
        plain = recognize_lane(media, decoding, None, "en")
        assert (plain.language, plain.language_confidence) == (None, None)
        assert not any(w.capital or w.mark for w in plain.words)
    finally:
        choice.configure(EngineChoice("pocketsphinx"))


def _load_count() -> tuple[int, int]:
    """In a recogniser worker: its process id and how many times it loaded Whisper."""
    return os.getpid(), choice.loads()


def test_a_whisper_server_loads_the_model_once_and_answers_in_deepgrams_default_form() -> None:
    clips = [
        SPEECH / "do-you-know-what-time-the-store-opens-in-the-morning.wav",
        SPEECH / "he-forgot-his-keys-on-the-kitchen-table-again.wav",
    ]
    with LocalServer(engine="whisper", decoders=1) as server:
        dg = Deepgram(server.api_key, api_url=server.url)
        for clip in clips:
            alternative = dg.transcription.prerecorded(clip)["results"]["channels"][0][
                "alternatives"
            ][0]
            assert alternative["transcript"] == clip.stem.replace("-", " ")
            assert all(word["word"].islower() for word in alternative["words"])
        recognizer = server.state.recognizer
        assert not recognizer.in_threads
        worker, loads = recognizer.run(_load_count)
    assert worker != os.getpid() and loads == 1  # two recordings, one load, in the worker
