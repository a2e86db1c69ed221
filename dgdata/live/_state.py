"""The life of a streaming connection: one small state machine instead of a set of flags.

==============  ========================  ==================================================
from            to                        when
==============  ========================  ==================================================
NEW             CONNECTING                ``start()``
CONNECTING      OPEN, FAILED              the handshake is accepted, refused
OPEN            RECONNECTING              the connection dropped and ``reconnect=`` is on
OPEN            FINISHING                 ``finish()`` asked the server to end (CloseStream)
OPEN            CLOSING                   ``close()``: the client hangs up
OPEN            CLOSED, FAILED            the server closed normally, with an error
RECONNECTING    OPEN                      reconnected
RECONNECTING    FINISHING, CLOSING        ``finish()``, ``close()`` during the gap
RECONNECTING    FAILED                    reconnecting failed
FINISHING       CLOSING                   ``finish()`` timed out: the client hangs up
FINISHING       CLOSED, FAILED            the server closed (after its last results)
CLOSING         CLOSED, FAILED            the connection ended
==============  ========================  ==================================================

``FINISHING`` means the client waits for the server's last messages; ``CLOSING`` means the
client hangs up itself, so the drop that follows is no error. ``CLOSED`` and ``FAILED`` are
final. :data:`TRANSITIONS` is this table; :meth:`StateMachine.move` makes one move under a
lock and refuses any other.
"""

from __future__ import annotations

import enum
import logging
import threading
from collections.abc import Collection, Mapping

__all__ = ["TRANSITIONS", "ConnectionState", "IllegalTransitionError", "StateMachine"]

logger = logging.getLogger(__name__)


class ConnectionState(str, enum.Enum):
    """Where a streaming connection is in its life (``live.state``)."""

    NEW = "new"  # constructed, start() not called yet
    CONNECTING = "connecting"  # the first handshake is under way
    OPEN = "open"  # connected: messages flow both ways
    RECONNECTING = "reconnecting"  # the connection dropped; a new one is being opened
    FINISHING = "finishing"  # the client asked the server to end the stream (CloseStream)
    CLOSING = "closing"  # the client hangs up: the drop that follows is expected
    CLOSED = "closed"  # ended normally
    FAILED = "failed"  # ended with an error (or the handshake was refused)

    @property
    def started(self) -> bool:
        """The handshake has succeeded once (the stream has threads to stop)."""
        return self not in (ConnectionState.NEW, ConnectionState.CONNECTING)

    @property
    def active(self) -> bool:
        """Between the first handshake and the end (``True`` also while reconnecting)."""
        return self in _ACTIVE

    @property
    def ended(self) -> bool:
        """``CLOSED`` or ``FAILED``: nothing will happen any more."""
        return self in (ConnectionState.CLOSED, ConnectionState.FAILED)


_S = ConnectionState
_ACTIVE = frozenset({_S.OPEN, _S.RECONNECTING, _S.FINISHING, _S.CLOSING})

#: Every allowed transition: ``TRANSITIONS[source]`` is the set of states ``source`` may move to.
TRANSITIONS: Mapping[ConnectionState, frozenset[ConnectionState]] = {
    _S.NEW: frozenset({_S.CONNECTING}),
    _S.CONNECTING: frozenset({_S.OPEN, _S.FAILED}),
    _S.OPEN: frozenset({_S.RECONNECTING, _S.FINISHING, _S.CLOSING, _S.CLOSED, _S.FAILED}),
    _S.RECONNECTING: frozenset({_S.OPEN, _S.FINISHING, _S.CLOSING, _S.FAILED}),
    _S.FINISHING: frozenset({_S.CLOSING, _S.CLOSED, _S.FAILED}),
    _S.CLOSING: frozenset({_S.CLOSED, _S.FAILED}),
    _S.CLOSED: frozenset(),
    _S.FAILED: frozenset(),
}


class IllegalTransitionError(RuntimeError):
    """A move the transition table does not allow: a bug in the caller, never the network."""


class StateMachine:
    """The current :class:`ConnectionState`, changed only by :meth:`move`, under one lock.

    Threads wait for a change with :meth:`wait_while` (the keep-alive and reconnect pauses).

    Args:
        name: how the log names the connection.
        table: the allowed transitions (:data:`TRANSITIONS`).
    """

    def __init__(
        self,
        name: str = "connection",
        table: Mapping[ConnectionState, frozenset[ConnectionState]] = TRANSITIONS,
    ) -> None:
        self._name = name
        self._table = table
        self._state = ConnectionState.NEW
        self._changed = threading.Condition(threading.Lock())

    @property
    def current(self) -> ConnectionState:
        """The state now (it may change as soon as it is read; :meth:`move` is the check)."""
        return self._state

    def move(
        self, target: ConnectionState, *, only_from: Collection[ConnectionState] | None = None
    ) -> bool:
        """Move to ``target``; ``True`` when the state changed.

        With ``only_from``, the move happens only when the current state is one of them, and
        ``False`` says it was not (another thread got there first: e.g. ``close()`` after the
        server closed). Raises :class:`IllegalTransitionError` when the table forbids the move,
        or forbids it from any state listed in ``only_from``.
        """
        sources = () if only_from is None else only_from
        bad = [source for source in sources if target not in self._table[source]]
        if bad:
            names = ", ".join(source.name for source in bad)
            raise IllegalTransitionError(f"{self._name}: no transition {names} -> {target.name}")
        with self._changed:
            source = self._state
            if only_from is not None and source not in only_from:
                return False
            if target not in self._table[source]:
                raise IllegalTransitionError(
                    f"{self._name}: no transition {source.name} -> {target.name}"
                )
            self._state = target
            self._changed.notify_all()
        logger.debug("%s: %s -> %s", self._name, source.name, target.name)
        return True

    def wait_while(self, states: Collection[ConnectionState], timeout: float | None) -> bool:
        """Wait up to ``timeout`` seconds while the state is one of ``states``.

        Returns ``True`` as soon as the state is none of them, ``False`` after the timeout.
        """
        with self._changed:
            return self._changed.wait_for(lambda: self._state not in states, timeout)

    def __repr__(self) -> str:
        return f"<StateMachine {self._name} {self._state.name}>"
