"""Property tests: odd, partial and random JSON never crash a frame, and the columns and dtypes
are always the declared ones.  Input of the wrong kind may only raise ValueError / TypeError."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dgdata.frames import account, billing, catalog, usage, usage_stats
from dgdata.frames.usage import CONFIG_FLAGS, REQUEST_SCHEMA, usage_requests

# DGDATA_HYPOTHESIS_EXAMPLES=2000 runs a thorough search (the default keeps the suite fast).
EXAMPLES = int(os.environ.get("DGDATA_HYPOTHESIS_EXAMPLES", "60"))
SETTINGS = settings(
    max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
MORE = settings(
    max_examples=EXAMPLES * 3, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)
timestamps = st.datetimes().map(lambda d: d.isoformat() + "Z") | st.dates().map(str)
numberish = st.one_of(
    scalars,
    st.floats(min_value=0, max_value=1e6).map(str),
    st.integers(min_value=0, max_value=999).map(float),
)
text_lists = st.lists(st.text(max_size=5) | scalars, max_size=3) | json_values


def partial(fields: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[dict[str, Any]]:
    """A dict with any subset of ``fields`` (plus sometimes an unknown extra key)."""
    return st.fixed_dictionaries({}, optional={**fields, "unexpected_extra": json_values})


config = st.dictionaries(
    st.sampled_from([*CONFIG_FLAGS, "model"]), json_values | st.booleans(), max_size=6
)
details = partial(
    {
        "usd": numberish,
        "duration": numberish,
        "total_audio": numberish,
        "channels": numberish,
        "streams": numberish,
        "models": text_lists,
        "model": json_values,
        "method": json_values,
        "tags": text_lists,
        "features": text_lists,
        "config": config | json_values,
    }
)
response = partial(
    {
        "details": details | json_values,
        "message": json_values,
        "code": numberish,
        "completed": timestamps | json_values,
        "token_details": st.lists(partial({"input": numberish, "output": numberish})) | json_values,
        "tts_details": partial({"speech_segments": st.lists(partial({"characters": numberish}))}),
    }
)
request = partial(
    {
        "request_id": json_values,
        "project_uuid": json_values,
        "created": timestamps | json_values,
        "path": st.sampled_from(["/v1/listen", "/v2/speak?x=1", "/", ""]) | json_values,
        "api_key_id": json_values,
        "accessor": json_values,
        "response": response | json_values,
        "code": numberish,
        "deployment": json_values,
        "callback": json_values | partial({"code": numberish, "completed": timestamps}),
    }
)
pages = partial({"page": numberish, "limit": numberish, "requests": st.lists(request | scalars)})


def assert_declared(frame: pd.DataFrame, schema: Any) -> None:
    assert frame.columns.tolist() == schema.names
    assert frame.dtypes.to_dict() == schema.dtypes()


@SETTINGS
@given(st.lists(pages | st.none(), max_size=3))
def test_usage_requests_on_odd_pages_keeps_declared_columns(data: list[Any]) -> None:
    frame = usage_requests(data, project_id="p")
    assert_declared(frame, REQUEST_SCHEMA)
    expected = sum(
        sum(type(item) is dict for item in page["requests"])
        for page in data
        if isinstance(page, dict) and isinstance(page.get("requests"), list)
    ) + sum(isinstance(page, dict) and "requests" not in page and bool(page) for page in data)
    assert len(frame) == expected
    assert frame["usd_available"].notna().all()
    assert set(frame["status"].dropna()) <= {"succeeded", "failed"}


@SETTINGS
@given(json_values)
def test_usage_requests_on_arbitrary_json_is_a_frame_or_a_clear_error(data: Any) -> None:
    try:
        frame = usage_requests(data)
    except (ValueError, TypeError):
        return
    assert_declared(frame, REQUEST_SCHEMA)


# One entry per frame: (function, schema, a strategy for a well-formed-kind response).
aggregate_result = partial(
    {
        "start": timestamps | json_values,
        "hours": numberish,
        "total_hours": numberish,
        "agent_hours": numberish,
        "tokens_in": numberish,
        "tts_characters": numberish,
        "requests": numberish,
        "dollars": numberish,
        "tokens": partial({"in": numberish, "out": numberish}),
        "grouping": partial(
            {
                "start": timestamps | json_values,
                "accessor": json_values,
                "models": text_lists,
                "tags": text_lists,
                "line_item": json_values,
            }
        )
        | json_values,
    }
)
aggregate = st.fixed_dictionaries(
    {"results": st.lists(aggregate_result | scalars, max_size=4) | json_values},
    optional={"start": timestamps, "end": timestamps, "resolution": json_values},
)


def listing(key: str, item: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({key: st.lists(item | scalars, max_size=4) | st.none()})


def fields_of(schema: Any, *extra: str) -> st.SearchStrategy[dict[str, Any]]:
    return partial({name: json_values for name in (*schema.names, *extra)})


member = partial({"member_id": json_values, "email": json_values, "api_key": json_values})
key_entry = partial({"member": member | json_values, "api_key": json_values})
credential_entry = partial({"member": member, "distribution_credentials": json_values})
field_lists = partial(
    {
        kind: text_lists | st.lists(fields_of(usage_stats.FIELDS_SCHEMA, "name"))
        for kind in ("tags", "models", "features")
    }
)

# One entry per frame: (function, schema, a strategy for a well-formed-kind response).
FRAMES: list[tuple[Callable[[Any], pd.DataFrame], Any, st.SearchStrategy[Any]]] = [
    (usage_stats.usage_breakdown, usage_stats.BREAKDOWN_SCHEMA, aggregate),
    (billing.billing_breakdown, billing.BILLING_BREAKDOWN_SCHEMA, aggregate),
    (usage_stats.usage_fields, usage_stats.FIELDS_SCHEMA, field_lists),
    (
        billing.billing_fields,
        billing.BILLING_FIELDS_SCHEMA,
        partial({"tags": text_lists, "line_items": json_values}),
    ),
    (
        billing.balances,
        billing.BALANCE_SCHEMA,
        listing("balances", fields_of(billing.BALANCE_SCHEMA, "purchase")),
    ),
    (
        billing.purchases,
        billing.PURCHASE_SCHEMA,
        listing("orders", fields_of(billing.PURCHASE_SCHEMA)),
    ),
    (
        account.projects,
        account.PROJECT_SCHEMA,
        listing("projects", fields_of(account.PROJECT_SCHEMA)),
    ),
    (account.keys, account.KEY_SCHEMA, listing("api_keys", key_entry)),
    (account.members, account.MEMBER_SCHEMA, listing("members", fields_of(account.MEMBER_SCHEMA))),
    (
        account.invitations,
        account.INVITATION_SCHEMA,
        listing("invites", fields_of(account.INVITATION_SCHEMA)),
    ),
    (
        account.credentials,
        account.CREDENTIALS_SCHEMA,
        listing("distribution_credentials", credential_entry),
    ),
    (
        catalog.models,
        catalog.MODEL_SCHEMA,
        listing("stt", fields_of(catalog.MODEL_SCHEMA, "metadata")),
    ),
    (
        catalog.agents,
        catalog.AGENT_SCHEMA,
        listing("agents", fields_of(catalog.AGENT_SCHEMA, "agent_uuid")),
    ),
    (
        catalog.agent_variables,
        catalog.AGENT_VARIABLE_SCHEMA,
        listing("variables", fields_of(catalog.AGENT_VARIABLE_SCHEMA)),
    ),
]
well_formed = st.sampled_from(FRAMES).flatmap(
    lambda entry: st.tuples(st.just(entry[0]), st.just(entry[1]), entry[2])
)


@MORE
@given(well_formed)
def test_every_frame_on_odd_but_well_formed_responses_keeps_declared_dtypes(
    case: tuple[Callable[[Any], pd.DataFrame], Any, Any],
) -> None:
    function, schema, data = case
    assert_declared(function(data), schema)


@MORE
@given(st.sampled_from([*FRAMES, (usage_stats.usage_summary, None, None)]), json_values)
def test_every_frame_on_arbitrary_json_is_a_frame_or_a_clear_error(
    entry: tuple[Callable[[Any], pd.DataFrame], Any, Any], data: Any
) -> None:
    function = entry[0]
    try:
        frame = function(data)
    except (ValueError, TypeError) as error:
        assert function.__name__ in str(error)
        return
    assert isinstance(frame, pd.DataFrame)
    if entry[1] is not None:
        assert_declared(frame, entry[1])


@SETTINGS
@given(aggregate)
def test_usage_summary_is_always_indexed_by_utc_start(data: dict[str, Any]) -> None:
    frame = usage_stats.usage_summary(data)
    assert str(frame.index.dtype) == "datetime64[ns, UTC]"
    assert frame.reset_index().dtypes.to_dict() == usage_stats.SUMMARY_SCHEMA.dtypes()


def test_every_public_frame_is_covered_by_the_properties() -> None:
    covered = {entry[0].__name__ for entry in FRAMES} | {"usage_summary", "usage_requests"}
    public = {
        name
        for module in (account, billing, catalog, usage, usage_stats)
        for name in module.__all__
        if name.islower()
    }
    assert public - {"primary_scope"} <= covered
