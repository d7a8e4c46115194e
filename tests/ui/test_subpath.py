"""Parley behind a reverse proxy under a sub-path: every URL the browser uses stays under /parley/.

Two set-ups, as the README describes: PARLEY_ROOT_PATH=/parley behind a proxy that strips the prefix, and a proxy
that strips it and says so in X-Forwarded-Prefix (Parley without PARLEY_ROOT_PATH).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.fakes.server import FakeServer
from ui import names

from .conftest import ParleyApp, start_parley
from .helpers import answers, send, wait_for_status, watch_growth
from .http_proxy import HttpProxy, http_proxy
from .test_key_scan import patient_expect  # noqa: F401 (assertions that allow for a loaded machine)

pytestmark = pytest.mark.browser

PREFIX = '/parley'


@pytest.fixture(scope='module')
def rooted_parley(fake_server: FakeServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ParleyApp]:
    app = start_parley(fake_server, tmp_path_factory.mktemp('subpath'), env={'PARLEY_ROOT_PATH': PREFIX})
    yield app
    app.stop()


def failures(page: Page) -> list[str]:
    """Every response of the page that failed, and every request that never got one."""
    seen: list[str] = []
    page.on('response', lambda response: response.status >= 400 and seen.append(f'{response.status} {response.url}'))
    page.on('requestfailed', lambda request: seen.append(f'failed {request.url}'))
    return seen


def chat_under_prefix(page: Page, proxy: HttpProxy) -> None:
    """Load, chat, follow links and redirects through the proxy; everything must stay under the prefix."""
    broken = failures(page)
    page.goto(proxy.url + '/')
    box = page.get_by_role('textbox', name=names.MESSAGE)
    expect(box).to_be_visible()
    send(page, 'Hello from behind the proxy [[tokens=200]] [[delay=5]]')
    lengths = watch_growth(answers(page).last)
    assert len(lengths) > 3, f'the answer should stream in, not arrive at once: {lengths}'
    page.wait_for_url(f'**{PREFIX}/c/*')
    conversation = page.url.rsplit('/c/', 1)[1]

    entry = page.get_by_role('navigation', name=names.CONVERSATIONS).get_by_role('link').first
    expect(entry).to_have_attribute('href', f'{PREFIX}/c/{conversation}')
    page.get_by_role('button', name=names.NEW_CHAT).click()
    page.wait_for_url(proxy.url + '/')
    entry.click()
    page.wait_for_url(f'{proxy.url}/c/{conversation}')
    wait_for_status(answers(page).last, 'complete')

    page.goto(f'{proxy.url}/c/{"0" * 32}')  # a missing conversation redirects to a new chat under the prefix
    page.wait_for_url(proxy.url + '/')
    expect(box).to_be_visible()
    assert broken == []
    escaped = [path for path in proxy.paths if not path.startswith(PREFIX + '/')]
    assert escaped == [], f'requests outside {PREFIX}/: {escaped}'
    assert any('/_nicegui_ws/' in path for path in proxy.paths), 'the websocket went through the proxy too'
    assert any(path.startswith(f'{PREFIX}/assets/') for path in proxy.paths)


def test_root_path_behind_a_stripping_proxy(page: Page, rooted_parley: ParleyApp) -> None:
    with http_proxy(int(rooted_parley.url.rsplit(':', 1)[1]), prefix=PREFIX) as proxy:
        chat_under_prefix(page, proxy)


def test_forwarded_prefix_header(page: Page, parley: ParleyApp) -> None:
    with http_proxy(int(parley.url.rsplit(':', 1)[1]), prefix=PREFIX, forwarded_prefix=True) as proxy:
        chat_under_prefix(page, proxy)


def test_settings_normalise_the_root_path(tmp_path: Path) -> None:
    from engine.settings import Settings

    for given, meant in [('parley', '/parley'), ('/parley/', '/parley'), ('/', ''), ('', ''), ('/a/b/', '/a/b')]:
        assert Settings(root_path=given, data_dir=tmp_path).root_path == meant
