"""The batch writers: Parquet datasets, CSV, JSON lines and captions out of a BatchResult.

Most tests build the BatchResult from real recorded Deepgram answers (``tests/data/real``),
with no network; the last one runs a folder through the local server and writes it out.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from dgdata import Deepgram
from dgdata.batch import writers as _batch_writers
from dgdata.batch.runs import TRANSCRIPTS_SCHEMA, BatchResult, transcribe_folder
from dgdata.frames import SCHEMAS
from dgdata.frames._schema import Schema

REAL = Path(__file__).resolve().parents[1] / "data" / "real"
SPACEWALK = REAL / "python-captions" / "dg_utterances.json"  # utterances, 62 words
BUELLER = REAL / "python-sdk-v2.12.0" / "tests" / "mock_response.json"  # utterances, 28 words
PREAMBLE = next(  # no utterances, 52 words
    (REAL / "python-sdk-v4.8.1" / "tests" / "response_data" / "listen" / "rest").glob(
        "a231370d*-a17f4880*-response.json"
    )
)
SAMPLES = Path(__file__).resolve().parents[2] / "dgdata" / "data" / "samples"
SRT_TIMES = re.compile(r"^\d\d:\d\d:\d\d,\d{3} --> \d\d:\d\d:\d\d,\d{3}$", re.MULTILINE)
VTT_TIMES = re.compile(r"^\d\d:\d\d:\d\d\.\d{3} --> \d\d:\d\d:\d\d\.\d{3}$", re.MULTILINE)


def load(path: Path) -> dict[str, Any]:
    return dict(json.loads(path.read_text(encoding="utf-8")))


def row(path: Path, response: dict[str, Any] | None = None, error: str | None = None) -> dict:
    """A transcripts row as the batch makes it."""
    best = response["results"]["channels"][0]["alternatives"][0] if response else {}
    metadata = response["metadata"] if response else {}
    return {
        "path": str(path),
        "sha256": "0" * 64,
        "duration": metadata.get("duration"),
        "channels": metadata.get("channels"),
        "request_id": metadata.get("request_id"),
        "text": best.get("transcript"),
        "confidence": best.get("confidence"),
        "words": len(best["words"]) if response else None,
        "cached": False,
        "attempts": 1 if response else 0,
        "error_type": "ValueError" if error else None,
        "error": error,
        "status": None,
    }


def dtype_names(schema: Schema) -> dict[str, str]:
    """The declared dtypes of a schema's columns, by name, as pandas spells them."""
    return {column: str(dtype) for column, dtype in schema.dtypes().items()}


def batch(
    files: dict[Path, dict[str, Any] | None], root: Path | None, *, error: str = "empty"
) -> BatchResult:
    """A BatchResult of ``files`` (``None`` for a failed one), in this order."""
    rows = [row(path, response, None if response else error) for path, response in files.items()]
    frame = TRANSCRIPTS_SCHEMA.from_records(rows)
    responses = {str(path): response for path, response in files.items() if response}
    return BatchResult(frame, responses, root)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "calls"


@pytest.fixture
def result(root: Path) -> BatchResult:
    """Three transcripts in two folders and, alone in a third folder, a failed file."""
    return batch(
        {
            root / "spacewalk.wav": load(SPACEWALK),
            root / "day2" / "bueller.wav": load(BUELLER),
            root / "day2" / "preamble.mp3": load(PREAMBLE),
            root / "day3" / "broken.wav": None,
        },
        root,
    )


def by_source(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    """Rows grouped by file (order inside a file kept), without the partition column."""
    frame = frame.drop(columns=["folder"], errors="ignore")
    return frame.sort_values(key, kind="stable").reset_index(drop=True)


def leftovers(directory: Path) -> list[Path]:
    return [p for p in directory.rglob("*") if p.name.startswith(".") or "partial" in p.name]


# ----------------------------------------------------------------------------- parquet


def test_parquet_tables_read_back_with_the_same_values_and_dtypes(
    result: BatchResult, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    assert result.to_parquet(out) == out
    for name, key in (("transcripts", "path"), ("words", "source"), ("utterances", "source")):
        back = pd.read_parquet(out / name)
        expected = getattr(result, name)
        assert_frame_equal(by_source(back, key), by_source(expected, key))
    transcripts = pd.read_parquet(out / "transcripts")
    dtypes = transcripts.dtypes.astype(str)
    assert (dtypes["duration"], dtypes["channels"], dtypes["cached"]) == (
        "float64",  # the float kind of every frame (nullable Float64 before the one schema)
        "Int64",
        "boolean",
    )
    assert dtypes["text"] == "string" and dtypes["folder"] == "category"
    assert transcripts["error"].notna().sum() == 1
    words = pd.read_parquet(out / "words")
    assert len(words) == 62 + 28 + 52
    assert result.root is not None
    assert set(pd.read_parquet(out / "utterances")["source"]) == {
        str(result.root / "spacewalk.wav"),
        str(result.root / "day2" / "bueller.wav"),
    }
    assert leftovers(out) == []


def test_parquet_is_hive_partitioned_by_folder_and_filters_prune(
    result: BatchResult, tmp_path: Path
) -> None:
    out = result.to_parquet(tmp_path / "out")
    parts = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.parquet"))
    assert parts == sorted(
        f"{table}/folder={folder}/part-0.parquet"
        for table in ("transcripts", "utterances", "words")
        for folder in ("calls", "calls%2Fday2", "calls%2Fday3")
    )
    day2 = pd.read_parquet(out / "words", filters=[("folder", "==", "calls/day2")])
    assert len(day2) == 28 + 52 and set(day2["folder"]) == {"calls/day2"}
    day3 = pd.read_parquet(out / "words" / "folder=calls%2Fday3")  # the failed file's folder
    assert len(day3) == 0 and list(day3.columns) == ["source", *SCHEMAS["words"].names]


def test_parquet_rewrite_replaces_its_folders_and_keeps_other_folders(
    result: BatchResult, root: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    earlier = result.words.assign(folder="calls")  # written by pandas: other file names
    earlier.to_parquet(out / "words", partition_cols=["folder"])
    result.to_parquet(out)
    result.to_parquet(out)
    assert len(pd.read_parquet(out / "words")) == 142, "a rewrite does not duplicate"
    other = batch({tmp_path / "other" / "x.wav": load(PREAMBLE)}, tmp_path / "other")
    other.to_parquet(out)
    words = pd.read_parquet(out / "words")
    assert words.groupby("folder", observed=True).size().to_dict() == {
        "calls": 62,
        "calls/day2": 80,
        "other": 52,
    }
    # the same folders again, but now every file of day2 failed: its old words must go
    again = batch(
        {
            root / "spacewalk.wav": load(SPACEWALK),
            root / "day2" / "bueller.wav": None,
            root / "day2" / "preamble.mp3": None,
        },
        root,
    )
    again.to_parquet(out)
    words = pd.read_parquet(out / "words")
    assert words.groupby("folder", observed=True).size().to_dict() == {
        "calls": 62,
        "other": 52,
    }
    transcripts = pd.read_parquet(out / "transcripts")
    assert transcripts.groupby("folder", observed=True).size().to_dict() == {
        "calls": 1,
        "calls/day2": 2,
        "calls/day3": 1,  # not in the last batch: kept
        "other": 1,
    }
    assert transcripts.loc[transcripts["folder"] == "calls/day2", "error"].notna().all()
    assert leftovers(out) == []


def test_parquet_of_a_batch_where_every_file_failed_reads_with_its_schema(
    root: Path, tmp_path: Path
) -> None:
    failed = batch({root / "a.wav": None, root / "b" / "c.wav": None}, root)
    out = failed.to_parquet(tmp_path / "out")
    for name in ("words", "utterances"):
        back = pd.read_parquet(out / name)
        assert len(back) == 0
        expected = {"source": "string", **dtype_names(SCHEMAS[name]), "folder": "category"}
        assert back.dtypes.astype(str).to_dict() == expected
    assert list(pd.read_parquet(out / "transcripts")["error"]) == ["empty", "empty"]


def test_parquet_of_a_batch_without_files_reads_with_its_schema(tmp_path: Path) -> None:
    nothing = batch({}, None)
    out = nothing.to_parquet(tmp_path / "out")
    back = pd.read_parquet(out / "transcripts")
    assert len(back) == 0
    assert back.dtypes.astype(str).to_dict() == dtype_names(TRANSCRIPTS_SCHEMA)
    assert len(pd.read_parquet(out / "words")) == 0


def test_parquet_without_partitions_and_with_other_options(
    result: BatchResult, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    result.to_parquet(out)  # partitioned first: the flat rewrite must replace all of it
    result.to_parquet(out, partition_cols=[], tables=["words"])
    assert [p.relative_to(out / "words").as_posix() for p in (out / "words").rglob("*")] == [
        "part-0.parquet"
    ]
    assert_frame_equal(pd.read_parquet(out / "words"), result.words)
    result.to_parquet(tmp_path / "by", partition_cols=["folder", "channel"], tables=["words"])
    assert (tmp_path / "by" / "words" / "folder=calls%2Fday2" / "channel=0").is_dir()
    assert not (tmp_path / "by" / "transcripts").exists()
    with pytest.raises(ValueError, match=r"'transcripts' has no column\(s\) \['channel'\]"):
        result.to_parquet(
            tmp_path / "bad", partition_cols="channel", tables=["words", "transcripts"]
        )
    assert not (tmp_path / "bad").exists(), "nothing is written when a table cannot be"
    with pytest.raises(ValueError, match=r"missing values of \['speaker'\]"):
        result.to_parquet(tmp_path / "bad", partition_cols=["speaker"], tables=["words"])
    with pytest.raises(ValueError, match="choose from"):
        result.to_parquet(tmp_path / "bad", tables=["paragraphs"])


def test_folders_without_a_root_start_at_the_folder_all_files_share(tmp_path: Path) -> None:
    many = batch(
        {tmp_path / "x" / "a.wav": load(PREAMBLE), tmp_path / "x" / "y" / "b.wav": None}, None
    )
    out = many.to_parquet(tmp_path / "out", tables=["transcripts"])
    assert sorted(p.name for p in (out / "transcripts").iterdir()) == ["folder=x", "folder=x%2Fy"]


# ----------------------------------------------------------------------------- csv / jsonl


def test_csv_of_each_table_and_unknown_tables(result: BatchResult, tmp_path: Path) -> None:
    path = tmp_path / "new" / "deeper" / "transcripts.csv"
    assert result.to_csv(path) == path
    back = pd.read_csv(path, encoding="utf-8")
    assert list(back.columns) == TRANSCRIPTS_SCHEMA.names
    assert list(back["path"]) == list(result.transcripts["path"])
    assert back["text"].iloc[0].startswith("Yeah. As as much as")
    assert back["error"].isna().tolist() == [True, True, True, False]
    words = pd.read_csv(result.to_csv(tmp_path / "words.csv", table="words"))
    assert len(words) == 142 and words["start"].iloc[0] == pytest.approx(0.08)
    assert len(pd.read_csv(result.to_csv(tmp_path / "errors.csv", table="errors"))) == 1
    with pytest.raises(ValueError, match=r"'paragraphs'.*transcripts.*words.*utterances.*errors"):
        result.to_csv(tmp_path / "x.csv", table="paragraphs")
    assert not (tmp_path / "x.csv").exists()


def test_csv_is_utf8(tmp_path: Path) -> None:
    path = tmp_path / "Grüße" / "café.wav"
    out = batch({path: load(PREAMBLE)}, None).to_csv(tmp_path / "t.csv")
    assert str(path) in out.read_bytes().decode("utf-8")


def test_jsonl_has_a_line_per_file_with_nulls_numbers_and_responses(
    result: BatchResult, tmp_path: Path
) -> None:
    path = result.to_jsonl(tmp_path / "out" / "batch.jsonl")
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert [line["path"] for line in lines] == list(result.transcripts["path"])
    good, failed = lines[0], lines[3]
    assert list(good) == [*TRANSCRIPTS_SCHEMA.names, "response"]
    assert isinstance(good["duration"], float) and isinstance(good["words"], int)
    assert good["cached"] is False and good["status"] is None
    assert good["response"] == load(SPACEWALK)
    assert failed["error"] == "empty" and failed["duration"] is None
    assert failed["response"] is None
    slim = result.to_jsonl(tmp_path / "slim.jsonl", responses=False)
    first = json.loads(slim.read_text(encoding="utf-8").splitlines()[0])
    assert "response" not in first and first["text"] == good["text"]
    table = pd.read_json(slim, lines=True)
    assert len(table) == 4


# ----------------------------------------------------------------------------- captions


def test_srt_mirrors_the_folders_below_root_and_skips_failed_files(
    result: BatchResult, tmp_path: Path
) -> None:
    out = tmp_path / "srt"
    written = result.to_srt(out)
    assert written == [
        out / "spacewalk.srt",
        out / "day2" / "bueller.srt",
        out / "day2" / "preamble.srt",
    ]
    text = written[0].read_text(encoding="utf-8")
    assert text.startswith("1\n00:00:00,080 --> ")
    assert len(SRT_TIMES.findall(text)) >= 5 and "spacewalk" in text
    assert "United States" in written[2].read_text(encoding="utf-8")
    assert not (out / "day3").exists()
    assert leftovers(out) == []


def test_webvtt_and_caption_options_pass_through(result: BatchResult, tmp_path: Path) -> None:
    written = result.to_webvtt(tmp_path / "vtt")
    assert [p.suffix for p in written] == [".vtt"] * 3
    text = written[1].read_text(encoding="utf-8")
    assert text.startswith("WEBVTT") and VTT_TIMES.search(text)
    short = result.to_webvtt(tmp_path / "short", line_length=2)
    assert len(VTT_TIMES.findall(short[1].read_text(encoding="utf-8"))) > len(
        VTT_TIMES.findall(text)
    )
    with pytest.raises(ValueError, match="choose from"):
        _batch_writers.to_captions(result, tmp_path / "x", "ass")


def test_captions_without_root_never_overwrite_each_other(tmp_path: Path) -> None:
    many = batch(
        {
            tmp_path / "one" / "a.wav": load(SPACEWALK),
            tmp_path / "two" / "a.wav": load(PREAMBLE),
            tmp_path / "three" / "A.mp3": load(BUELLER),
        },
        None,
    )
    out = tmp_path / "srt"
    written = many.to_srt(out)
    assert written == [out / "a.srt", out / "a-2.srt", out / "A-3.srt"]
    texts = [p.read_text(encoding="utf-8") for p in written]
    assert "spacewalk" in texts[0] and "United States" in texts[1] and "look around" in texts[2]


def test_captions_with_root_of_two_recordings_with_one_stem(root: Path, tmp_path: Path) -> None:
    pair = batch({root / "a.wav": load(SPACEWALK), root / "a.mp3": load(PREAMBLE)}, root)
    assert [p.name for p in pair.to_srt(tmp_path / "srt")] == ["a.srt", "a-2.srt"]


def test_a_transcript_without_words_gives_a_caption_file_without_cues(
    root: Path, tmp_path: Path
) -> None:
    silent = copy.deepcopy(load(PREAMBLE))
    alternative = silent["results"]["channels"][0]["alternatives"][0]
    alternative.update(transcript="", words=[], paragraphs=None)
    quiet = batch({root / "silence.wav": silent}, root)
    (vtt,) = quiet.to_webvtt(tmp_path / "vtt")
    assert vtt.read_text(encoding="utf-8") == "WEBVTT\n"
    (srt,) = quiet.to_srt(tmp_path / "srt")
    assert srt.read_text(encoding="utf-8") == ""


# ----------------------------------------------------------------------------- atomicity


def test_a_write_that_dies_midway_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "t.csv"
    target.write_text("the complete old export\n", encoding="utf-8")

    def dies(handle: Any) -> None:
        handle.write("half of the new")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _batch_writers._atomic_write(target, dies, text=True)
    assert target.read_text(encoding="utf-8") == "the complete old export\n"
    assert [p.name for p in tmp_path.iterdir()] == ["t.csv"]


# ----------------------------------------------------------------------------- end to end


def test_a_transcribed_folder_written_out(dg: Deepgram, tmp_path: Path) -> None:
    folder = tmp_path / "calls"
    (folder / "day2").mkdir(parents=True)
    shutil.copy(SAMPLES / "hello.wav", folder / "hello.wav")
    shutil.copy(SAMPLES / "hello.wav", folder / "day2" / "hello.wav")
    (folder / "day2" / "notes.txt").write_text("not a recording", encoding="utf-8")
    result = transcribe_folder(dg, folder, cache_dir=None, progress=False)
    out = result.to_parquet(tmp_path / "out")
    words = pd.read_parquet(out / "words")
    assert words.groupby("folder", observed=True).size().to_dict() == {
        "calls": 6,
        "calls/day2": 6,
    }
    assert_frame_equal(by_source(words, "source"), by_source(result.words, "source"))
    back = pd.read_parquet(out / "transcripts")
    assert back.set_index("path").loc[str(folder / "day2" / "notes.txt"), "error_type"] == (
        "ValueError"
    )
    written = result.to_srt(tmp_path / "srt")
    assert written == [tmp_path / "srt" / "day2" / "hello.srt", tmp_path / "srt" / "hello.srt"]
    text = written[1].read_text(encoding="utf-8")
    assert SRT_TIMES.search(text) and "hello this is a speech test" in text


def test_written_files_get_the_usual_permissions_not_owner_only(tmp_path: Path) -> None:
    import os
    import stat

    from dgdata._atomic import atomic_write, current_umask

    target = atomic_write(tmp_path / "t.csv", lambda fh: fh.write("a\n"), text=True)
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o666 & ~current_umask()
