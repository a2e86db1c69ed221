"""What every resource group shares: the endpoint declaration and the request helper.

A group method declares its endpoint once, with :func:`operation`, and sends with
:meth:`Resource._send`, which fills the path template from the positional ids::

    class Keys(Resource):
        @operation("GET", "/v1/projects/{project_id}/keys/{key_id}")
        def get(self, project_id: str, key_id: str) -> dict:
            return self._send(self.get, project_id, key_id)

The declarations also give :func:`dgdata.client.operations`, the table of every operation (the
README's table and the spec-coverage test are built from it).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from dgdata._http import parse_json
from dgdata._query import merge_options, path_segment

if TYPE_CHECKING:  # pragma: no cover
    from dgdata._http import Transport

F = TypeVar("F", bound=Callable[..., Any])
JSON = dict[str, Any]
#: Query options as a dict, besides (or instead of) keywords: ``list_requests(pid, {"limit": 5})``.
Options = Mapping[str, Any] | None

_PLACEHOLDER = re.compile(r"{(\w+)}")


@dataclass(frozen=True)
class Endpoint:
    """One REST operation: HTTP method and path template.

    Attributes:
        method: ``GET``, ``POST``, …
        path: the template, e.g. ``/v1/projects/{project_id}/keys/{key_id}``.
        upload: a media endpoint (listen, speak, read): long read timeout, no retry on read
            timeout.
        agent: served by the agent host (``agent.deepgram.com``) in Deepgram's cloud.
    """

    method: str
    path: str
    upload: bool = False
    agent: bool = False

    @property
    def path_params(self) -> tuple[str, ...]:
        return tuple(_PLACEHOLDER.findall(self.path))

    def format_path(self, ids: tuple[Any, ...]) -> str:
        names = self.path_params
        if len(ids) != len(names):
            raise TypeError(f"{self.path} needs {len(names)} id(s) ({', '.join(names)})")
        values = {name: path_segment(value, name) for name, value in zip(names, ids, strict=True)}
        return self.path.format(**values)


def operation(
    method: str, path: str, *, upload: bool = False, agent: bool = False
) -> Callable[[F], F]:
    """Declare the endpoint a resource method calls (stored as ``method.endpoint``)."""

    def declare(function: F) -> F:
        function.endpoint = Endpoint(method, path, upload=upload, agent=agent)  # type: ignore[attr-defined]
        return function

    return declare


class Resource:
    """A group of related endpoints (projects, keys, usage…) sharing the client's transport."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    def __repr__(self) -> str:
        return f"<dgdata {type(self).__name__} group: {', '.join(_public_methods(type(self)))}>"

    def _send(self, method: Callable[..., Any], *ids: Any, **kwargs: Any) -> Any:
        """Send the request of ``method``'s endpoint with the path filled from ``ids``.

        Keyword arguments go to :meth:`dgdata._http.Transport.request` (``params``, ``json``,
        ``data``, ``headers``…). Returns the parsed JSON body.
        """
        return parse_json(self._send_raw(method, *ids, **kwargs))

    def _query(
        self, method: Callable[..., Any], *ids: Any, options: Options, filters: Mapping[str, Any]
    ) -> Any:
        """:meth:`_send` with the query made of ``options`` and keyword ``filters``."""
        return self._send(method, *ids, params=merge_options(options, filters))

    def _send_raw(self, method: Callable[..., Any], *ids: Any, **kwargs: Any) -> Any:
        """Like :meth:`_send` but return the ``requests.Response`` (for binary answers)."""
        endpoint: Endpoint = method.endpoint  # type: ignore[attr-defined]
        path = endpoint.format_path(ids)
        kwargs.setdefault("upload", endpoint.upload)
        kwargs.setdefault("agent", endpoint.agent)
        return self._transport.request(endpoint.method, path, **kwargs)


def _public_methods(cls: type) -> list[str]:
    return [name for name in dir(cls) if not name.startswith("_") and callable(getattr(cls, name))]


def endpoints_of(cls: type) -> list[tuple[str, Endpoint]]:
    """``(method name, Endpoint)`` for every declared operation of a resource class."""
    found = []
    for name, value in vars(cls).items():  # definition order
        endpoint = getattr(value, "endpoint", None)
        if isinstance(endpoint, Endpoint):
            found.append((name, endpoint))
    return found


def without_none(**fields: Any) -> JSON:
    """A JSON body with the fields that were given (``None`` means "not given")."""
    return {key: value for key, value in fields.items() if value is not None}
