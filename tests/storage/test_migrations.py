"""Migrations build exactly the declared schema, on SQLite and PostgreSQL, and are safe to run again."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from storage import Repository, check_integrity, create_db_engine, default_database_url, migrate
from storage.database import alembic_config
from storage.models import StorageModel


def schema_differences(engine: Engine) -> list:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={'compare_type': True})
        return compare_metadata(context, StorageModel.metadata)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def test_upgrade_head_creates_exactly_the_models(blank_engine: Engine) -> None:
    assert inspect(blank_engine).get_table_names() == []
    migrate(blank_engine)
    assert schema_differences(blank_engine) == []
    tables = {'alembic_version', 'conversation', 'message', 'answerversion', 'user', 'providerconnection',
              'spenttokens'}
    assert set(inspect(blank_engine).get_table_names()) == tables
    with blank_engine.connect() as connection:
        head = ScriptDirectory.from_config(alembic_config(connection)).get_current_head()
    assert current_revision(blank_engine) == head


def test_migrating_again_is_harmless(blank_engine: Engine) -> None:
    migrate(blank_engine)
    repo = Repository(blank_engine)
    conversation = repo.create_conversation(title='Keep me', provider='p', model='m')
    message = repo.add_message(conversation.id, role='user', content='and me')
    migrate(blank_engine)
    assert repo.get_conversation(conversation.id).title == 'Keep me'
    assert repo.get_messages(conversation.id) == [message]
    assert check_integrity(blank_engine)


def test_sqlite_is_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    engine = create_db_engine(default_database_url(tmp_path / 'fresh' / 'dir'))
    assert (tmp_path / 'fresh' / 'dir').is_dir()
    migrate(engine)
    assert (tmp_path / 'fresh' / 'dir' / 'parley.db').is_file()
    with engine.connect() as first, engine.connect() as second:  # including the one migrate turned them off on
        for connection in (first, second):
            assert connection.exec_driver_sql('PRAGMA journal_mode').scalar() == 'wal'
            assert connection.exec_driver_sql('PRAGMA foreign_keys').scalar() == 1
            assert connection.exec_driver_sql('PRAGMA busy_timeout').scalar() == 5000
    assert check_integrity(engine)
    engine.dispose()


def test_check_integrity_spots_a_damaged_file(tmp_path: Path) -> None:
    engine = create_db_engine(default_database_url(tmp_path))
    migrate(engine)
    repo = Repository(engine)
    conversation = repo.create_conversation(title='x', provider='p', model='m')
    for n in range(20):
        repo.add_message(conversation.id, role='user', content=f'message {n} ' * 50)
    engine.dispose()  # the last connection checkpoints the WAL into the main file
    database = tmp_path / 'parley.db'
    data = bytearray(database.read_bytes())
    page_size = int.from_bytes(data[16:18], 'big')
    data[3 * page_size: 6 * page_size] = b'\xa5' * (3 * page_size)
    database.write_bytes(bytes(data))
    assert not check_integrity(create_db_engine(default_database_url(tmp_path)))
