"""The sign-in page (`/login`) and sign-out (`/logout`) of team mode.

The password is checked over the page's websocket, which cannot set a cookie. So that a session id known before
sign-in (one an attacker planted in the browser, say) never becomes a signed-in session, a successful check hands
over through two plain HTTP requests with single-use tickets: /login/session gives the browser a new session id,
and /login/done, arriving with it, marks that new session as the user's.
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
import time
from dataclasses import dataclass

from nicegui import app, ui
from nicegui.events import GenericEventArguments
from sqlalchemy.exc import SQLAlchemyError
from starlette.requests import Request
from starlette.responses import RedirectResponse

from engine.accounts import AccountDisabled

from . import names
from .auth import LOGIN_PATH, USER_ID, TeamAuth, forget_sign_in, remember_sign_in, rotate_session
from .box_text import emit_text_of, text_of
from .theme import add_head, asset_url, redirect_to

log = logging.getLogger(__name__)

WRONG_CREDENTIALS = 'Wrong username or password'  # never says which: a wrong name must not reveal who has an account
TOO_MANY_ATTEMPTS = 'Too many sign-in attempts. Wait a minute and try again.'
ROTATE_PATH = '/login/session'
DONE_PATH = '/login/done'
TICKET_SECONDS = 30.0
SAFE_PATH = re.compile(r'/[A-Za-z0-9/_.-]*')
CHAT_PATH = re.compile(r'/c/([^/]+)(?:/.*)?')  # a chat's page, or its export
AS_TYPED = 'autocapitalize=none autocorrect=off spellcheck=false'  # a username box: no phone capitalises or corrects


@dataclass(frozen=True)
class Ticket:
    user_id: str
    session_id: str  # only the browser session it was issued to may use it
    next: str
    expires: float


class Tickets:
    """Single-use, short-lived sign-in tickets (process-wide, in memory: a restart only means signing in again)."""

    def __init__(self) -> None:
        self._tickets: dict[str, Ticket] = {}

    def issue(self, user_id: str, session_id: str, next_path: str) -> str:
        now = time.monotonic()
        self._tickets = {token: ticket for token, ticket in self._tickets.items() if ticket.expires > now}
        token = secrets.token_urlsafe(32)
        self._tickets[token] = Ticket(user_id, session_id, next_path, now + TICKET_SECONDS)
        return token

    def take(self, token: str, session_id: str | None) -> Ticket | None:
        ticket = self._tickets.pop(token, None)
        if ticket is None or ticket.expires < time.monotonic() or ticket.session_id != session_id:
            return None
        return ticket


def safe_next(path: str | None) -> str:
    """Where to go after signing in: a plain path of this app, never another site (`//host`, `/\\host`, a URL)."""
    return path if path and SAFE_PATH.fullmatch(path) and not path.startswith('//') else '/'


def register_login(team: TeamAuth) -> None:
    """Add /login, its two hand-over steps and /logout to the app."""
    tickets = Tickets()

    @ui.page(LOGIN_PATH, title='Sign in · Parley')
    def login_page(request: Request) -> RedirectResponse | None:
        if app.storage.user.get(USER_ID):
            # Already signed in (or so the session says: `/` checks it and sends a stale session back here).
            return redirect_to('/', request)
        add_head()
        ui.add_head_html(f'<script type="module" src="{asset_url("forget_drafts.js")}"></script>')  # no one's drafts
        ui.dark_mode(None)  # nobody's choice yet: as the system is (Quasar's auto)
        LoginForm(team, tickets)
        return None

    @app.get('/logout')
    def logout(request: Request) -> RedirectResponse:
        forget_sign_in()
        return redirect_to(LOGIN_PATH, request)

    @app.get(ROTATE_PATH)
    async def new_session(request: Request, ticket: str = '') -> RedirectResponse:
        checked = tickets.take(ticket, request.session.get('id'))
        if checked is None:
            return redirect_to(LOGIN_PATH, request)
        await rotate_session(request)
        handover = tickets.issue(checked.user_id, request.session['id'], checked.next)
        return redirect_to(f'{DONE_PATH}?ticket={handover}', request)

    @app.get(DONE_PATH)
    async def signed_in(request: Request, ticket: str = '') -> RedirectResponse:
        checked = tickets.take(ticket, request.session.get('id'))
        user = checked and await asyncio.to_thread(team.accounts.store.get, checked.user_id)
        if not checked or user is None or user.disabled:
            return redirect_to(LOGIN_PATH, request)
        remember_sign_in(user, via_proxy=False)
        # A chat in the address is someone else's when they signed out there (a shared computer): a new chat, then.
        chat = CHAT_PATH.fullmatch(checked.next)
        try:
            mine = chat is None or await asyncio.to_thread(team.owns, user.id, chat[1])
        except SQLAlchemyError:  # signed in all the same: a new chat rather than an error page
            log.exception('could not tell whether %s is the signed-in user\'s chat', checked.next)
            mine = False
        return redirect_to(checked.next if mine else '/', request)


class LoginForm:
    """Username, password and Sign in; a failure says so in an alert and keeps the page."""

    def __init__(self, team: TeamAuth, tickets: Tickets) -> None:
        self.team = team
        self.tickets = tickets
        with ui.card().classes('parley-login absolute-center q-pa-lg gap-3').style('width: min(24rem, 92vw)'):
            ui.label('Sign in to Parley').classes('text-h6')
            self.name = ui.input(names.USERNAME).props(f'autofocus autocomplete=username outlined dense {AS_TYPED}')
            self.name.classes('w-full').props['aria-label'] = names.USERNAME
            self.password = ui.input(names.PASSWORD, password=True, password_toggle_button=False)
            self.password.props('autocomplete=current-password outlined dense').classes('w-full')
            self.password.props['aria-label'] = names.PASSWORD
            # Both carry the boxes' text (ui/box_text.py): a password manager fills them as the page connects.
            with_text = emit_text_of(self.name, self.password)
            self.password.on('keydown.enter', self.submit, js_handler=with_text)
            self.error = ui.label('').props('role=alert').classes('text-negative')
            self.button = ui.button(names.SIGN_IN).props('no-caps').classes('w-full')
            self.button.on('click', self.submit, js_handler=with_text)

    async def submit(self, event: GenericEventArguments) -> None:
        name, password = text_of(event, self.name, self.password)
        request = ui.context.client.request
        address = self.team.client_address(request)
        if not self.team.throttle.attempt(address, name):
            self._fail(TOO_MANY_ATTEMPTS)
            return
        self.button.disable()
        try:
            # argon2 takes tens of milliseconds of CPU by design: off the event loop, so other pages keep streaming
            user = await asyncio.to_thread(self.team.accounts.authenticate, name, password)
        except AccountDisabled as disabled:
            self.team.throttle.succeeded(address, name)  # the password was right: no guessing to slow down
            self._fail(str(disabled))
            return
        finally:
            self.button.enable()
        if user is None:
            self.team.throttle.failed(address)
            self._fail(WRONG_CREDENTIALS)
            return
        self.team.throttle.succeeded(address, name)
        ticket = self.tickets.issue(user.id, request.session['id'], safe_next(request.query_params.get('next')))
        ui.navigate.to(f'{ROTATE_PATH}?ticket={ticket}')

    def _fail(self, message: str) -> None:
        self.error.text = message
        self.password.value = ''
        self.password.run_method('focus')
