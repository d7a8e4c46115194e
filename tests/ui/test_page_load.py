"""What a page loads before its first paint: the renderer's modules side by side, and markdown.css exactly once."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, Response, expect

from ui import names
from ui.not_found import NOT_FOUND

from .conftest import ParleyApp
from .helpers import CONTRAST, DARK, answers, in_a_dark_chat, open_parley, send, wait_for_status

pytestmark = pytest.mark.browser


def test_renderer_modules_are_preloaded_and_markdown_css_linked_once(page: Page, parley: ParleyApp) -> None:
    statuses: dict[str, int] = {}

    def record(response: Response) -> None:
        statuses[response.url.removeprefix(parley.url)] = response.status

    page.on('response', record)
    open_parley(page, parley)
    preloads = page.eval_on_selector_all('link[rel=modulepreload]', 'links => links.map(l => l.getAttribute("href"))')
    files = {url.rsplit('/', 1)[-1] for url in preloads}
    # every module the renderer imports, down to the vendored libraries, is asked for up front...
    assert {'markdown_renderer.js', 'block_scanner.js', 'markdown_html.js', 'markdown-it.min.js',
            'highlight.min.js', 'purify.min.js'} <= files
    # ...from the URL the import map gives it, so it is the same request, not a second copy
    imports = page.evaluate('JSON.parse(document.querySelector("script[type=importmap]").textContent).imports')
    assert imports['markdown_renderer'] in preloads
    assert all(statuses.get(url) == 200 for url in preloads), {url: statuses.get(url) for url in preloads}

    send(page, 'Some markdown please [[tokens=60]]')
    wait_for_status(answers(page).last, 'complete')
    expect(answers(page).last.locator('.parley-markdown p').first).to_be_visible()
    sheets = page.eval_on_selector_all('link[rel=stylesheet]', 'links => links.map(l => l.getAttribute("href"))')
    assert len([href for href in sheets if href.endswith('/markdown.css')]) == 1, sheets


def test_an_unknown_address_says_so_in_parleys_look_and_leads_back(page: Page, parley: ParleyApp) -> None:
    with in_a_dark_chat(page, parley, 'A chat to come back to [[tokens=5]]') as chat:
        response = page.goto(parley.url + '/no/such/page')
        assert response is not None and response.status == 404
        expect(page.get_by_role('heading', name=NOT_FOUND)).to_be_visible()
        expect(page).to_have_title(f'{NOT_FOUND} · Parley')
        expect(page.locator('body')).to_have_class(DARK)  # in the reader's theme
        expect(page.get_by_text('HTTPException')).to_have_count(0)
        page.get_by_role('button', name=names.BACK_TO_CHAT).click()
        page.wait_for_url(f'**/c/{chat}')
        page.go_back()
        page.get_by_role('link', name=names.START_NEW_CHAT).click()
        page.wait_for_url(parley.url + '/')
        expect(page.get_by_role('textbox', name=names.MESSAGE)).to_be_visible()
    page.set_viewport_size({'width': 390, 'height': 800})  # light again, on a phone's width
    page.goto(parley.url + '/no/such/page')
    expect(page.get_by_text('Parley', exact=True)).to_be_visible()  # the page says whose it is
    assert page.get_by_role('link', name=names.START_NEW_CHAT).evaluate(CONTRAST) >= 4.5
    missing = page.request.get(parley.url + '/assets/no-such-file.js')  # a file, not a page: a plain answer
    assert missing.status == 404 and 'text/html' not in missing.headers.get('content-type', '')
