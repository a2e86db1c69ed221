"""The widgets in Notebook 7: the microphone transcribes the fake microphone, the upload renders.

``dgdata/widgets/microphone.py`` says the browser microphone works in JupyterLab 4 *and*
Notebook 7. The server the harness starts (``python -m jupyterlab``) also serves Notebook 7's UI
at ``/notebooks/<path>`` (the ``notebook`` package is a server extension of it), so the same
notebooks are opened there (``open_notebook7``), run with the menu bar's Run → Run All Cells, and
used as in ``test_microphone.py`` / ``test_upload.py``: Start, the fake microphone says its
sentences, Stop, the final text within a word error rate of 25%; the upload widget renders and
transcribes a file chosen in the file dialog.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import SAMPLES
from tests.browser.notebook import Notebook7
from tests.browser.speech import MAX_WER, Speech, wait_until_played
from tests.server.audio_corpus import normalize, wer

pytestmark = [pytest.mark.timeout(120), pytest.mark.needs_chromium]


def test_microphone_transcribes_in_notebook7(
    open_notebook7: Callable[[str], Notebook7], speech: Speech
) -> None:
    notebook = open_notebook7("microphone.ipynb")
    notebook.run_all()
    root = notebook.cell_output(1).locator(".dgdata-mic")
    expect(root).to_have_attribute("data-state", "idle")
    start, stop = root.locator("button.dgdata-mic-start"), root.locator("button.dgdata-mic-stop")
    expect(start).to_be_enabled()
    expect(stop).to_be_disabled()

    start.click()
    expect(root).to_have_attribute("data-state", "listening", timeout=15_000)
    expect(stop).to_be_enabled()
    wait_until_played(root, speech)
    stop.click()
    expect(root).to_have_attribute("data-state", "done", timeout=20_000)
    expect(root.locator(".dgdata-mic-error")).to_be_hidden()

    shown = root.locator(".dgdata-mic-final").inner_text()
    error_rate = wer(speech.text, shown)
    print(f"reference: {speech.text}\nshown:     {shown}\nWER {error_rate:.1%}")
    assert error_rate <= MAX_WER, f"WER {error_rate:.0%} > {MAX_WER:.0%}: {shown!r}"
    assert normalize(notebook.kernel("print(mic.transcript)")) == normalize(shown)
    assert int(notebook.kernel("print(mic.device_rate)")) > 0
    expect(start).to_be_enabled()
    notebook.screenshot("notebook7-live-microphone", root)


def test_upload_renders_in_notebook7(open_notebook7: Callable[[str], Notebook7]) -> None:
    notebook = open_notebook7("upload.ipynb")
    notebook.run_all()
    widget = notebook.cell_output(1).locator(".dgdata-upload")
    expect(widget).to_be_visible()
    expect(widget.locator(".dgdata-upload-files")).to_be_visible()
    expect(widget.locator(".dgdata-upload-smart_format input[type=checkbox]")).to_be_visible()
    transcribe = widget.locator("button.dgdata-upload-transcribe")
    expect(transcribe).to_be_visible()

    with notebook.page.expect_file_chooser() as chooser:
        widget.locator(".dgdata-upload-files").click()
    chooser.value.set_files(SAMPLES / "hello.wav")
    expect(widget.locator(".dgdata-upload-files")).to_contain_text("1")
    transcribe.click()
    done = widget.locator(".dgdata-upload-file.dgdata-upload-ok")
    expect(done).to_have_count(1, timeout=30_000)
    text = done.locator(".dgdata-upload-transcript").inner_text()
    assert " ".join(normalize(text)).endswith("hello this is a speech test"), text
    assert notebook.kernel("print(sorted(upload.results))") == "['hello.wav']"
    notebook.screenshot("notebook7-upload-transcriber", widget)
