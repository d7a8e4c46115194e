"""A write the database refuses (here: another program holds SQLite's lock) is reported; the typed text stays."""

from __future__ import annotations

import sqlite3

import pytest
from playwright.sync_api import Page, expect

from ui import names

from .conftest import ParleyApp
from .helpers import answers, open_parley, wait_for_status

pytestmark = pytest.mark.browser


def test_locked_database_keeps_the_message_in_the_composer(page: Page, parley: ParleyApp) -> None:
    open_parley(page, parley)
    box = page.get_by_role('textbox', name=names.MESSAGE)
    text = 'This must not get lost\nsecond line ✓'
    locker = sqlite3.connect(parley.data_dir / 'parley.db', isolation_level=None, timeout=1)
    locker.execute('BEGIN EXCLUSIVE')  # every writer now waits for its busy timeout, then fails
    try:
        box.fill(text)
        box.press('Enter')
        expect(page.get_by_text('could not save your message (the database is locked by another program)')) \
            .to_be_visible(timeout=20_000)
        expect(box).to_have_value(text)
        expect(page.get_by_role('article')).to_have_count(0)
    finally:
        locker.execute('ROLLBACK')
        locker.close()
    page.get_by_role('button', name=names.SEND).click()
    expect(page.get_by_role('article', name=names.USER_MESSAGE)).to_have_text(text)
    wait_for_status(answers(page).last, 'complete')
    expect(box).to_have_value('')
