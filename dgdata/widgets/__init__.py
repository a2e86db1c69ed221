"""Notebook widgets: transcribe uploads, transcribe the microphone live, browse the account.

Each widget calls the client and the frames only (never raw HTTP), shows errors inline instead of
a traceback, and never displays the secret of an existing key::

    from dgdata.widgets import AccountBrowser, LiveMicrophone, UploadTranscriber
    UploadTranscriber(dg, smart_format=True)
    LiveMicrophone(dg, model="nova-3")
    AccountBrowser(dg)

They need the ``widgets`` extra: ``pip install "dgdata[widgets]"``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from dgdata.widgets.browser import AccountBrowser
    from dgdata.widgets.microphone import LiveMicrophone
    from dgdata.widgets.upload import UploadTranscriber

_LAZY = {
    "AccountBrowser": "dgdata.widgets.browser",
    "LiveMicrophone": "dgdata.widgets.microphone",
    "UploadTranscriber": "dgdata.widgets.upload",
}

__all__ = ["AccountBrowser", "LiveMicrophone", "UploadTranscriber"]


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'dgdata.widgets' has no attribute {name!r}")
    try:
        module = importlib.import_module(_LAZY[name])
    except ImportError as exc:  # ipywidgets / anywidget missing
        raise ImportError(
            f"dgdata.widgets.{name} needs the widgets extra ({exc.name} is missing): "
            'pip install "dgdata[widgets]"'
        ) from exc
    value = getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
