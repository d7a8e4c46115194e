"""Saved provider connections on SQLite and PostgreSQL: add, replace (keeping or changing the key), remove."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text

from storage.connections import ConnectionStore


@pytest.fixture
def store(engine: Engine) -> Iterator[ConnectionStore]:
    yield ConnectionStore(engine)
    with engine.begin() as connection:  # the PostgreSQL database is shared by the session's tests
        connection.execute(text('DELETE FROM providerconnection'))


def test_add_list_and_get(store: ConnectionStore) -> None:
    store.save(kind='openai_compatible', name='lab', base_url='http://lab:8000/v1', api_key_encrypted='cipher-1')
    store.save(kind='anthropic', name='anthropic', base_url=None, api_key_encrypted='cipher-2')
    assert [(c.name, c.kind, c.base_url, c.api_key_encrypted) for c in store.list()] == [
        ('anthropic', 'anthropic', None, 'cipher-2'), ('lab', 'openai_compatible', 'http://lab:8000/v1', 'cipher-1')]
    assert store.get('lab').kind == 'openai_compatible'
    assert store.get('nothing') is None


def test_save_replaces_by_name_and_can_keep_the_key(store: ConnectionStore) -> None:
    first = store.save(kind='openai_compatible', name='lab', base_url='http://a/v1', api_key_encrypted='old')
    store.save(kind='openai_compatible', name='lab', base_url='http://b/v1', api_key_encrypted=None, keep_key=True)
    kept = store.get('lab')
    assert (kept.id, kept.base_url, kept.api_key_encrypted) == (first.id, 'http://b/v1', 'old')
    assert kept.updated_at >= first.updated_at
    store.save(kind='openai', name='lab', base_url=None, api_key_encrypted='new')
    assert [(c.kind, c.base_url, c.api_key_encrypted) for c in store.list()] == [('openai', None, 'new')]


def test_remove(store: ConnectionStore) -> None:
    store.save(kind='openai', name='openai', base_url=None, api_key_encrypted='cipher')
    assert store.remove('openai') is True
    assert store.remove('openai') is False
    assert store.list() == []
