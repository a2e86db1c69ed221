"""Recognition workers end with their server, even one killed with SIGKILL.

A killed server runs no clean-up, so each worker process (:mod:`.processes`) guards itself, in
three independent ways:

* it closes its copy of the *writing* end of its input pipe: a worker that holds both ends of
  the pipe it reads never sees end-of-file, so it would wait for work forever;
* on Linux, ``prctl(PR_SET_PDEATHSIG, SIGTERM)`` makes the kernel signal it the moment the
  thread that started it ends (the recogniser starts workers from one long-lived thread);
* everywhere, a daemon thread polls ``os.getppid()`` every :data:`POLL_SECONDS` and ends the
  process once the parent is gone (the worker is then re-parented, so its parent id changes).

With the workers gone, multiprocessing's resource tracker (which only the server and its workers
keep open) sees end-of-file too and exits.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys
import threading
import time
import types

__all__ = ["POLL_SECONDS", "close_parent_pipe_ends", "exit_with_parent"]


#: Seconds between two checks of the parent's process id.
POLL_SECONDS = 0.5
_PR_SET_PDEATHSIG = 1


def close_parent_pipe_ends(frame: types.FrameType | None) -> None:
    """Close the worker's copy of the writing end of its call queue.

    ``frame`` is the frame of ``concurrent.futures.process._process_worker``, which holds the
    queue as its ``call_queue`` argument (the pool hands the initializer nothing else). A queue
    the worker only reads needs no writer in the worker: closing it lets a dead parent read as
    end-of-file. Does nothing when the frame is not the expected one.
    """
    queue = frame.f_locals.get("call_queue") if frame is not None else None
    writer = getattr(queue, "_writer", None)
    close = getattr(writer, "close", None)
    if callable(close):
        close()


def _ask_kernel_for_parent_death_signal() -> bool:
    """Linux: have the kernel send SIGTERM when the parent dies; False where unavailable."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return int(libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)) == 0
    except (OSError, AttributeError):  # no libc or no prctl: the watchdog still runs
        return False


def _watch(parent_pid: int) -> None:
    while True:
        if os.getppid() != parent_pid:
            os._exit(0)  # the server is gone: nothing to clean up, nobody to answer
        time.sleep(POLL_SECONDS)


def exit_with_parent(parent_pid: int) -> None:
    """End this process when the process ``parent_pid`` (its parent) dies."""
    _ask_kernel_for_parent_death_signal()
    if os.getppid() != parent_pid:  # it died before the request took effect
        os._exit(0)
    threading.Thread(target=_watch, args=(parent_pid,), name="parent-watch", daemon=True).start()
