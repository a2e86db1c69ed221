"""The batch transcription cache: one JSON file per (audio content, options), written atomically.

A transcript is stored under a key made of the audio file's SHA-256 and the *canonical* options
(keys sorted, booleans and numbers as the API's query would spell them, ``None`` dropped), so a
renamed or moved file is still found, and different options never share an entry.

Every entry is written to a temporary file in the same directory, flushed to disk, then renamed
over its final name (``os.replace``, atomic on POSIX and Windows): a batch killed at any moment,
``kill -9`` included, leaves either the whole entry or none of it. Leftover temporary files are
invisible to readers and swept when the cache is opened. An entry that cannot be read (truncated
by a disk failure, edited by hand) counts as missing, so the file is simply transcribed again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, BinaryIO

from dgdata._atomic import TMP_SUFFIX, atomic_write

__all__ = ["HashingReader", "TranscriptCache", "cache_scope", "canonical_options", "file_sha256"]

_CHUNK = 1024 * 1024
#: seconds after which a temporary file is a killed writer's, not a batch still writing it
STALE_AFTER = 600.0


def file_sha256(source: str | os.PathLike[str] | BinaryIO) -> str:
    """The SHA-256 of a file's content, read in 1 MiB chunks (never whole into memory)."""
    digest = hashlib.sha256()
    if isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as handle:
            for chunk in iter(lambda: handle.read(_CHUNK), b""):
                digest.update(chunk)
    else:
        for chunk in iter(lambda: source.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


class HashingReader:
    """A binary file that hashes what is read from it: the SHA-256 of the bytes actually sent.

    An upload reads the file from its start to its end; the digest follows those reads, so it is
    the hash of what went out even if the file changed on disk after it was first hashed. A seek
    back to the start (a retry rewinding the body, a size probe) starts a fresh digest.
    ``hexdigest()`` is ``None`` until one pass has read the whole file from its start.

    >>> import io
    >>> reader = HashingReader(io.BytesIO(b"abc"))
    >>> _ = reader.read(2), reader.read(), reader.read()
    >>> reader.hexdigest() == hashlib.sha256(b"abc").hexdigest()
    True
    """

    def __init__(self, handle: BinaryIO, name: str | None = None) -> None:
        self._handle = handle
        #: the file name: the upload's content type comes from its extension
        self.name = name
        self._restart()

    def _restart(self) -> None:
        self._digest = hashlib.sha256()
        self._hashed = 0  # bytes hashed, all from offset 0 without a gap
        self._whole = False

    def read(self, size: int | None = -1) -> bytes:
        """Read like the file does, hashing the bytes that continue the current pass."""
        position = self._handle.tell()
        data = self._handle.read(-1 if size is None else size)
        if position == self._hashed:
            self._digest.update(data)
            self._hashed += len(data)
            if not data and size != 0:  # end of file reached in one pass from the start
                self._whole = True
        return data

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        """Move like the file does; back at the start, hashing starts over."""
        position = self._handle.seek(offset, whence)
        if position == 0:
            self._restart()
        return position

    def tell(self) -> int:
        return self._handle.tell()

    def seekable(self) -> bool:
        return True

    def readable(self) -> bool:
        return True

    def hexdigest(self) -> str | None:
        """The SHA-256 of the whole file as last read from start to end, or ``None``."""
        return self._digest.hexdigest() if self._whole else None


def cache_scope(base_url: str, scheme: str, credential: str) -> str:
    """Whose transcripts these are: the endpoint, and a fingerprint of the API key.

    The fingerprint is 16 hex digits of a SHA-256, not the key. Short-lived access tokens change
    every few minutes, so for them the endpoint alone is the scope.
    """
    if scheme.lower() == "token":
        fingerprint = hashlib.sha256(credential.encode("utf-8")).hexdigest()[:16]
        return f"{base_url.rstrip('/')} key:{fingerprint}"
    return f"{base_url.rstrip('/')} token"


def _query_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return format(value, "g") if isinstance(value, float) else str(value)
    if isinstance(value, (list, tuple)):
        return [_query_value(v) for v in value]
    return str(value)


def canonical_options(options: Mapping[str, Any] | None) -> str:
    """The options as the canonical text a cache key is built from.

    ``{"smart_format": True, "model": "nova-3"}`` and ``{"model": "nova-3", "smart_format":
    "true"}`` are the same request, so they give the same text; ``None`` values are dropped, and
    the order of a list (``keywords``) is kept, since it is sent in that order.
    """
    cleaned = {str(k): _query_value(v) for k, v in (options or {}).items() if v is not None}
    return json.dumps(cleaned, sort_keys=True, separators=(",", ":"))


class TranscriptCache:
    """Finished transcripts on disk, keyed by audio content and options."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        # Temporary files of killed writers; young ones may be another live batch's.
        stale = time.time() - STALE_AFTER
        for leftover in self.directory.glob(f"*/*{TMP_SUFFIX}"):
            with contextlib.suppress(OSError):
                if leftover.stat().st_mtime < stale:
                    leftover.unlink()

    def __repr__(self) -> str:
        return f"TranscriptCache({str(self.directory)!r})"

    @staticmethod
    def key(audio_sha256: str, options: Mapping[str, Any] | None, scope: str = "") -> str:
        """The entry key of an audio content hash with these options, for this ``scope``.

        ``scope`` says whose transcript it is (:func:`cache_scope`: the endpoint and the key's
        fingerprint), so one cache folder never hands one server's or account's results to
        another.
        """
        text = f"{audio_sha256}\n{canonical_options(options)}\n{scope}"
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def path(self, key: str) -> Path:
        """Where an entry lives (sharded by its first two hex digits)."""
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str) -> dict[str, Any] | None:
        """The stored response, or None when there is none (or it cannot be read)."""
        try:
            with open(self.path(key), encoding="utf-8") as handle:
                value = json.load(handle)
        except (OSError, ValueError):
            return None
        return value if isinstance(value, dict) else None

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key) is not None

    def put(self, key: str, response: Mapping[str, Any]) -> Path:
        """Store a response atomically; returns the entry's path."""
        return atomic_write(
            self.path(key),
            lambda handle: json.dump(response, handle, separators=(",", ":")),
            text=True,
            prefix=f"{key}.",
        )

    def __len__(self) -> int:
        return sum(1 for _ in self.directory.glob("*/*.json"))
