"""AccountBrowser against the local server's demo account, without a browser.

Clicks are ``button.click()``; results are checked through the API (``dg.keys.list`` …), not
only through what the widget shows. Tests that change the account use ``fresh_server`` (the
demo reset and re-seeded first).
"""

from __future__ import annotations

import datetime as dt
import re
import socket
from typing import Any

import ipywidgets as w
import pytest

from dgdata import Deepgram
from dgdata.server.runner import LocalServer
from dgdata.widgets import AccountBrowser
from dgdata.widgets import browser as browser_module
from dgdata.widgets._browser_common import ProjectTab
from tests.widgets import choose, client, css_classes, documented_classes, everything_held, shown


def shown_secret(browser: AccountBrowser) -> str:
    match = re.search(
        r'class="dgdata-keys-secret-value"[^>]*>([^<]+)</code>', browser.keys_tab.secret.value
    )
    assert match, browser.keys_tab.secret.value
    return match.group(1)


def key_comments(dg: Deepgram, project_id: str) -> set[str]:
    return {entry["api_key"]["comment"] for entry in dg.keys.list(project_id)["api_keys"]}


def create_from_the_form(browser: AccountBrowser, comment: str, **fields: Any) -> str:
    keys = browser.keys_tab
    keys.comment.value = comment
    for name, value in fields.items():
        getattr(keys, name).value = value
    keys.create_button.click()
    assert keys.message.text == "", keys.message.text
    return shown_secret(browser)


@pytest.fixture
def browser(demo_dg: Deepgram) -> AccountBrowser:
    """A browser on the owner key, for tests that change nothing."""
    return AccountBrowser(demo_dg)


# ---------------------------------------------------------------------------- projects, tabs


def test_the_project_picker_lists_the_keys_projects_and_shows_the_first(
    browser: AccountBrowser, demo_dg: Deepgram
) -> None:
    projects = demo_dg.projects.list()["projects"]
    assert [value for _, value in browser.project.options] == [p["project_id"] for p in projects]
    assert browser.project_id == projects[0]["project_id"]
    assert browser.project.label.startswith("Demo — Support calls")
    assert browser.message.text == ""


def test_tabs_load_when_shown_and_follow_the_project(
    browser: AccountBrowser, demo_dg: Deepgram
) -> None:
    assert not browser.keys_tab.stale and browser.members_tab.stale
    assert browser.members_tab.table.value == ""
    assert browser.select("members") is browser.members_tab
    assert "priya.patel@example.com" in browser.members_tab.table.value
    # A key reaches one project: the picker offers just it, and the tabs show that project.
    [(_, support)] = browser.project.options
    assert browser.members_tab.project_id == support
    assert "maria.garcia@example.com" not in browser.members_tab.table.value
    browser.select("keys")
    for comment in key_comments(demo_dg, support):
        assert comment in browser.keys_tab.table.value
    assert "Demo — studio pipeline" not in browser.keys_tab.table.value
    with pytest.raises(ValueError, match="no tab 'secrets'"):
        browser.select("secrets")


def test_an_unknown_keyword_is_refused(demo_dg: Deepgram) -> None:
    with pytest.raises(
        TypeError, match=r"unknown option\(s\) project; it takes max_rows, project_id"
    ):
        AccountBrowser(demo_dg, project="x")


def test_a_project_the_key_cannot_see_falls_back_to_the_first_with_a_message(
    demo_dg: Deepgram, support_project: str
) -> None:
    browser = AccountBrowser(demo_dg, project_id="not-a-project")
    assert browser.project_id == support_project
    assert "not-a-project is not one of this key's projects" in browser.message.text


def test_every_documented_css_class_is_on_a_control(browser: AccountBrowser) -> None:
    documented = documented_classes(browser_module)
    assert len(documented) > 40
    assert documented <= css_classes(browser), documented - css_classes(browser)
    assert isinstance(browser, w.VBox)
    assert "application/vnd.jupyter.widget-view+json" in browser._repr_mimebundle_()


# ---------------------------------------------------------------------------- keys


def test_the_keys_table_lists_every_key_and_the_expired_one_is_marked(
    browser: AccountBrowser, demo_dg: Deepgram, support_project: str
) -> None:
    table = browser.keys_tab.table.value
    comments = key_comments(demo_dg, support_project)
    assert len(comments) == 5  # the four of the demo's people, and the owner's demo key
    for comment in comments:
        assert comment in table
    expired_row = next(row for row in table.split("<tr>") if "intern sandbox" in row)
    assert "expired" in expired_row.replace("(expired)", "")
    assert f"{len(comments)} keys." in table


def test_a_new_key_is_shown_once_works_and_is_gone_after_hide(
    fresh_server: LocalServer, support_project: str
) -> None:
    dg = client(fresh_server)
    browser = AccountBrowser(dg)
    secret = create_from_the_form(
        browser, "widget key", scopes=("member", "usage:read"), tags="widget, test"
    )
    keys = browser.keys_tab
    assert keys.showing_secret and shown(keys.secret_row)
    assert "it will not be shown again" in keys.secret.value
    assert secret in everything_held(browser)  # the walk below can see a secret
    with client(fresh_server, secret) as new_client:
        assert new_client.projects.list()["projects"]
    created = dg.keys.get(support_project, str(keys.new_key_id))["item"]["member"]["api_key"]
    assert created["comment"] == "widget key"
    assert set(created["scopes"]) == {"member", "usage:read"}
    assert created["tags"] == ["widget", "test"]
    assert "widget key" in keys.table.value and secret not in keys.table.value
    assert keys.comment.value == ""
    keys.hide_button.click()
    assert not keys.showing_secret
    assert secret not in everything_held(browser)
    keys.refresh()
    browser.select("usage")
    browser.select("keys")
    assert secret not in everything_held(browser)


def test_a_refresh_another_create_or_a_delete_hides_the_secret(
    fresh_server: LocalServer,
) -> None:
    browser = AccountBrowser(client(fresh_server))
    first = create_from_the_form(browser, "first")
    browser.refresh_button.click()
    assert not browser.keys_tab.showing_secret
    assert first not in everything_held(browser)
    third = create_from_the_form(browser, "third")
    fourth = create_from_the_form(browser, "fourth")
    held = everything_held(browser)
    assert third not in held and fourth in held
    choose(browser.keys_tab.selected, "third")
    browser.keys_tab.delete_button.click()  # any next action in the tab hides it
    assert fourth not in everything_held(browser)


def test_an_existing_keys_secret_is_never_shown(
    fresh_server: LocalServer, support_project: str
) -> None:
    dg = client(fresh_server)
    secret = dg.keys.create(support_project, "made elsewhere", ["member"])["key"]
    browser = AccountBrowser(dg)
    assert "made elsewhere" in browser.keys_tab.table.value
    assert secret not in everything_held(browser)
    assert not browser.keys_tab.showing_secret


def test_a_key_with_an_expiration_date_or_a_time_to_live(
    fresh_server: LocalServer, support_project: str
) -> None:
    dg = client(fresh_server)
    browser = AccountBrowser(dg)
    keys = browser.keys_tab
    day = dt.date.today() + dt.timedelta(days=10)
    create_from_the_form(browser, "dated", expiration=day)
    dated = dg.keys.get(support_project, str(keys.new_key_id))["item"]["member"]["api_key"]
    assert dated["expiration_date"].startswith(day.isoformat())
    keys.expiration.value = None
    create_from_the_form(browser, "short lived", ttl=3600)
    short = dg.keys.get(support_project, str(keys.new_key_id))["item"]["member"]["api_key"]
    expires = dt.datetime.fromisoformat(short["expiration_date"].replace("Z", "+00:00"))
    in_an_hour = dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1)
    assert abs((expires - in_an_hour).total_seconds()) < 120


def test_a_bad_create_form_is_an_inline_error_and_creates_nothing(
    fresh_server: LocalServer, support_project: str
) -> None:
    dg = client(fresh_server)
    browser = AccountBrowser(dg)
    keys = browser.keys_tab
    before = key_comments(dg, support_project)
    keys.create_button.click()  # no comment
    assert "comment is empty" in keys.message.text
    keys.comment.value = "both expiries"
    keys.expiration.value = dt.date.today() + dt.timedelta(days=3)
    keys.ttl.value = 60
    keys.create_button.click()
    assert "not both" in keys.message.text
    assert not keys.showing_secret
    assert key_comments(dg, support_project) == before


def test_deleting_a_key_needs_confirmation(fresh_server: LocalServer, support_project: str) -> None:
    dg = client(fresh_server)
    browser = AccountBrowser(dg)
    keys = browser.keys_tab
    choose(keys.selected, "live call assist")
    keys.delete_button.click()
    assert shown(keys.confirm_row)
    assert "Delete key Demo — live call assist" in keys.confirm_row.question.value
    assert "Demo — live call assist" in key_comments(dg, support_project)
    keys.confirm_row.cancel_button.click()
    assert not shown(keys.confirm_row)
    assert "Demo — live call assist" in key_comments(dg, support_project)
    keys.delete_button.click()
    keys.confirm_row.confirm_button.click()
    assert "Demo — live call assist" not in key_comments(dg, support_project)
    assert "Demo — live call assist" not in keys.table.value
    assert keys.message.text.startswith("Deleted key Demo — live call assist")
    assert not shown(keys.confirm_row)


def test_confirming_the_delete_of_a_key_already_gone_is_an_inline_404(
    fresh_server: LocalServer, support_project: str
) -> None:
    dg = client(fresh_server)
    browser = AccountBrowser(dg)
    keys = browser.keys_tab
    key_id = choose(keys.selected, "usage dashboard")
    keys.delete_button.click()
    dg.keys.delete(support_project, key_id)  # behind the widget's back
    keys.confirm_row.confirm_button.click()
    assert "HTTP 404" in keys.message.text
    assert "Traceback" not in keys.message.value


def test_a_member_key_gets_an_inline_403_when_creating_a_key(
    fresh_server: LocalServer, support_project: str
) -> None:
    owner = client(fresh_server)
    member_secret = owner.keys.create(support_project, "member's key", ["member"])["key"]
    before = key_comments(owner, support_project)
    browser = AccountBrowser(client(fresh_server, member_secret))
    keys = browser.keys_tab
    keys.comment.value = "should not exist"
    keys.create_button.click()  # nothing raised
    assert "HTTP 403" in keys.message.text
    assert "role does not allow" in keys.message.text
    assert not keys.showing_secret
    assert key_comments(owner, support_project) == before


# ---------------------------------------------------------------------------- members


def test_changing_a_members_scope(fresh_server: LocalServer, support_project: str) -> None:
    dg = client(fresh_server)
    browser = AccountBrowser(dg)
    members = browser.select("members")
    assert isinstance(members, ProjectTab)
    lee = choose(browser.members_tab.selected, "lee.chen@example.com")
    assert browser.members_tab.scope.value == "member"  # follows the selection
    browser.members_tab.scope.value = "admin"
    browser.members_tab.apply_button.click()
    assert dg.scopes.get_scope(support_project, lee)["scopes"] == ["admin"]
    assert browser.members_tab.message.text == "lee.chen@example.com is now admin."
    assert "lee.chen@example.com (admin)" in [
        label for label, _ in browser.members_tab.selected.options
    ]


def test_removing_a_member_needs_confirmation(
    fresh_server: LocalServer, support_project: str
) -> None:
    dg = client(fresh_server)
    browser = AccountBrowser(dg)
    tab = browser.members_tab
    browser.select("members")

    def emails() -> set[str]:
        return {m["email"] for m in dg.members.list_members(support_project)["members"]}

    choose(tab.selected, "jo.smith@example.com")
    tab.remove_button.click()
    assert (
        shown(tab.confirm_row) and "Remove jo.smith@example.com" in tab.confirm_row.question.value
    )
    tab.confirm_row.cancel_button.click()
    assert "jo.smith@example.com" in emails()
    tab.remove_button.click()
    tab.confirm_row.confirm_button.click()
    assert "jo.smith@example.com" not in emails()
    assert "jo.smith@example.com" not in tab.table.value


# ---------------------------------------------------------------------------- invitations


def test_sending_and_revoking_an_invitation(
    fresh_server: LocalServer, support_project: str
) -> None:
    dg = client(fresh_server)
    browser = AccountBrowser(dg)
    tab = browser.invitations_tab
    browser.select("invitations")

    def invited() -> dict[str, str]:
        return {
            i["email"]: i["scope"]
            for i in dg.invitations.list_invitations(support_project)["invites"]
        }

    assert "new.hire@example.com" in tab.table.value
    tab.email.value = "widget.test@example.com"
    tab.scope.value = "admin"
    tab.send_button.click()
    assert invited()["widget.test@example.com"] == "admin"
    assert "widget.test@example.com" in tab.table.value and tab.email.value == ""
    choose(tab.selected, "widget.test@example.com")
    tab.revoke_button.click()
    assert "widget.test@example.com" not in invited()
    assert "widget.test@example.com" not in tab.table.value
    assert tab.message.text == "Revoked the invitation of widget.test@example.com."


def test_an_invitation_without_an_email_is_an_inline_error(browser: AccountBrowser) -> None:
    browser.select("invitations")
    browser.invitations_tab.send_button.click()
    assert "send_invitation needs email" in browser.invitations_tab.message.text


# ---------------------------------------------------------------------------- usage, balances


def test_the_usage_tab_draws_a_chart_and_lists_the_requests(
    browser: AccountBrowser, demo_dg: Deepgram, support_project: str
) -> None:
    usage = browser.usage_tab
    browser.select("usage")
    assert usage.message.text == ""
    assert usage.chart.value[:8] == b"\x89PNG\r\n\x1a\n" and len(usage.chart.value) > 5000
    expected = demo_dg.usage.requests_frame(support_project, usage.start.value, usage.end.value)
    assert len(expected) > 50
    table = usage.requests_table.value
    assert table.count("<tr>") == 50
    assert f"Showing the first 50 of {len(expected):,} requests." in table
    assert expected["request_id"].iloc[0] in table  # newest first
    summary = demo_dg.usage.summary_frame(support_project, usage.start.value, usage.end.value)
    assert f"<b>{int(summary['requests'].sum()):,}</b> requests" in usage.totals.value
    assert usage.requests is not None and len(usage.requests) == len(expected)


def test_a_narrower_usage_range_lists_fewer_requests(
    browser: AccountBrowser, demo_dg: Deepgram, support_project: str
) -> None:
    usage = browser.usage_tab
    day = dt.datetime.now(dt.timezone.utc).date() - dt.timedelta(days=3)
    usage.start.value = usage.end.value = day
    usage.apply_button.click()  # loads the tab for that day
    expected = demo_dg.usage.requests_frame(support_project, day, day)
    assert 0 < len(expected) < 50
    assert f"{len(expected):,} requests." in usage.requests_table.value
    assert usage.requests_table.value.count("<tr>") == len(expected)
    assert usage.chart.value[:4] == b"\x89PNG"


def test_a_usage_range_that_ends_before_it_starts_is_an_inline_error(
    browser: AccountBrowser,
) -> None:
    usage = browser.usage_tab
    usage.end.value = usage.start.value - dt.timedelta(days=1)
    usage.apply_button.click()
    assert "is after the end" in usage.message.text
    assert usage.chart.value == b""


def test_the_balances_tab_lists_the_balances(
    browser: AccountBrowser, demo_dg: Deepgram, support_project: str
) -> None:
    browser.select("balances")
    balances = demo_dg.billing.list_balance(support_project)["balances"]
    assert len(balances) == 2
    for balance in balances:
        assert balance["balance_id"] in browser.balances_tab.table.value
    total = sum(b["amount"] for b in balances)
    assert f"<b>{total:,.2f}</b> usd" in browser.balances_tab.total.value


# ---------------------------------------------------------------------------- failures


def test_a_wrong_api_key_is_an_inline_message_without_a_traceback(
    demo_server: LocalServer,
) -> None:
    browser = AccountBrowser(client(demo_server, "not-a-real-key"))
    assert "HTTP 401" in browser.message.text
    assert "Check the API key" in browser.message.text
    assert browser.project.options == () and browser.project_id is None
    assert browser.keys_tab.message.text == "Pick a project to see its data."
    browser.keys_tab.comment.value = "x"
    browser.keys_tab.create_button.click()
    assert browser.keys_tab.message.text == "Pick a project first."
    assert "Traceback" not in everything_held(browser)


def test_no_network_is_an_inline_message() -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    offline = Deepgram(api_key="k" * 40, api_url=f"http://127.0.0.1:{port}", max_retries=0)
    browser = AccountBrowser(offline)
    assert f"127.0.0.1:{port}/v1/projects failed" in browser.message.text
    assert "Traceback" not in everything_held(browser)
    assert browser.project.options == ()
