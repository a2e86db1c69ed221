"""Usage of a project: requests, the usage aggregate, fields and breakdown.

Dates (``start``, ``end``) may be strings, ``datetime.date`` or ``datetime.datetime`` objects;
they are sent as ISO 8601.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from typing import Any

from dgdata._query import merge_options
from dgdata.resources._base import JSON, Resource, operation

logger = logging.getLogger(__name__)

DEFAULT_PAGE_SIZE = 100


class Usage(Resource):
    """Requests made with a project and what they used (seed names kept)."""

    @operation("GET", "/v1/projects/{project_id}/requests")
    def list_requests(
        self, project_id: str, options: Mapping[str, Any] | None = None, **filters: Any
    ) -> JSON:
        """One page of requests: ``{"page", "limit", "requests": [...]}``, newest first.

        Filters: ``start``, ``end``, ``limit``, ``page``, ``accessor``, ``request_id``,
        ``deployment``, ``endpoint``, ``method``, ``status``. Use :meth:`iter_requests` for all.
        """
        return self._send(self.list_requests, project_id, params=merge_options(options, filters))

    def iter_requests(
        self,
        project_id: str,
        options: Mapping[str, Any] | None = None,
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
        params = merge_options(options, filters)
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        params["limit"] = params.get("limit") or page_size
        page = int(params.pop("page", 0) or 0)
        previous_ids: list[Any] | None = None
        while True:
            body = self.list_requests(project_id, {**params, "page": page})
            requests = body.get("requests") or []
            ids = [item.get("request_id") for item in requests if isinstance(item, Mapping)]
            if requests and ids == previous_ids:
                logger.warning("page %d repeats page %d: the server ignores `page`", page, page - 1)
                return
            yield from requests
            limit = _effective_limit(body, params["limit"])
            if len(requests) < limit or not requests:
                return
            previous_ids = ids
            page += 1

    @operation("GET", "/v1/projects/{project_id}/requests/{request_id}")
    def get_request(self, project_id: str, request_id: str) -> JSON:
        """One request: ``{"request": {…}}``."""
        return self._send(self.get_request, project_id, request_id)

    @operation("GET", "/v1/projects/{project_id}/usage")
    def get_usage(
        self, project_id: str, options: Mapping[str, Any] | None = None, **filters: Any
    ) -> JSON:
        """The usage aggregate: ``{"start", "end", "resolution", "results": [...]}``.

        Filters: ``start``, ``end`` (dates), ``accessor``, ``tag``, ``model``, ``method``,
        ``endpoint``, ``deployment``, and feature flags such as ``diarize=True``.
        """
        return self._send(self.get_usage, project_id, params=merge_options(options, filters))

    @operation("GET", "/v1/projects/{project_id}/usage/fields")
    def get_fields(
        self, project_id: str, options: Mapping[str, Any] | None = None, **filters: Any
    ) -> JSON:
        """Tags, models, processing methods and features used: ``{"tags", "models", …}``."""
        return self._send(self.get_fields, project_id, params=merge_options(options, filters))

    @operation("GET", "/v1/projects/{project_id}/usage/breakdown")
    def get_breakdown(
        self, project_id: str, options: Mapping[str, Any] | None = None, **filters: Any
    ) -> JSON:
        """Usage grouped by ``grouping`` (accessor, endpoint, feature_set, models, method, tags,
        deployment): ``{"start", "end", "resolution", "results": [...]}``."""
        return self._send(self.get_breakdown, project_id, params=merge_options(options, filters))


def _effective_limit(body: Mapping[str, Any], requested: Any) -> int:
    """The page size the server used: its echoed ``limit`` when it sends one."""
    for value in (body.get("limit"), requested):
        try:
            number = int(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            continue
        if number > 0:
            return number
    return DEFAULT_PAGE_SIZE
