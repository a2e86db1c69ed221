"""Property-based tests: odd and partial responses never break the frames or the Transcript.

The template is a response with every feature (builders.everything_response). Hypothesis
derives variants from it by dropping keys, replacing any value with an odd one (None, bools,
huge ints, NaN, strings, empty containers), adding unknown keys and shortening lists. The
documented contract: a dict whose ``results`` is an object always gives the declared columns
and dtypes; anything else raises ``ValueError`` or ``TypeError``, never another exception.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dgdata import Transcript, frames

from . import builders as b
from .support import assert_schema

# a warning on odd input (e.g. numpy's "invalid value encountered in cast") is a bug too
pytestmark = pytest.mark.filterwarnings("error")

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

ODD = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=4),
    st.just([]),
    st.just({}),
    st.lists(st.integers(-3, 3), max_size=2),
)


_MISSING = object()


def variants(template: Any, *, odd: bool = True) -> st.SearchStrategy[Any]:
    """Values shaped like ``template``: at every level a value is mostly kept (and varied
    further down), sometimes dropped and, if ``odd``, sometimes replaced by an odd value."""
    if isinstance(template, dict):
        inner = {key: _mostly(variants(value, odd=odd), odd) for key, value in template.items()}
        shaped = st.fixed_dictionaries(inner).map(_present)
        if odd:
            extra = st.dictionaries(st.text(max_size=3), ODD, max_size=2)
            shaped = st.builds(lambda known, unknown: {**unknown, **known}, shaped, extra)
        return shaped
    if isinstance(template, list) and template:
        items = st.one_of(*(_mostly(variants(item, odd=odd), odd) for item in template[:2]))
        return st.lists(items, max_size=3).map(_present)
    return st.just(template)


def _mostly(shaped: st.SearchStrategy[Any], odd: bool) -> st.SearchStrategy[Any]:
    """``shaped`` three times in four; else missing, or an odd value."""
    return st.integers(0, 7).flatmap(
        lambda dice: st.just(_MISSING) if dice == 0 else ODD if dice == 1 and odd else shaped
    )


def _present(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: item for key, item in value.items() if item is not _MISSING}
    return [item for item in value if item is not _MISSING]


TEMPLATE = b.everything_response()
ODD_RESPONSES = variants(TEMPLATE)
PARTIAL_RESPONSES = variants(TEMPLATE, odd=False)


def _frames_or_documented_error(response: Any) -> None:
    well_formed = isinstance(response, dict) and isinstance(response.get("results"), dict)
    for name in frames.SCHEMAS:
        try:
            table = getattr(frames, name)(response)
        except (ValueError, TypeError):
            assert not well_formed
            continue
        if well_formed:
            assert_schema(table, name)
        else:  # only an empty collection is neither a transcript nor an error
            assert response == []
            assert_schema(table, name, source="Int64")


@FAST
@given(ODD_RESPONSES)
def test_odd_responses_give_the_declared_schema_or_a_documented_error(response: Any) -> None:
    _frames_or_documented_error(response)


@FAST
@given(ODD)
def test_odd_values_instead_of_a_response_give_a_frame_or_a_documented_error(value: Any) -> None:
    _frames_or_documented_error(value)


@FAST
@given(PARTIAL_RESPONSES.filter(lambda response: "results" in response))
def test_partial_responses_always_give_the_declared_schema(response: dict) -> None:
    for name in frames.SCHEMAS:
        assert_schema(getattr(frames, name)(response), name)


@FAST
@given(st.lists(ODD_RESPONSES, min_size=1, max_size=3))
def test_lists_of_odd_responses_give_a_source_column_or_a_documented_error(items: list) -> None:
    try:
        words = frames.words(items)
    except (ValueError, TypeError):
        return
    assert words.columns[0] == "source"
    assert set(words["source"].dropna()) <= set(range(len(items)))


@FAST
@given(ODD_RESPONSES)
def test_a_transcript_of_an_odd_response_renders_or_is_refused(response: Any) -> None:
    try:
        transcript = Transcript(response)
    except (ValueError, TypeError):
        assert not (isinstance(response, dict) and isinstance(response.get("results"), dict))
        return
    assert json.loads(json.dumps(transcript, default=str)) is not None
    assert repr(transcript).startswith("<Transcript ")
    assert "dgdata-transcript" in transcript._repr_html_()
    assert isinstance(transcript.text, str)
    assert transcript.summary is None or isinstance(transcript.summary, str)
    duration = transcript.duration
    assert duration is None or isinstance(duration, float)
    for name in ("to_srt", "to_webvtt"):
        try:
            captions = getattr(transcript, name)()
        except ValueError:
            continue
        assert captions.strip()


NUMBER = st.one_of(st.integers(0, 10**6), st.floats(0, 1e6, allow_nan=False, allow_infinity=False))
WORD = st.fixed_dictionaries(
    {"word": st.text(max_size=8), "start": NUMBER, "end": NUMBER, "confidence": NUMBER},
    optional={
        "punctuated_word": st.text(max_size=8),
        "speaker": st.integers(0, 20),
        "speaker_confidence": NUMBER,
        "language": st.sampled_from(["en", "es", "fr"]),
    },
)


@FAST
@given(st.lists(st.lists(WORD, max_size=6), min_size=1, max_size=3))
def test_well_formed_words_come_out_value_for_value(alternatives: list[list[dict]]) -> None:
    response = b.response(b.channel(*(b.alternative("", words=words) for words in alternatives)))
    table = frames.words(response)
    expected = [(a, w) for a, words in enumerate(alternatives) for w in words]
    assert len(table) == len(expected)
    for row, (position, item) in zip(table.itertuples(), expected, strict=True):
        assert row.alternative == position
        assert row.word == item["word"]
        assert row.start == float(item["start"]) and row.end == float(item["end"])
        assert (row.speaker is not None and row.speaker == item.get("speaker")) or (
            "speaker" not in item and row.speaker is not None and str(row.speaker) == "<NA>"
        )
        spoken = item.get("language")
        assert (row.language == spoken) if spoken else str(row.language) == "<NA>"
        confidence = item.get("speaker_confidence")
        assert (
            math.isnan(row.speaker_confidence)
            if confidence is None
            else row.speaker_confidence == confidence
        )


@FAST
@given(st.lists(st.tuples(st.booleans(), st.integers(0, 4)), max_size=6))
def test_a_live_session_lists_exactly_the_words_of_its_final_messages(plan: list) -> None:
    session = [
        b.live_results(" ".join(["w"] * count), float(i), is_final=final)
        for i, (final, count) in enumerate(plan)
    ]
    words = frames.words(session) if session else frames.words([])
    expected = sum(count for final, count in plan if final)
    assert len(words) == expected
