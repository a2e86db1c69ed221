"""The one per-process registry: unpickled clients and batch rate limiters, one of each per process.

A client and a batch's rate limiter travel to worker processes by pickle; each copy that arrives
in a process must be that process's one instance (one connection pool, one shared 429 pause),
and the registry that makes it so must not grow without end.
"""

from __future__ import annotations

import doctest
import multiprocessing
import pickle
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import pytest

from dgdata import Deepgram, _retry
from dgdata._retry import PROCESS_OBJECTS, ProcessRegistry
from dgdata.batch import RateLimiter


class Closable:
    """An object the registry may drop: it records being closed."""

    def __init__(self) -> None:
        self.closed = False

    def close(self) -> None:
        self.closed = True


def identities(client: Deepgram, limiter: RateLimiter) -> tuple[int, int, list[str]]:
    """In a worker process: which objects the unpickled arguments are, and what is registered."""
    return id(client), id(limiter), PROCESS_OBJECTS.tokens()


def test_the_docstring_examples_are_true() -> None:
    failures, tried = doctest.testmod(_retry)
    assert tried > 0 and failures == 0


def test_a_client_and_a_limiter_unpickled_in_one_process_are_its_one_instances() -> None:
    client = Deepgram(api_key="a-key", api_url="http://127.0.0.1:9")
    limiter = RateLimiter()
    client_bytes, limiter_bytes = pickle.dumps(client), pickle.dumps(limiter)
    first, second = pickle.loads(client_bytes), pickle.loads(client_bytes)
    assert first is second, "every copy of the client is the process's one clone"
    assert first is not client and first.config == client.config
    assert pickle.loads(limiter_bytes) is pickle.loads(limiter_bytes) is limiter
    tokens = PROCESS_OBJECTS.tokens()
    assert client._token in tokens and limiter.token in tokens, "one registry holds both"


def test_copies_sent_to_a_worker_process_twice_are_the_same_objects_there() -> None:
    client = Deepgram(api_key="a-key", api_url="http://127.0.0.1:9")
    limiter = RateLimiter()
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=spawn) as pool:
        one = pool.submit(identities, client, limiter).result(timeout=120)
        two = pool.submit(identities, client, limiter).result(timeout=120)
    assert one[:2] == two[:2], "the second task's copies are the first task's objects"
    assert {client._token, limiter.token} <= set(two[2])


def test_a_registry_keeps_the_most_recently_used_and_closes_what_it_drops() -> None:
    registry = ProcessRegistry(limit=3)
    made = {token: registry.instance(token, Closable) for token in "abc"}
    assert registry.instance("a", Closable) is made["a"]  # "a" is now the most recent
    registry.instance("d", Closable)
    registry.instance("e", Closable)
    assert registry.tokens() == ["a", "d", "e"] and len(registry) == 3
    assert made["b"].closed and made["c"].closed and not made["a"].closed
    again = registry.instance("b", Closable)
    assert again is not made["b"], "a dropped token gets a fresh instance"


def test_the_process_registry_is_bounded() -> None:
    limiters = [RateLimiter() for _ in range(PROCESS_OBJECTS.limit + 5)]
    tokens = PROCESS_OBJECTS.tokens()
    assert len(PROCESS_OBJECTS) == PROCESS_OBJECTS.limit
    assert limiters[0].token not in tokens and limiters[-1].token in tokens


def test_a_registry_needs_room_for_one_object() -> None:
    with pytest.raises(ValueError, match="at least one"):
        ProcessRegistry(limit=0)


def test_an_object_created_by_the_registry_may_register_itself() -> None:
    registry = ProcessRegistry(limit=4)

    def create() -> Any:
        made = Closable()
        assert registry.instance("x", lambda: made) is made  # re-entrant, no deadlock
        return made

    assert registry.instance("x", create) is registry.instance("x", Closable)
    assert len(registry) == 1
