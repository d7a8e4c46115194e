"""What every store shares: one short session per call, objects returned detached with their values loaded."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlmodel import Session


class Store:
    """Synchronous storage; safe to call from the event loop and worker threads (one session per call)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @contextmanager
    def _session(self) -> Iterator[Session]:
        # No expiry on commit: returned objects keep their loaded values after the session closes.
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            yield session
