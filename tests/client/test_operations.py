"""Every REST operation, one test body per check, driven by the ``@operation`` table.

:func:`dgdata.client.operations` lists the operations; ``operation_cases.py`` says how to call
them. For every operation (and every method name that reaches it):

- each of its cases sends exactly the documented request (method, host, percent-encoded ids,
  query, JSON body, headers) and returns the parsed answer, from the client and its awaitable
  twin alike;
- options given as a dict or as keywords send the same request, and keywords win;
- a blank or dot-segment id raises ``ValueError`` and sends nothing;
- an error answer raises its typed exception, carrying status, code, message and request id;
- a read timeout is retried for idempotent methods only: a POST or PATCH may already have been
  processed (a media upload received and billed), and the error says so.

A new operation is checked as soon as it is declared; one that needs arguments besides its ids
fails here until it has a case.
"""

from __future__ import annotations

import asyncio
import inspect
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
import responses

from dgdata import Deepgram, aio, errors
from dgdata.client import Operation, operations
from dgdata.resources._base import Endpoint
from tests.client.conftest import API, KEY, SentRequest
from tests.client.operation_cases import CASES, IDS, PLAIN, Case
from tests.client.refused_calls import REJECTED

AGENT_HOST = "https://agent.deepgram.com"
RID = "8f2b3c8e-6a4f-4d4e-9d3a-1b2c3d4e5f60"
OPERATIONS = operations()
_PLACEHOLDER = re.compile(r"{(\w+)}")

#: Error statuses and the exception each must raise; the operations take them in turn.
STATUSES: list[tuple[int, type[errors.DeepgramApiError]]] = [
    (400, errors.BadRequestError),
    (401, errors.AuthenticationError),
    (402, errors.PaymentRequiredError),
    (403, errors.PermissionDeniedError),
    (404, errors.NotFoundError),
    (408, errors.RequestTimeoutError),
    (409, errors.ConflictError),
    (429, errors.RateLimitError),
    (500, errors.ServerError),
    (502, errors.ServerError),
    (503, errors.ServerError),
    (504, errors.ServerError),
    (418, errors.DeepgramApiError),
    (413, errors.DeepgramApiError),
]


def path_params(op: Operation) -> list[str]:
    """The ids of an operation's path, in order (``["project_id", "key_id"]``)."""
    return _PLACEHOLDER.findall(op.path)


def ids_of(op: Operation) -> list[str]:
    """The ids the tests pass to an operation (see ``IDS``)."""
    return [IDS[name][0] for name in path_params(op)]


def declared(op: Operation) -> Endpoint:
    """The ``@operation`` declaration of an operation (method, path, upload, agent)."""
    endpoint: Endpoint = client_method(Deepgram, op.calls[0]).endpoint
    return endpoint


def base_of(op: Operation) -> str:
    """The host an operation goes to: the agent host for those declared ``agent=True``."""
    return AGENT_HOST if declared(op).agent else API


def path_of(op: Operation) -> str:
    """The path the ids of ``ids_of`` must fill the template with."""
    return op.path.format(**{name: IDS[name][1] for name in path_params(op)})


def url_of(op: Operation) -> str:
    return base_of(op) + path_of(op)


def client_method(client: Any, call: str) -> Any:
    """``client_method(dg, "keys.create")`` is ``dg.keys.create`` (on the class: the function)."""
    group, name = call.split(".")
    holder = getattr(client, group)
    return getattr(holder.cls if client is Deepgram else holder, name)


def first_case(op: Operation) -> Case:
    return CASES.get(op.calls[0], PLAIN)[0]


def _takes_options_after(op: Operation, case: Case) -> bool:
    """Whether ``case`` gives keyword options and its positional arguments stop right before
    the method's ``options`` parameter (so the same options can go there as a dict)."""
    names = list(inspect.signature(client_method(Deepgram, op.calls[0])).parameters)[1:]
    leading = len(path_params(op)) + len(case.args)
    return bool(case.kwargs) and "options" in names and names.index("options") == leading


REQUEST_CASES = [
    pytest.param(op, call, case, id=f"{call}-{case.name}")
    for op in OPERATIONS
    for call in op.calls
    for case in CASES.get(op.calls[0], PLAIN)
]
OPTION_CASES = [
    pytest.param(op, case, id=f"{op.calls[0]}-{case.name}")
    for op in OPERATIONS
    for case in CASES.get(op.calls[0], PLAIN)
    if _takes_options_after(op, case)
]
ID_CASES = [
    pytest.param(op, index, id=f"{op.calls[0]}-{name}")
    for op in OPERATIONS
    for index, name in enumerate(path_params(op))
]
ERROR_CASES = [
    pytest.param(op, *STATUSES[number % len(STATUSES)], id=f"{op.calls[0]}")
    for number, op in enumerate(OPERATIONS)
]


@pytest.fixture(params=["sync", "aio"])
def invoke(request: pytest.FixtureRequest, dg: Deepgram) -> Iterator[Callable[..., Any]]:
    """``invoke("keys.get", *args)``: the call on ``dg``, or awaited on an ``aio.Deepgram``."""
    if request.param == "sync":
        yield lambda call, *args, **kwargs: client_method(dg, call)(*args, **kwargs)
        return
    twin = aio.Deepgram(api_key=KEY, max_retries=0)

    def awaited(call: str, *args: Any, **kwargs: Any) -> Any:
        return asyncio.run(client_method(twin, call)(*args, **kwargs))

    yield awaited
    asyncio.run(twin.close())


# --- the table itself ------------------------------------------------------------------------


def test_operations_are_fifty_distinct_endpoints() -> None:
    assert len(OPERATIONS) == 50
    assert len({(op.method, op.path) for op in OPERATIONS}) == 50


def test_the_media_uploads_are_the_operations_declared_upload() -> None:
    uploads = {op.path for op in OPERATIONS if declared(op).upload}
    assert uploads == {"/v1/listen", "/v1/speak", "/v2/speak", "/v1/read"}


def test_the_cases_name_real_operations_and_every_path_id_has_a_test_value() -> None:
    assert set(CASES) <= {op.calls[0] for op in OPERATIONS}
    assert {name for op in OPERATIONS for name in path_params(op)} == set(IDS)
    for param in REJECTED:
        assert callable(client_method(Deepgram, str(param.values[0]))), param.id


# --- the request -----------------------------------------------------------------------------


@pytest.mark.parametrize(("op", "call", "case"), REQUEST_CASES)
def test_operation_sends_the_documented_request_and_returns_the_answer(
    invoke: Callable[..., Any],
    answer: Callable[..., Any],
    sent: Callable[[], list[SentRequest]],
    op: Operation,
    call: str,
    case: Case,
) -> None:
    example = answer(op.method, op.path, path_of(op), base=base_of(op))

    result = invoke(call, *ids_of(op), *case.args, **case.kwargs)

    (request,) = sent()
    query = f"?{case.query}" if case.query else ""
    assert (request.method, request.url) == (op.method, url_of(op) + query)
    if case.body is None:
        assert request.body is None
        request.assert_client_headers(content_type=None)
    else:
        assert request.json == case.body
        request.assert_client_headers(content_type="application/json")
    assert result == example


@pytest.mark.parametrize(("op", "case"), OPTION_CASES)
def test_options_as_a_dict_or_keywords_send_the_same_request(
    dg: Deepgram,
    mocked: responses.RequestsMock,
    sent: Callable[[], list[SentRequest]],
    op: Operation,
    case: Case,
) -> None:
    for _ in range(3):
        mocked.add(op.method, url_of(op), json={})
    method = client_method(dg, op.calls[0])
    leading = (*ids_of(op), *case.args)
    overridden = {key: "overridden" for key, value in case.kwargs.items() if value is not None}

    method(*leading, **case.kwargs)
    method(*leading, dict(case.kwargs))
    method(*leading, overridden, **case.kwargs)  # keywords win

    by_keywords, by_dict, mixed = sent()
    assert by_keywords.url == by_dict.url == mixed.url
    assert by_keywords.body == by_dict.body == mixed.body


# --- refused before sending ------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad", ["", "   ", None, ".", ".."], ids=["empty", "spaces", "none", "dot", "dot-dot"]
)
@pytest.mark.parametrize(("op", "index"), ID_CASES)
def test_a_blank_or_dot_segment_id_raises_value_error_and_sends_nothing(
    dg: Deepgram, mocked: responses.RequestsMock, op: Operation, index: int, bad: str | None
) -> None:
    # `..` would be resolved by URL normalisation: DELETE .../keys/.. would delete the project.
    ids: list[str | None] = list(ids_of(op))
    ids[index] = bad
    case = first_case(op)
    with pytest.raises(ValueError, match=path_params(op)[index]):
        client_method(dg, op.calls[0])(*ids, *case.args, **case.kwargs)
    assert len(mocked.calls) == 0


@pytest.mark.parametrize(("call", "args", "kwargs", "error", "match"), REJECTED)
def test_bad_arguments_are_refused_before_sending(
    dg: Deepgram,
    mocked: responses.RequestsMock,
    call: str,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    error: type[Exception],
    match: str,
) -> None:
    with pytest.raises(error, match=match):
        result = client_method(dg, call)(*args, **kwargs)
        if isinstance(result, Iterator):  # iter_requests checks when it is walked
            list(result)
    assert len(mocked.calls) == 0


# --- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("op", "status", "cls"), ERROR_CASES)
def test_an_error_answer_raises_its_typed_error(
    dg: Deepgram,
    mocked: responses.RequestsMock,
    op: Operation,
    status: int,
    cls: type[errors.DeepgramApiError],
) -> None:
    body = {"err_code": "X", "err_msg": "boom", "request_id": RID}
    mocked.add(op.method, url_of(op), status=status, json=body)
    case = first_case(op)

    with pytest.raises(cls) as caught:
        client_method(dg, op.calls[0])(*ids_of(op), *case.args, **case.kwargs)

    error = caught.value
    assert type(error) is cls
    assert isinstance(error, errors.DeepgramError)
    assert (error.status, error.err_code, error.message, error.request_id) == (
        status,
        "X",
        "boom",
        RID,
    )
    assert error.body == body
    assert len(mocked.calls) == 1


@pytest.mark.parametrize("op", OPERATIONS, ids=lambda op: op.calls[0])
def test_a_read_timeout_is_retried_only_when_the_method_is_idempotent(
    mocked: responses.RequestsMock, sleeps: list[float], op: Operation
) -> None:
    mocked.add(op.method, url_of(op), body=requests.ReadTimeout("read timed out"))
    case = first_case(op)
    arguments = (*ids_of(op), *case.args)

    with Deepgram(api_key=KEY, max_retries=2) as retrying:
        call = client_method(retrying, op.calls[0])
        if op.method in ("POST", "PATCH"):
            said = "already have been received" if declared(op).upload else "may have processed"
            with pytest.raises(errors.DeepgramTimeoutError, match=said) as caught:
                call(*arguments, **case.kwargs)
            assert (len(mocked.calls), sleeps, caught.value.retryable) == (1, [], False)
        else:
            mocked.add(op.method, url_of(op), json={"answered": "on the second try"})
            assert call(*arguments, **case.kwargs) == {"answered": "on the second try"}
            assert (len(mocked.calls), len(sleeps)) == (2, 1)
