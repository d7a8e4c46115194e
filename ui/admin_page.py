"""The admin page (`/admin`, administrators only): add users, disable or enable them, reset their passwords,
make them administrators or take the role away."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import partial

from nicegui import Event, app, ui
from nicegui.events import GenericEventArguments

from engine.accounts import AccountError, Accounts
from storage.models import User

from . import names
from .auth import STAMP, TeamAuth, end_access
from .box_text import emit_text_of, text_of
from .current_user import current_user_id, is_admin
from .login_page import AS_TYPED
from .preferences import add_dark_mode
from .side_page import side_page
from .theme import BACK_TO_LAST_CHAT, add_head

ADMIN_PATH = '/admin'
ACTION = 'outline no-caps dense'  # the buttons of a user's row
ADMINS_ONLY = 'Only administrators can open this page.'


# A change of accounts made on one admin page, for every admin page open (each in its own browser's context).
ACCOUNTS_CHANGED: Event[AdminPage] = Event()


def register_admin(team: TeamAuth) -> None:
    """Add /admin to the app."""

    @ui.page(ADMIN_PATH, title='Admin · Parley')
    def admin_page() -> None:
        if not is_admin():  # the middleware refreshed the admin flag from the database for this very request
            refuse()
            return
        add_head()
        add_dark_mode()
        AdminPage(team.accounts)


def refuse() -> None:
    """What a user who is not an administrator gets: the frame of Settings' refusal (a header with the way back to
    the chat) with the reason, answered with 403 Forbidden."""
    ui.context.client.status_code = 403
    side_page(names.ADMIN_PAGE)
    ui.label(ADMINS_ONLY).classes('parley-notice')


class AdminPage:
    """The users table and the add-user form; every action re-checks that its user is still an admin."""

    def __init__(self, accounts: Accounts) -> None:
        self.accounts = accounts
        self.me = current_user_id()  # read now: a refresh may run for another admin's change, in their request
        with ui.column().classes('q-pa-lg gap-4 w-full').style('max-width: 56rem; margin: 0 auto') as self.column:
            with ui.row().classes('items-center w-full'):
                ui.label('Users').classes('text-h5')
                ui.space()
                ui.link(names.BACK_TO_CHAT, '/').on('click', js_handler=BACK_TO_LAST_CHAT)
            with ui.element('div').classes('q-markup-table q-table__container q-table--flat w-full parley-users-box'):
                with ui.element('table').classes('q-table w-full parley-users') as table:
                    table.props['aria-label'] = names.USERS
                    with ui.element('thead'), ui.element('tr'):
                        for heading in ('Username', 'Role', 'Status', 'Actions'):
                            with ui.element('th').classes('text-left'):
                                ui.label(heading)
                    self.body = ui.element('tbody')
                self.rows: dict[str, UserRow] = {}  # by user id
            self._add_form()
        self.refresh()
        ACCOUNTS_CHANGED.subscribe(self._changed)  # every admin page shows the table as it now is

    def _add_form(self) -> None:
        with ui.card().classes('w-full'), ui.row().classes('items-end gap-3 w-full'):
            self.new_name = ui.input(names.USERNAME).props(f'outlined dense autocomplete=off {AS_TYPED}')
            self.new_name.props['aria-label'] = names.USERNAME
            self.new_password = ui.input(names.PASSWORD, password=True)
            self.new_password.props('outlined dense autocomplete=new-password')
            self.new_password.props['aria-label'] = names.PASSWORD
            self.new_admin = ui.checkbox(names.ADMIN)
            add = ui.button(names.ADD_USER).props('no-caps')  # with the boxes' text (ui/box_text.py), as Sign in
            add.on('click', self.add_user, js_handler=emit_text_of(self.new_name, self.new_password))
        self.form_error = ui.label('').props('role=alert').classes('text-negative')

    async def _changed(self, changed_by: AdminPage) -> None:
        """A change made on an admin page (this one has shown its own already). Only to an administrator still: a
        page left open by someone demoted or disabled since goes to the refusal instead of following the list."""
        if changed_by is self:
            return
        users = await asyncio.to_thread(self.accounts.store.list)
        if self.body.is_deleted:  # the page closed while the list was read: its rows are gone from the table
            return
        me = next((user for user in users if user.id == self.me), None)
        if me is None or not me.is_admin or me.disabled:
            ACCOUNTS_CHANGED.unsubscribe(self._changed)
            ui.navigate.reload()  # /admin asks the database again and refuses
            return
        self.refresh(users)

    def refresh(self, users: list[User] | None = None) -> None:
        """Show the accounts as they now are, row by row in place: a row's buttons stay the same elements (Disable
        turns into Enable), so a keyboard user's focus stays where it was when a change is made, here or on another
        admin page; rebuilding the rows dropped it to the page."""
        if self.body.is_deleted:  # closed while an action ran off the event loop (see _apply)
            return
        users = self.accounts.store.list() if users is None else users
        for index, user in enumerate(users):
            row = self.rows.get(user.id)
            if row is None:
                with self.body:
                    row = self.rows[user.id] = UserRow(self, user, is_me=user.id == self.me)
            else:
                row.show(user)
            if self.body.default_slot.children.index(row.element) != index:  # a new name sorts in among the others
                row.element.move(self.body, index)
        for gone in self.rows.keys() - {user.id for user in users}:
            self.body.remove(self.rows.pop(gone).element)

    async def set_disabled(self, user: User, disabled: bool) -> None:
        change = partial(self.accounts.set_disabled, user.id, disabled, acting_user_id=current_user_id())
        done = f'{user.name} is disabled and signed out.' if disabled else f'{user.name} can sign in again.'
        if await self._apply(change, done) and disabled:
            end_access(user.id)

    async def set_admin(self, user: User, is_admin: bool) -> None:
        # Their open pages keep working; an Admin or Settings action there is refused from now on (each asks the
        # database whether its user is still an administrator), and their next page has neither link.
        change = partial(self.accounts.set_admin, user.id, is_admin, acting_user_id=current_user_id())
        await self._apply(change, f'{user.name} is {"an" if is_admin else "no longer an"} administrator.')

    async def _apply(self, change: Callable[[], None], done: str) -> bool:
        """Make an account change (off the event loop) if this page's user is still an administrator; say how it
        went and show the table as it now is. True if the change was made."""
        if not self._still_admin():
            return False
        try:
            await asyncio.to_thread(change)
        except AccountError as error:
            ui.notify(str(error), type='warning')
            made = False
        else:
            ui.notify(done, type='positive')
            made = True
        self.refresh()
        if made:
            ACCOUNTS_CHANGED.emit(self)
        return made

    def _still_admin(self) -> bool:
        """The page may be older than a demotion or disabling of its own user: ask the database, not the page."""
        user_id = current_user_id()
        user = user_id and self.accounts.session_user(user_id, app.storage.user.get(STAMP))
        if user and user.is_admin:
            return True
        ui.notify(ADMINS_ONLY, type='negative')
        ui.navigate.to('/login')
        return False

    async def add_user(self, event: GenericEventArguments) -> None:
        if not self._still_admin():
            return
        name, password = text_of(event, self.new_name, self.new_password)
        try:
            user = await asyncio.to_thread(self.accounts.create, name, password, is_admin=self.new_admin.value)
        except AccountError as error:
            self.form_error.text = str(error)
            return
        self.form_error.text = ''
        self.new_name.value = self.new_password.value = ''
        self.new_admin.value = False
        ui.notify(f'Added {user.name}.', type='positive')
        self.refresh()
        ACCOUNTS_CHANGED.emit(self)

    def reset_dialog(self, user: User) -> None:
        # Beside the table, not in the row of the button: the rows are the table's to change.
        with self.column, ui.dialog() as dialog, ui.card().classes('gap-3'):
            ui.label(f'New password for {user.name}').classes('text-h6')
            password = ui.input(names.NEW_PASSWORD, password=True).props('outlined dense autofocus '
                                                                         'autocomplete=new-password')
            password.props['aria-label'] = names.NEW_PASSWORD
            error = ui.label('').props('role=alert').classes('text-negative')

            async def save() -> None:
                if not self._still_admin():
                    return
                try:
                    await asyncio.to_thread(self.accounts.set_password, user.id, password.value or '')
                except AccountError as problem:
                    error.text = str(problem)
                    return
                end_access(user.id)
                dialog.close()
                ui.notify(f'Password of {user.name} reset; they are signed out everywhere.', type='positive')

            password.on('keydown.enter', save)
            with ui.row().classes('justify-end w-full'):
                ui.button(names.CANCEL, on_click=dialog.close).props('flat no-caps')
                ui.button(names.SAVE, on_click=save).props('unelevated no-caps')
        dialog.on('hide', dialog.delete)
        dialog.open()


class UserRow:
    """One account's row. Its buttons are made once and changed in place by `show`, in the same order in every row
    under their heading, so each action is where the eye left it; none louder than another, Disable in the colour of
    a warning (it signs the person out at once)."""

    def __init__(self, page: AdminPage, user: User, *, is_me: bool) -> None:
        self.page = page
        self.user = user
        self.is_me = is_me
        with ui.element('tr') as self.element:
            with ui.element('td'):
                self.name = ui.label()
            with ui.element('td'):
                self.role = ui.label()
            with ui.element('td'):
                self.status = ui.label()
            with ui.element('td'), ui.row().classes('gap-2 no-wrap parley-user-actions'):
                ui.button(names.RESET_PASSWORD, on_click=lambda: page.reset_dialog(self.user)).props(ACTION)
                self.role_button = ui.button(on_click=self._toggle_role).props(ACTION).classes('parley-role-action')
                self.access_button = ui.button(on_click=self._toggle_access).props(ACTION)
        self.show(user)

    async def _toggle_role(self) -> None:
        await self.page.set_admin(self.user, not self.user.is_admin)

    async def _toggle_access(self) -> None:
        await self.page.set_disabled(self.user, not self.user.disabled)

    def show(self, user: User) -> None:
        self.user = user
        self.name.text = user.name + (' (you)' if self.is_me else '')
        self.role.text = 'Administrator' if user.is_admin else 'User'
        self.status.text = 'Disabled' if user.disabled else 'Active'
        # An admin never demotes themselves (another admin can), nor locks themselves out.
        self.role_button.text = names.REMOVE_ADMIN if user.is_admin else names.MAKE_ADMIN
        self.role_button.visible = not self.is_me
        self.access_button.text = names.ENABLE_USER if user.disabled else names.DISABLE_USER
        if user.disabled:
            self.access_button.classes(remove='parley-danger').set_background_color('primary')
        else:
            self.access_button.classes(add='parley-danger').set_background_color(None)
        self.access_button.visible = user.disabled or not self.is_me
