"""Database failures in words a person understands (the page shows them; nothing the user typed is dropped)."""

from __future__ import annotations

from sqlalchemy.exc import SQLAlchemyError

CAUSES = (
    ('locked', 'the database is locked by another program'),
    ('busy', 'the database is locked by another program'),
    ('disk is full', 'the disk is full'),
    ('disk i/o', 'the disk failed to write'),
    ('readonly', 'the database is read-only'),
    ('read-only', 'the database is read-only'),
    ('could not connect', 'the database server cannot be reached'),
    ('connection', 'the connection to the database server failed'),
)


def describe(error: Exception) -> str:
    """A short cause for a storage failure, e.g. 'the disk is full'."""
    text = str(getattr(error, 'orig', None) or error).lower()
    for needle, cause in CAUSES:
        if needle in text:
            return cause
    return 'the database refused the write' if isinstance(error, SQLAlchemyError) else 'saving failed'
