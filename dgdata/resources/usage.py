"""Usage of a project: requests, the usage aggregate, fields and breakdown.

Dates (``start``, ``end``) may be strings, ``datetime.date`` or ``datetime.datetime`` objects;
they are sent as ISO 8601.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from dgdata._query import merge_options
from dgdata.resources._base import JSON, Options, Resource, operation
from dgdata.resources._paging import (
    fetch_all_pages,
    frame_per_project,
    page_ids,
    page_items,
    page_limit,
)

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

logger = logging.getLogger(__name__)

DEFAULT_PAGE_SIZE = 100


class Usage(Resource):
    """Requests made with a project and what they used (seed names kept)."""

    @operation("GET", "/v1/projects/{project_id}/requests")
    def list_requests(self, project_id: str, options: Options = None, **filters: Any) -> JSON:
        """One page of requests: ``{"page", "limit", "requests": [...]}``, newest first.

        Filters: ``start``, ``end``, ``limit``, ``page``, ``accessor``, ``request_id``,
        ``deployment``, ``endpoint``, ``method``, ``status``. Use :meth:`iter_requests` for all.
        """
        return self._query(self.list_requests, project_id, options=options, filters=filters)

    def iter_requests(
        self,
        project_id: str,
        options: Options = None,
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
        **filters: Any,
    ) -> Iterator[JSON]:
        """Every request matching the filters, walking the pages one after another.

        Stops on the first page shorter than the page size (or empty). If the server ignores
        ``page`` and sends a page again, the walk stops instead of looping forever.

        Example::

            for request in dg.usage.iter_requests(pid, start="2024-01-01"):
                print(request["request_id"])
        """
        params, page = _paging_params(options, filters, page_size)
        previous_ids: list[Any] | None = None
        while True:
            body = self.list_requests(project_id, {**params, "page": page})
            requests = body.get("requests") or []
            ids = page_ids(body, "requests")
            if requests and ids == previous_ids:
                logger.warning("page %d repeats page %d: the server ignores `page`", page, page - 1)
                return
            yield from requests
            limit = page_limit(body, int(params["limit"]))
            if len(requests) < limit or not requests:
                return
            previous_ids = ids
            page += 1

    def list_all_requests(
        self,
        project_id: str,
        options: Options = None,
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
        concurrency: int = 8,
        **filters: Any,
    ) -> list[JSON]:
        """Every request matching the filters, fetching up to ``concurrency`` pages at once.

        The same result as ``list(iter_requests(...))`` in a fraction of the time for long
        histories; see :func:`dgdata.resources._paging.fetch_all_pages`.
        """
        params, first_page = _paging_params(options, filters, page_size)

        def fetch(page: int) -> JSON:
            return self.list_requests(project_id, {**params, "page": page})

        pages = fetch_all_pages(
            fetch,
            key="requests",
            page_size=int(params["limit"]),
            first_page=first_page,
            concurrency=concurrency,
        )
        return [item for page in pages for item in page_items(page, "requests")]

    def requests_frame(
        self,
        project_id: str | Iterable[str] | None = None,
        start: Any = None,
        end: Any = None,
        *,
        concurrency: int = 8,
        page_size: int = DEFAULT_PAGE_SIZE,
        **filters: Any,
    ) -> pd.DataFrame:
        """Every request as a DataFrame (:func:`dgdata.frames.usage_requests`), one row each.

        ``project_id`` is one project, a list of them, or ``None`` for every project of the key;
        the ``project_id`` column says which. Pages are fetched ``concurrency`` at a time.

        Example: ``dg.usage.requests_frame(start="2024-06-01").groupby("project_id").usd.sum()``
        """
        from dgdata.frames.usage import usage_requests

        query = {"start": start, "end": end, **filters}

        def one(pid: str) -> pd.DataFrame:
            fetched = self.list_all_requests(
                pid, query, page_size=page_size, concurrency=concurrency
            )
            return usage_requests(fetched, project_id=pid)

        return frame_per_project(self._transport, project_id, one, lambda: usage_requests([]))

    def summary_frame(
        self, project_id: str, start: Any = None, end: Any = None, **filters: Any
    ) -> pd.DataFrame:
        """The usage aggregate (:meth:`get_usage`) as a frame indexed by period start."""
        from dgdata.frames.usage_stats import usage_summary

        return usage_summary(self.get_usage(project_id, {"start": start, "end": end, **filters}))

    def breakdown_frame(
        self,
        project_id: str,
        start: Any = None,
        end: Any = None,
        grouping: str | None = None,
        **filters: Any,
    ) -> pd.DataFrame:
        """The usage breakdown (:meth:`get_breakdown`) as a frame, one row per group."""
        from dgdata.frames.usage_stats import usage_breakdown

        options = {"start": start, "end": end, "grouping": grouping, **filters}
        return usage_breakdown(self.get_breakdown(project_id, options))

    @operation("GET", "/v1/projects/{project_id}/requests/{request_id}")
    def get_request(self, project_id: str, request_id: str) -> JSON:
        """One request: ``{"request": {…}}``."""
        return self._send(self.get_request, project_id, request_id)

    @operation("GET", "/v1/projects/{project_id}/usage")
    def get_usage(self, project_id: str, options: Options = None, **filters: Any) -> JSON:
        """The usage aggregate: ``{"start", "end", "resolution", "results": [...]}``.

        Filters: ``start``, ``end`` (dates), ``accessor``, ``tag``, ``model``, ``method``,
        ``endpoint``, ``deployment``, and feature flags such as ``diarize=True``.
        """
        return self._query(self.get_usage, project_id, options=options, filters=filters)

    @operation("GET", "/v1/projects/{project_id}/usage/fields")
    def get_fields(self, project_id: str, options: Options = None, **filters: Any) -> JSON:
        """Tags, models, processing methods and features used: ``{"tags", "models", …}``."""
        return self._query(self.get_fields, project_id, options=options, filters=filters)

    @operation("GET", "/v1/projects/{project_id}/usage/breakdown")
    def get_breakdown(self, project_id: str, options: Options = None, **filters: Any) -> JSON:
        """Usage grouped by ``grouping`` (accessor, endpoint, feature_set, models, method, tags,
        deployment): ``{"start", "end", "resolution", "results": [...]}``."""
        return self._query(self.get_breakdown, project_id, options=options, filters=filters)


def _paging_params(
    options: Options, filters: Mapping[str, Any], page_size: int
) -> tuple[dict[str, Any], int]:
    """The query of every page (``limit`` set, ``page`` removed) and the first page number."""
    if page_size < 1:
        raise ValueError("page_size must be at least 1")
    params = merge_options(options, filters)
    params["limit"] = params.get("limit") or page_size
    return params, int(params.pop("page", 0) or 0)
