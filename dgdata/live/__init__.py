"""Deepgram's streaming sockets, on websocket-client.

* :mod:`dgdata.live.listen`: live transcription on ``/v1/listen`` (:class:`LiveTranscription`);
* :mod:`dgdata.live.protocol`: its wire messages and close codes, pure functions;
* :mod:`dgdata.live.results`: the results a stream has gathered, as DataFrames on demand;
* :mod:`dgdata.live.sources`: audio sources that feed a stream (WAV files, HTTP URLs);
* :mod:`dgdata.live.view`: handler registration and the read-only views a stream offers.

The public names are re-exported here: ``from dgdata.live import LiveTranscription``.
"""

from __future__ import annotations

from dgdata.live.listen import (
    CloseStatus,
    LiveGap,
    LiveStreamClosedError,
    LiveTranscription,
    LiveTranscriptionEvent,
    open_live,
    stream_url,
    stream_wav,
    transcribe_wav,
    wav_options,
)

__all__ = [
    "CloseStatus",
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
