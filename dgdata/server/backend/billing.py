"""Billing: balances, purchases, and the dollars of the usage log by line item.

Balances go down as requests are recorded (:meth:`~dgdata.server.backend.usage_log.UsageLog.
record_request` takes each request's cost off them, oldest balance first); the breakdown and
fields are computed from the requests that did not fail. A request's line item is
``{method}::{model family}``, e.g. ``streaming::nova-3``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import Any

from dgdata.server.backend.pricing import LISTEN_PER_MINUTE
from dgdata.server.backend.usage_stats import (
    Filters,
    UsageRow,
    UsageStats,
    grouping_value,
    period,
)

__all__ = ["BILLING_GROUPINGS", "Billing", "line_item"]

BILLING_GROUPINGS = ("accessor", "deployment", "line_item", "tags")

_FAMILY_NAMES = {
    "nova-3": "Nova-3",
    "nova-2": "Nova-2",
    "nova": "Nova",
    "enhanced": "Enhanced",
    "base": "Base",
    "whisper": "Whisper",
    "aura": "Aura",
    "aura-2": "Aura-2",
    "read": "Text Intelligence",
    "agent": "Voice Agent",
}
_METHOD_NAMES = {"sync": "Sync", "async": "Async", "streaming": "Stream"}


def _family(row: UsageRow) -> str:
    model = (row.models[0] if row.models else str(row.config.get("model") or "")).lower()
    if row.endpoint == "speak":
        return "aura-2" if model.startswith("aura-2") else "aura"
    if row.endpoint in ("read", "agent"):
        return row.endpoint
    for family in sorted(LISTEN_PER_MINUTE, key=len, reverse=True):
        if model == family or model.startswith(family + "-") or model.endswith("-" + family):
            return family
    return model or "unknown"


def line_item(row: UsageRow) -> str:
    """A request's billing line item, ``{method}::{model family}``: e.g. ``streaming::nova-3``."""
    return f"{row.method}::{_family(row)}"


def _line_item_name(item: str) -> str:
    method, _, family = item.partition("::")
    return f"{_FAMILY_NAMES.get(family, family)} ({_METHOD_NAMES.get(method, method)})"


def _billable(rows: Iterable[UsageRow]) -> list[UsageRow]:
    """The requests that are billed: those that did not fail."""
    return [row for row in rows if row.code < 400]


_BILLING_KEYS: dict[str, Callable[[UsageRow], Any]] = {
    "accessor": lambda r: r.api_key_id,
    "deployment": lambda r: r.deployment,
    "line_item": line_item,
    "tags": lambda r: tuple(sorted(set(r.tags))),
}


def _balance_json(row: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "balance_id": row["balance_id"],
        "amount": round(float(row["amount"]), 6),
        "units": row["units"],
    }
    if row["purchase_order_id"] is not None:
        out["purchase_order_id"] = row["purchase_order_id"]
    return out


def _order_json(row: Any) -> dict[str, Any]:
    order: dict[str, Any] = {"order_id": row["order_id"]}
    if row["expiration"] is not None:
        order["expiration"] = row["expiration"]
    order.update(
        created=row["created"],
        amount=float(row["amount"]),
        units=row["units"],
        order_type=row["order_type"],
    )
    return order


class Billing(UsageStats):
    """The ``balances`` and ``purchases`` tables, and the usage log in dollars."""

    def list_balances(self, project_id: str) -> list[dict[str, Any]]:
        """The project's balances, oldest first."""
        rows = self.store.query(
            "SELECT * FROM balances WHERE project_id = ? ORDER BY rowid", (project_id,)
        )
        return [_balance_json(row) for row in rows]

    def get_balance(self, project_id: str, balance_id: str) -> dict[str, Any]:
        """One balance of the project; 404 if there is none."""
        sql = "SELECT * FROM balances WHERE project_id = ? AND balance_id = ?"
        return _balance_json(self._one_or_404("Balance", sql, (project_id, balance_id)))

    def add_balance(
        self,
        project_id: str,
        balance_id: str,
        amount: float,
        *,
        units: str = "usd",
        purchase_order_id: str | None = None,
    ) -> None:
        """Add a balance to the project."""
        self.store.execute(
            "INSERT INTO balances (balance_id, project_id, amount, units, purchase_order_id) "
            "VALUES (?, ?, ?, ?, ?)",
            (balance_id, project_id, amount, units, purchase_order_id),
        )

    def list_purchases(self, project_id: str, limit: int) -> list[dict[str, Any]]:
        """The project's latest ``limit`` purchases, newest first."""
        rows = self.store.query(
            "SELECT * FROM purchases WHERE project_id = ? ORDER BY created DESC, rowid DESC "
            "LIMIT ?",
            (project_id, limit),
        )
        return [_order_json(row) for row in rows]

    def add_purchase(
        self,
        project_id: str,
        order_id: str,
        amount: float,
        *,
        created: str,
        expiration: str | None = None,
        units: str = "usd",
        order_type: str = "prepaid",
    ) -> None:
        """Record a purchase (its balance is added with :meth:`add_balance`)."""
        self.store.execute(
            "INSERT INTO purchases (order_id, project_id, created, expiration, amount, units, "
            "order_type) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (order_id, project_id, created, expiration, amount, units, order_type),
        )

    def _billed_rows(
        self, project_id: str, start: date, end: date, filters: Filters, item: str | None
    ) -> list[UsageRow]:
        rows = _billable(self.usage_rows(project_id, start, end, filters))
        return [row for row in rows if item is None or line_item(row) == item]

    def billing_breakdown(
        self,
        project_id: str,
        start: date,
        end: date,
        filters: Filters,
        groupings: Sequence[str],
        *,
        item: str | None = None,
    ) -> dict[str, Any]:
        """``/billing/breakdown``: dollars per day and group (fields not grouped by are null);
        ``item`` keeps one line item only."""
        sums: dict[tuple[Any, ...], float] = defaultdict(float)
        for row in self._billed_rows(project_id, start, end, filters, item):
            key = (row.day, *(_BILLING_KEYS[g](row) for g in groupings))
            sums[key] += row.usd
        results = []
        for key, dollars in sorted(sums.items(), key=lambda entry: repr(entry[0])):
            group: dict[str, Any] = {"start": key[0], "end": key[0]}
            group.update(dict.fromkeys(BILLING_GROUPINGS))
            for name, value in zip(groupings, key[1:], strict=True):
                group[name] = grouping_value(value)
            results.append({"dollars": round(dollars, 6), "grouping": group})
        return period(start, end, results)

    def billing_fields(self, project_id: str, start: date, end: date) -> dict[str, Any]:
        """``/billing/fields``: the accessors, deployments, tags and line items billed."""
        billed = self._billed_rows(project_id, start, end, Filters(), None)
        items = sorted({line_item(row) for row in billed})
        return {
            "accessors": sorted({row.api_key_id for row in billed if row.api_key_id}),
            "deployments": sorted({row.deployment for row in billed}),
            "tags": sorted({tag for row in billed for tag in row.tags}),
            "line_items": {item: _line_item_name(item) for item in items},
        }
