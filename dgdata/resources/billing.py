"""Billing of a project: balances, breakdown, fields and purchases."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from dgdata.resources._base import JSON, Options, Resource, operation
from dgdata.resources._paging import frame_per_project

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
        from dgdata.frames.billing import balances

        def one(pid: str) -> pd.DataFrame:
            return _with_project(balances(self.list_balance(pid)), pid)

        def empty() -> pd.DataFrame:
            return _with_project(balances({"balances": []}), None)

        return frame_per_project(self._transport, project_id, one, empty)

    @operation("GET", "/v1/projects/{project_id}/balances/{balance_id}")
    def get_balance(self, project_id: str, balance_id: str) -> JSON:
        """One balance: ``{"balance_id", "amount", "units", "purchase_order_id"}``."""
        return self._send(self.get_balance, project_id, balance_id)

    @operation("GET", "/v1/projects/{project_id}/billing/breakdown")
    def get_breakdown(self, project_id: str, options: Options = None, **filters: Any) -> JSON:
        """Spend by period and ``grouping`` (a list of accessor, deployment, line_item, tags)."""
        return self._query(self.get_breakdown, project_id, options=options, filters=filters)

    @operation("GET", "/v1/projects/{project_id}/billing/fields")
    def get_fields(self, project_id: str, options: Options = None, **filters: Any) -> JSON:
        """Accessors, deployments, tags and line items billed: ``{"accessors", …}``."""
        return self._query(self.get_fields, project_id, options=options, filters=filters)

    @operation("GET", "/v1/projects/{project_id}/purchases")
    def list_purchases(self, project_id: str, options: Options = None, **filters: Any) -> JSON:
        """Purchase orders: ``{"orders": [...]}``; ``limit`` caps how many."""
        return self._query(self.list_purchases, project_id, options=options, filters=filters)


def _with_project(frame: pd.DataFrame, project_id: str | None) -> pd.DataFrame:
    """``frame`` with a first ``project_id`` column (string dtype) holding ``project_id``."""
    import pandas as pd

    frame.insert(0, "project_id", pd.Series(project_id, index=frame.index, dtype="string"))
    return frame
