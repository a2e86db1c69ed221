"""Text-to-speech: ``POST /v1/speak`` (Aura) and ``POST /v2/speak`` (Flux, batch)."""

from __future__ import annotations

import base64
import html
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from requests.structures import CaseInsensitiveDict

from dgdata._http import parse_json
from dgdata._query import merge_options
from dgdata.resources._base import Options, Resource, operation


@dataclass
class SpeakResult:
    """Synthesised audio and what the response headers say about it.

    Attributes:
        audio: the audio bytes (MP3 by default; see the ``encoding``/``container`` options).
        content_type: e.g. ``audio/mpeg``.
        headers: every response header, case-insensitive (``dg-request-id``, ``dg-model-name``,
            ``dg-char-count``…).
    """

    audio: bytes
    content_type: str
    headers: Mapping[str, str] = field(default_factory=CaseInsensitiveDict)

    @property
    def request_id(self) -> str | None:
        return self.headers.get("dg-request-id")

    @property
    def model_name(self) -> str | None:
        return self.headers.get("dg-model-name")

    @property
    def model_uuid(self) -> str | None:
        return self.headers.get("dg-model-uuid")

    @property
    def characters(self) -> int | None:
        value = self.headers.get("dg-char-count")
        return int(value) if value and value.isdigit() else None

    def save(self, path: str | os.PathLike[str]) -> str:
        """Write the audio to ``path``; returns the path."""
        with open(path, "wb") as handle:
            handle.write(self.audio)
        return os.fspath(path)

    def __repr__(self) -> str:
        return (
            f"SpeakResult({len(self.audio)} bytes of {self.content_type}, "
            f"model={self.model_name!r}, request_id={self.request_id!r})"
        )

    def _repr_html_(self) -> str:
        data = base64.b64encode(self.audio).decode("ascii")
        kind = html.escape(self.content_type)
        return f'<audio controls src="data:{kind};base64,{data}"></audio>'


class Speak(Resource):
    """Turn text into speech."""

    @operation("POST", "/v1/speak", upload=True)
    def synthesize(
        self, text: str, options: Options = None, **kwargs: Any
    ) -> SpeakResult | dict[str, Any]:
        """Speak ``text`` with an Aura voice (``model="aura-2-thalia-en"``, ``encoding``, …).

        Returns a :class:`SpeakResult`, or the accepted ``{"request_id"}`` with ``callback=``.
        """
        return self._speak(self.synthesize, text, merge_options(options, kwargs))

    @operation("POST", "/v2/speak", upload=True)
    def flux(
        self, text: str, options: Options = None, **kwargs: Any
    ) -> SpeakResult | dict[str, Any]:
        """Flux batch synthesis: ``model`` (``flux-<voice>-<language>``) is required."""
        params = merge_options(options, kwargs)
        if not params.get("model"):
            raise ValueError("flux() needs model=, e.g. 'flux-alexis-en'")
        return self._speak(self.flux, text, params)

    def _speak(
        self, method: Any, text: str, params: dict[str, Any]
    ) -> SpeakResult | dict[str, Any]:
        if not isinstance(text, str) or not text.strip():
            raise ValueError("text is empty: give the words to speak")
        response = self._send_raw(method, params=params, json={"text": text})
        content_type = response.headers.get("Content-Type", "")
        if content_type.startswith("application/json"):
            return parse_json(response)
        return SpeakResult(
            audio=response.content,
            content_type=content_type,
            headers=CaseInsensitiveDict(response.headers),
        )
