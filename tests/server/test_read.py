"""``POST /v1/read`` on the local server: extractive summaries, honest warnings, usage."""

from __future__ import annotations

import functools
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from dgdata import Deepgram, errors
from dgdata.server.listen.summaries import split_sentences, summarize
from dgdata.server.routes.read import MAX_TEXT_BYTES
from dgdata.server.runner import LocalServer
from tests.server.callback_receiver import CallbackReceiver, callback_outcome

pytestmark = pytest.mark.integration

ARTICLE = """\
Solar panels turn sunlight into electricity. The panels on a house roof can produce enough
electricity for a family on a sunny day. On cloudy days the panels produce less electricity,
so many houses keep a battery. The battery stores electricity from the panels for the evening.

My neighbour painted his fence green last weekend. He says the colour reminds him of spring.

Batteries for solar panels have become cheaper every year. Cheaper batteries mean that more
families can store the electricity their panels produce. Some families now sell electricity
from their panels and batteries back to the grid. The grid pays them for the electricity.
"""


def auth(server: LocalServer) -> dict[str, str]:
    return {"Authorization": f"Token {server.api_key}"}


def read(server: LocalServer, query: str, body: Any) -> requests.Response:
    return requests.post(
        f"{server.url}/v1/read?{query}", json=body, headers=auth(server), timeout=30
    )


def stored(server: LocalServer, request_id: str) -> dict[str, Any]:
    row = server.store.one("SELECT * FROM requests WHERE request_id = ?", (request_id,))
    assert row is not None, f"request {request_id} was not recorded"
    return dict(row)


@pytest.fixture(scope="module")
def text_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder ``text_host`` serves, with the article in it."""
    folder: Path = tmp_path_factory.mktemp("read")
    (folder / "article.txt").write_text(ARTICLE, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def text_host(text_folder: Path) -> Iterator[str]:
    folder = text_folder

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder))
    )
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_the_summary_is_extractive_and_shaped_like_the_real_one(server: LocalServer) -> None:
    response = read(server, "summarize=true&language=en", {"text": ARTICLE})
    assert response.status_code == 200
    body = response.json()
    metadata = body["metadata"]
    assert set(metadata) == {"request_id", "created", "language", "summary_info"}
    assert metadata["request_id"] == response.headers["dg-request-id"]
    assert metadata["language"] == "en" and metadata["created"].endswith("Z")
    info = metadata["summary_info"]
    assert set(info) == {"model_uuid", "input_tokens", "output_tokens"}
    assert info["input_tokens"] > info["output_tokens"] > 0
    assert set(body["results"]) == {"summary"}
    summary = body["results"]["summary"]["text"]
    originals = split_sentences(ARTICLE)
    chosen = split_sentences(summary)
    assert 1 <= len(chosen) < len(originals)
    assert all(sentence in originals for sentence in chosen), "extractive: sentences of the text"
    assert "electricity" in summary and "fence" not in summary, "the off-topic aside is left out"

    row = stored(server, metadata["request_id"])
    assert (row["endpoint"], row["method"], row["code"]) == ("read", "sync", 200)
    assert (row["tokens_in"], row["tokens_out"]) == (info["input_tokens"], info["output_tokens"])
    assert row["usd"] > 0 and json.loads(row["features"]) == ["summarize"]


def test_unavailable_features_are_not_faked_but_warned_about(dg: Deepgram) -> None:
    body = dg.read.analyze(ARTICLE, summarize="v2", topics=True, intents=True, sentiment=True)
    assert set(body["results"]) == {"summary"}
    warned = {w["parameter"]: w for w in body["metadata"]["warnings"]}
    assert set(warned) == {"topics", "intents", "sentiment"}
    assert all(w["type"] == "unsupported_feature" and w["message"] for w in warned.values())
    only_topics = dg.read.analyze(ARTICLE, topics=True)
    assert only_topics["results"] == {}
    assert [w["parameter"] for w in only_topics["metadata"]["warnings"]] == ["topics"]


def test_text_is_fetched_from_a_url(dg: Deepgram, text_host: str) -> None:
    body = dg.read.analyze({"url": f"{text_host}/article.txt"}, summarize=True)
    assert body["results"]["summary"]["text"] == summarize(ARTICLE)
    with pytest.raises(errors.BadRequestError) as raised:
        dg.read.analyze({"url": f"{text_host}/nothing.txt"}, summarize=True)
    assert "404" in raised.value.message


def test_text_beyond_the_limit_is_413_sent_or_fetched(
    server: LocalServer, text_host: str, text_folder: Path
) -> None:
    """Issue 16, item 9: the text is held in memory to be analysed, so it is bounded."""
    big = "word " * (MAX_TEXT_BYTES // 5 + 1)
    answer = read(server, "summarize=true", {"text": big})
    assert answer.status_code == 413, answer.text
    assert answer.json()["err_code"] == "PAYLOAD_TOO_LARGE"
    (text_folder / "big.txt").write_text(big, encoding="utf-8")
    answer = read(server, "summarize=true", {"url": f"{text_host}/big.txt"})
    assert answer.status_code == 413, answer.text
    assert answer.json()["err_code"] == "PAYLOAD_TOO_LARGE"


@pytest.mark.parametrize(
    ("query", "body", "needle"),
    [
        ("summarize=true", {"text": "   "}, "empty"),
        ("summarize=true", {"words": "hello"}, "text or url"),
        ("summarize=true", ["not", "an", "object"], "JSON"),
        ("summarize=maybe", {"text": "hello"}, "summarize"),
        ("topics=perhaps", {"text": "hello"}, "topics"),
        ("summarize=true", {"url": "ftp://example.com/a.txt"}, "http"),
        ("callback=nowhere", {"text": "hello"}, "callback"),
    ],
)
def test_bad_requests_are_400_and_recorded(
    server: LocalServer, query: str, body: Any, needle: str
) -> None:
    response = read(server, query, body)
    assert response.status_code == 400
    assert needle in response.json()["err_msg"]
    assert stored(server, response.headers["dg-request-id"])["code"] == 400


def test_a_callback_gets_the_result(dg: Deepgram, server: LocalServer) -> None:
    with CallbackReceiver() as receiver:
        accepted = dg.read.analyze(ARTICLE, summarize=True, callback=receiver.url)
        (delivery,) = receiver.wait(1)
    result = json.loads(delivery.body)
    assert result["metadata"]["request_id"] == accepted["request_id"]
    assert result["results"]["summary"]["text"] == summarize(ARTICLE)
    row = callback_outcome(server.store, accepted["request_id"])
    assert (row["method"], row["callback_code"]) == ("async", 200)


def test_a_grant_token_may_read_but_a_wrong_key_may_not(dg: Deepgram, server: LocalServer) -> None:
    token = dg.auth.grant(ttl_seconds=60)["access_token"]
    with Deepgram(access_token=token, api_url=server.url, max_retries=0) as bearer:
        assert bearer.read.analyze(ARTICLE, summarize=True)["results"]["summary"]["text"]
    with (
        Deepgram(api_key="0" * 40, api_url=server.url, max_retries=0) as wrong,
        pytest.raises(errors.AuthenticationError),
    ):
        wrong.read.analyze(ARTICLE, summarize=True)


def test_the_summariser_picks_whole_sentences_in_their_order() -> None:
    text = (
        "Cats sleep a lot. Cats sleep in the sun and cats sleep at night. "
        "The bus was late. Many cats sleep sixteen hours a day. Rain fell in the evening."
    )
    chosen = split_sentences(summarize(text, max_sentences=2))
    originals = split_sentences(text)
    assert len(chosen) == 2 and all(s in originals for s in chosen)
    assert [originals.index(s) for s in chosen] == sorted(originals.index(s) for s in chosen)
    assert all("cats" in s.lower() for s in chosen)
    assert summarize("Just one sentence.") == "Just one sentence."
    assert summarize("") == ""
