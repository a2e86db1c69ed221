"""Files that are not what they seem (issue 16, item 14), against the local server.

- a symbolic link that dangles or loops gives an error row saying so, as any bad file does;
- a file rewritten between the cache look-up and the upload: the transcript is cached under the
  hash of the bytes that were sent, so no later run serves a transcript of other bytes.

The file is changed at a fixed point of the worker (its send step is wrapped), not by racing.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from dgdata import Deepgram, errors
from dgdata.batch import transcribe_folder, transcribe_many
from dgdata.batch import worker as batch_worker
from dgdata.batch.cache import HashingReader
from dgdata.server.runner import LocalServer

SAMPLES = Path(__file__).resolve().parents[2] / "dgdata" / "data" / "samples"
HELLO = "hello this is a speech test"
CALLBACK = "please call me back tonight"


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def listen_requests(server: LocalServer) -> int:
    row = server.store.one("SELECT count(*) FROM requests WHERE endpoint = 'listen'")
    return int(row[0]) if row else 0


def test_dangling_and_looping_links_are_error_rows_that_say_what_is_wrong(
    dg: Deepgram, tmp_path: Path
) -> None:
    calls = tmp_path / "calls"
    (calls / "sub").mkdir(parents=True)
    shutil.copy(SAMPLES / "hello.wav", calls / "hello.wav")
    (calls / "gone.wav").symlink_to(calls / "deleted.wav")
    (calls / "sub" / "loop.wav").symlink_to(calls / "sub" / "loop.wav")
    (calls / "ring-a.wav").symlink_to(calls / "ring-b.wav")
    (calls / "ring-b.wav").symlink_to(calls / "ring-a.wav")
    (calls / "linked.wav").symlink_to(calls / "hello.wav")
    (calls / "folder-link").symlink_to(calls / "sub")  # a folder: walked through, not a row

    result = transcribe_folder(dg, calls, "**/*.wav", cache_dir=None, progress=False)

    rows = result.transcripts.set_index("path")
    names = {Path(p).relative_to(calls).as_posix() for p in rows.index}
    # (whether ``**`` walks into a linked folder depends on the Python version; not checked)
    assert {n for n in names if not n.startswith("folder-link/")} == {
        "gone.wav",
        "hello.wav",
        "linked.wav",
        "ring-a.wav",
        "ring-b.wav",
        "sub/loop.wav",
    }, "every match gives a row, and a linked folder is not one"
    assert rows.loc[str(calls / "linked.wav"), "text"] == HELLO
    gone = rows.loc[str(calls / "gone.wav")]
    assert gone["error_type"] == "FileNotFoundError"
    assert "dangling symbolic link" in gone["error"] and "deleted.wav" in gone["error"]
    for looping in ("sub/loop.wav", "ring-a.wav", "ring-b.wav"):
        row = rows.loc[str(calls / looping)]
        assert row["error_type"] == "OSError" and "symbolic link that loops" in row["error"]
    assert len(result.errors) == 4 + ("folder-link/loop.wav" in names)


def rewrite_before_sending(
    monkeypatch: pytest.MonkeyPatch, path: Path, new_content: bytes, *, in_place: bool
) -> list[str]:
    """Change ``path`` after the worker hashed it, just before its upload; returns what it did.

    ``in_place`` rewrites the same file (the open handle sees the new bytes); otherwise a new
    file is renamed over the path (the open handle keeps reading the old one).
    """
    done: list[str] = []
    send = batch_worker._send_with_retries

    def changed_then_sent(dg: Any, reader: Any, job: Any, outcome: Any) -> dict[str, Any]:
        if Path(outcome.path) == path and not done:
            if in_place:
                with open(path, "r+b") as handle:
                    handle.write(new_content)
                    handle.truncate()
            else:
                fresh = path.with_suffix(".new")
                fresh.write_bytes(new_content)
                os.replace(fresh, path)
            done.append(outcome.path)
        return send(dg, reader, job, outcome)

    monkeypatch.setattr(batch_worker, "_send_with_retries", changed_then_sent)
    return done


@pytest.mark.parametrize("in_place", [True, False], ids=["rewritten-in-place", "renamed-over"])
def test_a_file_changed_before_its_upload_never_gets_a_transcript_of_other_bytes(
    dg: Deepgram,
    server: LocalServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    in_place: bool,
) -> None:
    cache = tmp_path / "cache"
    call = tmp_path / "calls" / "call.wav"
    call.parent.mkdir()
    shutil.copy(SAMPLES / "hello.wav", call)
    old, new = call.read_bytes(), (SAMPLES / "callback.wav").read_bytes()
    changed = rewrite_before_sending(monkeypatch, call, new, in_place=in_place)

    first = transcribe_many(dg, [call], cache_dir=cache, progress=False).transcripts.iloc[0]
    assert changed == [str(call)]
    sent_text, sent_bytes = (CALLBACK, new) if in_place else (HELLO, old)
    assert first["text"] == sent_text, "the transcript is of the bytes that were sent"
    assert first["sha256"] == hashlib.sha256(sent_bytes).hexdigest(), "and so is the row's hash"
    monkeypatch.undo()  # no more changes

    for content, text in ((old, HELLO), (new, CALLBACK), (old, HELLO)):
        call.write_bytes(content)
        row = transcribe_many(dg, [call], cache_dir=cache, progress=False).transcripts.iloc[0]
        assert row["text"] == text, "a later run never serves another content's transcript"
        assert row["sha256"] == sha256_of(call)
    assert listen_requests(server) == 2, "each content was transcribed once, then cached"


def test_the_hashing_reader_hashes_one_whole_pass_from_the_start() -> None:
    data = bytes(range(256)) * 10
    reader = HashingReader(io.BytesIO(data), name="a.wav")
    assert reader.hexdigest() is None, "nothing read yet"
    reader.read(16)
    reader.seek(0)  # a content-type sniff, then back to the start
    assert reader.read(1000) + reader.read(None) + reader.read() == data
    assert reader.hexdigest() == hashlib.sha256(data).hexdigest()
    reader.seek(0)  # a retry rewinds: a fresh pass, not yet whole
    reader.read(100)
    assert reader.hexdigest() is None
    reader.seek(500)  # skipping ahead leaves a gap: the pass never becomes whole
    reader.read()
    reader.read()
    assert reader.hexdigest() is None


@pytest.mark.parametrize(
    ("error", "sent_again"),
    [
        (
            errors.DeepgramConnectionError(
                "reset; may have processed",
            ),
            True,
        ),
        (errors.DeepgramTimeoutError("Could not connect within 10s"), True),
        (errors.ServerError("boom", status=503), True),
        (errors.RequestTimeoutError("slow upload", status=408), True),
        (errors.BadRequestError("corrupt", status=400), False),
    ],
    ids=["dropped", "connect-timeout", "503", "408", "400"],
)
def test_the_batch_sends_a_transcription_again_after_what_only_costs(
    error: errors.DeepgramError, sent_again: bool
) -> None:
    if isinstance(error, errors.DeepgramConnectionError) and "reset" in str(error):
        error.retryable = False  # as the client marks a POST whose answer was lost
    assert batch_worker._worth_sending_again(error) is sent_again


def test_the_batch_does_not_send_again_after_a_read_timeout() -> None:
    timeout = errors.DeepgramTimeoutError("No answer within 900s. Not retried: ...")
    timeout.retryable = False  # the client's mark on a POST read timeout
    assert batch_worker._worth_sending_again(timeout) is False
