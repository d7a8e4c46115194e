"""HTML and script in an answer or a user message are shown inert: nothing runs, nothing fires."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from ui import names

from .conftest import ParleyApp
from .helpers import answers, open_parley, send, wait_for_status

pytestmark = pytest.mark.browser

USER_HTML = '<script>window.__pwned = "user"</script><img src=x onerror="window.__pwned=\'user-img\'"> hi'


def test_html_in_answers_and_messages_runs_nothing(page: Page, parley: ParleyApp) -> None:
    dialogs: list[str] = []
    page.on('dialog', lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    open_parley(page, parley)
    send(page, USER_HTML)
    wait_for_status(answers(page).last, 'complete')
    expect(page.get_by_role('article', name=names.USER_MESSAGE).last).to_contain_text('<script>')
    send(page, 'Now some HTML please [[html]]')
    answer = answers(page).last
    wait_for_status(answer, 'complete')
    expect(answer).to_contain_text('end of answer.')
    for link in answer.get_by_role('link').all():
        link.click(modifiers=['Shift'], no_wait_after=True, timeout=2000)
    answer.get_by_text('bold?').hover()
    page.wait_for_timeout(300)  # give any handler that slipped through the chance to run
    assert page.evaluate('window.__pwned') is None
    assert dialogs == []
    assert answer.locator('script, iframe, svg[onload], img[onerror], [onmouseover]').count() == 0
    for href in answer.locator('a').evaluate_all('links => links.map(a => a.getAttribute("href") || "")'):
        assert not href.lower().startswith('javascript:')
