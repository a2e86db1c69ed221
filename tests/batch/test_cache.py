"""The batch cache: keys from content and canonical options; atomic, kill-proof writes."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dgdata.batch.cache import TranscriptCache, canonical_options, file_sha256


def test_the_file_hash_is_streamed_and_matches_hashlib(tmp_path: Path) -> None:
    import hashlib

    data = os.urandom(3 * 1024 * 1024 + 17)
    audio = tmp_path / "a.wav"
    audio.write_bytes(data)
    assert file_sha256(audio) == hashlib.sha256(data).hexdigest()
    assert file_sha256(io.BytesIO(data)) == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ({"model": "nova-3", "smart_format": True}, {"smart_format": "true", "model": "nova-3"}),
        ({"utt_split": 0.8, "tag": None}, {"utt_split": "0.8"}),
        ({}, None),
    ],
)
def test_equivalent_options_share_a_key(first: dict, second: dict | None) -> None:
    assert canonical_options(first) == canonical_options(second)
    assert TranscriptCache.key("ab" * 32, first) == TranscriptCache.key("ab" * 32, second)


def test_different_options_audio_or_scope_never_share_a_key() -> None:
    from dgdata.batch.cache import cache_scope

    local = cache_scope("http://127.0.0.1:8080", "Token", "k1")
    assert TranscriptCache.key("ab" * 32, {}, local) != TranscriptCache.key("ab" * 32, {})
    assert local != cache_scope("http://127.0.0.1:8080", "Token", "k2"), "another account"
    assert local != cache_scope("https://api.deepgram.com", "Token", "k1"), "another server"
    assert "k1" not in local, "a fingerprint, not the key"
    assert cache_scope("https://api.deepgram.com/", "Bearer", "t1") == cache_scope(
        "https://api.deepgram.com", "Bearer", "t2"
    ), "short-lived tokens of one endpoint share their transcripts"
    keys = {
        TranscriptCache.key("ab" * 32, {"model": "nova-3"}),
        TranscriptCache.key("ab" * 32, {"model": "nova-2"}),
        TranscriptCache.key("cd" * 32, {"model": "nova-3"}),
        TranscriptCache.key("ab" * 32, {"keywords": ["a", "b"]}),
        TranscriptCache.key("ab" * 32, {"keywords": ["b", "a"]}),
    }
    assert len(keys) == 5


def test_entries_round_trip_and_unreadable_ones_count_as_missing(tmp_path: Path) -> None:
    cache = TranscriptCache(tmp_path / "cache")
    key = cache.key("ab" * 32, {"model": "nova-3"})
    assert cache.get(key) is None and key not in cache
    path = cache.put(key, {"metadata": {"request_id": "r1"}, "results": {}})
    assert path.parent.name == key[:2]
    assert cache.get(key) == {"metadata": {"request_id": "r1"}, "results": {}}
    assert key in cache and len(cache) == 1
    path.write_text('{"metadata": {"req')  # truncated by a disk failure
    assert cache.get(key) is None
    path.write_text("[1, 2]")  # not a response
    assert cache.get(key) is None


WRITER = """
import sys
from dgdata.batch.cache import TranscriptCache
cache = TranscriptCache(sys.argv[1])
big = {"results": {"words": ["w" * 50] * 40000}}
i = 0
while True:
    cache.put(cache.key(f"{i:064x}", {}), {**big, "n": i})
    i += 1
    print(i, flush=True)
"""


def test_a_writer_killed_with_sigkill_leaves_only_whole_entries(tmp_path: Path) -> None:
    directory = tmp_path / "cache"
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(directory)], stdout=subprocess.PIPE, text=True
    )
    assert writer.stdout is not None
    for _ in range(5):  # let it finish a few entries, then kill it mid-write
        writer.stdout.readline()
    time.sleep(0.05)
    writer.send_signal(signal.SIGKILL)
    writer.wait(timeout=10)

    entries = list(directory.glob("*/*.json"))
    assert len(entries) >= 5
    for entry in entries:
        assert len(json.loads(entry.read_text())["results"]["words"]) == 40000
    leftovers = list(directory.glob("*/*.partial"))
    TranscriptCache(directory)  # a young temporary file may be a live batch's: it is kept
    assert list(directory.glob("*/*.partial")) == leftovers
    old = time.time() - 3600
    for leftover in leftovers:
        os.utime(leftover, (old, old))
    cache = TranscriptCache(directory)  # an old one is a killed writer's: swept
    assert list(directory.glob("*/*.partial")) == []
    assert len(cache) == len(entries)
