"""Text to speech for ``/v1/speak`` and ``/v2/speak``: a local engine, then the wire format.

:mod:`.synthesis` finds a local synthesiser (flite or espeak-ng), speaks the text and encodes
the samples in the format asked for (:mod:`.formats`).
"""
