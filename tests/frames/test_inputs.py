"""What the frame functions accept: one transcript, collections with a source, and errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dgdata import Transcript, frames

from . import builders as b
from .support import assert_schema


def test_a_single_response_has_no_source_column() -> None:
    assert "source" not in frames.words(b.simple_response()).columns


def test_a_list_keys_rows_by_position_as_int64() -> None:
    words = frames.words([b.simple_response("a b"), b.simple_response("c")])
    assert_schema(words, "words", source="Int64")
    assert words["source"].tolist() == [0, 0, 1]


def test_name_response_pairs_key_rows_by_name() -> None:
    words = frames.words([("first", b.simple_response("a b")), ("second", b.simple_response("c"))])
    assert_schema(words, "words", source="string")
    assert words["source"].tolist() == ["first", "first", "second"]


def test_a_mapping_keys_rows_by_name_and_converts_paths_to_text() -> None:
    calls = {
        Path("calls/a.wav"): b.simple_response("a"),
        Path("calls/b.wav"): b.simple_response("b c"),
    }
    words = frames.words(calls)
    assert words["source"].tolist() == ["calls/a.wav", "calls/b.wav", "calls/b.wav"]


def test_integer_mapping_keys_stay_integers() -> None:
    words = frames.words({10: b.simple_response("a"), 20: b.simple_response("b")})
    assert words["source"].tolist() == [10, 20]
    assert str(words["source"].dtype) == "Int64"


def test_transcripts_and_generators_are_accepted() -> None:
    pieces = (Transcript(b.simple_response(text)) for text in ["x", "y z"])
    assert frames.words(pieces)["source"].tolist() == [0, 1, 1]


def test_an_empty_list_gives_an_empty_frame_with_a_source_column() -> None:
    words = frames.words([])
    assert words.empty
    assert words.columns[0] == "source"


def test_a_source_without_rows_still_counts_its_position() -> None:
    words = frames.utterances([b.simple_response(), b.diarized_response()])
    assert words["source"].tolist() == [1, 1]


class _SdkResponse:
    """Stands in for an SDK response model (deepgram-sdk v3/v4 ``to_dict``)."""

    def __init__(self, response: dict[str, Any]) -> None:
        self._response = response

    def to_dict(self) -> dict[str, Any]:
        return self._response


def test_sdk_response_objects_with_to_dict_are_accepted() -> None:
    assert frames.words(_SdkResponse(b.simple_response("a b")))["word"].tolist() == ["a", "b"]


@pytest.mark.parametrize(
    ("value", "error", "words"),
    [
        (42, TypeError, "got int"),
        (None, TypeError, "got NoneType"),
        ("transcript.json", TypeError, "Transcript.load"),
        ([1, 2, 3], TypeError, "source 0"),
        ({}, ValueError, "not a Deepgram transcript"),
        ({"metadata": {}}, ValueError, "not a Deepgram transcript"),
        ({"results": []}, ValueError, "'results' must be an object"),
        ({"err_code": "Bad Request", "err_msg": "no audio"}, ValueError, "no audio"),
        ({"request_id": "abc"}, ValueError, "callback"),
        ({"type": "Metadata", "request_id": "abc"}, ValueError, "holds no transcript"),
        ([b.simple_response(), "oops"], TypeError, "source 1"),
        ({"a": b.simple_response(), "b": {"nope": 1}}, ValueError, "source 'b'"),
        ([[b.simple_response()]], TypeError, "source 0"),
    ],
    ids=[
        "int",
        "none",
        "str",
        "list-of-ints",
        "empty-dict",
        "no-results",
        "results-list",
        "error-body",
        "callback-ack",
        "metadata-message",
        "bad-item",
        "bad-named-item",
        "nested-list",
    ],
)
def test_what_is_not_a_transcript_raises_a_clear_error(value: Any, error: type, words: str) -> None:
    with pytest.raises(error, match=words):
        frames.words(value)


@pytest.mark.parametrize("name", sorted(frames.SCHEMAS))
def test_every_frame_function_rejects_non_transcripts_the_same_way(name: str) -> None:
    with pytest.raises(TypeError, match="expected a Deepgram transcript"):
        getattr(frames, name)(3.5)
