"""Regenerate and answer versions in Chromium: the last answer can be written again, the one it replaces is kept,
and either can be shown, in every tab and after a reload."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from ui import names

from .conftest import ParleyApp
from .helpers import answers, conversation_id, open_parley, send, wait_for_status

pytestmark = pytest.mark.browser


def switch(answer: Locator) -> Locator:
    return answer.get_by_role('group', name=names.ANSWER_VERSIONS)


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
    other = page.context.new_page()  # the same chat in a second tab
    open_parley(other, parley, f'/c/{chat}')

    regenerate.click()
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


def test_retry_of_a_failed_answer_keeps_what_it_had_written(page: Page, parley: ParleyApp) -> None:
    open_parley(page, parley)
    send(page, 'Write a limerick [[tokens=60]] [[delay=5]] [[fail=error]] [[after=20]]')
    answer = answers(page).last
    wait_for_status(answer, 'error')
    partial = answer.locator(':scope > .parley-markdown').inner_text()
    assert partial.strip()
    expect(answer.get_by_role('button', name=names.REGENERATE)).to_be_hidden()  # Retry is the way here
    answer.get_by_role('button', name=names.RETRY).click()
    wait_for_status(answer, 'error')  # the same script fails the same way: a second version
    expect(switch(answer)).to_contain_text('2 / 2')
    switch(answer).get_by_role('button', name=names.PREVIOUS_VERSION).click()
    expect(switch(answer)).to_contain_text('1 / 2')
    expect(answer.get_by_role('alert')).to_be_visible()  # the first version failed too, and says so
    expect(answer.get_by_role('button', name=names.RETRY)).to_be_visible()
