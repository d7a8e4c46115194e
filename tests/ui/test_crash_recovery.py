"""kill -9 in the middle of an answer: after a restart nothing the user saw is lost, and the answer can be retried."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from storage.database import check_integrity, create_db_engine
from tests.fakes.script import script_for
from tests.fakes.server import FakeServer
from ui import names

from .conftest import start_parley
from .helpers import answers, conversation_id, open_parley, send, stored, wait_for_status, wait_until

pytestmark = pytest.mark.browser

PROMPT = 'Write at length [[tokens=2000]] [[delay=4]]'


def test_kill_9_mid_answer_keeps_what_was_shown(page: Page, fake_server: FakeServer, tmp_path: Path) -> None:
    data = tmp_path / 'data'
    app = start_parley(fake_server, data)
    try:
        open_parley(page, app)
        send(page, PROMPT)
        answer = answers(page).last
        wait_until(lambda: len(answer.inner_text()) > 1500, timeout=30, message='a good part of the answer')
        shown = len(answer.inner_text())
        started = page.evaluate('performance.now()')
        app.stop(kill=True)  # SIGKILL: no shutdown handler runs
        elapsed = (page.evaluate('performance.now()') - started) / 1000
        conversation = conversation_id(page)
    finally:
        app.stop(kill=True)

    assert check_integrity(create_db_engine(f'sqlite:///{data / "parley.db"}'))
    rows = stored(app, conversation)
    assert rows[0] == ('user', PROMPT, 'complete')
    role, content, status = rows[1]
    assert role == 'assistant' and status == 'streaming'  # as the crash left it; the restart marks it
    assert script_for(PROMPT).text.startswith(content)
    # The page showed `shown` characters of rendered text; storage may trail by one save interval (0.5 s) of
    # tokens, about 250 tokens (1.5 KB) a second here: allow one second, plus the time the kill itself took.
    assert len(content) >= shown - 1600 * (1 + elapsed), f'stored {len(content)} chars, the page showed {shown}'

    restarted = start_parley(fake_server, data)
    try:
        open_parley(page, restarted, f'/c/{conversation}')
        answer = answers(page).last
        wait_for_status(answer, 'interrupted')
        expect(answer).to_contain_text('Interrupted')
        expect(page.get_by_role('article', name=names.USER_MESSAGE)).to_have_text(PROMPT)
        answer.get_by_role('button', name=names.RETRY).click()
        wait_for_status(answer, 'complete', timeout=60_000)
        assert stored(restarted, conversation)[-1] == ('assistant', script_for(PROMPT).text, 'complete')
    finally:
        restarted.stop()
