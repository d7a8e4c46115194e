"""The page's HTML paints the sidebar before the app has loaded (ui/page_preview.py), and gives way to the app."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, Route, expect

from tests.fakes.server import FakeServer
from ui import names

from .conftest import ParleyApp, start_parley
from .helpers import DARK, answers, conversation_id, open_parley, send, wait_for_status

pytestmark = pytest.mark.browser

APP_SCRIPT = '**/static/nicegui.js'  # NiceGUI's client: without it the app cannot mount
HOSTILE_TITLE = '<img src=x onerror="window.__xss = 1"> Preview & me'


@contextmanager
def app_held_back(page: Page) -> Iterator[None]:
    """Hold NiceGUI's client script while the block runs (the page shows only what its HTML holds), then let it go."""
    held: list[Route] = []
    page.route(APP_SCRIPT, lambda route: held.append(route))
    try:
        yield
    finally:
        for route in held:
            route.continue_()
        page.unroute(APP_SCRIPT)


def test_the_sidebar_shows_before_the_app_and_gives_way_to_it(page: Page, parley: ParleyApp) -> None:
    open_parley(page, parley)
    send(page, f'[[echo]] {HOSTILE_TITLE}')
    wait_for_status(answers(page).last, 'complete')
    path = f'/c/{conversation_id(page)}'

    nav = page.get_by_role('navigation', name=names.CONVERSATIONS)
    entry = nav.get_by_role('link', name=HOSTILE_TITLE)
    with app_held_back(page):
        page.goto(f'{parley.url}{path}', wait_until='commit')
        expect(entry).to_be_visible()
        assert entry.get_attribute('aria-current') == 'page'  # the open conversation is marked, as in the app
        assert entry.get_attribute('href') == path  # a plain link: it opens the conversation even now
        expect(nav.get_by_text('Today')).to_be_visible()
        expect(page.get_by_role('link', name=names.NEW_CHAT)).to_be_visible()
        expect(page.get_by_role('textbox', name=names.MESSAGE)).to_have_count(0)  # nothing pretends to work
        assert page.evaluate('window.__xss') is None  # the title is text, not markup

    expect(page.get_by_role('textbox', name=names.MESSAGE)).to_be_visible()
    expect(page.locator('#parley-preview')).to_have_count(0)
    expect(page.get_by_role('navigation', name=names.CONVERSATIONS)).to_have_count(1)
    expect(entry).to_be_visible()
    expect(entry.locator('..').get_by_role('button', name=names.CONVERSATION_MENU)).to_be_visible()  # the app's
    assert page.evaluate('window.__xss') is None

    html = httpx.get(f'{parley.url}{path}').text
    start = html.index('id="parley-preview"')
    listed = html[start:html.index('</nav>', start)]  # the preview's list of conversations, where the title is
    assert '&lt;img src=x onerror=&#34;window.__xss = 1&#34;&gt; Preview &amp; me' in listed
    assert '<img' not in listed and '<script' not in listed


def test_a_dark_page_is_dark_from_its_first_paint(page: Page, parley: ParleyApp) -> None:
    open_parley(page, parley)
    switch = page.get_by_role('switch', name=names.DARK_MODE)
    switch.click()  # app-wide in personal mode: switched back below
    page.wait_for_function('document.body.classList.contains("body--dark")')
    try:
        with app_held_back(page):
            page.goto(parley.url, wait_until='commit')
            preview = page.locator('#parley-preview')
            expect(preview).to_be_visible()
            # the page's own background, not white until the app mounts
            assert preview.evaluate('e => getComputedStyle(e).backgroundColor') == 'rgb(23, 24, 28)'
        expect(switch).to_be_visible()
        expect(page.locator('body.body--dark')).to_have_count(1)
    finally:
        switch.click()
        page.wait_for_function('!document.body.classList.contains("body--dark")')


def test_until_the_person_chooses_the_page_is_light_or_dark_as_their_system_is(browser: Browser,
                                                                                fake_server: FakeServer,
                                                                                tmp_path: Path) -> None:
    app = start_parley(fake_server, tmp_path)  # nobody has chosen light or dark here yet
    context = browser.new_context(viewport={'width': 1200, 'height': 800}, color_scheme='dark')
    try:
        page = context.new_page()
        with app_held_back(page):
            page.goto(app.url, wait_until='commit')
            preview = page.locator('#parley-preview')
            expect(preview).to_be_visible()
            assert preview.evaluate('e => getComputedStyle(e).backgroundColor') == 'rgb(23, 24, 28)'  # dark at once
        body, switch = page.locator('body'), page.get_by_role('switch', name=names.DARK_MODE)
        expect(body).to_have_class(DARK)
        expect(switch).to_be_checked()  # the switch says so
        page.emulate_media(color_scheme='light')  # the system's setting changes: the page and the switch follow
        expect(body).not_to_have_class(DARK)
        expect(switch).not_to_be_checked()
        page.emulate_media(color_scheme='dark')
        expect(switch).to_be_checked()
        switch.click()  # a choice: light from now on, whatever the system
        expect(body).not_to_have_class(DARK)
        page.wait_for_timeout(300)  # the stored choice (nothing on the page shows it)
        page.reload()
        expect(switch).to_be_visible()
        expect(switch).not_to_be_checked()
        expect(body).not_to_have_class(DARK)
        # Back to following the system: choosing what it has (dark, now) is the switch's way there.
        switch.click()
        expect(body).to_have_class(DARK)
        page.emulate_media(color_scheme='light')  # followed at once, by the page and its switch
        expect(body).not_to_have_class(DARK)
        expect(switch).not_to_be_checked()
        page.emulate_media(color_scheme='dark')
        page.reload()  # and remembered
        expect(switch).to_be_checked()
        page.emulate_media(color_scheme='light')
        expect(body).not_to_have_class(DARK)
        expect(switch).not_to_be_checked()
    finally:
        context.close()
        app.stop()
