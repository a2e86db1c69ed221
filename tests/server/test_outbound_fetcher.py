"""The outbound fetcher, :mod:`dgdata.server.listen.outbound` (issue 16, item 3), on its own.

What an address is (no network); then fetches to receivers on loopback, with a policy that takes
127.0.0.1 for a public address: the name is resolved once per hop and the connection goes to the
address that was checked (no second lookup for DNS rebinding to slip into), the request still
names the host (``Host``, TLS SNI and certificate), and redirects are followed, each hop checked.
"""

from __future__ import annotations

import datetime
import http.server
import socket
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests.utils
import urllib3

from dgdata.server.listen import outbound
from tests.server.callback_receiver import CallbackReceiver
from tests.server.outbound_common import Connections, connections, stub_resolver

__all__ = ["connections", "stub_resolver"]  # fixtures

#: 127.0.0.1 counts as public here: the receivers of these tests run there.
LOOPBACK_IS_PUBLIC = outbound.OutboundPolicy(
    classify=lambda a: None if a == "127.0.0.1" else outbound.address_kind(a)
)
TIMEOUT = (5.0, 5.0)


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("127.255.0.9", "loopback"),
        ("::1", "loopback"),
        ("10.0.0.5", "private"),
        ("172.16.3.4", "private"),
        ("192.168.1.1", "private"),
        ("fd00::5", "private"),
        ("fc00::1", "private"),
        ("100.64.0.1", "shared (CGNAT)"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("224.0.0.1", "multicast"),
        ("239.255.255.250", "multicast"),
        ("ff02::1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("255.255.255.255", "reserved"),
        ("240.0.0.1", "reserved"),
        ("192.0.2.1", "reserved"),
        ("2001:db8::1", "reserved"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:10.0.0.5", "private"),
        ("::ffff:169.254.169.254", "link-local"),
        ("2002:a00:5::1", "private"),  # 6to4 of 10.0.0.5
        ("64:ff9b::7f00:1", "loopback"),  # NAT64 of 127.0.0.1
        ("::7f00:1", "reserved"),  # IPv4-compatible, deprecated
        ("not an address", "unparseable"),
        ("93.184.216.34", None),
        ("8.8.8.8", None),
        ("2606:4700::1111", None),
        ("::ffff:8.8.8.8", None),
        ("64:ff9b::808:808", None),
    ],
)
def test_what_an_address_is(address: str, kind: str | None) -> None:
    assert outbound.address_kind(address) == kind


@pytest.mark.parametrize(
    "url",
    [
        "http://2130706433/",
        "http://0x7f.1/",
        "http://017700000001/",
        "http://127.1/",
        "http://[::ffff:7f00:1]/",
        "http://localhost/",
        "http://LocalHost./",
        "http://a.b.localhost/",
    ],
)
def test_numeric_tricks_and_localhost_names_are_loopback(url: str) -> None:
    """Whatever ``getaddrinfo`` makes of the host (numeric forms need no DNS)."""
    with pytest.raises(outbound.RefusedAddress) as refused:
        outbound.OutboundPolicy().check(url)
    assert refused.value.kind == "loopback"
    if "localhost" not in url.lower():
        allowed = outbound.OutboundPolicy(allow_private=True).check(url)
        assert [outbound.address_kind(address) for address in allowed] == ["loopback"]


def test_a_name_is_resolved_once_and_the_checked_address_is_the_one_connected(
    stub_resolver: list[str], connections: Connections, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_lookup(host: str, *args: object, **kwargs: object) -> object:
        raise AssertionError(f"{host} was looked up again")

    with CallbackReceiver(document=b"media") as receiver:
        real_getaddrinfo = socket.getaddrinfo

        def numeric_only(host: str, *args: object, **kwargs: object) -> object:
            if host == "public.test":
                return no_lookup(host)
            return real_getaddrinfo(host, *args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(socket, "getaddrinfo", numeric_only)
        url = f"http://public.test:{receiver.port}/doc?x=1"
        with outbound.open_url("GET", url, policy=LOOPBACK_IS_PUBLIC, timeout=TIMEOUT) as answer:
            assert answer.status == 200 and answer.read() == b"media"
    assert stub_resolver == ["public.test"]
    assert connections.made == [("127.0.0.1", receiver.port)]
    (request,) = receiver.received
    assert request.path == "/doc?x=1"
    assert request.headers["Host"] == f"public.test:{receiver.port}"


def test_redirects_are_followed_each_hop_checked(
    stub_resolver: list[str], connections: Connections
) -> None:
    redirects = {"/a": "/b", "/b": "http://public.test:{port}/c", "/c": "/doc"}
    with CallbackReceiver(document=b"media") as receiver:
        receiver.redirects = {k: v.format(port=receiver.port) for k, v in redirects.items()}
        url = f"http://public.test:{receiver.port}/a"
        with outbound.open_url(
            "GET", url, policy=LOOPBACK_IS_PUBLIC, timeout=TIMEOUT, redirects=3
        ) as answer:
            assert answer.status == 200 and answer.read() == b"media"
    assert [r.path for r in receiver.received] == ["/a", "/b", "/c", "/doc"]
    assert stub_resolver == ["public.test"] * 4, "every hop resolved (and checked) anew"
    assert {address for address in connections.made} == {("127.0.0.1", receiver.port)}


@pytest.mark.parametrize(
    ("location", "error"),
    [
        ("http://private.test/doc", outbound.RefusedAddress),
        ("http://metadata.test/latest/meta-data/", outbound.RefusedAddress),
        ("http://127.0.0.2:{port}/doc", outbound.RefusedAddress),
        ("http://localhost:{port}/doc", outbound.RefusedAddress),
        ("file:///etc/passwd", outbound.BadURL),
        ("/loop", outbound.TooManyRedirects),
    ],
)
def test_a_redirect_that_leaves_the_policy_is_refused_before_connecting(
    stub_resolver: list[str], connections: Connections, location: str, error: type[Exception]
) -> None:
    with CallbackReceiver() as receiver:
        receiver.redirects = {"/start": location.format(port=receiver.port), "/loop": "/loop"}
        with pytest.raises(error):
            url = f"http://public.test:{receiver.port}/start"
            with outbound.open_url(
                "GET", url, policy=LOOPBACK_IS_PUBLIC, timeout=TIMEOUT, redirects=5
            ):
                pass
    assert set(connections.made) == {("127.0.0.1", receiver.port)}, "no other connection"
    hops = 1 + (outbound.REDIRECTS if error is outbound.TooManyRedirects else 0)
    assert len(receiver.received) == hops


def test_callbacks_follow_no_redirect() -> None:
    """A delivery gets the receiver's own answer: a 302 is a failed delivery, not a new hop."""
    with CallbackReceiver() as receiver:
        receiver.redirects = {"/start": "/elsewhere"}
        url = f"http://127.0.0.1:{receiver.port}/start"
        policy = outbound.OutboundPolicy(allow_private=True)
        with outbound.open_url("GET", url, policy=policy, timeout=TIMEOUT) as answer:
            assert answer.status == 302
    assert [r.path for r in receiver.received] == ["/start"]


# --------------------------------------------------------------------------- TLS


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for ``public.test`` (made with ``cryptography``)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    private = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "public.test")])
    now = datetime.datetime.now(datetime.timezone.utc)
    built = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("public.test")]), critical=False)
        .sign(private, hashes.SHA256())
    )
    cert.write_bytes(built.public_bytes(serialization.Encoding.PEM))
    key.write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert, key


@pytest.fixture
def tls_host(certificate: tuple[Path, Path]) -> Iterator[tuple[int, list[str | None]]]:
    """An HTTPS server on loopback with that certificate: its port, and the SNI names it got."""
    names: list[str | None] = []
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    context.sni_callback = lambda _sock, name, _ctx: names.append(name)

    class Answer(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", "6")
            self.end_headers()
            self.wfile.write(b"secure")

        def log_message(self, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Answer)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield httpd.server_address[1], names
    httpd.shutdown()
    httpd.server_close()


def test_tls_names_the_host_while_connecting_to_the_checked_address(
    stub_resolver: list[str],
    tls_host: tuple[int, list[str | None]],
    certificate: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    port, names = tls_host
    monkeypatch.setattr(requests.utils, "DEFAULT_CA_BUNDLE_PATH", str(certificate[0]))
    url = f"https://public.test:{port}/doc"
    with outbound.open_url("GET", url, policy=LOOPBACK_IS_PUBLIC, timeout=TIMEOUT) as answer:
        assert answer.read() == b"secure"
    assert names == ["public.test"], "SNI carries the name, not the address"
    policy = outbound.OutboundPolicy(allow_private=True)
    by_address = f"https://127.0.0.1:{port}/"  # the certificate is checked: not for 127.0.0.1
    with (
        pytest.raises(urllib3.exceptions.SSLError),
        outbound.open_url("GET", by_address, policy=policy, timeout=TIMEOUT),
    ):
        pass
