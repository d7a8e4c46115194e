"""Team-mode accounts: password hashing (argon2), sign-in checks, creating and managing users, and the checks
that keep a team server from starting half-configured.

Personal mode (PARLEY_AUTH=none) has no accounts; everything here is used only when PARLEY_AUTH is local or proxy.
"""

from __future__ import annotations

import hashlib
import ipaddress
import secrets
from enum import StrEnum
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from storage.accounts import AccountStore, DuplicateUserName
from storage.models import User

from .settings import Settings, secret

MIN_PASSWORD_CHARS = 8
MAX_NAME_CHARS = 128
MIN_SECRET_CHARS = 32
LOOPBACK_NAMES = {'localhost', 'localhost.localdomain'}
SECRET_FILE = 'session-secret'
NEW_SECRET_HINT = "python -c 'import secrets; print(secrets.token_urlsafe(32))'"

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class AuthMode(StrEnum):
    NONE = 'none'  # personal mode: one person, no sign-in
    LOCAL = 'local'  # accounts with passwords, signed in at /login
    PROXY = 'proxy'  # a trusted reverse proxy names the user in a header; local accounts still work at /login


class AccountError(ValueError):
    """A request about accounts that cannot be done, in words for the person who asked."""


class AccountDisabled(AccountError):
    """The name and password are right, but an administrator disabled the account: said only to whoever knows its
    password, so it tells nobody else that the account exists."""

    def __init__(self) -> None:
        super().__init__('This account is disabled. Ask an administrator to enable it.')


def check_name(name: str) -> str:
    """The name as stored (surrounding spaces dropped), or AccountError saying what is wrong with it."""
    name = name.strip()
    if not name:
        raise AccountError('Enter a username.')
    if len(name) > MAX_NAME_CHARS:
        raise AccountError(f'A username has at most {MAX_NAME_CHARS} characters.')
    if any(not char.isprintable() for char in name):
        raise AccountError('A username cannot contain control characters.')
    return name


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_CHARS:
        raise AccountError(f'A password needs at least {MIN_PASSWORD_CHARS} characters.')


def session_stamp(user: User) -> str:
    """A fingerprint of the user's password hash kept in their session: resetting the password changes it, so
    every session opened with the old password ends at its next request."""
    return hashlib.sha256((user.password_hash or 'no-password').encode()).hexdigest()[:16]


class Accounts:
    """Creating, checking and managing accounts; synchronous (argon2 takes tens of milliseconds: call from a thread)."""

    def __init__(self, store: AccountStore, hasher: PasswordHasher | None = None) -> None:
        self.store = store
        self.hasher = hasher or PasswordHasher()
        # Unknown names are checked against this hash too, so a wrong name takes as long as a wrong password and
        # the time of a failed sign-in does not tell which one was wrong.
        self._decoy = self.hasher.hash(secrets.token_urlsafe(16))

    def create(self, name: str, password: str | None, *, is_admin: bool = False) -> User:
        """A new account; password None makes one that can sign in only through the trusted proxy."""
        name = check_name(name)
        if password is not None:
            check_password(password)
        try:
            return self.store.add(name, password_hash=None if password is None else self.hasher.hash(password),
                                  is_admin=is_admin)
        except DuplicateUserName as error:
            raise AccountError(str(error)) from error

    def authenticate(self, name: str, password: str) -> User | None:
        """The account if name (whatever its case: storage/accounts.py) and password match and it is enabled; None
        otherwise (the caller never learns which part was wrong), or AccountDisabled when both match but it is
        disabled. A hash made with older parameters is replaced by one with the current ones."""
        user = self.store.by_name(name.strip())
        stored = user.password_hash if user and user.password_hash else None
        try:
            self.hasher.verify(stored or self._decoy, password)
        except (VerificationError, InvalidHashError):
            return None
        if user is None or stored is None:
            return None
        if user.disabled:
            raise AccountDisabled
        if self.hasher.check_needs_rehash(stored):
            user.password_hash = self.hasher.hash(password)
            self.store.update(user.id, password_hash=user.password_hash)
        return user

    def session_user(self, user_id: str, stamp: str | None) -> User | None:
        """The account a session belongs to, if it still may use Parley: it exists, is enabled, and its password
        has not been reset since the session signed in."""
        user = self.store.get(user_id)
        if user is None or user.disabled or stamp != session_stamp(user):
            return None
        return user

    def proxy_user(self, name: str) -> User | None:
        """The account the trusted proxy names (an existing one whatever the case of its name), created (not admin)
        on first sight; None if it is disabled."""
        name = check_name(name)
        user = self.store.by_name(name)
        if user is None:
            try:
                user = self.store.add(name, password_hash=None)
            except DuplicateUserName:  # a concurrent first request created it
                user = self.store.by_name(name)
        return None if user is None or user.disabled else user

    def create_first_admin(self, name: str, password: str) -> User | None:
        """The admin from PARLEY_ADMIN_USER/PASSWORD, created only while no account exists (a restart with the
        variables still set changes nothing, and never resets a password changed since)."""
        if self.store.count():
            return None
        try:
            return self.create(name, password, is_admin=True)
        except AccountError:
            if self.store.count():  # another process created the first account at the same moment
                return None
            raise

    def set_password(self, user_id: str, password: str) -> None:
        check_password(password)
        if not self.store.update(user_id, password_hash=self.hasher.hash(password)):
            raise AccountError('That user no longer exists.')

    def set_disabled(self, user_id: str, disabled: bool, *, acting_user_id: str | None) -> None:
        """Disable or enable an account; an admin cannot lock out themselves or the last admin."""
        user = self.store.get(user_id)
        if user is None:
            raise AccountError('That user no longer exists.')
        if disabled and user_id == acting_user_id:
            raise AccountError('You cannot disable your own account.')
        if not (disabled and user.is_admin):
            self.store.update(user_id, disabled=disabled)
        elif not self.store.update_keeping_an_admin(user_id, disabled=True):
            raise AccountError('You cannot disable the last administrator.')

    def set_admin(self, user_id: str, is_admin: bool, *, acting_user_id: str | None) -> None:
        """Make an account an administrator or take the role away; an admin cannot demote themselves (another
        admin can) or the last admin."""
        if self.store.get(user_id) is None:
            raise AccountError('That user no longer exists.')
        if not is_admin and user_id == acting_user_id:
            raise AccountError('You cannot remove your own administrator role; another administrator can.')
        if is_admin:
            self.store.update(user_id, is_admin=True)
        elif not self.store.update_keeping_an_admin(user_id, is_admin=False):
            raise AccountError('You cannot remove the last administrator.')


class LoginThrottle:
    """Stops password guessing: at most `rate` unfinished or failed sign-ins per address and name (counted before
    the password is checked, so parallel guesses count too; a success clears them), and ten times that many failures
    per address over all names. Process-wide, in memory."""

    def __init__(self, rate: str = '5/minute') -> None:
        self.per_name = parse(rate)
        self.per_address = type(self.per_name)(self.per_name.amount * 10, self.per_name.multiples)
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    def attempt(self, address: str, name: str) -> bool:
        """Count an attempt; False if this address or this address and name are over the limit."""
        if not self.limiter.test(self.per_address, address):
            return False
        return self.limiter.hit(self.per_name, address, name.strip().casefold())

    def failed(self, address: str) -> None:
        self.limiter.hit(self.per_address, address)

    def succeeded(self, address: str, name: str) -> None:
        self.limiter.clear(self.per_name, address, name.strip().casefold())


# Configuration checks: a team server refuses to start rather than run open or half-configured.

def is_loopback(host: str) -> bool:
    """Whether binding `host` reaches only this machine."""
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip('[]')).is_loopback
    except ValueError:  # a host name other than localhost may resolve to anything
        return False


def parse_networks(text: str) -> list[Network]:
    """PARLEY_TRUSTED_PROXIES: addresses or CIDR ranges separated by commas or spaces."""
    networks = []
    for part in text.replace(',', ' ').split():
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError as error:
            raise AccountError(f'PARLEY_TRUSTED_PROXIES: {part!r} is not an IP address or CIDR range.') from error
    return networks


def is_trusted(address: str | None, networks: list[Network]) -> bool:
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def config_problem(*, auth: str, host: str, session_secret: str | None, trusted_proxies: str) -> str | None:
    """Why Parley must not start with these settings, in words that name what to set; None if it may."""
    if auth not in set(AuthMode):
        return f"PARLEY_AUTH must be 'none', 'local' or 'proxy', not {auth!r}."
    if auth == AuthMode.NONE:
        if is_loopback(host):
            return None
        return (f'Parley will not listen on {host} without sign-in: anyone who can reach it could read every '
                'conversation and spend your provider keys.\n'
                'Set PARLEY_AUTH=local (accounts with passwords) or PARLEY_AUTH=proxy (a trusted reverse proxy '
                'names the user), and PARLEY_SESSION_SECRET to a long random string, e.g.\n'
                f'  PARLEY_AUTH=local PARLEY_SESSION_SECRET=$({NEW_SECRET_HINT}) python app.py --host {host}\n'
                'or keep the default --host 127.0.0.1 for a personal app.')
    if not session_secret:
        return (f'PARLEY_AUTH={auth} needs PARLEY_SESSION_SECRET: a random string of at least {MIN_SECRET_CHARS} '
                f'characters that signs the session cookies. Create one with\n  {NEW_SECRET_HINT}\n'
                'and keep it the same across restarts (changing it signs everyone out).')
    if len(session_secret) < MIN_SECRET_CHARS:
        return (f'PARLEY_SESSION_SECRET is too short ({len(session_secret)} characters): use at least '
                f'{MIN_SECRET_CHARS}, e.g. from\n  {NEW_SECRET_HINT}')
    if auth == AuthMode.PROXY and not trusted_proxies.strip():
        return ('PARLEY_AUTH=proxy needs PARLEY_TRUSTED_PROXIES: the addresses (or CIDR ranges) of the reverse proxy, '
                'e.g. PARLEY_TRUSTED_PROXIES=127.0.0.1. The user header is believed only from them.')
    try:
        parse_networks(trusted_proxies)
    except AccountError as error:
        return str(error)
    return None


def personal_storage_secret(data_dir: Path) -> str:
    """The secret that signs the browser-storage cookie in personal mode: random, made once and kept in the data
    dir (readable only by its owner), so per-browser storage works without anyone configuring a secret."""
    path = data_dir / SECRET_FILE
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    data_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(32)
    try:
        with path.open('x') as file:  # 'x': two Parleys starting at once never overwrite each other's secret
            path.chmod(0o600)
            file.write(secret)
    except FileExistsError:
        return path.read_text().strip()
    return secret


def startup_problem(settings: Settings) -> str | None:
    """config_problem for the app's settings, plus a readable PARLEY_LOGIN_RATE_LIMIT."""
    auth = settings.auth.strip().lower()
    if problem := config_problem(auth=auth, host=settings.host, session_secret=secret(settings.session_secret),
                                 trusted_proxies=settings.trusted_proxies):
        return problem
    try:
        parse(settings.login_rate_limit)
    except ValueError:
        return f'PARLEY_LOGIN_RATE_LIMIT: {settings.login_rate_limit!r} is not a rate such as 5/minute.'
    return None


def storage_secret(settings: Settings) -> str:
    """What signs the session cookie: PARLEY_SESSION_SECRET in team mode, a generated one in personal mode."""
    configured = secret(settings.session_secret)
    if settings.team_mode and configured:
        return configured
    return personal_storage_secret(settings.data_dir)
