"""The Settings page (`/settings`): add, test and remove provider connections while Parley runs.

Keys go one way, from the browser to the server: the key field is emptied after saving and only a mask ("sk-…a1b2")
is ever sent back. Saved and removed connections change every open page's model picker at once.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from nicegui import ui
from nicegui.events import GenericEventArguments
from sqlalchemy.exc import SQLAlchemyError

from engine.provider_setup import (
    KINDS,
    ConnectionInputError,
    Connections,
    SavedConnection,
    connection_name,
)
from engine.secrets import MASK_MIN_LENGTH, MASK_TAIL, SecretKeyError, mask, redact
from providers.errors import ProviderError
from storage.errors import describe

from . import names
from .box_text import emit_text_of, text_of
from .current_user import is_admin
from .side_page import side_page

log = logging.getLogger(__name__)

BASE_URL_HINTS = {
    'openai': 'optional: https://api.openai.com/v1',
    'anthropic': 'optional: https://api.anthropic.com',
    'google': 'optional: https://generativelanguage.googleapis.com',
    'openai_compatible': 'e.g. http://localhost:1234/v1',
}
SHOWN_MODELS = 5
NAME_HINT = 'Its models appear as name/model. Letters, digits, ".", "-" and "_"; spaces become "-".'
T = TypeVar('T')


def register_settings(connections: Connections) -> None:
    """Add `/settings` to the app."""

    @ui.page('/settings', title='Settings · Parley')
    def settings_page() -> None:
        side_page(names.SETTINGS)
        if not is_admin():  # team mode: the keys are the administrator's
            ui.label('Only an administrator can change provider connections.').classes('parley-notice')
            return
        SettingsPage(connections)


def still_admin() -> bool:
    """The page may be older than its user's sign-out or demotion (another tab, an administrator): ask again."""
    if is_admin():
        return True
    ui.notify('Only an administrator can change provider connections.', type='negative')
    return False


def hide_key(text: str, key: str) -> str:
    """A provider may quote the key it refused; the page shows the mask instead. Keys in use, and a saved key
    the form reused (the field left empty), are masked by the process-wide redactor."""
    return redact(text.replace(key, mask(key) or '…') if key else text)


class SettingsPage:
    def __init__(self, connections: Connections) -> None:
        self.connections = connections
        with ui.column().classes('parley-settings w-full max-w-3xl mx-auto gap-4 p-4'):
            # Headings to a screen reader (its list of headings is how many find their way), as they look.
            ui.label(names.CONNECTIONS).classes('text-h6').props('role=heading aria-level=1')
            ui.label(f'Keys are kept encrypted on this server; after saving, only their last {MASK_TAIL} characters '
                     f'are shown (none of a key shorter than {MASK_MIN_LENGTH}).')
            self.list = ui.element('ul').classes('parley-connections w-full')
            self.list.props['aria-label'] = names.CONNECTIONS
            with ui.card().classes('w-full parley-connection-form'):
                ui.label(names.CONNECTION_FORM).classes('text-subtitle1').props('role=heading aria-level=2')
                self.kind = ui.select(KINDS, value='openai_compatible', label=names.PROVIDER_KIND,
                                      on_change=self._kind_changed).classes('w-full').props('outlined dense')
                self.kind.props['aria-label'] = names.PROVIDER_KIND
                self.name = ui.input(names.CONNECTION_NAME).classes('w-full').props('outlined dense stack-label')
                self.name.props['aria-label'] = names.CONNECTION_NAME
                self.name.props['hint'] = NAME_HINT
                self.name.on_value_change(self._update_buttons)
                self.base_url = ui.input(names.BASE_URL).classes('w-full').props('outlined dense stack-label')
                self.base_url.props['aria-label'] = names.BASE_URL
                self.api_key = ui.input(names.API_KEY, password=True).classes('w-full')
                # new-password: browsers neither offer nor store it as a login password
                self.api_key.props('outlined dense stack-label autocomplete=new-password spellcheck=false')
                self.api_key.props['aria-label'] = names.API_KEY
                with ui.row().classes('gap-2'):
                    # Both carry the boxes' text (ui/box_text.py): a key pasted and saved as the page connects.
                    with_text = emit_text_of(self.name, self.base_url, self.api_key)
                    self.test_button = ui.button(names.TEST_CONNECTION).props('outline no-caps')
                    self.test_button.on('click', self.test, js_handler=with_text)
                    self.save_button = ui.button(names.SAVE).props('unelevated no-caps')
                    self.save_button.on('click', self.save, js_handler=with_text)
                    self.remove_button = ui.button(names.REMOVE, on_click=self.confirm_remove, color=None)
                    self.remove_button.props('flat no-caps').classes('parley-danger')
                self.status = ui.label('').classes('parley-connection-status')
                self.status.props['role'] = 'status'
                self.status.props['aria-label'] = names.SETTINGS_STATUS
        self._kind_changed()
        self.render_list()

    def render_list(self) -> None:
        self.saved = {saved.name: saved for saved in self.connections.saved()}
        self.list.clear()
        with self.list:
            for saved in self.saved.values():
                self._saved_item(saved)
            for name, source in self.connections.from_environment().items():
                with ui.element('li').classes('parley-connection'):
                    ui.label(name).classes('text-weight-medium')
                    ui.label(f'from {source}' if source == 'environment' else source).classes('parley-muted')
            if not self.list.default_slot.children:
                ui.label('No provider yet: add one below.').classes('parley-muted')
        self._update_buttons()

    def _saved_item(self, saved: SavedConnection) -> None:
        with ui.element('li').classes('parley-connection'):
            ui.label(saved.name).classes('text-weight-medium')
            ui.label(KINDS.get(saved.kind, saved.kind))
            if saved.base_url:
                ui.label(saved.base_url).classes('parley-muted')
            if saved.key_mask:
                ui.label(f'key {saved.key_mask}').classes('parley-muted')
            if saved.problem:
                ui.label(saved.problem).classes('parley-problem')
            edit = ui.button(names.EDIT_CONNECTION, on_click=lambda: self.edit(saved)).props('flat dense no-caps')
            edit.props['aria-label'] = names.EDIT_CONNECTION

    def edit(self, saved: SavedConnection) -> None:
        """Load a saved connection into the form; its key stays on the server (an empty field keeps it)."""
        self.kind.value = saved.kind
        self.name.value = saved.name
        self.base_url.value = saved.base_url or ''
        self.api_key.value = ''
        self._placeholder(self.api_key, f'{saved.key_mask} saved: leave empty to keep it' if saved.key_mask else '')
        self.status.text = ''

    def _kind_changed(self) -> None:
        kind = self.kind.value or 'openai_compatible'
        self._placeholder(self.base_url, BASE_URL_HINTS[kind])
        self._placeholder(self.name, {'openai_compatible': 'e.g. lmstudio'}.get(kind, kind))

    @staticmethod
    def _placeholder(field: ui.input, text: str) -> None:
        field.props['placeholder'] = text
        field.update()

    def _update_buttons(self) -> None:
        self.remove_button.enabled = connection_name(self.name.value or '') in self.saved

    def _form(self, event: GenericEventArguments) -> tuple[str, str, str, str]:
        name, base_url, key = text_of(event, self.name, self.base_url, self.api_key)
        return self.kind.value or '', name, base_url, key

    async def test(self, event: GenericEventArguments) -> None:
        kind, name, base_url, key = self._form(event)
        await self._run('Testing…', lambda: self.connections.test(kind, name, base_url, key), key,
                        lambda models: f'Connected: {describe_models(models)}.')

    async def save(self, event: GenericEventArguments) -> None:
        kind, name, base_url, key = self._form(event)

        def saved(result: tuple[str, list[str]]) -> str:
            saved_name, models = result
            self.name.value = saved_name
            self.api_key.value = ''  # the key never goes back to the browser, not even in the field
            self.render_list()
            self.edit(self.saved[saved_name])
            return f'Saved {saved_name}: {describe_models(models)} in the model picker.'

        await self._run('Testing and saving…', lambda: self.connections.save(kind, name, base_url, key), key, saved)

    async def _run(self, doing: str, action: Callable[[], Awaitable[T]], key: str,
                   done: Callable[[T], str]) -> None:
        """Run a test or save with the buttons off; show what happened, in plain words, in the status line."""
        if not still_admin():
            return
        self.status.text = doing
        self.status.classes(remove='parley-problem')
        for button in (self.test_button, self.save_button, self.remove_button):
            button.disable()
        try:
            message = done(await action())
        except (ConnectionInputError, ProviderError) as error:
            message = hide_key(error.message if isinstance(error, ProviderError) else str(error), key)
            # Said in a chat it points here; here, the key in the form is the one meant.
            message = message.replace(f'Check {self.connections.key_hint}.', 'Check the API key.')
            self.status.classes(add='parley-problem')
        except SecretKeyError as error:  # the key file cannot be made or read: nothing was saved
            message = f'Keys cannot be stored on this server: {error}.'
            self.status.classes(add='parley-problem')
        except SQLAlchemyError as error:
            log.exception('saving a provider connection failed')
            message = f'The connection was not saved: {describe(error)}. Try again in a moment.'
            self.status.classes(add='parley-problem')
        except Exception as error:  # an SDK failing in a way the adapters do not map: say so, keep the page
            log.exception('testing a provider connection failed')
            message = hide_key(f'The connection could not be tested: {error}', key)
            self.status.classes(add='parley-problem')
        finally:
            self.test_button.enable()
            self.save_button.enable()
            self._update_buttons()
        self.status.text = message

    def confirm_remove(self) -> None:
        name = connection_name(self.name.value or '')
        with ui.dialog() as dialog, ui.card().classes('parley-dialog'):
            dialog.props['aria-label'] = names.REMOVE_CONNECTION_DIALOG
            ui.label(f'Remove the connection “{name}”?').classes('text-h6')
            ui.label('Its models leave the model picker and its key is deleted from this server.')

            async def remove() -> None:
                dialog.close()
                if not still_admin():
                    return
                try:
                    removed = await self.connections.remove(name)
                except SQLAlchemyError as error:
                    log.exception('removing a provider connection failed')
                    self.status.text = f'{name} was not removed: {describe(error)}. Try again in a moment.'
                    return
                if not removed:  # removed meanwhile, in another tab
                    self.render_list()
                    self.status.text = f'There is no saved connection named {name}.'
                    return
                self.name.value = ''
                self._placeholder(self.api_key, '')
                self.render_list()
                self.status.text = f'Removed {name}.'

            with ui.row().classes('justify-end w-full'):
                ui.button(names.CANCEL, on_click=dialog.close).props('flat no-caps')
                ui.button(names.REMOVE, on_click=remove).props('unelevated no-caps color=negative')
        dialog.on('hide', dialog.delete)
        dialog.open()


def describe_models(models: list[str]) -> str:
    """'3 models (a, b, c)': how many, and the first few by name."""
    if not models:
        return 'no models listed'
    shown = ', '.join(models[:SHOWN_MODELS]) + (', …' if len(models) > SHOWN_MODELS else '')
    return f'{len(models)} model{"s" if len(models) != 1 else ""} ({shown})'
