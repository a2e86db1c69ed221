"""Every REST operation of the client is exercised by the per-group request tests.

``tests/client/conftest.py`` records (fixture ``exercised_calls``), for each test using the
``mocked`` fixture, the method and path of every call that got a registered answer. The last test
here maps those paths back to the templates of :func:`dgdata.client.operations` and checks that
all 50 were hit. This module's name makes it run after the group modules; on a partial run
(``-k``, node ids, a subset of files) the check is skipped instead of failing for tests that were
never meant to run.
"""

from __future__ import annotations

import re

import pytest

from dgdata.client import Operation, operations

GROUP_MODULES = frozenset(
    f"test_{group}"
    for group in (
        "listen",
        "projects",
        "keys",
        "members",
        "scopes",
        "invitations",
        "usage",
        "billing",
        "models",
        "speak",
        "read",
        "auth",
        "selfhosted",
        "agents",
    )
)
_PLACEHOLDER = re.compile(r"{\w+}")


def _pattern(template: str) -> re.Pattern[str]:
    """``/v1/projects/{project_id}/keys`` → a regex matching ``/v1/projects/p%2F1/keys``."""
    literals = _PLACEHOLDER.split(template)
    return re.compile("[^/]+".join(re.escape(part) for part in literals))


def operation_of(method: str, path: str, table: list[Operation]) -> Operation | None:
    """The operation a concrete call belongs to; literal segments beat placeholders."""
    matches = [
        op for op in table if op.method == method and _pattern(op.path).fullmatch(path) is not None
    ]
    return min(matches, key=lambda op: len(_PLACEHOLDER.findall(op.path)), default=None)


def _why_partial(request: pytest.FixtureRequest) -> str | None:
    """Why this run cannot show full coverage, or ``None`` when it can."""
    config = request.config
    if hasattr(config, "workerinput"):
        return "pytest-xdist splits the tests across workers; each sees only its own calls"
    option = config.option
    if getattr(option, "keyword", "") or getattr(option, "markexpr", ""):
        return "tests were selected with -k / -m"
    if getattr(option, "deselect", None) or getattr(option, "lf", False):
        return "tests were deselected (--deselect / --lf)"
    if any("::" in str(arg) for arg in config.args):
        return "single tests were selected by node id"
    items = request.session.items
    here = items.index(request.node)
    modules = (getattr(item, "module", None) for item in items[:here])
    ran = {module.__name__.rsplit(".", 1)[-1] for module in modules if module is not None}
    missing = sorted(GROUP_MODULES - ran)
    if missing:
        return f"not every group module ran before this one (missing: {', '.join(missing)})"
    return None


def test_operations_are_fifty_distinct_endpoints() -> None:
    table = operations()
    assert len(table) == 50
    assert len({(op.method, op.path) for op in table}) == 50


@pytest.mark.parametrize("op", operations(), ids=lambda op: f"{op.method} {op.path}")
def test_operation_matcher_maps_a_filled_path_back_to_its_own_operation(op: Operation) -> None:
    filled = _PLACEHOLDER.sub("x%2Fy", op.path)
    assert operation_of(op.method, filled, operations()) == op


def test_zz_every_operation_was_exercised(
    request: pytest.FixtureRequest, exercised_calls: set[tuple[str, str, str]]
) -> None:
    reason = _why_partial(request)
    if reason is not None:
        pytest.skip(f"coverage of the 50 operations needs the whole tests/client run: {reason}")
    table = operations()
    exercised = {
        (op.method, op.path)
        for module, method, path in exercised_calls
        if module in GROUP_MODULES and (op := operation_of(method, path, table)) is not None
    }
    missing = sorted({(op.method, op.path) for op in table} - exercised)
    assert missing == [], f"{len(missing)} operation(s) no test_<group>.py module exercised"
    assert exercised == {(op.method, op.path) for op in table}
