"""Usage and balance plots: the bars drawn are the grouped sums of the requests frame."""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from dgdata import plots
from dgdata.frames.billing import balances
from dgdata.frames.usage import usage_requests

from .shapes import failed_request, new_request, old_request, page

AB, ASYNC = ["a", "b"], "async"

# Requests over 9 days in May 2024 (Wed 1st .. Thu 9th), three models, two keys, two tags.
RAW = [
    old_request("r1", "2024-05-01T09:00:00Z", usd=1.0, model="nova-2", accessor="k1", tags=["a"]),
    old_request("r2", "2024-05-01T23:59:59Z", usd=2.0, model="nova-3", accessor="k1", tags=[]),
    old_request("r3", "2024-05-02T00:00:00Z", usd=0.5, model="nova-2", accessor="k2", tags=AB),
    old_request("r4", "2024-05-05T12:00:00Z", usd=4.0, model="whisper", accessor="k2", tags=["b"]),
    old_request("r5", "2024-05-06T08:00:00Z", usd=3.0, model="nova-3", accessor="k1", method=ASYNC),
    old_request("r6", "2024-05-09T08:00:00Z", usd=..., model="nova-2", accessor="k3"),
    failed_request("r7", "2024-05-09T09:00:00Z"),
    new_request("r8", "2024-05-09T10:00:00Z", code=503.0, usd=..., api_key_id="k3"),
]


@pytest.fixture
def requests() -> pd.DataFrame:
    return usage_requests(page(RAW))


def _expected_spend(key: Any, period: Any) -> dict[tuple[pd.Timestamp, str], float]:
    """Spend per (period start, label) computed straight from the raw dicts."""
    sums: dict[tuple[pd.Timestamp, str], float] = defaultdict(float)
    for item in RAW:
        usd = item.get("response", {}).get("details", {}).get("usd")
        if isinstance(usd, (int, float)):
            sums[(period(pd.Timestamp(item["created"])), key(item))] += usd
    return sums


def _bars(ax: plt.Axes) -> dict[str, list[float]]:
    return {c.get_label(): [p.get_height() for p in c.patches] for c in ax.containers}


def _day(ts: pd.Timestamp) -> pd.Timestamp:
    return ts.floor("D")


def _model(item: dict[str, Any]) -> str:
    return item["response"]["details"]["config"]["model"]


def test_daily_spend_bars_equal_the_grouped_sums_per_model(requests: pd.DataFrame) -> None:
    ax = plots.spend_over_time(requests, freq="D", by="model")
    table = plots.spend_table(requests, freq="D", by="model")
    expected = _expected_spend(_model, _day)
    days = pd.date_range("2024-05-01", "2024-05-09", freq="D", tz="UTC")
    assert table.index.tolist() == days.tolist()  # silent days are rows of zeros
    bars = _bars(ax)
    assert set(bars) == {"nova-2", "nova-3", "whisper"}  # models that spent nothing are left out
    for model, heights in bars.items():
        assert heights == pytest.approx([expected.get((day, model), 0.0) for day in days])
    assert list(bars) == ["nova-3", "whisper", "nova-2"]  # largest total spend first


def test_stacked_bars_sit_on_each_other(requests: pd.DataFrame) -> None:
    ax = plots.spend_over_time(requests, freq="D", by="model")
    tops = [
        max(patch.get_y() + patch.get_height() for patch in column)
        for column in zip(*(container.patches for container in ax.containers), strict=True)
    ]
    total = plots.spend_table(requests, freq="D", by="model").sum(axis=1)
    assert tops == pytest.approx(total.tolist())


def test_weeks_start_on_monday_and_months_on_the_first(requests: pd.DataFrame) -> None:
    weekly = plots.spend_table(requests, freq="W", by=None)
    assert weekly.index.tolist() == [
        pd.Timestamp("2024-04-29", tz="UTC"),
        pd.Timestamp("2024-05-06", tz="UTC"),
    ]
    assert weekly["total"].tolist() == pytest.approx([1.0 + 2.0 + 0.5 + 4.0, 3.0])
    monthly = plots.spend_table(requests, freq="M", by="method")
    assert monthly.index.tolist() == [pd.Timestamp("2024-05-01", tz="UTC")]
    assert monthly.loc[monthly.index[0]].to_dict() == pytest.approx({"sync": 7.5, "async": 3.0})


def test_spend_by_tag_uses_the_joined_tags(requests: pd.DataFrame) -> None:
    table = plots.spend_table(requests, freq="M", by="tag")
    assert table.iloc[0].to_dict() == pytest.approx(
        {"b": 4.0, "prod": 3.0, "(untagged)": 2.0, "a": 1.0, "a+b": 0.5}
    )


def test_spend_beyond_top_groups_is_summed_into_other(requests: pd.DataFrame) -> None:
    table = plots.spend_table(requests, freq="D", by="accessor", top=1)
    assert table.columns.tolist() == ["k1", "other"]
    full = plots.spend_table(requests, freq="D", by="accessor")
    assert table.sum(axis=1).tolist() == pytest.approx(full.sum(axis=1).tolist())


def test_spend_rejects_unknown_freq_and_grouping(requests: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="freq"):
        plots.spend_table(requests, freq="H")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="no such column"):
        plots.spend_table(requests, by="colour")


def test_requests_by_status_counts_succeeded_and_failed(requests: pd.DataFrame) -> None:
    ax = plots.requests_by_status(requests, freq="D")
    table = plots.status_table(requests, freq="D")
    assert table.loc[pd.Timestamp("2024-05-09", tz="UTC")].to_dict() == {
        "succeeded": 1,
        "failed": 2,
    }
    assert table.sum().to_dict() == {"succeeded": 6, "failed": 2}
    assert _bars(ax)["failed"][-1] == 2


def test_top_keys_by_spend_draws_the_largest_on_top(requests: pd.DataFrame) -> None:
    ax = plots.top_keys_by_spend(requests, n=2)
    table = plots.key_spend_table(requests, n=2)
    assert table.index.tolist() == ["k1", "k2"]
    assert table["usd"].tolist() == pytest.approx([6.0, 4.5])
    widths = [patch.get_width() for patch in ax.patches]
    assert widths == pytest.approx([4.5, 6.0])  # drawn bottom-up: the largest ends on top
    assert [label.get_text() for label in ax.get_yticklabels()] == ["k2", "k1"]


def test_hours_by_method_sums_durations(requests: pd.DataFrame) -> None:
    ax = plots.hours_by_method(requests)
    table = plots.hours_table(requests)
    expected = requests.groupby("method")["duration"].sum()
    assert table.loc[["async", "sync"], "hours"].tolist() == pytest.approx(
        expected[["async", "sync"]].tolist()
    )
    labels = [label.get_text() for label in ax.get_xticklabels()]
    heights = dict(zip(labels, [p.get_height() for p in ax.patches], strict=True))
    assert heights["sync"] == pytest.approx(table.loc["sync", "hours"])


def test_burndown_days_left_is_balance_over_recent_daily_rate(requests: pd.DataFrame) -> None:
    money = balances(
        {
            "balances": [
                {"balance_id": "a", "amount": 100.0, "units": "usd"},
                {"balance_id": "b", "amount": 20.0, "units": "USD"},
                {"balance_id": "c", "amount": 999.0, "units": "hour"},  # not money: ignored
            ]
        }
    )
    estimate = plots.burndown(money, requests, window_days=7)
    # now = newest request (May 9th 10:00); the window (May 2nd 10:00, now] holds r4 and r5
    assert estimate.now == pd.Timestamp("2024-05-09 10:00", tz="UTC")
    assert estimate.balance == 120.0
    assert estimate.daily_rate == pytest.approx((4.0 + 3.0) / 7)
    assert estimate.days_left == pytest.approx(120.0 / ((4.0 + 3.0) / 7))
    assert estimate.projection["balance"].iloc[0] == 120.0
    assert estimate.projection["balance"].iloc[-1] == 0.0
    assert len(estimate.projection) == math.ceil(estimate.days_left) + 1


def test_balance_burndown_plot_draws_and_annotates_the_projection(
    requests: pd.DataFrame,
) -> None:
    money = balances({"balances": [{"amount": 10.0, "units": "usd"}]})
    ax = plots.balance_burndown(money, requests, window_days=7)
    estimate = plots.burndown(money, requests, window_days=7)
    assert list(ax.lines[0].get_ydata()) == pytest.approx(estimate.projection["balance"].tolist())
    assert ax.texts[0].get_text().startswith(f"{estimate.days_left:,.1f} days left at $1.00/day")


def test_burndown_without_recent_spend_never_runs_out(requests: pd.DataFrame) -> None:
    money = balances({"balances": [{"amount": 10.0, "units": "usd"}]})
    later = pd.Timestamp("2025-01-01", tz="UTC")
    estimate = plots.burndown(money, requests, window_days=3, now=later, horizon_days=30)
    assert estimate.daily_rate == 0.0 and math.isinf(estimate.days_left)
    assert (estimate.projection["balance"] == 10.0).all() and len(estimate.projection) == 31
    ax = plots.balance_burndown(money, requests, window_days=3, now=later)
    assert "no spend in the last 3 days" in ax.texts[0].get_text()


def test_plots_draw_on_a_given_axes_and_handle_empty_frames() -> None:
    empty = usage_requests([])
    _, ax = plt.subplots()
    assert plots.spend_over_time(empty, ax=ax) is ax
    assert plots.spend_table(empty).empty
    assert plots.status_table(empty).empty
    assert plots.key_spend_table(empty).empty
    assert len(plots.hours_by_method(empty).patches) == 0
