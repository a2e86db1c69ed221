"""Deepgram's streaming sockets, on websocket-client.

* :mod:`dgdata.live.listen`: live transcription on ``/v1/listen`` (:class:`LiveTranscription`);
* :mod:`dgdata.live.protocol`: its wire messages and close codes, pure functions;
* :mod:`dgdata.live.results`: the results a stream has gathered, as DataFrames on demand;
* :mod:`dgdata.live.sources`: audio sources that feed a stream (WAV files, HTTP URLs);
* :mod:`dgdata.live.view`: the read-only views a stream offers.

What every streaming socket shares (``/v1/listen`` now; Flux, the speak sockets and the voice
agent will reuse it) lives in private modules: ``_socket`` (the handshake, how a connection
ended), ``_connection`` (the reader and keep-alive threads, the send lock, reconnecting,
closing), ``_state`` (the connection's life as a state machine, :class:`ConnectionState`) and
``_events`` (handlers, errors routed to the ``error`` event).

The public names are re-exported here: ``from dgdata.live import LiveTranscription``.
"""

from __future__ import annotations

from dgdata.live._state import ConnectionState
from dgdata.live.listen import LiveTranscription, open_live, transcribe_wav
from dgdata.live.protocol import CloseStatus, LiveStreamClosedError, LiveTranscriptionEvent
from dgdata.live.results import LiveGap
from dgdata.live.sources import stream_url, stream_wav, wav_options

__all__ = [
    "CloseStatus",
    "ConnectionState",
    "LiveGap",
    "LiveStreamClosedError",
    "LiveTranscription",
    "LiveTranscriptionEvent",
    "open_live",
    "stream_url",
    "stream_wav",
    "transcribe_wav",
    "wav_options",
]
