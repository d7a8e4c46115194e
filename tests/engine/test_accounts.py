"""Accounts: argon2 hashes, sign-in checks, the first admin, guessing limits, and the start-up refusals of a
half-configured team server (app.py run as a real process)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher, extract_parameters
from sqlalchemy import Engine, insert

from engine.accounts import (
    AccountDisabled,
    AccountError,
    Accounts,
    LoginThrottle,
    config_problem,
    is_loopback,
    is_trusted,
    parse_networks,
    personal_storage_secret,
    session_stamp,
)
from storage import create_db_engine, default_database_url, migrate
from storage.accounts import AccountStore
from storage.models import User

ROOT = Path(__file__).resolve().parents[2]
SECRET = 'x' * 40
# Cheap parameters keep these tests fast; the app uses argon2-cffi's defaults.
FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Engine]:
    engine = create_db_engine(default_database_url(tmp_path))
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def accounts(database: Engine) -> Accounts:
    return Accounts(AccountStore(database), FAST)


def test_the_password_is_stored_only_as_an_argon2id_hash(accounts: Accounts) -> None:
    user = accounts.create('alice', 'correct horse', is_admin=True)
    stored = accounts.store.by_name('alice')
    assert stored is not None and stored.is_admin and stored.id == user.id
    assert stored.password_hash is not None and stored.password_hash.startswith('$argon2id$')
    assert 'correct horse' not in stored.password_hash


def test_sign_in_needs_the_right_name_and_password(accounts: Accounts) -> None:
    accounts.create('alice', 'correct horse')
    user = accounts.authenticate('alice', 'correct horse')
    assert user is not None and user.name == 'alice'
    assert accounts.authenticate(' alice ', 'correct horse') is not None  # typed spaces around a name do no harm
    assert accounts.authenticate('alice', 'wrong horse') is None
    assert accounts.authenticate('nobody', 'correct horse') is None
    assert accounts.authenticate('alice', '') is None


def test_sign_in_takes_the_name_whatever_its_case(accounts: Accounts) -> None:
    """A phone keyboard capitalises the first letter: "Alice" and "ALICE" sign in as alice, who stays "alice"."""
    alice = accounts.create('alice', 'correct horse')
    for typed in ('Alice', 'ALICE', ' aLICE '):
        user = accounts.authenticate(typed, 'correct horse')
        assert user is not None and (user.id, user.name) == (alice.id, 'alice'), typed
    assert accounts.authenticate('Alice', 'wrong horse') is None
    accounts.create('Ørjan', 'ørjan password')  # beyond ASCII, where SQL's lower() does not reach
    assert accounts.authenticate('øRJAN', 'ørjan password') is not None


def test_a_name_differing_only_in_case_cannot_be_added(accounts: Accounts) -> None:
    accounts.create('alice', 'correct horse')
    with pytest.raises(AccountError, match=r"already a user named 'alice' \(a name is the same whatever its case\)"):
        accounts.create('ALICE', 'another horse', is_admin=True)
    assert [(user.name, user.is_admin) for user in accounts.store.list()] == [('alice', False)]
    assert accounts.authenticate('ALICE', 'another horse') is None


def test_two_stored_names_differing_only_in_case_each_sign_in_exactly(database: Engine, accounts: Accounts) -> None:
    """A database from before names ignored case may hold "sam" and "Sam": each still signs in with their own
    name and password; another spelling could be either of them and signs in nobody."""
    sam = accounts.create('sam', 'lower password')
    with database.begin() as connection:  # past today's check, as an older Parley stored it
        connection.execute(insert(User).values(id='older-sam', name='Sam',
                                               password_hash=FAST.hash('title password')))
    assert accounts.authenticate('sam', 'lower password').id == sam.id
    assert accounts.authenticate('Sam', 'title password').id == 'older-sam'
    assert accounts.authenticate('Sam', 'lower password') is None
    assert accounts.authenticate('SAM', 'lower password') is None
    assert accounts.authenticate('SAM', 'title password') is None


def test_a_disabled_user_cannot_sign_in_and_their_session_ends(accounts: Accounts) -> None:
    user = accounts.create('bob', 'bob password')
    admin = accounts.create('root', 'root password', is_admin=True)
    stamp = session_stamp(user)
    assert accounts.session_user(user.id, stamp) is not None
    accounts.set_disabled(user.id, True, acting_user_id=admin.id)
    with pytest.raises(AccountDisabled, match='This account is disabled'):  # said to whoever knows the password
        accounts.authenticate('bob', 'bob password')
    assert accounts.authenticate('bob', 'wrong password') is None  # and to nobody else
    assert accounts.session_user(user.id, stamp) is None
    accounts.set_disabled(user.id, False, acting_user_id=admin.id)
    assert accounts.authenticate('bob', 'bob password') is not None


def test_a_password_reset_ends_sessions_opened_with_the_old_one(accounts: Accounts) -> None:
    user = accounts.create('carol', 'first password')
    old_stamp = session_stamp(user)
    accounts.set_password(user.id, 'second password')
    assert accounts.session_user(user.id, old_stamp) is None
    assert accounts.authenticate('carol', 'first password') is None
    renewed = accounts.authenticate('carol', 'second password')
    assert renewed is not None and accounts.session_user(user.id, session_stamp(renewed)) is not None


def test_a_hash_with_old_parameters_is_replaced_at_sign_in(database: Engine) -> None:
    Accounts(AccountStore(database), FAST).create('dave', 'dave password')
    stronger = PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1)
    accounts = Accounts(AccountStore(database), stronger)
    before = accounts.store.by_name('dave').password_hash
    assert accounts.authenticate('dave', 'dave password') is not None
    after = accounts.store.by_name('dave').password_hash
    assert after != before
    assert (extract_parameters(after).time_cost, extract_parameters(after).memory_cost) == (2, 2048)
    assert accounts.authenticate('dave', 'dave password') is not None  # and the new hash verifies
    assert accounts.store.by_name('dave').password_hash == after  # no needless rehash


def test_names_and_passwords_are_checked(accounts: Accounts) -> None:
    with pytest.raises(AccountError, match='at least 8 characters'):
        accounts.create('erin', 'short')
    with pytest.raises(AccountError, match='Enter a username'):
        accounts.create('  ', 'long enough')
    accounts.create('erin', 'long enough')
    with pytest.raises(AccountError, match="already a user named 'erin'"):
        accounts.create('erin', 'another one')


def test_an_admin_cannot_disable_themselves_or_the_last_admin(accounts: Accounts) -> None:
    root = accounts.create('root', 'root password', is_admin=True)
    with pytest.raises(AccountError, match='your own account'):
        accounts.set_disabled(root.id, True, acting_user_id=root.id)
    with pytest.raises(AccountError, match='last administrator'):
        accounts.set_disabled(root.id, True, acting_user_id=None)
    second = accounts.create('second', 'second password', is_admin=True)
    accounts.set_disabled(root.id, True, acting_user_id=second.id)
    assert accounts.store.get(root.id).disabled


def test_the_environment_admin_is_created_only_while_there_is_no_account(accounts: Accounts) -> None:
    admin = accounts.create_first_admin('boss', 'boss password')
    assert admin is not None and admin.is_admin
    assert accounts.authenticate('boss', 'boss password') is not None
    # A restart with the variables still set (or changed) creates and resets nothing.
    assert accounts.create_first_admin('boss', 'other password') is None
    assert accounts.create_first_admin('boss2', 'other password') is None
    assert [user.name for user in accounts.store.list()] == ['boss']
    assert accounts.authenticate('boss', 'boss password') is not None


def test_proxy_users_are_created_on_first_sight_not_admin_and_refused_when_disabled(accounts: Accounts) -> None:
    first = accounts.proxy_user('zoe@example.com')
    assert first is not None and not first.is_admin and first.password_hash is None
    assert accounts.proxy_user('zoe@example.com').id == first.id
    accounts.store.update(first.id, disabled=True)
    assert accounts.proxy_user('zoe@example.com') is None
    assert accounts.authenticate('zoe@example.com', '') is None  # no password: never signs in at /login


def test_a_proxy_name_differing_only_in_case_is_the_existing_account(accounts: Accounts) -> None:
    admin = accounts.create('Ravi', 'ravi password', is_admin=True)  # `create-user Ravi --admin` beforehand
    for header in ('ravi', 'RAVI', 'Ravi'):
        user = accounts.proxy_user(header)
        assert user is not None and (user.id, user.name, user.is_admin) == (admin.id, 'Ravi', True), header
    assert [user.name for user in accounts.store.list()] == ['Ravi']


def test_guessing_is_limited_per_address_and_name() -> None:
    throttle = LoginThrottle('3/minute')
    assert all(throttle.attempt('10.0.0.1', 'alice') for _ in range(3))
    assert not throttle.attempt('10.0.0.1', 'alice')
    assert not throttle.attempt('10.0.0.1', 'ALICE ')  # the same name however it is typed
    assert throttle.attempt('10.0.0.2', 'alice')  # another address
    assert throttle.attempt('10.0.0.1', 'bob')  # another name
    throttle.succeeded('10.0.0.2', 'alice')
    assert all(throttle.attempt('10.0.0.2', 'alice') for _ in range(2))


def test_many_failures_from_one_address_stop_it_for_every_name() -> None:
    throttle = LoginThrottle('3/minute')  # 30 failures a minute per address
    for attempt in range(30):
        assert throttle.attempt('10.0.0.9', f'name{attempt}')
        throttle.failed('10.0.0.9')
    assert not throttle.attempt('10.0.0.9', 'someone else')
    assert throttle.attempt('10.0.0.8', 'someone else')


def test_successful_sign_ins_never_lock_out_an_address() -> None:
    throttle = LoginThrottle('3/minute')
    for _ in range(100):  # a whole office behind one NAT address signing in
        assert throttle.attempt('10.0.0.7', 'alice')
        throttle.succeeded('10.0.0.7', 'alice')


def test_only_loopback_counts_as_this_machine() -> None:
    assert all(is_loopback(host) for host in ('127.0.0.1', '127.0.1.1', '::1', '[::1]', 'localhost'))
    assert not any(is_loopback(host) for host in ('0.0.0.0', '::', '192.168.1.5', 'example.com'))


def test_trusted_proxies_are_addresses_and_ranges() -> None:
    networks = parse_networks('127.0.0.1, 10.0.0.0/8 fd00::/8')
    assert is_trusted('10.1.2.3', networks) and is_trusted('127.0.0.1', networks) and is_trusted('fd00::1', networks)
    assert not is_trusted('192.168.0.1', networks) and not is_trusted(None, networks)
    with pytest.raises(AccountError, match=r"'proxy\.local' is not an IP address"):
        parse_networks('proxy.local')


def test_a_half_configured_team_server_is_refused_with_what_to_set() -> None:
    assert config_problem(auth='none', host='127.0.0.1', session_secret=None, trusted_proxies='') is None
    assert 'PARLEY_AUTH=local' in config_problem(auth='none', host='0.0.0.0', session_secret=None, trusted_proxies='')
    assert 'PARLEY_SESSION_SECRET' in config_problem(auth='local', host='0.0.0.0', session_secret=None,
                                                     trusted_proxies='')
    assert 'too short' in config_problem(auth='local', host='0.0.0.0', session_secret='abc', trusted_proxies='')
    assert 'PARLEY_TRUSTED_PROXIES' in config_problem(auth='proxy', host='0.0.0.0', session_secret=SECRET,
                                                      trusted_proxies='')
    assert config_problem(auth='local', host='0.0.0.0', session_secret=SECRET, trusted_proxies='') is None
    assert "not 'ldap'" in config_problem(auth='ldap', host='127.0.0.1', session_secret=SECRET, trusted_proxies='')


def test_personal_mode_keeps_one_private_generated_secret(tmp_path: Path) -> None:
    secret = personal_storage_secret(tmp_path)
    assert len(secret) >= 32 and personal_storage_secret(tmp_path) == secret
    assert stat.S_IMODE((tmp_path / 'session-secret').stat().st_mode) == 0o600


# app.py as a real process

def clean_env(**extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith('PARLEY_') and key not in {'DATABASE_URL', 'PYTEST_CURRENT_TEST'}}
    return {**env, **extra}


def run_app(args: list[str], tmp_path: Path, *, stdin: str | None = None,
            **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / 'app.py'), *args], cwd=tmp_path, env=clean_env(**env),
                          input=stdin, capture_output=True, text=True, timeout=60)


def test_create_user_from_the_command_line(tmp_path: Path) -> None:
    data = tmp_path / 'data'
    created = run_app(['create-user', 'admin', '--admin', '--password-stdin', '--data-dir', str(data)], tmp_path,
                      stdin='s3cret password\n')
    assert created.returncode == 0, created.stderr
    assert 'Created administrator admin.' in created.stdout
    database = create_db_engine(default_database_url(data))
    accounts = Accounts(AccountStore(database))
    user = accounts.authenticate('admin', 's3cret password')
    assert user is not None and user.is_admin

    again = run_app(['create-user', 'admin', '--password-stdin', '--data-dir', str(data)], tmp_path,
                    stdin='another password\n')
    assert again.returncode == 1 and "already a user named 'admin'" in again.stderr
    again = run_app(['create-user', 'Admin', '--password-stdin', '--data-dir', str(data)], tmp_path,
                    stdin='another password\n')
    assert again.returncode == 1
    assert "already a user named 'admin' (a name is the same whatever its case)" in again.stderr

    # A lost password is reset from the command line (needs access to the server, like creating the first admin).
    reset = run_app(['create-user', 'ADMIN', '--reset', '--password-stdin', '--data-dir', str(data)], tmp_path,
                    stdin='brand new password\n')
    assert reset.returncode == 0, reset.stderr
    assert 'New password set for admin.' in reset.stdout  # the name as it was written
    assert accounts.authenticate('admin', 'brand new password') is not None
    assert accounts.authenticate('admin', 's3cret password') is None
    database.dispose()


def test_team_mode_without_a_session_secret_does_not_start(tmp_path: Path) -> None:
    result = run_app(['--no-show', '--data-dir', str(tmp_path / 'data')], tmp_path, PARLEY_AUTH='local')
    assert result.returncode != 0
    assert 'PARLEY_AUTH=local needs PARLEY_SESSION_SECRET' in result.stderr


def test_listening_beyond_this_machine_without_sign_in_does_not_start(tmp_path: Path) -> None:
    result = run_app(['--host', '0.0.0.0', '--no-show', '--data-dir', str(tmp_path / 'data')], tmp_path)
    assert result.returncode != 0
    assert 'Parley will not listen on 0.0.0.0 without sign-in' in result.stderr
    assert 'PARLEY_AUTH=local' in result.stderr and 'PARLEY_SESSION_SECRET' in result.stderr
    assert not (tmp_path / 'data').exists()  # refused before touching anything


def test_after_sign_in_only_paths_of_this_app_are_followed() -> None:
    from ui.login_page import safe_next

    for path in ('/c/0123abcd', '/admin', '/settings'):
        assert safe_next(path) == path
    hostile = ('//evil.example', '/\\evil.example', 'https://evil.example', 'javascript:alert(1)', '/c/x?y=1', None, '')
    assert {safe_next(path) for path in hostile} == {'/'}


def test_admins_give_and_take_the_role_but_never_their_own_or_the_last(accounts: Accounts) -> None:
    root = accounts.create('root', 'root password', is_admin=True)
    user = accounts.create('user', 'user password')
    accounts.set_admin(user.id, True, acting_user_id=root.id)
    assert accounts.store.get(user.id).is_admin
    with pytest.raises(AccountError, match='your own administrator role'):
        accounts.set_admin(root.id, False, acting_user_id=root.id)
    accounts.set_admin(root.id, False, acting_user_id=user.id)  # another administrator can
    assert not accounts.store.get(root.id).is_admin
    with pytest.raises(AccountError, match='last administrator'):
        accounts.set_admin(user.id, False, acting_user_id=None)
    assert accounts.store.get(user.id).is_admin
    with pytest.raises(AccountError, match='no longer exists'):
        accounts.set_admin('no-such-id', True, acting_user_id=user.id)
