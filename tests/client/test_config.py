"""Building a client: every construction form of DESIGN.md, URLs, credentials, timeouts."""

from __future__ import annotations

import pickle
import warnings

import pytest
import responses

import dgdata
from dgdata import Deepgram
from dgdata._config import Timeouts, normalize_base_url
from dgdata.errors import ConfigurationError
from tests.client.conftest import API, KEY


def test_no_credentials_raises_naming_the_environment_variable() -> None:
    with pytest.raises(ConfigurationError, match="DEEPGRAM_API_KEY"):
        Deepgram()


def test_configuration_error_is_a_value_error_and_a_deepgram_error() -> None:
    with pytest.raises(ValueError):
        Deepgram()
    assert issubclass(ConfigurationError, dgdata.errors.DeepgramError)


def test_key_and_url_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEEPGRAM_API_KEY", KEY)
    monkeypatch.setenv("DEEPGRAM_API_URL", "http://127.0.0.1:8080")
    dg = Deepgram()
    assert dg.api_url == "http://127.0.0.1:8080"
    assert dg.config.credential.reveal() == KEY
    assert dg.config.scheme == "Token"


@pytest.mark.parametrize(
    "build",
    [
        lambda: Deepgram(KEY),
        lambda: Deepgram({"api_key": KEY}),
        lambda: Deepgram(api_key=KEY),
    ],
    ids=["string", "seed-dict", "keyword"],
)
def test_every_construction_form_sends_a_token_header(build) -> None:  # type: ignore[no-untyped-def]
    with responses.RequestsMock() as mocked:
        mocked.get(f"{API}/v1/projects", json={"projects": []})
        assert build().projects.list() == {"projects": []}
        assert mocked.calls[0].request.headers["Authorization"] == f"Token {KEY}"


def test_seed_dict_with_full_listen_url_targets_its_host() -> None:
    dg = Deepgram({"api_key": KEY, "api_url": "http://127.0.0.1:9999/v1/listen"})
    assert dg.api_url == "http://127.0.0.1:9999"
    assert dg.live_url == "ws://127.0.0.1:9999/v1/listen"


def test_access_token_is_sent_as_bearer() -> None:
    with responses.RequestsMock() as mocked:
        mocked.post(f"{API}/v1/read", json={"results": {}})
        Deepgram(access_token="jwt.token.value").read.analyze("hello")
        assert mocked.calls[0].request.headers["Authorization"] == "Bearer jwt.token.value"


def test_access_token_wins_over_an_environment_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEEPGRAM_API_KEY", KEY)
    dg = Deepgram(access_token="jwt")
    assert dg.config.scheme == "Bearer"
    assert "access token" in repr(dg)


@pytest.mark.parametrize(
    ("given", "base"),
    [
        ("https://api.deepgram.com", "https://api.deepgram.com"),
        ("https://api.deepgram.com/", "https://api.deepgram.com"),
        ("https://api.deepgram.com/v1", "https://api.deepgram.com"),
        ("https://api.deepgram.com/v1/", "https://api.deepgram.com"),
        ("https://api.deepgram.com/v1/listen", "https://api.deepgram.com"),
        ("http://localhost:8080", "http://localhost:8080"),
        ("http://onprem.internal:8080/deepgram/v1", "http://onprem.internal:8080/deepgram"),
        ("wss://api.eu.deepgram.com/v1/listen", "https://api.eu.deepgram.com"),
        ("HTTPS://API.deepgram.com", "https://API.deepgram.com"),
    ],
)
def test_api_url_forms_normalise_to_a_base(given: str, base: str) -> None:
    assert normalize_base_url(given) == base


@pytest.mark.parametrize("bad", ["", "api.deepgram.com", "ftp://host", "http://"])
def test_bad_api_url_is_refused_at_construction(bad: str) -> None:
    with pytest.raises(ConfigurationError):
        Deepgram(api_key=KEY, api_url=bad or " ")


def test_live_url_maps_https_to_wss_and_keeps_the_path_prefix() -> None:
    dg = Deepgram(api_key=KEY, api_url="https://onprem.example/dg/v1")
    assert dg.live_url == "wss://onprem.example/dg/v1/listen"


def test_requests_go_under_a_path_prefix() -> None:
    with responses.RequestsMock() as mocked:
        mocked.get("https://onprem.example/dg/v1/projects", json={"projects": []})
        Deepgram(api_key=KEY, api_url="https://onprem.example/dg").projects.list()
        assert len(mocked.calls) == 1


@pytest.mark.parametrize(
    ("api_url", "agent_url", "named"),
    [
        ("http://onprem.example:8080/v1", None, "http://onprem.example:8080"),
        ("http://dgkey:hunter2@10.1.2.3/dg", None, "http://10.1.2.3"),
        ("ws://[2001:db8::7]:9000/v1/listen", None, "http://[2001:db8::7]:9000"),
        ("https://api.deepgram.com", "http://agents.example", "http://agents.example"),
    ],
    ids=["hostname", "private-ip-with-user-info", "ipv6-ws", "agent-url"],
)
def test_a_clear_text_url_to_another_machine_warns_once_without_the_key(
    api_url: str, agent_url: str | None, named: str, caplog: pytest.LogCaptureFixture
) -> None:
    with warnings.catch_warnings(record=True) as caught, caplog.at_level("WARNING", "dgdata"):
        warnings.simplefilter("always")
        dg = Deepgram(api_key=KEY, api_url=api_url, agent_url=agent_url)
        dg.with_options(max_retries=0)  # the same client's settings: no second warning
        pickle.loads(pickle.dumps(dg))
    assert [w.category for w in caught] == [dgdata.errors.ClearTextCredentialWarning]
    assert caught[0].filename == __file__, "the warning points at the caller's line"
    text = str(caught[0].message)
    assert named in text and "clear text" in text and "https://" in text
    logged = [r.getMessage() for r in caplog.records if r.name == "dgdata._config"]
    assert logged == [text]
    for shown in (text, *logged):
        assert KEY not in shown and "hunter2" not in shown and "dgkey" not in shown


@pytest.mark.parametrize(
    "api_url",
    [
        "http://127.0.0.1:8080",
        "http://127.45.6.7/v1",
        "http://[::1]:9/v1",
        "http://localhost:8080",
        "ws://LOCALHOST:1/v1/listen",
        "https://onprem.example",
        "wss://10.0.0.5/v1/listen",
    ],
)
def test_loopback_http_and_any_https_do_not_warn(
    api_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    with warnings.catch_warnings(record=True) as caught, caplog.at_level("WARNING", "dgdata"):
        warnings.simplefilter("always")
        Deepgram(api_key=KEY, api_url=api_url)
    assert caught == [] and caplog.records == []


def test_unknown_seed_option_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="api_ur"):
        Deepgram({"api_key": KEY, "api_ur": "typo"})


def test_a_key_with_white_space_is_refused() -> None:
    with pytest.raises(ConfigurationError):
        Deepgram(api_key="two words")


def test_negative_max_retries_is_refused() -> None:
    with pytest.raises(ConfigurationError):
        Deepgram(api_key=KEY, max_retries=-1)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (None, Timeouts(10.0, 60.0, 900.0)),
        (5, Timeouts(5.0, 5.0, 900.0)),
        (2000.0, Timeouts(2000.0, 2000.0, 2000.0)),
        ((3, 7), Timeouts(3.0, 7.0, 7.0)),
        (Timeouts(1, 2, 3), Timeouts(1, 2, 3)),
    ],
)
def test_timeout_forms(given: object, expected: Timeouts) -> None:
    assert Deepgram(api_key=KEY, timeout=given).config.timeouts == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "bad", [0, -1, "10", True, float("nan"), float("inf"), (1, float("nan")), (1, 2, 3), ("a", 1)]
)
def test_bad_timeout_is_refused(bad: object) -> None:
    with pytest.raises(ConfigurationError) as raised:
        Deepgram(api_key=KEY, timeout=bad)  # type: ignore[arg-type]
    assert str(raised.value).startswith("timeout ")
    if isinstance(bad, (str, bool)):
        assert "dgdata.Timeouts" in str(raised.value)


def test_the_timeouts_the_error_names_are_public() -> None:
    timeouts = dgdata.Timeouts(connect=2, read=5, upload_read=30)
    assert Deepgram(api_key=KEY, timeout=timeouts).config.timeouts == timeouts
    assert "Timeouts" in dgdata.__all__


def test_one_session_is_shared_and_has_a_dgdata_user_agent() -> None:
    dg = Deepgram(api_key=KEY)
    assert dg.projects._transport.session is dg.keys._transport.session is dg.session
    assert dg.session.headers["User-Agent"].startswith(f"dgdata/{dgdata.__version__} python/")


def test_resource_groups_are_created_once() -> None:
    dg = Deepgram(api_key=KEY)
    assert dg.keys is dg.keys


def test_context_manager_closes_the_session(monkeypatch: pytest.MonkeyPatch) -> None:
    closed: list[bool] = []
    with Deepgram(api_key=KEY) as dg:
        monkeypatch.setattr(dg.session, "close", lambda: closed.append(True))
    assert closed == [True]


def test_client_pickles_without_its_session_for_worker_processes() -> None:
    dg = Deepgram(api_key=KEY, api_url="http://127.0.0.1:1234", max_retries=5)
    clone = pickle.loads(pickle.dumps(dg))
    assert clone.api_url == dg.api_url
    assert clone.config.max_retries == 5
    assert clone.session is not dg.session
    assert pickle.loads(pickle.dumps(dg)) is clone, "one clone per process, one connection pool"
    other = pickle.loads(pickle.dumps(dg.with_options(max_retries=0)))
    assert other is not clone and other.config.max_retries == 0


def test_with_options_shares_the_session_and_changes_only_what_is_asked() -> None:
    from dgdata import Deepgram

    dg = Deepgram("k" * 40, api_url="http://127.0.0.1:9", max_retries=5)
    other = dg.with_options(max_retries=0, timeout=3)
    assert other.config.max_retries == 0 and dg.config.max_retries == 5
    assert other.config.timeouts.connect == 3 and dg.config.timeouts.connect == 10
    assert other.session is dg.session
    assert other.config.credential is dg.config.credential
    assert dg.with_options().config == dg.config
    with pytest.raises(ValueError, match="0 or more"):
        dg.with_options(max_retries=-1)


def test_the_default_session_pools_enough_connections_for_a_batch() -> None:
    from dgdata._http import POOL_SIZE, UPLOAD_BLOCK

    dg = Deepgram("k" * 40, api_url="http://127.0.0.1:9")
    for url in ("http://api", "https://api"):
        adapter = dg.session.get_adapter(url)
        assert adapter._pool_maxsize == POOL_SIZE >= 32  # batches run 8-32 files at once
        assert adapter.poolmanager.connection_pool_kw["blocksize"] == UPLOAD_BLOCK
