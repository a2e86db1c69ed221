"""What a running server holds: its settings, its backend, its faults and its recognisers.

:class:`ServerSettings` is how a server behaves (``dgdata serve`` options map onto it);
:class:`ServerState` is what one app holds while it runs. The HTTP side of a request (who calls,
its id, its body and query) is in :mod:`dgdata.server.routes._context`.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from dataclasses import dataclass, field

from dgdata.server.asr.decoder import DecoderPool
from dgdata.server.asr.processes import ProcessRecognizer
from dgdata.server.backend import Backend, Bootstrap, Store
from dgdata.server.backend.faults import FaultInjector

__all__ = ["LiveSlots", "ServerSettings", "ServerState"]


@dataclass(frozen=True)
class ServerSettings:
    """How a server behaves; ``dgdata serve`` options map onto these."""

    #: A fixed owner key to (re)register at start, instead of minting a new one.
    api_key: str | None = None
    #: Seed the synthetic demo account (projects, members, keys, 90 days of usage).
    demo: bool = False
    #: Recognisers that may run at once (prerecorded and live together).
    decoders: int = field(default_factory=lambda: max(os.cpu_count() or 1, 1))
    #: Live streams allowed at once; beyond it a stream waits ``live_wait`` seconds, then is
    #: refused with close code 1013 (try again later).
    max_live_streams: int = 8
    live_wait: float = 5.0
    #: Seconds a live stream may go without audio or KeepAlive before close 1011 NET-0001.
    live_idle_timeout: float = 10.0
    #: Largest prerecorded upload accepted, in bytes.
    max_upload_bytes: int = 2 * 1024**3
    #: Let ``url`` sources and ``callback`` URLs reach loopback, private, link-local and
    #: multicast addresses (off by default: a request must not make the server reach inside
    #: the network it runs in). ``dgdata serve --allow-private-urls`` for local development.
    allow_private_urls: bool = False


class LiveSlots:
    """At most ``size`` live streams at once; a new one waits on the event loop for a slot.

    Waiting holds no thread (a handshake waiting for a slot must not take a worker thread that
    other requests need): it is an :class:`asyncio.BoundedSemaphore`, made on first use so that it
    belongs to the loop of the server that uses it.
    """

    def __init__(self, size: int) -> None:
        self.size = max(int(size), 1)
        self._semaphore: asyncio.BoundedSemaphore | None = None

    async def acquire(self, timeout: float) -> bool:
        """Take a slot, waiting up to ``timeout`` seconds; False if none freed up."""
        if self._semaphore is None:
            self._semaphore = asyncio.BoundedSemaphore(self.size)
        if not self._semaphore.locked():  # free: take it now (wait_for(..., 0) would not)
            await self._semaphore.acquire()
        else:
            try:
                await asyncio.wait_for(self._semaphore.acquire(), max(timeout, 0.0))
            except asyncio.TimeoutError:
                return False
        return True

    def release(self) -> None:
        """Give back a slot taken with :meth:`acquire` (on the same event loop); ``ValueError``
        if released more often than acquired."""
        if self._semaphore is None:
            raise ValueError("LiveSlots released more often than acquired")
        self._semaphore.release()


class ServerState:
    """Everything a running server holds: the backend (and its store), the faults, the settings,
    the live-stream slots and the recognisers."""

    def __init__(self, store: Store, settings: ServerSettings) -> None:
        self.backend = Backend(store)
        self.settings = settings
        self.faults = FaultInjector()
        self.live_streams = LiveSlots(settings.max_live_streams)
        #: Hooks run after a reset (the demo seeder registers itself here).
        self.seeders: list[Callable[[ServerState], None]] = []
        self.boot: Bootstrap = self.backend.bootstrap(settings.api_key)
        #: Whole recordings are recognised in worker processes (see recognizer_processes).
        self.recognizer = ProcessRecognizer(settings.decoders)
        #: Live streams decode in-process, with decoders (made on demand) from this pool.
        self.live_decoders = DecoderPool(settings.decoders)

    @property
    def store(self) -> Store:
        """The backend's SQLite store."""
        return self.backend.store

    def close(self) -> None:
        """Release what the state holds outside the database (the recogniser's workers)."""
        self.recognizer.close()

    def seed(self) -> None:
        """Run the seeders (after start and after every reset)."""
        for seeder in self.seeders:
            seeder(self)

    def reset(self) -> None:
        """Clear faults and state, then restore the starting project, owner key and seed.

        Blocking (database work): async code runs it in a worker thread."""
        self.faults.clear()
        self.backend.reset()
        self.boot = self.backend.bootstrap(self.boot.api_key)
        self.seed()
