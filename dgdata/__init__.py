"""dgdata: the Deepgram speech platform as pandas DataFrames, plots and Jupyter widgets.

Quick start::

    import dgdata
    dg = dgdata.Deepgram()                # DEEPGRAM_API_KEY / DEEPGRAM_API_URL from the environment
    projects = dg.projects.list()

Public names are imported lazily, so ``import dgdata`` stays cheap and a part that needs an
optional extra (the server, the widgets) is only loaded when it is used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from dgdata._version import __version__

if TYPE_CHECKING:  # pragma: no cover - for editors and type checkers only
    from dgdata import errors, frames
    from dgdata._config import Timeouts
    from dgdata.batch import BatchResult, transcribe_folder, transcribe_many
    from dgdata.client import Deepgram
    from dgdata.live import LiveTranscription
    from dgdata.transcript import Transcript

# public name -> module that defines it
_LAZY = {
    "BatchResult": "dgdata.batch",
    "transcribe_folder": "dgdata.batch",
    "transcribe_many": "dgdata.batch",
    "Deepgram": "dgdata.client",
    "Timeouts": "dgdata._config",
    "LiveTranscription": "dgdata.live",
    "Transcript": "dgdata.transcript",
}
_SUBMODULES = {"errors", "frames", "aio", "plots", "batch"}

__all__ = [
    "BatchResult",
    "Deepgram",
    "LiveTranscription",
    "Timeouts",
    "Transcript",
    "__version__",
    "errors",
    "frames",
    "transcribe_folder",
    "transcribe_many",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f"dgdata.{name}")
    else:
        raise AttributeError(f"module 'dgdata' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY) | _SUBMODULES)
