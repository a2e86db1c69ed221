"""Requests the server sends to URLs its callers name: ``url`` sources and ``callback`` URLs.

A caller must not make the server reach inside the network it runs in (server-side request
forgery): by default the server sends nothing to loopback, private (RFC 1918, ``fc00::/7``,
``100.64.0.0/10``), link-local (``169.254.0.0/16``, ``fe80::/10``), multicast, unspecified,
reserved or broadcast addresses, nor to IPv6 forms that embed such an IPv4 address
(``::ffff:127.0.0.1``), nor to ``localhost`` names. :class:`OutboundPolicy` with
``allow_private=True`` (``dgdata serve --allow-private-urls``) lets everything through, for local
development and tests.

The check is made on the addresses the host name resolves to, and the connection goes to a checked
address: :func:`open_url` resolves once (:func:`resolve`), refuses the hop if *any* address is
refused, then connects to those addresses only, so a DNS answer that changes between the check and
the connection (DNS rebinding) cannot slip through. The request still names the host (``Host``
header, TLS SNI and certificate check). Redirects are followed by :func:`open_url` itself, each hop
checked the same way. No proxy from the environment is used: it would connect elsewhere than to
the checked address.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

import requests.utils
import urllib3
from starlette.concurrency import run_in_threadpool
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.exceptions import ConnectTimeoutError, HTTPError, NewConnectionError
from urllib3.util import connection as urllib3_connection

from dgdata.server.errors import ApiError, bad_request

__all__ = [
    "FAILURES",
    "NO_ANSWER",
    "REDIRECTS",
    "BadURL",
    "OutboundPolicy",
    "RefusedAddress",
    "Target",
    "TooManyRedirects",
    "address_kind",
    "ascii_text",
    "open_url",
    "parse_url",
    "refusal",
    "resolve",
    "vet",
]

log = logging.getLogger(__name__)

#: Redirects :func:`open_url` follows at most (each hop checked like the first).
REDIRECTS = 5
_REDIRECT_CODES = (301, 302, 303, 307, 308)
#: IPv6 prefixes that carry an IPv4 address in their last 32 bits (NAT64, RFC 6052).
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_SHARED = ipaddress.IPv4Network("100.64.0.0/10")
#: Private networks proper (RFC 1918, unique local IPv6): other non-global ones are "reserved".
_PRIVATE = [
    ipaddress.ip_network(net)
    for net in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")
]
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class RefusedAddress(Exception):
    """The URL's host is, or resolves to, an address the policy does not let the server reach."""

    def __init__(self, host: str, kind: str) -> None:
        super().__init__(f"{host} is or resolves to a {kind} address")
        self.host = host
        self.kind = kind


class BadURL(ValueError):
    """Not an ``http://`` or ``https://`` URL with a host (a redirect's target, too)."""


class TooManyRedirects(Exception):
    """More than :data:`REDIRECTS` redirects in a row."""


#: What a failed request raises: the host never answered over HTTP (any reason alike).
NO_ANSWER: tuple[type[Exception], ...] = (HTTPError, OSError)
#: Everything :func:`open_url` raises when it gets no usable answer (:func:`refusal` turns each
#: into a 400).
FAILURES: tuple[type[Exception], ...] = (RefusedAddress, BadURL, TooManyRedirects, *NO_ANSWER)


def resolve(host: str, port: int) -> list[str]:
    """The addresses ``host`` resolves to for a TCP connection, in the resolver's order.

    The only name lookup this module makes: tests replace it with a stub.
    """
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses: list[str] = []
    for info in infos:
        address = str(info[4][0]).split("%", 1)[0]  # no IPv6 zone: it names a local interface
        if address not in addresses:
            addresses.append(address)
    return addresses


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, 6to4, NAT64), if any."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def address_kind(text: str) -> str | None:
    """``None`` for a public (globally routable unicast) address; otherwise what it is
    (``"loopback"``, ``"private"``, ``"link-local"``, ``"multicast"`` ...)."""
    try:
        address: Address = ipaddress.ip_address(text)
    except ValueError:
        return "unparseable"
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            address = embedded
    checks: list[tuple[bool, str]] = [
        (address.is_unspecified, "unspecified"),
        (address.is_loopback, "loopback"),
        (address.is_link_local, "link-local"),
        (address.is_multicast, "multicast"),
        (isinstance(address, ipaddress.IPv4Address) and address in _SHARED, "shared (CGNAT)"),
        (any(address in net for net in _PRIVATE), "private"),
        (address.is_reserved or not address.is_global, "reserved"),
    ]
    return next((kind for refused, kind in checks if refused), None)


def _is_localhost_name(host: str) -> bool:
    name = host.rstrip(".").lower()
    return name == "localhost" or name.endswith(".localhost")


@dataclass(frozen=True)
class OutboundPolicy:
    """Which addresses the server may send requests to.

    ``allow_private`` lets every address through. ``classify`` says what an address is (``None``
    for a public one): :func:`address_kind` unless a test injects another.
    """

    allow_private: bool = False
    classify: Callable[[str], str | None] | None = None

    def addresses(self, host: str, port: int) -> list[str]:
        """Resolve ``host`` once and check every address; the addresses to connect to.

        Raises :class:`RefusedAddress` if any is refused (one private address among public ones
        is enough: the connection could go to either), :class:`socket.gaierror` if the name
        does not resolve.
        """
        if not self.allow_private and _is_localhost_name(host):
            raise RefusedAddress(host, "loopback")
        found = resolve(host, port)
        if not found:
            raise socket.gaierror(socket.EAI_NONAME, f"{host} has no address")
        if not self.allow_private:
            classify = self.classify or address_kind
            for address in found:
                kind = classify(address)
                if kind is not None:
                    raise RefusedAddress(host, kind)
        return found

    def check(self, url: str) -> list[str]:
        """Check a URL's host (resolving it) without connecting: :meth:`addresses`."""
        target = parse_url(url)
        return self.addresses(target.host, target.port)


@dataclass(frozen=True)
class Target:
    """One hop's URL, split for a connection pool (:func:`parse_url`)."""

    scheme: str
    host: str
    port: int
    path: str
    userinfo: str | None


def parse_url(url: str) -> Target:
    """Split an ``http://`` or ``https://`` URL; :class:`BadURL` for anything else (no host, a
    bad port, a host name that is not valid IDNA). The path is percent-encoded where it needs
    to be (spaces, non-ASCII), as requests would send it."""
    try:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise BadURL(f"not an http:// or https:// URL with a host: {url!a}")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        host = parts.hostname.encode("idna").decode("ascii")
    except (ValueError, UnicodeError) as exc:
        if isinstance(exc, BadURL):
            raise
        raise BadURL(f"not a valid URL: {url!a}") from None
    path = requests.utils.requote_uri(
        (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    )
    userinfo = parts.netloc.rpartition("@")[0] or None
    return Target(parts.scheme, host, port, path, userinfo)


class _PinnedConnection(HTTPConnection):
    """An HTTP connection that connects only to addresses checked beforehand.

    It keeps the host name for everything else (``Host`` header; TLS SNI and certificate check
    in :class:`_PinnedHTTPSConnection`), and never resolves the name again.
    """

    def __init__(self, *args: Any, addresses: Sequence[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.addresses = tuple(addresses)

    def _new_conn(self) -> socket.socket:
        error: OSError | None = None
        for address in self.addresses:
            try:
                return urllib3_connection.create_connection(
                    (address, self.port),
                    self.timeout,
                    source_address=self.source_address,
                    socket_options=self.socket_options,
                )
            except TimeoutError as exc:
                raise ConnectTimeoutError(self, f"Connection to {self.host} timed out.") from exc
            except OSError as exc:  # try the next address, as a resolving connection would
                error = exc
        raise NewConnectionError(self, f"Failed to establish a new connection: {error}")


class _PinnedHTTPSConnection(_PinnedConnection, HTTPSConnection):
    """:class:`_PinnedConnection` over TLS (certificate checked against the host name)."""


class _PinnedPool(urllib3.HTTPConnectionPool):
    ConnectionCls = _PinnedConnection


class _PinnedHTTPSPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = _PinnedHTTPSConnection


def _pool(target: Target, addresses: list[str], timeout: urllib3.Timeout) -> Any:
    """A one-connection pool for ``target`` that connects to ``addresses`` only."""
    common: dict[str, Any] = {"timeout": timeout, "retries": False, "maxsize": 1}
    if target.scheme == "https":
        return _PinnedHTTPSPool(
            target.host,
            target.port,
            cert_reqs="CERT_REQUIRED",
            ca_certs=requests.utils.DEFAULT_CA_BUNDLE_PATH,
            addresses=addresses,
            **common,
        )
    return _PinnedPool(target.host, target.port, addresses=addresses, **common)


@contextmanager
def open_url(
    method: str,
    url: str,
    *,
    policy: OutboundPolicy,
    timeout: tuple[float, float],
    headers: Mapping[str, str] | None = None,
    body: bytes | None = None,
    redirects: int = 0,
) -> Iterator[urllib3.BaseHTTPResponse]:
    """``with open_url(...) as response:`` sends one request to ``url``; the answer's body is
    read from ``response`` (``stream()``), and the connection is closed on leaving.

    Every hop is resolved once, checked by ``policy`` and connected to the checked addresses;
    up to ``redirects`` redirects are followed (a 301, 302 or 303 turns the request into a
    body-less GET). Raises :class:`RefusedAddress`, :class:`BadURL`, :class:`TooManyRedirects`,
    :class:`socket.gaierror` (the name does not resolve) or a
    :class:`urllib3.exceptions.HTTPError` (no answer).
    """
    limits = urllib3.Timeout(connect=timeout[0], read=timeout[1])
    for _hop in range(redirects + 1):
        target = parse_url(url)
        addresses = policy.addresses(target.host, target.port)
        sent = dict(headers or {})
        if target.userinfo:  # user:password@host, as requests would send it
            sent.update(urllib3.make_headers(basic_auth=unquote(target.userinfo)))
        pool = _pool(target, addresses, limits)
        try:
            response = pool.urlopen(
                method, target.path, body=body, headers=sent, redirect=False, preload_content=False
            )
            location = response.headers.get("location")
            if response.status not in _REDIRECT_CODES or not location or redirects == 0:
                try:
                    yield response
                finally:
                    response.close()
                return
            response.close()
            if _hop == redirects:
                raise TooManyRedirects(f"more than {redirects} redirects")
        finally:
            pool.close()
        url = urljoin(url, location)
        log.debug("following a redirect to %s", url)
        if response.status in (301, 302, 303) and method != "HEAD":
            method, body = "GET", None


def ascii_text(text: str) -> str:
    """``text`` with anything beyond ASCII escaped: error messages also go in a header."""
    return text.encode("ascii", "backslashreplace").decode("ascii")


def refusal(what: str, url: str, exc: Exception) -> ApiError:
    """The 400 for a ``url`` source or ``callback`` URL (``what``) that :func:`open_url` or
    :meth:`OutboundPolicy.check` failed on with ``exc``.

    Failures to connect or read all read alike, whatever the reason (refused, reset, timed out,
    not HTTP): the answer must not tell a prober which ports are open.
    """
    shown = ascii_text(url)
    if isinstance(exc, RefusedAddress):
        noun = "callback URL" if what == "callback" else what
        return bad_request(
            f"Bad Request: the {noun} {shown} points to a {exc.kind} address; this server sends "
            "no requests to loopback, private, link-local, multicast or reserved addresses. "
            "Use a public http:// or https:// URL, or, for local development, start the server "
            "with `dgdata serve --allow-private-urls`."
        )
    if isinstance(exc, socket.gaierror):
        reason = "its host name does not resolve"
    elif isinstance(exc, BadURL):
        reason = "it is not an http:// or https:// URL with a host (or redirects to one)"
    elif isinstance(exc, TooManyRedirects):
        reason = f"it redirects more than {REDIRECTS} times"
    else:
        log.info("no answer from %s: %s", shown, exc)
        reason = "no HTTP answer from its host (unreachable, refused or timed out)"
    if what == "callback":
        return bad_request(f"Bad Request: cannot deliver to the callback URL {shown}: {reason}.")
    return bad_request(f"Bad Request: could not fetch the media at {shown}: {reason}.")


async def vet(what: str, url: str, policy: OutboundPolicy) -> None:
    """400 (:func:`refusal`) now unless ``url``'s host resolves to addresses ``policy`` lets
    through; resolves in a worker thread and connects nowhere."""
    try:
        await run_in_threadpool(policy.check, url)
    except (RefusedAddress, BadURL, socket.gaierror) as exc:
        raise refusal(what, url, exc) from None
