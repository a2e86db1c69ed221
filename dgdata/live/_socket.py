"""Both ends of one WebSocket: opening it (:class:`Dial`) and how it ended (:class:`End`).

On websocket-client's public API only (``create_connection`` and its exceptions). A refused
handshake becomes the API error of its status, with the key scrubbed from every text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import websocket

from dgdata._config import Secret
from dgdata._http import USER_AGENT
from dgdata.errors import DeepgramConnectionError, DeepgramError, DeepgramTimeoutError
from dgdata.live.protocol import handshake_error

__all__ = ["Dial", "End", "parse_close"]


class End(NamedTuple):
    """How one connection ended: close code, reason, and the exception of a drop."""

    code: int
    reason: str
    exc: BaseException | None = None


def parse_close(data: bytes) -> tuple[int, str]:
    """The code and reason of a close frame's payload (RFC 6455: 1005 when it has no code)."""
    if len(data) < 2:
        return 1005, ""
    return int.from_bytes(data[:2], "big"), data[2:].decode("utf-8", "replace")


@dataclass(frozen=True)
class Dial:
    """How to open one socket.

    Attributes:
        url: the ``ws(s)://`` URL with its query.
        where: the URL shown in errors (without the query).
        secret: the API key or access token; scrubbed from every error.
        scheme: ``"Token"`` (API key) or ``"Bearer"`` (access token).
        timeout: seconds to wait for the handshake.
        refused: the error for a refused handshake (``status, headers, body, secret=``).
    """

    url: str
    where: str
    secret: Secret
    scheme: str = "Token"
    timeout: float = 10.0
    refused: Callable[..., DeepgramError] = handshake_error

    def open(self) -> websocket.WebSocket:
        """Make the handshake; raises the API error of a refusal, or a connection error."""
        secret = self.secret.reveal()
        header = [f"Authorization: {self.scheme} {secret}", f"User-Agent: {USER_AGENT}"]
        # Errors are raised after the except blocks, so they carry no __context__: the
        # websocket-client exception cannot be unpickled (Dask, tblib) and holds the handshake.
        failure: DeepgramError | None = None
        try:
            ws = websocket.create_connection(
                self.url,
                header=header,
                timeout=self.timeout,
                enable_multithread=True,
                skip_utf8_validation=True,
            )
        except websocket.WebSocketBadStatusException as exc:
            failure = self.refused(exc.status_code, exc.resp_headers, exc.resp_body, secret=secret)
        except (websocket.WebSocketTimeoutException, TimeoutError):
            failure = DeepgramTimeoutError(
                f"Could not open the live stream to {self.where} within {self.timeout:g}s: "
                "is the URL right and the server reachable?"
            )
        except (websocket.WebSocketException, OSError) as exc:
            reason = " ".join(str(exc).split())[:200].replace(secret, "***")
            failure = DeepgramConnectionError(
                f"Could not open the live stream to {self.where}: {reason}"
            )
        if failure is not None:
            raise failure
        ws.settimeout(None)  # the reader blocks; abort() wakes it
        return ws
