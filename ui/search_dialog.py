"""Ctrl/Cmd+K: a dialog that finds the person's conversations by title or message text and opens one."""

from __future__ import annotations

import asyncio

from nicegui import ui
from nicegui.events import GenericEventArguments

from storage.models import Conversation
from storage.repository import Repository

from . import names
from .current_user import current_user_id

RESULTS = 10


def option_id(conversation: Conversation) -> str:
    """The same conversation keeps its option's id through every search, so aria-activedescendant stays valid."""
    return f'parley-search-{conversation.id}'


class SearchDialog:
    """An empty query lists the most recent conversations, so Ctrl/Cmd+K then Enter jumps back to the last one."""

    def __init__(self, repository: Repository) -> None:
        self.repository = repository
        self.user_id = current_user_id()  # read once, in the page's context; the dialog stays that user's
        self.found: list[Conversation] = []
        self.selected = 0
        self.shown_query = ''  # the query whose results are listed
        self.steps_ahead = 0  # arrow keys pressed before the typed text's results came (see move)
        with ui.dialog() as self.dialog, ui.card().classes('parley-dialog parley-search'):
            self.dialog.props['aria-label'] = names.SEARCH_CONVERSATIONS
            self.input = ui.input(placeholder='Search conversations…').props('outlined dense autofocus debounce=150')
            self.input.classes('w-full').props['aria-label'] = names.SEARCH_CONVERSATIONS
            self.input.on_value_change(self.search)
            # Enter may come before the debounced value: it brings the text as typed, searched first if newer.
            self.input.on('keydown.enter', self.open_selected, js_handler='(e) => emit(e.target.value)')
            # The keys bring the text as typed too: one pressed before its results came counts in them.
            keys = '(e) => { e.preventDefault(); emit(e.target.value); }'
            self.input.on('keydown.down', lambda e: self.move(1, e.args), js_handler=keys)
            self.input.on('keydown.up', lambda e: self.move(-1, e.args), js_handler=keys)
            with ui.element('div').classes('parley-search-results w-full') as self.results:
                self.results.props['role'] = 'listbox'
                self.results.props['aria-label'] = names.SEARCH_RESULTS
            # Outside the listbox: a listbox may own options only.
            self.empty = ui.label('').classes('parley-muted')
            # The count, said once per search (never per key): the focus stays in the box, so nothing else tells.
            self.status = ui.label('').classes('parley-sr-only')
            self.status.props['role'] = 'status'
            self.status.props['aria-label'] = names.SEARCH_STATUS
        # WAI-ARIA 1.2 combobox: the focus never leaves the box, so a screen reader learns of the highlighted
        # result only through aria-activedescendant (Quasar passes these attributes on to the <input>).
        self.input.props['role'] = 'combobox'
        self.input.props['aria-autocomplete'] = 'list'
        self.input.props['aria-controls'] = self.results.html_id
        self._point_at_selected()
        ui.on('parley-search', self.show)

    async def show(self) -> None:
        if self.dialog.value:
            return
        self.input.value = ''
        self.steps_ahead = 0
        self.status.text = ''  # a reopened dialog's first count is said again, even if it is the same
        self.dialog.open()
        self.input.run_method('focus')
        await self.search()

    async def search(self) -> None:
        query = (self.input.value or '').strip()
        # Off the event loop: a LIKE over every message of a long history must not stall other pages.
        found = await asyncio.to_thread(self._find, query)
        if query != (self.input.value or '').strip():
            return  # the person typed on meanwhile; the newer search renders
        self.found = found
        self.selected = self.steps_ahead % len(found) if found else 0
        self.steps_ahead = 0
        self._render(query)

    def _find(self, query: str) -> list[Conversation]:
        if query:
            return self.repository.search_conversations(query, user_id=self.user_id, limit=RESULTS)
        return self.repository.list_conversations(user_id=self.user_id, limit=RESULTS)

    def _render(self, query: str) -> None:
        self.shown_query = query
        self.results.clear()
        with self.results:
            for index, conversation in enumerate(self.found):
                title = conversation.title or 'Untitled'
                option = ui.element('div').classes('parley-search-result')
                option.props['id'] = option_id(conversation)
                option.props['role'] = 'option'
                option.props['aria-label'] = title
                option.props['aria-selected'] = 'true' if index == self.selected else 'false'
                option.on('click', lambda c=conversation: self.open(c))
                with option:
                    ui.label(title)
        nothing = 'No conversation matches.' if query else 'No conversations yet.'
        self.empty.text = nothing
        self.empty.visible = not self.found
        count = len(self.found)
        self.status.text = f'{count} conversation{"" if count == 1 else "s"}' if count else nothing
        self._point_at_selected()
        if self.found:
            self._scroll_to_selected()

    def move(self, step: int, typed: object = None) -> None:
        """Highlight the next or previous result. A key pressed before the results of the text typed came (the search
        waits 150 ms for more typing, then takes its time) is kept for them: it moves from their top, as it meant to,
        rather than in the list they replace."""
        if isinstance(typed, str) and typed.strip() != self.shown_query:
            self.steps_ahead += step
            return
        if not self.found:
            return
        old, self.selected = self.selected, (self.selected + step) % len(self.found)
        options = self.results.default_slot.children
        options[old].props['aria-selected'] = 'false'
        options[self.selected].props['aria-selected'] = 'true'
        self._point_at_selected()  # in the same reply to the key as the options' change: no extra round trip
        self._scroll_to_selected()

    def _scroll_to_selected(self) -> None:
        """The focus stays in the box, so the browser would not bring a highlighted result below (or above) what the
        list shows into view: on a short window the arrow keys would walk out of sight, and new results (highlighted
        from the top) would show where the list had been scrolled to. After the next frame: the options may be new."""
        self.dialog.client.run_javascript(f'requestAnimationFrame(() => document.getElementById('
                                          f'"{option_id(self.found[self.selected])}")'
                                          '?.scrollIntoView({block: "nearest"}))')

    def _point_at_selected(self) -> None:
        """The box says whether results are listed and which one is highlighted. Its typed text is safe: NiceGUI
        keeps the browser's value when the server's is the one the browser last sent."""
        props = self.input.props
        props['aria-expanded'] = 'true' if self.found else 'false'
        if self.found:
            props['aria-activedescendant'] = option_id(self.found[self.selected])
        else:
            props.pop('aria-activedescendant', None)

    async def open_selected(self, event: GenericEventArguments) -> None:
        typed = event.args if isinstance(event.args, str) else None
        if typed is not None and typed != (self.input.value or ''):
            self.input.value = typed
            await self.search()
        if self.found:
            self.open(self.found[self.selected])

    def open(self, conversation: Conversation) -> None:
        self.dialog.close()
        ui.navigate.to(f'/c/{conversation.id}')
