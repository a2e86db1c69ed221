"""What every widget shares: inline error messages and a check of the options it is given."""

from __future__ import annotations

import html
import logging
from collections.abc import Iterable, Mapping
from typing import Any

import ipywidgets as w

from dgdata import errors

__all__ = ["ErrorBox", "check_options", "describe_error", "listen_option_names"]

logger = logging.getLogger(__name__)


def describe_error(exc: BaseException) -> str:
    """One or two plain sentences about a failure, for a person (no traceback, no secret).

    Errors of dgdata already say what happened and what to do, and never carry the key; other
    exceptions are named with their message.
    """
    if isinstance(exc, errors.AuthenticationError):
        return f"{exc} Check the API key (DEEPGRAM_API_KEY) the client was made with."
    if isinstance(exc, errors.PermissionDeniedError):
        return f"{exc} This key's role does not allow that action."
    if isinstance(exc, (errors.DeepgramError, OSError, ValueError)):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


class ErrorBox(w.HTML):
    """An inline message area: ``show(exc)`` for a failure, ``note(text)`` for news, ``clear()``."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(value="", **kwargs)
        self.add_class("dgdata-message")

    def show(self, exc: BaseException | str) -> None:
        """Show a failure (an exception or a sentence) in red."""
        text = exc if isinstance(exc, str) else describe_error(exc)
        if not isinstance(exc, str):
            logger.debug("widget action failed: %s", text)
        self.value = (
            '<div class="dgdata-error" style="color:#b00020;white-space:pre-wrap">'
            f"{html.escape(text)}</div>"
        )

    def note(self, text: str) -> None:
        """Show a neutral message."""
        self.value = f'<div class="dgdata-note" style="color:#555">{html.escape(text)}</div>'

    def clear(self) -> None:
        """Remove the message."""
        self.value = ""

    @property
    def text(self) -> str:
        """The message shown, as plain text (empty when none)."""
        import re

        return html.unescape(re.sub(r"<[^>]+>", "", self.value))


def listen_option_names() -> frozenset[str]:
    """Every ``/v1/listen`` query parameter of the spec (``model``, ``diarize``, …)."""
    from dgdata.options import ListenOptions

    return frozenset(ListenOptions.__annotations__)


def check_options(
    given: Mapping[str, Any], known: Iterable[str], widget: str, *, listen: bool = False
) -> None:
    """Reject keyword arguments a widget does not know, naming the ones it does.

    With ``listen=True`` every ``/v1/listen`` option is known too (the widget passes them on),
    so ``UploadTranscriber(dg, diarise=True)`` fails at once instead of being silently ignored.
    """
    names = set(known) | (listen_option_names() if listen else set())
    wrong = sorted(k for k in given if k not in names)
    if wrong:
        own = ", ".join(sorted(known))
        raise TypeError(
            f"{widget}() got unknown option(s) {', '.join(wrong)}; it takes {own}"
            + (", and any /v1/listen option (model, language, diarize, …)" if listen else "")
        )
