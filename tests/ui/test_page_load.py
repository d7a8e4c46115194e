"""What a page loads before its first paint: the renderer's modules side by side, and markdown.css exactly once."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, Response, expect

from .conftest import ParleyApp
from .helpers import answers, open_parley, send, wait_for_status

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
