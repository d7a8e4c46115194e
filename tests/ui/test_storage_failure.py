"""A write the database refuses (SQLite locked by another program, PostgreSQL read-only) is reported; the text stays."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import create_engine, text

from tests.fakes.server import FakeServer
from tests.storage.conftest import POSTGRES_URL, fresh_postgres_database
from ui import names

from .conftest import ParleyApp, start_parley
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


@pytest.mark.postgres
def test_read_only_team_database_keeps_the_message(page: Page, fake_server: FakeServer, tmp_path: Path) -> None:
    """Team mode on PostgreSQL: the database turns read-only under a running Parley, which says so and keeps
    the typed text; once writable again, the same text sends."""
    with fresh_postgres_database() as database:
        url = database.url.render_as_string(hide_password=False)
        name = database.url.database
        app = start_parley(fake_server, tmp_path / 'data', env={'DATABASE_URL': url})
        admin = create_engine(POSTGRES_URL, isolation_level='AUTOCOMMIT')
        try:
            open_parley(page, app)
            with admin.connect() as connection:
                connection.execute(text(f'ALTER DATABASE {name} SET default_transaction_read_only = on'))
                connection.execute(text('SELECT pg_terminate_backend(pid) FROM pg_stat_activity '
                                        'WHERE datname = :name AND pid <> pg_backend_pid()'), {'name': name})
            box = page.get_by_role('textbox', name=names.MESSAGE)
            box.fill('Written while the database is read-only')
            box.press('Enter')
            expect(page.get_by_text('could not save your message (the database is read-only)')).to_be_visible(
                timeout=20_000)
            expect(box).to_have_value('Written while the database is read-only')
            with admin.connect() as connection:
                connection.execute(text(f'ALTER DATABASE {name} SET default_transaction_read_only = off'))
                connection.execute(text('SELECT pg_terminate_backend(pid) FROM pg_stat_activity '
                                        'WHERE datname = :name AND pid <> pg_backend_pid()'), {'name': name})
            page.get_by_role('button', name=names.SEND).click()
            expect(page.get_by_role('article', name=names.USER_MESSAGE)).to_have_text(
                'Written while the database is read-only')
            wait_for_status(answers(page).last, 'complete')
        finally:
            app.stop()
            admin.dispose()
