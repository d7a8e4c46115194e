"""The header's account controls in team mode: who is signed in, the Admin link (admins only) and Sign out."""

from __future__ import annotations

from nicegui import app, ui

from . import auth, names
from .current_user import current_user_name, is_admin

# Messages typed but not sent stay in this browser (assets/drafts.js) until someone signs out there: then no one's do.
# The other open tabs hear of it through the storage event and stop saving too.
FORGET_DRAFTS = ('() => { window.parleyDrafts?.stop(); try { localStorage.setItem("parley-drafts-stop", Date.now());'
                 ' for (const key of Object.keys(localStorage))'
                 ' if (key.startsWith("parley-draft:")) localStorage.removeItem(key); } catch {} }')


def account_controls() -> None:
    """Nothing in personal mode: there is no one to sign out."""
    team = auth.team()
    if team is None:
        return
    with ui.row().classes('items-center gap-1 no-wrap parley-account'):
        if is_admin():
            ui.link(names.ADMIN_PAGE, '/admin').classes('q-mx-sm parley-admin-link')
        ui.label(current_user_name() or '').classes('parley-user-name')
        # Signed in by the proxy's header, the next request would sign the user straight back in: only the proxy
        # can sign them out, so the button goes there, or is left out if its address is not configured.
        target = team.proxy_sign_out_url if app.storage.user.get(auth.VIA_PROXY) else '/login'
        if target:
            sign_out = ui.button(icon='logout', on_click=lambda: _sign_out(target)).props('flat round dense')
            sign_out.props['aria-label'] = names.SIGN_OUT
            sign_out.tooltip(names.SIGN_OUT)
            sign_out.on('click', js_handler=FORGET_DRAFTS)


def _sign_out(target: str) -> None:
    # The browser's other tabs share its session: they are signed out too, as on a shared computer one expects.
    user_id, browser = app.storage.user.get(auth.USER_ID), app.storage.browser.get('id')
    auth.forget_sign_in()
    if user_id and browser:
        auth.end_open_pages(user_id, browser=browser, keep=ui.context.client)
    ui.navigate.to(target)
