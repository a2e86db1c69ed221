"""Speech-to-text: ``POST /v1/listen`` for recordings (the live socket lives in ``dgdata.live``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dgdata._query import merge_options
from dgdata._sources import AudioSource, prepare_source
from dgdata.resources._base import JSON, Resource, operation


class Transcription(Resource):
    """Transcribe recordings (the seed's ``dg.transcription``)."""

    @operation("POST", "/v1/listen", upload=True)
    def prerecorded(
        self,
        source: AudioSource,
        options: Mapping[str, Any] | None = None,
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


def _as_transcript(body: JSON) -> Any:
    """A Transcript for a transcription; the accepted ``{"request_id"}`` of a callback as is."""
    if isinstance(body, Mapping) and "results" in body:
        from dgdata.transcript import Transcript

        return Transcript(body)
    return body
