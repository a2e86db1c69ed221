"""Transcript plots: confidence histogram, speaker timeline and words per minute."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from dgdata import plots

REAL = Path(__file__).resolve().parents[1] / "data" / "real" / "python-captions"


def _words(rows: list[tuple[str, float, float, float, int | None]]) -> pd.DataFrame:
    """A word frame with the columns of ``dgdata.frames.words``."""
    frame = pd.DataFrame(rows, columns=["word", "start", "end", "confidence", "speaker"])
    return frame.assign(channel=0, alternative=0, speaker=frame["speaker"].astype("Int64")).astype(
        {"word": "string"}
    )


WORDS = _words(
    [
        ("hello", 0.0, 0.4, 0.99, 0),
        ("there", 0.5, 0.9, 0.95, 0),
        ("hi", 1.2, 1.4, 0.40, 1),
        ("how", 1.5, 1.7, 0.05, 1),
        ("are", 1.8, 2.0, 1.00, 1),
        ("you", 5.5, 5.8, 0.0, 1),  # after a long pause: a new segment
        ("fine", 6.0, 6.5, 0.81, 0),
        ("thanks", 130.0, 130.4, None, None),  # unknown speaker, no confidence, third minute
    ]
)


def test_confidence_histogram_bars_are_the_binned_counts() -> None:
    ax = plots.confidence_histogram(WORDS, bins=10)
    table = plots.confidence_table(WORDS, bins=10)
    assert [p.get_height() for p in ax.patches] == table["count"].tolist()
    assert table["count"].sum() == WORDS["confidence"].notna().sum()
    assert table["count"].iloc[0] == 2  # 0.0 and 0.05 in the first bin
    assert table["count"].iloc[-1] == 3  # 0.95, 0.99 and 1.0 in the last
    assert [p.get_x() for p in ax.patches] == pytest.approx(table["left"].tolist())


def test_speaker_segments_merge_runs_and_split_on_long_pauses() -> None:
    segments = plots.speaker_segments(WORDS, max_gap=2.0)
    assert segments.values.tolist() == [
        ["0", 0.0, 0.9],
        ["1", 1.2, 2.0],
        ["1", 5.5, 5.8],
        ["0", 6.0, 6.5],
        ["unknown", 130.0, 130.4],
    ]


def test_speaker_timeline_draws_one_bar_per_segment_on_the_speaker_row() -> None:
    ax = plots.speaker_timeline(WORDS)
    drawn = {
        container.get_label(): [
            edge for p in container for edge in (p.get_x(), p.get_x() + p.get_width())
        ]
        for container in ax.containers
    }
    assert drawn["speaker 1"] == pytest.approx([1.2, 2.0, 5.5, 5.8])
    assert drawn["speaker 0"] == pytest.approx([0.0, 0.9, 6.0, 6.5])
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["speaker 0", "speaker 1", "speaker unknown"]


def test_speaker_timeline_uses_utterance_rows_as_they_are() -> None:
    utterances = pd.DataFrame(
        {"speaker": pd.array([0, 1], dtype="Int64"), "start": [0.0, 3.0], "end": [2.5, 4.0]}
    )
    segments = plots.speaker_segments(utterances)
    assert segments.values.tolist() == [["0", 0.0, 2.5], ["1", 3.0, 4.0]]


def test_words_per_minute_counts_each_window_including_silent_ones() -> None:
    ax = plots.words_per_minute(WORDS, window=60)
    table = plots.wpm_table(WORDS, window=60)
    assert table["start"].tolist() == [0.0, 60.0, 120.0]
    assert table["words"].tolist() == [7, 0, 1]
    assert list(ax.lines[0].get_ydata()) == [7.0, 0.0, 1.0]
    halves = plots.wpm_table(WORDS, window=30)
    assert halves["wpm"].iloc[0] == 14.0  # 7 words in 30 s


def test_transcript_plots_ignore_other_alternatives() -> None:
    second = WORDS.assign(alternative=1, confidence=0.5)
    both = pd.concat([WORDS, second], ignore_index=True)
    pd.testing.assert_frame_equal(
        plots.confidence_table(both, bins=10), plots.confidence_table(WORDS, bins=10)
    )
    assert plots.wpm_table(both)["words"].tolist() == [7, 0, 1]


def test_transcript_plots_accept_the_words_frame_of_a_real_response() -> None:
    transcripts = pytest.importorskip("dgdata.frames.transcripts")
    response = json.loads((REAL / "dg_utterances.json").read_text(encoding="utf-8"))
    words = transcripts.words(response)
    table = plots.wpm_table(words, window=10)
    assert table["words"].sum() == len(words)
    assert plots.confidence_table(words)["count"].sum() == words["confidence"].notna().sum()
    assert len(plots.speaker_timeline(words).patches) >= 1


def test_empty_word_frames_draw_nothing() -> None:
    empty = WORDS.iloc[0:0]
    assert plots.wpm_table(empty).empty
    assert plots.confidence_table(empty, bins=4)["count"].tolist() == [0, 0, 0, 0]
    assert plots.speaker_segments(empty).empty
    assert plots.words_per_minute(empty).lines[0].get_xdata().size == 0
