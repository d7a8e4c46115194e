"""A browser that loses its connection for 10 s mid-answer comes back with the whole answer, nothing lost or doubled."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

from tests.fakes.script import script_for

from .conftest import ParleyApp
from .helpers import answers, conversation_id, open_parley, send, stored, wait_for_status, wait_until
from .tcp_proxy import cuttable_proxy

pytestmark = pytest.mark.browser


def connected(page: Page) -> bool:
    try:
        return page.evaluate('!!(window.socket && window.socket.connected)')
    except PlaywrightError:  # the page is reloading: NiceGUI reloads when its server-side client expired
        return False


def test_ten_second_drop_mid_answer(page: Page, parley: ParleyApp) -> None:
    prompt = 'Keep going [[tokens=1200]] [[delay=10]]'
    with cuttable_proxy(int(parley.url.rsplit(':', 1)[1])) as proxy:
        via_proxy = ParleyApp(f'http://127.0.0.1:{proxy.port}', parley.data_dir, parley.process, parley.log)
        open_parley(page, via_proxy)
        send(page, prompt)
        answer = answers(page).last
        wait_until(lambda: len(answer.inner_text()) > 500, message='some of the answer')
        conversation = conversation_id(page)
        proxy.cut()
        wait_until(lambda: page.evaluate('window.socket.connected') is False, message='the page to lose its socket')
        time.sleep(10)
        proxy.heal()
        wait_until(lambda: connected(page), timeout=30, message='the page to reconnect')
        answer = answers(page).last
        wait_for_status(answer, 'complete', timeout=60_000)
        wait_until(lambda: answers(page).last.get_attribute('data-status') == 'complete', timeout=30)
        shown = answers(page).last.inner_text()
        assert stored(parley, conversation)[-1] == ('assistant', script_for(prompt).text, 'complete')
        page.goto(f'{via_proxy.url}/c/{conversation}')
        wait_for_status(answers(page).last, 'complete')
        assert answers(page).last.inner_text() == shown, 'the reconnected page must match a fresh render'
