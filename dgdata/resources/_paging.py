"""Fetching every page of a paginated endpoint, several pages at a time.

The usage API gives no total count, so the walk cannot know the last page in advance: it asks for
page 0, and if that page is full keeps ``concurrency`` further pages in flight, submitting the
next one as each arrives, until a page comes back short (or empty). Pages after the first short
one are dropped, so at most ``concurrency - 1`` requests are wasted.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

logger = logging.getLogger(__name__)

Page = Mapping[str, Any]


def page_items(page: Page, key: str) -> list[Any]:
    items = page.get(key) if isinstance(page, Mapping) else None
    return list(items) if isinstance(items, list) else []


def page_limit(page: Page, requested: int) -> int:
    """The page size the server used: its echoed ``limit`` when it sends a sensible one."""
    try:
        echoed = int(page.get("limit"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return requested
    return echoed if echoed > 0 else requested


def fetch_all_pages(
    fetch: Callable[[int], Page],
    *,
    key: str,
    page_size: int,
    first_page: int = 0,
    concurrency: int = 8,
) -> list[Page]:
    """Every page from ``first_page`` to the first short one, in page order.

    ``fetch(n)`` returns page ``n``. An error from any page cancels what has not started and is
    raised. A server that ignores ``page`` (it sends page 0 again) is detected: the walk stops.
    """
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    first = fetch(first_page)
    limit = page_limit(first, page_size)
    if len(page_items(first, key)) < limit:
        return [first]
    first_ids = page_ids(first, key)
    results: dict[int, Page] = {first_page: first}
    last: int | None = None
    next_page = first_page + 1
    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="dgdata-pages") as pool:
        in_flight: dict[Future[Page], int] = {}

        def submit_more() -> None:
            nonlocal next_page
            while last is None and len(in_flight) < concurrency:
                in_flight[pool.submit(fetch, next_page)] = next_page
                next_page += 1

        submit_more()
        try:
            while in_flight:
                done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                for future in done:
                    number = in_flight.pop(future)
                    page = future.result()
                    results[number] = page
                    short = len(page_items(page, key)) < page_limit(page, limit)
                    if short or page_ids(page, key) == first_ids:
                        if not short:
                            logger.warning(
                                "page %d repeats page %d: `page` ignored", number, first_page
                            )
                            results.pop(number)
                            number -= 1
                        last = number if last is None else min(last, number)
                submit_more()
        except BaseException:
            for future in in_flight:
                future.cancel()
            raise
    return [results[n] for n in sorted(results) if last is None or n <= last]


def page_ids(page: Page, key: str) -> list[Any]:
    """The ``request_id`` of each item of a page, to notice a page sent twice."""
    return [
        item.get("request_id") if isinstance(item, Mapping) else item
        for item in page_items(page, key)
    ]


def project_ids(transport: Any, project_id: str | Iterable[str] | None) -> list[str]:
    """One id, a list of ids, or (``None``) every project the key can see."""
    if project_id is None:
        from dgdata.resources.projects import Projects

        body = Projects(transport).list()
        return [str(p["project_id"]) for p in body.get("projects") or [] if p.get("project_id")]
    if isinstance(project_id, str):
        return [project_id]
    return [str(pid) for pid in project_id]


def frame_per_project(
    transport: Any,
    project_id: str | Iterable[str] | None,
    one: Callable[[str], pd.DataFrame],
    empty: Callable[[], pd.DataFrame],
) -> pd.DataFrame:
    """``one(pid)`` for each project of ``project_id`` (as :func:`project_ids` reads it), one
    frame under the other; ``empty()`` when there is no project."""
    import pandas as pd

    frames = [one(pid) for pid in project_ids(transport, project_id)]
    if not frames:
        return empty()
    return frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
