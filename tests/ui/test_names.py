"""What a screen reader is told: every dialog, list, box and heading has a name, and a copy says how it went."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from ui import names

from .conftest import ParleyApp
from .helpers import answers, open_parley, send, wait_for_status

pytestmark = pytest.mark.browser

# Both ways of copying fail, as with a clipboard the browser refuses and no selection fallback.
NO_CLIPBOARD = '''() => {
  navigator.clipboard.writeText = () => Promise.reject(new Error("denied"));
  document.execCommand = () => false;
}'''


def test_the_rename_and_delete_dialogs_are_named(page: Page, parley: ParleyApp) -> None:
    open_parley(page, parley)
    send(page, 'Name my dialogs')
    wait_for_status(answers(page).last, 'complete')
    sidebar = page.get_by_role('navigation', name=names.CONVERSATIONS)
    row = sidebar.locator('.parley-entry', has=page.get_by_role('link', name='Name my dialogs'))

    row.get_by_role('button', name=names.CONVERSATION_MENU).click()
    page.get_by_role('button', name=names.RENAME).click()
    rename = page.get_by_role('dialog', name=names.RENAME_DIALOG)
    expect(rename.get_by_role('textbox', name=names.TITLE)).to_be_focused()
    rename.get_by_role('button', name=names.CANCEL).click()
    expect(rename).to_be_hidden()

    row.get_by_role('button', name=names.CONVERSATION_MENU).click()
    page.get_by_role('button', name=names.DELETE).click()
    delete = page.get_by_role('dialog', name=names.DELETE_DIALOG)
    expect(delete.get_by_role('button', name=names.CANCEL)).to_be_focused()
    delete.get_by_role('button', name=names.CANCEL).click()
    expect(delete).to_be_hidden()


def test_each_options_button_says_whose_options_it_has(page: Page, parley: ParleyApp) -> None:
    # Every entry's button has the same name; going down the list, a screen reader hears the chat's title with it.
    open_parley(page, parley)  # a new chat
    for number, title in enumerate(('First chat to tell apart', 'Second chat to tell apart')):
        if number:  # from the chat just started, so the address tells when the new one has loaded
            page.get_by_role('button', name=names.NEW_CHAT).click()
            page.wait_for_url(parley.url + '/')
        send(page, title)
        wait_for_status(answers(page).last, 'complete')
    sidebar = page.get_by_role('navigation', name=names.CONVERSATIONS)
    for title in ('First chat to tell apart', 'Second chat to tell apart'):
        row = sidebar.locator('.parley-entry', has=page.get_by_role('link', name=title))
        expect(row.get_by_role('button', name=names.CONVERSATION_MENU)).to_have_accessible_description(title)


def test_what_a_copy_did_is_said(page: Page, parley: ParleyApp) -> None:
    open_parley(page, parley)
    send(page, 'Code to copy [[markdown]]')
    answer = answers(page).last
    wait_for_status(answer, 'complete')
    said = page.get_by_role('status', name=names.COPY_STATUS)
    copy_code = answer.get_by_role('button', name=names.COPY_CODE)

    copy_code.click()
    expect(copy_code).to_have_text(names.COPIED)  # shown, and
    expect(said).to_have_text(names.COPIED)  # said
    expect(said).to_be_empty(timeout=10_000)  # not left there to be come upon later

    page.evaluate(NO_CLIPBOARD)
    answer.get_by_role('button', name=names.COPY_ANSWER).click()  # an icon: only its title changes, not spoken
    expect(said).to_have_text(names.COPY_FAILED)
    expect(said).to_be_empty(timeout=10_000)
    copy_code.click()
    expect(said).to_have_text(names.COPY_FAILED)  # the same words again are a change again


def test_each_task_box_is_named_by_its_item(page: Page, parley: ParleyApp) -> None:
    open_parley(page, parley)
    send(page, '- [ ] Pack the tent\n  - [x] the pegs too\n- [x] **Book** the ferry [[echo]]')
    answer = answers(page).last
    wait_for_status(answer, 'complete')
    expect(answer.get_by_role('checkbox', name='Pack the tent', exact=True)).not_to_be_checked()  # not its sub-item's
    expect(answer.get_by_role('checkbox', name='the pegs too', exact=True)).to_be_checked()
    expect(answer.get_by_role('checkbox', name='Book the ferry', exact=True)).to_be_checked()


def test_the_model_pickers_list_is_named(page: Page, parley: ParleyApp) -> None:
    open_parley(page, parley)
    page.get_by_role('combobox', name=names.MODEL).click()
    models = page.get_by_role('listbox', name=names.MODELS)
    expect(models.get_by_role('option').first).to_be_visible()
    page.keyboard.press('Escape')
    expect(models).to_be_hidden()
    page.get_by_role('combobox', name=names.MODEL).press_sequentially('gemini')  # opened by typing, filtered
    expect(models.get_by_role('option').first).to_contain_text('gemini')


def test_the_settings_and_import_pages_have_headings(page: Page, parley: ParleyApp) -> None:
    page.goto(parley.url + '/settings')
    expect(page.get_by_role('heading', name=names.CONNECTIONS, level=1)).to_be_visible()
    form = page.get_by_role('heading', name=names.CONNECTION_FORM, level=2)
    expect(form).to_be_visible()
    assert form.evaluate('(h) => getComputedStyle(h).fontSize') == '16px'  # as it looked: text-subtitle1

    page.goto(parley.url + '/import')
    heading = page.get_by_role('heading', name=names.IMPORT_HEADING, level=1)
    expect(heading).to_be_visible()
    assert heading.evaluate('(h) => getComputedStyle(h).fontSize') == '20px'  # as it looked: text-h6

