"""A message typed but not sent survives a reload and a switch to another chat, per conversation, and per person."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from ui import names

from .accounts import create_users, sign_in, sign_out
from .conftest import ParleyApp
from .helpers import answers, conversation_id, new_window, open_parley, send, wait_for_status

pytestmark = pytest.mark.browser

DRAFTS_KEPT = 'Object.keys(localStorage).filter((key) => key.startsWith("parley-draft:"))'


def box(page: Page):
    return page.get_by_role('textbox', name=names.MESSAGE)


def restored(page: Page) -> Locator:
    """The box once the page has put back whatever draft it had (assets/drafts.js marks <html> when it is done)."""
    page.locator('html[data-parley-drafts=restored]').wait_for(state='attached')
    return box(page)


def test_a_draft_survives_a_reload_and_a_chat_switch_until_it_is_sent(page: Page, parley: ParleyApp) -> None:
    open_parley(page, parley)
    box(page).fill('Half a thought about')
    page.reload()
    expect(box(page)).to_have_value('Half a thought about')
    expect(page.get_by_role('button', name=names.SEND)).to_be_enabled()  # the server has it too

    box(page).press('End')
    box(page).press_sequentially(' tides')
    box(page).press('Enter')
    wait_for_status(answers(page).last, 'complete')
    expect(page.get_by_role('article', name=names.USER_MESSAGE)).to_have_text('Half a thought about tides')
    first = conversation_id(page)
    page.reload()
    expect(restored(page)).to_have_value('')  # sent: no longer a draft, here or in a new chat
    open_parley(page, parley)
    expect(restored(page)).to_have_value('')

    open_parley(page, parley, f'/c/{first}')
    box(page).fill('And the moon?')
    page.get_by_role('button', name=names.NEW_CHAT).click()
    page.wait_for_url(parley.url + '/')
    expect(restored(page)).to_have_value('')  # each chat has its own
    box(page).fill('Something else entirely')
    page.get_by_role('link', name='Half a thought about tides').click()
    page.wait_for_url(f'**/c/{first}')
    expect(box(page)).to_have_value('And the moon?')
    page.get_by_role('button', name=names.NEW_CHAT).click()
    expect(box(page)).to_have_value('Something else entirely')


def test_a_draft_sent_from_one_tab_leaves_the_others_box(page: Page, parley: ParleyApp) -> None:
    open_parley(page, parley)
    send(page, 'A chat open in two tabs [[tokens=5]]')
    wait_for_status(answers(page).last, 'complete')
    chat = conversation_id(page)
    box(page).fill('Then ask about the ferry')
    page.wait_for_function(f'{DRAFTS_KEPT}.length === 1')  # kept
    other = new_window(page)
    open_parley(other, parley, f'/c/{chat}')
    expect(restored(other)).to_have_value('Then ask about the ferry')
    box(page).press('Enter')
    expect(other.get_by_role('article', name=names.USER_MESSAGE)).to_have_count(2)
    expect(box(other)).to_have_value('')  # sent: the other tab does not offer it again


def test_drafts_are_each_persons_own_and_go_with_sign_out(browser: Browser, team_parley: ParleyApp) -> None:
    create_users(team_parley.data_dir, [('wren', 'wren password', False), ('yara', 'yara password', False)])
    context = browser.new_context()  # one browser, as on a shared computer
    page = context.new_page()
    try:
        sign_in(page, team_parley.url, 'wren', 'wren password')
        box(page).fill("Wren's private draft")
        page.reload()
        expect(box(page)).to_have_value("Wren's private draft")
        context.clear_cookies()  # her session ends without Sign out (it expired, say), and Yara signs in
        sign_in(page, team_parley.url, 'yara', 'yara password')
        expect(restored(page)).to_have_value('')  # not hers; and the sign-in page removed it from this browser
        assert page.evaluate(DRAFTS_KEPT) == []
        box(page).fill("Yara's draft")
        page.reload()
        expect(box(page)).to_have_value("Yara's draft")
        box(page).fill("Yara's last words")  # typed just before signing out: not saved on the way out either
        sign_out(page)  # signing out leaves no one's drafts on this computer
        sign_in(page, team_parley.url, 'wren', 'wren password')
        expect(restored(page)).to_have_value('')
        assert page.evaluate(DRAFTS_KEPT) == []
    finally:
        context.close()
