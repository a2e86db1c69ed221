"""Speech-to-text: ``POST /v1/listen`` for recordings (the live socket lives in ``dgdata.live``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dgdata._query import merge_options
from dgdata._sources import AudioSource, prepare_source
from dgdata.options import ListenOptions
from dgdata.resources._base import JSON, Resource, operation


class Transcription(Resource):
    """Transcribe recordings (the seed's ``dg.transcription``)."""

    @operation("POST", "/v1/listen", upload=True)
    def prerecorded(
        self,
        source: AudioSource,
        options: ListenOptions | Mapping[str, Any] | None = None,
        *,
        timeout: float | tuple[float, float] | None = None,
        **kwargs: Any,
    ) -> Any:
        """Transcribe a recording; returns a :class:`dgdata.Transcript`.

        ``source`` is a path, bytes, an open binary file, ``{"url": …}`` or the seed's
        ``{"buffer": …, "mimetype": …}``. Options are the query parameters of ``/v1/listen``
        (``model``, ``smart_format``, ``diarize``, ``keywords``, …) as a dict or keywords; unknown
        names pass through. With ``callback=`` the API answers at once and this returns the
        accepted ``{"request_id": …}``. ``timeout`` overrides the read timeout of this call.

        Example::

            t = dg.transcription.prerecorded("call.wav", model="nova-3", smart_format=True)
            t.text
        """
        params = merge_options(options, kwargs)
        with prepare_source(source, mimetype=params.pop("mimetype", None)) as prepared:
            body = self._send(
                self.prerecorded,
                params=params,
                json=prepared.json,
                data=prepared.data,
                headers=prepared.headers,
                timeout=timeout,
            )
        return _as_transcript(body)

    sync_prerecorded = prerecorded

    def live(
        self,
        options: Mapping[str, Any] | None = None,
        *,
        keep_alive: float | None = 5.0,
        reconnect: bool | int = False,
        connect_timeout: float | None = None,
        handlers: Mapping[Any, Any] | None = None,
        **kwargs: Any,
    ) -> Any:
        """Open a live transcription WebSocket: a started :class:`dgdata.live.LiveTranscription`.

        Options are the query parameters of ``/v1/listen`` (as a dict and/or keywords).
        ``keep_alive`` is the idle time (s) after which a KeepAlive is sent (``None`` turns it
        off); ``reconnect=True`` (or a number of attempts) reconnects after a drop;
        ``handlers`` maps events to functions registered before the socket opens. A refused
        handshake raises ``AuthenticationError`` (401), ``BadRequestError`` (400), ….

        Example::

            live = dg.transcription.live(model="nova-3", encoding="linear16", sample_rate=16000)
            live.on("transcript", print)
            live.send(chunk)
            metadata = live.finish()
        """
        from dgdata.live import open_live

        return open_live(
            self._transport.config,
            merge_options(options, kwargs),
            keep_alive=keep_alive,
            reconnect=reconnect,
            connect_timeout=connect_timeout,
            handlers=handlers,
        )

    def live_wav(
        self,
        path: Any,
        options: Mapping[str, Any] | None = None,
        *,
        realtime: bool = True,
        chunk_ms: int = 100,
        timeout: float = 30.0,
        keep_alive: float | None = 5.0,
        reconnect: bool | int = False,
        handlers: Mapping[Any, Any] | None = None,
        **kwargs: Any,
    ) -> Any:
        """Stream a WAV file over the live socket and return the finished ``LiveTranscription``.

        ``encoding``, ``sample_rate`` and ``channels`` come from the WAV header;
        ``realtime=True`` paces the audio at its own speed. ``timeout`` bounds the wait for
        the last results after the audio is sent.

        Example::

            live = dg.transcription.live_wav("call.wav", realtime=False, model="nova-3")
            live.words, live.latency_summary()
        """
        from dgdata.live import transcribe_wav

        return transcribe_wav(
            self._transport.config,
            path,
            merge_options(options, kwargs),
            realtime=realtime,
            chunk_ms=chunk_ms,
            timeout=timeout,
            keep_alive=keep_alive,
            reconnect=reconnect,
            handlers=handlers,
        )


def _as_transcript(body: JSON) -> Any:
    """A Transcript for a transcription; the accepted ``{"request_id"}`` of a callback as is."""
    if isinstance(body, Mapping) and "results" in body:
        from dgdata.transcript import Transcript

        return Transcript(body)
    return body
