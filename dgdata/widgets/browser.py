"""``AccountBrowser``: projects, keys, members, invitations, usage and balances in one widget.

Example::

    from dgdata.widgets import AccountBrowser
    browser = AccountBrowser(dg)            # pick a project; the tabs follow it
    browser.keys_tab.comment.value = "nightly batch"
    browser.keys_tab.create()           # the new secret is shown once, with a warning
    browser.select("usage").requests    # the usage tab's requests, as a DataFrame

A project picker (``dg.projects.list()``) above five tabs: **Keys** (table, create with comment,
scopes, tags and an expiration date or time to live, the new secret shown once; delete with
confirmation), **Members** (table, change scope, remove with confirmation), **Invitations**
(list, send, revoke), **Usage** (date range, totals, a chart, the requests table) and
**Balances**. A tab loads its data when it is first shown for a project, and again on "Refresh"
or when the project changes. The widget calls the client and the frames only; every failure (a
401 for a wrong key, a 403 for a member's key, a 404, a network error) is shown as a sentence in
the tab it happened in, never as a traceback. The secret of an existing key is never shown: the
tables come from :meth:`Keys.frame`, which drops it.

Every control has a stable CSS class, for tests driving a real browser:

=============  ===========================================================================
part           CSS classes
=============  ===========================================================================
browser        ``dgdata-account`` (the widget), ``dgdata-account-project`` (project picker),
               ``dgdata-account-refresh``, ``dgdata-account-message``, ``dgdata-account-tabs``
keys           ``dgdata-keys-tab``, ``dgdata-keys-table``, ``dgdata-keys-comment``,
               ``dgdata-keys-scopes``, ``dgdata-keys-tags``, ``dgdata-keys-expiration``,
               ``dgdata-keys-ttl``, ``dgdata-keys-create``, ``dgdata-keys-secret`` (the box;
               the secret itself is in ``code.dgdata-keys-secret-value``),
               ``dgdata-keys-hide``, ``dgdata-keys-select``, ``dgdata-keys-delete``,
               ``dgdata-keys-confirm-row``, ``dgdata-keys-confirm``, ``dgdata-keys-cancel``,
               ``dgdata-keys-message``
members        ``dgdata-members-tab``, ``dgdata-members-table``, ``dgdata-members-select``,
               ``dgdata-members-scope``, ``dgdata-members-apply``, ``dgdata-members-remove``,
               ``dgdata-members-confirm-row``, ``dgdata-members-confirm``,
               ``dgdata-members-cancel``, ``dgdata-members-message``
invitations    ``dgdata-invitations-tab``, ``dgdata-invitations-table``,
               ``dgdata-invitations-email``, ``dgdata-invitations-scope``,
               ``dgdata-invitations-send``, ``dgdata-invitations-select``,
               ``dgdata-invitations-revoke``, ``dgdata-invitations-message``
usage          ``dgdata-usage-tab``, ``dgdata-usage-start``, ``dgdata-usage-end``,
               ``dgdata-usage-apply``, ``dgdata-usage-totals``, ``dgdata-usage-chart`` (an
               ``img``), ``dgdata-usage-requests``, ``dgdata-usage-message``
balances       ``dgdata-balances-tab``, ``dgdata-balances-total``, ``dgdata-balances-table``,
               ``dgdata-balances-message``
=============  ===========================================================================

Tables are ``table.dgdata-table`` inside those containers; error messages are
``.dgdata-error`` and notes ``.dgdata-note`` inside a ``*-message`` box. Each class is on the
widget's outer element; for text inputs, dropdowns and date pickers the ``input`` / ``select``
is inside it (``.dgdata-keys-comment input``).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from dgdata.widgets._browser_common import ProjectTab, make_button
from dgdata.widgets._browser_keys import KeysTab
from dgdata.widgets._browser_people import InvitationsTab, MembersTab
from dgdata.widgets._browser_usage import BalancesTab, UsageTab
from dgdata.widgets._common import ErrorBox, check_options

if TYPE_CHECKING:  # pragma: no cover
    from dgdata.client import Deepgram

__all__ = ["AccountBrowser"]

logger = logging.getLogger(__name__)

_OPTIONS = ("project_id", "max_rows")
DEFAULT_ROWS = 50


class AccountBrowser(w.VBox):
    """Browse and manage a Deepgram account: a project picker and one tab per resource.

    ``AccountBrowser(dg, project_id=None, max_rows=50)``: ``project_id`` picks the project
    shown first (default: the first one the key sees); ``max_rows`` caps the rows of every
    table (a note says how many there are in all). Unknown keywords raise ``TypeError``.

    The tabs are attributes, with their controls and actions callable from Python:
    :attr:`keys_tab` (``create()``, ``hide_secret()``, ``delete()`` then
    ``confirm_row.confirm()``), :attr:`members_tab` (``apply_scope()``, ``remove()``),
    :attr:`invitations_tab` (``send_invitation()``, ``revoke_invitation()``),
    :attr:`usage_tab` and :attr:`balances_tab`; each has ``refresh()`` and a ``message`` box.
    """

    def __init__(self, dg: Deepgram, **options: Any) -> None:
        check_options(options, _OPTIONS, "AccountBrowser")
        max_rows = int(options.get("max_rows") or DEFAULT_ROWS)
        self._dg = dg
        self._quiet = False
        #: The project shown (value: the project id).
        self.project = w.Dropdown(description="Project", options=[])
        self.project.add_class("dgdata-account-project")
        #: Reloads the projects and the tab shown.
        self.refresh_button = make_button("Refresh", "dgdata-account-refresh", icon="refresh")
        #: Failures to list the projects (a wrong key, no network).
        self.message = ErrorBox()
        self.message.add_class("dgdata-account-message")
        #: The Keys tab.
        self.keys_tab = KeysTab(dg, max_rows=max_rows)
        #: The Members tab.
        self.members_tab = MembersTab(dg, max_rows=max_rows)
        #: The Invitations tab.
        self.invitations_tab = InvitationsTab(dg, max_rows=max_rows)
        #: The Usage tab.
        self.usage_tab = UsageTab(dg, max_rows=max_rows)
        #: The Balances tab.
        self.balances_tab = BalancesTab(dg, max_rows=max_rows)
        pages = self.pages
        #: The tabs (``selected_index`` picks one; it loads when shown).
        self.tabs = w.Tab(children=pages, titles=[page.title for page in pages])
        self.tabs.add_class("dgdata-account-tabs")
        header = w.HBox([self.project, self.refresh_button])
        super().__init__([header, self.message, self.tabs])
        self.add_class("dgdata-account")
        self.load_projects(options.get("project_id"))
        self.project.observe(self._on_project_change, names="value")
        self.tabs.observe(lambda _: self._load_shown(), names="selected_index")
        self.refresh_button.on_click(lambda _: self.refresh())

    @property
    def pages(self) -> list[ProjectTab]:
        """The tabs, in order."""
        return [
            self.keys_tab,
            self.members_tab,
            self.invitations_tab,
            self.usage_tab,
            self.balances_tab,
        ]

    @property
    def project_id(self) -> str | None:
        """The id of the project shown (None when the key sees none)."""
        value = self.project.value
        return str(value) if value else None

    @property
    def current(self) -> ProjectTab:
        """The tab shown."""
        return self.pages[self.tabs.selected_index or 0]

    def select(self, name: str) -> ProjectTab:
        """Show the tab called ``name`` ("keys", "Usage", …), loading it if needed."""
        titles = [page.title.lower() for page in self.pages]
        if name.lower() not in titles:
            raise ValueError(f"no tab {name!r}; the tabs are {', '.join(titles)}")
        index = titles.index(name.lower())
        if self.tabs.selected_index == index:
            self._load_shown()
        self.tabs.selected_index = index
        return self.pages[index]

    def load_projects(self, preferred: str | None = None) -> None:
        """List the key's projects into the picker; a failure is shown inline."""
        self.message.clear()
        try:
            projects = self._dg.projects.list().get("projects") or []
        except Exception as exc:  # a wrong key or no network: said inline, never raised
            self.message.show(exc)
            projects = []
        choices = [
            (f"{p.get('name') or '(unnamed)'} ({str(p['project_id'])[:8]})", str(p["project_id"]))
            for p in projects
            if isinstance(p, dict) and p.get("project_id")
        ]
        ids = [pid for _, pid in choices]
        if preferred and preferred not in ids and choices:
            self.message.show(
                f"Project {preferred} is not one of this key's projects; showing {choices[0][0]}."
            )
        chosen = preferred if preferred in ids else (ids[0] if ids else None)
        self._quiet = True  # one reload below, not one per trait change
        try:
            self.project.options = choices
            self.project.value = chosen
        finally:
            self._quiet = False
        if not choices and not self.message.value:
            self.message.note("This key sees no projects.")
        self._show_project()

    def refresh(self) -> None:
        """Reload the project list, then the tab shown (the others when next shown)."""
        self.load_projects(self.project_id)

    def _on_project_change(self, _change: Any) -> None:
        if not self._quiet:
            self._show_project()

    def _show_project(self) -> None:
        for page in self.pages:
            page.set_project(self.project_id)
        self._load_shown()

    def _load_shown(self) -> None:
        page = self.current
        if page.stale:
            page.refresh()
