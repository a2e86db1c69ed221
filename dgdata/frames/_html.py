"""The notebook view of a transcript: a header, then who said what when, HTML-escaped.

Used by :meth:`dgdata.Transcript._repr_html_`. The body is the utterances when there are any,
else the paragraphs of each channel's first alternative, else each channel's plain transcript.
Long transcripts are cut after ``max_segments`` segments or ``max_chars`` characters, with a
note saying how much is hidden.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from html import escape
from typing import Any, NamedTuple

import pandas as pd

from dgdata.frames import transcripts as frames
from dgdata.frames._inputs import dig, mapping

MAX_SEGMENTS = 200
MAX_CHARS = 20_000

_STYLE = (
    "font-family: var(--jp-content-font-family, sans-serif); line-height: 1.45; max-width: 60em"
)
_MUTED = "opacity: 0.65; font-variant-numeric: tabular-nums"


class Segment(NamedTuple):
    """One displayed piece of the transcript."""

    start: float | None
    label: str | None
    text: str


def clock(seconds: Any) -> str:
    """``mm:ss`` (``h:mm:ss`` from one hour); ``"--:--"`` when unknown.

    >>> clock(75.4), clock(3725)
    ('01:15', '1:02:05')
    """
    if not isinstance(seconds, (int, float)) or not math.isfinite(seconds) or seconds < 0:
        return "--:--"
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def model_names(response: Mapping[str, Any]) -> str | None:
    """The models that answered, e.g. ``"2-general-nova (nova-3)"``, from ``metadata``."""
    info = dig(response, "metadata", "model_info")
    if not isinstance(info, Mapping):
        return None
    entries = info.values() if all(isinstance(v, Mapping) for v in info.values()) else [info]
    names = []
    for entry in entries:
        if isinstance(entry, Mapping) and entry.get("name") is not None:
            arch = entry.get("arch")
            names.append(f"{entry['name']} ({arch})" if arch else str(entry["name"]))
    return ", ".join(dict.fromkeys(names)) or None


def segments(response: Mapping[str, Any]) -> tuple[list[Segment], str]:
    """The segments to show and what they are (``"utterances"``, ``"paragraphs"``, …)."""
    channels = _channel_count(response)
    utterances = frames.utterances(response)
    if len(utterances):
        return _labelled(utterances, "transcript", channels), "utterances"
    paragraphs = frames.paragraphs(response)
    paragraphs = paragraphs[paragraphs["alternative"] == 0]
    if len(paragraphs):
        return _labelled(paragraphs, "text", channels), "paragraphs"
    plain = frames.alternatives(response)
    plain = plain[(plain["alternative"] == 0) & plain["transcript"].fillna("").str.len().gt(0)]
    found = [
        Segment(None, f"Channel {channel}" if channels > 1 else None, text)
        for channel, text in zip(plain["channel"], plain["transcript"], strict=True)
    ]
    return found, "channels"


def render(
    response: Mapping[str, Any], *, max_segments: int = MAX_SEGMENTS, max_chars: int = MAX_CHARS
) -> str:
    """The whole HTML view (header + body); every piece of response text is escaped."""
    found, kind = segments(response)
    shown, used = [], 0
    for segment in found[:max_segments]:
        if used >= max_chars:
            break
        text = segment.text
        if used + len(text) > max_chars:
            text = text[: max_chars - used] + "…"
        used += len(text)
        shown.append(_segment_html(segment._replace(text=text)))
    body = "\n".join(shown) or "<p><em>(no transcript text)</em></p>"
    hidden = len(found) - len(shown)
    if hidden or used >= max_chars:
        body += (
            f"\n<p style='{_MUTED}'><em>… transcript truncated: showing {len(shown)} of "
            f"{len(found)} {kind}; use <code>.text</code> or <code>.{kind_view(kind)}</code> "
            "for everything.</em></p>"
        )
    return f"<div class='dgdata-transcript' style='{_STYLE}'>\n{_header(response)}\n{body}\n</div>"


def kind_view(kind: str) -> str:
    """The Transcript property that holds every segment of a kind."""
    return {"channels": "alternatives"}.get(kind, kind)


def _channel_count(response: Mapping[str, Any]) -> int:
    declared = dig(response, "metadata", "channels")
    listed = dig(response, "results", "channels")
    count = len(listed) if isinstance(listed, list) else 0
    return max(count, declared if isinstance(declared, int) else 0)


def _labelled(frame: pd.DataFrame, text_column: str, channels: int) -> list[Segment]:
    found = []
    for channel, speaker, start, text in zip(
        frame["channel"], frame["speaker"], frame["start"], frame[text_column], strict=True
    ):
        parts = []
        if channels > 1 and channel is not pd.NA:
            parts.append(f"Channel {channel}")
        if speaker is not pd.NA:
            parts.append(f"Speaker {speaker}")
        text = "" if text is pd.NA else text
        found.append(Segment(None if math.isnan(start) else start, " · ".join(parts) or None, text))
    return found


def _segment_html(segment: Segment) -> str:
    time = (
        "" if segment.start is None else f"<span style='{_MUTED}'>[{clock(segment.start)}]</span> "
    )
    label = f"<strong>{escape(segment.label)}:</strong> " if segment.label else ""
    return f"<p style='margin: 0.25em 0'>{time}{label}{escape(segment.text)}</p>"


def _header(response: Mapping[str, Any]) -> str:
    metadata = mapping(response.get("metadata"))
    duration = metadata.get("duration")
    seconds = f" ({duration:.1f} s)" if isinstance(duration, (int, float)) else ""
    rows = [
        ("Request", metadata.get("request_id")),
        ("Duration", f"{clock(duration)}{seconds}" if seconds else None),
        ("Model", model_names(response)),
        ("Channels", _channel_count(response) or None),
        ("Created", metadata.get("created")),
    ]
    cells = "".join(
        f"<tr><th style='text-align: left; padding-right: 1em'>{name}</th>"
        f"<td style='text-align: left'>{escape(str(value))}</td></tr>"
        for name, value in rows
        if value is not None
    )
    return (
        "<strong>Deepgram transcript</strong>"
        f"<table style='margin: 0.25em 0 0.75em 0; font-size: 90%'>{cells}</table>"
    )
