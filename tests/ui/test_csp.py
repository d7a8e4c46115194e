"""Parley works under its Content-Security-Policy, and the policy stops script that did not come from the app."""

from __future__ import annotations

import base64
import re

import httpx
import pytest
from playwright.sync_api import Page, Route, expect

from ui import names

from .conftest import ParleyApp
from .helpers import answers, conversation_id, open_parley, send, wait_for_status

pytestmark = pytest.mark.browser

# Every securitypolicyviolation on the page, from before the first script runs.
COLLECT_VIOLATIONS = '''
window.__violations = [];
document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(
  {directive: e.violatedDirective, blocked: e.blockedURI, sample: e.sample, source: e.sourceFile}));
'''
QUIET_MS = 500  # the window a late violation or load gets to show itself (not networkidle: socket.io may long-poll)
IMAGE_HOST = 'https://images.parley-csp.test'
PIXEL = base64.b64decode('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=')
NONCE = re.compile(r"'nonce-([A-Za-z0-9_+/=-]+)'")
HOSTILE = '[[echo]] <script>window.__xss = 1</script></script><script>window.__xss = 2</script> `<script>` $1 ${x}'


def watch_csp(page: Page) -> list[str]:
    """Collect violations (via the init script) and console errors that mention the policy."""
    errors: list[str] = []
    page.add_init_script(COLLECT_VIOLATIONS)
    page.on('console', lambda message: message.type == 'error' and 'Content Security Policy' in message.text
            and errors.append(message.text))
    page.on('pageerror', lambda error: errors.append(str(error)))
    return errors


def nonce_of(response: httpx.Response) -> str:
    match = NONCE.search(response.headers['content-security-policy'])
    assert match, response.headers['content-security-policy']
    return match.group(1)


def script_tags(html: str) -> list[str]:
    return re.findall(r'<script\b[^>]*>', html, re.IGNORECASE)


def test_parley_works_under_the_policy(page: Page, parley: ParleyApp) -> None:
    errors = watch_csp(page)
    open_parley(page, parley)
    send(page, 'Hello under the policy')
    answer = answers(page).last
    wait_for_status(answer, 'complete')
    expect(answer).to_contain_text('Hello under the policy')

    dark = page.get_by_role('switch', name=names.DARK_MODE)
    for _ in range(2):  # on and off again: the setting is shared by the whole session's app
        was_dark = page.evaluate('document.body.classList.contains("body--dark")')
        dark.click()
        page.wait_for_function(f'document.body.classList.contains("body--dark") === {str(not was_dark).lower()}')

    page.get_by_role('combobox', name=names.MODEL).click()
    expect(page.get_by_role('option').first).to_be_visible()
    page.keyboard.press('Escape')

    page.wait_for_timeout(QUIET_MS)
    assert page.evaluate('window.__violations') == []
    assert errors == []


def test_load_image_works_under_the_policy(page: Page, parley: ParleyApp) -> None:
    errors = watch_csp(page)
    fetched: list[str] = []

    def serve_pixel(route: Route) -> None:
        fetched.append(route.request.url)
        route.fulfill(status=200, content_type='image/png', body=PIXEL)

    page.route(f'{IMAGE_HOST}/**', serve_pixel)
    open_parley(page, parley)
    send(page, f'[[echo]] Look: ![a remote pixel]({IMAGE_HOST}/pixel.png)')
    answer = answers(page).last
    wait_for_status(answer, 'complete')
    button = answer.get_by_role('button', name='Load image from images.parley-csp.test')
    expect(button).to_be_visible()
    page.wait_for_timeout(QUIET_MS)
    assert fetched == []  # nothing loads before the reader asks

    button.click()
    image = answer.get_by_role('img', name='a remote pixel')
    expect(image).to_be_visible()
    image.evaluate('img => img.decode()')
    assert image.evaluate('img => img.naturalWidth') == 1
    assert fetched == [f'{IMAGE_HOST}/pixel.png']
    assert page.evaluate('window.__violations') == []
    assert errors == []


def test_every_page_has_the_policy_with_a_fresh_nonce(page: Page, parley: ParleyApp) -> None:
    open_parley(page, parley)
    send(page, HOSTILE)  # a conversation whose stored text is full of script tags
    wait_for_status(answers(page).last, 'complete')
    path = f'/c/{conversation_id(page)}'

    with httpx.Client(base_url=parley.url) as client:
        first, second, chat = client.get('/'), client.get('/'), client.get(path)
        asset = client.get('/assets/parley.css')
    assert first.status_code == second.status_code == chat.status_code == 200
    nonces = {nonce_of(first), nonce_of(second), nonce_of(chat)}
    assert len(nonces) == 3, 'each response gets its own nonce'
    assert all(len(nonce) >= 22 for nonce in nonces)  # at least 128 bits

    policy = chat.headers['content-security-policy']
    for directive in ("default-src 'self'", "'unsafe-eval'", "object-src 'none'", "frame-ancestors 'none'",
                      "base-uri 'self'", "form-action 'self'", "img-src 'self' data: https:",
                      f"connect-src 'self' ws://{parley.url.removeprefix('http://')}"):
        assert directive in policy
    assert "'unsafe-inline'" not in policy.split('script-src', 1)[1].split(';', 1)[0]

    for response in (first, chat):
        tags = script_tags(response.text)
        nonce = nonce_of(response)
        assert tags and all(f'nonce="{nonce}"' in tag for tag in tags)
    # The hostile text is in the page (escaped, inside the boot script) but adds no script tag of its own. Its `$`
    # signs may hold formulas, so the chat page also has Parley's own math_early.js (ui/theme.py, math_preloads).
    assert 'window.__xss' in chat.text
    assert len([tag for tag in script_tags(chat.text) if '/assets/math_early.js"' not in tag]) == len(
        script_tags(first.text))

    for response in (first, chat, asset):
        assert response.headers['x-content-type-options'] == 'nosniff'
        assert response.headers['referrer-policy'] == 'no-referrer'
    assert 'content-security-policy' not in asset.headers  # a stylesheet needs no policy; pages do


def test_script_injected_after_load_does_not_run(page: Page, parley: ParleyApp) -> None:
    watch_csp(page)
    open_parley(page, parley)
    page.evaluate('''() => {
      const script = document.createElement('script');
      script.textContent = 'window.__injected = "inline"';
      document.body.append(script);
      const div = document.createElement('div');
      div.innerHTML = '<img src="data:image/png;base64,x" onerror="window.__injected = \\'handler\\'">';
      document.body.append(div);
    }''')
    page.wait_for_function('window.__violations.length >= 2')
    assert page.evaluate('window.__injected') is None
    directives = {violation['directive'] for violation in page.evaluate('window.__violations')}
    assert directives <= {'script-src-elem', 'script-src-attr', 'script-src'}
