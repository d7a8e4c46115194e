"""Who is using this page: the signed-in account in team mode, nobody in personal mode.

Pages ask here and pass the id down to the engine, which scopes every read and write by it.
"""

from __future__ import annotations

from nicegui import app


def current_user_id() -> str | None:
    """The signed-in user's id in team mode; None in personal mode (one person, no accounts)."""
    try:
        return app.storage.user.get('user_id')
    except RuntimeError:  # no storage secret: personal mode has no per-browser user storage
        return None


def is_admin() -> bool:
    """Whether this page's user may manage providers and accounts; in personal mode the one person may."""
    try:
        user = app.storage.user
    except RuntimeError:
        return True
    return user.get('user_id') is None or bool(user.get('is_admin'))
