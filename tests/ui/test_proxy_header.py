"""Single sign-on through a trusted reverse proxy (PARLEY_AUTH=proxy), checked with plain HTTP against running apps:
the user header is believed from PARLEY_TRUSTED_PROXIES and ignored from anywhere else."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import update

from storage import create_db_engine, default_database_url
from storage.accounts import AccountStore
from storage.models import User
from tests.fakes.server import FakeServer

from .accounts import create_users
from .conftest import ParleyApp, start_parley

HEADER = 'X-Auth-Request-User'  # oauth2-proxy's auth_request header; the default is X-Forwarded-User
ADMIN = ('root', 'root password', True)


def proxy_env(trusted: str) -> dict[str, str]:
    return {'PARLEY_AUTH': 'proxy', 'PARLEY_TRUSTED_PROXIES': trusted, 'PARLEY_PROXY_USER_HEADER': HEADER,
            'PARLEY_SESSION_SECRET': secrets.token_urlsafe(32)}


@pytest.fixture(scope='module')
def apps(fake_server: FakeServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, ParleyApp]]:
    """Two Parleys started side by side: one trusts this machine as its proxy, the other trusts only 10.99/16."""
    settings = {'trusted': '127.0.0.1, ::1', 'untrusted': '10.99.0.0/16'}
    data_dirs = {name: tmp_path_factory.mktemp(name) for name in settings}
    for data_dir in data_dirs.values():
        create_users(data_dir, [ADMIN])  # one at a time: Alembic's migration context is process-global
    with ThreadPoolExecutor(2) as pool:
        futures = {name: pool.submit(start_parley, fake_server, data_dirs[name], env=proxy_env(trusted))
                   for name, trusted in settings.items()}
        started = {name: future.result() for name, future in futures.items()}
    yield started
    for app in started.values():
        app.stop()


def stored_user(app: ParleyApp, name: str) -> User | None:
    database = create_db_engine(default_database_url(Path(app.data_dir)))
    try:
        return AccountStore(database).by_name(name)
    finally:
        database.dispose()


def test_a_trusted_proxy_signs_in_a_new_user_who_is_not_admin(apps: dict[str, ParleyApp]) -> None:
    app = apps['trusted']
    with httpx.Client(base_url=app.url) as client:
        page = client.get('/', headers={HEADER: 'zoe@example.com'})
        assert page.status_code == 200 and '<title>Parley</title>' in page.text
        user = stored_user(app, 'zoe@example.com')
        assert user is not None and not user.is_admin and user.password_hash is None
        assert client.get('/').status_code == 200  # the session remembers her without the header
        assert client.get('/admin', headers={HEADER: 'zoe@example.com'}).status_code == 403


def test_the_proxy_header_names_an_existing_admin(apps: dict[str, ParleyApp]) -> None:
    with httpx.Client(base_url=apps['trusted'].url) as client:
        admin = client.get('/admin', headers={HEADER: 'root'})
        assert admin.status_code == 200 and '<title>Admin · Parley</title>' in admin.text


def test_only_the_configured_header_counts(apps: dict[str, ParleyApp]) -> None:
    response = httpx.get(apps['trusted'].url + '/', headers={'X-Forwarded-User': 'root'})
    assert response.status_code == 303 and response.headers['location'].endswith('/login')


def test_a_disabled_proxy_user_is_refused(apps: dict[str, ParleyApp]) -> None:
    app = apps['trusted']
    assert httpx.get(app.url + '/', headers={HEADER: 'yves'}).status_code == 200
    database = create_db_engine(default_database_url(Path(app.data_dir)))
    with database.begin() as connection:
        connection.execute(update(User).where(User.name == 'yves').values(disabled=True))
    database.dispose()
    refused = httpx.get(app.url + '/', headers={HEADER: 'yves'})
    assert refused.status_code == 403 and 'This account is disabled' in refused.text


def test_the_header_from_an_untrusted_address_is_ignored(apps: dict[str, ParleyApp]) -> None:
    app = apps['untrusted']
    for path in ('/', '/admin'):
        response = httpx.get(app.url + path, headers={HEADER: 'root'})
        assert response.status_code == 303 and response.headers['location'].endswith('/login')
    httpx.get(app.url + '/', headers={HEADER: 'intruder'})
    assert stored_user(app, 'intruder') is None
    assert httpx.get(app.url + '/healthz').status_code == 200  # health checks need no one
