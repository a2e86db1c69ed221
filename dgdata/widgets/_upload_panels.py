"""What the upload widget shows per file, and how it reads an uploaded file.

* :func:`read_upload`: the name, bytes and content type of one ``FileUpload`` entry, refusing
  empty and non-audio files before anything is sent;
* :func:`transcript_panel` / :func:`error_panel`: one file's result (transcript, words table,
  downloads) or its error;
* :func:`download_link`: a ``data:`` URI link with a ``download`` file name.
"""

from __future__ import annotations

import base64
import html
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

import ipywidgets as w
import pandas as pd

from dgdata._sources import mimetype_from_name, sniff_mimetype
from dgdata.transcript import Transcript
from dgdata.widgets._browser_common import frame_table
from dgdata.widgets._common import ErrorBox

__all__ = [
    "UploadedFile",
    "download_link",
    "error_panel",
    "read_upload",
    "safe_stem",
    "transcript_panel",
    "unique_name",
]

_OCTET = "application/octet-stream"
_WORD_COLUMNS = {
    "word": "word",
    "punctuated_word": "word",
    "start": "start",
    "end": "end",
    "confidence": "confidence",
    "speaker": "speaker",
    "channel": "channel",
}


@dataclass(frozen=True)
class UploadedFile:
    """One uploaded file, checked: its name, its bytes and the content type to send."""

    name: str
    data: bytes
    mimetype: str


def _content_bytes(content: Any) -> bytes:
    if isinstance(content, (bytes, bytearray, memoryview)):
        return bytes(content)
    if content is None:
        return b""
    raise TypeError(f"the upload's content is a {type(content).__name__}, not bytes")


def read_upload(entry: Mapping[str, Any], name: str) -> UploadedFile:
    """Check one ``FileUpload.value`` entry; ``ValueError`` for an empty or non-audio file.

    The content type is the one the audio's first bytes show, else the browser's (when it is
    ``audio/*`` or ``video/*``), else the one the extension implies. A file the browser calls
    something else (``text/plain``) with no audio signature is refused without being sent; one
    of unknown type is sent as ``application/octet-stream`` for the API to judge.
    """
    data = _content_bytes(entry.get("content"))
    if not data:
        raise ValueError(f"{name} is empty (0 bytes): there is no audio to transcribe.")
    declared = str(entry.get("type") or "").split(";")[0].strip().lower()
    sniffed = sniff_mimetype(data[:16])
    if sniffed:
        return UploadedFile(name, data, sniffed)
    if declared.startswith(("audio/", "video/")):
        return UploadedFile(name, data, declared)
    by_name = mimetype_from_name(name)
    if by_name:
        return UploadedFile(name, data, by_name)
    if declared in ("", _OCTET):
        return UploadedFile(name, data, _OCTET)
    raise ValueError(
        f"{name} is not an audio file (its type is {declared}): choose audio such as WAV, "
        "MP3, FLAC, OGG, M4A or WebM."
    )


def unique_name(name: str, taken: Mapping[str, Any] | set[str]) -> str:
    """``name``, or ``name (2)``, ``name (3)``… when it is already in ``taken``."""
    if name not in taken:
        return name
    path = PurePath(name)
    number = 2
    while (candidate := f"{path.stem} ({number}){path.suffix}") in taken:
        number += 1
    return candidate


def safe_stem(name: str) -> str:
    """A file-name stem safe for downloads: ``"my call.wav"`` → ``"my call"``."""
    stem = re.sub(r"[^\w.\- ()]+", "_", PurePath(name).stem).strip(" ._")
    return stem or "transcript"


def download_link(
    content: str | bytes, filename: str, mimetype: str, label: str, css_class: str
) -> str:
    """An ``<a download=… href="data:…;base64,…">`` link (works offline, no server round trip)."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    encoded = base64.b64encode(data).decode("ascii")
    return (
        f'<a class="dgdata-download {css_class}" download="{html.escape(filename)}" '
        f'href="data:{mimetype};base64,{encoded}" target="_blank" '
        f'style="margin-right:1.2em">&#11015; {html.escape(label)}</a>'
    )


def _downloads(name: str, transcript: Transcript) -> str:
    stem = safe_stem(name)
    links = [
        download_link(
            transcript.words.to_csv(index=False),
            f"{stem}.words.csv",
            "text/csv;charset=utf-8",
            "words (CSV)",
            "dgdata-download-csv",
        )
    ]
    try:
        srt = transcript.to_srt()
    except ValueError as exc:  # no timed words: say so instead of an empty file
        links.append(f'<span style="color:#555">No SRT: {html.escape(str(exc))}</span>')
    else:
        links.append(
            download_link(
                srt, f"{stem}.srt", "application/x-subrip", "captions (SRT)", "dgdata-download-srt"
            )
        )
    links.append(
        download_link(
            json.dumps(transcript, ensure_ascii=False, indent=2),
            f"{stem}.json",
            "application/json",
            "response (JSON)",
            "dgdata-download-json",
        )
    )
    return "".join(links)


def _header(name: str, detail: str) -> w.HTML:
    header = w.HTML(
        f"<h4 style='margin:.6em 0 .2em'>{html.escape(name)} "
        f"<span style='font-weight:normal;color:#555'>{html.escape(detail)}</span></h4>"
    )
    header.add_class("dgdata-upload-filename")
    return header


def _word_columns(words: pd.DataFrame) -> dict[str, str]:
    """The words table's columns: the punctuated word when there is one, speaker and channel
    only when they say something."""
    columns = {
        column: label
        for column, label in _WORD_COLUMNS.items()
        if column in words.columns and words[column].notna().any()
    }
    if "punctuated_word" in columns:
        del columns["word"]
    if "channel" in columns and words["channel"].nunique() <= 1:
        del columns["channel"]
    return columns


def transcript_panel(name: str, transcript: Transcript, *, max_rows: int) -> w.VBox:
    """One file's result: the transcript (speakers, times), the words table and downloads."""
    words = transcript.words
    view = w.HTML(transcript._repr_html_())
    view.add_class("dgdata-upload-transcript")
    columns = _word_columns(words)
    table = w.HTML(
        frame_table(
            words,
            max_rows=max_rows,
            css_class="dgdata-upload-words-rows",
            columns=columns,
            noun="words",
            empty="No words were recognised.",
        )
    )
    table.add_class("dgdata-upload-words")
    downloads = w.HTML(_downloads(name, transcript))
    downloads.add_class("dgdata-upload-downloads")
    duration = transcript.duration
    detail = f"{duration:.1f} s, {len(words)} words" if duration is not None else ""
    panel = w.VBox([_header(name, detail), view, table, downloads])
    panel.add_class("dgdata-upload-file")
    panel.add_class("dgdata-upload-ok")
    return panel


def error_panel(name: str, error: BaseException) -> w.VBox:
    """One file's failure, as a sentence (never a traceback)."""
    box = ErrorBox()
    box.add_class("dgdata-upload-error")
    box.show(error)
    panel = w.VBox([_header(name, "not transcribed"), box])
    panel.add_class("dgdata-upload-file")
    panel.add_class("dgdata-upload-failed")
    return panel
