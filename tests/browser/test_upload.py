"""UploadTranscriber in Chromium: choose files in the file dialog, Transcribe, read the results.

The files are chosen the way a person does (a click on the upload button opens the browser's file
chooser, which Playwright answers); the transcripts come back from the local server.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import SAMPLES
from tests.browser.notebook import Notebook
from tests.server.audio_corpus import normalize

pytestmark = [pytest.mark.timeout(120), pytest.mark.needs_chromium]


def test_upload_files_and_see_their_transcripts(
    open_notebook: Callable[[str], Notebook], tmp_path: Path
) -> None:
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"this is not a recording, only text in a file called .wav\n" * 20)
    notebook = open_notebook("upload.ipynb")
    notebook.run_all()
    page = notebook.page
    widget = notebook.cell_output(1).locator(".dgdata-upload")
    expect(widget).to_be_visible()

    with page.expect_file_chooser() as chooser:
        widget.locator(".dgdata-upload-files").click()
    chooser.value.set_files([SAMPLES / "hello.wav", SAMPLES / "students.wav", broken])
    expect(widget.locator(".dgdata-upload-files")).to_contain_text("3")
    widget.locator(".dgdata-upload-smart_format input[type=checkbox]").check()
    widget.locator("button.dgdata-upload-transcribe").click()

    expect(widget.locator(".dgdata-upload-message")).to_contain_text(
        "Transcribed 2 of 3 files", timeout=30_000
    )
    done = widget.locator(".dgdata-upload-file.dgdata-upload-ok")
    expect(done).to_have_count(2)
    hello = done.filter(has=page.locator(".dgdata-upload-filename", has_text="hello.wav"))
    students = done.filter(has=page.locator(".dgdata-upload-filename", has_text="students.wav"))
    hello_text = hello.locator(".dgdata-upload-transcript").inner_text()
    assert " ".join(normalize(hello_text)).endswith("hello this is a speech test"), hello_text
    expect(students.locator(".dgdata-upload-transcript")).to_contain_text("25 students")
    expect(hello.locator(".dgdata-upload-words table.dgdata-table")).to_contain_text("speech")
    for kind in ("csv", "srt", "json"):
        link = hello.locator(f"a.dgdata-download-{kind}")
        expect(link).to_be_visible()
        assert (link.get_attribute("href") or "").startswith("data:"), kind

    failed = widget.locator(".dgdata-upload-file.dgdata-upload-failed")
    expect(failed).to_have_count(1)
    expect(failed).to_contain_text("broken.wav")
    expect(failed.locator(".dgdata-upload-error .dgdata-error")).to_be_visible()

    assert notebook.kernel("print(sorted(upload.results))") == "['hello.wav', 'students.wav']"
    assert notebook.kernel("print(sorted(upload.errors))") == "['broken.wav']"
    assert notebook.kernel("print(upload.options)") == "{'smart_format': True}"
    notebook.screenshot("upload-transcriber", widget)
