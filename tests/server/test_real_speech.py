"""Real human speech through ``POST /v1/listen`` on both engines: corpus WER bounds.

The clips are ``tests/data/speech-real/`` (see its ``SOURCES.md``): read prompts of a
professional voice, a LibriVox sonnet, a reading of the US Constitution's preamble, JFK's
inaugural line, and short phrases from the pocketsphinx, praatio and moonshine packages; about
five minutes, about ten voices, every reference in Deepgram's default form. ``references.tsv``
splits them into ``dev`` (may be looked at when tuning) and ``test`` (only measured).

Each engine runs in its own local server (one recogniser process) at default options, as a user's
``dgdata serve --engine ...`` would; the transcript of each clip is compared with its reference.
Whisper hears the whole set; pocketsphinx, about five times slower on real speech, hears the
``POCKETSPHINX_CLIPS`` subset, so the file stays near a minute (the two engines run at the same
time). The bounds are the WER measured on 2026-12-03 plus a margin; the assertion messages give
every clip's WER and transcript, to see what moved. ``tests/benchmarks/bench_engines.py``
measures both engines on every clip, with real-time factors and memory.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
import soundfile

from dgdata.testing import local_server
from tests.server.audio_corpus import edit_distance, normalize

SPEECH_REAL = Path(__file__).resolve().parents[1] / "data" / "speech-real"
MANIFEST = SPEECH_REAL / "references.tsv"
SPLITS = ("dev", "test")

#: WER bounds. Measured on 2026-12-03 (tiny.en int8, one thread; pocketsphinx 5 with dgdata's
#: settings): whisper 2.1% on dev, 3.3% on test (the issue's goal is 10%); pocketsphinx 26.1% on
#: its subset (it is not expected to be good on real speech: the bound only catches regressions).
WHISPER_BOUND = {"dev": 0.06, "test": 0.10}
POCKETSPHINX_BOUND = 0.35

#: The clips pocketsphinx hears (80 s, 199 words): the Asterisk prompts of the ``test`` split but
#: the longest, and the short phrases of ``dev``. Its CPU cost is about 0.5 s per second of real
#: speech, near 1 on the noisier clips (JFK, beckett): the whole set would take it three minutes.
POCKETSPHINX_CLIPS = re.compile(
    r"asterisk-(screen-callee-options|vm-msginstruct|demo-nogo|ss-noservice"
    r"|vm-instructions|pbx-invalidpark|queue-youarenext)\.flac"
    r"|pocketsphinx-(goforward|something|forever)\.flac|praatio-(bobby|mary)\.flac"
)


@dataclass(frozen=True)
class RealClip:
    """One clip of the set: its FLAC file, split, source and reference transcript."""

    path: Path
    split: str
    source: str
    reference: str

    @property
    def name(self) -> str:
        """The file name (``asterisk-vm-options.flac``)."""
        return self.path.name

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return float(soundfile.info(str(self.path)).duration)


def real_clips() -> tuple[RealClip, ...]:
    """Every clip of ``references.tsv``, in its order."""
    with MANIFEST.open(newline="", encoding="utf-8") as manifest:
        rows = list(csv.DictReader(manifest, delimiter="\t", quoting=csv.QUOTE_NONE))
    return tuple(
        RealClip(SPEECH_REAL / row["file"], row["split"], row["source"], row["reference"])
        for row in rows
    )


def transcribe(url: str, api_key: str, path: Path) -> str:
    """The default-options transcript of one file, as the server's REST API gives it."""
    answer = requests.post(
        f"{url}/v1/listen",
        data=path.read_bytes(),
        headers={"Authorization": f"Token {api_key}"},
        timeout=300,
    )
    assert answer.status_code == 200, answer.text
    transcript: str = answer.json()["results"]["channels"][0]["alternatives"][0]["transcript"]
    return transcript


def scored(clips: tuple[RealClip, ...], transcripts: Mapping[str, str]) -> tuple[float, str]:
    """Corpus WER of ``transcripts`` on ``clips`` and a per-clip report for a failure message."""
    errors = words = 0
    lines = []
    for clip in clips:
        reference = normalize(clip.reference)
        wrong = edit_distance(reference, normalize(transcripts[clip.name]))
        errors, words = errors + wrong, words + len(reference)
        lines.append(f"  {wrong / len(reference):6.1%}  {clip.name}: {transcripts[clip.name]!r}")
    return errors / words, "\n".join(lines)


def recognised(engine: str, clips: tuple[RealClip, ...]) -> dict[str, str]:
    """Each clip's transcript from a fresh server on ``engine`` (one recogniser process)."""
    with local_server(engine=engine, decoders=1) as server:
        return {clip.name: transcribe(server.url, server.api_key, clip.path) for clip in clips}


def split(name: str) -> tuple[RealClip, ...]:
    """The clips of one split."""
    return tuple(clip for clip in real_clips() if clip.split == name)


def pocketsphinx_clips() -> tuple[RealClip, ...]:
    """The subset pocketsphinx hears (:data:`POCKETSPHINX_CLIPS`)."""
    return tuple(clip for clip in real_clips() if POCKETSPHINX_CLIPS.fullmatch(clip.name))


@pytest.fixture(scope="module")
def transcripts() -> dict[str, dict[str, str]]:
    """engine -> clip name -> transcript: whisper on every clip, pocketsphinx on its subset.

    The two servers recognise at the same time (one recogniser process each), so on two cores
    the module takes about as long as the slower engine alone.
    """
    jobs = {"whisper": real_clips(), "pocketsphinx": pocketsphinx_clips()}
    with ThreadPoolExecutor(len(jobs)) as pool:
        running = {engine: pool.submit(recognised, engine, clips) for engine, clips in jobs.items()}
        return {engine: job.result() for engine, job in running.items()}


@pytest.fixture(scope="module")
def whisper(transcripts: dict[str, dict[str, str]]) -> dict[str, str]:
    """Every clip as the whisper engine transcribes it."""
    return transcripts["whisper"]


@pytest.fixture(scope="module")
def pocketsphinx(transcripts: dict[str, dict[str, str]]) -> dict[str, str]:
    """The pocketsphinx subset as the pocketsphinx engine transcribes it."""
    return transcripts["pocketsphinx"]


# ------------------------------------------------------------------------------- the data


def test_the_manifest_names_every_clip_once_with_a_default_form_reference() -> None:
    clips = real_clips()
    on_disk = {path.name for path in SPEECH_REAL.glob("*.flac")}
    assert sorted(clip.name for clip in clips) == sorted(on_disk)
    assert {clip.split for clip in clips} == set(SPLITS)
    for clip in clips:
        # Deepgram's default form: lowercase words, apostrophes, no digits or punctuation.
        assert re.fullmatch(r"[a-z']+( [a-z']+)*", clip.reference), clip.name
        assert clip.source, clip.name


def test_the_clips_are_16_khz_mono_16_bit_three_to_six_minutes_in_all() -> None:
    total = 0.0
    for clip in real_clips():
        info = soundfile.info(str(clip.path))
        assert (info.samplerate, info.channels, info.subtype) == (16000, 1, "PCM_16"), clip.name
        assert 1.0 <= info.duration <= 60.0, clip.name
        total += info.duration
    assert 180 <= total <= 360, f"{total:.0f} s"


# ------------------------------------------------------------------------------- the engines


@pytest.mark.parametrize("name", SPLITS)
def test_whisper_keeps_real_speech_within_its_wer_bound(whisper: dict[str, str], name: str) -> None:
    rate, report = scored(split(name), whisper)
    assert rate <= WHISPER_BOUND[name], f"whisper {name} WER {rate:.1%}:\n{report}"


def test_pocketsphinx_keeps_real_speech_within_its_wer_bound(
    pocketsphinx: dict[str, str],
) -> None:
    rate, report = scored(pocketsphinx_clips(), pocketsphinx)
    assert rate <= POCKETSPHINX_BOUND, f"pocketsphinx WER {rate:.1%}:\n{report}"


def test_whisper_makes_far_fewer_errors_than_pocketsphinx_on_the_same_clips(
    whisper: dict[str, str], pocketsphinx: dict[str, str]
) -> None:
    clips = pocketsphinx_clips()
    whisper_rate, whisper_report = scored(clips, whisper)
    pocketsphinx_rate, _ = scored(clips, pocketsphinx)
    # The point: whisper is the default because real speech is where pocketsphinx fails.
    assert whisper_rate * 3 <= pocketsphinx_rate, (
        f"whisper {whisper_rate:.1%} vs pocketsphinx {pocketsphinx_rate:.1%}:\n{whisper_report}"
    )
