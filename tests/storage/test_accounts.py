"""AccountStore against SQLite and PostgreSQL: what is stored for an account, unique names, updates."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

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
    assert store.by_name('alicia') is None


def test_a_taken_name_is_refused_and_the_first_account_kept(store: AccountStore) -> None:
    store.add('bob', password_hash='first')
    with pytest.raises(DuplicateUserName, match="already a user named 'bob'"):
        store.add('bob', password_hash='second', is_admin=True)
    assert [(user.name, user.password_hash, user.is_admin) for user in store.list()] == [('bob', 'first', False)]


def test_a_name_is_found_whatever_its_case_and_kept_as_written(store: AccountStore) -> None:
    alice = store.add('Alice', password_hash=None)
    straße = store.add('Straße', password_hash=None)
    for typed, user in (('alice', alice), ('ALICE', alice), ('aLiCe', alice), ('STRASSE', straße), ('straße', straße)):
        found = store.by_name(typed)
        assert found is not None and (found.id, found.name) == (user.id, user.name), typed
    assert [user.name for user in store.list()] == ['Alice', 'Straße']


def test_a_name_differing_only_in_case_is_refused_in_words(store: AccountStore) -> None:
    store.add('alice', password_hash='first')
    store.add('Straße', password_hash=None)
    for name, taken in (('ALICE', 'alice'), ('Alice', 'alice'), ('strasse', 'Straße')):
        with pytest.raises(DuplicateUserName, match=rf"already a user named '{taken}' \(a name is the same whatever"):
            store.add(name, password_hash='second')
    assert {(user.name, user.password_hash) for user in store.list()} == {('alice', 'first'), ('Straße', None)}


def test_names_stored_before_case_was_ignored_are_each_found_exactly(engine: Engine, store: AccountStore) -> None:
    """A database may already hold two names that differ only in case: each is found by its exact name, and a
    third spelling, which could be either, finds neither."""
    with engine.begin() as connection:  # as an older Parley stored them, past today's check
        for user_id, name in (('id-lower', 'sam'), ('id-title', 'Sam')):
            connection.execute(text('INSERT INTO "user" (id, name, is_admin, disabled, created_at) '
                                    "VALUES (:id, :name, false, false, '2026-01-01 00:00:00')"),
                               {'id': user_id, 'name': name})
    assert store.by_name('sam').id == 'id-lower'
    assert store.by_name('Sam').id == 'id-title'
    assert store.by_name('SAM') is None


def test_names_differing_only_in_case_added_at_once_leave_one(engine: Engine, store: AccountStore) -> None:
    """Adding checks the names and stores one in a transaction that waits for any other adding."""
    for attempt in range(5):  # a race, run several times
        names = [f'kim{attempt}', f'KIM{attempt}']
        barrier = threading.Barrier(2)

        def add(name: str, barrier: threading.Barrier = barrier) -> bool:
            barrier.wait()
            try:
                AccountStore(engine).add(name, password_hash=None)
            except DuplicateUserName:
                return False
            return True

        with ThreadPoolExecutor(2) as pool:
            assert sorted(pool.map(add, names)) == [False, True]
    assert len(store.list()) == 5


def test_accounts_list_by_name_and_count(store: AccountStore) -> None:
    for name in ('carol', 'Zed', 'alice', 'Bob', 'Élodie'):
        store.add(name, password_hash=None)
    # As a person reads them, case and accents aside: the databases put every capital first ('Bob', 'Zed', 'alice')
    assert [user.name for user in store.list()] == ['alice', 'Bob', 'carol', 'Élodie', 'Zed']
    assert store.count() == 5


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


def test_two_admins_taking_each_others_role_at_once_leave_one(engine: Engine, store: AccountStore) -> None:
    """The last-administrator rule holds under a race: two admins disabling, or demoting, each other at the same
    moment. Each change waits for the other's transaction, so the second sees one admin left and is refused."""
    for change in ({'disabled': True}, {'is_admin': False}):
        ann = store.add('ann', password_hash=None, is_admin=True)
        bob = store.add('bob', password_hash=None, is_admin=True)
        barrier = threading.Barrier(2)  # reused: it lets both threads go on together at every run

        def take(user_id: str, change: dict[str, bool] = change, barrier: threading.Barrier = barrier) -> bool:
            barrier.wait()
            return AccountStore(engine).update_keeping_an_admin(user_id, **change)

        for _ in range(5):  # a race, run several times; an unguarded check lets both through in most of them
            with ThreadPoolExecutor(2) as pool:
                results = list(pool.map(take, [ann.id, bob.id]))
            assert sorted(results) == [False, True], change
            assert store.count_active_admins() == 1
            store.update(ann.id, disabled=False, is_admin=True)
            store.update(bob.id, disabled=False, is_admin=True)
        assert store.update_keeping_an_admin(ann.id, **change)
        assert not store.update_keeping_an_admin(bob.id, **change)  # the last one stays
        with engine.begin() as connection:
            connection.execute(text('DELETE FROM "user"'))
