"""Team mode's wiring: accounts, the first admin from the environment, the sign-in middleware and its pages."""

from __future__ import annotations

import logging
from collections.abc import Callable

from nicegui import app
from sqlalchemy import Engine

from engine.accounts import AccountError, Accounts, AuthMode, LoginThrottle, parse_networks
from engine.settings import Settings, secret
from storage.accounts import AccountStore

from .admin_page import register_admin
from .auth import TeamAuth, install_auth
from .login_page import register_login

log = logging.getLogger(__name__)


def setup_team(settings: Settings, database: Engine,
               stop_answers: Callable[[str], object] = lambda _user_id: None,
               owns: Callable[[str, str], bool] = lambda _user_id, _conversation_id: True) -> TeamAuth:
    """Guard every page with sign-in and add /login, /logout and /admin (call before `ui.run`); `stop_answers(user_id)`
    stops the answers being written for someone disabled or whose password was reset; `owns(user_id, conversation_id)`
    tells whether a chat a sign-in would go on to is that person's."""
    accounts = Accounts(AccountStore(database))
    admin_password = secret(settings.admin_password)
    if settings.admin_user and admin_password:
        try:
            if admin := accounts.create_first_admin(settings.admin_user, admin_password):
                log.info('created administrator %s from PARLEY_ADMIN_USER', admin.name)
        except AccountError as error:
            raise SystemExit(f'parley: PARLEY_ADMIN_USER/PARLEY_ADMIN_PASSWORD: {error}') from error
    elif settings.admin_user or admin_password:
        log.warning('PARLEY_ADMIN_USER and PARLEY_ADMIN_PASSWORD work only together; no administrator was created')
    if not accounts.store.count() and settings.auth.strip().lower() == AuthMode.LOCAL:
        log.warning('no accounts yet: create the first administrator with `python app.py create-user NAME --admin` '
                    'or set PARLEY_ADMIN_USER and PARLEY_ADMIN_PASSWORD')
    team = TeamAuth(accounts, AuthMode(settings.auth.strip().lower()), LoginThrottle(settings.login_rate_limit),
                    settings.proxy_user_header, parse_networks(settings.trusted_proxies), settings.proxy_sign_out_url,
                    stop_answers, owns)
    install_auth(app, team)
    register_login(team)
    register_admin(team)
    return team
