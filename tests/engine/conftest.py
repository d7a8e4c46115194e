"""The storage tests' database fixtures, for engine tests that run on SQLite and on PostgreSQL alike."""

from tests.storage.conftest import engine, postgres_engine  # noqa: F401 (fixtures)
