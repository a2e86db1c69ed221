"""Text intelligence: ``POST /v1/read`` (summaries, topics, intents, sentiment of text)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dgdata._query import merge_options
from dgdata.resources._base import JSON, Options, Resource, operation


class Read(Resource):
    """Analyse text."""

    @operation("POST", "/v1/read", upload=True)
    def analyze(
        self,
        source: str | Mapping[str, Any],
        options: Options = None,
        **kwargs: Any,
    ) -> JSON:
        """Analyse ``{"text": …}``, ``{"url": …}`` or a plain string of text.

        Example: ``dg.read.analyze("Long meeting notes…", summarize=True, language="en")``
        """
        if isinstance(source, str):
            body: dict[str, Any] = {"text": source}
        elif isinstance(source, Mapping) and ("text" in source or "url" in source):
            body = {key: source[key] for key in ("text", "url") if key in source}
        else:
            raise TypeError("analyze() takes text, {'text': ...} or {'url': ...}")
        if not any(isinstance(v, str) and v.strip() for v in body.values()):
            raise ValueError("the text (or url) to analyse is empty")
        return self._send(self.analyze, params=merge_options(options, kwargs), json=body)
