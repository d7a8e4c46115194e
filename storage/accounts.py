"""Every read and write of team-mode accounts (the `user` table); callers get detached plain objects back."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from .models import User
from .store import Store

UPDATABLE_USER_FIELDS = frozenset({'password_hash', 'is_admin', 'disabled'})


class DuplicateUserName(ValueError):
    """Another account already has this name."""

    def __init__(self, name: str) -> None:
        super().__init__(f'There is already a user named {name!r}.')
        self.name = name


class AccountStore(Store):
    """Synchronous account storage; safe to call from the event loop and worker threads (one session per call)."""

    def add(self, name: str, *, password_hash: str | None, is_admin: bool = False) -> User:
        """Store a new account; raises DuplicateUserName if the name is taken (the unique index decides, so two
        concurrent first sign-ins through the proxy cannot both create the same user)."""
        user = User(name=name, password_hash=password_hash, is_admin=is_admin)
        try:
            with self._session() as session:
                session.add(user)
        except IntegrityError as error:
            raise DuplicateUserName(name) from error
        return user

    def get(self, user_id: str) -> User | None:
        with self._session() as session:
            return session.get(User, user_id)

    def by_name(self, name: str) -> User | None:
        with self._session() as session:
            return session.scalars(select(User).where(col(User.name) == name)).one_or_none()

    def list(self) -> list[User]:
        """Every account, by name."""
        with self._session() as session:
            return list(session.scalars(select(User).order_by(col(User.name))))

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
