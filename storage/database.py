"""Engines for SQLite (the default, one file in the data directory) and PostgreSQL, and schema migration."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, make_url
from sqlalchemy.engine import URL
from sqlalchemy.exc import DatabaseError

MIGRATIONS_DIR = Path(__file__).parent / 'migrations'
SQLITE_PRAGMAS = (
    'PRAGMA journal_mode=WAL',  # readers never block the writer that is saving a streaming answer
    'PRAGMA foreign_keys=ON',  # SQLite ignores ON DELETE CASCADE without it
    'PRAGMA busy_timeout=5000',  # a second writer waits for the lock instead of failing at once
    'PRAGMA synchronous=NORMAL',  # durable across app crashes in WAL mode, and much faster than FULL
)


def default_database_url(data_dir: Path) -> str:
    """The SQLite file `parley.db` in data_dir (created if missing)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    return URL.create('sqlite', database=str((data_dir / 'parley.db').resolve())).render_as_string()


def is_sqlite(engine: Engine | Connection) -> bool:
    return engine.dialect.name == 'sqlite'


def create_db_engine(url: str) -> Engine:
    """An engine for url, tuned for Parley: SQLite in WAL mode with foreign keys, PostgreSQL with pre-ping."""
    if make_url(url).get_backend_name() != 'sqlite':
        # Pre-ping replaces connections the server closed while the app sat idle.
        return create_engine(url, pool_pre_ping=True)
    # The app uses the engine from the event loop and from worker threads, so connections must cross threads.
    engine = create_engine(url, connect_args={'check_same_thread': False})
    event.listen(engine, 'connect', _set_sqlite_pragmas)
    return engine


def _set_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    for pragma in SQLITE_PRAGMAS:
        cursor.execute(pragma)
    cursor.close()
    # SQLite's lower() and LIKE fold the case of ASCII letters only ("über" would not find "Über"); PostgreSQL's
    # follow the database's locale. Search uses this where the text typed has other letters.
    dbapi_connection.create_function(UNICODE_LOWER, 1, _lower, deterministic=True)


UNICODE_LOWER = 'parley_lower'


def _lower(text: str | None) -> str | None:
    return text.lower() if isinstance(text, str) else text


def alembic_config(connection: Connection) -> Config:
    """Alembic's configuration built in code (no alembic.ini): env.py migrates through `connection`."""
    config = Config()
    config.set_main_option('script_location', str(MIGRATIONS_DIR))
    config.attributes['connection'] = connection
    return config


def migrate(engine: Engine) -> None:
    """Bring the database schema up to the newest migration; harmless when it already is."""
    with engine.connect() as connection:
        if is_sqlite(connection):
            # Batch migrations copy and drop tables; with foreign keys on, dropping `conversation` would
            # cascade-delete every message. The pragma only takes effect outside a transaction.
            _sqlite_pragma(connection, 'PRAGMA foreign_keys=OFF')
        try:
            command.upgrade(alembic_config(connection), 'head')
            connection.commit()
        finally:
            if is_sqlite(connection):
                connection.rollback()
                _sqlite_pragma(connection, 'PRAGMA foreign_keys=ON')


def _sqlite_pragma(connection: Connection, pragma: str) -> None:
    connection.exec_driver_sql(pragma)
    connection.commit()


def check_integrity(engine: Engine) -> bool:
    """Whether the database file is intact (SQLite's integrity check; PostgreSQL guards its own storage)."""
    if not is_sqlite(engine):
        return True
    try:
        with engine.connect() as connection:
            rows = connection.exec_driver_sql('PRAGMA integrity_check').scalars().all()
    except DatabaseError:  # damage bad enough that SQLite cannot even read its schema
        return False
    return rows == ['ok']
