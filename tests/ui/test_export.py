"""Export as Markdown from the sidebar's menu: the whole conversation as a file, and only for its owner."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.fakes.script import script_for
from ui import names
from ui.not_found import NOT_FOUND

from .accounts import create_users, sign_in
from .conftest import ParleyApp
from .helpers import answers, conversation_id, open_parley, send, wait_for_status

pytestmark = pytest.mark.browser


def export_from_the_menu(page: Page, chat: str) -> tuple[str, str]:
    """Choose Export in the chat's sidebar entry; the downloaded file's name and text."""
    entry = page.get_by_role('navigation', name=names.CONVERSATIONS).locator(f'.parley-entry:has(a[href$="/c/{chat}"])')
    entry.get_by_role('button', name=names.CONVERSATION_MENU).click()
    with page.expect_download() as download:
        page.get_by_role('link', name=names.EXPORT).click()
    return download.value.suggested_filename, Path(download.value.path()).read_text(encoding='utf-8')


def test_a_conversation_exports_as_markdown(page: Page, parley: ParleyApp) -> None:
    open_parley(page, parley)
    prompt = 'Export this chat [[markdown]]'
    send(page, prompt)
    wait_for_status(answers(page).last, 'complete')
    send(page, 'And once more [[echo]]')
    wait_for_status(answers(page).last, 'complete')
    name, text = export_from_the_menu(page, conversation_id(page))
    assert name == 'Export-this-chat-markdown.md'
    assert text.startswith('# Export this chat [[markdown]]\n\n*Exported from Parley · ')
    # Each answer's usage and the chat's total, as the page shows them
    # (with plain spaces where the page keeps "about $…" on one line with a no-break one)
    first, second = (answers(page).nth(index).locator('.parley-usage').inner_text().replace('\xa0', ' ')
                     for index in (0, 1))
    total = page.get_by_role('note', name=names.CHAT_USAGE).inner_text().replace('\xa0', ' ')
    assert (f'## You\n\n{prompt}\n\n## Assistant (openai/gpt-4o-mini)\n\n{script_for(prompt).text.strip()}\n\n'
            f'*{first}*\n\n## You\n\nAnd once more [[echo]]\n\n## Assistant (openai/gpt-4o-mini)\n\nAnd once more\n\n'
            f'*{second}*\n\n*{total}*\n') in text
    expect(page.get_by_role('link', name=names.EXPORT)).to_be_hidden()  # the menu closed


def test_only_the_owner_can_export(browser: Browser, team_parley: ParleyApp) -> None:
    create_users(team_parley.data_dir, [('ines', 'ines password', False), ('jude', 'jude password', False)])
    ines, jude, nobody = (browser.new_context() for _ in range(3))
    try:
        page = ines.new_page()
        sign_in(page, team_parley.url, 'ines', 'ines password')
        send(page, 'Ines only: salary review notes')
        wait_for_status(answers(page).last, 'complete')
        chat = conversation_id(page)
        _, text = export_from_the_menu(page, chat)
        assert 'Ines only: salary review notes' in text
        url = f'{team_parley.url}/c/{chat}/export.md'
        other = jude.new_page()
        sign_in(other, team_parley.url, 'jude', 'jude password')
        response = other.request.get(url)
        assert response.status == 404 and 'salary' not in response.text()
        other.goto(url)  # followed as a link: the page Parley shows for an address it does not have, with a way on
        expect(other.get_by_role('heading', name=NOT_FOUND)).to_be_visible()
        expect(other.get_by_role('link', name=names.START_NEW_CHAT)).to_be_visible()
        response = nobody.new_page().request.get(url)  # signed in as no one: sent to sign in
        assert response.url.startswith(f'{team_parley.url}/login') and 'salary' not in response.text()
    finally:
        for context in (ines, jude, nobody):
            context.close()
