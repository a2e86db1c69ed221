"""Files written whole or not at all: the one atomic write of the batch cache and its writers.

The content goes to a temporary file in the target's folder, is flushed to disk, gets the usual
permissions (``0o666`` less the umask: ``mkstemp`` makes it owner-only), then is renamed over the
target with ``os.replace`` (atomic on POSIX and Windows). A writer killed at any moment, ``kill
-9`` included, leaves the old file or the new one, and at worst a temporary file beside them.
"""

from __future__ import annotations

import functools
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

__all__ = ["TMP_SUFFIX", "atomic_write", "current_umask"]

#: the suffix of temporary files (readers and sweepers skip them)
TMP_SUFFIX = ".partial"


@functools.cache
def current_umask() -> int:
    """The process's umask, read once, at the first write.

    Linux tells it without changing it; elsewhere it can only be read by setting it.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write(
    target: Path, write: Callable[[IO[Any]], Any], *, text: bool, prefix: str | None = None
) -> Path:
    """Write ``target`` through ``write(handle)`` atomically; returns ``target``.

    ``prefix`` names the temporary file (default: the target's name, hidden with a dot).
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(
        dir=target.parent, prefix=prefix or f".{target.name}.", suffix=TMP_SUFFIX
    )
    try:
        mode = "w" if text else "wb"
        encoding = "utf-8" if text else None
        with os.fdopen(descriptor, mode, encoding=encoding, newline="" if text else None) as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(temporary, 0o666 & ~current_umask())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target
