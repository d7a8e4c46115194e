"""The header's account controls in team mode: who is signed in, the Admin link (admins only) and Sign out."""

from __future__ import annotations

from nicegui import ui

from . import names
from .auth import forget_sign_in
from .current_user import current_user_name, is_admin, team_mode


def account_controls() -> None:
    """Nothing in personal mode: there is no one to sign out."""
    if not team_mode():
        return
    with ui.row().classes('items-center gap-1 no-wrap parley-account'):
        if is_admin():
            ui.link(names.ADMIN_PAGE, '/admin').classes('q-mx-sm parley-admin-link')
        ui.label(current_user_name() or '').classes('parley-user-name')
        sign_out = ui.button(icon='logout', on_click=_sign_out).props('flat round dense')
        sign_out.props['aria-label'] = names.SIGN_OUT
        sign_out.tooltip(names.SIGN_OUT)


def _sign_out() -> None:
    forget_sign_in()
    ui.navigate.to('/login')
