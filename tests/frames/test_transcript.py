"""Transcript: still the response dict, with views, files and live sessions."""

from __future__ import annotations

import copy
import io
import json
import pickle
from pathlib import Path

import pandas as pd
import pytest

import dgdata
from dgdata import Transcript, frames

from . import builders as b
from .support import REAL, REST_RESPONSES, label, load

SUMMARIZED = next(
    REAL.glob("python-sdk-v4.8.1/tests/response_data/listen/rest/f3b6208a*-a17f4880*-response.json")
)


def test_transcript_is_exposed_lazily_by_the_package() -> None:
    assert dgdata.Transcript is Transcript


@pytest.mark.parametrize("path", REST_RESPONSES, ids=label)
def test_a_transcript_is_the_response_dict_unchanged(path: Path) -> None:
    response = load(path)
    transcript = Transcript(response)
    assert isinstance(transcript, dict)
    assert transcript == response
    assert json.dumps(transcript) == json.dumps(response)
    assert transcript["results"] is response["results"]
    assert list(transcript) == list(response)


def test_copy_and_pickle_keep_it_a_transcript() -> None:
    transcript = Transcript(b.simple_response())
    assert type(transcript.copy()) is Transcript and transcript.copy() == transcript
    assert type(copy.deepcopy(transcript)) is Transcript
    restored = pickle.loads(pickle.dumps(transcript))
    assert type(restored) is Transcript and restored == transcript


@pytest.mark.parametrize(
    ("value", "error", "words"),
    [
        (42, TypeError, "got int"),
        ("call.json", TypeError, "Transcript.load"),
        ({"metadata": {}}, ValueError, "not a Deepgram transcript"),
        ({"err_code": "INVALID_AUTH", "err_msg": "Invalid credentials."}, ValueError, "Invalid"),
        (b.live_results("hi", 0.0), ValueError, "Transcript.from_live"),
    ],
    ids=["int", "str", "no-results", "error-body", "live-message"],
)
def test_something_that_is_not_a_transcript_is_refused(
    value: object, error: type, words: str
) -> None:
    with pytest.raises(error, match=words):
        Transcript(value)  # type: ignore[arg-type]


def test_scalar_views_read_the_metadata() -> None:
    transcript = Transcript(load(SUMMARIZED))
    assert transcript.request_id == transcript["metadata"]["request_id"]
    assert transcript.duration == pytest.approx(19.097937)
    assert isinstance(transcript.duration, float)
    assert transcript.model == "2-general-nova (nova-3)"
    assert transcript.text.startswith("We, the people of the United States")
    assert transcript.metadata is transcript["metadata"]


def test_text_joins_channels_with_newlines() -> None:
    assert Transcript(b.multichannel_response()).text == "good morning\nmorning to you too"


def test_missing_metadata_gives_none_not_an_error() -> None:
    transcript = Transcript({"results": {"channels": []}})
    assert (transcript.request_id, transcript.duration, transcript.model) == (None, None, None)
    assert transcript.text == "" and transcript.summary is None


def test_summary_is_the_v2_text() -> None:
    transcript = Transcript(load(SUMMARIZED))
    assert transcript.summary == transcript["results"]["summary"]["short"]


def test_summary_falls_back_to_the_v1_summaries_of_channel_zero() -> None:
    assert Transcript(b.summary_v1_response()).summary == "Greetings are exchanged. Plans are made."
    assert Transcript(b.simple_response()).summary is None


@pytest.mark.parametrize("name", sorted(set(frames.SCHEMAS) - {"summary"}))
def test_every_dataframe_view_is_the_frame_function(name: str) -> None:
    response = b.everything_response()
    pd.testing.assert_frame_equal(
        getattr(Transcript(response), name), getattr(frames, name)(response)
    )


def test_views_are_not_cached_so_they_follow_edits() -> None:
    transcript = Transcript(b.simple_response("one two three"))
    assert len(transcript.words) == 3
    transcript["results"]["channels"][0]["alternatives"][0]["words"].pop()
    assert len(transcript.words) == 2


def test_save_then_load_round_trips_and_keeps_non_ascii(tmp_path: Path) -> None:
    transcript = Transcript(b.simple_response("Grüße, señor — 你好"))
    written = transcript.save(tmp_path / "call.json")
    assert written == tmp_path / "call.json"
    assert "你好" in written.read_text(encoding="utf-8")
    assert Transcript.load(written) == transcript
    assert Transcript.load(str(written)) == transcript


@pytest.mark.parametrize(
    "wrap",
    [
        json.dumps,
        lambda r: "\n  " + json.dumps(r),
        lambda r: json.dumps(r).encode(),
        lambda r: io.StringIO(json.dumps(r)),
        lambda r: io.BytesIO(json.dumps(r).encode()),
        lambda r: r,
    ],
    ids=["json-text", "indented-text", "bytes", "text-file", "binary-file", "dict"],
)
def test_load_accepts_text_bytes_files_and_dicts(wrap) -> None:  # type: ignore[no-untyped-def]
    response = b.simple_response()
    loaded = Transcript.load(wrap(response))
    assert type(loaded) is Transcript and loaded == response


def test_load_explains_bad_json_and_bad_types(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not valid JSON"):
        Transcript.load("{not json")
    with pytest.raises(TypeError, match="expects a path"):
        Transcript.load(3.5)  # type: ignore[arg-type]
    with pytest.raises(FileNotFoundError):
        Transcript.load(tmp_path / "missing.json")


def test_from_live_assembles_the_final_results_of_a_session() -> None:
    transcript = Transcript.from_live(b.live_session())
    assert transcript.text == "hello world second part here"
    assert transcript.words["word"].tolist() == ["hello", "world", "second", "part", "here"]
    assert transcript.duration == 2.5  # from the Metadata message
    assert transcript.request_id == b.REQUEST_ID
    assert transcript.model == "general-nova-3 (nova-3)"
    assert transcript["results"]["channels"][0]["alternatives"][0]["confidence"] == pytest.approx(
        0.95
    )


def test_from_live_keeps_channels_apart_and_derives_the_duration_without_metadata() -> None:
    session = [
        b.live_results("left one", 0.0, duration=2.0),
        b.live_results("right one", 1.0, duration=3.0, channel_index=(1, 2)),
    ]
    transcript = Transcript.from_live(session)
    assert transcript.text == "left one\nright one"
    assert transcript.duration == 4.0
    assert transcript["metadata"]["channels"] == 2


def test_from_live_of_real_messages_gives_their_words() -> None:
    messages = [load(path) for path in sorted(REAL.glob("**/listen/websocket/*-response.json"))]
    transcript = Transcript.from_live(messages)
    assert len(transcript.words) == sum(
        len(m["channel"]["alternatives"][0]["words"]) for m in messages
    )


def test_from_live_refuses_what_is_not_a_session() -> None:
    with pytest.raises(TypeError, match="list of a live session"):
        Transcript.from_live(b.live_results("hi", 0.0))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="item 1"):
        Transcript.from_live([b.live_results("hi", 0.0), b.simple_response()])
