"""Billing of a project: balances, breakdown, fields and purchases."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from dgdata._query import merge_options
from dgdata.resources._base import JSON, Resource, operation
from dgdata.resources._paging import project_ids

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd


class Billing(Resource):
    """Money: what is left, what was spent on what, what was bought (seed names kept)."""

    @operation("GET", "/v1/projects/{project_id}/balances")
    def list_balance(self, project_id: str) -> JSON:
        """``{"balances": [{"balance_id", "amount", "units", "purchase_order_id"}]}``."""
        return self._send(self.list_balance, project_id)

    def balances_frame(self, project_id: str | Iterable[str] | None = None) -> pd.DataFrame:
        """Balances as a frame (:func:`dgdata.frames.balances`) with a ``project_id`` column;
        ``None`` means every project of the key."""
        import pandas as pd

        from dgdata.frames.billing import balances

        frames = []
        for pid in project_ids(self._transport, project_id):
            frame = balances(self.list_balance(pid))
            frame.insert(0, "project_id", pd.Series(pid, index=frame.index, dtype="string"))
            frames.append(frame)
        if not frames:
            empty = balances({"balances": []})
            empty.insert(0, "project_id", pd.Series(index=empty.index, dtype="string"))
            return empty
        return pd.concat(frames, ignore_index=True)

    @operation("GET", "/v1/projects/{project_id}/balances/{balance_id}")
    def get_balance(self, project_id: str, balance_id: str) -> JSON:
        """One balance: ``{"balance_id", "amount", "units", "purchase_order_id"}``."""
        return self._send(self.get_balance, project_id, balance_id)

    @operation("GET", "/v1/projects/{project_id}/billing/breakdown")
    def get_breakdown(
        self, project_id: str, options: Mapping[str, Any] | None = None, **filters: Any
    ) -> JSON:
        """Spend by period and ``grouping`` (a list of accessor, deployment, line_item, tags)."""
        return self._send(self.get_breakdown, project_id, params=merge_options(options, filters))

    @operation("GET", "/v1/projects/{project_id}/billing/fields")
    def get_fields(
        self, project_id: str, options: Mapping[str, Any] | None = None, **filters: Any
    ) -> JSON:
        """Accessors, deployments, tags and line items billed: ``{"accessors", …}``."""
        return self._send(self.get_fields, project_id, params=merge_options(options, filters))

    @operation("GET", "/v1/projects/{project_id}/purchases")
    def list_purchases(
        self, project_id: str, options: Mapping[str, Any] | None = None, **filters: Any
    ) -> JSON:
        """Purchase orders: ``{"orders": [...]}``; ``limit`` caps how many."""
        return self._send(self.list_purchases, project_id, params=merge_options(options, filters))
