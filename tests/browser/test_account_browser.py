"""AccountBrowser in Chromium: the project of its key, create a key, see its secret once, delete it.

The kernel's key is the owner's key of the demo's Support calls project (what ``dgdata lab``
gives): a key reaches only its own project, so the picker offers that one project and the tabs
show its keys, members, usage and balances. Every step is a click or keystroke on the rendered
widget; what the widget did is checked on the local server through a client in the test process
with the same key, and with the new key itself (its secret works until the key is deleted).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Locator, expect

from dgdata import Deepgram, errors
from dgdata.server.runner import LocalServer
from tests.browser.notebook import Notebook

pytestmark = [pytest.mark.timeout(120), pytest.mark.needs_chromium]

COMMENT = "created in the browser test"


def _choose(select: Locator, text: str) -> None:
    """Pick the option of a ``<select>`` whose label contains ``text``, as a person would."""
    labels = [label.replace("\xa0", " ") for label in select.locator("option").all_inner_texts()]
    matching = [i for i, label in enumerate(labels) if text in label]
    assert len(matching) == 1, f"{text!r} in {labels}"
    select.select_option(index=matching[0])


def _key_ids(api: Deepgram, project_id: str, comment: str) -> list[str]:
    keys = api.keys.list(project_id)["api_keys"]
    return [k["api_key"]["api_key_id"] for k in keys if k["api_key"]["comment"] == comment]


def test_create_and_delete_a_key_in_the_browser(
    open_notebook: Callable[[str], Notebook], api: Deepgram, server: LocalServer
) -> None:
    notebook = open_notebook("account.ipynb")
    notebook.run_all()
    page = notebook.page
    account = notebook.cell_output(1).locator(".dgdata-account")
    expect(account).to_be_visible()

    (project,) = api.projects.list()["projects"]  # the key's own project, and no other
    assert project["name"] == "Demo — Support calls"
    pid = project["project_id"]
    picker = account.locator(".dgdata-account-project select")
    expect(picker.locator("option")).to_have_count(1)
    expect(picker.locator("option")).to_contain_text(project["name"])
    assert notebook.kernel("print(browser.project_id)") == pid

    tabs = account.locator(".dgdata-account-tabs .lm-TabBar-tab")
    tabs.filter(has_text="Members").click()
    members = account.locator(".dgdata-members-table table.dgdata-table")
    expect(members).to_be_visible()
    for member in api.members.list_members(pid)["members"]:
        expect(members).to_contain_text(member["email"])
    tabs.filter(has_text="Keys").click()
    keys = account.locator(".dgdata-keys-tab")
    expect(keys.locator(".dgdata-keys-table table.dgdata-table")).to_be_visible()
    expect(keys.locator(".dgdata-keys-table")).to_contain_text("Demo — nightly batch transcription")
    expect(keys.locator(".dgdata-keys-table")).not_to_contain_text(COMMENT)
    notebook.screenshot("account-browser-keys", account)

    keys.locator(".dgdata-keys-comment input").fill(COMMENT)
    keys.locator("button.dgdata-keys-create").click()
    secret_box = keys.locator(".dgdata-keys-secret")
    secret_value = secret_box.locator("code.dgdata-keys-secret-value")
    expect(secret_value).to_be_visible()
    expect(secret_box).to_contain_text("will not be shown again")
    secret = secret_value.inner_text().strip()
    expect(keys.locator(".dgdata-keys-table")).to_contain_text(COMMENT)
    notebook.screenshot("account-browser-new-key", account)

    (key_id,) = _key_ids(api, pid, COMMENT)
    with Deepgram(api_key=secret, api_url=server.url, max_retries=0) as new_key:
        assert [p["project_id"] for p in new_key.projects.list()["projects"]] == [pid]

    _choose(keys.locator(".dgdata-keys-select select"), COMMENT)
    keys.locator("button.dgdata-keys-delete").click()
    confirm_row = keys.locator(".dgdata-keys-confirm-row")
    expect(confirm_row).to_be_visible()
    expect(confirm_row).to_contain_text("Delete key")
    assert _key_ids(api, pid, COMMENT) == [key_id]  # nothing is deleted before Confirm
    confirm_row.locator("button.dgdata-keys-confirm").click()

    expect(keys.locator(".dgdata-keys-message")).to_contain_text("Deleted key")
    expect(confirm_row).to_be_hidden()
    expect(keys.locator(".dgdata-keys-table")).not_to_contain_text(COMMENT)
    assert _key_ids(api, pid, COMMENT) == []
    with (
        Deepgram(api_key=secret, api_url=server.url, max_retries=0) as new_key,
        pytest.raises(errors.AuthenticationError),
    ):
        new_key.projects.list()
    expect(secret_value).to_have_count(0)
    assert secret not in page.content()


def test_usage_and_balances_tabs_load_when_opened(
    open_notebook: Callable[[str], Notebook], api: Deepgram
) -> None:
    notebook = open_notebook("account.ipynb")
    notebook.run_all()
    account = notebook.cell_output(1).locator(".dgdata-account")
    tabs = account.locator(".dgdata-account-tabs .lm-TabBar-tab")

    tabs.filter(has_text="Usage").click()
    usage = account.locator(".dgdata-usage-tab")
    expect(usage.locator(".dgdata-usage-requests table.dgdata-table")).to_be_visible()
    expect(usage.locator("img.dgdata-usage-chart")).to_be_visible()
    count = int(notebook.kernel("print(len(browser.usage_tab.requests))"))
    assert count > 0
    expect(usage.locator(".dgdata-usage-totals")).to_contain_text(f"{count:,} requests")
    expect(usage.locator(".dgdata-usage-message .dgdata-error")).to_have_count(0)
    notebook.screenshot("account-browser-usage", account)

    tabs.filter(has_text="Balances").click()
    balances = account.locator(".dgdata-balances-tab")
    expect(balances.locator(".dgdata-balances-total")).to_contain_text("Left:")
    pid = notebook.kernel("print(browser.project_id)")
    shown = len(api.billing.list_balance(pid)["balances"])
    expect(balances.locator(".dgdata-balances-table table.dgdata-table tbody tr")).to_have_count(
        shown
    )
