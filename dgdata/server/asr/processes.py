"""Recognition of whole recordings in worker processes.

pocketsphinx holds the GIL for the whole of each decode call, so decoder threads take turns
instead of running in parallel, and a long recording freezes every other thread of the server
(the event loop, live streams) for seconds. Whole recordings (``POST /v1/listen``) are therefore
recognised in a pool of worker processes, one decode per worker at a time: the server stays
responsive and several recordings use several cores. Live streams keep their in-process decoders,
which decode short pieces (at most a few seconds) at a time.

The pool is bounded: a caller waits at most ``timeout`` seconds for a free worker, then gets
:class:`~dgdata.server.asr.engine.PoolExhausted`. Workers start on first use (``spawn``, which
is safe in a multi-threaded server), so the first recording pays about a second of start-up.

``spawn`` normally re-imports the main script in each worker, which would run a user's script
(one that starts the server at its top level, say) a second time. The workers only ever run
dgdata's own functions, so they are started with the main script hidden from them. Should workers
still fail to start, the recogniser logs a warning and recognises in threads instead: nothing
fails, the server is only less responsive.

Workers never outlive the server, even one killed with SIGKILL (:mod:`.worker_guard`): each
closes its copy of the parent's end of its input pipe (so a dead parent is end-of-file), asks
Linux for a signal when its parent dies (``PR_SET_PDEATHSIG``), and watches ``os.getppid()``
from a thread elsewhere. Linux sends that signal when the *thread* that started the worker ends,
so every worker is started from one long-lived thread of the recogniser (``_spawner``), never
from a request's worker thread, which the server may retire when idle.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import sys
import threading
import types
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Any, TypeVar

import numpy as np

from dgdata.server.asr import choice, worker_guard
from dgdata.server.asr import engine as asr
from dgdata.server.asr.choice import EngineChoice

__all__ = ["ProcessRecognizer"]

log = logging.getLogger(__name__)

T = TypeVar("T")


_MAIN_LOCK = threading.Lock()
#: Seconds :meth:`ProcessRecognizer.close` waits for the pool's thread and each ended worker.
_CLOSE_TIMEOUT = 10.0


@contextmanager
def _main_script_hidden() -> Iterator[None]:
    """While workers are spawned, ``__main__`` has no file, so they do not re-run the script."""
    with _MAIN_LOCK:
        main = sys.modules.get("__main__")
        if main is None or getattr(main, "__file__", None) is None:
            yield
            return
        sys.modules["__main__"] = types.ModuleType("__main__")
        try:
            yield
        finally:
            sys.modules["__main__"] = main


def _init_worker(parent_pid: int, engine: EngineChoice) -> None:
    """Set up a worker process: ignore Ctrl+C, end when the server ends, use ``engine``."""
    # Jupyter interrupts a kernel by signalling its whole process group: a worker must not die
    # of the Ctrl+C meant for the notebook's cell (and print a KeyboardInterrupt at shutdown).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    worker_guard.close_parent_pipe_ends(sys._getframe(1))
    worker_guard.exit_with_parent(parent_pid)
    _no_process_lock_for_progress_bars()
    choice.configure(engine)


def _no_process_lock_for_progress_bars() -> None:
    """Give tqdm a thread lock in this worker. faster-whisper makes a (hidden) tqdm bar per
    recording, and tqdm's default lock is a multiprocessing one, registered with the resource
    tracker: a worker that ends with the server leaks it, and the tracker warns of a "leaked
    semaphore" on the server's stderr. A worker draws no bars, so a thread lock is enough."""
    from tqdm import tqdm

    tqdm.set_lock(threading.RLock())


def _recognize_in_worker(pcm16k: np.ndarray, timeout: float | None = None) -> list[asr.Word]:
    return asr.recognize(pcm16k, timeout=timeout)


def _worker_pid() -> int:
    return os.getpid()


class ProcessRecognizer:
    """``size`` worker processes recognising one channel of 16 kHz audio each at a time."""

    def __init__(self, size: int, engine: EngineChoice | None = None) -> None:
        self.size = max(int(size), 1)
        #: The engine the workers recognise with (see :mod:`.choice`).
        self.engine = engine or EngineChoice()
        self._slots = threading.BoundedSemaphore(self.size)
        self._lock = threading.Lock()
        self._executor: ProcessPoolExecutor | None = None
        #: The one thread that submits work, so the one that starts workers (see the module doc).
        self._spawner: ThreadPoolExecutor | None = None
        self._closed = False
        #: Set when worker processes could not start: recognition then runs in threads.
        self.in_threads = False
        self._worked = False  # a worker has answered: a later broken pool is a death, not a setup

    def __repr__(self) -> str:
        state = "closed" if self._closed else ("running" if self._executor else "idle")
        return f"<ProcessRecognizer {self.size} workers, {state}>"

    def _pool(self) -> tuple[ProcessPoolExecutor, ThreadPoolExecutor]:
        """The worker pool and the one thread that submits to it (made on first use)."""
        with self._lock:
            if self._closed:
                raise RuntimeError("the recogniser was closed with its server")
            if self._executor is None:
                context = multiprocessing.get_context("spawn")
                self._executor = ProcessPoolExecutor(
                    self.size,
                    mp_context=context,
                    initializer=_init_worker,
                    initargs=(os.getpid(), self.engine),
                )
            if self._spawner is None:
                self._spawner = ThreadPoolExecutor(1, thread_name_prefix="dgdata-recognizer")
            return self._executor, self._spawner

    def recognize(self, pcm16k: np.ndarray, *, timeout: float | None = None) -> list[asr.Word]:
        """The words of one channel, recognised in a worker (blocks until done)."""
        return self.run(_recognize_in_worker, pcm16k, timeout=timeout)

    def run(self, function: Callable[..., T], *args: Any, timeout: float | None = None) -> T:
        """``function(*args)`` in a worker (blocks until done), one call per worker at a time.

        Waits ``timeout`` seconds at most for a free worker (then ``PoolExhausted``). Where
        workers cannot run, it is called in this thread as ``function(*args, timeout=timeout)``:
        ``function`` must be a module-level function that takes that keyword.
        """
        if not self._slots.acquire(timeout=timeout if timeout is not None else -1):
            raise asr.PoolExhausted(
                f"all {self.size} recognisers stayed busy for {timeout:g} s; try again later"
            )
        try:
            for _ in range(2):  # a pool that worked and then broke (a worker killed) is remade once
                if self.in_threads:
                    break
                try:
                    result = self._submit(function, *args).result()
                except BrokenProcessPool as exc:
                    if not self._worked or not self._discard(exc):
                        self._fall_back_to_threads()
                else:
                    self._worked = True
                    return result
            return function(*args, timeout=timeout)
        finally:
            self._slots.release()

    def _discard(self, broken: BrokenProcessPool) -> bool:
        """Drop a broken pool so the next call starts a new one; False if already closed."""
        with self._lock:
            if self._closed:
                return False
            executor, self._executor = self._executor, None
        log.warning("dgdata serve: a recognition worker died (%s); starting new ones", broken)
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)
        return True

    def _fall_back_to_threads(self) -> None:
        with self._lock:
            if self.in_threads:
                return
            self.in_threads = True
            executor, self._executor = self._executor, None
        choice.configure(self.engine)  # recordings are now recognised in this process
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)
        log.warning(
            "dgdata serve: worker processes for recognition could not start, so recordings are "
            "recognised in threads (the server pauses while each decodes). If a script starts "
            'the server, put that code under `if __name__ == "__main__":`.'
        )

    def worker_pids(self) -> set[int]:
        """The process ids of the workers (starting them if needed); for tests and diagnostics."""
        futures = [self._submit(_worker_pid) for _ in range(self.size * 4)]
        return {future.result() for future in futures}

    def _submit(self, function: Callable[..., T], *args: Any) -> Future[T]:
        pool, spawner = self._pool()
        return spawner.submit(self._submit_here, pool, function, *args).result()

    @staticmethod
    def _submit_here(
        pool: ProcessPoolExecutor, function: Callable[..., T], *args: Any
    ) -> Future[T]:
        with _main_script_hidden():  # submit may spawn a worker
            return pool.submit(function, *args)

    def close(self) -> None:
        """Stop the workers (running decodes are abandoned)."""
        with self._lock:
            self._closed = True
            executor, self._executor = self._executor, None
            spawner, self._spawner = self._spawner, None
        if executor is not None:
            self._stop(executor)
        if spawner is not None:  # after the workers: its thread ending signals them
            spawner.shutdown(wait=True)

    @staticmethod
    def _stop(executor: ProcessPoolExecutor) -> None:
        """End a pool's workers and wait for them and for its manager thread."""
        # End the workers, then wait for the pool's own thread: left running, it closes its
        # wake-up pipe while the interpreter's exit hook writes to it ("Exception ignored in
        # threading._shutdown ... Bad file descriptor"). Both are taken before shutdown(), which
        # forgets them (so a second shutdown(wait=True) would wait for nothing).
        processes = list((getattr(executor, "_processes", None) or {}).values())
        manager = getattr(executor, "_executor_manager_thread", None)
        executor.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.terminate()
        if manager is not None:
            manager.join(_CLOSE_TIMEOUT)
        for process in processes:
            process.join(_CLOSE_TIMEOUT)
