"""Batch transcription against the local server: rows for every file, cache, shared 429 pause."""

from __future__ import annotations

import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from dgdata import Deepgram
from dgdata.batch import RateLimiter, transcribe_folder, transcribe_many
from dgdata.server.runner import LocalServer
from tests.batch.recordings import two_channel_call

SAMPLES = Path(__file__).resolve().parents[2] / "dgdata" / "data" / "samples"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    calls = tmp_path / "calls"
    (calls / "day2").mkdir(parents=True)
    shutil.copy(SAMPLES / "hello.wav", calls / "hello.wav")
    shutil.copy(SAMPLES / "callback.wav", calls / "day2" / "callback.wav")
    shutil.copy(SAMPLES / "students.wav", calls / "day2" / "students.wav")
    (calls / "empty.wav").write_bytes(b"")
    (calls / "notes.txt").write_text("not a recording")
    (calls / ".hidden.wav").write_bytes(b"RIFF")
    return calls


def sent(server: LocalServer) -> int:
    row = server.store.one("SELECT count(*) FROM requests WHERE endpoint = 'listen'")
    return int(row[0]) if row else 0


def test_every_file_gives_a_row_and_bad_files_are_error_rows(
    dg: Deepgram, server: LocalServer, folder: Path, tmp_path: Path
) -> None:
    result = transcribe_folder(dg, folder, cache_dir=tmp_path / "cache", progress=False)
    rows = result.transcripts.set_index("path")
    assert len(rows) == 5, "hidden files are skipped, nothing else"
    assert rows.loc[str(folder / "hello.wav"), "text"] == "hello this is a speech test"
    assert rows.loc[str(folder / "day2" / "students.wav"), "duration"] > 2
    assert set(result.errors["error_type"]) == {"ValueError"}
    assert "empty" in rows.loc[str(folder / "empty.wav"), "error"]
    assert "not a recording" in rows.loc[str(folder / "notes.txt"), "error"]
    assert set(result.words["source"]) == {
        str(p) for p in folder.rglob("[!.]*.wav") if p.stat().st_size
    }
    assert sent(server) == 3
    assert str(result.transcripts.dtypes["duration"]) == "float64"  # as in every frame


def test_a_rerun_sends_nothing_and_new_options_send_again(
    dg: Deepgram, server: LocalServer, folder: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    first = transcribe_folder(dg, folder, "**/*.wav", cache_dir=cache, progress=False)
    again = transcribe_folder(dg, folder, "**/*.wav", cache_dir=cache, progress=False)
    assert sent(server) == 3
    good = again.transcripts[again.transcripts["error"].isna()]
    assert good["cached"].all() and list(good["text"]) == list(
        first.transcripts[first.transcripts["error"].isna()]["text"]
    )
    transcribe_folder(
        dg, folder, "**/*.wav", {"smart_format": True}, cache_dir=cache, progress=False
    )
    assert sent(server) == 6


def test_429s_and_500s_pause_and_retry_until_each_file_is_done_once(
    dg: Deepgram, server: LocalServer, folder: Path
) -> None:
    server.inject(status=429, retry_after=0.3, times=2, path="/v1/listen")
    server.inject(status=500, times=1, path="/v1/listen")
    started = time.monotonic()
    result = transcribe_folder(
        dg, folder, "**/*.wav", cache_dir=None, concurrency=3, progress=False
    )
    assert time.monotonic() - started >= 0.3, "the Retry-After pause was honoured"
    done = result.transcripts[result.transcripts["error"].isna()]
    assert len(done) == 3 and done["attempts"].max() >= 2
    ids = server.store.query("SELECT request_id FROM requests WHERE endpoint = 'listen'")
    assert {r[0] for r in ids} == set(done["request_id"]), "each file succeeded exactly once"


def test_a_given_executor_is_used_and_left_open(dg: Deepgram, folder: Path) -> None:
    with ThreadPoolExecutor(2) as pool:
        result = transcribe_many(
            dg, sorted(folder.rglob("[!.]*.wav"))[:2], executor=pool, cache_dir=None, progress=False
        )
        assert pool.submit(lambda: 1).result() == 1
    assert result.transcripts["error"].isna().all()


def test_progress_is_shown_unless_turned_off(
    dg: Deepgram, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    transcribe_many(dg, [folder / "hello.wav"], cache_dir=None, progress=True)
    assert "1/1" in capsys.readouterr().err
    transcribe_many(dg, [folder / "hello.wav"], cache_dir=None, progress=False)
    assert capsys.readouterr().err == ""


def test_a_file_named_like_audio_must_be_audio_unless_its_format_is_headerless(
    dg: Deepgram, server: LocalServer, tmp_path: Path
) -> None:
    (tmp_path / "fake.wav").write_text("minutes of the meeting")
    raw = tmp_path / "line.ulaw"
    raw.write_bytes(bytes(range(256)) * 32)  # mu-law has no header: its extension is enough
    result = transcribe_many(dg, [tmp_path / "fake.wav", raw], cache_dir=None, progress=False)
    rows = result.transcripts.set_index("path")
    assert "named .wav but its content is not" in rows.loc[str(tmp_path / "fake.wav"), "error"]
    assert rows.loc[str(raw), "error_type"] != "ValueError", "the headerless file was sent"
    assert sent(server) <= 1


def test_bad_arguments_are_clear_errors_before_anything_is_sent(
    dg: Deepgram, server: LocalServer, folder: Path
) -> None:
    with pytest.raises(TypeError, match="not one path"):
        transcribe_many(dg, str(folder / "hello.wav"))
    with pytest.raises(TypeError, match="options go fourth"):
        transcribe_folder(dg, folder, {"smart_format": True})  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="dict of /v1/listen options"):
        transcribe_many(dg, [folder / "hello.wav"], "smart_format")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="concurrency must be a whole number"):
        transcribe_many(dg, [folder / "hello.wav"], concurrency=0)
    with pytest.raises(TypeError, match="unexpected keyword"):
        transcribe_folder(dg, folder, concurency=4)  # type: ignore[call-arg]
    with pytest.raises(NotADirectoryError, match="is a file"):
        transcribe_many(dg, [folder / "hello.wav"], cache_dir=folder / "notes.txt")
    assert sent(server) == 0


def test_another_server_or_key_never_gets_this_ones_cached_transcripts(
    dg: Deepgram, server: LocalServer, folder: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    transcribe_many(dg, [folder / "hello.wav"], cache_dir=cache, progress=False)
    wrong = Deepgram(api_key="0" * 40, api_url=server.url, max_retries=0)
    again = transcribe_many(wrong, [folder / "hello.wav"], cache_dir=cache, progress=False)
    assert again.transcripts.loc[0, "error_type"] == "AuthenticationError", "not from the cache"
    same = transcribe_many(dg, [folder / "hello.wav"], cache_dir=cache, progress=False)
    assert bool(same.transcripts.loc[0, "cached"])


def test_a_cache_that_cannot_be_written_loses_no_transcript(
    dg: Deepgram, folder: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    for shard in range(256):  # every shard folder is a file: no entry can be written
        (cache / f"{shard:02x}").write_text("")
    result = transcribe_many(dg, [folder / "hello.wav"], cache_dir=cache, progress=False)
    assert result.transcripts.loc[0, "text"] == "hello this is a speech test"
    assert not bool(result.transcripts.loc[0, "cached"])


def test_a_task_the_executor_loses_is_an_error_row_not_a_crash(dg: Deepgram, folder: Path) -> None:
    from concurrent.futures import Future

    class LosingExecutor(ThreadPoolExecutor):
        """Loses every second task, as a cluster does when a worker dies."""

        count = 0

        def submit(self, fn, /, *args, **kwargs):  # type: ignore[no-untyped-def]
            self.count += 1
            if self.count % 2 == 0:
                lost: Future[object] = Future()
                lost.set_exception(RuntimeError("worker died"))
                return lost
            return super().submit(fn, *args, **kwargs)

    files = [
        folder / "hello.wav",
        folder / "day2" / "callback.wav",
        folder / "day2" / "students.wav",
    ]
    with LosingExecutor(2) as pool:
        result = transcribe_many(dg, files, executor=pool, cache_dir=None, progress=False)
    rows = result.transcripts
    assert len(rows) == 3 and list(rows["error_type"].fillna("")) == ["", "RuntimeError", ""]


def test_a_missing_folder_is_a_clear_error(dg: Deepgram, tmp_path: Path) -> None:
    with pytest.raises(NotADirectoryError, match="not a folder"):
        transcribe_folder(dg, tmp_path / "nowhere")


def test_the_rate_limiter_holds_everyone_for_the_longest_pause() -> None:
    now = [100.0]
    limiter = RateLimiter(clock=lambda: now[0])
    limiter.pause(2)
    limiter.pause(1)
    assert limiter.remaining() == 2
    now[0] += 2.5
    assert limiter.remaining() == 0


def test_the_batch_retries_itself_so_the_clients_own_retries_are_off(
    server: LocalServer, folder: Path
) -> None:
    server.inject(status=429, retry_after=0.2, times=1, path="/v1/listen")
    with Deepgram(api_key=server.api_key, api_url=server.url, max_retries=3) as dg:
        result = transcribe_folder(dg, folder, "**/*.wav", cache_dir=None, progress=False)
    done = result.transcripts.dropna(subset=["request_id"])
    assert len(done) == 3
    assert int(done["attempts"].sum()) == 4, "the 429 came back to the batch as one attempt"


def test_an_error_row_keeps_class_message_status_code_and_request_id(
    dg: Deepgram, server: LocalServer, folder: Path
) -> None:
    server.inject(status=402, times=None, path="/v1/listen")
    result = transcribe_many(dg, [folder / "hello.wav"], cache_dir=None, progress=False)
    row = result.errors.iloc[0]
    assert row["error_type"] == "PaymentRequiredError"
    assert row["status"] == 402 and row["attempts"] == 1, "a 402 is not worth retrying"
    assert row["request_id"] and row["request_id"] in row["error"]
    assert row["err_code"]


def test_a_rate_limiter_unpickles_to_its_processs_one_instance() -> None:
    import pickle

    limiter = RateLimiter()
    copy_a, copy_b = pickle.loads(pickle.dumps(limiter)), pickle.loads(pickle.dumps(limiter))
    assert copy_a is copy_b is limiter
    copy_a.pause(30)
    assert copy_b.remaining() > 29, "copies in one process share the pause"


def test_a_batch_where_nothing_was_transcribed_still_has_typed_empty_tables(
    dg: Deepgram, folder: Path
) -> None:
    result = transcribe_many(dg, [folder / "empty.wav"], cache_dir=None, progress=False)
    for table in (result.words, result.utterances):
        assert table.empty and str(table.dtypes["source"]) == "string"
    assert str(result.words.dtypes["start"]) == "float64"
    assert repr(result) == "<BatchResult 0 transcribed, 1 failed>"


def test_a_multichannel_call_gives_every_channels_text_and_words_in_its_row(
    dg: Deepgram, tmp_path: Path
) -> None:
    call = two_channel_call(tmp_path / "call.wav", "hello", "callback", gap=0)
    result = transcribe_many(dg, [call], {"multichannel": True}, cache_dir=None, progress=False)
    row = result.transcripts.iloc[0]
    assert row["text"] == "hello this is a speech test\nplease call me back tonight"
    assert row["words"] == len(result.words) == 11
    assert 0 < row["confidence"] <= 1
