"""Provider connections added on the Settings page. Keys arrive here already encrypted; storage never sees one."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlmodel import col

from .models import ProviderConnection, utcnow
from .store import Store


class ConnectionStore(Store):
    """Saved connections by name; like Repository, one session per call and detached objects back."""

    def list(self) -> list[ProviderConnection]:
        """Every saved connection, by name."""
        with self._session() as session:
            return list(session.scalars(select(ProviderConnection).order_by(col(ProviderConnection.name))))

    def get(self, name: str) -> ProviderConnection | None:
        with self._session() as session:
            return session.scalars(select(ProviderConnection).where(col(ProviderConnection.name) == name)).one_or_none()

    def save(self, *, kind: str, name: str, base_url: str | None, api_key_encrypted: str | None,
             keep_key: bool = False) -> ProviderConnection:
        """Add the connection, or replace the one of that name; `keep_key` leaves a saved key as it was."""
        with self._session() as session:
            found = session.scalars(select(ProviderConnection).where(col(ProviderConnection.name) == name)
                                    .with_for_update()).one_or_none()
            if found is None:
                found = ProviderConnection(kind=kind, name=name, base_url=base_url,
                                           api_key_encrypted=api_key_encrypted)
                session.add(found)
                return found
            found.kind = kind
            found.base_url = base_url
            if not keep_key:
                found.api_key_encrypted = api_key_encrypted
            found.updated_at = utcnow()
            return found

    def remove(self, name: str) -> bool:
        """Delete the connection; False if there was none of that name."""
        with self._session() as session:
            result = session.execute(delete(ProviderConnection).where(col(ProviderConnection.name) == name))
            return result.rowcount > 0  # type: ignore[attr-defined]
