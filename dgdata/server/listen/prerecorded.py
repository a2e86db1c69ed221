"""Prerecorded transcription for ``POST /v1/listen``: a recording in, the listen response out.

The recording is a :class:`~dgdata.server.audio.media.Media`: bytes, or the file an upload was
spooled to (:mod:`dgdata.server.listen.uploads`). Its header is checked here (media that is not
audio is a 400 before any decoder is waited for); then each channel (or the mixdown) is decoded
and recognised block by block by :func:`dgdata.server.asr.recording.recognize_lane` in the
server's worker processes (:mod:`dgdata.server.asr.processes`: pocketsphinx holds the GIL while
it decodes), which read the file themselves: memory stays bounded whatever the recording's
length. Runs in a worker thread: every function here blocks.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dgdata.server.asr import engine as asr
from dgdata.server.asr.live_engine import RecognizerBusy
from dgdata.server.asr.processes import ProcessRecognizer
from dgdata.server.asr.recording import Decoding, LaneResult, recognize_lane
from dgdata.server.audio import decode as audio
from dgdata.server.audio.media import Media
from dgdata.server.backend import catalog
from dgdata.server.listen import response as transcribe
from dgdata.server.listen import summaries as text_summary
from dgdata.server.listen.options import ListenOptions
from dgdata.server.state import LocalModel, local_model

__all__ = ["CORRUPT_AUDIO", "DECODER_WAIT", "SUMMARY_MODEL", "Transcribed", "UnsupportedAudio",
           "transcribe_media"]  # fmt: skip

#: The real API's message for audio it cannot decode.
CORRUPT_AUDIO = audio.ERR_MSG
#: Seconds a request waits for a free decoder.
DECODER_WAIT = 60.0
#: The local summariser, as ``summary_info`` names it (see :mod:`dgdata.server.listen.summaries`).
SUMMARY_MODEL = "dgdata-local-extractive-summary"


class UnsupportedAudio(ValueError):
    """Empty, corrupt or non-audio media (400 with :data:`CORRUPT_AUDIO`)."""


@dataclass
class Transcribed:
    """A finished transcription: the response, and what usage needs."""

    response: dict[str, Any]
    duration: float
    channels: int
    tokens_in: int = 0
    tokens_out: int = 0


def _decoding(options: ListenOptions) -> Decoding:
    return Decoding(options.encoding, options.sample_rate, options.channels)


def _channels(media: Media, decoding: Decoding) -> int:
    """The recording's channel count, from its header; :class:`UnsupportedAudio` if not audio."""
    try:
        with decoding.open(media) as decoder:
            return decoder.channels
    except audio.UnsupportedAudio:
        raise UnsupportedAudio(CORRUPT_AUDIO) from None  # exc.detail is internal


def _recognize(
    media: Media,
    decoding: Decoding,
    lane: int | None,
    recognizer: ProcessRecognizer,
    language: str | None,
) -> LaneResult:
    """Lane ``lane`` recognised in a worker, in ``language`` (None: the engine detects it)."""
    recognize = functools.partial(recognize_lane, language=language)  # picklable: a worker runs it
    try:
        return recognizer.run(recognize, media, decoding, lane, timeout=DECODER_WAIT)
    except audio.UnsupportedAudio:
        raise UnsupportedAudio(CORRUPT_AUDIO) from None
    except asr.PoolExhausted as exc:
        raise RecognizerBusy(str(exc)) from None


def _summarize(response: dict[str, Any], words: list[list[asr.Word]]) -> tuple[int, int]:
    """Add ``results.summary`` (extractive; see :mod:`dgdata.server.listen.summaries`) in the
    real ``summarize=v2`` shape, and ``metadata.summary_info``; the tokens in and out."""
    text = " ".join(
        transcribe.format_alternative(channel, {"punctuate": True})["transcript"]
        for channel in words
    ).strip()
    summary = text_summary.summarize(text)
    tokens_in, tokens_out = text_summary.count_tokens(text), text_summary.count_tokens(summary)
    metadata = response["metadata"]
    metadata["summary_info"] = {
        "model_uuid": catalog.model_uuid(SUMMARY_MODEL),
        "input_tokens": tokens_in,
        "output_tokens": tokens_out,
    }
    warnings = [w for w in metadata.get("warnings", []) if w.get("parameter") != "summarize"]
    if warnings:
        metadata["warnings"] = warnings
    else:
        metadata.pop("warnings", None)
    response["results"]["summary"] = {"result": "success", "short": summary}
    return tokens_in, tokens_out


def transcribe_media(
    media: Media,
    options: ListenOptions,
    *,
    request_id: str,
    created: datetime,
    recognizer: ProcessRecognizer,
    model: LocalModel | None = None,
) -> Transcribed:
    """Transcribe a recording (blocking), each channel in a worker of ``recognizer``, whose
    engine and weights ``model`` describes (the response's ``model_info``; default: what the
    recogniser's engine choice means here).

    Without ``multichannel`` the channels are mixed down and recognised once. With
    ``summarize`` the transcript also gets an extractive summary. Raises
    :class:`UnsupportedAudio` for media that cannot be decoded and
    :class:`~dgdata.server.asr.live_engine.RecognizerBusy` when no decoder frees up in
    :data:`DECODER_WAIT` seconds.
    """
    decoding = _decoding(options)
    channels = _channels(media, decoding)
    lanes: list[int | None] = list(range(channels)) if options.multichannel else [None]
    model = model or local_model(recognizer.engine)
    language = transcribe.recognition_language(options.values, model)
    results = [_recognize(media, decoding, lane, recognizer, language) for lane in lanes]
    words = [result.words for result in results]
    response = transcribe.build_listen_response(
        results[0],
        words,
        options.values,
        request_id=request_id,
        created=created,
        sha256=media.sha256(),
        model=model,
        languages=[(result.language, result.language_confidence) for result in results],
    )
    tokens = (0, 0)
    if options.summarize:
        tokens = _summarize(response, words)
    return Transcribed(response, results[0].duration, results[0].channels, *tokens)
