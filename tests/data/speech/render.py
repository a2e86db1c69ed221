"""Render the test sentences with flite into this folder (16 kHz mono 16-bit WAV, one per file).

The recognition tests read these files instead of running a speech engine, so that they pass on
a machine with nothing but Python. Run this after adding a sentence to ``CORPUS`` or
``HELD_OUT`` in ``tests/server/audio_corpus.py`` (it needs ``apt-get install flite``)::

    .venv/bin/python tests/data/speech/render.py          # write the missing or changed files
    .venv/bin/python tests/data/speech/render.py --check  # exit 1 if any file differs

Each file is named by its sentence's words joined by dashes (``audio_corpus.speech_file``), and
holds exactly what ``flite -voice rms -t <sentence> -o <file>`` writes (flite is deterministic:
the same version renders the same bytes; ``tests/test_project.py`` checks that in CI).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from tests.server.audio_corpus import CORPUS, FLITE_VOICE, HELD_OUT, SPEECH, speech_file  # noqa: E402

#: Every sentence a test or benchmark speaks.
SENTENCES: tuple[str, ...] = CORPUS + HELD_OUT


def render(text: str, path: Path) -> Path:
    """Speak ``text`` with flite's ``rms`` voice into ``path`` (16 kHz mono linear16 WAV)."""
    flite = shutil.which("flite")
    if flite is None:
        raise SystemExit("rendering the test speech needs flite: apt-get install flite")
    subprocess.run(
        [flite, "-voice", FLITE_VOICE, "-t", text, "-o", str(path)],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return path


def differences(folder: Path) -> list[str]:
    """Names of the sentences' files that flite renders differently, or that are missing."""
    stale = []
    for text in SENTENCES:
        committed = speech_file(text)
        fresh = render(text, folder / committed.name)
        if not committed.is_file() or committed.read_bytes() != fresh.read_bytes():
            stale.append(committed.name)
    return stale


def main(argv: list[str] | None = None) -> int:
    """Re-render (or with ``--check`` only compare) every sentence; the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--check", action="store_true", help="compare only; exit 1 on a change")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        stale = differences(Path(folder))
        if args.check:
            for name in stale:
                print(f"differs from flite's rendering: {name}")
            return 1 if stale else 0
        for name in stale:
            shutil.copyfile(Path(folder) / name, SPEECH / name)
            print(f"rendered {name}")
    extra = {p.name for p in SPEECH.glob("*.wav")} - {speech_file(t).name for t in SENTENCES}
    for name in sorted(extra):
        print(f"not a test sentence any more (delete it): {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
