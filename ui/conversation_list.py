"""ConversationList: the sidebar's entries as one element, changed by small calls instead of rebuilt elements.

The browser side is assets/conversation_list.js. Each entry was three NiceGUI elements (row, link, menu button):
a new conversation built them anew in every open page, and while twenty answers started that took a fifth of the
server main thread's time, just when the twenty streams needed it (bench streams-20, py-spy). Now an entry is a
dict, and moving some to the top is one call (about 200 bytes an entry) that the browser applies to its keyed list.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypedDict

from nicegui import events, ui

from . import names
from .browser_call import call_method


class Entry(TypedDict):
    id: str
    title: str
    group: str  # the heading it sits under (Today, Yesterday, ..., a month, a year)


LABELS = {'menu': names.CONVERSATION_MENU, 'rename': names.RENAME, 'export': names.EXPORT, 'delete': names.DELETE,
          'empty': 'No conversations yet.'}


class ConversationList(ui.element, component='../assets/conversation_list.js'):
    """Entries newest first; `on_action(action, id)` hears Rename and Delete, `on_more()` the end scrolled into view.

    A full send of the element carries the whole state in its props; a change to an element the browser already
    has goes as a call, which the browser applies idempotently (a call that overlaps the state it was built from
    changes nothing).
    """

    def __init__(self, *, on_action: Callable[[str, str], None], on_more: Callable[[], None]) -> None:
        super().__init__()
        # The state lives here, not in the props (which would wrap every entry in an observable dict at each
        # change); _to_dict puts it into the props when NiceGUI sends the whole element.
        self._state: dict[str, Any] = {'entries': [], 'more': False, 'current': None}
        self._props['labels'] = LABELS

        def action(event: events.GenericEventArguments) -> None:
            args = event.args if isinstance(event.args, dict) else {}
            if args.get('action') in ('rename', 'delete') and isinstance(args.get('id'), str):
                on_action(args['action'], args['id'])

        self.on('action', action)
        self.on('more', lambda: on_more())

    @property
    def entries(self) -> list[Entry]:
        return self._state['entries']

    def show(self, entries: list[Entry], *, more: bool, current: str | None) -> None:
        """Replace every entry."""
        entries = list(entries)
        self._change({'entries': entries, 'more': more, 'current': current}, 'show', entries, more, current)

    def extend(self, entries: list[Entry], *, more: bool) -> None:
        """Add older entries at the end."""
        known = {entry['id'] for entry in self.entries}
        fresh = [entry for entry in entries if entry['id'] not in known]
        self._change({'entries': self.entries + fresh, 'more': more}, 'extend', fresh, more)

    def put_first(self, entries: list[Entry], *, current: str | None) -> None:
        """Move `entries` (newest first; added if new) to the top, with their titles and groups as given.

        One call for the whole batch: each call is a frame and a re-render of the list in every open page.
        """
        entries = list(entries)
        if self.entries[:len(entries)] == entries and self._state['current'] == current:
            return  # already there (a new message in the conversation at the top): nothing to send
        moved = {entry['id'] for entry in entries}
        rest = [known for known in self.entries if known['id'] not in moved]
        self._change({'entries': [*entries, *rest], 'current': current}, 'putFirst', entries, current)

    def _change(self, state: dict[str, Any], method: str, *args: Any) -> None:
        self._state.update(state)
        if self.is_deleted or self.client.is_deleted:
            return
        if not self.client.has_socket_connection:
            # Not connected yet: the page's first state, or one element update once it connects, carries this.
            self.update()
            return
        call_method(self, method, *args)

    def _to_dict(self) -> dict:
        with self._props.suspend_updates():
            self._props.update(self._state)
        return super()._to_dict()
