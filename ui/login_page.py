"""The sign-in page (`/login`) and sign-out (`/logout`) of team mode."""

from __future__ import annotations

import asyncio

from nicegui import app, ui
from starlette.responses import RedirectResponse

from . import names
from .auth import LOGIN_PATH, NEXT, USER_ID, TeamAuth, forget_sign_in, remember_sign_in
from .theme import add_head

WRONG_CREDENTIALS = 'Wrong username or password'  # never says which: a wrong name must not reveal who has an account
TOO_MANY_ATTEMPTS = 'Too many sign-in attempts. Wait a minute and try again.'


def register_login(team: TeamAuth) -> None:
    """Add /login and /logout to the app."""

    @ui.page(LOGIN_PATH, title='Sign in · Parley')
    def login_page() -> RedirectResponse | None:
        if app.storage.user.get(USER_ID):
            # Already signed in (or so the session says: `/` checks it and sends a stale session back here).
            return RedirectResponse('/', status_code=303)
        add_head()
        LoginForm(team)
        return None

    @app.get('/logout')
    def logout() -> RedirectResponse:
        forget_sign_in()
        return RedirectResponse(LOGIN_PATH, status_code=303)


class LoginForm:
    """Username, password and Sign in; a failure says so in an alert and keeps the page."""

    def __init__(self, team: TeamAuth) -> None:
        self.team = team
        with ui.card().classes('parley-login absolute-center q-pa-lg gap-3').style('width: min(24rem, 92vw)'):
            ui.label('Sign in to Parley').classes('text-h6')
            self.name = ui.input(names.USERNAME).props('autofocus autocomplete=username outlined dense')
            self.name.classes('w-full').props['aria-label'] = names.USERNAME
            self.password = ui.input(names.PASSWORD, password=True, password_toggle_button=False)
            self.password.props('autocomplete=current-password outlined dense').classes('w-full')
            self.password.props['aria-label'] = names.PASSWORD
            self.password.on('keydown.enter', self.submit)
            self.error = ui.label('').props('role=alert').classes('text-negative')
            self.button = ui.button(names.SIGN_IN, on_click=self.submit).classes('w-full')

    async def submit(self) -> None:
        name, password = self.name.value or '', self.password.value or ''
        address = self.team.client_address(ui.context.client.request)
        if not self.team.throttle.attempt(address, name):
            self._fail(TOO_MANY_ATTEMPTS)
            return
        self.button.disable()
        try:
            # argon2 takes tens of milliseconds of CPU by design: off the event loop, so other pages keep streaming
            user = await asyncio.to_thread(self.team.accounts.authenticate, name, password)
        finally:
            self.button.enable()
        if user is None:
            self._fail(WRONG_CREDENTIALS)
            return
        self.team.throttle.succeeded(address, name)
        remember_sign_in(user)
        target = app.storage.user.pop(NEXT, '/')
        ui.navigate.to(target if target.startswith('/') and not target.startswith('//') else '/')

    def _fail(self, message: str) -> None:
        self.error.text = message
        self.password.value = ''
        self.password.run_method('focus')
