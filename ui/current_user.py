"""Who is using this page: the signed-in account in team mode, nobody in personal mode.

Pages ask here and pass the id down to the engine, which scopes every read and write by it. The session is
checked against the database on every page load (ui/auth.py), so what it says here is at most one page old.
"""

from __future__ import annotations

from nicegui import app, context

from . import auth


def team_mode() -> bool:
    """Whether people sign in (PARLEY_AUTH local or proxy)."""
    return auth.team() is not None


def current_user_id() -> str | None:
    """The signed-in user's id in team mode; None in personal mode (one person, no accounts)."""
    if not team_mode():
        return None
    # The id the sign-in middleware checked for this page's own request. Unlike the browser session's storage,
    # which signing out in another tab clears, it cannot turn into None (which means "everyone's") under a page.
    user_id = getattr(context.client.request.state, auth.OWNER, None)
    if not user_id:
        raise RuntimeError('team mode: this page has no signed-in user')
    return user_id


def current_user_name() -> str | None:
    """The signed-in user's name in team mode; None in personal mode."""
    if not team_mode():
        return None
    return app.storage.user.get(auth.USER_NAME)


def is_admin() -> bool:
    """Whether this page's user may manage providers and accounts; in personal mode the one person may."""
    if not team_mode():
        return True
    return bool(app.storage.user.get(auth.USER_ID)) and bool(app.storage.user.get(auth.IS_ADMIN))
