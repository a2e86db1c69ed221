"""Client settings: where to send requests, which credentials, how long to wait.

Everything here is resolved once, when a :class:`dgdata.Deepgram` is built, so a bad setting fails
at construction with a message that says what to do, not at the first request.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import os
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Union
from urllib.parse import urlsplit, urlunsplit

from dgdata.errors import ClearTextCredentialWarning, ConfigurationError

logger = logging.getLogger(__name__)

DEFAULT_API_URL = "https://api.deepgram.com"
DEFAULT_AGENT_URL = "https://agent.deepgram.com"
ENV_API_KEY = "DEEPGRAM_API_KEY"
ENV_API_URL = "DEEPGRAM_API_URL"
ENV_ACCESS_TOKEN = "DEEPGRAM_ACCESS_TOKEN"


class Secret:
    """A credential that never shows itself in a ``repr``, ``str``, log line or traceback.

    ``reveal()`` gives the value to the one place that needs it: the ``Authorization`` header.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __reduce__(self) -> tuple[Any, ...]:
        return (Secret, (self._value,))


@dataclass(frozen=True)
class Timeouts:
    """Connect and read timeouts, in seconds.

    Attributes:
        connect: how long to wait for the TCP/TLS connection.
        read: how long to wait for an answer to a management call (projects, keys, usage…).
        upload_read: how long to wait for the answer to ``POST /v1/listen``, ``/v1/speak`` and
            ``/v1/read``: long, because the audio is processed before the answer comes.
    """

    connect: float = 10.0
    read: float = 60.0
    upload_read: float = 900.0

    @classmethod
    def coerce(cls, value: Timeouts | float | tuple[float, float] | None) -> Timeouts:
        """A :class:`Timeouts` from ``None`` (defaults), a number or a ``(connect, read)`` pair.

        A single number sets the connect and management read timeouts; uploads keep their long
        read timeout unless it is shorter than the number. A pair sets connect and read for all.
        """
        if value is None:
            return cls()
        if isinstance(value, Timeouts):
            return value
        if isinstance(value, tuple):
            if len(value) != 2:
                raise ConfigurationError(f"timeout pair must be (connect, read), got {value!r}")
            connect, read = (_seconds(v) for v in value)
            return cls(connect=connect, read=read, upload_read=read)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            seconds = _seconds(value)
            return cls(connect=seconds, read=seconds, upload_read=max(seconds, cls.upload_read))
        raise ConfigurationError(
            f"timeout must be a number of seconds, a (connect, read) pair or dgdata.Timeouts, "
            f"got {type(value).__name__}"
        )


def _seconds(value: object) -> float:
    """A timeout in seconds: a finite positive number, or a :class:`ConfigurationError`."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigurationError(f"timeout must be a number of seconds, got {value!r}")
    seconds = float(value)
    if not math.isfinite(seconds) or seconds <= 0:
        raise ConfigurationError(
            f"timeout must be a positive, finite number of seconds, got {value!r}"
        )
    return seconds


TimeoutSpec = Union[Timeouts, float, tuple[float, float], None]  # noqa: UP007 (runtime alias, 3.10)


@dataclass(frozen=True)
class ClientConfig:
    """The resolved settings of one client."""

    base_url: str
    agent_url: str
    credential: Secret = field(repr=False)
    scheme: str  # "Token" for API keys, "Bearer" for access tokens
    timeouts: Timeouts = field(default_factory=Timeouts)
    max_retries: int = 2

    @property
    def live_url(self) -> str:
        """The WebSocket URL of ``/v1/listen`` (http→ws, https→wss, path prefix kept)."""
        parts = urlsplit(self.base_url)
        scheme = {"http": "ws", "https": "wss"}.get(parts.scheme, parts.scheme)
        return urlunsplit((scheme, parts.netloc, parts.path + "/v1/listen", "", ""))

    @property
    def uses_access_token(self) -> bool:
        return self.scheme == "Bearer"


def normalize_base_url(url: str) -> str:
    """The base URL under which ``/v1/...`` paths live.

    Accepts ``https://api.deepgram.com``, ``…/v1``, the seed's full ``…/v1/listen`` URL, a
    self-hosted ``http://host:8080``, or a ``ws(s)://`` URL; a path prefix before ``/v1`` is kept.
    """
    raw = url.strip()
    if not raw:
        raise ConfigurationError("api_url is empty; leave it out to use https://api.deepgram.com")
    if "://" not in raw:
        raise ConfigurationError(
            f"api_url {raw!r} has no scheme; write it as https://{raw} (or http:// for a local "
            "or self-hosted server)"
        )
    parts = urlsplit(raw)
    scheme = {"ws": "http", "wss": "https"}.get(parts.scheme.lower(), parts.scheme.lower())
    if scheme not in ("http", "https") or not parts.netloc:
        raise ConfigurationError(f"api_url {raw!r} must be an http(s):// or ws(s):// URL")
    path = parts.path.rstrip("/")
    for suffix in ("/v1/listen", "/v1", "/v2/listen", "/v2"):
        if path.endswith(suffix):
            path = path[: -len(suffix)]
            break
    return urlunsplit((scheme, parts.netloc, path, "", ""))


def is_loopback_host(host: str | None) -> bool:
    """Whether ``host`` is this machine: ``localhost``, 127.0.0.0/8 or ``::1``.

    >>> [is_loopback_host(h) for h in ("localhost", "127.0.0.2", "::1", "10.0.0.1", "api")]
    [True, True, True, False, False]
    """
    if not host:
        return False
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)  # ::ffff:127.0.0.1
    return address.is_loopback or bool(mapped and mapped.is_loopback)


def warn_if_clear_text(*urls: str) -> None:
    """Warn once (a :class:`ClearTextCredentialWarning` and a log line) when the credentials
    would travel unencrypted to another machine: an ``http://`` URL whose host is not loopback.

    The warning names the host, never the key (nor a ``user:password@`` part of the URL).
    """
    exposed = []
    for url in dict.fromkeys(urls):
        parts = urlsplit(url)
        if parts.scheme == "http" and not is_loopback_host(parts.hostname):
            host = f"[{parts.hostname}]" if ":" in (parts.hostname or "") else parts.hostname
            port = f":{parts.port}" if parts.port else ""
            exposed.append(f"http://{host}{port}")
    if not exposed:
        return
    message = (
        f"{' and '.join(exposed)} is plain http:// to another machine: the API key (or token) "
        "travels in clear text with every request, readable by anyone on the network path. "
        "Use https://, or a loopback address for a local server."
    )
    logger.warning("%s", message)
    warnings.warn(message, ClearTextCredentialWarning, stacklevel=4)


def resolve_config(
    options: str | Mapping[str, Any] | None,
    *,
    api_key: str | None,
    api_url: str | None,
    access_token: str | None,
    agent_url: str | None,
    timeout: TimeoutSpec,
    max_retries: int | None,
    environ: Mapping[str, str] | None = None,
) -> ClientConfig:
    """Resolve the constructor's arguments and the environment into a :class:`ClientConfig`."""
    env = os.environ if environ is None else environ
    if isinstance(options, str):
        api_key = api_key or options
    elif isinstance(options, Mapping):
        unknown = set(options) - {"api_key", "api_url", "access_token", "timeout", "max_retries"}
        if unknown:
            raise ConfigurationError(
                f"unknown client option(s) {sorted(unknown)}; expected api_key, api_url, "
                "access_token, timeout, max_retries"
            )
        api_key = api_key or options.get("api_key")
        api_url = api_url or options.get("api_url")
        access_token = access_token or options.get("access_token")
        timeout = timeout if timeout is not None else options.get("timeout")
        max_retries = max_retries if max_retries is not None else options.get("max_retries")
    elif options is not None:
        raise ConfigurationError(
            f"Deepgram() takes an API key string or a dict of options, got {type(options).__name__}"
        )

    if access_token:
        credential, scheme = access_token, "Bearer"
    elif api_key:
        credential, scheme = api_key, "Token"
    elif env.get(ENV_API_KEY):
        credential, scheme = env[ENV_API_KEY], "Token"
    elif env.get(ENV_ACCESS_TOKEN):
        credential, scheme = env[ENV_ACCESS_TOKEN], "Bearer"
    else:
        raise ConfigurationError(
            f"No Deepgram credentials: set the {ENV_API_KEY} environment variable, or pass "
            "Deepgram(api_key=...) or Deepgram(access_token=...). To work without a key, run "
            "the local server (`dgdata serve`) and point DEEPGRAM_API_URL at it."
        )
    credential = str(credential).strip()
    if not credential or any(ch.isspace() for ch in credential):
        raise ConfigurationError("the API key or access token is empty or contains white space")

    explicit_url = api_url or env.get(ENV_API_URL)
    base_url = normalize_base_url(explicit_url or DEFAULT_API_URL)
    if agent_url:
        agent_base = normalize_base_url(agent_url)
    elif base_url == DEFAULT_API_URL:
        agent_base = DEFAULT_AGENT_URL
    else:
        agent_base = base_url  # self-hosted and local servers serve the agent routes themselves

    warn_if_clear_text(base_url, agent_base)
    retries = 2 if max_retries is None else int(max_retries)
    if retries < 0:
        raise ConfigurationError(f"max_retries must be 0 or more, got {max_retries!r}")
    return ClientConfig(
        base_url=base_url,
        agent_url=agent_base,
        credential=Secret(credential),
        scheme=scheme,
        timeouts=Timeouts.coerce(timeout),
        max_retries=retries,
    )
