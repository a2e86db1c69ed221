"""UploadTranscriber against the local server, without a browser.

Uploads are simulated by setting ``FileUpload.value`` the way ipywidgets 8 fills it (a tuple of
dicts with name, type, size, content as a memoryview, last_modified) and clicks with
``button.click()``. One module-wide run transcribes two sample recordings next to an empty
file, a text file and a corrupt "WAV"; most tests look at that run.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ipywidgets as w
import pandas as pd
import pytest
import requests

import dgdata
from dgdata import Deepgram, Transcript
from dgdata.server.runner import LocalServer
from dgdata.widgets import UploadTranscriber
from dgdata.widgets import upload as upload_module
from dgdata.widgets._upload_panels import safe_stem, unique_name
from tests.widgets import css_classes, documented_classes

SAMPLES = Path(dgdata.__file__).parent / "data" / "samples"
NAMES = ["hello.wav", "empty.wav", "notes.txt", "broken.wav", "callback.wav"]


def entry(name: str, kind: str, content: bytes) -> dict[str, Any]:
    """One file as ipywidgets 8's FileUpload holds it."""
    return {
        "name": name,
        "type": kind,
        "size": len(content),
        "content": memoryview(content),
        "last_modified": dt.datetime(2024, 6, 1, tzinfo=dt.timezone.utc),
    }


def sample(name: str) -> dict[str, Any]:
    return entry(name, "audio/wav", (SAMPLES / name).read_bytes())


def bad_files() -> tuple[dict[str, Any], ...]:
    return (
        entry("empty.wav", "audio/wav", b""),
        entry("notes.txt", "text/plain", b"hello this is a text file, not audio\n"),
    )


def panels(upload: UploadTranscriber) -> dict[str, w.VBox]:
    """The result panels by file name (the name is the panel's first widget)."""
    found = {}
    for panel in upload.output.children:
        header = panel.children[0].value
        name = re.search(r"<h4[^>]*>([^<]+?) <span", header)
        assert name, header
        found[name.group(1)] = panel
    return found


def part(panel: w.VBox, css_class: str) -> Any:
    """The child of a result panel with this CSS class."""
    matches = [child for child in panel.children if css_class in child._dom_classes]
    assert len(matches) == 1, [child._dom_classes for child in panel.children]
    return matches[0]


def table_rows(html_text: str) -> list[list[str]]:
    """The cells of every row of an HTML table (header included), unescaped."""
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", html_text, re.DOTALL)
    return [
        [
            html.unescape(cell.strip())
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.DOTALL)
        ]
        for row in rows
    ]


def decoded_link(html_text: str, css_class: str) -> tuple[str, str, bytes]:
    """(download file name, media type, content) of the data: link with this class."""
    link = re.search(
        rf'<a class="[^"]*\b{css_class}\b[^"]*" download="([^"]+)" '
        r'href="data:([^;]+)[^,]*,([^"]+)"',
        html_text,
    )
    assert link, html_text
    return link.group(1), link.group(2), base64.b64decode(link.group(3))


@pytest.fixture(scope="module")
def module_dg(demo_server: LocalServer) -> Iterator[Deepgram]:
    client = Deepgram(api_key=demo_server.api_key, api_url=demo_server.url, max_retries=0)
    yield client
    client.close()


@pytest.fixture(scope="module")
def run(module_dg: Deepgram) -> UploadTranscriber:
    """Five files, transcribed by clicking the button (a background thread), then waited for."""
    upload = UploadTranscriber(
        module_dg, diarize=True, utterances=True, smart_format=True, tag="widget-test", max_rows=3
    )
    empty, text = bad_files()
    corrupt = entry("broken.wav", "audio/wav", b"not really a wav file " * 100)
    upload.files.value = (sample("hello.wav"), empty, text, corrupt, sample("callback.wav"))
    upload.transcribe_button.click()
    upload.wait(timeout=90)
    return upload


# ---------------------------------------------------------------------------- the main run


def test_results_hold_a_transcript_per_audio_file_in_upload_order(run: UploadTranscriber) -> None:
    assert list(run.results) == ["hello.wav", "callback.wav"]
    assert all(isinstance(t, Transcript) for t in run.results.values())
    assert run.results["hello.wav"].text.lower().replace(",", "").rstrip(".") == (
        "hello this is a speech test"  # Whisper writes "Hello, this ..."
    )
    assert "call me back" in run.results["callback.wav"].text.lower()


def test_each_bad_file_gets_its_own_inline_error_and_the_rest_are_transcribed(
    run: UploadTranscriber,
) -> None:
    assert set(run.errors) == {"empty.wav", "notes.txt", "broken.wav"}
    shown = panels(run)
    assert list(shown) == NAMES
    for name in run.errors:
        assert "dgdata-upload-failed" in shown[name]._dom_classes
        message = part(shown[name], "dgdata-upload-error").text
        assert message == run.errors[name]
        assert "Traceback" not in message
    assert "empty (0 bytes)" in run.errors["empty.wav"]
    assert "not an audio file" in run.errors["notes.txt"]
    assert "HTTP 400" in run.errors["broken.wav"]
    for name in run.results:
        assert "dgdata-upload-ok" in shown[name]._dom_classes
    assert "Transcribed 2 of 5 files" in run.message.text


def test_the_progress_bar_reached_the_end(run: UploadTranscriber) -> None:
    assert (run.progress.value, run.progress.max) == (5, 5)
    assert run.progress.description == "5/5"
    assert run.progress.bar_style == "warning"  # some files failed
    assert not run.running
    assert not run.transcribe_button.disabled


def test_the_transcript_view_has_speakers_and_times(run: UploadTranscriber) -> None:
    view = part(panels(run)["hello.wav"], "dgdata-upload-transcript").value
    assert view == run.results["hello.wav"]._repr_html_()
    assert "Speaker 0:" in view
    assert "[00:00]" in view
    assert "speech test" in view.lower()


def test_the_words_table_shows_the_first_rows_and_says_how_many_there_are(
    run: UploadTranscriber,
) -> None:
    table = part(panels(run)["hello.wav"], "dgdata-upload-words").value
    words = run.results["hello.wav"].words
    assert len(words) == 6
    assert table.count("<tr") == 1 + 3  # the header and max_rows=3 rows
    assert "Showing the first 3 of 6 words." in table
    header, *rows = table_rows(table)
    assert header == ["word", "start", "end", "confidence", "speaker"]
    assert [row[0] for row in rows] == words["punctuated_word"].head(3).tolist()
    assert [row[4] for row in rows] == ["0", "0", "0"]


def test_the_csv_download_decodes_to_the_words(run: UploadTranscriber) -> None:
    links = part(panels(run)["hello.wav"], "dgdata-upload-downloads").value
    filename, media_type, content = decoded_link(links, "dgdata-download-csv")
    assert (filename, media_type) == ("hello.words.csv", "text/csv")
    csv = pd.read_csv(io.BytesIO(content))
    words = run.results["hello.wav"].words
    assert csv["word"].tolist() == words["word"].tolist()
    assert csv["start"].tolist() == pytest.approx(words["start"].tolist())


def test_the_srt_download_has_timed_cues(run: UploadTranscriber) -> None:
    links = part(panels(run)["callback.wav"], "dgdata-upload-downloads").value
    filename, media_type, content = decoded_link(links, "dgdata-download-srt")
    assert (filename, media_type) == ("callback.srt", "application/x-subrip")
    srt = content.decode("utf-8")
    assert srt == run.results["callback.wav"].to_srt()
    assert re.search(r"^00:00:\d\d,\d{3} --> 00:00:\d\d,\d{3}$", srt, re.MULTILINE)
    assert "call me back" in srt.lower()


def test_the_json_download_is_the_response(run: UploadTranscriber) -> None:
    links = part(panels(run)["hello.wav"], "dgdata-upload-downloads").value
    filename, _, content = decoded_link(links, "dgdata-download-json")
    assert filename == "hello.json"
    assert Transcript.load(content) == run.results["hello.wav"]


def test_the_chosen_options_were_sent(
    run: UploadTranscriber, module_dg: Deepgram, demo_server: LocalServer
) -> None:
    transcript = run.results["hello.wav"]
    assert transcript["results"]["utterances"]  # utterances=True
    assert transcript.words["speaker"].notna().all()  # diarize=True
    assert transcript.words["punctuated_word"].notna().all()  # smart_format=True
    recent = module_dg.usage.requests_frame(demo_server.project_id, endpoint="listen")
    tagged = recent[recent["tags"].map(lambda tags: "widget-test" in tags)]
    assert set(tagged["request_id"]) >= {t.request_id for t in run.results.values()}


def test_words_joins_every_result_with_its_source(run: UploadTranscriber) -> None:
    words = run.words
    assert words["source"].unique().tolist() == ["hello.wav", "callback.wav"]
    assert len(words) == sum(len(t.words) for t in run.results.values())


# ---------------------------------------------------------------------------- controls


def test_the_model_dropdown_lists_the_servers_speech_to_text_models(
    module_dg: Deepgram, demo_server: LocalServer
) -> None:
    answer = requests.get(
        f"{demo_server.url}/v1/models",
        headers={"Authorization": f"Token {demo_server.api_key}"},
        timeout=10,
    ).json()
    expected = list(dict.fromkeys(m["canonical_name"] for m in answer["stt"] if m["batch"]))
    upload = UploadTranscriber(module_dg)
    assert isinstance(upload.model, w.Dropdown)
    values = [value for _, value in upload.model.options]
    assert values == ["", *expected]
    assert "dgdata-upload-model" in upload.model._dom_classes
    assert upload.language.options == ("en", "en-US")


def test_keywords_preset_the_controls_and_the_options_sent(module_dg: Deepgram) -> None:
    upload = UploadTranscriber(
        module_dg, model="nova-3-general", language="en", punctuate=True, keywords=["hello:2"]
    )
    assert upload.model.value == "nova-3-general"
    assert upload.language.value == "en"
    assert {name: box.value for name, box in upload.checkboxes.items()} == {
        "smart_format": False,
        "punctuate": True,
        "diarize": False,
        "utterances": False,
        "paragraphs": False,
    }
    assert upload.options == {
        "model": "nova-3-general",
        "language": "en",
        "punctuate": True,
        "keywords": ["hello:2"],
    }
    upload.checkboxes["diarize"].value = True
    upload.model.value = ""
    assert upload.options == {
        "language": "en",
        "punctuate": True,
        "diarize": True,
        "keywords": ["hello:2"],
    }


def test_a_model_not_in_the_list_is_added_as_a_choice(module_dg: Deepgram) -> None:
    upload = UploadTranscriber(module_dg, model="nova-2-phonecall-custom")
    assert upload.model.value == "nova-2-phonecall-custom"
    assert upload.model.options[-1] == ("nova-2-phonecall-custom", "nova-2-phonecall-custom")


def test_an_unknown_keyword_is_refused_naming_the_known_ones(module_dg: Deepgram) -> None:
    with pytest.raises(
        TypeError, match=r"unknown option\(s\) diarise; it takes background, max_rows"
    ):
        UploadTranscriber(module_dg, diarise=True)


def test_when_the_models_cannot_be_listed_the_model_is_a_text_field(
    demo_server: LocalServer,
) -> None:
    wrong = Deepgram(api_key="not-a-real-key", api_url=demo_server.url, max_retries=0)
    upload = UploadTranscriber(wrong, model="nova-3")
    assert isinstance(upload.model, w.Text)
    assert upload.model.value == "nova-3"
    assert "dgdata-upload-model" in upload.model._dom_classes
    assert "Could not list the models" in upload.message.text
    assert "HTTP 401" in upload.message.text
    assert upload.options == {"model": "nova-3"}


def test_every_documented_css_class_is_on_a_control(run: UploadTranscriber) -> None:
    documented = documented_classes(upload_module)
    assert len(documented) > 15
    assert documented <= css_classes(run), documented - css_classes(run)
    assert "dgdata-upload-transcribe" in run.transcribe_button._dom_classes
    assert run.files.accept == "audio/*,.wav,.mp3,.flac,.ogg,.m4a,.webm"
    assert run.files.multiple
    assert "application/vnd.jupyter.widget-view+json" in run._repr_mimebundle_()


# ---------------------------------------------------------------------------- other runs


def test_transcribe_without_files_says_what_to_do(module_dg: Deepgram) -> None:
    upload = UploadTranscriber(module_dg, background=False)
    upload.transcribe_button.click()
    assert upload.message.text == "Choose one or more audio files first."
    assert upload.results == {}
    assert upload.output.children == ()


def test_empty_and_text_files_are_refused_without_a_request(
    module_dg: Deepgram, demo_server: LocalServer
) -> None:
    before = len(module_dg.usage.list_all_requests(demo_server.project_id))
    upload = UploadTranscriber(module_dg, background=False)
    upload.files.value = bad_files()
    upload.transcribe_button.click()  # in the foreground: done when click() returns
    assert set(upload.errors) == {"empty.wav", "notes.txt"}
    assert upload.results == {}
    assert (upload.progress.value, upload.progress.bar_style) == (2, "danger")
    assert len(module_dg.usage.list_all_requests(demo_server.project_id)) == before


def test_a_wrong_key_is_an_inline_error_per_file(demo_server: LocalServer) -> None:
    wrong = Deepgram(api_key="not-a-real-key", api_url=demo_server.url, max_retries=0)
    upload = UploadTranscriber(wrong, background=False)
    upload.files.value = (sample("hello.wav"),)
    upload.transcribe()
    assert upload.results == {}
    assert "HTTP 401" in upload.errors["hello.wav"]
    assert "Check the API key" in upload.errors["hello.wav"]
    assert "Traceback" not in part(upload.output.children[0], "dgdata-upload-error").value


def test_file_names_are_made_unique_and_safe_for_downloads() -> None:
    assert unique_name("a.wav", set()) == "a.wav"
    assert unique_name("a.wav", {"a.wav", "a (2).wav"}) == "a (3).wav"
    assert safe_stem("my call.wav") == "my call"
    assert safe_stem('x/"<evil>".wav') == "evil"
    assert safe_stem("???.wav") == "transcript"


def test_extra_options_are_shown_escaped_and_without_url_credentials(module_dg: Deepgram) -> None:
    upload = UploadTranscriber(
        module_dg,
        keywords=["<img src=x onerror=alert(1)>"],
        callback="https://user:hunter2@hooks.example.com/dg",
    )
    notes = [c.value for c in upload.children if isinstance(c, w.HTML) and "Also sent" in c.value]
    assert notes, "the extra options are listed"
    assert "<img" not in notes[0] and "&lt;img" in notes[0]
    assert "hunter2" not in notes[0] and "***@hooks.example.com" in notes[0]
