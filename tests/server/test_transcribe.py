"""The prerecorded response builder: Deepgram's shape, formatting options, warnings."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from dgdata.server.asr.engine import DecoderPool, Word, recognize
from dgdata.server.audio.decode import DecodedAudio
from dgdata.server.audio.media import decode_audio
from dgdata.server.listen.numbers import find_numbers
from dgdata.server.listen.response import build_listen_response, format_alternative, mixdown

ROOT = Path(__file__).resolve().parents[2]
REAL = ROOT / "tests/data/real"
SAMPLES = ROOT / "dgdata/data/samples"
CREATED = datetime(2024, 5, 6, 7, 8, 9, 123456)


def words(*spec: tuple[str, float, float]) -> list[Word]:
    return [Word(text, start, end, 0.9) for text, start, end in spec]


def flat(*texts: str, start: float = 0.0, step: float = 0.3) -> list[Word]:
    """Words back to back from ``start``; "|" in ``texts`` is a pause of one second."""
    out, time = [], start
    for text in texts:
        if text == "|":
            time += 1.0
            continue
        out.append(Word(text, round(time, 3), round(time + step, 3), 0.8))
        time += step
    return out


def silent_audio(seconds: float = 10.0, channels: int = 1) -> DecodedAudio:
    return DecodedAudio(np.zeros((int(seconds * 16000), channels), np.int16), 16000, channels,
                        seconds)  # fmt: skip


def build(channel_words: list[list[Word]], channels: int = 1, /, **options: Any) -> dict[str, Any]:
    return build_listen_response(
        silent_audio(channels=channels),
        channel_words,
        options,
        request_id="9c1a5e0e-2b36-4a6e-8f57-1d1a1f0b0c0d",
        created=CREATED,
        sha256="ab" * 32,
    )


def alternative(response: dict[str, Any], channel: int = 0) -> dict[str, Any]:
    return response["results"]["channels"][channel]["alternatives"][0]


def _key(name: str) -> str:
    try:
        uuid.UUID(name)
    except ValueError:
        return name
    return "<uuid>"


def key_tree(node: Any) -> Any:
    """The keys of a JSON document (uuid keys as "<uuid>"), lists as their first item's keys."""
    if isinstance(node, dict):
        return {_key(key): key_tree(value) for key, value in node.items()}
    if isinstance(node, list):
        return [key_tree(node[0])] if node and isinstance(node[0], (dict, list)) else []
    return None


# --------------------------------------------------------------------------- shape


def test_smart_format_response_has_the_real_responses_key_structure() -> None:
    real = json.loads((REAL / "python-captions/dg_utterances.json").read_text())
    ours = build([flat("yeah", "|", "as", "much", "as", "it's", "worth")], smart_format="true",
                 utterances="true")  # fmt: skip
    assert key_tree(ours) == key_tree(real)


def test_plain_response_matches_a_real_nova3_response_less_what_was_not_asked() -> None:
    folder = REAL / "python-sdk-v4.8.1/tests/response_data/listen/rest"
    real = json.loads(next(folder.glob("c4e1c003*-a17f4880*-response.json")).read_text())
    ours = build([flat("we", "the", "people")], smart_format=True)
    assert key_tree(ours["metadata"]) == key_tree(real["metadata"])
    assert key_tree(alternative(ours)) == key_tree(alternative(real))


def test_metadata_fields() -> None:
    response = build([flat("hello")])
    metadata = response["metadata"]
    assert metadata["transaction_key"] == "deprecated"
    assert metadata["created"] == "2024-05-06T07:08:09.123Z"
    assert metadata["duration"] == 10.0 and metadata["channels"] == 1
    assert metadata["sha256"] == "ab" * 32
    (model,) = metadata["models"]
    assert uuid.UUID(model) and set(metadata["model_info"]) == {model}
    assert set(metadata["model_info"][model]) == {"name", "version", "arch"}
    assert "warnings" not in metadata


def test_created_is_converted_to_utc() -> None:
    local = datetime(2024, 5, 6, 9, 8, 9, 5000, tzinfo=timezone(timedelta(hours=2)))
    response = build_listen_response(
        silent_audio(), [[]], {}, request_id="r", created=local, sha256="0"
    )
    assert response["metadata"]["created"] == "2024-05-06T07:08:09.005Z"


def test_without_formatting_words_have_no_punctuated_word() -> None:
    alt = alternative(build([flat("i", "think", "so")]))
    assert alt["transcript"] == "i think so"
    assert [set(w) for w in alt["words"]] == [{"word", "start", "end", "confidence"}] * 3
    assert "paragraphs" not in alt
    assert alt["confidence"] == pytest.approx(0.8)


def test_empty_channel() -> None:
    alt = alternative(build([[]], punctuate="true"))
    assert alt == {"transcript": "", "confidence": 0.0, "words": []}


def test_the_same_input_gives_the_same_document() -> None:
    spoken = [flat("one", "two", "|", "three")]
    options = {"smart_format": "true", "utterances": "true", "diarize": "true"}
    assert json.dumps(build(spoken, **options)) == json.dumps(build(spoken, **options))


# --------------------------------------------------------------------------- formatting


def test_punctuate_ends_sentences_at_pauses_and_capitalises() -> None:
    spoken = flat("i", "think", "i'm", "late", "|", "see", "you", "there")
    alt = alternative(build([spoken], punctuate="true"))
    assert alt["transcript"] == "I think I'm late. See you there."
    assert [w["word"] for w in alt["words"]] == [w.word for w in spoken]  # word stays raw


def test_smart_format_writes_numbers_with_digits() -> None:
    spoken = flat("there", "are", "twenty", "five", "students", "and", "three", "teachers")
    alt = alternative(build([spoken], smart_format="true"))
    assert alt["transcript"] == "There are 25 students and three teachers."
    merged = alt["words"][2]
    assert merged["word"] == "25" and (merged["start"], merged["end"]) == (0.6, 1.2)
    numerals = alternative(build([spoken], numerals="true"))
    assert numerals["transcript"] == "there are 25 students and 3 teachers"


@pytest.mark.parametrize(
    ("spoken", "expected"),
    [
        ("twenty five", [25]),
        ("three hundred and six", [306]),
        ("two thousand twenty four", [2024]),
        ("one million five hundred thousand", [1_500_000]),
        ("nineteen ninety nine", [1999]),
        ("two three", [2, 3]),
        ("a hundred people", []),
        ("seven eleven", [7, 11]),
    ],
)
def test_cardinal_numbers(spoken: str, expected: list[int]) -> None:
    assert [span.value for span in find_numbers(spoken.split())] == expected


def test_paragraphs_split_on_long_pauses() -> None:
    spoken = flat("hello", "there", "|", "how", "are", "you", "|", "|", "fine", "thanks")
    paragraphs = alternative(build([spoken], paragraphs="true"))["paragraphs"]
    assert paragraphs["transcript"] == "\nHello there. How are you?\n\nFine thanks."
    first, second = paragraphs["paragraphs"]
    assert [s["text"] for s in first["sentences"]] == ["Hello there.", "How are you?"]
    assert first["num_words"] == 5 and second["num_words"] == 2
    assert (first["start"], first["end"]) == (spoken[0].start, spoken[4].end)
    assert "speaker" not in first


def test_utterances_split_on_utt_split() -> None:
    spoken = flat("good", "morning", "|", "how", "are", "you")
    utterances = build([spoken], utterances="true")["results"]["utterances"]
    assert [u["transcript"] for u in utterances] == ["good morning", "how are you"]
    assert [u["channel"] for u in utterances] == [0, 0]
    assert all(uuid.UUID(u["id"]) for u in utterances)
    assert len({u["id"] for u in utterances}) == 2
    assert "speaker" not in utterances[0]
    joined = build([spoken], utterances="true", utt_split="1.5")["results"]["utterances"]
    assert len(joined) == 1


def test_multichannel_diarize_gives_one_speaker_per_channel() -> None:
    left = flat("hello", "there")
    right = flat("hi", "|", "how", "are", "you", start=0.2)
    response = build([left, right], 2, multichannel="true", diarize="true",
                     utterances="true", punctuate="true")  # fmt: skip
    assert len(response["results"]["channels"]) == 2
    for channel in (0, 1):
        for word in alternative(response, channel)["words"]:
            assert (word["speaker"], word["speaker_confidence"]) == (channel, 1.0)
    utterances = response["results"]["utterances"]
    assert [(u["channel"], u["speaker"]) for u in utterances] == [(0, 0), (1, 1), (1, 1)]
    assert [u["start"] for u in utterances] == sorted(u["start"] for u in utterances)
    warnings = response["metadata"]["warnings"]
    assert [w["parameter"] for w in warnings] == ["diarize"]


def test_mono_diarize_assumes_speaker_zero() -> None:
    response = build([flat("hello")], diarize="true", paragraphs="true")
    word = alternative(response)["words"][0]
    assert (word["speaker"], word["speaker_confidence"]) == (0, 0.0)
    paragraphs = alternative(response)["paragraphs"]
    assert paragraphs["transcript"] == "\nSpeaker 0: Hello."
    assert paragraphs["paragraphs"][0]["speaker"] == 0


def test_replace_and_search() -> None:
    spoken = flat("call", "doctor", "smith", "tomorrow", "um", "please")
    options = {"replace": ["doctor smith:Dr. Smith", "um:"], "search": ["smith", "tomorow"]}
    response = build([spoken], **options)
    alt = alternative(response)
    assert alt["transcript"] == "call Dr. Smith tomorrow please"
    found = response["results"]["channels"][0]["search"]
    assert [item["query"] for item in found] == ["smith", "tomorow"]
    best = found[1]["hits"][0]
    assert best["snippet"] == "tomorrow" and best["start"] == spoken[3].start
    assert 0 < best["confidence"] < 0.8  # a misspelt query still matches, less confidently


@pytest.mark.parametrize(
    "option",
    ["summarize", "topics", "intents", "sentiment", "detect_language", "detect_entities"],
)
def test_features_without_a_model_are_reported_not_faked(option: str) -> None:
    response = build([flat("hello")], **{option: "true"})
    assert response["metadata"]["warnings"] == [
        {
            "parameter": option,
            "type": "unsupported_feature",
            "message": response["metadata"]["warnings"][0]["message"],
        }
    ]
    assert "not applied" in response["metadata"]["warnings"][0]["message"]
    assert set(response["results"]) == {"channels"}
    assert set(alternative(response)) == {"transcript", "confidence", "words"}


def test_redaction_and_foreign_language_warnings() -> None:
    response = build([flat("hello")], redact=["pci", "ssn"], language="de", summarize="false")
    warnings = {w["parameter"]: w["type"] for w in response["metadata"]["warnings"]}
    assert warnings == {"redact": "unsupported_feature", "language": "unsupported_language"}


def test_live_alternative_formatting() -> None:
    alt = format_alternative(flat("i", "am", "twenty", "two"), {"smart_format": True})
    assert alt["transcript"] == "I am 22."
    assert alt["confidence"] == pytest.approx(0.8)


# --------------------------------------------------------------------------- end to end


def test_mixdown_averages_channels() -> None:
    samples = np.array([[100, 300], [-200, -201], [32767, 32767]], dtype=np.int16)
    audio = DecodedAudio(samples, 16000, 2, 3 / 16000)
    np.testing.assert_array_equal(mixdown(audio), np.array([200, -200, 32767], dtype=np.int16))


def test_sample_file_end_to_end() -> None:
    data = (SAMPLES / "students.wav").read_bytes()
    audio = decode_audio(data)
    spoken = recognize(mixdown(audio), pool=DecoderPool(1))
    response = build_listen_response(
        audio, [spoken], {"smart_format": "true"}, request_id="r", created=CREATED, sha256="0"
    )
    assert alternative(response)["transcript"] == "There are 25 students."
    assert response["metadata"]["duration"] == pytest.approx(2.22, abs=0.01)
    json.dumps(response)  # plain JSON types only


def test_samples_readme_lists_every_sample() -> None:
    readme = (SAMPLES / "README.md").read_text()
    wavs = sorted(SAMPLES.glob("*.wav"))
    assert len(wavs) >= 2
    assert sum(w.stat().st_size for w in wavs) < 250_000
    for wav in wavs:
        assert wav.name in readme
        assert decode_audio(wav.read_bytes()).sample_rate_in == 16000
    assert "flite" in readme.lower() and "rms" in readme and "synthetic" in readme
