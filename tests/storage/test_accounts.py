"""AccountStore against SQLite and PostgreSQL: what is stored for an account, unique names, updates."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text

from storage.accounts import AccountStore, DuplicateUserName


@pytest.fixture
def store(engine: Engine) -> Iterator[AccountStore]:
    yield AccountStore(engine)
    # The PostgreSQL database lives for the whole session and its fixture only empties conversations.
    with engine.begin() as connection:
        connection.execute(text('DELETE FROM "user"'))


def test_an_added_account_is_stored_and_found_by_id_and_name(store: AccountStore) -> None:
    added = store.add('alice', password_hash='$argon2id$stub', is_admin=True)
    for found in (store.get(added.id), store.by_name('alice')):
        assert found is not None
        assert (found.id, found.name, found.password_hash, found.is_admin, found.disabled) == \
            (added.id, 'alice', '$argon2id$stub', True, False)
    assert store.get('missing') is None
    assert store.by_name('Alice') is None  # names are exact


def test_a_taken_name_is_refused_and_the_first_account_kept(store: AccountStore) -> None:
    store.add('bob', password_hash='first')
    with pytest.raises(DuplicateUserName, match="already a user named 'bob'"):
        store.add('bob', password_hash='second', is_admin=True)
    assert [(user.name, user.password_hash, user.is_admin) for user in store.list()] == [('bob', 'first', False)]


def test_accounts_list_by_name_and_count(store: AccountStore) -> None:
    for name in ('carol', 'alice', 'bob'):
        store.add(name, password_hash=None)
    assert [user.name for user in store.list()] == ['alice', 'bob', 'carol']
    assert store.count() == 3


def test_update_changes_only_the_given_fields(store: AccountStore) -> None:
    user = store.add('dave', password_hash='old')
    assert store.update(user.id, disabled=True, password_hash='new')
    stored = store.get(user.id)
    assert stored is not None and (stored.disabled, stored.password_hash, stored.is_admin) == (True, 'new', False)
    assert not store.update('missing', disabled=True)
    with pytest.raises(ValueError, match='not updatable'):
        store.update(user.id, name='eve')


def test_active_admins_leave_out_users_and_disabled_admins(store: AccountStore) -> None:
    store.add('root', password_hash=None, is_admin=True)
    second = store.add('second', password_hash=None, is_admin=True)
    store.add('user', password_hash=None)
    assert store.count_active_admins() == 2
    store.update(second.id, disabled=True)
    assert store.count_active_admins() == 1
