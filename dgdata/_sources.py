"""Audio sources for ``POST /v1/listen``: what the caller gives, turned into a request body.

Accepted: the seed's ``{"url": …}`` and ``{"buffer": fileobj_or_bytes, "mimetype": …}``, a path
(``str`` / ``os.PathLike``), an open binary file, or ``bytes``. Files are streamed from disk,
never read whole into memory. The content type comes from the caller, else the file extension,
else the first bytes of the audio.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Union

AudioSource = Union[
    str, "os.PathLike[str]", bytes, bytearray, memoryview, BinaryIO, Mapping[str, Any]
]

OCTET_STREAM = "application/octet-stream"

_EXTENSIONS = {
    ".wav": "audio/wav",
    ".wave": "audio/wav",
    ".mp3": "audio/mpeg",
    ".flac": "audio/flac",
    ".ogg": "audio/ogg",
    ".oga": "audio/ogg",
    ".opus": "audio/ogg",
    ".webm": "audio/webm",
    ".m4a": "audio/mp4",
    ".mp4": "video/mp4",
    ".aac": "audio/aac",
    ".amr": "audio/amr",
    ".aif": "audio/aiff",
    ".aiff": "audio/aiff",
    ".mov": "video/quicktime",
    ".mkv": "video/x-matroska",
    ".ulaw": "audio/basic",
    ".mulaw": "audio/basic",
}

AUDIO_EXTENSIONS = frozenset(_EXTENSIONS)


def mimetype_from_name(name: str | os.PathLike[str] | None) -> str | None:
    """The audio content type for a file name's extension, or ``None`` when unknown."""
    if not name:
        return None
    return _EXTENSIONS.get(Path(os.fspath(name)).suffix.lower())


def sniff_mimetype(head: bytes) -> str | None:
    """The audio content type from a file's first bytes (at least 12), or ``None``.

    Knows RIFF/WAVE, ID3 and MPEG frames (MP3), fLaC, OggS, WebM/Matroska, MP4/M4A (``ftyp``),
    AMR and AIFF.
    """
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio/wav"
    if head[:3] == b"ID3" or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "audio/mpeg"
    if head[:4] == b"fLaC":
        return "audio/flac"
    if head[:4] == b"OggS":
        return "audio/ogg"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "audio/webm"
    if head[4:8] == b"ftyp":
        return "audio/mp4"
    if head[:5] == b"#!AMR":
        return "audio/amr"
    if head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
        return "audio/aiff"
    return None


@dataclass
class PreparedSource:
    """A request body ready to send: JSON for a URL, bytes or a file object for audio."""

    json: dict[str, Any] | None = None
    data: Any = None
    content_type: str | None = None
    name: str | None = None
    _close: Callable[[], None] | None = None

    @property
    def headers(self) -> dict[str, str]:
        return (
            {"Content-Type": self.content_type}
            if self.data is not None and self.content_type
            else {}
        )

    def close(self) -> None:
        """Close a file this object opened itself (never one the caller passed in)."""
        if self._close is not None:
            self._close()
            self._close = None

    def __enter__(self) -> PreparedSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def prepare_source(source: AudioSource, mimetype: str | None = None) -> PreparedSource:
    """Check ``source`` and turn it into a :class:`PreparedSource`, before any request is made.

    Raises ``FileNotFoundError`` / ``IsADirectoryError`` for a bad path, ``ValueError`` for empty
    audio, ``TypeError`` for something that is not an audio source.
    """
    if isinstance(source, Mapping):
        return _from_mapping(source, mimetype)
    if isinstance(source, (str, os.PathLike)):
        return _from_path(Path(os.fspath(source)), mimetype)
    if isinstance(source, (bytes, bytearray, memoryview)):
        return _from_bytes(bytes(source), mimetype, name=None)
    if hasattr(source, "read"):
        return _from_file(source, mimetype)
    raise TypeError(
        f"cannot transcribe a {type(source).__name__}: pass a path, bytes, an open binary file, "
        "{'url': ...} or {'buffer': ..., 'mimetype': ...}"
    )


def _from_mapping(source: Mapping[str, Any], mimetype: str | None) -> PreparedSource:
    if "url" in source:
        url = source["url"]
        if not isinstance(url, str) or not url.strip():
            raise ValueError("the source's 'url' is empty: give the address of the audio")
        if not url.lower().startswith(("http://", "https://")):
            raise ValueError(f"the source's url {url!r} must start with http:// or https://")
        return PreparedSource(json={"url": url}, name=url)
    if "buffer" in source:
        buffer = source["buffer"]
        kind = source.get("mimetype") or mimetype
        if isinstance(buffer, (bytes, bytearray, memoryview)):
            return _from_bytes(bytes(buffer), kind, name=None)
        if hasattr(buffer, "read"):
            return _from_file(buffer, kind)
        raise TypeError("the source's 'buffer' must be bytes or an open binary file")
    if "path" in source:
        return _from_path(Path(os.fspath(source["path"])), source.get("mimetype") or mimetype)
    raise ValueError(
        f"a source dict needs 'url', 'buffer' or 'path'; got keys {sorted(map(str, source))}"
    )


def _from_path(path: Path, mimetype: str | None) -> PreparedSource:
    if not path.exists():
        raise FileNotFoundError(f"no audio file at {str(path)!r}: check the path")
    if path.is_dir():
        raise IsADirectoryError(
            f"{str(path)!r} is a folder; pass one file, or use dgdata.transcribe_folder() for many"
        )
    size = path.stat().st_size
    if size == 0:
        raise ValueError(f"{str(path)!r} is empty (0 bytes): there is no audio to transcribe")
    handle = path.open("rb")
    try:
        kind = mimetype or mimetype_from_name(path) or sniff_mimetype(handle.read(16))
        handle.seek(0)
    except BaseException:
        handle.close()
        raise
    return PreparedSource(
        data=handle, content_type=kind or OCTET_STREAM, name=str(path), _close=handle.close
    )


def _from_bytes(data: bytes, mimetype: str | None, name: str | None) -> PreparedSource:
    if not data:
        raise ValueError("the audio is empty (0 bytes): there is nothing to transcribe")
    kind = mimetype or sniff_mimetype(data[:16]) or OCTET_STREAM
    return PreparedSource(data=data, content_type=kind, name=name)


def _from_file(handle: Any, mimetype: str | None) -> PreparedSource:
    name = getattr(handle, "name", None)
    name = name if isinstance(name, str) else None
    if isinstance(handle, io.TextIOBase):
        raise TypeError("the file is open in text mode: open it with open(path, 'rb')")
    remaining = _remaining_bytes(handle)
    if remaining == 0:
        label = f"the audio file {name!r}" if name else "the audio file"
        raise ValueError(f"{label} has no bytes left to read: is it empty?")
    kind = mimetype or mimetype_from_name(name)
    if kind is None and _seekable(handle):
        start = handle.tell()
        head = handle.read(16)
        handle.seek(start)
        if isinstance(head, str):
            raise TypeError("the file is open in text mode: open it with open(path, 'rb')")
        kind = sniff_mimetype(head)
    return PreparedSource(data=handle, content_type=kind or OCTET_STREAM, name=name)


def _seekable(handle: Any) -> bool:
    try:
        return bool(handle.seekable())
    except (AttributeError, OSError, ValueError):
        return False


def _remaining_bytes(handle: Any) -> int | None:
    """Bytes left between the file position and its end, when that can be known cheaply."""
    if not _seekable(handle):
        return None
    try:
        start = handle.tell()
        end = handle.seek(0, os.SEEK_END)
        handle.seek(start)
    except (OSError, ValueError):
        return None
    return max(0, end - start)
