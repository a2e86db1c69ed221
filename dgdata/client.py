"""The Deepgram client: settings, one pooled HTTP session, and the resource groups.

Four ways to build one (the key is read from ``DEEPGRAM_API_KEY`` when not given)::

    dg = dgdata.Deepgram()
    dg = dgdata.Deepgram("KEY")
    dg = dgdata.Deepgram({"api_key": "KEY", "api_url": "http://127.0.0.1:8080/v1"})
    with dgdata.Deepgram(api_key="KEY", timeout=30, max_retries=4) as dg:
        dg.projects.list()
"""

from __future__ import annotations

import dataclasses
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, overload

import requests

from dgdata._config import ClientConfig, Timeouts, TimeoutSpec, resolve_config
from dgdata._http import Transport
from dgdata._retry import PROCESS_OBJECTS
from dgdata.resources._base import Endpoint, Resource, endpoints_of
from dgdata.resources.agents import Agents
from dgdata.resources.auth import Auth
from dgdata.resources.billing import Billing
from dgdata.resources.invitations import Invitations
from dgdata.resources.keys import Keys
from dgdata.resources.listen import Transcription
from dgdata.resources.members import Members
from dgdata.resources.models import Models
from dgdata.resources.projects import Projects
from dgdata.resources.read import Read
from dgdata.resources.scopes import Scopes
from dgdata.resources.selfhosted import SelfHosted
from dgdata.resources.speak import Speak
from dgdata.resources.usage import Usage

__all__ = ["Deepgram", "Operation", "operations"]

R = TypeVar("R", bound=Resource)


class _Group(Generic[R]):
    """A lazily created, cached resource group (``dg.keys`` is built on first use)."""

    def __init__(self, cls: type[R]) -> None:
        self.cls = cls
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, instance: None, owner: type) -> _Group[R]: ...
    @overload
    def __get__(self, instance: Deepgram, owner: type) -> R: ...
    def __get__(self, instance: Deepgram | None, owner: type) -> R | _Group[R]:
        if instance is None:
            return self
        with instance._lock:
            group = instance.__dict__.get(self.name)
            if group is None:
                group = self.cls(instance._transport)
                instance.__dict__[self.name] = group
        return group


class Deepgram:
    """A client for the whole Deepgram REST API.

    Args:
        options: an API key string, or the seed's dict ``{"api_key": …, "api_url": …}``.
        api_key: an API key (sent as ``Authorization: Token …``). Default: ``DEEPGRAM_API_KEY``.
        api_url: the API's base URL; ``https://api.deepgram.com``, a ``…/v1`` URL, the seed's
            ``…/v1/listen`` URL, or a self-hosted / local server such as
            ``http://127.0.0.1:8080``. Default: ``DEEPGRAM_API_URL``, else Deepgram's cloud.
        access_token: a short-lived token from ``dg.auth.grant()`` (sent as ``Bearer …``);
            works for listen / speak / read only.
        agent_url: the host of the agent REST routes (default: ``agent.deepgram.com`` in the
            cloud, the ``api_url`` for any other server).
        timeout: seconds, a ``(connect, read)`` pair or :class:`dgdata.Timeouts`. Defaults:
            connect 10 s, read 60 s, uploads to ``/v1/listen`` 900 s.
        max_retries: retries of what is safe to send again (default 2): connection errors,
            408, 429 and 5xx for idempotent methods; for ``POST`` and ``PATCH`` only connect
            errors, 408 and 429 (see :mod:`dgdata._retry`).
        session: a ``requests.Session`` to send with (proxies, certificates, adapters). It is
            left as given: the key goes on each request, not into the session, so clients
            with different keys can share one session; :meth:`close` leaves it open.

    Resource groups: ``transcription``, ``projects``, ``keys``, ``members``, ``scopes``,
    ``invitations``, ``usage``, ``billing``, ``models``, ``speak``, ``read``, ``auth``,
    ``selfhosted``, ``agents``. Each method maps to one endpoint; see :func:`operations`.
    """

    transcription = _Group(Transcription)
    projects = _Group(Projects)
    keys = _Group(Keys)
    members = _Group(Members)
    scopes = _Group(Scopes)
    invitations = _Group(Invitations)
    usage = _Group(Usage)
    billing = _Group(Billing)
    models = _Group(Models)
    speak = _Group(Speak)
    read = _Group(Read)
    auth = _Group(Auth)
    selfhosted = _Group(SelfHosted)
    agents = _Group(Agents)

    def __init__(
        self,
        options: str | Mapping[str, Any] | None = None,
        *,
        api_key: str | None = None,
        api_url: str | None = None,
        access_token: str | None = None,
        agent_url: str | None = None,
        timeout: TimeoutSpec = None,
        max_retries: int | None = None,
        session: requests.Session | None = None,
    ) -> None:
        config = resolve_config(
            options,
            api_key=api_key,
            api_url=api_url,
            access_token=access_token,
            agent_url=agent_url,
            timeout=timeout,
            max_retries=max_retries,
        )
        self._wire(config, session)

    def _wire(
        self, config: ClientConfig, session: requests.Session | None, token: str | None = None
    ) -> None:
        """Set up a client for ``config``; ``token`` names it across pickling (new by default)."""
        self._config = config
        self._transport = Transport(config, session=session)
        self._lock = threading.Lock()
        self._token = token or uuid.uuid4().hex

    @property
    def config(self) -> ClientConfig:
        """The resolved settings (the credential inside is a :class:`dgdata._config.Secret`)."""
        return self._config

    @property
    def api_url(self) -> str:
        """The base URL requests go to (``/v1/...`` paths are appended)."""
        return self._config.base_url

    @property
    def live_url(self) -> str:
        """The WebSocket URL of live transcription (``ws(s)://…/v1/listen``)."""
        return self._config.live_url

    @property
    def session(self) -> requests.Session:
        """The ``requests.Session`` every call of this client goes through (it holds no key)."""
        return self._transport.session

    def with_options(
        self, *, timeout: TimeoutSpec = None, max_retries: int | None = None
    ) -> Deepgram:
        """A client with other timeouts or retries, sharing this one's key and connections.

        A batch uses ``dg.with_options(max_retries=0)`` so that its own shared pause, not every
        worker on its own, decides what happens after a 429.
        """
        changes: dict[str, Any] = {}
        if timeout is not None:
            changes["timeouts"] = Timeouts.coerce(timeout)
        if max_retries is not None:
            if max_retries < 0:
                raise ValueError("max_retries must be 0 or more")
            changes["max_retries"] = int(max_retries)
        other = object.__new__(type(self))
        other._wire(dataclasses.replace(self._config, **changes), self._transport.session)
        return other

    def close(self) -> None:
        """Close the pooled connections. The client can still be used; it reconnects.

        A session passed as ``session=`` is the caller's and stays open, and so is the one a
        :meth:`with_options` client shares with the client that made it.
        """
        self._transport.close()

    def __enter__(self) -> Deepgram:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        kind = "access token" if self._config.uses_access_token else "api key"
        return f"Deepgram(api_url={self._config.base_url!r}, auth={kind} ***)"

    def __reduce__(self) -> tuple[Any, ...]:
        # Picklable for process pools and Dask workers: the settings travel, the session does
        # not. Every copy of one client that reaches a process is that process's one clone, so
        # a batch of a thousand tasks opens a worker's connections once, not a thousand times.
        return (_clone_in_this_process, (self._token, self._config))


def _clone_in_this_process(token: str, config: ClientConfig) -> Deepgram:
    """The unpickled client ``token``: made once per process (:data:`PROCESS_OBJECTS`)."""

    def clone() -> Deepgram:
        client = object.__new__(Deepgram)
        client._wire(config, None, token)
        return client

    return PROCESS_OBJECTS.instance(token, clone)


@dataclass(frozen=True)
class Operation:
    """One REST operation of the client: ``dg.<group>.<name>(…)`` → ``method path``.

    ``calls`` are the client methods reaching it, as ``"group.method"``, the main name first.
    """

    group: str
    calls: tuple[str, ...]
    method: str
    path: str


def operations() -> list[Operation]:
    """Every REST operation the client covers, one entry per endpoint, in group order.

    Method names that reach the same endpoint (``prerecorded`` and ``sync_prerecorded``;
    ``projects.leave`` and ``invitations.leave_project``) share one entry.
    """
    seen: dict[tuple[str, str], int] = {}
    found: list[Operation] = []
    for group_name, group in _groups():
        by_endpoint: dict[Endpoint, list[str]] = {}
        for name, endpoint in endpoints_of(group.cls):
            by_endpoint.setdefault(endpoint, []).append(name)
        for endpoint, names in by_endpoint.items():
            key = (endpoint.method, endpoint.path)
            calls = tuple(f"{group_name}.{name}" for name in sorted(names, key=len))
            if key in seen:
                existing = found[seen[key]]
                found[seen[key]] = Operation(
                    existing.group, existing.calls + calls, existing.method, existing.path
                )
                continue
            seen[key] = len(found)
            found.append(Operation(group_name, calls, *key))
    return found


def _groups() -> list[tuple[str, _Group[Any]]]:
    return [(name, value) for name, value in vars(Deepgram).items() if isinstance(value, _Group)]
