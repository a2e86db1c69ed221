"""Pieces the account browser's tabs share (the upload widget uses the table too).

* :func:`frame_table`: the first rows of a DataFrame as an escaped HTML table, with a note of
  how many rows there are in all;
* :func:`make_button`, :func:`set_visible`, :func:`attempt`: small widget helpers;
* :class:`ConfirmRow`: "Delete key X? [Confirm] [Cancel]", hidden until asked;
* :class:`ProjectTab`: the base of every tab (a project, an :class:`ErrorBox`, lazy reloads).
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import ipywidgets as w
import pandas as pd

from dgdata.client import Deepgram
from dgdata.widgets._common import ErrorBox

__all__ = [
    "ConfirmRow",
    "ProjectTab",
    "attempt",
    "classed",
    "frame_table",
    "make_button",
    "set_visible",
]

logger = logging.getLogger(__name__)

T = TypeVar("T")
W = TypeVar("W", bound=w.DOMWidget)

_TABLE_STYLE = "max-height: 28em; overflow: auto"


def _cell(value: Any) -> Any:
    """A cell as shown: lists joined with commas, missing values blank."""
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value))
    return value


def _display_frame(frame: pd.DataFrame, columns: Mapping[str, str] | None) -> pd.DataFrame:
    shown = frame if columns is None else frame[[c for c in columns if c in frame.columns]]
    shown = shown.copy()
    for name in shown.columns:
        column = shown[name]
        if isinstance(column.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(column):
            shown[name] = (
                column.dt.strftime("%Y-%m-%d %H:%M").astype(object).where(column.notna(), "")
            )
        elif column.dtype == object:
            shown[name] = column.map(_cell)
    return shown.rename(columns=dict(columns) if columns else {})


def frame_table(
    frame: pd.DataFrame,
    *,
    max_rows: int,
    css_class: str,
    columns: Mapping[str, str] | None = None,
    noun: str = "rows",
    empty: str = "Nothing to show.",
) -> str:
    """The first ``max_rows`` rows of ``frame`` as an HTML table (cells escaped).

    ``columns`` picks and renames the columns shown (``{"api_key_comment": "comment"}``); a
    note below says "Showing the first 20 of 1,525 rows." when rows are left out.
    """
    if frame.empty:
        return (
            f'<div class="{css_class} dgdata-empty" style="color:#555">{html.escape(empty)}</div>'
        )
    shown = _display_frame(frame.head(max_rows), columns)
    table = shown.to_html(
        index=False,
        escape=True,
        na_rep="",
        border=0,
        classes=["dgdata-table", css_class],
        float_format=lambda x: f"{x:,.4g}",
    )
    total = len(frame)
    if total > max_rows:
        note = f"Showing the first {max_rows:,} of {total:,} {noun}."
    else:
        note = f"{total:,} {noun}."
    return (
        f'<div style="{_TABLE_STYLE}">{table}</div>'
        f'<div class="dgdata-table-note" style="color:#555">{html.escape(note)}</div>'
    )


def make_button(
    description: str, css_class: str, *, style: str = "", icon: str = "", tooltip: str = ""
) -> w.Button:
    """A button with a stable CSS class (for the browser tests) and a Bootstrap style."""
    button = w.Button(
        description=description, button_style=style, icon=icon, tooltip=tooltip or description
    )
    button.add_class(css_class)
    return button


def classed(widget: W, css_class: str) -> W:
    """``widget`` with a stable CSS class added (for the browser tests)."""
    widget.add_class(css_class)
    return widget


def set_visible(widget: w.DOMWidget, visible: bool) -> None:
    """Show or hide a widget (it stays in the tree; hidden ones take no space)."""
    widget.layout.display = None if visible else "none"


def attempt(box: ErrorBox, action: Callable[[], T]) -> T | None:
    """Run ``action``; on any failure show it in ``box`` (never a traceback) and return None."""
    try:
        return action()
    except Exception as exc:  # every failure of an action is shown inline, none escapes
        box.show(exc)
        return None


class ConfirmRow(w.HBox):
    """A question with Confirm and Cancel, hidden until :meth:`ask`; only Confirm acts.

    CSS classes: ``dgdata-<prefix>-confirm-row`` (the row), ``dgdata-<prefix>-confirm``,
    ``dgdata-<prefix>-cancel``.
    """

    def __init__(self, prefix: str) -> None:
        #: The question shown ("Delete key …?").
        self.question = w.HTML()
        #: Runs the pending action, then hides the row.
        self.confirm_button = make_button(
            "Confirm", f"dgdata-{prefix}-confirm", style="danger", icon="check"
        )
        #: Hides the row; nothing happens.
        self.cancel_button = make_button("Cancel", f"dgdata-{prefix}-cancel", icon="times")
        super().__init__([self.question, self.confirm_button, self.cancel_button])
        self.add_class(f"dgdata-{prefix}-confirm-row")
        self._action: Callable[[], None] | None = None
        self.confirm_button.on_click(lambda _: self.confirm())
        self.cancel_button.on_click(lambda _: self.cancel())
        set_visible(self, False)

    @property
    def pending(self) -> bool:
        """Whether a question waits for an answer."""
        return self._action is not None

    def ask(self, question: str, action: Callable[[], None]) -> None:
        """Show ``question``; ``action`` runs only if Confirm is clicked."""
        self._action = action
        self.question.value = f"<b>{html.escape(question)}</b>"
        set_visible(self, True)

    def confirm(self) -> None:
        """Run the pending action (if any) and hide the row."""
        action, self._action = self._action, None
        self.cancel()
        if action is not None:
            action()

    def cancel(self) -> None:
        """Forget the pending action and hide the row."""
        self._action = None
        self.question.value = ""
        set_visible(self, False)


class ProjectTab(w.VBox):
    """The base of the browser's tabs: one project at a time, loaded when first shown.

    Subclasses build their controls, pass them to ``super().__init__`` and implement
    :meth:`_reload`. :meth:`refresh` runs it with every failure shown in :attr:`message`.
    """

    #: The tab's title.
    title = ""

    def __init__(
        self, dg: Deepgram, prefix: str, children: Sequence[w.Widget], *, max_rows: int
    ) -> None:
        self._dg = dg
        #: Rows shown in this tab's tables.
        self.max_rows = max_rows
        #: Errors and news of this tab's actions.
        self.message = ErrorBox()
        self.message.add_class(f"dgdata-{prefix}-message")
        #: The project shown (None before one is picked).
        self.project_id: str | None = None
        #: Whether the tab must reload before it is shown (a new project, a refresh).
        self.stale = True
        super().__init__([self.message, *children])
        self.add_class(f"dgdata-{prefix}-tab")

    def rows_table(
        self,
        frame: pd.DataFrame,
        noun: str,
        empty: str,
        columns: Mapping[str, str] | None = None,
        *,
        css_name: str | None = None,
    ) -> str:
        """:func:`frame_table` of this tab's rows, CSS class ``dgdata-<css_name or noun>-rows``."""
        return frame_table(
            frame,
            max_rows=self.max_rows,
            css_class=f"dgdata-{css_name or noun}-rows",
            columns=columns,
            noun=noun,
            empty=empty,
        )

    def set_project(self, project_id: str | None) -> None:
        """Switch to ``project_id``; the data is reloaded when the tab is next shown."""
        self.forget()
        self.project_id = project_id
        self.stale = True

    def forget(self) -> None:
        """Drop what belongs to the previous view (pending confirmations, one-time secrets)."""
        self.message.clear()

    def refresh(self) -> None:
        """Reload the tab's data from the API now; failures are shown inline."""
        self.forget()
        if self.project_id is None:
            self.message.note("Pick a project to see its data.")
            return
        self.reload()

    def reload(self) -> bool:
        """Reload the data (keeping one-time messages); False when it failed (shown inline)."""
        if self.project_id is None:
            return False
        self.stale = False
        try:
            self._reload(self.project_id)
        except Exception as exc:  # shown inline; the tab stays usable
            self.message.show(exc)
            return False
        return True

    def _reload(self, project_id: str) -> None:
        """Fetch and show this tab's data for ``project_id``; every tab class defines it."""
        raise NotImplementedError(f"{type(self).__name__} must define _reload")
