"""The local server's price table: what a request costs, so balances and spend move.

These are **illustrative** pay-as-you-go prices, close to Deepgram's public list prices when this
was written, not a quote: the local server exists to make usage and spend look real, and the
numbers only need to be stable and plausible. Speech-to-text is priced per minute of audio (all
channels counted with ``multichannel``), text-to-speech per 1,000 characters, text intelligence
per 1,000 tokens.
"""

from __future__ import annotations

__all__ = [
    "LISTEN_PER_MINUTE",
    "READ_PER_1K_TOKENS",
    "SPEAK_PER_1K_CHARS",
    "listen_cost",
    "read_cost",
    "speak_cost",
]

#: USD per minute of audio, by model family and method (``sync``/``async`` vs ``streaming``).
LISTEN_PER_MINUTE: dict[str, dict[str, float]] = {
    "nova-3": {"batch": 0.0043, "streaming": 0.0077},
    "nova-2": {"batch": 0.0043, "streaming": 0.0058},
    "nova": {"batch": 0.0043, "streaming": 0.0058},
    "enhanced": {"batch": 0.0145, "streaming": 0.0165},
    "base": {"batch": 0.0125, "streaming": 0.0145},
    "whisper": {"batch": 0.0048, "streaming": 0.0048},
}

#: USD per 1,000 characters of text to speech, by model family.
SPEAK_PER_1K_CHARS: dict[str, float] = {"aura-2": 0.030, "aura": 0.015}

#: USD per 1,000 tokens (input plus output) of text intelligence.
READ_PER_1K_TOKENS = 0.0003


def _family(model: str, families: dict[str, object]) -> str:
    for family in sorted(families, key=len, reverse=True):
        if model == family or model.startswith(family + "-") or model.endswith("-" + family):
            return family
    return "nova-3" if "nova-3" in families else next(iter(families))


def listen_cost(model: str, method: str, seconds: float, channels: int = 1) -> float:
    """USD for ``seconds`` of audio on ``channels`` billed channels."""
    rates = LISTEN_PER_MINUTE[_family(model, dict(LISTEN_PER_MINUTE))]
    rate = rates["streaming" if method == "streaming" else "batch"]
    return round(rate * max(seconds, 0.0) * max(channels, 1) / 60.0, 6)


def speak_cost(model: str, characters: int) -> float:
    """USD for synthesising ``characters`` characters."""
    family = "aura-2" if model.startswith("aura-2") else "aura"
    return round(SPEAK_PER_1K_CHARS[family] * max(characters, 0) / 1000.0, 6)


def read_cost(tokens: int) -> float:
    """USD for ``tokens`` tokens of text intelligence."""
    return round(READ_PER_1K_TOKENS * max(tokens, 0) / 1000.0, 6)
