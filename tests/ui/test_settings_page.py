"""The Settings page: add, test and remove provider connections while Parley runs; keys never come back."""

from __future__ import annotations

import re
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.fakes.server import FakeServer, free_port
from ui import names
from ui.header import UNAVAILABLE
from ui.settings_page import NAME_HINT

from .conftest import ParleyApp, start_parley
from .helpers import (
    CONTRAST,
    DARK,
    answers,
    as_the_handshake_ends,
    conversation_id,
    hold_handshake,
    in_a_dark_chat,
    new_window,
    open_parley,
    send,
    wait_for_status,
    wait_until,
)

pytestmark = pytest.mark.browser

KEY = 'sk-lab-7f3e9c21d4b8a6e05f1c2d3b4a5e6f70'


@pytest.fixture(scope='module')
def app(fake_server: FakeServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ParleyApp]:
    """A Parley of this module's own: what one test saves, the next one sees (and no other module does)."""
    parley = start_parley(fake_server, tmp_path_factory.mktemp('settings'))
    yield parley
    parley.stop()


def connections(page: Page):
    return page.get_by_role('list', name=names.CONNECTIONS)


def status(page: Page):
    return page.get_by_role('status', name=names.SETTINGS_STATUS)


def fill_form(page: Page, name: str, base_url: str, key: str) -> None:
    expect(page.get_by_role('combobox', name=names.PROVIDER_KIND)).to_have_value('OpenAI-compatible')
    page.get_by_role('textbox', name=names.CONNECTION_NAME).fill(name)
    page.get_by_role('textbox', name=names.BASE_URL).fill(base_url)
    page.get_by_role('textbox', name=names.API_KEY).fill(key)


def picker_options(page: Page) -> list[str]:
    page.get_by_role('combobox', name=names.MODEL).click()
    options = page.get_by_role('option')
    expect(options.first).to_be_visible()
    found = options.all_inner_texts()
    page.keyboard.press('Escape')
    return found


def stored_bytes(app: ParleyApp) -> bytes:
    return b''.join(path.read_bytes() for path in Path(app.data_dir).glob('parley.db*'))


def test_a_bad_key_or_an_unreachable_server_is_explained_and_nothing_is_saved(page: Page, app: ParleyApp,
                                                                             fake_server: FakeServer) -> None:
    page.goto(app.url + '/settings')
    fill_form(page, 'lab', f'{fake_server.url}/openai/v1', 'bad-key')
    page.get_by_role('button', name=names.TEST_CONNECTION).click()
    expect(status(page)).to_contain_text('The API key was refused')
    expect(status(page)).to_contain_text('Check the API key.')  # not "on the Settings page": this is it
    page.get_by_role('button', name=names.SAVE).click()
    expect(status(page)).to_contain_text('The API key was refused')
    expect(status(page)).not_to_contain_text('bad-key')  # the provider quotes the refused key; we show a mask

    page.get_by_role('textbox', name=names.BASE_URL).fill(f'http://127.0.0.1:{free_port()}/v1')
    page.get_by_role('textbox', name=names.API_KEY).fill(KEY)
    page.get_by_role('button', name=names.SAVE).click()
    expect(status(page)).to_contain_text('Could not reach the server')

    page.get_by_role('textbox', name=names.BASE_URL).fill('localhost:1234')
    page.get_by_role('button', name=names.SAVE).click()
    expect(status(page)).to_contain_text('starts with http:// or https://')

    # A name as people type it, and a base URL with the wrong path: a server is there, but no model list.
    expect(page.get_by_text(NAME_HINT)).to_be_visible()
    page.get_by_role('textbox', name=names.CONNECTION_NAME).fill('Local LM')
    page.get_by_role('textbox', name=names.BASE_URL).fill(f'{fake_server.url}/openai/v2')
    page.get_by_role('button', name=names.TEST_CONNECTION).click()
    expect(status(page)).to_contain_text('local-lm: Nothing answers at this address. (Not Found) Check the base URL')

    expect(connections(page).get_by_role('listitem').filter(has_text='lab')).to_have_count(0)
    with sqlite3.connect(Path(app.data_dir) / 'parley.db') as db:
        assert db.execute('select count(*) from providerconnection').fetchone() == (0,)


def test_add_use_and_remove_a_connection_without_restart(page: Page, app: ParleyApp, fake_server: FakeServer) -> None:
    chat = new_window(page)  # a chat already open elsewhere learns about the connection without a reload
    open_parley(chat, app)
    assert not any(option.startswith('lab/') for option in picker_options(chat))

    page.goto(app.url + '/settings')
    from_environment = connections(page).get_by_role('listitem').filter(has_text='openai')
    expect(from_environment).to_contain_text('from environment')
    expect(from_environment.get_by_role('button')).to_have_count(0)  # read-only

    fill_form(page, 'lab', f'{fake_server.url}/openai/v1', KEY)
    page.get_by_role('button', name=names.TEST_CONNECTION).click()
    expect(status(page)).to_contain_text('Connected: 12 models')  # the fake's 16 but embeddings, speech and moderation
    page.get_by_role('button', name=names.SAVE).click()
    expect(status(page)).to_contain_text('Saved lab')
    expect(page.get_by_role('textbox', name=names.API_KEY)).to_have_value('')
    expect(page.get_by_role('textbox', name=names.API_KEY)).to_have_attribute('placeholder', re.compile('sk-…6f70'))
    expect(page.get_by_role('button', name=names.SAVE)).to_be_enabled()
    saved = connections(page).get_by_role('listitem').filter(has_text='lab')
    expect(saved).to_contain_text('OpenAI-compatible')
    expect(saved).to_contain_text('sk-…6f70')
    expect(page.get_by_text('only their last 4 characters are shown (none of a key shorter than 16)')).to_be_visible()
    assert KEY not in page.content()

    # Saved: encrypted at rest, under an owner-only key file; the key is in no log line and no page.
    assert KEY.encode() not in stored_bytes(app) and KEY[8:].encode() not in stored_bytes(app)
    assert stat.S_IMODE((Path(app.data_dir) / 'secret.key').stat().st_mode) == 0o600
    page.reload()
    expect(connections(page).get_by_role('listitem').filter(has_text='lab')).to_contain_text('sk-…6f70')
    assert KEY not in page.content()
    expect(page.get_by_role('textbox', name=names.API_KEY)).to_have_value('')

    # The open chat's picker, without a reload: the change reaches that page over its socket, a moment later
    # under load (the full suite once opened the picker before it arrived).
    wait_until(lambda: 'lab/gpt-4o-mini' in picker_options(chat), message="the new connection's models in the picker")
    chat.get_by_role('combobox', name=names.MODEL).click()
    chat.get_by_role('option', name='lab/gpt-4o-mini', exact=True).click()
    send(chat, 'Hello lab [[tokens=30]]')
    wait_for_status(answers(chat).last, 'complete')
    expect(answers(chat).last).to_contain_text('alpha bravo')
    with sqlite3.connect(Path(app.data_dir) / 'parley.db') as db:
        provider = db.execute('select provider, model from conversation where id = ?', (conversation_id(chat),))
        assert provider.fetchone() == ('lab', 'gpt-4o-mini')
    assert fake_server.recorder.last('openai').headers['authorization'] == f'Bearer {KEY}'
    assert KEY not in app.log.read_text()

    saved.get_by_role('button', name=names.EDIT_CONNECTION).click()
    expect(page.get_by_role('textbox', name=names.CONNECTION_NAME)).to_have_value('lab')
    expect(page.get_by_role('textbox', name=names.API_KEY)).to_have_value('')
    page.get_by_role('button', name=names.REMOVE).click()
    page.get_by_role('dialog').get_by_role('button', name=names.REMOVE).click()
    expect(status(page)).to_contain_text('Removed lab')
    expect(connections(page).get_by_role('listitem').filter(has_text='lab')).to_have_count(0)
    # The open chat keeps showing its model, marked, and a message to it is refused in words, kept in the box.
    expect(chat.get_by_role('combobox', name=names.MODEL)).to_have_value(f'lab/gpt-4o-mini {UNAVAILABLE}')
    chat.get_by_role('textbox', name=names.MESSAGE).fill('Hello again lab')
    chat.get_by_role('textbox', name=names.MESSAGE).press('Enter')
    expect(chat.get_by_text('lab/gpt-4o-mini is not available any more')).to_be_visible()
    expect(chat.get_by_role('textbox', name=names.MESSAGE)).to_have_value('Hello again lab')
    picker = chat.get_by_role('combobox', name=names.MODEL)
    picker.click()
    chat.keyboard.type('gpt-4o-mini')  # matches the model that went away too: Enter takes one that works
    chat.keyboard.press('Enter')
    expect(picker).to_have_value('openai/gpt-4o-mini')
    chat.goto(app.url + '/')
    assert not any(option.startswith('lab/') for option in picker_options(chat))
    page.reload()
    expect(connections(page).get_by_role('listitem').filter(has_text='lab')).to_have_count(0)


def test_team_mode_settings_are_the_administrators_and_memory_is_per_user(browser, fake_server: FakeServer,
                                                                          tmp_path: Path) -> None:
    from .accounts import sign_in, start_team_parley

    team = start_team_parley(fake_server, tmp_path / 'team', [('ada', 'ada-password-1', True),
                                                              ('bob', 'bob-password-1', False)])
    try:
        bob_context, ada_context = browser.new_context(), browser.new_context()
        bob, ada = bob_context.new_page(), ada_context.new_page()
        sign_in(bob, team.url, 'bob', 'bob-password-1')
        expect(bob.get_by_role('link', name=names.SETTINGS)).to_have_count(0)
        bob.goto(team.url + '/settings')
        expect(bob.get_by_text('Only an administrator can change provider connections.')).to_be_visible()
        expect(bob.get_by_role('textbox', name=names.API_KEY)).to_have_count(0)

        # bob's last model is bob's: ada's new chat still starts with the configured default
        bob.goto(team.url + '/')
        bob.get_by_role('combobox', name=names.MODEL).click()
        bob.get_by_role('option', name='google/gemini-2.5-flash', exact=True).click()
        send(bob, 'Bob asks Gemini [[tokens=5]]')
        wait_for_status(answers(bob).last, 'complete')
        bob.goto(team.url + '/')
        expect(bob.get_by_role('combobox', name=names.MODEL)).to_have_value('google/gemini-2.5-flash')

        sign_in(ada, team.url, 'ada', 'ada-password-1')
        expect(ada.get_by_role('combobox', name=names.MODEL)).to_have_value('openai/gpt-4o-mini')
        ada.get_by_role('link', name=names.SETTINGS).click()
        expect(ada.get_by_role('textbox', name=names.API_KEY)).to_be_visible()
        expect(ada.get_by_role('list', name=names.CONNECTIONS)).to_contain_text('from environment')
        fill_form(ada, 'lab', f'{fake_server.url}/openai/v1', 'bad-key')  # here the key in the form is meant
        ada.get_by_role('button', name=names.TEST_CONNECTION).click()
        expect(status(ada)).to_have_text(re.compile(r'The API key was refused\..* Check the API key\.$'))
        bob_context.close()
        ada_context.close()
    finally:
        team.stop()


def test_a_connection_saved_as_the_page_connects_keeps_what_was_typed(page: Page, app: ParleyApp,
                                                                      fake_server: FakeServer) -> None:
    """The boxes' value events are held back until the page's socket is ready; Save, clicked in that moment, must
    not reach the server first and refuse (or store) empty fields."""
    hold_handshake(page)
    page.goto(app.url + '/settings')
    fill_form(page, 'early', f'{fake_server.url}/openai/v1', KEY)
    as_the_handshake_ends(page, page.get_by_role('button', name=names.SAVE), 'el.click()')
    expect(status(page)).to_contain_text('Saved early')
    expect(connections(page).get_by_role('listitem').filter(has_text='early')).to_contain_text('key sk-…6f70')


def test_settings_are_dark_when_the_chat_is_and_lead_back_to_the_chat_left(page: Page, app: ParleyApp) -> None:
    with in_a_dark_chat(page, app, 'Come back to me [[tokens=5]]') as chat:
        page.get_by_role('link', name=names.SETTINGS, exact=True).click()
        expect(connections(page)).to_be_visible()
        expect(page.locator('body')).to_have_class(DARK)
        page.wait_for_timeout(300)  # Quasar's colour transitions
        for control in (names.TEST_CONNECTION, names.REMOVE, names.SAVE):  # outlined, plain and filled
            label = page.get_by_role('button', name=control).locator('.q-btn__content')  # the text, as it is seen
            assert label.evaluate(CONTRAST) >= 4.5, control
        page.get_by_role('button', name=names.BACK_TO_CHAT).click()
        page.wait_for_url(f'**/c/{chat}')
        expect(page.get_by_role('article', name=names.USER_MESSAGE)).to_have_text('Come back to me [[tokens=5]]')


def test_a_name_typed_with_spaces_is_saved_and_removed_as_one(page: Page, app: ParleyApp,
                                                              fake_server: FakeServer) -> None:
    page.goto(app.url + '/settings')
    fill_form(page, 'My Lab', f'{fake_server.url}/openai/v1', KEY)
    page.get_by_role('button', name=names.SAVE).click()
    expect(status(page)).to_contain_text('Saved my-lab')
    page.get_by_role('textbox', name=names.CONNECTION_NAME).fill('My Lab')  # typed again, as at first
    page.get_by_role('button', name=names.REMOVE).click()
    dialog = page.get_by_role('dialog', name=names.REMOVE_CONNECTION_DIALOG)
    expect(dialog).to_contain_text('Remove the connection “my-lab”?')
    dialog.get_by_role('button', name=names.REMOVE).click()
    expect(status(page)).to_have_text('Removed my-lab.')
    expect(connections(page).get_by_role('listitem').filter(has_text='my-lab')).to_have_count(0)
    with sqlite3.connect(Path(app.data_dir) / 'parley.db') as db:
        assert db.execute("select count(*) from providerconnection where name = 'my-lab'").fetchone() == (0,)
