"""The widget tests (no browser), and helpers they share to look inside a widget tree."""

from __future__ import annotations

import re
from types import ModuleType
from typing import Any

import ipywidgets as w

from dgdata import Deepgram
from dgdata.server.demo.cast import demo_id
from dgdata.server.runner import LocalServer


def widget_tree(root: w.Widget) -> list[w.Widget]:
    """Every widget reachable from ``root`` through its synced traits (children, layout …)."""
    found: dict[int, w.Widget] = {}
    stack = [root]
    while stack:
        widget = stack.pop()
        if id(widget) in found:
            continue
        found[id(widget)] = widget
        for name in widget.keys:
            value = getattr(widget, name)
            values = value if isinstance(value, (list, tuple)) else [value]
            stack.extend(v for v in values if isinstance(v, w.Widget))
    return list(found.values())


def everything_held(root: w.Widget) -> str:
    """The synced state of every widget, and every plain value its Python attributes hold."""
    parts = []
    for widget in widget_tree(root):
        parts.append(repr(widget.get_state()))
        for value in vars(widget).values():
            if isinstance(value, (str, bytes, dict, list, tuple, set)):
                parts.append(repr(value))
    return "\n".join(parts)


def css_classes(root: w.Widget) -> set[str]:
    """The CSS classes of every widget of the tree."""
    return {c for widget in widget_tree(root) for c in getattr(widget, "_dom_classes", ())}


def documented_classes(module: ModuleType) -> set[str]:
    """The CSS classes (``dgdata-…``) that a module's docstring names, in double backquotes."""
    return set(re.findall(r"``(dgdata-[\w-]+)``", module.__doc__ or ""))


def shown(widget: w.Widget) -> bool:
    """Whether a widget is displayed (not ``display: none``)."""
    return widget.layout.display != "none"


def choose(dropdown: w.Dropdown, label_part: str) -> Any:
    """Select the option whose label contains ``label_part``; returns its value."""
    value = next(v for label, v in dropdown.options if label_part in label)
    dropdown.value = value
    return value


def client(server: LocalServer, api_key: str | None = None) -> Deepgram:
    """A client of ``server`` with ``api_key`` or, by default, the owner's key for "Demo —
    Support calls" on a demo server (a key reaches its own project only), else the server's
    owner key; no retries."""
    default = server.demo_keys.get(demo_id("project", "support"), server.api_key)
    return Deepgram(api_key=api_key or default, api_url=server.url, max_retries=0)
