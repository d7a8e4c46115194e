"""Provider keys are the administrator's: no key reaches a browser, the log or the database in clear.

A whole session in Chromium (chat with every provider's model, the model menu, a reload, the provider-problems
menu, /settings) with distinctive fake keys; every HTTP response (headers and body) and every websocket frame,
both ways, is recorded and searched for each key and for its first 12 characters. One provider sits behind a
gateway that quotes the caller's key when it refuses to list models, as some gateways do, so the problems menu
has a key-bearing error to (not) show. Personal mode, and team mode as a user who is not an administrator.
"""

from __future__ import annotations

import contextlib
import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Response, WebSocket, expect

from tests.conftest import EXPECT_TIMEOUT_MS
from tests.fakes.server import FakeServer
from ui import names

from .accounts import sign_in, start_team_parley
from .conftest import ParleyApp, start_parley
from .helpers import answers, send, wait_for_status
from .http_proxy import HttpProxy, Reply, http_proxy

pytestmark = pytest.mark.browser

PASSWORD = 'correct horse battery staple'
USERS = [('root', PASSWORD, True)] + [(name, PASSWORD, False) for name in ('ann', 'bob', 'carol', 'dave')]
MODELS = ['openai/gpt-4o-mini', 'anthropic/claude-sonnet-5-5', 'google/gemini-2.5-flash', 'local/gpt-4o-mini']


@pytest.fixture(autouse=True)
def patient_expect() -> Iterator[None]:
    """Assertions wait up to 15 s, not 5: these tests start servers and browsers on a shared two-core machine,
    where a first page can take that long to boot (they wait on conditions, never sleep, so this costs nothing)."""
    expect.set_options(timeout=15_000)
    yield
    expect.set_options(timeout=EXPECT_TIMEOUT_MS)


def canary_keys() -> dict[str, str]:
    tail = secrets.token_hex(16)  # unique per run: nothing else on the wire can contain it by chance
    return {'OPENAI_API_KEY': f'sk-canary-openai-{tail}', 'ANTHROPIC_API_KEY': f'sk-ant-canary-{tail}',
            'GEMINI_API_KEY': f'AIza-canary-gemini-{tail}',
            'PARLEY_OPENAI_COMPATIBLE_API_KEY': f'sk-canary-local-{tail}'}


def quoting_gateway(method: str, path: str, headers: dict[str, str]) -> Reply | None:
    """Refuse to list models, quoting the key the caller sent; everything else goes to the fake provider."""
    if method == 'GET' and path.split('?', 1)[0].rstrip('/').endswith('/models'):
        key = headers.get('x-api-key') or headers.get('authorization', '').removeprefix('Bearer ')
        body = {'type': 'error', 'error': {'type': 'authentication_error', 'message': f'invalid x-api-key: {key}'}}
        return Reply(401, json.dumps(body).encode())
    return None


@dataclass
class KeyedParley:
    app: ParleyApp
    keys: dict[str, str]
    gateway: HttpProxy


def provider_env(fake_server: FakeServer, gateway: HttpProxy, keys: dict[str, str]) -> dict[str, str]:
    return {**keys, 'ANTHROPIC_BASE_URL': f'{gateway.url}/anthropic',
            'PARLEY_OPENAI_COMPATIBLE_BASE_URL': f'{fake_server.url}/openai/v1',
            'PARLEY_OPENAI_COMPATIBLE_NAME': 'local'}


@pytest.fixture(scope='module')
def personal(fake_server: FakeServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[KeyedParley]:
    keys = canary_keys()
    with http_proxy(fake_server.port, intercept=quoting_gateway) as gateway:
        app = start_parley(fake_server, tmp_path_factory.mktemp('keys-personal'),
                           env=provider_env(fake_server, gateway, keys))
        yield KeyedParley(app, keys, gateway)
        app.stop()


# One team server for this module and tests/ui/test_isolation.py (each module imports the fixture; the first
# to ask starts it): a server start is the slowest step of a browser test.
_team: list[KeyedParley] = []


@pytest.fixture(scope='session')
def team_server(fake_server: FakeServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[KeyedParley]:
    if _team:
        yield _team[0]
        return
    keys = canary_keys()
    with http_proxy(fake_server.port, intercept=quoting_gateway) as gateway:
        app = start_team_parley(fake_server, tmp_path_factory.mktemp('keys-team'), USERS,
                                env=provider_env(fake_server, gateway, keys))
        _team.append(KeyedParley(app, keys, gateway))
        yield _team[0]
        app.stop()


@dataclass
class Wire:
    """Everything the server sent to (and the page sent from) this browser context."""

    chunks: list[tuple[str, bytes]] = field(default_factory=list)

    def record_response(self, response: Response) -> None:
        headers = '\n'.join(f'{name}: {value}' for name, value in response.headers.items())
        self.chunks.append((f'headers of {response.url}', f'{response.url}\n{headers}'.encode()))
        with contextlib.suppress(Exception):  # redirects and aborted requests have no body
            self.chunks.append((f'body of {response.url}', response.body()))

    def record_websocket(self, socket: WebSocket) -> None:
        def frame(direction: str):
            return lambda payload: self.chunks.append((f'{direction} frame', payload if isinstance(payload, bytes)
                                                       else payload.encode()))
        socket.on('framereceived', frame('received'))
        socket.on('framesent', frame('sent'))

    def attach(self, context: BrowserContext) -> None:
        context.on('response', self.record_response)
        context.on('page', lambda page: page.on('websocket', self.record_websocket))

    def frames(self) -> int:
        return sum(name.endswith('frame') for name, _ in self.chunks)


def leaks(keys: dict[str, str], chunks: list[tuple[str, bytes]]) -> list[str]:
    """Where any key, or the first 12 characters of one, appears."""
    found = []
    for variable, key in keys.items():
        for needle in (key, key[:12]):
            found += [f'{variable} ({needle!r}) in {where}' for where, data in chunks if needle.encode() in data]
    return found


def whole_session(page: Page, url: str, wire: Wire) -> None:
    """Chat with every provider's model, open the model menu and the problems menu, reload, visit /settings."""
    picker = page.get_by_role('combobox', name=names.MODEL)
    for count, model in enumerate(MODELS, start=1):
        picker.click()
        page.get_by_role('option', name=model, exact=True).click()
        send(page, f'Hello {model} [[tokens=20]]')
        # This answer, not the one before it: `.last` is the previous answer until the server has taken the send,
        # and a reload before that loses the message (seen once in CI, on a loaded machine).
        expect(answers(page)).to_have_count(count)
        wait_for_status(answers(page).last, 'complete')
    problems = page.get_by_role('button', name=names.PROVIDER_PROBLEMS)
    expect(problems).to_be_visible()  # the gateway refused to list Anthropic's models
    problems.click()
    expect(page.locator('.parley-problem').first).to_contain_text('anthropic')
    page.keyboard.press('Escape')
    page.reload()
    expect(answers(page)).to_have_count(len(MODELS))
    page.goto(url + '/settings')
    expect(page.get_by_text(names.SETTINGS).first).to_be_visible()
    page.goto(url + '/')
    expect(page.get_by_role('textbox', name=names.MESSAGE)).to_be_visible()
    assert wire.frames() > 20, 'the websocket frames were recorded'


def files_in_clear(keys: dict[str, str], data_dir: Path) -> list[str]:
    """Every file Parley keeps (log, SQLite database and its WAL, NiceGUI's storage), read as raw bytes."""
    return leaks(keys, [(str(path), path.read_bytes()) for path in data_dir.rglob('*') if path.is_file()])


def test_no_key_reaches_the_browser_in_personal_mode(context: BrowserContext, personal: KeyedParley) -> None:
    wire = Wire()
    wire.attach(context)
    page = context.new_page()
    page.goto(personal.app.url + '/')
    whole_session(page, personal.app.url, wire)
    assert leaks(personal.keys, wire.chunks) == []
    assert files_in_clear(personal.keys, personal.app.data_dir) == []


def test_no_key_reaches_a_team_members_browser(context: BrowserContext, team_server: KeyedParley) -> None:
    wire = Wire()
    wire.attach(context)
    page = context.new_page()
    sign_in(page, team_server.app.url, 'carol', PASSWORD)  # not an administrator
    whole_session(page, team_server.app.url, wire)
    assert leaks(team_server.keys, wire.chunks) == []
    assert files_in_clear(team_server.keys, team_server.app.data_dir) == []


def test_the_problems_menu_sends_a_member_to_an_administrator_and_tells_one_what_to_check(
        browser: Browser, team_server: KeyedParley) -> None:
    url = team_server.app.url
    for name, told in (('dave', 'Check ANTHROPIC_API_KEY on the server (ask an administrator).'),
                       ('root', 'Check ANTHROPIC_API_KEY on the server.')):  # the keys are root's to mend
        context = browser.new_context()
        try:
            page = context.new_page()
            sign_in(page, url, name, PASSWORD)
            problems = page.get_by_role('button', name=names.PROVIDER_PROBLEMS)
            problems.click()  # the gateway refuses to list Anthropic's models
            problem = page.locator('.parley-problem').filter(has_text='anthropic')
            expect(problem).to_contain_text(told)
            if name == 'root':
                expect(problem).not_to_contain_text('administrator')
        finally:
            context.close()
