"""The composer: Enter sends, Shift+Enter breaks the line, blank messages cannot be sent, focus comes back."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from ui import names
from ui.composer import BUSY

from .conftest import ParleyApp
from .helpers import PRESS_ENTER, answers, as_the_handshake_ends, hold_handshake, open_parley, wait_for_status

pytestmark = pytest.mark.browser


def test_enter_sends_and_shift_enter_breaks_the_line(page: Page, parley: ParleyApp) -> None:
    open_parley(page, parley)
    box = page.get_by_role('textbox', name=names.MESSAGE)
    box.click()
    box.type('first line')
    box.press('Shift+Enter')
    box.type('second line')
    expect(box).to_have_value('first line\nsecond line')
    box.press('Enter')
    user = page.get_by_role('article', name=names.USER_MESSAGE).last
    expect(user).to_have_text('first line\nsecond line')
    expect(box).to_have_value('')
    expect(box).to_be_focused()
    wait_for_status(answers(page).last, 'complete')


def test_blank_message_cannot_be_sent(page: Page, parley: ParleyApp) -> None:
    open_parley(page, parley)
    box = page.get_by_role('textbox', name=names.MESSAGE)
    send = page.get_by_role('button', name=names.SEND)
    expect(send).to_be_disabled()
    box.fill('   \n  ')
    expect(send).to_be_disabled()
    box.press('Enter')
    expect(page.get_by_role('article')).to_have_count(0)
    expect(page).not_to_have_url('**/c/*')


def test_stop_replaces_send_while_streaming(page: Page, parley: ParleyApp) -> None:
    open_parley(page, parley)
    box = page.get_by_role('textbox', name=names.MESSAGE)
    box.fill('Long [[tokens=300]] [[delay=10]]')
    page.get_by_role('button', name=names.SEND).click()
    expect(page.get_by_role('button', name=names.STOP)).to_be_visible()
    expect(page.get_by_role('button', name=names.SEND)).to_have_count(0)
    box.fill('The next question')
    box.press('Enter')  # no Send to press, but Enter asks: the page says why nothing happens, and keeps the text
    expect(page.get_by_role('alert').filter(has_text=BUSY)).to_be_visible()
    expect(box).to_have_value('The next question')
    wait_for_status(answers(page).last, 'complete')
    expect(page.get_by_role('article', name=names.USER_MESSAGE)).to_have_count(1)
    expect(page.get_by_role('button', name=names.STOP)).to_have_count(0)
    expect(page.get_by_role('button', name=names.SEND)).to_be_visible()


def test_thinking_indicator_until_the_first_token(page: Page, parley: ParleyApp) -> None:
    open_parley(page, parley)
    page.get_by_role('textbox', name=names.MESSAGE).fill('Slow start [[stall=1.5]] [[after=0]]')
    page.get_by_role('textbox', name=names.MESSAGE).press('Enter')
    answer = answers(page).last
    expect(answer.get_by_text('Thinking…')).to_be_visible()
    expect(answer.get_by_text('Thinking…')).to_be_hidden(timeout=5000)
    wait_for_status(answer, 'complete')


def test_send_follows_the_text_and_the_box_empties_once_sent(page: Page, parley: ParleyApp) -> None:
    # Both happen in the browser (ui/composer.py): the server's copy must still agree, so a blank box never sends.
    open_parley(page, parley)
    box = page.get_by_role('textbox', name=names.MESSAGE)
    send = page.get_by_role('button', name=names.SEND)
    box.click()
    box.type('x')
    expect(send).to_be_enabled()
    box.press('Backspace')
    expect(send).to_be_disabled()
    box.type('Hello [[tokens=3]]')
    send.click()
    expect(box).to_have_value('')
    expect(box).to_be_focused()
    wait_for_status(answers(page).last, 'complete')
    expect(send).to_be_disabled()
    box.press('Enter')  # the server agrees the box is empty: nothing is sent
    box.type('Again [[tokens=3]]')
    expect(send).to_be_enabled()
    box.press('Enter')
    expect(answers(page)).to_have_count(2)
    expect(page.get_by_role('article', name=names.USER_MESSAGE)).to_have_count(2)
    wait_for_status(answers(page).last, 'complete')


@pytest.mark.parametrize('how', ['Enter', 'Send'])
def test_a_message_sent_as_the_page_connects_is_not_lost(page: Page, parley: ParleyApp, how: str) -> None:
    """Until its socket's handshake NiceGUI holds a page's events back, then lets each go on its own 10 ms timer:
    a message sent in that moment (a quick typist, a slow server) reached the server before its own text and was
    dropped as blank, the text left in the box."""
    hold_handshake(page)
    open_parley(page, parley)
    box = page.get_by_role('textbox', name=names.MESSAGE)
    box.fill('Sent while the page connects [[tokens=5]]')  # its value event is held back
    if how == 'Enter':
        as_the_handshake_ends(page, box, PRESS_ENTER)
    else:
        as_the_handshake_ends(page, page.get_by_role('button', name=names.SEND), 'el.click()')
    expect(page.get_by_role('article', name=names.USER_MESSAGE)).to_have_text(
        'Sent while the page connects [[tokens=5]]')
    expect(box).to_have_value('')
    wait_for_status(answers(page).last, 'complete')
