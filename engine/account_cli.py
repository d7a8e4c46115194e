"""`python app.py create-user NAME [--admin] [--password-stdin] [--reset]`: accounts from the command line, so the
first administrator of a team server exists before anyone opens it (and a lost admin password can be reset)."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from storage.accounts import AccountStore
from storage.database import create_db_engine, default_database_url, migrate

from .accounts import AccountError, Accounts
from .settings import Settings


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog='parley create-user',
                                     description='Create a team-mode account in Parley\'s database.')
    parser.add_argument('name', help='the username')
    parser.add_argument('--admin', action='store_true', help='may manage accounts and providers')
    parser.add_argument('--password-stdin', action='store_true',
                        help='read the password from the first line of standard input (for scripts)')
    parser.add_argument('--reset', action='store_true',
                        help='set a new password for an existing user instead (and, with --admin, make them admin)')
    parser.add_argument('--data-dir', type=Path, help="the data dir of the Parley to change (default: the user's)")
    return parser.parse_args(argv)


def read_password(from_stdin: bool, name: str) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip('\r\n')
    password = getpass.getpass(f'Password for {name}: ')
    if getpass.getpass('Repeat it: ') != password:
        raise AccountError('The passwords differ.')
    return password


def create_user(argv: list[str]) -> int:
    """Run the command; the exit status is 0 when the account was stored."""
    args = parse_args(argv)
    settings = Settings(**({'data_dir': args.data_dir} if args.data_dir else {}))
    database = create_db_engine(settings.database_url or default_database_url(settings.data_dir))
    try:
        password = read_password(args.password_stdin, args.name)
        migrate(database)
        accounts = Accounts(AccountStore(database))
        if args.reset:
            user = accounts.store.by_name(args.name.strip())
            if user is None:
                raise AccountError(f'There is no user named {args.name!r}.')
            accounts.set_password(user.id, password)
            accounts.store.update(user.id, disabled=False, **({'is_admin': True} if args.admin else {}))
            print(f'New password set for {user.name}.')
        else:
            user = accounts.create(args.name, password, is_admin=args.admin)
            print(f'Created {"administrator" if user.is_admin else "user"} {user.name}.')
    except AccountError as error:
        print(f'parley create-user: {error}', file=sys.stderr)
        return 1
    finally:
        database.dispose()
    if not settings.team_mode:
        print('Accounts are used in team mode: start Parley with PARLEY_AUTH=local and PARLEY_SESSION_SECRET set.')
    return 0
