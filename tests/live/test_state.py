"""The connection's life as a state machine (dgdata/live/_state.py): the table, and its guard."""

from __future__ import annotations

import threading
import time

import pytest

from dgdata.live import ConnectionState
from dgdata.live._state import TRANSITIONS, IllegalTransitionError, StateMachine

S = ConnectionState
ALLOWED = sorted(
    ((source, target) for source, targets in TRANSITIONS.items() for target in targets),
    key=lambda pair: (pair[0].name, pair[1].name),
)
FORBIDDEN = [
    (source, target)
    for source in S
    for target in S
    if target not in TRANSITIONS[source] and source is not target
]


def machine_in(state: ConnectionState) -> StateMachine:
    """A machine brought to ``state`` along allowed moves (the shortest path from NEW)."""
    paths: dict[ConnectionState, list[ConnectionState]] = {S.NEW: []}
    frontier = [S.NEW]
    while frontier:
        source = frontier.pop(0)
        for target in sorted(TRANSITIONS[source], key=lambda s: s.name):
            if target not in paths:
                paths[target] = [*paths[source], target]
                frontier.append(target)
    machine = StateMachine("test")
    for step in paths[state]:
        assert machine.move(step)
    assert machine.current is state
    return machine


def test_the_table_is_the_documented_one() -> None:
    assert set(TRANSITIONS) == set(S), "every state has a row"
    assert dict(TRANSITIONS) == {
        S.NEW: {S.CONNECTING},
        S.CONNECTING: {S.OPEN, S.FAILED},
        S.OPEN: {S.RECONNECTING, S.FINISHING, S.CLOSING, S.CLOSED, S.FAILED},
        S.RECONNECTING: {S.OPEN, S.FINISHING, S.CLOSING, S.FAILED},
        S.FINISHING: {S.CLOSING, S.CLOSED, S.FAILED},
        S.CLOSING: {S.CLOSED, S.FAILED},
        S.CLOSED: set(),
        S.FAILED: set(),
    }
    assert len(ALLOWED) == 17 and len(FORBIDDEN) == 8 * 7 - 17


@pytest.mark.parametrize(("source", "target"), ALLOWED, ids=lambda s: s.name)
def test_every_allowed_transition_moves(source: ConnectionState, target: ConnectionState) -> None:
    machine = machine_in(source)
    assert machine.move(target) is True
    assert machine.current is target
    machine = machine_in(source)
    assert machine.move(target, only_from={source}) is True and machine.current is target


@pytest.mark.parametrize(("source", "target"), FORBIDDEN, ids=lambda s: s.name)
def test_every_forbidden_transition_is_refused(
    source: ConnectionState, target: ConnectionState
) -> None:
    machine = machine_in(source)
    with pytest.raises(IllegalTransitionError, match=f"{source.name} -> {target.name}"):
        machine.move(target)
    assert machine.current is source, "a refused move changes nothing"


def test_only_from_skips_quietly_but_still_checks_the_table() -> None:
    machine = machine_in(S.CLOSED)
    # close() after the server closed: nothing to do, no error
    assert machine.move(S.CLOSING, only_from={S.OPEN, S.FINISHING}) is False
    assert machine.current is S.CLOSED
    # a source the table forbids is a bug at the call site, whatever the current state
    with pytest.raises(IllegalTransitionError, match="NEW -> OPEN"):
        machine_in(S.CONNECTING).move(S.OPEN, only_from={S.NEW, S.CONNECTING})


def test_a_state_does_not_move_to_itself_nor_leave_an_end() -> None:
    for state in S:
        assert state not in TRANSITIONS[state]
    for end in (S.CLOSED, S.FAILED):
        assert end.ended and not end.active and end.started
        for target in S:
            with pytest.raises(IllegalTransitionError):
                machine_in(end).move(target)


def test_the_state_properties() -> None:
    assert [s for s in S if s.active] == [S.OPEN, S.RECONNECTING, S.FINISHING, S.CLOSING]
    assert [s for s in S if not s.started] == [S.NEW, S.CONNECTING]
    assert [s for s in S if s.ended] == [S.CLOSED, S.FAILED]
    assert S("open") is S.OPEN and S.OPEN == "open"


def race(machine: StateMachine, targets: list[ConnectionState]) -> list[ConnectionState]:
    """Move ``machine`` from OPEN to each target at once, one thread each: the winners."""
    winners: list[ConnectionState] = []
    barrier = threading.Barrier(len(targets))

    def move(target: ConnectionState) -> None:
        barrier.wait()
        if machine.move(target, only_from={S.OPEN}):
            winners.append(target)

    threads = [threading.Thread(target=move, args=(target,)) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)
    return winners


def test_concurrent_moves_from_one_state_let_exactly_one_win() -> None:
    for _ in range(20):
        machine = machine_in(S.OPEN)
        winners = race(machine, [S.FINISHING, S.CLOSING, S.RECONNECTING, S.CLOSED])
        assert len(winners) == 1 and machine.current is winners[0]


def test_wait_while_returns_when_the_state_changes_or_times_out() -> None:
    machine = machine_in(S.OPEN)
    started = time.monotonic()
    assert machine.wait_while({S.OPEN}, 0.05) is False
    assert time.monotonic() - started >= 0.04
    assert machine.wait_while({S.RECONNECTING}, 5) is True, "not in the set: at once"
    timer = threading.Timer(0.05, machine.move, args=(S.CLOSING,))
    timer.start()
    started = time.monotonic()
    assert machine.wait_while({S.OPEN, S.RECONNECTING}, 5) is True
    assert time.monotonic() - started < 2 and machine.current is S.CLOSING
    timer.join()
