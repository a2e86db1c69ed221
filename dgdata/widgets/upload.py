"""``UploadTranscriber``: upload audio files in the notebook, transcribe them, look, download.

Example::

    from dgdata.widgets import UploadTranscriber
    upload = UploadTranscriber(dg, diarize=True, smart_format=True)
    upload                          # choose files, set the options, click "Transcribe"
    upload.wait()                   # the button works in a background thread
    upload.results["call.wav"].words.groupby("speaker").confidence.mean()
    upload.words                    # every word of every file, with a ``source`` column

Keywords preset the controls (``model``, ``language``, ``smart_format``, ``punctuate``,
``diarize``, ``utterances``, ``paragraphs``); any other ``/v1/listen`` option (``keywords=``,
``tag=``, ``redact=`` …) is sent as given with every file; a misspelt one raises ``TypeError``.
The model list comes from ``dg.models.list()`` (speech-to-text models that serve prerecorded
audio); if that fails the error is shown and the model is a text field instead.

Each file is sent with ``dg.transcription.prerecorded({"buffer": bytes, "mimetype": …})``, one
after another, the progress bar advancing per file. A file that is empty, is not audio or that
the API refuses gets its error inline; the others are still transcribed. Each transcribed file
shows the transcript with speakers and times, the first ``max_rows`` words, and download links
(``data:`` URIs): the words as CSV, SRT captions, the JSON response.

CSS classes, for tests driving a real browser:

=====================  ===================================================================
control                CSS class
=====================  ===================================================================
the widget             ``dgdata-upload``
file chooser           ``dgdata-upload-files``
options                ``dgdata-upload-model`` (a dropdown, or a text field if the models
                       could not be listed), ``dgdata-upload-language``,
                       ``dgdata-upload-smart_format``, ``dgdata-upload-punctuate``,
                       ``dgdata-upload-diarize``, ``dgdata-upload-utterances``,
                       ``dgdata-upload-paragraphs``
Transcribe button      ``dgdata-upload-transcribe``
progress bar           ``dgdata-upload-progress``
messages               ``dgdata-upload-message`` (``.dgdata-error`` / ``.dgdata-note`` inside)
results                ``dgdata-upload-results``, one ``dgdata-upload-file`` per file, also
                       ``dgdata-upload-ok`` or ``dgdata-upload-failed``; inside it
                       ``dgdata-upload-filename``, then ``dgdata-upload-transcript``,
                       ``dgdata-upload-words`` (``table.dgdata-table``),
                       ``dgdata-upload-downloads`` (links ``a.dgdata-download-csv``,
                       ``a.dgdata-download-srt``, ``a.dgdata-download-json``), or
                       ``dgdata-upload-error`` for a file that failed
=====================  ===================================================================
"""

from __future__ import annotations

import html
import logging
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

import ipywidgets as w
import pandas as pd

from dgdata import frames
from dgdata.transcript import Transcript
from dgdata.widgets._browser_common import classed, make_button
from dgdata.widgets._common import ErrorBox, check_options, describe_error
from dgdata.widgets._upload_panels import error_panel, read_upload, transcript_panel, unique_name

if TYPE_CHECKING:  # pragma: no cover
    from dgdata.client import Deepgram

__all__ = ["ACCEPT", "CHECKBOX_OPTIONS", "UploadTranscriber", "stt_models"]

logger = logging.getLogger(__name__)

#: What the file chooser accepts.
ACCEPT = "audio/*,.wav,.mp3,.flac,.ogg,.m4a,.webm"
#: The ``/v1/listen`` switches that have a checkbox.
CHECKBOX_OPTIONS = ("smart_format", "punctuate", "diarize", "utterances", "paragraphs")
DEFAULT_ROWS = 20
_OWN_OPTIONS = ("max_rows", "background")
_TRUE = ("true", "1", "yes", "on")


def stt_models(catalogue: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """The speech-to-text model names that serve prerecorded audio, and their languages.

    From a ``/v1/models`` answer: ``canonical_name`` (else ``name``) of every ``stt`` entry
    whose ``batch`` is not false, in the catalogue's order, without repeats.
    """
    names: list[str] = []
    languages: list[str] = []
    for model in catalogue.get("stt") or []:
        if not isinstance(model, Mapping) or model.get("batch") is False:
            continue
        name = model.get("canonical_name") or model.get("name")
        if isinstance(name, str) and name and name not in names:
            names.append(name)
        for language in model.get("languages") or []:
            if isinstance(language, str) and language not in languages:
                languages.append(language)
    return names, languages


def _as_bool(value: Any) -> bool:
    return value.strip().lower() in _TRUE if isinstance(value, str) else bool(value)


class UploadTranscriber(w.VBox):
    """Transcribe uploaded audio files with the chosen options; keep the Transcripts.

    ``UploadTranscriber(dg, max_rows=20, background=True, **listen_options)``. ``max_rows``
    caps each words table; with ``background`` the button transcribes in a thread (the
    notebook stays usable; :meth:`wait` for the end), else in the click handler.
    """

    def __init__(self, dg: Deepgram, **options: Any) -> None:
        check_options(options, _OWN_OPTIONS, "UploadTranscriber", listen=True)
        presets = dict(options)
        self._dg = dg
        #: Rows of each file's words table.
        self.max_rows = int(presets.pop("max_rows", DEFAULT_ROWS))
        #: Whether the button transcribes in a background thread.
        self.background = _as_bool(presets.pop("background", True))
        #: Errors and news (the model list failing, the run's summary).
        self.message = classed(ErrorBox(), "dgdata-upload-message")
        #: The file chooser (several files, audio types).
        self.files = classed(
            w.FileUpload(accept=ACCEPT, multiple=True, description="Audio files"),
            "dgdata-upload-files",
        )
        languages = self._build_model_control(presets.pop("model", None))
        #: The language (blank: the model's default); suggestions from the model list.
        self.language = w.Combobox(
            value=str(presets.pop("language", "") or ""),
            options=languages,
            ensure_option=False,
            description="Language",
            placeholder="blank: the model's",
        )
        self.language.add_class("dgdata-upload-language")
        #: One checkbox per switch of :data:`CHECKBOX_OPTIONS`.
        self.checkboxes = {
            name: self._checkbox(name, _as_bool(presets.pop(name, False)))
            for name in CHECKBOX_OPTIONS
        }
        #: The other ``/v1/listen`` options given to the constructor, sent as they are.
        self.extra_options: dict[str, Any] = presets
        #: Transcribes the chosen files (:meth:`start`, or :meth:`transcribe` in the foreground).
        self.transcribe_button = make_button(
            "Transcribe", "dgdata-upload-transcribe", style="primary", icon="play"
        )
        #: Files done out of files chosen.
        self.progress = classed(
            w.IntProgress(value=0, min=0, max=1, description="0/0"), "dgdata-upload-progress"
        )
        #: One panel per file of the last run.
        self.output = classed(w.VBox(), "dgdata-upload-results")
        #: Every file transcribed by this widget: file name -> Transcript, in order.
        self.results: dict[str, Transcript] = {}
        #: The files of the last run that failed: file name -> what went wrong.
        self.errors: dict[str, str] = {}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        super().__init__(self._layout())
        self.add_class("dgdata-upload")
        self.transcribe_button.on_click(self._on_click)

    # ------------------------------------------------------------------ construction
    def _build_model_control(self, preset: Any) -> list[str]:
        """Fill :attr:`model` from ``dg.models.list()``; returns the languages it names."""
        chosen = str(preset or "")
        try:
            names, languages = stt_models(self._dg.models.list())
        except Exception as exc:  # shown inline; the model becomes a text field
            self.message.show(
                f"Could not list the models ({describe_error(exc)}); type a model name instead."
            )
            #: The model (value "": the server's default).
            self.model: w.Dropdown | w.Text = w.Text(
                value=chosen, description="Model", placeholder="e.g. nova-3"
            )
            names, languages = [], []
        else:
            choices = [("(default)", ""), *((name, name) for name in names)]
            if chosen and chosen not in names:
                choices.append((chosen, chosen))
            self.model = w.Dropdown(options=choices, value=chosen, description="Model")
        self.model.add_class("dgdata-upload-model")
        return languages

    @staticmethod
    def _checkbox(name: str, value: bool) -> w.Checkbox:
        box = w.Checkbox(value=value, description=name, indent=False, layout=w.Layout(width="auto"))
        box.add_class(f"dgdata-upload-{name}")
        return box

    def _layout(self) -> list[w.Widget]:
        switches = w.HBox(list(self.checkboxes.values()))
        extra = ", ".join(f"{k}={_shown(v)!r}" for k, v in self.extra_options.items())
        shown = html.escape(extra)
        note = [w.HTML(f"<span style='color:#555'>Also sent: {shown}</span>")] if extra else []
        return [
            self.files,
            w.HBox([self.model, self.language]),
            switches,
            *note,
            w.HBox([self.transcribe_button, self.progress]),
            self.message,
            self.output,
        ]

    # ------------------------------------------------------------------ state
    @property
    def options(self) -> dict[str, Any]:
        """The ``/v1/listen`` options the next run sends (switches only when on)."""
        chosen = dict(self.extra_options)
        model = str(self.model.value or "").strip()
        if model:
            chosen["model"] = model
        language = str(self.language.value or "").strip()
        if language:
            chosen["language"] = language
        chosen.update({name: True for name, box in self.checkboxes.items() if box.value})
        return chosen

    @property
    def running(self) -> bool:
        """Whether a background run is going on."""
        return self._thread is not None and self._thread.is_alive()

    @property
    def words(self) -> pd.DataFrame:
        """Every word of every transcript in :attr:`results`, with a ``source`` column."""
        return frames.words(self.results if self.results else [])

    # ------------------------------------------------------------------ actions
    def _on_click(self, _button: w.Button) -> None:
        if self.background:
            self.start()
        else:
            self.transcribe()

    def start(self) -> threading.Thread:
        """Run :meth:`transcribe` in a background thread (what the button does by default)."""
        if self._thread is not None and self._thread.is_alive():
            self.message.note("Already transcribing: wait for it to finish.")
            return self._thread
        self._thread = threading.Thread(target=self._run, name="dgdata-upload", daemon=True)
        self._thread.start()
        return self._thread

    def _run(self) -> None:
        try:
            self.transcribe()
        except Exception as exc:  # a thread's failure is shown, not lost in a log
            self.message.show(exc)

    def wait(self, timeout: float | None = None) -> dict[str, Transcript]:
        """Wait for a background run; returns :attr:`results`. ``TimeoutError`` if it goes on."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
            if thread.is_alive():
                raise TimeoutError(f"the transcription is still running after {timeout} s")
        return self.results

    def transcribe(self) -> dict[str, Transcript]:
        """Transcribe the chosen files now, one by one; returns :attr:`results`.

        Failures are per file, shown inline and listed in :attr:`errors`; nothing is raised.
        """
        if not self._lock.acquire(blocking=False):
            self.message.note("Already transcribing: wait for it to finish.")
            return self.results
        try:
            self._transcribe_all(list(self.files.value))
        finally:
            self._lock.release()
        return self.results

    def _transcribe_all(self, uploads: list[Mapping[str, Any]]) -> None:
        self.message.clear()
        if not uploads:
            self.message.show("Choose one or more audio files first.")
            return
        options, self.errors = self.options, {}
        self.output.children = ()
        self.progress.max, self.progress.value, self.progress.bar_style = len(uploads), 0, ""
        self.progress.description = f"0/{len(uploads)}"
        self.transcribe_button.disabled = True
        seen: set[str] = set()
        try:
            for entry in uploads:
                name = unique_name(str(entry.get("name") or "audio"), seen)
                seen.add(name)
                panel = self._transcribe_one(entry, name, options)
                self.output.children = (*self.output.children, panel)
                self.progress.value += 1
                self.progress.description = f"{self.progress.value}/{len(uploads)}"
        finally:
            self.transcribe_button.disabled = False
        self._summarize(len(uploads))

    def _transcribe_one(
        self, entry: Mapping[str, Any], name: str, options: dict[str, Any]
    ) -> w.VBox:
        try:
            upload = read_upload(entry, name)
            source = {"buffer": upload.data, "mimetype": upload.mimetype}
            transcript = self._dg.transcription.prerecorded(source, options)
            panel = transcript_panel(name, transcript, max_rows=self.max_rows)
        except Exception as exc:  # one file's failure never stops the others
            self.errors[name] = describe_error(exc)
            logger.debug("could not transcribe %s: %s", name, self.errors[name])
            return error_panel(name, exc)
        self.results.pop(name, None)  # a file sent again moves to the end
        self.results[name] = transcript
        return panel

    def _summarize(self, total: int) -> None:
        failed = len(self.errors)
        done = total - failed
        self.progress.bar_style = "success" if not failed else ("warning" if done else "danger")
        if failed:
            self.message.show(
                f"Transcribed {done} of {total} files; {failed} could not be transcribed "
                "(the reason is shown with each)."
            )
        else:
            self.message.note(f"Transcribed {total} file{'s' if total != 1 else ''}.")


def _shown(value: Any) -> Any:
    """An option as it may be shown: a URL's user and password (a callback's) are masked."""
    if isinstance(value, str) and "@" in value and "://" in value:
        parts = urlsplit(value)
        if parts.username or parts.password:
            host = parts.hostname or ""
            netloc = f"***@{host}" + (f":{parts.port}" if parts.port else "")
            return urlunsplit(parts._replace(netloc=netloc))
    return value
