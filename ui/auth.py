"""Sign-in for team mode: every request outside a short public list must belong to an enabled account.

`AuthMiddleware` (a Starlette middleware, as in NiceGUI's authentication example) runs inside NiceGUI's session
middleware, so `app.storage.user` is this browser's server-side session. It checks the account on every request
against the database, so disabling a user or resetting their password ends their sessions at their next page
load. With PARLEY_AUTH=proxy, a request from a trusted proxy address that carries the user header signs that user
in (created on first sight); the same header from any other address is ignored.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from fastapi import FastAPI
from nicegui import Client, app
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from engine.accounts import AccountError, Accounts, AuthMode, LoginThrottle, Network, is_trusted, session_stamp
from storage.models import User

from .theme import redirect_to

log = logging.getLogger(__name__)

LOGIN_PATH = '/login'
PUBLIC_PATHS = frozenset({LOGIN_PATH, '/login/session', '/login/done', '/logout', '/healthz', '/favicon.ico'})
# NiceGUI's own scripts and styles, its websocket (a page's socket only attaches to a page the middleware already
# let through), and Parley's static assets: none of them holds anyone's data.
PUBLIC_PREFIXES = ('/_nicegui/', '/_nicegui_ws/', '/assets/')

# Keys of app.storage.user (the server-side session of one browser).
USER_ID = 'user_id'
USER_NAME = 'user_name'
IS_ADMIN = 'is_admin'
STAMP = 'stamp'
VIA_PROXY = 'via_proxy'  # signed in by the proxy's header: signing out must happen at the proxy
# On request.state (shared with the page's Client.request): whose page this is, so it can be ended at once.
OWNER = 'parley_user_id'
RELOAD_GRACE = 1.0  # seconds an ended page has to receive its reload before it is deleted


@dataclass
class TeamAuth:
    """How this team server signs people in."""

    accounts: Accounts
    mode: AuthMode
    throttle: LoginThrottle
    proxy_header: str = 'X-Forwarded-User'
    trusted_proxies: list[Network] = field(default_factory=list)
    proxy_sign_out_url: str = ''
    stop_answers: Callable[[str], object] = lambda _user_id: None  # every answer being written for the user
    owns: Callable[[str, str], bool] = lambda _user_id, _conversation_id: True  # is that chat the user's?

    def from_trusted_proxy(self, request: Request) -> bool:
        return is_trusted(request.client.host if request.client else None, self.trusted_proxies)

    def client_address(self, request: Request) -> str:
        """The address sign-in attempts are counted against: behind a trusted proxy, the nearest address in
        X-Forwarded-For that is not itself a trusted proxy (the rest of that header is whatever the client sent)."""
        peer = request.client.host if request.client else ''
        if not self.from_trusted_proxy(request):
            return peer
        hops = [hop.strip() for hop in request.headers.get('X-Forwarded-For', '').split(',') if hop.strip()]
        for hop in reversed(hops):
            if not is_trusted(hop, self.trusted_proxies):
                return hop
        return peer


# The one TeamAuth of this process (a process-wide registry, set once at start-up); None in personal mode.
_team: TeamAuth | None = None


def team() -> TeamAuth | None:
    return _team


def remember_sign_in(user: User, *, via_proxy: bool | None = None) -> None:
    """Make this browser's session the user's; written only when something changed (each write hits the disk).
    via_proxy None keeps what the session says about how it was signed in."""
    values = {USER_ID: user.id, USER_NAME: user.name, IS_ADMIN: user.is_admin, STAMP: session_stamp(user)}
    if via_proxy is not None:
        values[VIA_PROXY] = via_proxy
    storage = app.storage.user
    if any(storage.get(key) != value for key, value in values.items()):
        storage.update(values)


def forget_sign_in() -> None:
    app.storage.user.clear()


async def rotate_session(request: Request) -> None:
    """Give this browser a new session id, keeping nothing of the old session, before someone signs in: a session id
    known before the sign-in (one an attacker planted in the browser or copied from it) must never become a signed-in
    one. NiceGUI's session middleware sends the new id as the cookie."""
    if app.storage.user:
        forget_sign_in()
    request.session['id'] = session_id = str(uuid.uuid4())
    # NiceGUI makes a session's storage when a request first brings its id; this one was made in mid-request.
    await app.storage._create_user_storage(session_id)


def route_path(request: Request) -> str:
    """The path inside the app, without the prefix it is served under (root_path)."""
    path, root = request.url.path, request.scope.get('root_path', '')
    return (path[len(root):] or '/') if root and path.startswith(root) else path


def is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


class AuthMiddleware(BaseHTTPMiddleware):
    """Sends requests without an enabled account to /login (pages) or answers 401 (anything else)."""

    def __init__(self, app: FastAPI, team: TeamAuth) -> None:
        super().__init__(app)
        self.team = team

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        path = route_path(request)
        if is_public(path):
            return await call_next(request)
        try:
            user = await self.identify(request)
        except AccountError as error:  # the proxy sent a name Parley cannot use
            return PlainTextResponse(str(error), status_code=400)
        if user == 'disabled':
            return PlainTextResponse('This account is disabled. Ask an administrator.', status_code=403)
        if user is None:
            if request.method not in {'GET', 'HEAD'}:
                return PlainTextResponse('Sign in first.', status_code=401)
            # Back here after signing in; in the URL rather than the session, so a visitor without an account
            # never makes the server store anything.
            return redirect_to(LOGIN_PATH if path == '/' else f'{LOGIN_PATH}?{urlencode({"next": path})}', request)
        setattr(request.state, OWNER, user.id)
        return await call_next(request)

    async def identify(self, request: Request) -> User | str | None:
        """The signed-in, enabled account of this request; 'disabled' for a disabled proxy user; else None."""
        header = self.team.proxy_header
        if self.team.mode == AuthMode.PROXY and (name := request.headers.get(header, '').strip()):
            if self.team.from_trusted_proxy(request):
                user = await asyncio.to_thread(self.team.accounts.proxy_user, name)
                if user is None:
                    forget_sign_in()
                    return 'disabled'
                if app.storage.user.get(USER_ID) != user.id:
                    await rotate_session(request)
                remember_sign_in(user, via_proxy=True)
                return user
            log.warning('ignored %s from %s: not in PARLEY_TRUSTED_PROXIES', header,
                        request.client.host if request.client else 'an unknown address')
        storage = app.storage.user
        if not (user_id := storage.get(USER_ID)):
            return None
        user = await asyncio.to_thread(self.team.accounts.session_user, user_id, storage.get(STAMP))
        if user is None:  # deleted, disabled or its password reset since this session signed in
            forget_sign_in()
            return None
        remember_sign_in(user)  # picks up a changed admin flag
        return user


def end_access(user_id: str) -> None:
    """The user was disabled, or their password reset: stop the answers being written for them (they may not spend
    tokens any more) and end every page they have open."""
    if _team is not None:
        _team.stop_answers(user_id)
    end_open_pages(user_id)


def end_open_pages(user_id: str, *, browser: str | None = None, keep: Client | None = None) -> None:
    """End every open page of this user now (after disabling them or resetting their password), or only those of one
    browser (its session id: after signing out there), but `keep`: a connected page reloads into the middleware,
    which sends it to /login; then the page is deleted on the server, so a client that ignores the reload, or
    reconnects later, has no page left to send events to."""
    for client in list(Client.instances.values()):
        if client is keep:
            continue
        try:
            request = client.request
        except RuntimeError:  # a client without a request (NiceGUI's auto-index page)
            continue
        if getattr(request.state, OWNER, None) != user_id:
            continue
        if browser is not None and request.session.get('id') != browser:
            continue
        if client.has_socket_connection:
            client.run_javascript('window.location.reload()')
            asyncio.get_running_loop().call_later(RELOAD_GRACE, _delete, client)  # let the reload go out first
        else:
            _delete(client)


def _delete(client: Client) -> None:
    if client.id not in Client.instances:
        return
    # NiceGUI deletes a page whose socket went (its reload) after a reconnect timeout, unless it reconnects: that
    # deletion is cancelled, so a page reconnecting meanwhile cannot live on, and it would fail with a KeyError in
    # the log once this one is done. (`_delete_tasks` is NiceGUI's own; without it, only the KeyError comes back.)
    pending = getattr(client, '_delete_tasks', {})
    for task in pending.values():
        task.cancel()
    pending.clear()
    client.delete()


def install_auth(fastapi_app: FastAPI, team_auth: TeamAuth) -> None:
    """Guard every page (call before `ui.run`, which wraps it in NiceGUI's session middleware)."""
    global _team
    _team = team_auth
    fastapi_app.add_middleware(AuthMiddleware, team=team_auth)
