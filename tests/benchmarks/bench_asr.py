"""Benchmark of the offline recogniser: word error rate and real-time factor on one core.

Run from the repository root::

    python tests/benchmarks/bench_asr.py [--conditions clean,telephone,quiet,noisy]

It takes the 20 ``CORPUS`` sentences and the 10 ``HELD_OUT`` ones of
``tests/server/audio_corpus.py`` as ``flite -voice rms`` spoke them (``tests/data/speech/``),
then recognises every clip under four conditions:

- ``clean``: the 16 kHz synthesis as is;
- ``telephone``: resampled to 8 kHz, mu-law encoded (by libsndfile) and decoded back to 16 kHz
  through ``decode_audio(..., encoding="mulaw", sample_rate=8000)``, like a phone call;
- ``quiet``: 26 dB quieter;
- ``muted``: quiet, between half-seconds of digital silence (exact zeros, as in muted or padded
  recordings): pocketsphinx's front end is thrown by the contrast;
- ``noisy``: white noise added at 20 dB SNR (fixed seed).

Two recognisers are compared, in the same run, on the same clips:

- baseline: pocketsphinx 5 with its default settings (``Decoder(samprate=16000)``, one
  utterance per clip, feature state reset per clip);
- dgdata: ``dgdata.server.asr.engine.recognize`` (tuned ``DECODER_OPTIONS``, gain
  normalisation, pause splitting), plus ``StreamingRecognizer`` fed 100 ms chunks of the clean
  sentences joined by one-second pauses, interim results on (WER of its finals; its CPU
  includes the interim decoder's, so it is higher than ``recognize``'s).

``--options '{"topn": 4}'`` runs dgdata with other decoder settings, to try a change.

The process is pinned to one CPU (pocketsphinx decodes on one thread anyway) and CPU time is
measured with ``time.process_time``; the real-time factor is CPU seconds per audio second.
The cost of decoding and resampling the WAV files (``decode_audio``) is shown as a ratio too.
Goals: dgdata's clean ``CORPUS`` WER <= 10% and real-time factor <= 0.3; exit status 1 when a
goal is missed. Not collected by pytest (``tests/benchmarks`` is ignored in pyproject.toml).
"""

from __future__ import annotations

import os

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")  # before numpy is imported

import argparse  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Sequence  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import soundfile  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from dgdata.server.asr.engine import (  # noqa: E402
    DECODER_OPTIONS,
    DecoderPool,
    StreamingRecognizer,
    StreamResult,
    recognize,
)
from dgdata.server.audio import decode_audio  # noqa: E402
from dgdata.server.audio.resample import resample  # noqa: E402
from tests.server.audio_corpus import (  # noqa: E402
    CORPUS,
    HELD_OUT,
    corpus_wer,
    read_wav,
    synthesize,
)

RATE = 16000
Recognizer = Callable[[np.ndarray], str]


def pin_to_one_cpu() -> str:
    """Run on a single CPU when the platform allows it; a note saying which."""
    if hasattr(os, "sched_setaffinity"):
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        return f"pinned to CPU {cpu}"
    return "not pinned (no sched_setaffinity here)"


def telephone(pcm: np.ndarray) -> np.ndarray:
    narrow = resample(pcm.astype(np.float64), RATE, 8000) / 32768
    buffer = io.BytesIO()
    soundfile.write(buffer, np.clip(narrow, -1, 1), 8000, format="RAW", subtype="ULAW")
    return decode_audio(buffer.getvalue(), encoding="mulaw", sample_rate=8000).channel(0)


def quiet(pcm: np.ndarray) -> np.ndarray:
    return np.rint(pcm * 0.05).astype(np.int16)


def muted(pcm: np.ndarray) -> np.ndarray:
    silence = np.zeros(RATE // 2, dtype=np.int16)
    return np.concatenate([silence, quiet(pcm), silence])


def noisy(pcm: np.ndarray) -> np.ndarray:
    x = pcm.astype(np.float64)
    power = np.mean(x**2)
    noise = np.random.default_rng(20).normal(0, np.sqrt(power / 100), len(x))
    return np.clip(np.rint(x + noise), -32768, 32767).astype(np.int16)


CONDITIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "clean": lambda pcm: pcm,
    "telephone": telephone,
    "quiet": quiet,
    "muted": muted,
    "noisy": noisy,
}


def pocketsphinx_defaults() -> Recognizer:
    """Plain pocketsphinx: default settings, one utterance per clip."""
    from pocketsphinx import Decoder

    decoder = Decoder(samprate=RATE, loglevel="FATAL")

    def run(pcm: np.ndarray) -> str:
        decoder.reinit_feat()
        decoder.start_utt()
        decoder.process_raw(pcm.astype("<i2").tobytes(), full_utt=True)
        decoder.end_utt()
        hypothesis = decoder.hyp()
        return hypothesis.hypstr if hypothesis else ""

    return run


def dgdata_recognizer(options: dict[str, object] | None) -> Recognizer:
    pool = DecoderPool(1, options=options)
    return lambda pcm: " ".join(w.word for w in recognize(pcm, pool=pool))


def evaluate(recognizer: Recognizer, texts: Sequence[str], clips: Sequence[np.ndarray]) -> tuple:
    """(WER, CPU seconds) of ``recognizer`` over the clips."""
    recognizer(clips[0])  # warm-up: decoder creation is not decoding
    started = time.process_time()
    hypotheses = [recognizer(pcm) for pcm in clips]
    cpu = time.process_time() - started
    return corpus_wer(zip(texts, hypotheses, strict=True)), cpu


def streaming(
    texts: Sequence[str], clips: Sequence[np.ndarray], options: dict[str, object] | None
) -> tuple[float, float, float]:
    """(WER of finals, CPU seconds, audio seconds) of a stream of the clips, 100 ms chunks."""
    pause = np.zeros(RATE, dtype=np.int16)
    pcm = np.concatenate([part for clip in clips for part in (clip, pause)])
    recognizer = StreamingRecognizer(
        endpointing_ms=300, interim_results=True, pool=DecoderPool(1, options=options)
    )
    recognizer.feed(pause)  # warm-up: the decoder is created at the first speech
    recognizer.feed(clips[0])
    recognizer.finalize()
    started = time.process_time()
    events = []
    for start in range(0, len(pcm), RATE // 10):
        events += recognizer.feed(pcm[start : start + RATE // 10])
    events += recognizer.finalize()
    cpu = time.process_time() - started
    recognizer.close()
    words = [w.word for e in events if isinstance(e, StreamResult) and e.is_final for w in e.words]
    return corpus_wer([(" ".join(texts), " ".join(words))]), cpu, len(pcm) / RATE


def main(argv: list[str] | None = None) -> int:
    """Print WER and real-time factors; 1 when a goal is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conditions", default=",".join(CONDITIONS))
    parser.add_argument(
        "--options",
        type=json.loads,
        default=None,
        help="decoder settings to try instead of DECODER_OPTIONS, as JSON: '{\"topn\": 6}'",
    )
    args = parser.parse_args(argv)
    asked = [name.strip() for name in args.conditions.split(",") if name.strip()]
    conditions = ["clean"] + [name for name in asked if name != "clean"]  # clean: for the RTF
    options = DECODER_OPTIONS if args.options is None else args.options
    print(pin_to_one_cpu(), f"; dgdata decoder options: {options}")

    with tempfile.TemporaryDirectory() as folder:
        corpus = synthesize(CORPUS, Path(folder), prefix="corpus")
        held = synthesize(HELD_OUT, Path(folder), prefix="held")
        wav_bytes = [clip.path.read_bytes() for clip in corpus]
        sets = {"corpus": corpus, "held-out": held}
        audio = {name: [read_wav(clip.path) for clip in clips] for name, clips in sets.items()}
        texts = {name: [clip.text for clip in clips] for name, clips in sets.items()}

    seconds = sum(len(pcm) for pcm in audio["corpus"]) / RATE
    started = time.process_time()
    for data in wav_bytes:
        decode_audio(data)
    decode_cpu = time.process_time() - started

    engines = {
        "pocketsphinx defaults": pocketsphinx_defaults(),
        "dgdata": dgdata_recognizer(options),
    }
    rtf: dict[str, float] = {}
    wer: dict[tuple[str, str, str], float] = {}
    print(f"\n{len(CORPUS)} + {len(HELD_OUT)} sentences, {seconds:.1f} s of corpus speech")
    print(f"{'WER':<24}" + "".join(f"{c + ' corpus':>18}{'held-out':>10}" for c in conditions))
    for engine_name, engine in engines.items():
        row = f"{engine_name:<24}"
        for condition in conditions:
            transform = CONDITIONS[condition]
            for set_name in ("corpus", "held-out"):
                clips = [transform(pcm) for pcm in audio[set_name]]
                rate, cpu = evaluate(engine, texts[set_name], clips)
                wer[(engine_name, condition, set_name)] = rate
                if condition == "clean" and set_name == "corpus":
                    rtf[engine_name] = cpu / seconds
                row += f"{rate:>18.1%}" if set_name == "corpus" else f"{rate:>10.1%}"
        print(row)

    stream_wer, stream_cpu, stream_seconds = streaming(texts["corpus"], audio["corpus"], options)
    print(f"{'dgdata streaming':<24}{stream_wer:>18.1%}  (finals; clean corpus, 100 ms chunks)")

    print("\nreal-time factor on one core (CPU s per audio s, clean corpus)")
    print(f"  decode_audio (WAV parse + resampler) {decode_cpu / seconds:.4f}")
    for engine_name in engines:
        print(f"  {engine_name:<36} {rtf[engine_name]:.3f}")
    print(f"  {'dgdata streaming (interims on)':<36} {stream_cpu / stream_seconds:.3f}")
    tuned, default = rtf["dgdata"], rtf["pocketsphinx defaults"]
    print(f"dgdata takes {tuned / default:.2f}x the CPU of pocketsphinx defaults")
    print(f"decoding the audio costs {decode_cpu / (tuned * seconds):.1%} of recognising it")
    for condition in conditions:
        ours = wer[("dgdata", condition, "corpus")] + wer[("dgdata", condition, "held-out")]
        base = wer[("pocketsphinx defaults", condition, "corpus")]
        base += wer[("pocketsphinx defaults", condition, "held-out")]
        print(f"{condition:<10} WER (corpus + held-out): dgdata {ours / 2:.1%} vs defaults "
              f"{base / 2:.1%}")  # fmt: skip

    clean = wer[("dgdata", "clean", "corpus")]
    print(f"goals: clean corpus WER {clean:.1%} (<= 10%), real-time factor {tuned:.3f} (<= 0.3)")
    return 0 if clean <= 0.10 and tuned <= 0.3 else 1


if __name__ == "__main__":
    raise SystemExit(main())
