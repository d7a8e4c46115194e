"""A chat's instructions (its system prompt): set in the header's dialog, read by the model before every answer,
kept with the chat, and, when the person asks, the start of every new chat."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Locator, Page, expect

from tests.fakes.server import FakeServer
from ui import names
from ui.instructions import DRAFT_NOTE, HINT, MARKED

from .conftest import ParleyApp, start_parley
from .helpers import answers, conversation_id, new_window, open_parley, send, wait_for_status

pytestmark = pytest.mark.browser

SET = re.compile(r'\bparley-instructions-set\b')
LIMIT = 2000  # this module's PARLEY_MAX_MESSAGE_CHARS, which bounds instructions as it bounds messages


@pytest.fixture(scope='module')
def app(fake_server: FakeServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ParleyApp]:
    """This module's own Parley: instructions for new chats must not reach other modules' chats."""
    parley = start_parley(fake_server, tmp_path_factory.mktemp('instructions'),
                          env={'PARLEY_MAX_MESSAGE_CHARS': str(LIMIT)})
    yield parley
    parley.stop()


def told(fake: FakeServer, question: str) -> list[str]:
    """The system turns of the request that asked `question` (each question here is asked once)."""
    [request] = [r for r in fake.recorder.requests if r.provider == 'openai' and r.path.endswith('/completions')
                 and r.body['messages'][-1]['content'] == question]
    return [m['content'] for m in request.body['messages'] if m['role'] == 'system']


def ask(page: Page, question: str) -> None:
    send(page, question)
    wait_for_status(answers(page).last, 'complete')


def button(page: Page) -> Locator:
    return page.get_by_role('button', name=names.CHAT_INSTRUCTIONS)


def expect_marked(page: Page, marked: bool) -> None:
    """Whether the button says, to the eye and to a screen reader, that the chat has instructions."""
    if marked:
        expect(button(page)).to_have_accessible_description(MARKED)
        expect(button(page)).to_have_class(SET)
    else:
        expect(button(page)).not_to_have_class(SET)
        expect(button(page)).to_have_accessible_description('')


def open_dialog(page: Page) -> Locator:
    button(page).click()
    dialog = page.get_by_role('dialog', name=names.CHAT_INSTRUCTIONS)
    expect(dialog).to_be_visible()
    return dialog


def box(dialog: Locator) -> Locator:
    return dialog.get_by_role('textbox', name=names.INSTRUCTIONS)


def for_new_chats(dialog: Locator) -> Locator:
    return dialog.get_by_role('checkbox', name=names.FOR_NEW_CHATS)


def save(dialog: Locator) -> None:
    dialog.get_by_role('button', name=names.SAVE).click()
    expect(dialog).to_be_hidden()


def stored_instructions(app: ParleyApp, conversation: str) -> str | None:
    with sqlite3.connect(Path(app.data_dir) / 'parley.db') as db:
        [(instructions,)] = db.execute('select system_prompt from conversation where id = ?', (conversation,))
    return instructions


def test_instructions_for_new_chats_start_every_new_chat_until_unchecked(page: Page, app: ParleyApp,
                                                                          fake_server: FakeServer) -> None:
    open_parley(page, app)
    expect_marked(page, False)
    dialog = open_dialog(page)
    expect(for_new_chats(dialog)).not_to_be_checked()
    box(dialog).fill('Be brief.\nAnswer in French.')
    for_new_chats(dialog).click()  # not .check(): the box shows its new state once the server has it
    expect(for_new_chats(dialog)).to_be_checked()
    save(dialog)
    expect_marked(page, True)
    ask(page, 'First chat, first question')
    assert told(fake_server, 'First chat, first question') == ['Be brief.\nAnswer in French.']
    first = conversation_id(page)

    page.reload()  # kept with the chat, and shown as the ones for new chats
    expect_marked(page, True)
    dialog = open_dialog(page)
    expect(box(dialog)).to_have_value('Be brief.\nAnswer in French.')
    expect(for_new_chats(dialog)).to_be_checked()
    dialog.get_by_role('button', name=names.CANCEL).click()

    page.get_by_role('button', name=names.NEW_CHAT).click()  # a new chat starts with them, without opening anything
    page.wait_for_url(app.url + '/')
    expect_marked(page, True)
    ask(page, 'Second chat, untouched')
    assert told(fake_server, 'Second chat, untouched') == ['Be brief.\nAnswer in French.']

    open_parley(page, app)  # one chat's own: the box unticks itself, and new chats keep theirs
    dialog = open_dialog(page)
    expect(box(dialog)).to_have_value('Be brief.\nAnswer in French.')
    box(dialog).fill('Only this chat: answer in Latin.')
    expect(for_new_chats(dialog)).not_to_be_checked()
    save(dialog)
    ask(page, 'Third chat')
    assert told(fake_server, 'Third chat') == ['Only this chat: answer in Latin.']

    open_parley(page, app)  # unticked by the person: new chats start without any
    dialog = open_dialog(page)
    expect(box(dialog)).to_have_value('Be brief.\nAnswer in French.')
    for_new_chats(dialog).click()
    expect(for_new_chats(dialog)).not_to_be_checked()
    save(dialog)
    open_parley(page, app)
    expect_marked(page, False)
    expect(box(open_dialog(page))).to_have_value('')
    page.keyboard.press('Escape')  # Esc leaves the dialog (only a click beside it does not)
    expect(page.get_by_role('dialog', name=names.CHAT_INSTRUCTIONS)).to_be_hidden()
    ask(page, 'Fourth chat, plain')
    assert told(fake_server, 'Fourth chat, plain') == []
    assert stored_instructions(app, first) == 'Be brief.\nAnswer in French.', 'a chat keeps its own'


def test_changed_in_one_tab_the_next_answer_and_every_tab_follow(context: BrowserContext, app: ParleyApp,
                                                                 fake_server: FakeServer) -> None:
    page = context.new_page()
    open_parley(page, app)
    ask(page, 'A chat without instructions')
    assert told(fake_server, 'A chat without instructions') == []
    chat = conversation_id(page)
    other = new_window(page)
    open_parley(other, app, f'/c/{chat}')
    expect_marked(other, False)
    elsewhere = new_window(page)  # another chat's page: told nothing of this one's
    open_parley(elsewhere, app)
    ask(elsewhere, 'Another chat entirely')

    dialog = open_dialog(page)
    box(dialog).fill('Be formal.')
    save(dialog)
    expect_marked(other, True)  # no reload: the other tab hears of it
    expect_marked(elsewhere, False)
    assert stored_instructions(app, chat) == 'Be formal.'
    expect(box(open_dialog(other))).to_have_value('Be formal.')
    other.keyboard.press('Escape')
    ask(other, 'Asked from the other tab')
    assert told(fake_server, 'Asked from the other tab') == ['Be formal.']

    dialog = open_dialog(page)  # cleared: none at all, not an empty system turn
    box(dialog).fill('   ')
    save(dialog)
    expect_marked(other, False)
    ask(page, 'Asked after clearing')
    assert told(fake_server, 'Asked after clearing') == []
    assert stored_instructions(app, chat) is None
    open_parley(other, app)
    expect_marked(other, False)  # one chat's instructions are not for new chats unless asked


def test_too_long_instructions_are_refused_in_words_and_kept_in_the_box(page: Page, app: ParleyApp) -> None:
    open_parley(page, app)
    ask(page, 'A chat to instruct at length')
    chat = conversation_id(page)
    dialog = open_dialog(page)
    too_long = 'Explain slowly. ' * 125 + '!'  # LIMIT + 1 characters
    box(dialog).fill(too_long)
    dialog.get_by_role('button', name=names.SAVE).click()
    expect(dialog.get_by_role('alert')).to_have_text(
        f'These instructions have {LIMIT + 1:,} characters; the limit is {LIMIT:,} (PARLEY_MAX_MESSAGE_CHARS).')
    expect(dialog).to_be_visible()
    expect(box(dialog)).to_have_value(too_long)
    assert stored_instructions(app, chat) is None
    page.mouse.click(5, 400)  # a click beside the dialog does not throw the text away
    expect(box(dialog)).to_have_value(too_long)
    expect(box(dialog)).to_have_accessible_description(HINT)
    box(dialog).press('End')
    box(dialog).press('Backspace')
    box(dialog).press('Control+Enter')  # saves, as Save does
    expect(dialog).to_be_hidden()
    expect_marked(page, True)
    assert stored_instructions(app, chat) == too_long[:-1].strip()


def test_a_new_chat_opened_before_the_ones_for_new_chats_were_set_sends_what_it_shows(
        context: BrowserContext, app: ParleyApp, fake_server: FakeServer) -> None:
    early = context.new_page()
    later = new_window(early)
    open_parley(early, app)
    open_parley(later, app)
    dialog = open_dialog(later)
    box(dialog).fill('Use metric units.')
    for_new_chats(dialog).click()
    expect(for_new_chats(dialog)).to_be_checked()
    save(dialog)
    ask(early, 'Asked from a page opened before')
    assert told(fake_server, 'Asked from a page opened before') == [], 'the model is told what the page shows'
    expect_marked(early, False)

    open_parley(early, app)  # a new chat's dialog shows the ones for new chats as they are now
    later.get_by_role('button', name=names.NEW_CHAT).click()
    later.wait_for_url(app.url + '/')
    dialog = open_dialog(early)
    expect(box(dialog)).to_have_value('Use metric units.')
    for_new_chats(dialog).click()  # and leaves with them: new chats start without any
    expect(for_new_chats(dialog)).not_to_be_checked()
    save(dialog)
    expect(box(open_dialog(later))).to_have_value('')  # the other page's new chat, at its dialog's opening


def test_text_left_with_escape_comes_back_until_cancelled(page: Page, app: ParleyApp) -> None:
    open_parley(page, app)
    ask(page, 'A chat to instruct')
    dialog = open_dialog(page)  # with the mouse: the box takes the focus all the same
    expect(box(dialog)).to_be_focused()
    page.keyboard.type('A long text I would hate to type again')
    page.keyboard.press('Escape')
    expect(dialog).to_be_hidden()
    expect_marked(page, False)  # nothing saved...
    dialog = open_dialog(page)  # ...but nothing lost: it opens with the text left, and says so
    expect(box(dialog)).to_have_value('A long text I would hate to type again')
    expect(dialog.get_by_text(DRAFT_NOTE)).to_be_visible()
    expect(box(dialog)).to_have_accessible_description(re.compile(re.escape(DRAFT_NOTE)))
    dialog.get_by_role('button', name=names.CANCEL).click()
    expect(dialog).to_be_hidden()
    dialog = open_dialog(page)  # Cancel drops it
    expect(box(dialog)).to_have_value('')
    expect(dialog.get_by_text(DRAFT_NOTE)).to_have_count(0)
    # Clicked into, not taken as focused: the closing dialog's own give-back of the focus (to the button) can come
    # after this one took it (seen once in CI).
    box(dialog).click()
    page.keyboard.type('Kept this time')
    page.keyboard.press('Escape')
    dialog = open_dialog(page)
    save(dialog)  # saved as it was left
    expect_marked(page, True)
    assert stored_instructions(app, conversation_id(page)) == 'Kept this time'
    dialog = open_dialog(page)
    expect(box(dialog)).to_have_value('Kept this time')
    expect(dialog.get_by_text(DRAFT_NOTE)).to_have_count(0)
