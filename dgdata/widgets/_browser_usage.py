"""The Usage and Balances tabs of the account browser.

The usage chart is drawn with :mod:`dgdata.plots` on a matplotlib ``Figure`` (no pyplot, so
nothing is displayed twice and no global state changes) and shown as a PNG in an
``ipywidgets.Image``: bytes sent as a binary buffer, which renders the same in JupyterLab, in
classic notebooks and in a headless browser.
"""

from __future__ import annotations

import datetime as dt
import html
import io
from typing import TYPE_CHECKING

import ipywidgets as w
import pandas as pd
from matplotlib.figure import Figure

from dgdata import plots
from dgdata.widgets._browser_common import ProjectTab, make_button

if TYPE_CHECKING:  # pragma: no cover
    from dgdata.client import Deepgram

__all__ = ["BalancesTab", "UsageTab", "usage_chart"]

DEFAULT_DAYS = 30
_REQUEST_COLUMNS = {
    "created": "created",
    "model": "model",
    "method": "method",
    "endpoint": "endpoint",
    "duration": "hours",
    "usd": "usd",
    "status": "status",
    "tags": "tags",
    "request_id": "request id",
}
_BALANCE_COLUMNS = {
    "balance_id": "balance id",
    "amount": "amount",
    "units": "units",
    "purchase_order_id": "purchase order",
}


def usage_chart(summary: pd.DataFrame, requests: pd.DataFrame, freq: plots.Freq = "D") -> bytes:
    """A PNG: requests per period (the usage summary) above the spend per period by model."""
    figure = Figure(figsize=(9, 6), layout="constrained")
    top, bottom = figure.subplots(2, 1, sharex=True)
    counts = summary["requests"].fillna(0).astype("float64") if len(summary) else pd.Series([])
    if len(counts):
        x = list(pd.DatetimeIndex(summary.index).to_pydatetime())
        top.bar(x, counts.tolist(), width=0.8, color="#13795b")
    top.set_ylabel("requests")
    top.set_title("Requests (usage summary)")
    if len(requests):
        plots.spend_over_time(requests, freq=freq, by="model", ax=bottom)
    else:
        bottom.text(0.5, 0.5, "No requests in this period", ha="center", va="center")
        bottom.set_axis_off()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90)
    return buffer.getvalue()


def _totals(summary: pd.DataFrame, requests: pd.DataFrame) -> str:
    count = int(summary["requests"].fillna(0).sum()) if len(summary) else 0
    hours = float(summary["hours"].fillna(0).sum()) if len(summary) else 0.0
    usd = float(requests["usd"].fillna(0).sum()) if len(requests) else 0.0
    return (
        f'<div class="dgdata-usage-totals-line"><b>{count:,}</b> requests, '
        f"<b>{hours:,.2f}</b> audio hours, <b>${usd:,.2f}</b> spent</div>"
    )


class UsageTab(ProjectTab):
    """Usage in a date range: totals, a chart and the requests table (newest first).

    CSS classes: ``dgdata-usage-start``, ``dgdata-usage-end``, ``dgdata-usage-apply``,
    ``dgdata-usage-totals``, ``dgdata-usage-chart`` (an image), ``dgdata-usage-requests``,
    ``dgdata-usage-message``.
    """

    title = "Usage"

    def __init__(self, dg: Deepgram, *, max_rows: int) -> None:
        today = dt.datetime.now(dt.timezone.utc).date()
        #: The first day (UTC) of the range.
        self.start = w.DatePicker(
            description="From", value=today - dt.timedelta(days=DEFAULT_DAYS - 1)
        )
        self.start.add_class("dgdata-usage-start")
        #: The last day (UTC) of the range, included.
        self.end = w.DatePicker(description="To", value=today)
        self.end.add_class("dgdata-usage-end")
        #: Reloads the tab for the range.
        self.apply_button = make_button("Apply", "dgdata-usage-apply", style="primary")
        #: Requests, audio hours and spend in the range.
        self.totals = w.HTML()
        self.totals.add_class("dgdata-usage-totals")
        #: The chart, a PNG (empty until loaded).
        self.chart = w.Image(format="png", layout=w.Layout(max_width="900px"))
        self.chart.add_class("dgdata-usage-chart")
        #: The requests of the range, newest first.
        self.requests_table = w.HTML()
        self.requests_table.add_class("dgdata-usage-requests")
        #: The requests of the last load, as a DataFrame (for analysis in the notebook).
        self.requests: pd.DataFrame | None = None
        controls = w.HBox([self.start, self.end, self.apply_button])
        children = [controls, self.totals, self.chart, self.requests_table]
        super().__init__(dg, "usage", children, max_rows=max_rows)
        self.apply_button.on_click(lambda _: self.refresh())

    def _reload(self, project_id: str) -> None:
        start, end = self.start.value, self.end.value
        if start is not None and end is not None and start > end:
            raise ValueError(f"the start ({start}) is after the end ({end}): swap them")
        summary = self._dg.usage.summary_frame(project_id, start, end)
        requests = self._dg.usage.requests_frame(project_id, start, end)
        span = (end - start).days if start is not None and end is not None else len(summary)
        self.chart.value = usage_chart(summary, requests, freq="D" if span <= 62 else "W")
        self.totals.value = _totals(summary, requests)
        self.requests_table.value = self.rows_table(
            requests, "requests", "No requests in this period.", _REQUEST_COLUMNS, css_name="usage"
        )
        self.requests = requests


class BalancesTab(ProjectTab):
    """The project's balances (``dg.billing.balances_frame``).

    CSS classes: ``dgdata-balances-table``, ``dgdata-balances-total``, ``dgdata-balances-message``.
    """

    title = "Balances"

    def __init__(self, dg: Deepgram, *, max_rows: int) -> None:
        #: What is left, per unit.
        self.total = w.HTML()
        self.total.add_class("dgdata-balances-total")
        #: One row per balance.
        self.table = w.HTML()
        self.table.add_class("dgdata-balances-table")
        super().__init__(dg, "balances", [self.total, self.table], max_rows=max_rows)

    def _reload(self, project_id: str) -> None:
        frame = self._dg.billing.balances_frame(project_id)
        sums = frame.groupby(frame["units"].fillna("?"), sort=True)["amount"].sum()
        self.total.value = "Left: " + (
            ", ".join(
                f"<b>{amount:,.2f}</b> {html.escape(str(units))}" for units, amount in sums.items()
            )
            or "none"
        )
        self.table.value = self.rows_table(
            frame, "balances", "This project has no balances.", _BALANCE_COLUMNS
        )
