"""LiveMicrophone in Chromium: the fake microphone speaks, the transcript shows what it said.

Chromium's fake capture device plays ``speech`` (sentences spoken by flite) once from the moment
the widget opens the microphone; the page resamples it in an AudioWorklet and sends 16 kHz PCM to
the kernel, which streams it to the local server (pocketsphinx). The final transcript, read from
the page and from the kernel, must match the sentences with a word error rate of 25% at most.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.jupyter import JupyterLab
from tests.browser.notebook import Notebook
from tests.browser.speech import MAX_WER, Speech, wait_until_played
from tests.server.audio_corpus import normalize, wer

pytestmark = [pytest.mark.timeout(150), pytest.mark.needs_chromium]

# Remembers every interim text the page showed (interims are replaced as results arrive).
_WATCH_INTERIMS = """(root) => {
  window.dgdataInterims = [];
  const interim = root.querySelector('.dgdata-mic-interim');
  new MutationObserver(() => {
    const text = interim.textContent.trim();
    if (text) window.dgdataInterims.push(text);
  }).observe(interim, {childList: true, characterData: true, subtree: true});
}"""


def test_microphone_transcript_matches_the_spoken_sentences(
    open_notebook: Callable[[str], Notebook], speech: Speech
) -> None:
    notebook = open_notebook("microphone.ipynb")
    notebook.run_all()
    root = notebook.cell_output(1).locator(".dgdata-mic")
    expect(root).to_have_attribute("data-state", "idle")
    start, stop = root.locator("button.dgdata-mic-start"), root.locator("button.dgdata-mic-stop")
    expect(start).to_be_enabled()
    expect(stop).to_be_disabled()
    root.evaluate(_WATCH_INTERIMS)

    start.click()
    expect(root).to_have_attribute("data-state", "listening", timeout=15_000)
    expect(start).to_be_disabled()
    expect(stop).to_be_enabled()
    # The page counts the seconds of audio it has sent: wait until the whole file has played;
    # mid-sentence, a picture of the level and the interim text.
    wait_until_played(root, speech, lambda: notebook.screenshot("live-microphone-listening", root))
    stop.click()
    expect(root).to_have_attribute("data-state", "done", timeout=20_000)
    expect(root.locator(".dgdata-mic-error")).to_be_hidden()

    shown = root.locator(".dgdata-mic-final").inner_text()
    heard = notebook.kernel("print(mic.transcript)")
    error_rate = wer(speech.text, shown)
    print(f"reference: {speech.text}\nshown:     {shown}\nWER {error_rate:.1%}")
    assert error_rate <= MAX_WER, f"WER {error_rate:.0%} > {MAX_WER:.0%}: {shown!r}"
    assert normalize(heard) == normalize(shown)
    assert notebook.evaluate("window.dgdataInterims.length") > 0, "no interim text was shown"
    assert int(notebook.kernel("print(len(mic.words))")) == len(normalize(shown))
    assert int(notebook.kernel("print(mic.device_rate)")) > 0
    assert float(notebook.kernel("print(mic.elapsed)")) >= speech.duration
    expect(start).to_be_enabled()
    notebook.screenshot("live-microphone", root)


def test_denied_microphone_is_explained_in_the_widget(
    denied_page: Page, jupyter_lab: JupyterLab, screenshot_dirs: tuple[Path, ...]
) -> None:
    notebook = Notebook.open(denied_page, jupyter_lab, "microphone.ipynb", screenshot_dirs)
    notebook.run_all()
    root = notebook.cell_output(1).locator(".dgdata-mic")
    root.locator("button.dgdata-mic-start").click()

    message = root.locator(".dgdata-mic-error")
    expect(message).to_be_visible(timeout=15_000)
    expect(message).to_contain_text("denied access to the microphone")
    expect(root).to_have_attribute("data-state", "error")
    state = notebook.wait_for_kernel("print(mic.state)", lambda answer: answer == "error")
    assert state == "error"
    assert notebook.kernel("print(mic.error)") == message.inner_text().strip()
    expect(root.locator("button.dgdata-mic-start")).to_be_enabled()
    notebook.screenshot("live-microphone-denied", root)
