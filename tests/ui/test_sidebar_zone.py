"""The sidebar's headings follow the reader's days (the browser's time zone), not the server's UTC ones: on a first
visit, once the browser says its zone, and from the first paint after that (a cookie)."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import Browser, Page, expect

from storage.database import create_db_engine
from storage.models import utcnow
from storage.repository import Repository
from tests.fakes.server import FakeServer

from .conftest import ParleyApp, start_parley
from .helpers import open_parley

pytestmark = pytest.mark.browser

ZONE = 'Pacific/Kiritimati'  # UTC+14 all year: its day is not UTC's for fourteen hours of every day
TITLE = 'Planned at the date line'
# The heading right above an entry, as the reader sees the list.
HEADING_OF = '''(link) => {
  let node = link.closest('.parley-entry').previousElementSibling;
  while (node && !node.classList.contains('parley-group')) node = node.previousElementSibling;
  return node && node.textContent.trim();
}'''


def moment_and_headings(now: datetime) -> tuple[datetime, str, str]:
    """A moment (naive UTC) and its heading in Kiritimati and in UTC, chosen so that the two differ."""
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if now.hour >= 10:  # Kiritimati is on UTC's tomorrow already, so UTC's 00:30 today is its yesterday
        return midnight + timedelta(minutes=30), 'Yesterday', 'Today'
    return midnight - timedelta(minutes=30), 'Today', 'Yesterday'  # UTC's 23:30 yesterday is Kiritimati's 13:30


@pytest.fixture(scope='module')
def app(fake_server: FakeServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ParleyApp, str, str]]:
    """A Parley of its own whose one chat was last used at that moment: first in the list, whatever else ran."""
    # The headings are worked out once for the module (under a minute): not in the two minutes before 10:00 or
    # 00:00 UTC, when they change
    while utcnow().hour in (9, 23) and utcnow().minute >= 58:
        time.sleep(5)
    parley = start_parley(fake_server, tmp_path_factory.mktemp('zone'))
    moment, there, in_utc = moment_and_headings(utcnow())
    database = parley.data_dir / 'parley.db'
    chat = Repository(create_db_engine(f'sqlite:///{database}')).create_conversation(
        title=TITLE, provider='openai', model='gpt-4o-mini')
    with sqlite3.connect(database) as db:
        db.execute('update conversation set updated_at = ? where id = ?', (moment.isoformat(sep=' '), chat.id))
    yield parley, there, in_utc
    parley.stop()


def heading(page: Page) -> str:
    link = page.get_by_role('link', name=TITLE)
    expect(link).to_be_visible()
    return link.evaluate(HEADING_OF)


def test_headings_are_the_readers_days(browser: Browser, app: tuple[ParleyApp, str, str]) -> None:
    parley, there, _ = app
    context = browser.new_context(viewport={'width': 1300, 'height': 800}, timezone_id=ZONE)
    try:
        page = context.new_page()
        open_parley(page, parley)  # a first visit: no cookie yet, so the list is regrouped once the browser says
        expect(page.locator('.parley-group').first).to_have_text(there)
        assert heading(page) == there
        assert {'name': 'parley_tz', 'value': ZONE} in [{'name': c['name'], 'value': c['value']}
                                                        for c in context.cookies()]
    finally:
        context.close()


def test_the_server_groups_by_the_zone_the_cookie_names(browser: Browser, app: tuple[ParleyApp, str, str]) -> None:
    """The page is built with the cookie's zone (no question to the browser), and the browser keeps the cookie to its
    own zone for the next page: a laptop that travelled regroups on the next load."""
    parley, there, in_utc = app
    context = browser.new_context(viewport={'width': 1300, 'height': 800}, timezone_id='UTC')
    context.add_cookies([{'name': 'parley_tz', 'value': ZONE, 'url': parley.url}])
    try:
        page = context.new_page()
        open_parley(page, parley)
        assert heading(page) == there
        page.reload()
        expect(page.locator('.parley-group').first).to_have_text(in_utc)
        assert heading(page) == in_utc
    finally:
        context.close()
