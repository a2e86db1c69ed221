"""Typed option dictionaries, so editors complete Deepgram's option names.

They are ``TypedDict`` s with ``total=False``: every key is optional, and at run time they are
plain dicts. Options not listed here still pass through to the API (it grows faster than any
client), so ``ListenOptions`` documents rather than restricts.

>>> from dgdata.options import ListenOptions
>>> options: ListenOptions = {"model": "nova-3", "smart_format": True, "keywords": ["dgdata:2"]}
"""

from __future__ import annotations

from typing import Literal, TypedDict, Union

StrOrList = Union[str, list[str]]  # noqa: UP007 (evaluated at run time on Python 3.10)


class ListenOptions(TypedDict, total=False):
    """Query parameters of ``POST /v1/listen`` (all of Deepgram's OpenAPI specification)."""

    callback: str
    callback_method: Literal["POST", "PUT"]
    extra: StrOrList
    sentiment: bool
    summarize: Union[bool, Literal["v2"]]  # noqa: UP007
    tag: StrOrList
    topics: bool
    custom_topic: StrOrList
    custom_topic_mode: Literal["extended", "strict"]
    intents: bool
    custom_intent: StrOrList
    custom_intent_mode: Literal["extended", "strict"]
    detect_entities: bool
    detect_language: Union[bool, list[str]]  # noqa: UP007
    diarize: bool
    diarize_model: Literal["latest", "v1", "v2"]
    dictation: bool
    encoding: str
    filler_words: bool
    keyterm: list[str]
    keywords: StrOrList
    language: str
    measurements: bool
    model: str
    multichannel: bool
    numerals: bool
    paragraphs: bool
    profanity_filter: bool
    punctuate: bool
    redact: StrOrList
    replace: StrOrList
    search: StrOrList
    smart_format: bool
    utterances: bool
    utt_split: float
    version: str
    mip_opt_out: bool
    # Not a Deepgram option: the content type of a raw audio source, when it cannot be guessed.
    mimetype: str
