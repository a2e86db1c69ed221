"""HTTP errors become typed exceptions carrying status, request id, code, message and body."""

from __future__ import annotations

import pickle
from typing import Any

import pytest
import responses

from dgdata import Deepgram, errors
from tests.client.conftest import API

PROJECTS = f"{API}/v1/projects"
RID = "8f2b3c8e-6a4f-4d4e-9d3a-1b2c3d4e5f60"


def test_legacy_body_shape(dg: Deepgram, mocked: responses.RequestsMock) -> None:
    body = {"err_code": "INVALID_AUTH", "err_msg": "Invalid credentials.", "request_id": RID}
    mocked.get(PROJECTS, status=401, json=body)
    with pytest.raises(errors.AuthenticationError) as caught:
        dg.projects.list()
    error = caught.value
    assert (error.err_code, error.message, error.request_id) == (
        "INVALID_AUTH",
        "Invalid credentials.",
        RID,
    )
    assert error.body == body
    assert str(error) == f"Request {RID}: Invalid credentials. (HTTP 401)"


def test_modern_body_shape_includes_details(dg: Deepgram, mocked: responses.RequestsMock) -> None:
    body = {
        "category": "INVALID_JSON",
        "message": "Invalid JSON submitted.",
        "details": "Json deserialize error: missing field `xxx` at line 7 column 1",
        "request_id": RID,
    }
    mocked.get(PROJECTS, status=400, json=body)
    with pytest.raises(errors.BadRequestError) as caught:
        dg.projects.list()
    assert caught.value.err_code == "INVALID_JSON"
    assert caught.value.message == (
        "Invalid JSON submitted.: Json deserialize error: missing field `xxx` at line 7 column 1"
    )
    assert str(caught.value).startswith(f"Request {RID}: Invalid JSON submitted.")


def test_plain_text_body_uses_the_header_request_id(
    dg: Deepgram, mocked: responses.RequestsMock
) -> None:
    mocked.get(
        PROJECTS,
        status=500,
        body="Internal failure\nwhile routing",
        content_type="text/plain",
        headers={"dg-request-id": RID},
    )
    with pytest.raises(errors.ServerError) as caught:
        dg.projects.list()
    assert caught.value.message == "Internal failure while routing"
    assert caught.value.request_id == RID
    assert caught.value.err_code is None
    assert str(caught.value) == f"Request {RID}: Internal failure while routing (HTTP 500)"


_PROXY_PAGE = (
    "<!DOCTYPE html><html><head><title>502 Bad Gateway</title><style>p{}</style></head>"
    "<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>"
)


@pytest.mark.parametrize(
    ("answer", "cls", "message"),
    [
        pytest.param(
            {
                "status": 400,
                "body": '"Bad Request: unknown model"',
                "content_type": "application/json",
            },
            errors.BadRequestError,
            "Bad Request: unknown model (HTTP 400)",
            id="json-string-body",
        ),
        pytest.param(
            {"status": 502, "body": _PROXY_PAGE, "content_type": "text/html"},
            errors.ServerError,
            "502 Bad Gateway (HTTP 502)",
            id="html-page-of-a-proxy-gives-its-title",
        ),
        pytest.param(
            {"status": 503, "body": "<html><body><p>Down  for\nmaintenance</p></body></html>"},
            errors.ServerError,
            "Down for maintenance (HTTP 503)",
            id="html-without-title-gives-its-text",
        ),
        pytest.param(
            {"status": 403, "body": "", "headers": {"dg-error": "Insufficient permissions"}},
            errors.PermissionDeniedError,
            "Insufficient permissions (HTTP 403)",
            id="empty-body-gives-the-dg-error-header",
        ),
        pytest.param(
            {"status": 404, "body": ""},
            errors.NotFoundError,
            "Not Found (HTTP 404)",
            id="empty-body-without-header-gives-the-reason",
        ),
        pytest.param(
            {"status": 200, "body": "<html>captive portal</html>", "content_type": "text/html"},
            errors.DeepgramApiError,
            "Expected a JSON answer but got text/html: '<html>captive portal</html>' (HTTP 200)",
            id="successful-non-json-answer",
        ),
    ],
)
def test_the_message_is_one_line_from_whatever_the_answer_carries(
    dg: Deepgram,
    mocked: responses.RequestsMock,
    answer: dict[str, Any],
    cls: type[errors.DeepgramApiError],
    message: str,
) -> None:
    mocked.get(PROJECTS, **answer)
    with pytest.raises(cls) as caught:
        dg.projects.list()
    assert type(caught.value) is cls
    assert str(caught.value) == message


def test_long_messages_are_cut(dg: Deepgram, mocked: responses.RequestsMock) -> None:
    mocked.get(PROJECTS, status=400, body="x" * 5000, content_type="text/plain")
    with pytest.raises(errors.BadRequestError) as caught:
        dg.projects.list()
    assert len(caught.value.message) <= 300


def test_rate_limit_error_carries_retry_after(dg: Deepgram, mocked: responses.RequestsMock) -> None:
    mocked.get(
        PROJECTS, status=429, json={"err_msg": "Too many requests"}, headers={"Retry-After": "7"}
    )
    with pytest.raises(errors.RateLimitError) as caught:
        dg.projects.list()
    assert caught.value.retry_after == 7.0


def test_error_has_headers_and_a_redacted_request(
    dg: Deepgram, mocked: responses.RequestsMock
) -> None:
    mocked.get(PROJECTS, status=404, json={"err_msg": "nope"}, headers={"dg-request-id": RID})
    with pytest.raises(errors.NotFoundError) as caught:
        dg.projects.list()
    error = caught.value
    assert error.headers["dg-request-id"] == RID
    assert error.request.headers["Authorization"] == "Token ***"
    assert error.response.request.headers["Authorization"] == "Token ***"
    assert error.response.status_code == 404


def test_api_errors_survive_pickling(dg: Deepgram, mocked: responses.RequestsMock) -> None:
    mocked.get(
        PROJECTS,
        status=429,
        json={"err_msg": "slow down", "request_id": RID},
        headers={"Retry-After": "3"},
    )
    with pytest.raises(errors.RateLimitError) as caught:
        dg.projects.list()
    clone = pickle.loads(pickle.dumps(caught.value))
    assert type(clone) is errors.RateLimitError
    assert (clone.status, clone.request_id, clone.retry_after, str(clone)) == (
        429,
        RID,
        3.0,
        str(caught.value),
    )


def test_empty_successful_answer_is_an_empty_dict(
    dg: Deepgram, mocked: responses.RequestsMock
) -> None:
    mocked.delete(f"{PROJECTS}/p1", status=204, body="")
    assert dg.projects.delete("p1") == {}


def test_retry_after_http_date_is_understood() -> None:
    assert errors.parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert errors.parse_retry_after("1.5") == 1.5
    assert errors.parse_retry_after("soon") is None
    assert errors.parse_retry_after(None) is None


def test_retryable_errors_say_so_in_their_docstring() -> None:
    for cls in (errors.RateLimitError, errors.ServerError, errors.RequestTimeoutError):
        assert cls.retryable and "retry" in (cls.__doc__ or "").lower()
    assert not errors.BadRequestError.retryable
