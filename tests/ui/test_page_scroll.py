"""Auto-scroll in the real page: it follows at the bottom, never fights a reader who scrolled up."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Page, expect

from ui import names

from .conftest import ParleyApp
from .helpers import answers, open_parley, send, wait_for_status, wait_until

pytestmark = pytest.mark.browser

GAP = 'document.scrollingElement.scrollHeight - document.scrollingElement.scrollTop - window.innerHeight'


def test_reader_who_scrolls_up_is_left_alone(page: Page, parley: ParleyApp) -> None:
    open_parley(page, parley)
    send(page, 'A very long answer [[tokens=1500]] [[delay=6]]')
    answer = answers(page).last
    wait_until(lambda: page.evaluate('document.scrollingElement.scrollHeight') > 3 * page.viewport_size['height'],
               message='the answer to grow past three screens')
    assert page.evaluate(GAP) <= 2, 'while at the bottom the view follows the stream'

    page.mouse.move(600, 400)
    page.mouse.wheel(0, -600)
    wait_until(lambda: page.evaluate(GAP) > 300, message='the wheel to move the view up')
    jump = page.get_by_role('button', name=names.JUMP_TO_LATEST)
    expect(jump).to_be_visible()
    expect(page.get_by_role('navigation', name=names.CONVERSATIONS)).to_be_in_viewport()  # the sidebar is open
    button, column = jump.bounding_box(), answer.bounding_box()
    box = page.get_by_role('textbox', name=names.MESSAGE).bounding_box()
    assert button and column and box
    assert abs(button['x'] + button['width'] / 2 - (column['x'] + column['width'] / 2)) <= 2, (button, column)
    assert button['y'] + button['height'] <= box['y'], 'the button sits above the message box, not on it'
    top = page.evaluate('document.scrollingElement.scrollTop')
    length = len(answer.inner_text())
    deadline = time.monotonic() + 1.5
    while time.monotonic() < deadline:
        assert abs(page.evaluate('document.scrollingElement.scrollTop') - top) <= 2, 'the view moved under the reader'
        time.sleep(0.05)
    assert len(answer.inner_text()) > length, 'tokens kept arriving while the reader was scrolled up'

    jump.click()
    wait_until(lambda: page.evaluate(GAP) <= 2, message='Jump to latest to reach the bottom')
    expect(jump).to_be_hidden()
    height = page.evaluate('document.scrollingElement.scrollHeight')
    wait_until(lambda: page.evaluate('document.scrollingElement.scrollHeight') > height + 200, message='more text')
    assert page.evaluate(GAP) <= 2, 'after Jump to latest the view follows again'
    page.get_by_role('button', name=names.STOP).click()
    wait_for_status(answer, 'stopped')
