"""Keyboard shortcuts, the shortcuts dialog, Ctrl/Cmd+K search, and what Parley remembers between visits."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.fakes.server import FakeServer
from ui import names
from ui.keyboard import SHORTCUTS

from .conftest import ParleyApp, start_parley
from .helpers import (
    answers,
    conversation_id,
    hold_handshake,
    open_parley,
    phone_context,
    send,
    wait_for_status,
    wait_until,
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope='module')
def app(fake_server: FakeServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ParleyApp]:
    """This module's own Parley: the model and sidebar state it remembers must not leak into other modules."""
    parley = start_parley(fake_server, tmp_path_factory.mktemp('keyboard'))
    yield parley
    parley.stop()


def conversations(page: Page):
    return page.get_by_role('navigation', name=names.CONVERSATIONS)


def message_box(page: Page):
    return page.get_by_role('textbox', name=names.MESSAGE)


def blur(page: Page) -> None:
    page.evaluate('document.activeElement && document.activeElement.blur()')


def test_help_dialog_lists_every_shortcut_and_opens_with_question_mark_or_button(page: Page, app: ParleyApp) -> None:
    open_parley(page, app)
    message_box(page).press('?')  # typing a question mark in the message is just text
    expect(message_box(page)).to_have_value('?')
    expect(page.get_by_role('dialog')).to_have_count(0)
    message_box(page).fill('')

    blur(page)
    page.keyboard.press('?')
    dialog = page.get_by_role('dialog')
    expect(dialog).to_contain_text(names.KEYBOARD_HELP)
    for keys, action, where in SHORTCUTS:
        if where == 'touch':  # hidden at a desk: the one row with this action must be the desk's
            continue
        row = dialog.get_by_role('row').filter(has_text=action)
        expect(row).to_have_count(1)
        for key in keys:
            expect(row).to_contain_text(key)
    expect(dialog.get_by_role('row').filter(has_text='Send the message')).not_to_contain_text('Ctrl')
    page.keyboard.press('Escape')
    expect(page.get_by_role('dialog')).to_have_count(0)

    page.get_by_role('button', name=names.KEYBOARD_HELP).click()
    expect(page.get_by_role('dialog')).to_contain_text('Stop the answer')
    page.get_by_role('dialog').get_by_role('button', name=names.CLOSE).click()
    expect(page.get_by_role('dialog')).to_have_count(0)


def test_shift_esc_focuses_the_composer_and_esc_stops_the_answer(page: Page, app: ParleyApp) -> None:
    open_parley(page, app)
    blur(page)
    expect(message_box(page)).not_to_be_focused()
    page.keyboard.press('Shift+Escape')
    expect(message_box(page)).to_be_focused()

    send(page, 'A long one [[tokens=2000]] [[delay=20]]')
    answer = answers(page).last
    wait_for_status(answer, 'streaming')
    expect(answer).to_contain_text('alpha')
    page.keyboard.press('Escape')
    wait_for_status(answer, 'stopped')
    expect(page.get_by_role('button', name=names.SEND)).to_be_visible()


def test_controls_that_go_once_used_leave_the_focus_in_the_message_box(page: Page, app: ParleyApp) -> None:
    # Stop, Retry and Jump to latest hide as they act; a keyboard user goes on from the box, not the page's top.
    open_parley(page, app)
    send(page, 'Stopped by keyboard [[tokens=2000]] [[delay=20]]')
    answer = answers(page).last
    expect(answer).to_contain_text('alpha')
    page.get_by_role('button', name=names.STOP).focus()
    page.keyboard.press('Enter')
    wait_for_status(answer, 'stopped')
    expect(message_box(page)).to_be_focused()

    answer.get_by_role('button', name=names.RETRY).focus()
    page.keyboard.press('Enter')
    expect(message_box(page)).to_be_focused()
    wait_for_status(answer, 'streaming')
    page.wait_for_function('document.scrollingElement.scrollHeight > innerHeight + 600')  # room to scroll up
    page.mouse.move(600, 300)
    page.mouse.wheel(0, -400)  # the reader goes up: Jump to latest shows
    jump = page.get_by_role('button', name=names.JUMP_TO_LATEST)
    jump.focus()
    page.keyboard.press('Enter')
    expect(jump).to_be_hidden()
    expect(message_box(page)).to_be_focused()
    new_chat = page.get_by_role('button', name=names.NEW_CHAT)
    new_chat.focus()
    page.keyboard.press('Escape')  # Esc stops the answer from anywhere, and leaves the focus where it is
    wait_for_status(answer, 'stopped')
    expect(new_chat).to_be_focused()

    send(page, 'Ends by itself [[tokens=80]] [[delay=25]]')  # Stop goes as the answer ends, with the focus on it
    answer = answers(page).last
    expect(answer).to_contain_text('alpha')
    page.get_by_role('button', name=names.STOP).focus()
    wait_for_status(answer, 'complete')
    expect(message_box(page)).to_be_focused()


def test_a_tap_on_stop_does_not_focus_the_message_box(browser: Browser, app: ParleyApp) -> None:
    # On a phone that would open the on-screen keyboard over the answer the reader just stopped to read.
    phone = phone_context(browser)
    try:
        page = phone.new_page()
        open_parley(page, app)
        message_box(page).fill('Stopped by a tap [[tokens=2000]] [[delay=20]]')
        page.get_by_role('button', name=names.SEND).tap()
        answer = answers(page).last
        expect(answer).to_contain_text('alpha')
        page.get_by_role('button', name=names.STOP).tap()
        wait_for_status(answer, 'stopped')
        page.wait_for_timeout(300)  # the focus would move on the frame after
        expect(message_box(page)).not_to_be_focused()
    finally:
        phone.close()


def test_new_chat_and_search_shortcuts(page: Page, app: ParleyApp) -> None:
    open_parley(page, app)
    send(page, 'Where should the zeppelin land? [[tokens=20]]')
    wanted = conversation_id(page)
    wait_for_status(answers(page).last, 'complete')

    page.keyboard.press('Control+Shift+O')
    page.wait_for_url(app.url + '/')
    expect(page.get_by_role('article')).to_have_count(0)
    send(page, 'Something else entirely [[tokens=5]]')
    conversation_id(page)

    page.keyboard.press('Control+k')
    search = page.get_by_role('combobox', name=names.SEARCH_CONVERSATIONS)
    expect(search).to_be_focused()
    results = page.get_by_role('listbox', name=names.SEARCH_RESULTS)
    # nothing typed: the most recent conversations, newest first
    expect(results.get_by_role('option').first).to_contain_text('Something else entirely')
    expect(results.get_by_role('option').first).to_have_attribute('aria-selected', 'true')
    search.fill('ZEPPELIN')  # in the message text (and title), any case
    expect(results.get_by_role('option')).to_have_count(1)
    expect(results.get_by_role('option').first).to_contain_text('Where should the zeppelin land?')
    search.press('Enter')
    page.wait_for_url(f'**/c/{wanted}')
    expect(page.get_by_role('article', name=names.USER_MESSAGE)).to_contain_text('zeppelin')

    page.keyboard.press('Control+k')
    search = page.get_by_role('combobox', name=names.SEARCH_CONVERSATIONS)
    search.fill('no such words anywhere')
    expect(page.get_by_role('dialog')).to_contain_text('No conversation matches.')
    search.fill('else entirely')
    page.get_by_role('option', name='Something else entirely').click()
    page.wait_for_url(lambda url: '/c/' in url and wanted not in url)


def test_a_long_title_stays_inside_the_search_dialog(page: Page, app: ParleyApp) -> None:
    open_parley(page, app)
    send(page, 'W' * 200 + ' [[tokens=3]]')  # one unbreakable word: the title is its first 60 characters
    wait_for_status(answers(page).last, 'complete')
    page.keyboard.press('Control+k')
    page.get_by_role('combobox', name=names.SEARCH_CONVERSATIONS).fill('WWWWWW')
    results = page.get_by_role('listbox', name=names.SEARCH_RESULTS)
    option = results.get_by_role('option').first
    expect(option).to_have_attribute('aria-label', re.compile('^W{60}'))  # the whole title stays its name
    # Measured in one go in the page: the list may be drawn anew between two calls from here.
    first = 'const option = list.querySelector("[role=option]");'
    dialog, found = results.evaluate(f'list => {{ {first} return [list.closest("[role=dialog]"), option]'
                                     '.map((e) => e.getBoundingClientRect().right); }')
    assert found <= dialog, (found, dialog)
    assert results.evaluate('e => e.scrollWidth <= e.clientWidth'), 'the results scroll sideways'
    # What does not fit ends in an ellipsis, not at the dialog's edge mid-letter
    assert results.evaluate(f'list => {{ {first} return [...option.querySelectorAll("*")].every(c =>'
                            ' c.scrollWidth <= c.clientWidth + 1 || getComputedStyle(c).textOverflow === "ellipsis"'
                            ' && getComputedStyle(c).overflow === "hidden"); }'), 'the title runs out of its row'


def test_last_model_and_sidebar_state_are_remembered(page: Page, app: ParleyApp) -> None:
    model = 'anthropic/claude-sonnet-5-5'
    open_parley(page, app)
    picker = page.get_by_role('combobox', name=names.MODEL)
    picker.click()
    page.get_by_role('option', name=model, exact=True).click()
    send(page, 'Remember this model [[tokens=5]]')
    wait_for_status(answers(page).last, 'complete')
    page.keyboard.press('Control+Shift+O')
    page.wait_for_url(app.url + '/')
    expect(page.get_by_role('combobox', name=names.MODEL)).to_have_value(model)
    page.reload()
    expect(page.get_by_role('combobox', name=names.MODEL)).to_have_value(model)

    expect(conversations(page)).to_be_in_viewport()
    page.get_by_role('button', name=names.TOGGLE_SIDEBAR).click()
    expect(conversations(page)).not_to_be_in_viewport()
    page.wait_for_timeout(300)  # the drawer's slide and the stored choice (no element to wait on: it is gone)
    page.reload()
    expect(message_box(page)).to_be_visible()
    expect(conversations(page)).not_to_be_in_viewport()
    page.get_by_role('button', name=names.TOGGLE_SIDEBAR).click()
    expect(conversations(page)).to_be_in_viewport()
    page.reload()
    expect(message_box(page)).to_be_visible()
    expect(conversations(page)).to_be_in_viewport()


def test_a_narrow_window_opens_on_the_chat_and_leaves_a_wide_windows_sidebar_alone(browser: Browser,
                                                                                    app: ParleyApp) -> None:
    """Where the sidebar is a slide-over (a phone, a narrow window), a page starts on the chat whatever a wide window
    left, and opening or closing the slide-over there, or making a wide window narrow, is not a choice to remember."""
    wide = browser.new_context(viewport={'width': 1200, 'height': 800})
    narrow = phone_context(browser)
    try:
        desk, phone = wide.new_page(), narrow.new_page()
        open_parley(desk, app)
        expect(conversations(desk)).to_be_in_viewport()  # open where there is room
        open_parley(phone, app)
        expect(conversations(phone)).not_to_be_in_viewport()
        phone.get_by_role('button', name=names.TOGGLE_SIDEBAR).click()
        expect(conversations(phone)).to_be_in_viewport()
        phone.mouse.click(370, 400)  # on the backdrop beside the slide-over
        expect(conversations(phone)).not_to_be_in_viewport()
        desk.set_viewport_size({'width': 700, 'height': 800})  # Quasar closes it by itself
        expect(conversations(desk)).not_to_be_in_viewport()
        desk.wait_for_timeout(300)  # the drawer's slide and anything stored
        desk.set_viewport_size({'width': 1200, 'height': 800})
        desk.reload()
        expect(message_box(desk)).to_be_visible()
        expect(conversations(desk)).to_be_in_viewport()

        desk.get_by_role('button', name=names.TOGGLE_SIDEBAR).click()  # a wide window's choice: kept
        expect(conversations(desk)).not_to_be_in_viewport()
        desk.wait_for_timeout(300)
        phone.reload()
        expect(message_box(phone)).to_be_visible()
        phone.get_by_role('button', name=names.TOGGLE_SIDEBAR).click()  # a slide-over opened: not a choice
        expect(conversations(phone)).to_be_in_viewport()
        phone.wait_for_timeout(300)
        desk.reload()
        expect(message_box(desk)).to_be_visible()
        expect(conversations(desk)).not_to_be_in_viewport()
        desk.get_by_role('button', name=names.TOGGLE_SIDEBAR).click()
        expect(conversations(desk)).to_be_in_viewport()
        desk.wait_for_timeout(300)
    finally:
        wide.close()
        narrow.close()


def test_a_slide_over_sidebar_takes_the_focus_and_esc_gives_it_back(browser: Browser, app: ParleyApp) -> None:
    """In a narrow window (a zoomed-in desktop, a tablet) the sidebar covers the chat: opened, the focus is in it;
    Esc closes it, with the focus back on the menu button, and leaves an answer being written alone."""
    narrow = browser.new_context(viewport={'width': 800, 'height': 700})
    try:
        page = narrow.new_page()
        open_parley(page, app)
        send(page, 'Write on while I look at my chats [[tokens=400]] [[delay=20]]')
        toggle = page.get_by_role('button', name=names.TOGGLE_SIDEBAR)
        toggle.focus()
        page.keyboard.press('Enter')
        expect(conversations(page)).to_be_in_viewport()
        expect(page.get_by_role('button', name=names.NEW_CHAT)).to_be_focused()
        page.keyboard.press('Escape')
        expect(conversations(page)).not_to_be_in_viewport()
        expect(toggle).to_be_focused()
        answer = answers(page).last
        shown = len(answer.inner_text())
        wait_until(lambda: len(answer.inner_text()) > shown + 20, message='the answer to go on after that Esc')
        expect(answer).to_have_attribute('data-status', 'streaming')  # that Esc closed the sidebar, not the answer
        page.keyboard.press('Escape')  # the next one stops
        wait_for_status(answers(page).last, 'stopped')

        toggle.focus()
        page.keyboard.press('Enter')
        expect(page.get_by_role('button', name=names.NEW_CHAT)).to_be_focused()
        page.keyboard.press('Shift+Tab')  # the focus leaving it for the page behind closes it
        expect(conversations(page)).not_to_be_in_viewport()

        toggle.click()  # open again, then the window made wide: the sidebar stands beside the chat, no backdrop
        expect(conversations(page)).to_be_in_viewport()
        page.set_viewport_size({'width': 1200, 'height': 700})
        expect(page.locator('.q-drawer__backdrop')).to_be_hidden()  # hidden, or gone (Quasar drops it in time)
        expect(conversations(page)).to_be_in_viewport()
        message_box(page).click()  # not covered
        expect(message_box(page)).to_be_focused()
    finally:
        narrow.close()


def test_the_menu_button_works_before_the_page_has_connected(browser: Browser, app: ParleyApp) -> None:
    """The sidebar opens and closes in the browser: a tap on the menu while the page's socket is still connecting
    opens the slide-over at once, and the page's own early reports, let go after it, do not close it again."""
    narrow = phone_context(browser)
    try:
        phone = narrow.new_page()
        hold_handshake(phone)
        phone.goto(app.url + '/')
        phone.wait_for_function('window.parleyTestConnected()')
        phone.get_by_role('button', name=names.TOGGLE_SIDEBAR).click()
        expect(conversations(phone)).to_be_in_viewport()
        phone.evaluate('window.parleyTestRelease()')
        phone.wait_for_timeout(500)  # the held events go out and are handled
        expect(conversations(phone)).to_be_in_viewport()
        phone.mouse.click(370, 400)  # on the backdrop beside the slide-over
        expect(conversations(phone)).not_to_be_in_viewport()
    finally:
        narrow.close()


# The picker's text is selected whole, so that typing replaces it.
PICKER_TEXT_SELECTED = """() => { const box = document.activeElement;
    return box.value.length > 0 && box.selectionStart === 0 && box.selectionEnd === box.value.length; }"""


@pytest.mark.parametrize('phone', [False, True], ids=['desktop', 'phone'])
def test_a_model_typed_in_the_picker_is_picked_with_enter(browser: Browser, app: ParleyApp, fake_server: FakeServer,
                                                          phone: bool) -> None:
    # Enter picks the model named, as in the pickers people know; it used to keep the old model (the typed text
    # fell back to it when the picker lost focus) and the message went to that one.
    context = phone_context(browser) if phone else browser.new_context()
    page = context.new_page()
    picker = page.get_by_role('combobox', name=names.MODEL)

    def choose(typed: str) -> None:
        """Open the picker again (it has the focus already after the first time) and type."""
        picker.tap() if phone else picker.click()
        page.wait_for_function(PICKER_TEXT_SELECTED)  # a second click selects the name too: typing replaces it
        page.keyboard.type(typed)

    try:
        open_parley(page, app)
        shown = picker.input_value()
        picker.click()
        page.keyboard.press('Enter')  # nothing typed: the model stays
        expect(picker).to_have_value(shown)
        choose('gpt-4o-mini')
        page.keyboard.press('Enter')
        expect(picker).to_have_value('openai/gpt-4o-mini')
        choose('gpt-4o')  # the chat's own model matches too, and is marked: the model named exactly wins
        page.keyboard.press('Enter')
        expect(picker).to_have_value('openai/gpt-4o')
        choose('zzzz')
        expect(page.get_by_text('No model matches')).to_be_visible()
        page.keyboard.press('Enter')  # nothing to pick: the model stays, and its name is shown again
        expect(picker).to_have_value('openai/gpt-4o')
        choose('sonnet-5')
        page.keyboard.press('Enter')
        expect(picker).to_have_value('anthropic/claude-sonnet-5-5')
        expect(page.get_by_role('option')).to_have_count(0)  # the list closed
        question = f'Which model answers ({"phone" if phone else "desktop"}) [[tokens=3]]'
        message_box(page).fill(question)
        page.get_by_role('button', name=names.SEND).click()  # a phone's Enter is a new line
        wait_for_status(answers(page).last, 'complete')
        [request] = [r for r in fake_server.recorder.requests if 'messages' in r.body
                     and question in str(r.body['messages'][-1]['content'])]
        assert (request.provider, request.body['model']) == ('anthropic', 'claude-sonnet-5-5')
    finally:
        context.close()
