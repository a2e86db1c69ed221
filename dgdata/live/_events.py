"""Event handlers of a streaming socket: registration, dispatch, and errors routed to ``error``.

Every socket (``/v1/listen`` today) names its events with an enum that has ``OPEN``, ``CLOSE``
and ``ERROR`` members and a ``coerce`` classmethod; :class:`EventHandlers` keeps the handlers of
one stream, and :class:`HasEvents` gives the stream its public ``on`` / ``off`` (and the seed
SDK's ``registerHandler`` / ``deregisterHandler``).
"""

from __future__ import annotations

import contextlib
import enum
import logging
import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

__all__ = ["EventHandlers", "Handler", "HasEvents"]

logger = logging.getLogger(__name__)

Handler = Callable[[Any], Any]
E = TypeVar("E", bound=enum.Enum)


class EventHandlers(Generic[E]):
    """The handlers of one stream, by event; thread-safe.

    Args:
        coerce: turns a member or a string (``"transcript"``) into a member; raises
            ``ValueError`` for an unknown event.
        open_event, close_event, error_event: the members the connection emits when it opens
            (and reopens), when it ends, and for every error.
    """

    def __init__(
        self, coerce: Callable[[Any], E], *, open_event: E, close_event: E, error_event: E
    ) -> None:
        self.coerce = coerce
        self.open_event = open_event
        self.close_event = close_event
        self.error_event = error_event
        self._lock = threading.Lock()
        self._handlers: dict[E, list[Handler]] = {}
        self._errors: list[BaseException] = []

    def add(self, event: enum.Enum | str, handler: Handler) -> None:
        """Call ``handler`` on ``event`` (a member or its name)."""
        member = self.coerce(event)
        if not callable(handler):
            raise TypeError(f"handler must be callable, got {type(handler).__name__}")
        with self._lock:
            self._handlers.setdefault(member, []).append(handler)

    def remove(self, event: enum.Enum | str, handler: Handler) -> None:
        """Stop calling ``handler`` on ``event`` (no error when it was not registered)."""
        member = self.coerce(event)
        with self._lock, contextlib.suppress(ValueError):
            self._handlers.get(member, []).remove(handler)

    def emit(self, event: E, argument: Any) -> None:
        """Call the handlers of ``event`` in order; one that raises is logged and reported."""
        with self._lock:
            handlers = list(self._handlers.get(event, ()))
        for handler in handlers:
            try:
                handler(argument)
            except Exception as exc:
                logger.exception("live %s handler %r raised", event.value, handler)
                if event is not self.error_event:  # a failing error handler is only logged
                    self.report(exc)

    def report(self, exc: BaseException) -> None:
        """Record an error and pass it to the ``error`` handlers."""
        with self._lock:
            self._errors.append(exc)
        self.emit(self.error_event, exc)

    @property
    def errors(self) -> list[BaseException]:
        """Every error reported so far (a copy)."""
        with self._lock:
            return list(self._errors)


class HasEvents:
    """``on`` / ``off`` for a stream that keeps its handlers in ``self._events``."""

    _events: EventHandlers[Any]

    def on(self, event: enum.Enum | str, handler: Handler | None = None) -> Any:
        """Call ``handler`` on ``event``; also usable as a decorator: ``@live.on("transcript")``.

        Handlers run on the reader thread, one message at a time: keep them quick. An exception
        in a handler is logged and passed to the ``error`` handlers; it never stops the stream.
        """
        if handler is None:
            member = self._events.coerce(event)  # an unknown event fails here, not at the call
            return lambda fn: self.on(member, fn)
        self._events.add(event, handler)
        return handler

    def off(self, event: enum.Enum | str, handler: Handler) -> None:
        """Stop calling ``handler`` on ``event`` (no error when it was not registered)."""
        self._events.remove(event, handler)

    registerHandler = on  # the seed SDK's names
    deregisterHandler = off

    @property
    def errors(self) -> list[BaseException]:
        """Every error reported to the ``error`` event (handler exceptions included)."""
        return self._events.errors
