"""Team mode for browser tests: start Parley with accounts, and sign in or out as a person would.

Other test modules import these; keep the signatures of `sign_in` and `start_team_parley`.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from playwright.sync_api import Page, expect

from engine.accounts import Accounts
from storage.accounts import AccountStore
from storage.database import create_db_engine, default_database_url, migrate
from tests.fakes.server import FakeServer
from ui import names

from .conftest import ParleyApp, start_parley

SLOW = 15_000  # ms: a page load with a password check on a loaded two-core machine

TEAM_ADMIN = ('root', 'root password')  # the administrator of conftest.py's team_parley, from the environment


def sign_in(page: Page, url: str, name: str, password: str) -> None:
    """Sign in at `url`/login by the form's accessible names and wait for the chat page."""
    page.goto(url.rstrip('/') + '/login')
    page.get_by_role('textbox', name=names.USERNAME).fill(name)
    page.get_by_role('textbox', name=names.PASSWORD).fill(password)
    page.get_by_role('button', name=names.SIGN_IN).click()
    expect(page.get_by_role('textbox', name=names.MESSAGE)).to_be_visible(timeout=SLOW)


def sign_out(page: Page) -> None:
    """Press the header's Sign out button and wait for the login page."""
    page.get_by_role('button', name=names.SIGN_OUT).click()
    expect(page.get_by_role('button', name=names.SIGN_IN)).to_be_visible(timeout=SLOW)


def create_users(data_dir: Path, users: list[tuple[str, str, bool]], database_url: str | None = None) -> None:
    """Store the accounts (name, password, is_admin) in Parley's database, creating and migrating it if needed."""
    database = create_db_engine(database_url or default_database_url(data_dir))
    try:
        migrate(database)
        accounts = Accounts(AccountStore(database))
        for name, password, is_admin in users:
            accounts.create(name, password, is_admin=is_admin)
    finally:
        database.dispose()


def start_team_parley(fake_server: FakeServer, data_dir: Path, users: list[tuple[str, str, bool]],
                      env: dict[str, str] | None = None) -> ParleyApp:
    """Parley in team mode (PARLEY_AUTH=local unless env says otherwise) with these accounts (name, password,
    is_admin); env may also set DATABASE_URL, and the accounts go into that database."""
    env = dict(env or {})
    data_dir.mkdir(parents=True, exist_ok=True)
    create_users(data_dir, users, env.get('DATABASE_URL'))
    team_env = {'PARLEY_AUTH': 'local', 'PARLEY_SESSION_SECRET': secrets.token_urlsafe(32), **env}
    return start_parley(fake_server, data_dir, env=team_env)
