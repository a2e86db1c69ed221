"""Audio in: sniffing, decoding and resampling request media to 16 kHz int16 PCM.

* :mod:`.decode`: format checks, and the stream decoder of live audio;
* :mod:`.media`: a recording (bytes or a file) decoded block by block, in bounded memory, and
  :func:`~.media.decode_audio` for a whole upload held in memory (any container the server
  reads);
* :mod:`.wav`: sample codecs (PCM, float, G.711) and a tolerant RIFF/WAVE header parser;
* :mod:`.resample`: polyphase windowed-sinc resampling, whole signals and streams.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dgdata.server.audio.media import decode_audio

__all__ = ["decode_audio"]


def __getattr__(name: str) -> Any:
    # Lazily, so that importing one codec module does not import the decoder and numpy's stack.
    if name == "decode_audio":
        from dgdata.server.audio.media import decode_audio

        return decode_audio
    raise AttributeError(f"module 'dgdata.server.audio' has no attribute {name!r}")
