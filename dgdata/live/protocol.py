"""The ``/v1/listen`` WebSocket protocol: events, close codes and handshake errors in plain words.

Used by :mod:`dgdata.live`; nothing here touches the network.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any

from requests.structures import CaseInsensitiveDict

from dgdata.errors import (
    DeepgramApiError,
    DeepgramConnectionError,
    make_api_error,
    parse_error_body,
)

__all__ = ["CloseStatus", "LiveStreamClosedError", "LiveTranscriptionEvent"]

NORMAL_CLOSURE = 1000
NO_CLOSE_FRAME = 1006  # RFC 6455: the connection ended without a close frame
# Close codes after which reconnecting with the same options may help (server restarts, drops).
RECONNECTABLE_CODES = frozenset({1001, 1006, 1012, 1013, 1014})


class LiveTranscriptionEvent(str, enum.Enum):
    """The events of a live stream; handlers are registered with ``live.on(event, fn)``.

    ===================  ==================================================================
    event                the handler is called with
    ===================  ==================================================================
    ``OPEN``             the :class:`~dgdata.live.LiveTranscription` (also after a reconnect)
    ``TRANSCRIPT_RECEIVED``  each ``Results`` message (interim and final), a dict
    ``METADATA``         the ``Metadata`` message sent after ``CloseStream``
    ``UTTERANCE_END``    each ``UtteranceEnd`` message (with ``utterance_end_ms=``)
    ``SPEECH_STARTED``   each ``SpeechStarted`` message (with ``vad_events=true``)
    ``MESSAGE``          every message, whatever its type
    ``ERROR``            an exception: a handler that raised, a bad frame, a close error
    ``CLOSE``            the :class:`CloseStatus` (an ``int`` close code with ``.reason``)
    ===================  ==================================================================

    Strings work too: ``"transcript"``, ``"close"`` or the member names (``"TRANSCRIPT_RECEIVED"``).
    """

    OPEN = "open"
    TRANSCRIPT_RECEIVED = "transcript"
    METADATA = "metadata"
    UTTERANCE_END = "utterance_end"
    SPEECH_STARTED = "speech_started"
    MESSAGE = "message"
    ERROR = "error"
    CLOSE = "close"

    @classmethod
    def coerce(cls, event: LiveTranscriptionEvent | str) -> LiveTranscriptionEvent:
        """The event named by ``event`` (a member, its value, or its name in any case)."""
        if isinstance(event, cls):
            return event
        if isinstance(event, str):
            text = event.strip()
            for member in cls:
                if text.lower() in (member.value, member.name.lower()):
                    return member
            if text.lower() in ("results", "transcript_received"):
                return cls.TRANSCRIPT_RECEIVED
        names = ", ".join(repr(member.value) for member in cls)
        raise ValueError(f"unknown live event {event!r}; expected one of {names}")


#: The event of each message ``type`` Deepgram sends.
MESSAGE_EVENTS: dict[str, LiveTranscriptionEvent] = {
    "Results": LiveTranscriptionEvent.TRANSCRIPT_RECEIVED,
    "Metadata": LiveTranscriptionEvent.METADATA,
    "UtteranceEnd": LiveTranscriptionEvent.UTTERANCE_END,
    "SpeechStarted": LiveTranscriptionEvent.SPEECH_STARTED,
}


class CloseStatus(int):
    """How a live stream ended: an ``int`` close code (seed compatible) with details.

    Attributes:
        reason: the reason text of the close frame (``""`` when there was none).
        error: the error that ended the stream, or ``None`` for a normal close.
    """

    reason: str
    error: Exception | None

    def __new__(cls, code: int, reason: str = "", error: Exception | None = None) -> CloseStatus:
        status = super().__new__(cls, code)
        status.reason = reason
        status.error = error
        return status

    def __repr__(self) -> str:
        return f"CloseStatus({int(self)}, reason={self.reason!r})"


class LiveStreamClosedError(DeepgramConnectionError):
    """A live stream ended abnormally: a close code other than 1000, or a dropped connection.

    Attributes:
        code: the WebSocket close code (1006 when the connection dropped without a close frame).
        reason: the close frame's reason text, e.g. ``"NET-0001"``.
        err_code: Deepgram's error code found in the reason (``NET-0001``, ``DATA-0000``…).
        request_id: the stream's request id, when a message carried one.
    """

    def __init__(
        self,
        message: str,
        *,
        code: int,
        reason: str = "",
        err_code: str | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.err_code = err_code
        self.request_id = request_id
        # Reconnecting helps with drops and restarts, not with bad audio or silence.
        self.retryable = code in RECONNECTABLE_CODES or err_code == "NET-0000"

    def __reduce__(self) -> tuple[Any, ...]:
        return (
            _rebuild_closed,
            (str(self.args[0]), self.code, self.reason, self.err_code, self.request_id),
        )


def _rebuild_closed(
    message: str, code: int, reason: str, err_code: str | None, request_id: str | None
) -> LiveStreamClosedError:
    return LiveStreamClosedError(
        message, code=code, reason=reason, err_code=err_code, request_id=request_id
    )


def deepgram_err_code(reason: str) -> str | None:
    """The ``NET-0001`` / ``DATA-0000`` style code inside a close reason, if any."""
    for word in reason.replace(".", " ").replace(",", " ").replace(":", " ").split():
        head, _, tail = word.partition("-")
        if head.isalpha() and head.isupper() and len(tail) == 4 and tail.isdigit():
            return word
    return None


def explain_close(code: int, reason: str) -> str | None:
    """A plain-words explanation of how Deepgram closed a stream; ``None`` for a normal close."""
    err_code = deepgram_err_code(reason)
    shown = f" ({reason})" if reason and reason != err_code else ""
    if code == NORMAL_CLOSURE and err_code is None:
        return None
    if err_code == "NET-0001":
        return (
            "Deepgram closed the stream: no audio for 10 s (NET-0001); send audio or keep_alive "
            "(the default keep_alive=5.0 sends a KeepAlive while no audio flows)"
        )
    if err_code == "NET-0000":
        return (
            "Deepgram closed the stream: it produced no result in time (NET-0000), a problem on "
            "Deepgram's side; open a new stream, or pass reconnect=True"
        )
    if err_code == "DATA-0000" or code == 1008:
        return (
            f"Deepgram closed the stream: it could not decode the audio ({err_code or code})"
            f"{shown}; check that encoding, sample_rate and channels match the audio sent"
        )
    if code == NO_CLOSE_FRAME:
        return "The connection to Deepgram dropped without a close frame (1006)" + shown
    if code == 1011:
        return f"Deepgram closed the stream with an internal error (1011){shown}"
    if code == 1001:
        return f"Deepgram closed the stream: the server is going away (1001){shown}"
    return f"Deepgram closed the stream with code {code}: {reason or 'no reason given'}"


def close_error(
    code: int, reason: str, request_id: str | None = None, detail: str | None = None
) -> LiveStreamClosedError:
    """The error for an abnormal close; ``detail`` (e.g. why reconnecting failed) is appended."""
    message = explain_close(code, reason) or f"Deepgram closed the stream with code {code}"
    if detail:
        message = f"{message}; {detail}"
    if request_id:
        message = f"Request {request_id}: {message}"
    return LiveStreamClosedError(
        message,
        code=code,
        reason=reason,
        err_code=deepgram_err_code(reason),
        request_id=request_id,
    )


_HANDSHAKE_HINTS = {
    400: "check the live options (model, encoding, sample_rate, …)",
    401: "check the API key or access token",
    402: "the project has run out of credit",
    403: "the key lacks the permission for live transcription",
    404: "check api_url: this server has no /v1/listen WebSocket",
    429: "too many concurrent streams for this project; close some or wait",
}


def handshake_error(
    status: int,
    headers: Mapping[str, str] | None,
    body: bytes | None,
    *,
    secret: str | None = None,
) -> DeepgramApiError:
    """The API error for a refused WebSocket upgrade (status, ``dg-error``, ``dg-request-id``).

    ``secret`` is scrubbed from every text the server sent back, so no error carries it.
    """
    header_map: CaseInsensitiveDict[str] = CaseInsensitiveDict(dict(headers or {}))
    text = (body or b"").decode("utf-8", "replace")
    if secret:
        text = text.replace(secret, "***")
    parsed, err_code, request_id, body_message = parse_error_body(
        text, header_map.get("content-type", "")
    )
    message = header_map.get("dg-error") or body_message or f"HTTP {status}"
    if secret:
        message = message.replace(secret, "***")
    hint = _HANDSHAKE_HINTS.get(
        status, "Deepgram had a problem; try again" if status >= 500 else ""
    )
    full = f"Live transcription was refused: {message}" + (f"; {hint}" if hint else "")
    return make_api_error(
        full,
        status=status,
        headers=header_map,
        request_id=request_id,
        err_code=err_code,
        body=parsed,
    )
