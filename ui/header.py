"""The header: sidebar toggle, the model picker (and what a page puts beside it) and the dark-mode switch."""

from __future__ import annotations

import json
from collections.abc import Callable

from nicegui import ui
from nicegui.events import GenericEventArguments

from engine.provider_setup import as_read_by
from providers.registry import ProviderRegistry

from . import names
from .account_controls import account_controls
from .current_user import is_admin
from .preferences import DARK_MODE, add_dark_mode, remember

UNAVAILABLE = '· not available'  # ends in a letter: the picker shows labels right-to-left (parley.css)
SYSTEM_DARK = 'parley-system-dark'  # the page's event: the system's light or dark, as the page starts and on a change


class Header:
    """`model` is the picker's `provider/model` key; options refresh in the background, never blocking the page."""

    def __init__(self, providers: ProviderRegistry, model: str | None,
                 beside_model: Callable[[], None] | None = None,
                 default: Callable[[], str | None] | None = None) -> None:
        """`default` (a new chat's) works out the model the picker starts with: until the person picks one, the
        picker follows it as model lists arrive (a page opened while they load would keep a fallback otherwise)."""
        self.providers = providers
        self.admin = is_admin()  # read in the page's request; the problems are shown again from other requests
        self.default = default
        self.automatic = model if default else None  # the picker's value while it is still the default's choice
        with ui.header().classes('parley-header'):
            self.sidebar_button = ui.button(icon='menu').props('flat round dense')  # see Sidebar.toggled_by
            self.sidebar_button.classes('parley-sidebar-toggle')  # assets/slide_over.js gives it the focus back
            self.sidebar_button.props['aria-label'] = names.TOGGLE_SIDEBAR
            ui.label('Parley').classes('parley-brand')
            self.select = ui.select(self._options(model), value=model, with_input=True).classes('parley-model')
            self.select.props('dense outlined options-dense behavior=menu')
            self.select.props['aria-label'] = names.MODEL
            self._add_typing_keys()
            self.problems = ui.button(icon='warning_amber').props('flat round dense color=warning')
            self.problems.props['aria-label'] = names.PROVIDER_PROBLEMS
            with self.problems, ui.menu().classes('parley-problems'):
                self.problem_list = ui.column().classes('gap-1 p-3')
            self._show_problems()
            if beside_model:
                beside_model()  # the chat page's instructions button
            ui.space()
            # Handled in the browser (assets/keyboard.js opens the dialog through the same event as the `?` key).
            shortcuts = ui.button(icon='keyboard').props('flat round dense')
            shortcuts.classes('parley-keyboard-help parley-desk-only')  # no shortcuts button on a touch screen
            shortcuts.props['aria-label'] = names.KEYBOARD_HELP
            shortcuts.on('click', js_handler='() => emitEvent("parley-help")')
            if self.admin:  # provider keys are the administrator's in team mode
                settings = ui.link(names.SETTINGS, '/settings').classes('parley-settings-link')
                settings.props['aria-label'] = names.SETTINGS
            dark = add_dark_mode()
            self.dark: bool | None = dark.value  # as the page starts, None as the system is (the preview's colours)
            switch = ui.switch(value=bool(dark.value))
            switch.props('icon=dark_mode').props['aria-label'] = names.DARK_MODE
            switch.classes('parley-dark-switch')
            # The person's clicks only (the server's own changes of the switch send no event), with the system's
            # setting as it is at that moment: a click on a page just loaded may come before the page has told it.
            switch.on('update:model-value', lambda e: self._choose(dark, *e.args),
                      js_handler='(value) => emit(value, matchMedia("(prefers-color-scheme: dark)").matches)')
            self._follow_system(dark, switch)  # from the start, or once the person chooses what the system has
            account_controls()  # Admin link and Sign out, in team mode only
        ui.timer(0.1, self.refresh_models, once=True)  # only stale lists are fetched; the page never waits
        # A connection saved or removed on the Settings page changes the picker of every open page at once.
        ui.context.client.on_delete(providers.on_change(self._providers_changed))

    def _add_typing_keys(self) -> None:
        """Enter picks the model typed, as in the pickers people know (assets/model_picker.js says how)."""
        select, unavailable = f'getElement({self.select.id})', json.dumps(' ' + UNAVAILABLE)
        keys = 'window.parleyModelPicker'
        self.select.on('input-value', js_handler=f'(text) => {keys}?.mark({select}, text, {unavailable})')
        self.select.on('keydown', js_handler=f'(event) => {keys}?.enter({select}, event, {unavailable})')
        self.select.on('click', js_handler=f'() => {keys}?.click({select})')
        # Quasar names the list it opens (role=listbox) nothing and takes no attribute for it; the box (the element
        # with the select's id, the combobox) gives the list's id in aria-controls. Named once the list is in the
        # page: the event comes just before.
        box, name = f'getHtmlElement({self.select.id})', json.dumps(names.MODELS)
        self.select.on('popup-show', js_handler=f'''() => setTimeout(() => document.getElementById(
            {box}?.getAttribute("aria-controls"))?.setAttribute("aria-label", {name}))''')
        with self.select.add_slot('no-option'):
            ui.label('No model matches').classes('parley-no-match')

    @property
    def model(self) -> str | None:
        return self.select.value

    def _options(self, current: str | None) -> dict[str, str]:
        options = {info.key: info.key for info in self.providers.models()}
        if current and current not in options:
            # A chat keeps showing its model even if the list lost it; marked if its connection is gone (the test
            # the engine refuses a message by), so the person sees why and picks another.
            gone = self.providers.resolve(current) is None
            options = {current: f'{current} {UNAVAILABLE}' if gone else current, **options}
        return options

    async def refresh_models(self) -> None:
        await self.providers.refresh()
        self._providers_changed()

    def _providers_changed(self) -> None:
        value = self.select.value
        if self.default and value == self.automatic and (default := self.default()):
            value = self.automatic = default  # the person has not picked: the default, from the lists now known
        self.select.set_options(self._options(value), value=value)
        self._show_problems()

    def _show_problems(self) -> None:
        """A provider that could not list its models is marked, with the reason; its models stay selectable."""
        problems = self.providers.problems()
        self.problems.visible = bool(problems)
        self.problem_list.clear()
        with self.problem_list:
            ui.label('Some providers are unavailable:').classes('text-weight-medium')
            for problem in problems.values():
                ui.label(as_read_by(problem, admin=self.admin)).classes('parley-problem')

    @staticmethod
    def _choose(dark: ui.dark_mode, value: bool, system_dark: bool) -> None:
        """A click chooses light or dark for good; choosing what the system has goes back to following it, the only
        way back there a switch has (someone who wants dark always chooses it while their system is light)."""
        chosen = None if value == system_dark else value
        dark.value = chosen
        remember(DARK_MODE, chosen)

    @staticmethod
    def _follow_system(dark: ui.dark_mode, switch: ui.switch) -> None:
        """While nothing is chosen, the page is as the system is (Quasar follows it by itself) and the switch says
        which, now and whenever the system's setting changes."""
        def show(event: GenericEventArguments) -> None:
            if dark.value is None:
                switch.value = bool(event.args)

        ui.on(SYSTEM_DARK, show)
        ui.run_javascript(f'''
          const query = matchMedia("(prefers-color-scheme: dark)");
          const tell = () => emitEvent("{SYSTEM_DARK}", query.matches);
          query.addEventListener("change", tell);
          tell();
        ''')
