"""The awaitable client: same names, coroutines, never blocking the event loop."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
import responses

from dgdata import aio, errors
from dgdata.client import operations
from tests.client.conftest import API, KEY

PROJECTS = f"{API}/v1/projects"


def test_seed_style_await_returns_the_json(mocked: responses.RequestsMock) -> None:
    mocked.get(PROJECTS, json={"projects": [{"project_id": "p1"}]})

    async def main() -> dict:
        dg = aio.Deepgram(KEY)
        return await dg.projects.list()

    assert asyncio.run(main()) == {"projects": [{"project_id": "p1"}]}


def test_every_operation_has_an_awaitable_twin() -> None:
    dg = aio.Deepgram(KEY)
    for operation in operations():
        for call in operation.calls:
            group, name = call.split(".")
            assert asyncio.iscoroutinefunction(getattr(getattr(dg, group), name)), call


def test_async_methods_keep_name_and_docs() -> None:
    dg = aio.Deepgram(KEY)
    assert dg.keys.create.__name__ == "create"
    assert "secret" in (dg.keys.create.__doc__ or "")


def test_calls_do_not_block_the_event_loop(mocked: responses.RequestsMock) -> None:
    def slow(_request: object) -> tuple[int, dict[str, str], str]:
        time.sleep(0.3)
        return (200, {}, '{"projects": []}')

    mocked.add_callback("GET", PROJECTS, callback=slow)
    ticks: list[float] = []

    async def ticker() -> None:
        for _ in range(10):
            ticks.append(time.monotonic())
            await asyncio.sleep(0.02)

    async def main() -> None:
        dg = aio.Deepgram(KEY)
        await asyncio.gather(dg.projects.list(), ticker())

    asyncio.run(main())
    assert len(ticks) == 10
    assert ticks[-1] - ticks[0] < 0.29  # the ticker ran while the request was in flight


def test_works_inside_an_already_running_loop_like_jupyter(mocked: responses.RequestsMock) -> None:
    mocked.get(PROJECTS, json={"projects": []})

    async def cell() -> object:  # Jupyter runs cells as coroutines on a loop that is running
        loop = asyncio.get_running_loop()
        assert loop.is_running()
        dg = aio.Deepgram(KEY)
        return await dg.projects.list()

    loop = asyncio.new_event_loop()
    try:
        assert loop.run_until_complete(cell()) == {"projects": []}
    finally:
        loop.close()


def test_errors_propagate_with_their_type(mocked: responses.RequestsMock) -> None:
    mocked.get(PROJECTS, status=401, json={"err_msg": "Invalid credentials."})

    async def main() -> None:
        await aio.Deepgram(KEY, max_retries=0).projects.list()

    with pytest.raises(errors.AuthenticationError):
        asyncio.run(main())


def test_iter_requests_is_an_async_iterator(mocked: responses.RequestsMock) -> None:
    url = f"{API}/v1/projects/p1/requests"
    page0 = [{"request_id": f"r{i}"} for i in range(3)]
    page1 = [{"request_id": "r3"}]
    mocked.get(
        url,
        match=[responses.matchers.query_param_matcher({"limit": "3", "page": "0"})],
        json={"page": 0, "limit": 3, "requests": page0},
    )
    mocked.get(
        url,
        match=[responses.matchers.query_param_matcher({"limit": "3", "page": "1"})],
        json={"page": 1, "limit": 3, "requests": page1},
    )

    async def main() -> list[str]:
        dg = aio.Deepgram(KEY)
        return [r["request_id"] async for r in dg.usage.iter_requests("p1", page_size=3)]

    assert asyncio.run(main()) == ["r0", "r1", "r2", "r3"]


def test_unknown_attribute_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError):
        _ = aio.Deepgram(KEY).nonexistent


def test_async_context_manager_closes(monkeypatch: pytest.MonkeyPatch) -> None:
    closed: list[str] = []

    async def main() -> None:
        async with aio.Deepgram(KEY) as dg:
            monkeypatch.setattr(
                dg.sync.session, "close", lambda: closed.append(threading.current_thread().name)
            )

    asyncio.run(main())
    assert len(closed) == 1
    assert closed[0] != threading.main_thread().name  # closed off the loop thread


def test_constructor_takes_the_sync_clients_arguments() -> None:
    """The same parameters, kinds, defaults and annotations as ``dgdata.Deepgram``."""
    import inspect

    import dgdata

    def described(cls: type) -> list[tuple[str, object, object, object]]:
        parameters = inspect.signature(cls).parameters.values()
        return [(p.name, p.kind, p.default, p.annotation) for p in parameters]

    assert described(aio.Deepgram) == described(dgdata.Deepgram)
    assert [name for name, *_ in described(aio.Deepgram)][-1] == "session"
    assert aio.Deepgram.__init__.__doc__ == dgdata.Deepgram.__init__.__doc__


def test_constructor_passes_every_argument_to_the_sync_client() -> None:
    import requests

    session = requests.Session()
    dg = aio.Deepgram(api_key=KEY, api_url="http://127.0.0.1:9", max_retries=0, session=session)
    assert dg.sync.session is session
    assert dg.sync.config.max_retries == 0 and dg.api_url == "http://127.0.0.1:9"
    with pytest.raises(TypeError, match="nope"):
        aio.Deepgram(KEY, nope=1)  # type: ignore[call-arg]
