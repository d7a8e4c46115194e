"""A fresh install: with no provider configured Parley still starts and says how to add one; dark mode sticks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.fakes.server import FakeServer, free_port
from ui import names

from .conftest import start_parley
from .helpers import CONTRAST, DARK, answers, open_parley, wait_for_status, wait_until

pytestmark = pytest.mark.browser

NO_KEYS = {'OPENAI_API_KEY': '', 'ANTHROPIC_API_KEY': '', 'GEMINI_API_KEY': '', 'PARLEY_DEFAULT_MODEL': ''}


def test_without_providers_the_page_says_how_to_add_one(page: Page, fake_server: FakeServer, tmp_path: Path) -> None:
    app = start_parley(fake_server, tmp_path / 'data', env=NO_KEYS)
    try:
        open_parley(page, app)
        notice = page.get_by_text('No model provider is configured yet.')
        expect(notice).to_be_visible()
        expect(page.get_by_text('OPENAI_API_KEY=...')).to_be_visible()
        # The longest setting, one long word, stays inside the card.
        card = page.locator('.parley-notice').bounding_box()
        setting = page.get_by_text('PARLEY_OPENAI_COMPATIBLE_BASE_URL=', exact=False).last.bounding_box()
        assert card is not None and setting is not None
        assert setting['x'] + setting['width'] <= card['x'] + card['width'], f'{setting} runs out of the card {card}'
        page.get_by_role('textbox', name=names.MESSAGE).fill('Hello?')
        page.get_by_role('textbox', name=names.MESSAGE).press('Enter')
        warning = page.get_by_text('No model is selected')
        expect(warning).to_be_visible()
        expect(page.get_by_role('textbox', name=names.MESSAGE)).to_have_value('Hello?')
        # Above the box, not over it and the text it keeps.
        page.wait_for_timeout(500)  # the warning's entrance (Quasar's transition)
        box = page.get_by_role('textbox', name=names.MESSAGE).bounding_box()
        shown = warning.bounding_box()
        assert box is not None and shown is not None
        assert shown['y'] + shown['height'] <= box['y'], f'the warning {shown} covers the message box {box}'
    finally:
        app.stop()


def test_dark_mode_switch_is_remembered(page: Page, parley) -> None:
    open_parley(page, parley)
    expect(page.locator('body')).not_to_have_class(DARK)
    # The primary colour's text (links, flat buttons) and the white on a primary button are readable (WCAG AA)
    for control in (page.get_by_role('button', name=names.NEW_CHAT), page.get_by_role('button', name=names.SEND)):
        assert control.evaluate(CONTRAST) >= 4.5, control
    page.get_by_role('switch', name=names.DARK_MODE).click()
    expect(page.locator('body')).to_have_class(DARK)
    page.wait_for_timeout(300)  # Quasar's colour transitions
    new_chat = page.get_by_role('button', name=names.NEW_CHAT)
    assert new_chat.evaluate(CONTRAST) >= 4.5
    expect(page.get_by_role('switch', name=names.DARK_MODE)).to_be_checked()
    page.reload()
    expect(page.locator('body')).to_have_class(DARK)
    # kept with the data (--data-dir), not in the directory Parley happened to be started from
    wait_until(lambda: stored_preferences(parley.data_dir).get('dark_mode') is True, message='dark mode stored')
    page.get_by_role('switch', name=names.DARK_MODE).click()  # leave the shared app as it was
    expect(page.locator('body')).not_to_have_class(DARK)


def stored_preferences(data_dir: Path) -> dict:
    """What Parley wrote to its preferences file under the data directory; {} until it has (or while it writes)."""
    try:
        return json.loads((data_dir / 'nicegui' / 'storage-general.json').read_text())
    except (FileNotFoundError, ValueError):
        return {}


def test_preferences_an_older_parley_kept_where_it_started_come_along(page: Page, fake_server: FakeServer,
                                                                      tmp_path: Path) -> None:
    """Parley used to keep them in the working directory's .nicegui: they are copied into the data directory."""
    data = tmp_path / 'data'  # also the directory start_parley starts Parley in
    (data / '.nicegui').mkdir(parents=True)
    (data / '.nicegui' / 'storage-general.json').write_text(json.dumps({'dark_mode': True}))
    app = start_parley(fake_server, data)
    try:
        open_parley(page, app)
        expect(page.locator('body')).to_have_class(DARK)
        assert stored_preferences(data) == {'dark_mode': True}
    finally:
        app.stop()


def test_a_provider_that_is_down_does_not_stop_the_others(page: Page, fake_server: FakeServer,
                                                          tmp_path: Path) -> None:
    dead = f'http://127.0.0.1:{free_port()}'
    app = start_parley(fake_server, tmp_path / 'data', env={'ANTHROPIC_BASE_URL': dead})
    try:
        open_parley(page, app)
        problems = page.get_by_role('button', name=names.PROVIDER_PROBLEMS)
        expect(problems).to_be_visible(timeout=20_000)
        problems.click()
        # Once seen still missing after 5 s, with the machine loaded by other browsers: the page was busy, not broken.
        expect(page.get_by_text('anthropic: Could not reach the server.')).to_be_visible(timeout=15_000)
        page.keyboard.press('Escape')
        page.get_by_role('textbox', name=names.MESSAGE).fill('Still works? [[tokens=10]]')
        page.get_by_role('textbox', name=names.MESSAGE).press('Enter')
        wait_for_status(answers(page).last, 'complete')
    finally:
        app.stop()
