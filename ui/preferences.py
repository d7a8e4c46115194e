"""What Parley remembers of a person between visits (last model, sidebar open or closed, dark mode, instructions for
new chats), on the server.

Signed in (team mode), each account has its own, kept in the app-wide storage under its id: not in the browser's
session, which signing in replaces (so a planted session cannot be shared) and signing out clears; the choices
follow the person to their next sign-in and to their other browsers. In personal mode there is one person and
possibly no storage secret, so the app-wide storage is theirs.
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path
from typing import Any

from nicegui import app, ui
from nicegui.storage import Storage

from providers.registry import ProviderRegistry

from .current_user import current_user_id, team_mode

LAST_MODEL = 'last_model'
SIDEBAR_OPEN = 'sidebar_open'
DARK_MODE = 'dark_mode'
NEW_CHAT_INSTRUCTIONS = 'new_chat_instructions'  # what a new chat's instructions start as (ui/instructions.py)
BY_ACCOUNT = 'preferences_by_account'  # in the app-wide storage: {user id: {name: value}}
GENERAL_FILE = 'storage-general.json'  # NiceGUI's name for the app-wide storage's file

log = logging.getLogger(__name__)


def keep_in(directory: Path) -> None:
    """Keep NiceGUI's files, these preferences among them, in `directory` (the data directory's `nicegui/`).

    NiceGUI opens its app-wide storage as it is imported, under `.nicegui` in the working directory, before Parley
    has read its settings, and setting `Storage.path` later moves only what is opened later: the preferences stayed
    wherever Parley was started from. So the app-wide storage is opened again here, and the preferences an older
    Parley left in the working directory are copied over the first time.
    """
    # where NiceGUI put it, worked out as NiceGUI does (nicegui/storage.py), for this process's directory
    earlier = Path(os.environ.get('NICEGUI_STORAGE_PATH', '.nicegui')).resolve() / GENERAL_FILE
    Storage.path = directory
    target = directory / GENERAL_FILE
    if not target.exists() and earlier.is_file() and earlier != target.resolve():
        directory.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(earlier, target)
        log.info('preferences copied from %s to %s', earlier, target)
    app.storage._general = Storage._create_persistent_dict('general')  # NiceGUI has no setter for it
    app.storage.general.initialize_sync()


def _store(*, create: bool = False) -> Any:
    """This person's preferences; `create` makes their entry (only a write needs one: each change is a file write)."""
    if not team_mode():
        return app.storage.general
    # Under the account's id, never the app-wide names themselves, which would hand one user's choice to everyone.
    general, user_id = app.storage.general, current_user_id()
    if create:
        return general.setdefault(BY_ACCOUNT, {}).setdefault(user_id, {})
    return general.get(BY_ACCOUNT, {}).get(user_id, {})


def remembered(name: str, default: Any = None) -> Any:
    return _store().get(name, default)


def remember(name: str, value: Any) -> None:
    if remembered(name) != value:  # every write is a file write: skip the ones that change nothing
        _store(create=True)[name] = value


def new_chat_model(providers: ProviderRegistry, configured: str | None) -> str | None:
    """A new chat starts with the model last sent with, if its provider is still there; else PARLEY_DEFAULT_MODEL."""
    last = remembered(LAST_MODEL)
    return providers.default_model(last if providers.resolve(last) else configured)


def add_dark_mode() -> ui.dark_mode:
    """Light or dark as the person chose with the chat header's switch, on every page of theirs; until they choose, or
    once they choose what their system has, as their system is (None: Quasar's auto, which follows a change of the
    system's setting too)."""
    return ui.dark_mode(remembered(DARK_MODE))
