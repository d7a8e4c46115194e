"""The conversation list: new chats appear in every tab, entries open, rename and delete (with confirmation)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from ui import names
from ui.chat_page import DELETED_NOTICE

from .conftest import ParleyApp
from .helpers import answers, conversation_id, new_window, open_parley, send, wait_for_status

pytestmark = pytest.mark.browser


def sidebar(page: Page):
    return page.get_by_role('navigation', name=names.CONVERSATIONS)


def test_new_chat_appears_in_every_tab_and_is_current(page: Page, parley: ParleyApp) -> None:
    other = new_window(page)
    open_parley(other, parley)
    open_parley(page, parley)
    send(page, 'Plan a picnic for Saturday')
    conversation = conversation_id(page)
    entry = sidebar(page).get_by_role('link', name='Plan a picnic for Saturday')
    expect(entry).to_have_attribute('aria-current', 'page')
    expect(entry).to_have_attribute('href', f'/c/{conversation}')
    expect(sidebar(other).get_by_role('link', name='Plan a picnic for Saturday')).to_be_visible()
    expect(sidebar(page).get_by_text('Today')).to_be_visible()
    wait_for_status(answers(page).last, 'complete')


def test_new_chat_button_opens_an_empty_composer(page: Page, parley: ParleyApp) -> None:
    open_parley(page, parley)
    send(page, 'Something to leave behind')
    conversation_id(page)
    page.get_by_role('button', name=names.NEW_CHAT).click()
    page.wait_for_url(parley.url + '/')
    expect(page.get_by_role('article')).to_have_count(0)
    expect(page.get_by_role('textbox', name=names.MESSAGE)).to_have_value('')


def test_open_rename_and_delete(page: Page, parley: ParleyApp) -> None:
    open_parley(page, parley)
    send(page, 'Rename me please')
    conversation = conversation_id(page)
    wait_for_status(answers(page).last, 'complete')
    page.get_by_role('button', name=names.NEW_CHAT).click()
    page.wait_for_url(parley.url + '/')

    entry = sidebar(page).get_by_role('link', name='Rename me please')
    entry.click()
    page.wait_for_url(f'**/c/{conversation}')
    expect(page.get_by_role('article', name=names.USER_MESSAGE)).to_have_text('Rename me please')

    row = sidebar(page).locator('.parley-entry', has=page.get_by_role('link', name='Rename me please'))
    row.get_by_role('button', name=names.CONVERSATION_MENU).click()
    page.get_by_role('button', name=names.RENAME).click()
    title = page.get_by_role('textbox', name=names.TITLE)
    expect(title).to_be_focused()
    page.wait_for_function('() => { const box = document.activeElement;'  # the old title, selected whole
                           ' return box.value === "Rename me please" && box.selectionStart === 0'
                           ' && box.selectionEnd === box.value.length; }')
    page.keyboard.press('Delete')
    title.press('Enter')  # an empty title is refused in words, and the dialog stays
    expect(page.get_by_role('dialog')).to_contain_text('Type a title, or Cancel to keep the old one.')
    expect(title).to_be_focused()
    page.keyboard.type('Renamed conversation')
    expect(title).to_have_value('Renamed conversation')
    expect(page.get_by_role('dialog')).not_to_contain_text('Type a title')
    page.get_by_role('button', name=names.SAVE).click()
    expect(sidebar(page).get_by_role('link', name='Renamed conversation')).to_be_visible()
    page.reload()
    expect(sidebar(page).get_by_role('link', name='Renamed conversation')).to_be_visible()

    row = sidebar(page).locator('.parley-entry', has=page.get_by_role('link', name='Renamed conversation'))
    row.get_by_role('button', name=names.CONVERSATION_MENU).click()
    page.get_by_role('button', name=names.DELETE).click()
    dialog = page.get_by_role('dialog')
    expect(dialog).to_be_visible()
    dialog.get_by_role('button', name=names.CANCEL).click()
    expect(sidebar(page).get_by_role('link', name='Renamed conversation')).to_be_visible()

    row.get_by_role('button', name=names.CONVERSATION_MENU).click()
    page.get_by_role('button', name=names.DELETE).click()
    page.get_by_role('dialog').get_by_role('button', name=names.DELETE).click()
    page.wait_for_url(parley.url + '/')
    expect(sidebar(page).get_by_role('link', name='Renamed conversation')).to_have_count(0)
    page.goto(f'{parley.url}/c/{conversation}')
    page.wait_for_url(parley.url + '/')


def test_a_new_message_moves_its_conversation_to_the_top(page: Page, parley: ParleyApp) -> None:
    open_parley(page, parley)
    send(page, 'Older topic')
    older = conversation_id(page)
    wait_for_status(answers(page).last, 'complete')
    page.get_by_role('button', name=names.NEW_CHAT).click()
    page.wait_for_url(parley.url + '/')
    send(page, 'Newer topic')
    wait_for_status(answers(page).last, 'complete')
    links = sidebar(page).get_by_role('link')
    expect(links.first).to_have_text('Newer topic')
    sidebar(page).get_by_role('link', name='Older topic').click()
    page.wait_for_url(f'**/c/{older}')
    send(page, 'Back to the older topic')
    expect(links.first).to_have_text('Older topic')
    expect(links.first).to_have_attribute('aria-current', 'page')
    expect(sidebar(page).get_by_role('link', name='Older topic')).to_have_count(1)
    wait_for_status(answers(page).last, 'complete')


def test_a_burst_of_new_chats_in_other_tabs_all_appear_once(page: Page, parley: ParleyApp) -> None:
    # Lists move entries at once, then in batches (ui/sidebar.py TOUCH_EVERY): three chats started together in
    # three other tabs must all show, once each, and the latest message still decides which is on top.
    open_parley(page, parley)
    others = [new_window(page) for _ in range(3)]
    topics = [f'Burst topic {number}' for number in range(3)]
    for other, topic in zip(others, topics, strict=True):
        open_parley(other, parley)
        other.get_by_role('textbox', name=names.MESSAGE).fill(topic)
    for other in others:
        other.get_by_role('button', name=names.SEND).click()
    for topic in topics:
        expect(sidebar(page).get_by_role('link', name=topic)).to_have_count(1)
    links = sidebar(page).get_by_role('link')
    assert sorted(links.all_inner_texts()[:3]) == topics  # the shared app's older chats are below them
    for other in others:
        wait_for_status(answers(other).last, 'complete')
    send(others[0], 'And one more thing')
    expect(links.first).to_have_text(topics[0])
    expect(sidebar(page).get_by_role('link', name=topics[0])).to_have_count(1)
    wait_for_status(answers(others[0]).last, 'complete')


def test_an_old_chat_taken_up_again_moves_under_today(page: Page, parley: ParleyApp) -> None:
    """Continued (or regenerated) today, an old chat's entry goes to the top under Today, not with its old day's
    heading above Today's; say, a chat imported from years ago."""
    open_parley(page, parley)
    send(page, 'A chat from long ago')
    old = conversation_id(page)
    wait_for_status(answers(page).last, 'complete')
    with sqlite3.connect(Path(parley.data_dir) / 'parley.db') as db:
        db.execute("update conversation set updated_at = datetime('now', '-30 days') where id = ?", (old,))
    page.reload()  # its entry under Previous 30 days now, further down than the first page of the list, in a full suite
    expect(page.get_by_role('article', name=names.USER_MESSAGE)).to_have_count(1)
    send(page, 'Taken up again today')
    expect(sidebar(page).get_by_role('link').first).to_have_text('A chat from long ago')
    expect(sidebar(page).locator('.parley-group').first).to_have_text('Today')
    expect(sidebar(page).locator('.parley-group', has_text='Previous 30 days')).to_have_count(0)
    wait_for_status(answers(page).last, 'complete')


def test_an_entrys_menu_by_keyboard_gives_focus_back(page: Page, parley: ParleyApp) -> None:
    open_parley(page, parley)
    send(page, 'Menu by keyboard')
    wait_for_status(answers(page).last, 'complete')
    page.get_by_role('button', name=names.NEW_CHAT).click()
    page.wait_for_url(parley.url + '/')  # a page of its own: typed into before it loads, the text would be lost
    send(page, 'The chat left open')  # the one used by keyboard is not the open one: deleting it keeps the page
    wait_for_status(answers(page).last, 'complete')
    row = sidebar(page).locator('.parley-entry', has=page.get_by_role('link', name='Menu by keyboard'))
    menu_button = row.get_by_role('button', name=names.CONVERSATION_MENU)
    expect(menu_button).to_have_attribute('aria-expanded', 'false')
    menu_button.focus()
    page.keyboard.press('Enter')
    rename = page.get_by_role('button', name=names.RENAME)
    expect(page.get_by_role('menu')).to_be_focused()  # Quasar moves focus into the menu as it opens
    expect(menu_button).to_have_attribute('aria-expanded', 'true')  # and its button says the menu is open
    page.keyboard.press('ArrowDown')  # arrows move between the items, as in any menu
    expect(rename).to_be_focused()
    page.keyboard.press('ArrowUp')
    expect(page.get_by_role('button', name=names.DELETE)).to_be_focused()
    page.keyboard.press('Escape')  # closed: focus is back on the entry's button, not at the top of the page
    expect(rename).to_have_count(0)
    expect(menu_button).to_be_focused()

    page.keyboard.press('Enter')
    expect(page.get_by_role('menu')).to_be_focused()
    page.keyboard.press('Shift+Tab')  # Tab leaves the menu, closed, and goes on from the entry's button
    expect(rename).to_have_count(0)
    expect(sidebar(page).get_by_role('link', name='Menu by keyboard')).to_be_focused()
    page.keyboard.press('Tab')
    expect(menu_button).to_be_focused()

    page.keyboard.press('Enter')
    expect(page.get_by_role('menu')).to_be_focused()
    page.keyboard.press('End')
    page.keyboard.press('Enter')  # Delete: the dialog asks, with Cancel focused (Enter at once deletes nothing)
    dialog = page.get_by_role('dialog')
    expect(dialog.get_by_role('button', name=names.CANCEL)).to_be_focused()
    page.keyboard.press('Escape')
    expect(dialog).to_be_hidden()
    expect(menu_button).to_be_focused()
    expect(sidebar(page).get_by_role('link', name='Menu by keyboard')).to_have_count(1)

    page.keyboard.press('Enter')
    expect(page.get_by_role('menu')).to_be_focused()
    page.keyboard.press('End')
    page.keyboard.press('Enter')
    expect(dialog.get_by_role('button', name=names.CANCEL)).to_be_focused()
    page.keyboard.press('Tab')
    page.keyboard.press('Enter')  # deleted: its button is gone, and the focus goes to the entry beside it
    expect(sidebar(page).get_by_role('link', name='Menu by keyboard')).to_have_count(0)
    expect(page.locator(':focus')).to_have_attribute('aria-label', names.CONVERSATION_MENU)


def test_a_chat_deleted_in_another_tab_says_so_where_it_was_open(page: Page, parley: ParleyApp) -> None:
    open_parley(page, parley)
    send(page, 'Deleted elsewhere')
    wait_for_status(answers(page).last, 'complete')
    other = new_window(page)
    other.goto(page.url)
    expect(other.get_by_role('article', name=names.USER_MESSAGE)).to_have_text('Deleted elsewhere')
    other.get_by_role('textbox', name=names.MESSAGE).fill('Half a thought, not sent')
    # A new chat's draft left from before (another tab's): it stays, and the carried text comes after it.
    other.evaluate('localStorage.setItem("parley-draft:local:/", JSON.stringify({text: "Waiting", at: Date.now()}))')
    row = sidebar(page).locator('.parley-entry', has=page.get_by_role('link', name='Deleted elsewhere'))
    row.get_by_role('button', name=names.CONVERSATION_MENU).click()
    page.get_by_role('button', name=names.DELETE).click()
    page.get_by_role('dialog').get_by_role('button', name=names.DELETE).click()
    page.wait_for_url(parley.url + '/')  # here it was the reader's own doing: a new chat, no notice
    other.wait_for_url(parley.url + '/')  # there, a new chat that says why the one open went away
    expect(other.get_by_role('status').filter(has_text=DELETED_NOTICE)).to_be_visible()
    expect(page.get_by_text(DELETED_NOTICE)).to_have_count(0)
    # What its box held, typed but not sent, waits in the new chat's box rather than going with the chat.
    expect(other.get_by_role('textbox', name=names.MESSAGE)).to_have_value('Waiting\n\nHalf a thought, not sent')
    other.close()
