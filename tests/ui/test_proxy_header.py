"""Single sign-on through a trusted reverse proxy (PARLEY_AUTH=proxy), checked with plain HTTP against a running app:
the user header is believed from PARLEY_TRUSTED_PROXIES and ignored from anywhere else."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import update

from storage import create_db_engine, default_database_url
from storage.accounts import AccountStore
from storage.models import User
from tests.conftest import PAGE_TIMEOUT_MS
from tests.fakes.server import FakeServer
from ui import names

from .accounts import start_team_parley
from .conftest import ParleyApp
from .helpers import answers, open_parley, send, wait_for_status

HEADER = 'X-Auth-Request-User'  # oauth2-proxy's auth_request header; the default is X-Forwarded-User
ADMIN = ('root', 'root password', True)
# Linux routes all of 127.0.0.0/8 to this machine: a client bound to 127.0.0.2 reaches the app from an address that
# is not the trusted proxy's, with everything else (app, header, user) the same.
UNTRUSTED_SOURCE = '127.0.0.2'
SESSION_COOKIE = 'session'  # NiceGUI's (Starlette's) session cookie


@pytest.fixture(scope='module')
def app(fake_server: FakeServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ParleyApp]:
    started = start_team_parley(fake_server, tmp_path_factory.mktemp('proxy'), [ADMIN], env={
        'PARLEY_AUTH': 'proxy', 'PARLEY_TRUSTED_PROXIES': '127.0.0.1', 'PARLEY_PROXY_USER_HEADER': HEADER})
    yield started
    started.stop()


def untrusted_client(app: ParleyApp) -> httpx.Client:
    return httpx.Client(base_url=app.url, transport=httpx.HTTPTransport(local_address=UNTRUSTED_SOURCE))


def stored_user(app: ParleyApp, name: str) -> User | None:
    database = create_db_engine(default_database_url(Path(app.data_dir)))
    try:
        return AccountStore(database).by_name(name)
    finally:
        database.dispose()


def test_a_trusted_proxy_signs_in_a_new_user_who_is_not_admin(app: ParleyApp) -> None:
    with httpx.Client(base_url=app.url) as client:
        page = client.get('/', headers={HEADER: 'zoe@example.com'})
        assert page.status_code == 200 and '<title>Parley</title>' in page.text
        # Signing out is the proxy's job (PARLEY_PROXY_SIGN_OUT_URL is not set here): no Sign out that cannot work.
        assert 'zoe@example.com' in page.text and names.SIGN_OUT not in page.text
        user = stored_user(app, 'zoe@example.com')
        assert user is not None and not user.is_admin and user.password_hash is None
        assert client.get('/').status_code == 200  # the session remembers her without the header
        assert client.get('/admin', headers={HEADER: 'zoe@example.com'}).status_code == 403


def test_the_proxy_header_names_an_existing_admin(app: ParleyApp) -> None:
    with httpx.Client(base_url=app.url) as client:
        admin = client.get('/admin', headers={HEADER: 'root'})
        assert admin.status_code == 200 and '<title>Admin · Parley</title>' in admin.text


def test_only_the_configured_header_counts(app: ParleyApp) -> None:
    response = httpx.get(app.url + '/', headers={'X-Forwarded-User': 'root'})
    assert response.status_code == 303 and urlsplit(response.headers['location']).path == '/login'


def test_a_disabled_proxy_user_is_refused(app: ParleyApp) -> None:
    assert httpx.get(app.url + '/', headers={HEADER: 'yves'}).status_code == 200
    database = create_db_engine(default_database_url(Path(app.data_dir)))
    with database.begin() as connection:
        connection.execute(update(User).where(User.name == 'yves').values(disabled=True))
    database.dispose()
    refused = httpx.get(app.url + '/', headers={HEADER: 'yves'})
    assert refused.status_code == 403 and 'This account is disabled' in refused.text


def test_the_header_from_an_untrusted_address_is_ignored(app: ParleyApp) -> None:
    with untrusted_client(app) as client:
        for path in ('/', '/admin'):
            response = client.get(path, headers={HEADER: 'root'})
            assert response.status_code == 303 and urlsplit(response.headers['location']).path == '/login'
        client.get('/', headers={HEADER: 'intruder'})
        assert client.get('/healthz').status_code == 200  # health checks need no one
    assert stored_user(app, 'intruder') is None


def test_a_session_id_from_before_the_proxy_sign_in_is_not_signed_in(app: ParleyApp) -> None:
    """Session fixation: a session id the browser held before the proxy named its user (one an attacker planted or
    read, say) must not become that user's session; the sign-in gives the browser a new one."""
    with httpx.Client(base_url=app.url) as client:
        assert client.get('/login').status_code == 200  # an anonymous visit starts a session
        planted = client.cookies.get(SESSION_COOKIE)
        assert planted
        assert client.get('/', headers={HEADER: 'root'}).status_code == 200
        fresh = client.cookies.get(SESSION_COOKIE)
        assert fresh and fresh != planted
        assert client.get('/admin').status_code == 200  # the new session is root's, without the header
    with httpx.Client(base_url=app.url, cookies={SESSION_COOKIE: planted}) as attacker:
        response = attacker.get('/admin')
        assert response.status_code == 303 and urlsplit(response.headers['location']).path == '/login'


def test_another_user_at_the_proxy_gets_a_session_of_their_own(app: ParleyApp) -> None:
    """The proxy names someone else in the same browser (a shared machine): the first user's session id does not
    become theirs, so a copy of it cannot act as the second user."""
    with httpx.Client(base_url=app.url) as client:
        assert client.get('/', headers={HEADER: 'root'}).status_code == 200
        roots = client.cookies.get(SESSION_COOKIE)
        assert client.get('/', headers={HEADER: 'xena'}).status_code == 200
        assert client.cookies.get(SESSION_COOKIE) != roots
        assert client.get('/admin').status_code == 403  # the browser's session is now xena's, who is no admin
    with httpx.Client(base_url=app.url, cookies={SESSION_COOKIE: roots}) as copy:
        response = copy.get('/admin')
        assert response.status_code == 303 and urlsplit(response.headers['location']).path == '/login'


@pytest.mark.browser
def test_a_browser_the_proxy_signs_in_chats_and_keeps_its_chat(app: ParleyApp, browser: Browser) -> None:
    """The whole page through the proxy: the sign-in's new session id reaches the page's socket, so the answer streams
    in, and after a reload the conversation is there."""
    context = browser.new_context(viewport={'width': 1200, 'height': 800}, extra_http_headers={HEADER: 'wes'})
    prompt = 'Hello through the proxy [[tokens=40]]'
    try:
        page = context.new_page()
        page.set_default_timeout(PAGE_TIMEOUT_MS)
        open_parley(page, app)
        send(page, prompt)
        wait_for_status(answers(page).last, 'complete')
        assert SESSION_COOKIE in {cookie['name'] for cookie in context.cookies()}
        page.reload()
        expect(page.get_by_role('article', name=names.USER_MESSAGE)).to_have_text(prompt)
        expect(answers(page)).to_have_count(1)
        wait_for_status(answers(page).last, 'complete')
    finally:
        context.close()
