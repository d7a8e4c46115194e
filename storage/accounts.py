"""Every read and write of team-mode accounts (the `user` table); callers get detached plain objects back.

A name is shown as it was written, but found whatever its case: "Alice" signs in as "alice", and nobody can add
"ALICE" beside her. Names are compared by Python's casefold (so "STRASSE" is "Straße" too), which neither SQLite's
nor PostgreSQL's lower() does for every alphabet; the comparison reads the accounts' names (a team's handful).
"""

from __future__ import annotations

import unicodedata
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from .models import User
from .store import Store

UPDATABLE_USER_FIELDS = frozenset({'password_hash', 'is_admin', 'disabled'})
ADDING_LOCK = 0x7061726C6579  # PostgreSQL advisory lock key ("parley") held while an account is added


def name_key(name: str) -> str:
    """What two names must share to be the same name: their letters whatever the case."""
    return name.casefold()


def reading_order(name: str) -> str:
    """Where a name goes in a list people read: by its letters, case and accents aside."""
    return ''.join(char for char in unicodedata.normalize('NFKD', name.casefold()) if not unicodedata.combining(char))


class DuplicateUserName(ValueError):
    """Another account already has this name, or one that differs from it only in case."""

    def __init__(self, name: str, taken: str | None = None) -> None:
        taken = taken or name
        also = '' if taken == name else ' (a name is the same whatever its case)'
        super().__init__(f'There is already a user named {taken!r}{also}.')
        self.name = taken


class AccountStore(Store):
    """Synchronous account storage; safe to call from the event loop and worker threads (one session per call)."""

    def add(self, name: str, *, password_hash: str | None, is_admin: bool = False) -> User:
        """Store a new account; raises DuplicateUserName if the name, in any case, is taken. Adding waits for any
        other adding to end (see _one_adder_at_a_time), so two concurrent first sign-ins through the proxy, or
        "bob" and "BOB" added at the same moment, cannot both create a user."""
        user = User(name=name, password_hash=password_hash, is_admin=is_admin)
        try:
            with self._session() as session:
                self._one_adder_at_a_time(session)
                key = name_key(name)
                if taken := next((other for _, other in self._names(session) if name_key(other) == key), None):
                    raise DuplicateUserName(name, taken)
                session.add(user)
        except IntegrityError as error:  # the unique index: an exact name, stored by a writer that did not wait
            raise DuplicateUserName(name) from error
        return user

    def _one_adder_at_a_time(self, session: Session) -> None:
        """Make this transaction wait for any other that adds an account: in PostgreSQL by a transaction-level
        advisory lock, in SQLite by taking the database's write lock with a write that changes nothing."""
        if session.get_bind().dialect.name == 'postgresql':
            session.execute(text('SELECT pg_advisory_xact_lock(:key)'), {'key': ADDING_LOCK})
        else:
            session.execute(update(User).where(col(User.id) == '').values(is_admin=False))

    @staticmethod
    def _names(session: Session) -> list[tuple[str, str]]:
        return [(user_id, name) for user_id, name in session.execute(select(User.id, User.name))]

    def get(self, user_id: str) -> User | None:
        with self._session() as session:
            return session.get(User, user_id)

    def by_name(self, name: str) -> User | None:
        """The account with exactly this name, else the one account whose name differs from it only in case; None
        if there is none, or more than one (a database from before names ignored case may hold "al" and "Al")."""
        with self._session() as session:
            if exact := session.scalars(select(User).where(col(User.name) == name)).one_or_none():
                return exact
            key = name_key(name)
            same = [user_id for user_id, other in self._names(session) if name_key(other) == key]
            return session.get(User, same[0]) if len(same) == 1 else None

    def list(self) -> list[User]:
        """Every account, by name as a person reads it: "alice" before "Zed", "Élodie" among the Es (the databases'
        own orders put capitals, then accents, after)."""
        with self._session() as session:
            return sorted(session.scalars(select(User)), key=lambda user: (reading_order(user.name), user.name))

    def count(self) -> int:
        with self._session() as session:
            return session.scalar(select(func.count()).select_from(User)) or 0

    def count_active_admins(self) -> int:
        """Admins who can still sign in: the last one must never be disabled or demoted."""
        query = select(func.count()).select_from(User).where(col(User.is_admin), ~col(User.disabled))
        with self._session() as session:
            return session.scalar(query) or 0

    def update_keeping_an_admin(self, user_id: str, **values: Any) -> bool:
        """Like `update` for a change that may take an administrator away (disabling one, or their role), unless it
        would leave no enabled administrator: then nothing changes and False comes back.

        The check and the change are one transaction that first writes to every enabled administrator's row (a
        write that changes nothing): that write waits for any other such transaction to end, in PostgreSQL by the
        rows' locks and in SQLite by the database's write lock, so two administrators taking each other's role
        at the same moment cannot both succeed.
        """
        if unknown := set(values) - UPDATABLE_USER_FIELDS:
            raise ValueError(f'not updatable: {sorted(unknown)}')
        active_admin = col(User.is_admin) & ~col(User.disabled)
        with self._session() as session:
            session.execute(update(User).where(active_admin).values(is_admin=True))
            admins = set(session.scalars(select(User.id).where(active_admin)))
            if not admins - {user_id}:
                return False
            session.execute(update(User).where(col(User.id) == user_id).values(**values))
            return True

    def update(self, user_id: str, **values: Any) -> bool:
        """Change stored fields of one account; False if it does not exist."""
        if unknown := set(values) - UPDATABLE_USER_FIELDS:
            raise ValueError(f'not updatable: {sorted(unknown)}')
        with self._session() as session:
            result = session.execute(update(User).where(col(User.id) == user_id).values(**values))
            return result.rowcount > 0
