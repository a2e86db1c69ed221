"""The server's outbound URL policy (issue 16, items 2 and 3: server-side request forgery).

``url`` sources and ``callback`` URLs that are, or resolve to, loopback, private, link-local,
multicast or reserved addresses are refused with a 400 by default, before any connection is made;
``allow_private_urls`` (``dgdata serve --allow-private-urls``) lets them through. Nothing here
connects beyond loopback: private and link-local addresses come from a resolver stub, and every
``connect`` is recorded (and refused unless it is to loopback) to show that none was attempted.
The fetcher itself (redirects, pinning to the checked address) is tested in
``test_outbound_fetcher.py``.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from dgdata.cli import main
from dgdata.server.listen import callbacks, outbound
from dgdata.server.runner import LocalServer
from tests.server.callback_receiver import CallbackReceiver
from tests.server.manage_common import assert_error, raw
from tests.server.outbound_common import NAMES, Connections, connections, stub_resolver

__all__ = ["connections", "stub_resolver"]  # fixtures

ARTICLE = (
    b"The council met on Tuesday to discuss the new bridge. The bridge will cost ten million. "
    b"Work starts in spring and ends next year. Residents asked for a cycle lane on the bridge."
)


@pytest.fixture
def guarded(deepgram_server_factory: Callable[..., LocalServer]) -> LocalServer:
    """A server with the default policy (the suite's ``server`` allows private URLs)."""
    server = deepgram_server_factory(decoders=1)
    assert server.state.settings.allow_private_urls is False
    return server


@pytest.fixture
def receiver() -> Iterator[CallbackReceiver]:
    with CallbackReceiver(document=ARTICLE) as running:
        yield running


def refused(response: requests.Response, *words: str) -> str:
    """The 400 of a refused URL: what it pointed to, and how to allow it for development."""
    body = assert_error(response, 400, "Bad Request")
    message: str = body["err_msg"]
    assert "dgdata serve --allow-private-urls" in message, message
    for word in words:
        assert word in message, message
    return message


def post_url(server: LocalServer, path: str, url: str) -> requests.Response:
    """A ``{"url": ...}`` body to ``path`` (query included)."""
    return raw(server, "POST", path, json={"url": url})


def post_callback(server: LocalServer, path: str, callback: str) -> requests.Response:
    """A request to ``path`` whose result is to be delivered to ``callback``."""
    params = {"callback": callback}
    if path == "/v1/listen":
        audio = {"Content-Type": "audio/wav"}  # refused before the body is read
        return raw(server, "POST", path, params=params, data=b"RIFF" * 8, headers=audio)
    if path == "/v1/read":
        params["summarize"] = "v2"
    return raw(server, "POST", path, params=params, json={"text": ARTICLE.decode()})


# --------------------------------------------------------------------------- loopback, for real

LOOPBACK_FORMS = [
    "http://127.0.0.1:{port}/doc",
    "http://localhost:{port}/doc",
    "http://LOCALHOST.:{port}/doc",
    "http://api.localhost:{port}/doc",
    "http://2130706433:{port}/doc",
    "http://0x7f.1:{port}/doc",
    "http://127.1:{port}/doc",
    "http://[::1]:{port}/doc",
    "http://[::ffff:127.0.0.1]:{port}/doc",
    "http://0.0.0.0:{port}/doc",
]


@pytest.mark.parametrize("form", LOOPBACK_FORMS)
@pytest.mark.parametrize(
    "path", ["/v1/listen", "/v1/listen?callback=https://callback.test/cb", "/v1/read?summarize=v2"]
)
def test_a_loopback_url_source_is_refused_and_never_fetched(
    guarded: LocalServer,
    receiver: CallbackReceiver,
    stub_resolver: list[str],
    connections: Connections,
    form: str,
    path: str,
) -> None:
    """Every loopback spelling (names, numeric tricks, IPv4-mapped IPv6): a 400, no request
    reaches the receiver; with a callback too (the fetch would happen later: refused now)."""
    url = form.format(port=receiver.port)
    refused(post_url(guarded, path, url), url)
    time.sleep(0.05)  # a fetch, had one started, would have arrived by now
    assert receiver.received == []
    assert connections.beyond(guarded) == []


@pytest.mark.parametrize("path", ["/v1/listen", "/v1/read", "/v1/speak"])
def test_a_loopback_callback_is_a_400_when_the_request_arrives(
    guarded: LocalServer, receiver: CallbackReceiver, path: str
) -> None:
    refused(post_callback(guarded, path, receiver.url), "callback URL", "loopback")
    time.sleep(0.2)
    assert receiver.received == [], "nothing is delivered later either"


def test_the_callback_of_item_2_to_the_reset_route_is_refused(guarded: LocalServer) -> None:
    """``/v1/listen?callback=<the server's own /_dgdata/reset>``: a 400, nothing wiped."""
    before = raw(
        guarded,
        "POST",
        f"/v1/projects/{guarded.project_id}/keys",
        json={
            "comment": "proof of state",
            "scopes": ["member"],
        },
    )
    assert before.status_code == 200, before.text
    key = before.json()["key"]
    refused(post_callback(guarded, "/v1/listen", f"{guarded.url}/_dgdata/reset"), "loopback")
    time.sleep(0.2)
    assert raw(guarded, "GET", "/v1/projects", key).status_code == 200, "the key survived"


# --------------------------------------------------------------------------- stubbed resolver


@pytest.mark.parametrize(
    ("host", "kind"),
    [
        ("private.test", "private"),
        ("metadata.test", "link-local"),
        ("multicast.test", "multicast"),
        ("linklocal6.test", "link-local"),
        ("unique-local.test", "private"),
        ("cgnat.test", "shared (CGNAT)"),
        ("mapped.test", "private"),
        ("mixed.test", "private"),
    ],
)
def test_private_link_local_and_multicast_hosts_are_refused_without_a_connection(
    guarded: LocalServer, stub_resolver: list[str], connections: Connections, host: str, kind: str
) -> None:
    """The name resolves (stub) to such an address, or to a public and a private one: refused
    after resolving, before connecting, for url sources and callbacks alike."""
    url = f"http://{host}/media.wav"
    refused(post_url(guarded, "/v1/listen", url), f"a {kind} address")
    refused(post_url(guarded, "/v1/read?summarize=v2", url), f"a {kind} address")
    refused(post_callback(guarded, "/v1/listen", url), "callback URL", f"a {kind} address")
    assert stub_resolver.count(host) == 3, "each was resolved, then refused"
    assert connections.beyond(guarded) == [], "no socket connected anywhere but to the server"


def test_a_redirect_to_a_private_address_is_refused_without_a_connection(
    guarded: LocalServer,
    stub_resolver: list[str],
    connections: Connections,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``public.test`` (stub: 127.0.0.1, taken for a public address here) redirects to a host
    that resolves to 10.0.0.5: the server follows the redirect, checks the new host, refuses."""
    real_kind = outbound.address_kind
    public = {"127.0.0.1"}
    monkeypatch.setattr(outbound, "address_kind", lambda a: None if a in public else real_kind(a))
    redirects = {"/doc": "http://private.test/doc", "/home": "http://localhost/doc"}
    with CallbackReceiver(document=ARTICLE, redirects=redirects) as hop:
        for path, kind in (("/doc", "private"), ("/home", "loopback")):
            url = f"http://public.test:{hop.port}{path}"
            refused(post_url(guarded, "/v1/read?summarize=v2", url), f"a {kind} address")
        assert [d.path for d in hop.received] == ["/doc", "/home"], "the first hops were made"
        assert [d.headers["Host"] for d in hop.received] == [f"public.test:{hop.port}"] * 2
    assert "private.test" in stub_resolver
    assert connections.beyond(guarded, hop.port) == []


def test_a_callback_whose_name_resolves_elsewhere_by_delivery_time_is_not_delivered(
    stub_resolver: list[str], connections: Connections
) -> None:
    """Delivery checks again (the name may have changed), and does not retry a refusal."""

    class Outcome:
        def __init__(self) -> None:
            self.stored: list[tuple[str, int, int]] = []

        def set_callback_result(self, request_id: str, code: int, attempts: int) -> None:
            self.stored.append((request_id, code, attempts))

    outcome = Outcome()
    code, attempts = callbacks.deliver(
        outcome,  # type: ignore[arg-type]
        "rid",
        "http://metadata.test/latest/meta-data",
        body=b"{}",
        content_type="application/json",
        sleep=lambda _: None,
    )
    assert (code, attempts) == (0, 1)
    assert outcome.stored == [("rid", 0, 1)]
    assert connections.made == []


# --------------------------------------------------------------------------- allowed mode


def test_allowed_mode_fetches_follows_redirects_and_calls_back_on_loopback(
    server: LocalServer, receiver: CallbackReceiver
) -> None:
    """The suite's server runs with ``allow_private_urls``: local development works as before."""
    assert server.state.settings.allow_private_urls is True
    receiver.redirects["/old"] = "/doc"
    old = f"http://localhost:{receiver.port}/old"
    answer = raw(server, "POST", "/v1/read", params={"summarize": "v2"}, json={"url": old})
    assert answer.status_code == 200, answer.text
    assert "bridge" in answer.json()["results"]["summary"]["text"]
    assert [d.path for d in receiver.received] == ["/old", "/doc"]
    accepted = post_callback(server, "/v1/read", receiver.url)
    assert accepted.status_code == 200, accepted.text
    delivered = receiver.wait(3)[-1]
    assert delivered.method == "POST" and delivered.path == "/hook"
    assert delivered.headers["dg-request-id"] == accepted.json()["request_id"]


def test_a_url_with_spaces_and_non_ascii_in_its_path_is_fetched_escaped(
    server: LocalServer, receiver: CallbackReceiver
) -> None:
    url = f"http://127.0.0.1:{receiver.port}/my notes/café.txt?v=1 2"
    answer = raw(server, "POST", "/v1/read", params={"summarize": "v2"}, json={"url": url})
    assert answer.status_code == 200, answer.text
    assert [d.path for d in receiver.received] == ["/my%20notes/caf%C3%A9.txt?v=1%202"]


def test_fetch_errors_do_not_tell_a_closed_port_from_an_open_one(server: LocalServer) -> None:
    """A port nobody listens on and one that accepts and hangs up give the same message."""
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    closed_port = closed.getsockname()[1]
    closed.close()
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)

    def hang_up() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            connection.close()

    threading.Thread(target=hang_up, daemon=True).start()
    messages = []
    try:
        for port in (closed_port, listener.getsockname()[1]):
            url = f"http://127.0.0.1:{port}/doc"
            body = assert_error(post_url(server, "/v1/read?summarize=v2", url), 400)
            messages.append(body["err_msg"].replace(str(port), "PORT"))
    finally:
        listener.close()
    assert messages[0] == messages[1], messages
    assert "no HTTP answer" in messages[0]


# --------------------------------------------------------------------------- the command line


@pytest.mark.parametrize(("flag", "allowed"), [([], False), (["--allow-private-urls"], True)])
def test_dgdata_serve_allows_private_urls_only_when_asked(
    monkeypatch: pytest.MonkeyPatch, flag: list[str], allowed: bool
) -> None:
    started: list[Any] = []

    def serve_forever(self: LocalServer) -> None:  # return at once instead of serving
        started.append(self.state.settings.allow_private_urls)
        self.store.close()
        self._sock.close()

    monkeypatch.setattr(LocalServer, "serve_forever", serve_forever)
    assert main(["serve", "--port", "0", *flag]) == 0
    assert started == [allowed]


def test_the_names_of_the_stub_resolver_never_reach_dns() -> None:
    """The stub's names are reserved (``.test``, RFC 6761); the suite's resolver refuses them."""
    assert all(name.endswith(".test") for name in NAMES)
    with pytest.raises(socket.gaierror):
        outbound.resolve("private.test", 80)
