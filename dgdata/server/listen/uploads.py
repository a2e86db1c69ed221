"""Request bodies spooled to disk: an upload of any size costs the server a bounded memory.

:func:`spool_body` reads a request body as it arrives into an :class:`Upload`: in memory up to
:data:`SPOOL_MEMORY` bytes, then in a temporary file (written from a worker thread, a batch at
a time), hashing it on the way. Beyond the server's ``max_upload_bytes`` it is refused with
413, from ``Content-Length`` or as soon as the stream passes the limit. The file is deleted by
:meth:`Upload.close`, which the routes call when the request is done, failed
or, for a callback request, delivered; a body that fails midway is deleted at once.

Recognition reads the upload through :meth:`Upload.media` (a path for a spooled one), block by
block (:mod:`dgdata.server.asr.recording`).
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from typing import IO

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from dgdata.server.audio.media import Media
from dgdata.server.errors import media_too_large

__all__ = ["SPOOL_MEMORY", "Upload", "spool_body"]

log = logging.getLogger(__name__)

#: Bytes of a body kept in memory; a larger one goes to a temporary file.
SPOOL_MEMORY = 1 << 20
#: Bytes gathered before each write to the file (one worker-thread hop per batch).
_BATCH = 1 << 20


class Upload:
    """A request body: in memory while small, else in a temporary file deleted by ``close``."""

    def __init__(self) -> None:
        self._memory = bytearray()
        self._file: IO[bytes] | None = None
        self.path: str | None = None
        self.size = 0
        self._digest = hashlib.sha256()

    def __repr__(self) -> str:
        where = self.path or "memory"
        return f"<Upload {self.size} bytes in {where}>"

    @property
    def in_memory(self) -> bool:
        """Whether the body is (still) held in memory."""
        return self.path is None

    def fits_in_memory(self, more: int) -> bool:
        """Whether ``more`` bytes would still be kept in memory."""
        return self.in_memory and self.size + more <= SPOOL_MEMORY

    def write(self, data: bytes) -> None:
        """Append bytes (blocking once the body is in a file)."""
        fits = self.fits_in_memory(len(data))
        self._digest.update(data)
        self.size += len(data)
        if fits:
            self._memory += data
            return
        if self._file is None:
            descriptor, self.path = tempfile.mkstemp(prefix="dgdata-upload-")
            self._file = os.fdopen(descriptor, "wb")
            self._file.write(self._memory)
            self._memory = bytearray()
        self._file.write(data)

    def finish(self) -> None:
        """The body is complete: close the file for writing (readers open it by path)."""
        if self._file is not None:
            self._file.close()
            self._file = None

    @property
    def sha256(self) -> str:
        """The SHA-256 of the bytes written so far."""
        return self._digest.hexdigest()

    def media(self) -> Media:
        """The body as :class:`Media` (call :meth:`finish` first)."""
        if self.path is not None:
            return Media(path=self.path, digest=self.sha256)
        return Media(data=bytes(self._memory), digest=self.sha256)

    def read_bytes(self) -> bytes:
        """The whole body in memory (call :meth:`finish` first): for a small, bounded one only."""
        if self.path is None:
            return bytes(self._memory)
        with open(self.path, "rb") as file:
            return file.read()

    def close(self) -> None:
        """Forget the body and delete its file, if any (idempotent)."""
        self._memory = bytearray()
        if self._file is not None:
            self._file.close()
            self._file = None
        if self.path is not None:
            try:
                os.unlink(self.path)
            except FileNotFoundError:
                pass
            except OSError as exc:  # a reader on Windows may still hold it: leave it to the OS
                log.warning("dgdata serve: could not delete the upload %s: %s", self.path, exc)
            self.path = None


async def spool_body(request: Request, limit: int) -> Upload:
    """The request body (chunked uploads too) as an :class:`Upload`; 413 beyond ``limit``."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise media_too_large(limit)
    upload = Upload()
    try:
        batch: list[bytes] = []
        pending = 0
        async for chunk in request.stream():
            if upload.size + pending + len(chunk) > limit:
                raise media_too_large(limit)
            batch.append(chunk)
            pending += len(chunk)
            if pending >= _BATCH:
                await _write(upload, b"".join(batch))
                batch, pending = [], 0
        await _write(upload, b"".join(batch))
        await run_in_threadpool(upload.finish)
    except BaseException:  # too large, the client gone, cancelled: delete what was written
        upload.close()
        raise
    return upload


async def _write(upload: Upload, data: bytes) -> None:
    if upload.fits_in_memory(len(data)):
        upload.write(data)  # no disk: no need for a thread
    else:
        await run_in_threadpool(upload.write, data)
