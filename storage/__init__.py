"""Parley's history: SQLModel tables, engines and migrations for SQLite and PostgreSQL, and the Repository."""

from __future__ import annotations

from .database import check_integrity, create_db_engine, default_database_url, migrate
from .models import Conversation, Message, MessageRole, MessageStatus, ProviderConnection, User, utcnow
from .repository import Repository

__all__ = [
    'Conversation',
    'Message',
    'MessageRole',
    'MessageStatus',
    'ProviderConnection',
    'Repository',
    'User',
    'check_integrity',
    'create_db_engine',
    'default_database_url',
    'migrate',
    'utcnow',
]
