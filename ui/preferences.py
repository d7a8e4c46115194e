"""What Parley remembers of a person between visits (last model, sidebar open or closed), kept on the server.

Signed in (team mode), each user has their own: NiceGUI's per-user storage. In personal mode there is one person
and possibly no storage secret, so the app-wide storage is theirs (it also holds the dark-mode choice).
"""

from __future__ import annotations

from typing import Any

from nicegui import app

from providers.registry import ProviderRegistry

from .current_user import team_mode

LAST_MODEL = 'last_model'
SIDEBAR_OPEN = 'sidebar_open'


def _store() -> Any:
    if team_mode():  # never the app-wide store, which would hand one user's choice to everyone
        return app.storage.user
    return app.storage.general


def remembered(name: str, default: Any = None) -> Any:
    return _store().get(name, default)


def remember(name: str, value: Any) -> None:
    store = _store()
    if store.get(name) != value:  # every write is a file write: skip the ones that change nothing
        store[name] = value


def new_chat_model(providers: ProviderRegistry, configured: str | None) -> str | None:
    """A new chat starts with the model last sent with, if its provider is still there; else PARLEY_DEFAULT_MODEL."""
    last = remembered(LAST_MODEL)
    return providers.default_model(last if providers.resolve(last) else configured)
