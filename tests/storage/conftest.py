"""Storage fixtures: every repository test runs against SQLite (a temporary file) and a real PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.exc import OperationalError

from storage import Repository, create_db_engine, default_database_url, migrate
from tests.conftest import missing_prerequisite

POSTGRES_URL = os.environ.get('PARLEY_TEST_POSTGRES_URL', 'postgresql+psycopg://postgres@127.0.0.1:5432/test')
BACKENDS = [pytest.param('sqlite'), pytest.param('postgres', marks=pytest.mark.postgres)]


@contextmanager
def fresh_postgres_database() -> Iterator[Engine]:
    """A new, uniquely named, empty database on the test server; dropped afterwards."""
    admin = create_engine(POSTGRES_URL, isolation_level='AUTOCOMMIT', connect_args={'connect_timeout': 5})
    name = f'parley_test_{uuid.uuid4().hex[:12]}'
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE {name}'))
    except OperationalError as error:
        admin.dispose()
        missing_prerequisite(f'PostgreSQL is required at {POSTGRES_URL} (set PARLEY_TEST_POSTGRES_URL): '
                             f'{str(error.orig).strip().splitlines()[0]}')
    engine = create_db_engine(make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False))
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS {name} WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope='session')
def postgres_engine() -> Iterator[Engine]:
    """One migrated PostgreSQL database for the whole session; tests empty it between them."""
    with fresh_postgres_database() as engine:
        migrate(engine)
        yield engine


def sqlite_engine(data_dir: Path) -> Engine:
    return create_db_engine(default_database_url(data_dir))


@pytest.fixture(params=BACKENDS)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty database."""
    if request.param == 'sqlite':
        engine = sqlite_engine(tmp_path)
        migrate(engine)
        yield engine
        engine.dispose()
        return
    engine = request.getfixturevalue('postgres_engine')
    yield engine
    # Deleting rows is much faster than a fresh database per test; messages go with their conversations.
    with engine.begin() as connection:
        connection.execute(text('DELETE FROM conversation'))
        connection.execute(text('DELETE FROM spenttokens'))


@pytest.fixture(params=BACKENDS)
def blank_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A database with no tables at all, for migration tests."""
    if request.param == 'sqlite':
        engine = sqlite_engine(tmp_path)
        yield engine
        engine.dispose()
        return
    with fresh_postgres_database() as engine:
        yield engine


@pytest.fixture
def repo(engine: Engine) -> Repository:
    return Repository(engine)
