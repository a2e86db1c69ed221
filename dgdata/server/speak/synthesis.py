"""Text to speech for ``POST /v1/speak`` and ``/v2/speak``: a local engine, then the wire format.

The local server runs no Deepgram voice. It speaks with whichever open-source synthesiser is
installed, in this order of preference:

* ``flite`` (CMU Flite) with its ``rms`` voice (16 kHz; the voice the local recogniser
  understands best), else its first voice;
* ``espeak-ng`` (or plain ``espeak``) with its ``en-us`` voice (22.05 kHz).

Every Aura / Flux voice name is accepted and spoken by that engine (honestly named in the
``x-dgdata-tts-engine`` response header). With neither installed the route answers 501 saying
what to install. The engine runs as a subprocess with a timeout; the text goes through a temporary
file (flite) or stdin (espeak-ng), never through a shell or the command line.

The synthesised PCM is then resampled and encoded as the request asks by
:mod:`dgdata.server.speak.formats`.
"""

from __future__ import annotations

import functools
import io
import os
import shutil
import subprocess
import tempfile
import wave
from dataclasses import dataclass

import numpy as np

__all__ = ["Engine", "SynthesisError", "find_engine", "missing_engine_message", "synthesize"]

#: Seconds an engine may take to speak one request.
ENGINE_TIMEOUT = 60.0


class SynthesisError(RuntimeError):
    """The engine failed (crashed, timed out, wrote no audio)."""


@dataclass(frozen=True)
class Engine:
    """An installed synthesiser."""

    name: str  # "flite" | "espeak-ng" | "espeak"
    path: str
    voice: str

    @property
    def label(self) -> str:
        """``flite (rms)``: what the ``x-dgdata-tts-engine`` header says."""
        return f"{self.name} ({self.voice})"


@functools.lru_cache(maxsize=8)
def _flite_voices(path: str) -> tuple[str, ...]:
    try:
        done = subprocess.run(
            [path, "-lv"], capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return ()
    _, _, listed = done.stdout.partition(":")
    return tuple(listed.split())


def find_engine() -> Engine | None:
    """The synthesiser to use (looked up on ``PATH`` at each call), or None."""
    flite = shutil.which("flite")
    if flite:
        voices = _flite_voices(flite)
        voice = "rms" if "rms" in voices or not voices else voices[0]
        return Engine("flite", flite, voice)
    for name in ("espeak-ng", "espeak"):
        found = shutil.which(name)
        if found:
            return Engine(name, found, "en-us")
    return None


def missing_engine_message() -> str:
    """What a 501 says when no synthesiser is installed."""
    return (
        "Text to speech is not available on this local server: no speech synthesiser is "
        "installed. Install flite (`apt-get install flite`, recommended) or espeak-ng "
        "(`apt-get install espeak-ng`; `brew install espeak-ng` on macOS), then retry; "
        "no restart is needed."
    )


def _read_wav(data: bytes) -> tuple[np.ndarray, int]:
    try:
        with wave.open(io.BytesIO(data), "rb") as wav:
            width, channels, rate = wav.getsampwidth(), wav.getnchannels(), wav.getframerate()
            frames = wav.readframes(wav.getnframes())
    except (wave.Error, EOFError) as exc:
        raise SynthesisError(f"the synthesiser wrote no valid WAV file ({exc})") from None
    if width != 2:
        raise SynthesisError(f"the synthesiser wrote {8 * width}-bit audio, expected 16-bit")
    samples = np.frombuffer(frames, dtype="<i2").astype(np.int16)
    if channels > 1:
        samples = samples.reshape(-1, channels).mean(axis=1).astype(np.int16)
    return samples, rate


def synthesize(text: str, engine: Engine, *, speed: float = 1.0) -> tuple[np.ndarray, int]:
    """Speak ``text``; returns mono int16 samples and their sample rate.

    Raises :class:`SynthesisError` when the engine fails or times out.
    """
    with tempfile.TemporaryDirectory(prefix="dgdata-tts-") as tmp:
        out = os.path.join(tmp, "speech.wav")
        stdin: bytes | None = None
        if engine.name == "flite":
            source = os.path.join(tmp, "text.txt")
            with open(source, "w", encoding="utf-8") as handle:
                handle.write(text)
            command = [engine.path, "-voice", engine.voice]
            if speed != 1.0:
                command += ["--setf", f"duration_stretch={1.0 / speed:.3f}"]
            command += ["-f", source, "-o", out]
        else:
            words_per_minute = max(80, min(450, round(175 * speed)))
            command = [engine.path, "-v", engine.voice, "-s", str(words_per_minute)]
            command += ["-w", out, "--stdin"]
            stdin = text.encode("utf-8")
        try:
            done = subprocess.run(
                command,
                input=stdin,
                capture_output=True,
                timeout=ENGINE_TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise SynthesisError(
                f"{engine.name} did not finish within {ENGINE_TIMEOUT:g} s"
            ) from None
        except OSError as exc:
            raise SynthesisError(f"{engine.name} could not be run: {exc}") from None
        if done.returncode != 0 or not os.path.exists(out):
            detail = done.stderr.decode("utf-8", "replace").strip()[:200]
            raise SynthesisError(
                f"{engine.name} failed with exit status {done.returncode}: {detail or 'no output'}"
            )
        with open(out, "rb") as handle:
            return _read_wav(handle.read())
