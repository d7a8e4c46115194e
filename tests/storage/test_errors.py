"""Storage failures described in plain words."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy.exc import OperationalError

from storage.errors import describe


@pytest.mark.parametrize(('message', 'cause'), [
    ('database is locked', 'the database is locked by another program'),
    ('database or disk is full', 'the disk is full'),
    ('attempt to write a readonly database', 'the database is read-only'),
    ('something else entirely', 'the database refused the write'),
])
def test_sqlite_errors_get_plain_causes(message: str, cause: str) -> None:
    assert describe(OperationalError('INSERT ...', {}, sqlite3.OperationalError(message))) == cause
