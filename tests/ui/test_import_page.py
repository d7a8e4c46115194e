"""Import chats (`/import`): a ChatGPT or Claude export becomes conversations in the sidebar that go on as any other."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from engine.export_reader import NOT_AN_EXPORT
from engine.import_formats import IMAGE_NOTE
from tests.engine.export_samples import chatgpt_conversation, claude_conversation
from tests.fakes.server import FakeServer
from ui import names
from ui.instructions import MARKED

from .conftest import ParleyApp, start_parley
from .helpers import answers, open_parley, send, wait_for_status

pytestmark = pytest.mark.browser


@pytest.fixture(scope='module')
def app(fake_server: FakeServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ParleyApp]:
    """This module's own Parley (imports fill its history), taking exports up to 1 MB."""
    parley = start_parley(fake_server, tmp_path_factory.mktemp('import'), env={'PARLEY_MAX_IMPORT_MB': '1'})
    yield parley
    parley.stop()


@pytest.fixture
def page(page: Page) -> Page:
    """The test's page, watching for file choosers from the start. Playwright asks Chromium to report them only once
    a test waits for one, and a key press can open the chooser before that request is through (once in 12 here)."""
    page.on('filechooser', lambda _: None)
    return page


def status(page: Page):
    return page.get_by_role('status', name=names.IMPORT_STATUS)


def choose(page: Page, path: Path) -> None:
    """Choose the file as a person does: the button opens the file chooser."""
    with page.expect_file_chooser() as chooser:
        page.get_by_role('button', name=names.EXPORT_FILE).click()
    chooser.value.set_files(str(path))


def choose_by_keyboard(page: Page, app: ParleyApp, path: Path) -> Locator:
    """Open the import page, and choose the file as a keyboard user does: the button focused, then Enter."""
    page.goto(f'{app.url}/import')
    button = page.get_by_role('button', name=names.EXPORT_FILE)
    button.focus()
    with page.expect_file_chooser() as chooser:
        page.keyboard.press('Enter')
    chooser.value.set_files(str(path))
    return button


def sidebar(page: Page):
    return page.get_by_role('navigation', name=names.CONVERSATIONS)


def test_an_export_becomes_chats_that_go_on_and_is_taken_once(page: Page, app: ParleyApp, fake_server: FakeServer,
                                                              tmp_path: Path) -> None:
    export = tmp_path / 'conversations.json'
    export.write_text(json.dumps([chatgpt_conversation(), {'no': 'chat'}, claude_conversation()]), encoding='utf-8')
    open_parley(page, app)
    page.get_by_role('link', name=names.IMPORT_CHATS).click()
    page.wait_for_url('**/import')
    choose(page, export)
    expect(status(page)).to_have_text('Imported 2 conversations. 1 entry of the file was empty or not a '
                                      'conversation Parley can read.', timeout=15_000)
    page.get_by_role('link', name='Back to your chats').click()
    expect(sidebar(page).get_by_role('link', name='Log question')).to_be_visible()

    sidebar(page).get_by_role('link', name='Physics slide').click()
    page.wait_for_url('**/c/*')
    questions = page.get_by_role('article', name=names.USER_MESSAGE)
    expect(questions).to_have_count(2)
    expect(questions.first).to_have_text(f'{IMAGE_NOTE}\n\nWhat is on this slide?')
    expect(questions.last).to_have_text('Compute 2**10 <script>x</script>')  # text, as typed there
    expect(answers(page).first.locator('.katex')).to_be_visible()  # its answers are markdown, math and all
    expect(answers(page).last.get_by_role('button', name=names.REASONING)).to_be_visible()
    expect(page.get_by_role('button', name=names.CHAT_INSTRUCTIONS)).to_have_accessible_description(MARKED)

    send(page, 'Go on from the imported chat')  # with the model picked, the instructions and the whole history
    wait_for_status(answers(page).last, 'complete')
    [request] = [r for r in fake_server.recorder.requests if r.provider == 'openai' and 'messages' in r.body
                 and r.body['messages'][-1]['content'] == 'Go on from the imported chat']
    assert [(m['role'], m['content']) for m in request.body['messages']] == [
        ('system', 'About me:\nI teach physics.\n\nHow to respond:\nAnswer briefly, in SI units.'),
        ('user', f'{IMAGE_NOTE}\n\nWhat is on this slide?'), ('assistant', "Newton's second law: $F = ma$."),
        ('user', 'Compute 2**10 <script>x</script>'), ('assistant', 'It is **1024**.'),
        ('user', 'Go on from the imported chat')]

    page.goto(f'{app.url}/import')  # the same export again: nothing doubled
    choose(page, export)
    expect(status(page)).to_have_text('Imported 0 conversations. 2 were already here, with nothing new. '
                                      '1 entry of the file was empty or not a conversation Parley can read.',
                                      timeout=15_000)
    page.get_by_role('link', name='Back to your chats').click()
    expect(sidebar(page).get_by_role('link')).to_have_count(2)


def test_a_file_that_is_no_export_or_too_big_is_refused_in_words(page: Page, app: ParleyApp,
                                                                 tmp_path: Path) -> None:
    picture = tmp_path / 'holiday.json'
    picture.write_bytes(b'\x89PNG\r\n\x1a\n not json at all')
    page.goto(f'{app.url}/import')
    choose(page, picture)
    expect(status(page)).to_have_text(NOT_AN_EXPORT, timeout=15_000)
    expect(status(page)).to_have_class('parley-import-status parley-problem')

    big = tmp_path / 'conversations.json'
    big.write_text(json.dumps([claude_conversation()] * 1) + ' ' * 1_100_000, encoding='utf-8')
    choose(page, big)
    expect(status(page)).to_contain_text('That file was not taken: Import chats takes the .zip or .json file of an '
                                         'export, of up to 1 MB.')
    # A script that skips the browser's check is refused before its body is read, and the page goes on.
    sent = page.evaluate('''async () => {
        const element = document.querySelector(".parley-import-upload").id.slice(1);
        const form = new FormData();
        form.append("file", new Blob(["[" + " ".repeat(1200000) + "]"]), "conversations.json");
        const answer = await fetch(`${window.path_prefix}/_nicegui/client/${window.clientId}/upload/${element}`,
                                   {method: "POST", body: form});
        return answer.status;
    }''')
    assert sent == 413
    page.goto(f'{app.url}/import')  # and the page still takes a file that fits
    small = tmp_path / 'small.json'
    small.write_text(json.dumps([{**claude_conversation(), 'uuid': 'd-2', 'name': 'A small export'}]), encoding='utf-8')
    choose(page, small)
    expect(status(page)).to_have_text('Imported 1 conversation.', timeout=15_000)


def test_focus_comes_back_to_the_button_after_an_import(page: Page, app: ParleyApp, tmp_path: Path) -> None:
    # The button hides while the file is sent; a keyboard user finds focus on it again, not at the top of the page.
    export = tmp_path / 'conversations.json'
    export.write_text(json.dumps([{**claude_conversation(), 'uuid': 'd-3', 'name': 'By keyboard'}]), encoding='utf-8')
    button = choose_by_keyboard(page, app, export)
    expect(status(page)).to_have_text('Imported 1 conversation.', timeout=15_000)
    expect(button).to_be_focused()


def test_the_button_keeps_the_focus_when_a_file_is_refused(page: Page, app: ParleyApp, tmp_path: Path) -> None:
    # The refusal changes the page while the button holds the focus: the keyboard user picks another file at once.
    big = tmp_path / 'conversations.json'
    big.write_text(json.dumps([claude_conversation()]) + ' ' * 1_100_000, encoding='utf-8')
    button = choose_by_keyboard(page, app, big)
    expect(status(page)).to_contain_text('That file was not taken')
    expect(button).to_be_focused()
    with page.expect_file_chooser():
        page.keyboard.press(' ')
