"""What browser tests do as a person would: open Parley, type, send, read answers; and what got stored."""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from tests.conftest import PAGE_TIMEOUT_MS
from ui import names

from .conftest import ParleyApp

# Keeps NiceGUI's "handshake done" flag down after the socket has connected, until the test lets it go: the page
# then holds its events back exactly as a page still connecting does.
HOLD_HANDSHAKE = """
(() => {
  let done = false, held = true;
  Object.defineProperty(window, 'did_handshake', {
    configurable: true, get: () => done && !held, set: (value) => { done = value; } });
  window.parleyTestConnected = () => done;
  window.parleyTestRelease = () => { held = false; };
})();
"""


DARK = re.compile(r'\bbody--dark\b')  # the class Quasar gives <body> in dark mode
# The WCAG contrast ratio of an element's text against the first opaque background behind it (AA: at least 4.5).
CONTRAST = '''e => {
  const rgb = (c) => c.match(/[\\d.]+/g).map(Number);
  const lum = (c) => { const [r, g, b] = rgb(c).slice(0, 3).map((v) => { v /= 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  let back = e;
  while (back && rgb(getComputedStyle(back).backgroundColor)[3] === 0) back = back.parentElement;
  const [a, b] = [lum(getComputedStyle(e).color), lum(getComputedStyle(back || document.body).backgroundColor)];
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}'''

# An Enter key pressed in `el`, for `as_the_handshake_ends`.
PRESS_ENTER = 'el.dispatchEvent(new KeyboardEvent("keydown", {key: "Enter", bubbles: true, cancelable: true}))'


def hold_handshake(page: Page) -> None:
    """From the next page load on, the page's events wait as if its socket were still connecting."""
    page.add_init_script(HOLD_HANDSHAKE)


def as_the_handshake_ends(page: Page, target: Locator, action: str) -> None:
    """End the held handshake and run `action` on `target` (`el`) in the same task: the action's event goes out at
    once, before the events held until then (each waits on its own 10 ms timer)."""
    page.wait_for_function('window.parleyTestConnected()')
    target.evaluate(f'(el) => {{ window.parleyTestRelease(); {action}; }}')


PHONE = {'width': 390, 'height': 800}


def phone_context(browser: Browser, viewport: dict[str, int] = PHONE) -> BrowserContext:
    """A browser context as a phone (or, given a wider viewport, a tablet): a touch screen, no mouse to hover."""
    return browser.new_context(viewport=viewport, is_mobile=True, has_touch=True)


def new_window(page: Page) -> Page:
    """Another window of `page`'s browser (the same person, signed in alike), beside it as two windows on a desk.
    Not `context.new_page()`: that is a tab behind the last one, and headless Chromium draws a tab that is not in
    front two frames a second once it changes, so every click there waits a second or two for it to hold still."""
    size = page.viewport_size or {'width': 1200, 'height': 800}
    with page.context.expect_page() as opened:  # noopener: the new window starts its own sessionStorage, as a tab's
        page.evaluate('([w, h]) => window.open("about:blank", "_blank", `popup,noopener,width=${w},height=${h}`)',
                      [size['width'], size['height']])
    window = opened.value
    window.set_default_timeout(PAGE_TIMEOUT_MS)
    return window


def open_parley(page: Page, app: ParleyApp, path: str = '/') -> None:
    page.goto(app.url + path)
    expect(page.get_by_role('textbox', name=names.MESSAGE)).to_be_visible()


def send(page: Page, text: str) -> None:
    """Send as a person does, and wait until Parley has taken the message: the box empties only then, once the
    message and its answer are on the page, so `answers(page).last` after it is this message's answer."""
    box = page.get_by_role('textbox', name=names.MESSAGE)
    box.fill(text)
    box.press('Enter')
    expect(box).to_have_value('', timeout=10_000)


def answers(page: Page) -> Locator:
    return page.get_by_role('article', name=names.ASSISTANT_MESSAGE)


def wait_for_status(answer: Locator, status: str, timeout: float = 20_000) -> None:
    expect(answer).to_have_attribute('data-status', status, timeout=timeout)


def watch_growth(answer: Locator, *, until: str = 'complete', timeout: float = 30.0) -> list[int]:
    """Sample the visible length of the answer's text until it reaches `until`; returns the distinct lengths seen.

    The text is the answer's own markdown, not the whole article: its "Thinking…" line goes as the first words come,
    which a sample taken between the two would see as the answer shrinking."""
    seen: list[int] = []
    body = answer.locator(':scope > .parley-markdown')
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = answer.get_attribute('data-status')
        length = len(body.inner_text())
        if not seen or seen[-1] != length:
            seen.append(length)
        if status == until:
            return seen
        time.sleep(0.03)
    raise AssertionError(f'answer did not reach {until!r}; lengths seen: {seen[-5:]}')


def conversation_id(page: Page) -> str:
    page.wait_for_url('**/c/*')
    return page.url.rsplit('/c/', 1)[1]


def stored(app: ParleyApp, conversation: str) -> list[tuple[str, str, str]]:
    """(role, content, status) of every stored message of a conversation, in order."""
    with sqlite3.connect(Path(app.data_dir) / 'parley.db') as db:
        return db.execute('select role, content, status from message where conversation_id = ? order by seq',
                          (conversation,)).fetchall()


def wait_until(predicate, timeout: float = 10.0, message: str = 'condition') -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f'timed out waiting for {message}')


@contextmanager
def in_a_dark_chat(page: Page, app: ParleyApp, text: str) -> Iterator[str]:
    """A new chat with one answered message, switched to dark mode; yields its id. Afterwards the chat page is
    light again, as the shared test servers expect."""
    open_parley(page, app)
    send(page, text)  # a new chat: its address comes with its first message
    wait_for_status(answers(page).last, 'complete')
    chat = conversation_id(page)
    page.get_by_role('switch', name=names.DARK_MODE).click()
    expect(page.locator('body')).to_have_class(DARK)
    page.wait_for_timeout(300)  # the stored choice (nothing on the page shows it)
    try:
        yield chat
    finally:
        open_parley(page, app)
        page.get_by_role('switch', name=names.DARK_MODE).click()
        expect(page.locator('body')).not_to_have_class(DARK)
        page.wait_for_timeout(300)

