"""Whole recordings are recognised in worker processes, so the server stays responsive.

pocketsphinx holds the GIL while it decodes; in a thread, a long recording would stall the event
loop (and every live stream) until it finished.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import numpy as np
import pytest
import requests

from dgdata import Deepgram
from dgdata.server.asr.processes import ProcessRecognizer
from dgdata.server.runner import LocalServer
from tests.server.audio_corpus import read_wav, synthesize_one, wer, write_wav

TEXT = "the doctor said i should drink more water every day"


@pytest.fixture(scope="module")
def long_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """About 25 s of speech: one sentence eight times, with pauses."""
    directory = tmp_path_factory.mktemp("long")
    sentence = read_wav(synthesize_one(TEXT, directory / "one.wav").path)
    pause = np.zeros(8000, dtype=np.int16)
    return write_wav(directory / "long.wav", np.concatenate([sentence, pause] * 8), 16000)


def test_the_server_answers_while_a_long_recording_is_recognised(long_clip: Path) -> None:
    with LocalServer(decoders=1) as server, Deepgram(api_key=server.api_key,
                                                     api_url=server.url) as dg:  # fmt: skip
        server.state.recognizer.worker_pids()  # start the worker first: time only the decode
        result: dict = {}
        worker = threading.Thread(
            target=lambda: result.update(dg.transcription.prerecorded(long_clip))
        )
        started = time.monotonic()
        worker.start()
        slowest = 0.0
        while worker.is_alive():
            asked = time.monotonic()
            requests.get(server.url + "/_dgdata/health", timeout=10)
            slowest = max(slowest, time.monotonic() - asked)
            time.sleep(0.02)
        took = time.monotonic() - started
    transcript = result["results"]["channels"][0]["alternatives"][0]["transcript"]
    assert wer(" ".join([TEXT] * 8), transcript) <= 0.1
    assert took > 1.0, "the recording takes long enough to show a stall"
    assert slowest < 0.5, f"a health check waited {slowest:.2f} s during recognition"


def test_workers_are_other_processes_and_stop_with_the_recogniser() -> None:
    before = set(threading.enumerate())
    recognizer = ProcessRecognizer(2)
    pids = recognizer.worker_pids()
    pool_threads = set(threading.enumerate()) - before
    assert pids and os.getpid() not in pids
    recognizer.close()
    # Ended and reaped, and the pool's own thread too: left running at exit it printed
    # "Exception ignored in threading._shutdown ... Bad file descriptor" (dgdata demo).
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    assert pool_threads and not [t for t in pool_threads if t.is_alive()]
    with pytest.raises(RuntimeError, match="closed"):
        recognizer.recognize(np.zeros(16000, dtype=np.int16))


def test_workers_survive_the_interrupt_jupyter_sends_the_whole_process_group(
    long_clip: Path,
) -> None:
    import signal

    recognizer = ProcessRecognizer(1)
    pcm = read_wav(long_clip)[: 16000 * 3]
    try:
        first = recognizer.recognize(pcm)
        (pid,) = recognizer.worker_pids()
        os.kill(pid, signal.SIGINT)  # what interrupting a notebook's kernel does to its children
        time.sleep(0.3)
        assert [w.word for w in recognizer.recognize(pcm)] == [w.word for w in first]
        assert recognizer.worker_pids() == {pid} and not recognizer.in_threads
    finally:
        recognizer.close()


def test_a_worker_that_dies_is_replaced_instead_of_falling_back_to_threads(
    long_clip: Path, caplog: pytest.LogCaptureFixture
) -> None:
    import signal

    recognizer = ProcessRecognizer(1)
    pcm = read_wav(long_clip)[: 16000 * 3]
    try:
        first = recognizer.recognize(pcm)
        (pid,) = recognizer.worker_pids()
        os.kill(pid, signal.SIGKILL)
        time.sleep(0.3)
        with caplog.at_level(logging.WARNING, logger="dgdata.server"):
            assert [w.word for w in recognizer.recognize(pcm)] == [w.word for w in first]
        assert not recognizer.in_threads and recognizer.worker_pids() != {pid}
        assert "starting new ones" in caplog.text
    finally:
        recognizer.close()


SCRIPT = """
import dgdata
from dgdata.server.runner import LocalServer

print("script body runs")
with LocalServer() as server:
    dg = dgdata.Deepgram(api_key=server.api_key, api_url=server.url)
    words = dg.transcription.prerecorded({clip!r})["results"]["channels"][0]["alternatives"][0]
    print("TRANSCRIPT", words["transcript"], "THREADS", server.state.recognizer.in_threads)
"""


def test_a_script_without_a_main_guard_is_not_run_again_by_the_workers(tmp_path: Path) -> None:
    clip = synthesize_one("my phone battery is almost empty", tmp_path / "clip.wav").path
    script = tmp_path / "user_script.py"
    script.write_text(SCRIPT.format(clip=str(clip)))
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                            timeout=120, cwd=tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("script body runs") == 1, "the workers did not re-run the script"
    assert "THREADS False" in result.stdout, "recognition ran in worker processes"
    transcript = result.stdout.split("TRANSCRIPT", 1)[1].split("THREADS")[0]
    assert wer("my phone battery is almost empty", transcript) <= 0.2
    assert "Traceback" not in result.stderr


def test_workers_that_cannot_start_fall_back_to_threads_with_a_warning(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: object) -> object:
        raise BrokenProcessPool("workers died")

    clip = read_wav(Path(__file__).parents[2] / "dgdata" / "data" / "samples" / "hello.wav")
    recognizer = ProcessRecognizer(1)
    monkeypatch.setattr(recognizer, "_submit", broken)
    with caplog.at_level(logging.WARNING, logger="dgdata.server"):
        words = recognizer.recognize(clip)
    assert recognizer.in_threads
    assert [w.word for w in words][:2] == ["hello", "this"]
    assert "__main__" in caplog.text
    recognizer.close()


_ORPHAN = """
import os, time
from dgdata.server.asr import worker_guard
worker_guard._ask_kernel_for_parent_death_signal = lambda: False  # only the portable watchdog
worker_guard.exit_with_parent(os.getppid())
print("watching", flush=True)
time.sleep(60)
"""
_PARENT = """
import subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", sys.argv[1]])
print(child.pid, flush=True)
time.sleep(60)
"""


def test_the_watchdog_ends_a_worker_whose_parent_was_killed() -> None:
    """Issue 16, item 11, where Linux's parent-death signal is not available: the thread that
    watches ``os.getppid()`` ends the process within about a second."""
    import psutil

    parent = subprocess.Popen(
        [sys.executable, "-c", _PARENT, _ORPHAN], stdout=subprocess.PIPE, text=True
    )
    assert parent.stdout is not None
    child = psutil.Process(int(parent.stdout.readline()))
    assert parent.stdout.readline().strip() == "watching"  # the child's watchdog runs
    assert child.is_running() and child.status() != psutil.STATUS_ZOMBIE
    parent.kill()
    parent.wait(timeout=10)
    started = time.monotonic()
    gone, alive = psutil.wait_procs([child], timeout=5)
    assert gone and not alive, "the child outlived its killed parent"
    assert time.monotonic() - started < 3
