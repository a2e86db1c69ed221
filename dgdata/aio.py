"""The seed's awaitable API: ``await dg.projects.list()``.

:class:`Deepgram` here has the same constructor, groups and method names as
:class:`dgdata.Deepgram`, but every method is a coroutine. Each call runs the synchronous client in
a worker thread (``asyncio.to_thread``), so the event loop is never blocked and the retry policy,
timeouts and errors are exactly those of the synchronous client. It works with Jupyter's top-level
``await`` and never starts an event loop of its own::

    from dgdata.aio import Deepgram
    dg = Deepgram()
    projects = await dg.projects.list()
    response = await dg.transcription.prerecorded({"url": URL}, punctuate=True)
    async for request in dg.usage.iter_requests(project_id):
        ...
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, Concatenate, ParamSpec

from dgdata import client as sync_client

__all__ = ["AsyncGroup", "AsyncLiveTranscription", "Deepgram"]

_BATCH = 256  # items moved from a sync iterator per thread hop
P = ParamSpec("P")


class AsyncGroup:
    """The awaitable twin of one resource group: each public method becomes a coroutine."""

    def __init__(self, group: Any) -> None:
        self._group = group

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._group, name)
        if name.startswith("_") or not callable(attribute):
            return attribute
        if name.startswith("iter_"):
            return _async_iterator(attribute)
        if name == "live":
            return _live_opener(attribute)
        return _coroutine(attribute)

    def __dir__(self) -> list[str]:
        return [name for name in dir(self._group) if not name.startswith("_")]

    def __repr__(self) -> str:
        return f"<async {self._group!r}>"


def _coroutine(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    async def call(*args: Any, **kwargs: Any) -> Any:
        return await asyncio.to_thread(method, *args, **kwargs)

    return call


def _async_iterator(method: Callable[..., Iterator[Any]]) -> Callable[..., AsyncIterator[Any]]:
    @functools.wraps(method)
    async def iterate(*args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        iterator = await asyncio.to_thread(method, *args, **kwargs)
        while True:
            batch = await asyncio.to_thread(_take, iterator, _BATCH)
            for item in batch:
                yield item
            if len(batch) < _BATCH:
                return

    return iterate


def _live_opener(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    async def open_live(*args: Any, **kwargs: Any) -> AsyncLiveTranscription:
        return AsyncLiveTranscription(await asyncio.to_thread(method, *args, **kwargs))

    return open_live


class AsyncLiveTranscription:
    """The seed's awaitable live stream: ``await live.finish()``; the rest as in the sync one.

    Wraps a :class:`dgdata.live.LiveTranscription`: ``send()``, ``on()`` /
    ``registerHandler()``, ``words``, ``transcript``… are the synchronous ones (``send`` does
    not wait for the network to answer). Handlers run on the stream's reader thread, not on
    the event loop::

        live = await dg.transcription.live({"punctuate": True})
        live.registerHandler(live.event.TRANSCRIPT_RECEIVED, print)
        live.send(chunk)
        metadata = await live.finish()
    """

    def __init__(self, live: Any) -> None:
        self.sync = live

    def __getattr__(self, name: str) -> Any:
        return getattr(self.sync, name)

    async def finish(self, timeout: float = 10.0) -> Any:
        """Send ``CloseStream`` and wait (off the event loop) for the Metadata and the close."""
        return await asyncio.to_thread(self.sync.finish, timeout)

    async def close(self, timeout: float = 2.0) -> None:
        """Close the stream now, without waiting for results."""
        await asyncio.to_thread(self.sync.close, timeout)

    async def __aenter__(self) -> AsyncLiveTranscription:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        if exc_type is None:
            await self.finish()
        else:
            await self.close()

    def __repr__(self) -> str:
        return f"<async {self.sync!r}>"


def _take(iterator: Iterator[Any], count: int) -> list[Any]:
    batch = []
    for item in iterator:
        batch.append(item)
        if len(batch) == count:
            break
    return batch


def _arguments_of(
    source: Callable[Concatenate[Any, P], None],
) -> Callable[[Callable[..., None]], Callable[Concatenate[Any, P], None]]:
    """Give a constructor ``source``'s parameters and docs: for type checkers (``P``), for
    ``inspect.signature`` and ``help()`` (``__wrapped__``, ``__doc__``)."""

    copied = ("__doc__", "__annotations__")  # not the name or module: those stay aio's

    def adopt(function: Callable[..., None]) -> Callable[Concatenate[Any, P], None]:
        return functools.wraps(source, assigned=copied, updated=())(function)

    return adopt


class Deepgram:
    """The asynchronous client; see :class:`dgdata.Deepgram` for the arguments."""

    # The arguments are the synchronous client's by construction: they are handed to it as
    # they come, so a parameter added there (``session=``…) is one here too.
    @_arguments_of(sync_client.Deepgram.__init__)
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.sync = sync_client.Deepgram(*args, **kwargs)
        self._groups: dict[str, AsyncGroup] = {}

    def __getattr__(self, name: str) -> AsyncGroup:
        if name.startswith("_") or not isinstance(
            getattr(sync_client.Deepgram, name, None), sync_client._Group
        ):
            raise AttributeError(f"dgdata.aio.Deepgram has no attribute {name!r}")
        group = self._groups.get(name)
        if group is None:
            group = self._groups[name] = AsyncGroup(getattr(self.sync, name))
        return group

    def __dir__(self) -> list[str]:
        groups = [name for name, _ in sync_client._groups()]
        return sorted(set(super().__dir__()) | set(groups))

    @property
    def api_url(self) -> str:
        return self.sync.api_url

    async def close(self) -> None:
        """Close the pooled connections."""
        await asyncio.to_thread(self.sync.close)

    async def __aenter__(self) -> Deepgram:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def __repr__(self) -> str:
        return "Async" + repr(self.sync)
