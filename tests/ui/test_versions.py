"""Regenerate and answer versions in Chromium: the last answer can be written again, the one it replaces is kept,
and either can be shown, in every tab and after a reload."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from ui import names

from .conftest import ParleyApp
from .helpers import answers, conversation_id, new_window, open_parley, send, wait_for_status

pytestmark = pytest.mark.browser


def switch(answer: Locator) -> Locator:
    return answer.get_by_role('group', name=names.ANSWER_VERSIONS)


def last_question(page: Page) -> Locator:
    return page.get_by_role('article', name=names.USER_MESSAGE).last.locator('.parley-user-text')


def stored_versions(app: ParleyApp, conversation: str) -> list[tuple[str, int, int]]:
    """(content, version, versions) of the conversation's stored answers, and the versions kept aside, by number."""
    with sqlite3.connect(Path(app.data_dir) / 'parley.db') as db:
        shown = db.execute("select id, content, version, versions from message where conversation_id = ? "
                           "and role = 'assistant' order by seq", (conversation,)).fetchall()
        return [(content, version, versions, [row[0] for row in db.execute(
            'select content from answerversion where message_id = ? order by number', (message_id,))])
            for message_id, content, version, versions in shown]


def test_regenerate_keeps_the_first_answer_and_both_can_be_shown(page: Page, parley: ParleyApp) -> None:
    open_parley(page, parley)
    send(page, 'Name a colour [[take]] [[delay=30]]')
    first = 'Take 1: Hello! You said: Name a colour'
    answer = answers(page).last
    regenerate = answer.get_by_role('button', name=names.REGENERATE)
    expect(answer).to_have_attribute('data-status', 'streaming')
    expect(answer.locator('.parley-regenerate')).to_have_count(1)
    expect(regenerate).to_be_hidden()  # not while it is being written
    wait_for_status(answer, 'complete')
    expect(answer).to_contain_text(first)
    expect(switch(answer)).to_have_count(0)  # written once: nothing to switch between
    chat = conversation_id(page)
    other = new_window(page)  # the same chat in a second tab
    open_parley(other, parley, f'/c/{chat}')

    regenerate.focus()
    page.keyboard.press('Enter')  # from the keyboard: the focus goes on to the message box, not to the page
    expect(page.get_by_role('textbox', name=names.MESSAGE)).to_be_focused()
    second = 'Take 2: Hello! You said: Name a colour'
    expect(answer).to_contain_text(second)
    wait_for_status(answer, 'complete')
    expect(answer).not_to_contain_text(first)
    for tab in (page, other):
        shown = answers(tab).last
        expect(shown).to_contain_text(second)
        expect(switch(shown)).to_contain_text('2 / 2')
        expect(switch(shown).get_by_role('button', name=names.NEXT_VERSION)).to_be_disabled()
    assert stored_versions(parley, chat) == [(second, 2, 2, [first])]

    switch(answers(other).last).get_by_role('button', name=names.PREVIOUS_VERSION).click()  # from the other tab
    for tab in (page, other):
        shown = answers(tab).last
        expect(shown).to_contain_text(first)
        expect(shown).not_to_contain_text(second)
        expect(switch(shown)).to_contain_text('1 / 2')
        expect(switch(shown).get_by_role('button', name=names.PREVIOUS_VERSION)).to_be_disabled()
    assert stored_versions(parley, chat) == [(first, 1, 2, [second])]
    page.reload()
    expect(answers(page).last).to_contain_text(first)
    expect(switch(answers(page).last)).to_contain_text('1 / 2')

    # The next question follows the version shown; Regenerate moves to the newest answer, the switch stays.
    send(page, 'And a shape? [[echo]]')
    latest = answers(page).last
    wait_for_status(latest, 'complete')
    expect(latest.get_by_role('button', name=names.REGENERATE)).to_be_visible()
    earlier = answers(page).first
    expect(earlier.get_by_role('button', name=names.REGENERATE)).to_be_hidden()
    expect(switch(earlier)).to_contain_text('1 / 2')
    other.close()


def test_a_regeneration_stopped_before_its_first_word_leaves_no_switch(page: Page, parley: ParleyApp) -> None:
    open_parley(page, parley)
    send(page, 'Slow to start [[stall=1.5]] [[after=0]] [[take]]')
    answer = answers(page).last
    wait_for_status(answer, 'complete')
    kept = answer.locator('.parley-markdown').inner_text()
    answer.get_by_role('button', name=names.REGENERATE).click()
    expect(switch(answer)).to_contain_text('2 / 2')  # while the new version is being written
    page.get_by_role('button', name=names.STOP).click()  # before its first word (1.5 s away)
    wait_for_status(answer, 'complete')
    expect(answer.locator('.parley-markdown')).to_have_text(kept)
    expect(switch(answer)).to_have_count(0)  # one version again: nothing to switch between
    assert stored_versions(parley, conversation_id(page))[0][1:3] == (1, 1)


def test_retry_of_a_failed_answer_keeps_what_it_had_written(page: Page, parley: ParleyApp) -> None:
    open_parley(page, parley)
    # The session's Parley remembers the last model picked, by any test before this one on its worker
    model = page.get_by_role('combobox', name=names.MODEL).input_value()
    send(page, 'Write a limerick [[take]] [[delay=20]] [[fail=error]] [[after=3]]')
    answer = answers(page).last
    body = answer.locator(':scope > .parley-markdown')
    wait_for_status(answer, 'error')
    expect(body).to_have_text('Take 1: Hello! ')
    expect(answer.get_by_role('button', name=names.REGENERATE)).to_be_hidden()  # Retry is the way here
    answer.get_by_role('button', name=names.RETRY).click()
    expect(switch(answer)).to_contain_text('2 / 2')  # the first was kept
    wait_for_status(answer, 'error')  # the same script fails the same way
    expect(body).to_have_text('Take 2: Hello! ')
    previous = switch(answer).get_by_role('button', name=names.PREVIOUS_VERSION)
    previous.focus()
    page.keyboard.press('Enter')
    expect(body).to_have_text('Take 1: Hello! ')
    expect(switch(answer)).to_contain_text('1 / 2')
    expect(switch(answer)).to_contain_text(f'Version 1 of 2, by {model}')  # what a screen reader says
    # The arrow pressed is at its end now: the keyboard's focus moves to the other one, not to the page.
    expect(switch(answer).get_by_role('button', name=names.NEXT_VERSION)).to_be_focused()
    expect(answer.locator('.parley-error')).to_be_visible()  # that version failed too, and says so,
    expect(answer.get_by_role('alert')).to_have_count(0)  # but not as news
    expect(answer.get_by_role('button', name=names.RETRY)).to_be_visible()
    # Tab goes through the footer in the order it is seen: copy, the switch, Retry
    controls = answer.locator('.parley-message-footer button:visible')
    names_in_order = [control.get_attribute('aria-label') for control in controls.all()]
    assert names_in_order == [names.COPY_ANSWER, names.PREVIOUS_VERSION, names.NEXT_VERSION, names.RETRY]
    lefts = [control.bounding_box()['x'] for control in controls.all()]
    assert lefts == sorted(lefts)


def test_the_last_question_can_be_edited_and_the_old_pair_comes_back(page: Page, parley: ParleyApp) -> None:
    open_parley(page, parley)
    send(page, 'Best month for Lisbon? [[echo]]')
    wait_for_status(answers(page).last, 'complete')
    porto = 'And for Porto? [[tokens=30]] [[delay=40]]'
    send(page, porto)
    answer = answers(page).last
    questions = page.get_by_role('article', name=names.USER_MESSAGE)
    expect(answer).to_have_attribute('data-status', 'streaming')
    expect(questions.last.get_by_role('button', name=names.EDIT_MESSAGE)).to_have_count(0)  # not while answered
    wait_for_status(answer, 'complete')
    expect(questions.first.locator('.parley-edit-message')).to_have_count(1)  # made for every question,
    expect(questions.first.get_by_role('button', name=names.EDIT_MESSAGE)).to_have_count(0)  # offered on the last
    chat = conversation_id(page)
    other = new_window(page)
    open_parley(other, parley, f'/c/{chat}')

    edit = questions.last.get_by_role('button', name=names.EDIT_MESSAGE)
    edit.focus()  # shown on focus as on hover
    expect(edit).to_have_css('opacity', '1')
    page.keyboard.press('Enter')
    box = questions.last.get_by_role('textbox', name=names.EDITED_QUESTION)
    expect(box).to_have_value(porto)
    box.fill('And for Faro? [[echo]]')
    box.press('Escape')  # Cancel: nothing changes, and the focus is back on Edit
    expect(box).to_have_count(0)
    expect(last_question(page)).to_have_text(porto)
    expect(edit).to_be_focused()
    page.keyboard.press('Enter')
    answers(other).last.get_by_role('button', name=names.REGENERATE).click()  # another tab writes the answer again
    expect(answer).to_have_attribute('data-status', 'streaming')
    box.press('Escape')
    expect(box).to_have_count(0)
    expect(page.get_by_role('textbox', name=names.MESSAGE)).to_be_focused()  # Edit is hidden while it streams
    wait_for_status(answer, 'complete')  # Esc left the editor only: the page's Esc would have stopped the answer
    edit.focus()
    page.keyboard.press('Enter')
    box.fill('And for Faro? [[echo]]')
    box.press('Enter')  # saves, as Enter sends in the message box
    expect(page.get_by_role('textbox', name=names.MESSAGE)).to_be_focused()
    expect(answer).to_contain_text('And for Faro?')
    wait_for_status(answer, 'complete')
    for tab in (page, other):
        expect(last_question(tab)).to_have_text('And for Faro? [[echo]]')
        expect(answers(tab).last.locator(':scope > .parley-markdown')).to_have_text('And for Faro?')
        expect(switch(answers(tab).last)).to_contain_text('3 / 3')  # the first answer, the other tab's, this one
    switch(answer).get_by_role('button', name=names.PREVIOUS_VERSION).click()  # the old question comes back too
    for tab in (page, other):
        expect(last_question(tab)).to_have_text(porto)
        expect(answers(tab).last).not_to_contain_text('And for Faro?')
    page.reload()
    expect(last_question(page)).to_have_text(porto)
    other.close()
