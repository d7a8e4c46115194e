"""The conversation list: newest first, grouped by when (days, months, years), with open, rename and delete; live in
every tab."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from nicegui import background_tasks, events, ui

from engine.chat import ChatEngine, visible_to
from storage.models import Conversation, utcnow

from . import names
from .conversation_list import ConversationList, Entry
from .import_page import IMPORT_PATH
from .page_preview import PreviewEntry
from .preferences import SIDEBAR_OPEN, remember, remembered
from .time_zone import ASK_ZONE, local_date, reader_zone, zone_named

PAGE = 40  # entries built at once (two screens of them); more load as the list scrolls
KEEP_AT_MOST = 1000  # entries a list read anew keeps of those loaded by scrolling (about 100 KB to send)
# A list hears every conversation that gets a message (in personal mode all of them, from every tab): it moves
# their entries at once, then at most this often, several at a time. Twenty answers starting together made every
# page take twenty list updates in a few seconds, and that burst set the p95 token delay of twenty streams
# (bench streams-20: 0.65-0.93 s with an update per message, 0.30 s with none).
TOUCH_EVERY = 1.0
NEW_DAY_CHECK = 60.0  # seconds: how soon after the reader's midnight an open list moves its entries a day down


EMPTY_TITLE = 'Type a title, or Cancel to keep the old one.'


class BrowserDrawer(ui.left_drawer):
    """A left drawer whose open or closed lives in the browser; the server only hears of it.

    NiceGUI's drawer waits for the server to echo each change back. Events sent before the socket's handshake go
    out in any order, so a report from the page's first moments (Quasar hiding the drawer once it measured a narrow
    window) could reach the server after the person's click and its echo undo that click. With `model-value` kept
    null, Quasar opens and closes the drawer itself, at once, and still reports each change. (A report also turns
    NiceGUI's `show-if-above` prop off on the server; Quasar reads that prop only as the drawer mounts.)
    """

    LOOPBACK = None

    def _value_to_model_value(self, value: Any) -> None:
        return None


# English, as the rest of the page; not strftime's %B, which follows the server's locale
MONTHS = ('January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October',
          'November', 'December')


def group_of(updated_at: datetime, now: datetime, zone: ZoneInfo | None = None) -> str:
    """The sidebar heading for a conversation last touched at `updated_at` (both naive UTC), by the reader's days in
    `zone`: the last days, then a month of this year, then a year, as ChatGPT and Claude group them, so a long (or
    imported) history is not one endless group. Each range lies wholly before the one above it, so headings follow
    the list's newest-first order."""
    today, day = local_date(now, zone), local_date(updated_at, zone)
    days = (today - day).days
    if days <= 0:
        return 'Today'
    if days == 1:
        return 'Yesterday'
    if days <= 7:
        return 'Previous 7 days'
    if days <= 30:
        return 'Previous 30 days'
    return MONTHS[day.month - 1] if day.year == today.year else str(day.year)


class Sidebar:
    """The conversations of `user_id` (None: personal mode, all of them); `current()` tells which conversation
    the page shows, so its entry gets aria-current."""

    def __init__(self, engine: ChatEngine, user_id: str | None, current: Callable[[], str | None],
                 on_deleted: Callable[[str], None], on_gone: Callable[[], None]) -> None:
        """`on_deleted(id)`: this page deleted a conversation; `on_gone()`: the open one was deleted elsewhere."""
        self.engine = engine
        self.user_id = user_id
        self.current = current
        self.on_deleted = on_deleted
        self.on_gone = on_gone
        self.deleted_here: set[str] = set()
        self.zone = reader_zone(ui.context.client.request)
        self.day: date | None = None  # the reader's day the headings were worked out on
        # Beside the chat in a wide window, a slide-over in a narrow one (a phone), where it starts closed: it would
        # cover the chat. A wide window starts it as the person last left it with the menu button (open, the first
        # time); Quasar opens it "if above" the breakpoint, so the server need not know the window's width.
        with BrowserDrawer(value=False, bordered=True, top_corner=True, bottom_corner=True) as self.drawer:
            self.drawer.props['show-if-above'] = self.starts_open = remembered(SIDEBAR_OPEN) is not False
            self.drawer.classes('parley-sidebar')
            with ui.element('div').classes('parley-sidebar-actions'):
                new = ui.button(names.NEW_CHAT, icon='edit_square', on_click=lambda: ui.navigate.to('/'))
                new.props('flat no-caps align=left').classes('parley-new-chat').props['aria-label'] = names.NEW_CHAT
                # The Ctrl/Cmd+K search, for a touch screen (no keyboard) and for those who do not know the keys;
                # opened in the browser, through the same event as the shortcut (assets/keyboard.js).
                search = ui.button(icon='search', color=None).props('flat round dense').classes('parley-search-button')
                search.props['aria-label'] = names.SEARCH
                search.props['title'] = 'Search (Ctrl/Cmd+K)'
                search.on('click', js_handler='() => emitEvent("parley-search")')
                # A link, not a button: the import page is a page of its own (and opens in a new tab as any link).
                with ui.link(target=IMPORT_PATH).classes('parley-import-link') as link:
                    ui.icon('upload_file')
                link.props['aria-label'] = names.IMPORT_CHATS
                link.props['title'] = names.IMPORT_CHATS
            with ui.element('nav').classes('parley-conversations') as self.nav:
                self.nav.props['aria-label'] = names.CONVERSATIONS
                self.entries = ConversationList(on_action=self._act, on_more=self._more)
        self.read: list[Conversation] = []  # the list as last read whole (the page preview shows it)
        self.oldest: datetime | None = None  # of the entries listed, if there may be older ones
        self.touches: dict[str, Conversation] = {}  # touched since the list last changed, oldest first
        self.touched_at = -TOUCH_EVERY
        self.touch_task: asyncio.Task | None = None
        self.render()
        engine.conversations_changed.subscribe(self._changed)
        engine.conversation_touched.subscribe(self._touched)
        ui.timer(NEW_DAY_CHECK, self._follow_the_day)
        if self.zone is None:  # a first visit: assets/time_zone.js sets the cookie for the next page
            ui.timer(0.1, self._ask_zone, once=True)

    def toggled_by(self, button: ui.button) -> None:
        """`button` opens or closes the sidebar in the browser, and tells the server what it did in a wide window.

        Only a wide window's choice is kept: a slide-over opens and closes as the person moves around, and a window
        made narrow closes the sidebar by itself, which is no choice either.
        """
        aside = f'getHtmlElement({self.drawer.id}).closest("aside")'
        # A slide-over covers the page: the keyboard's focus goes into it, to New chat (Esc closes it and comes back
        # here: assets/keyboard.js). Quasar lets the slide-over's controls take the focus once Vue has re-rendered.
        button.on('click', self._toggled, js_handler=f'''(event) => {{
            const aside = {aside}, shown = !aside.classList.contains("q-layout--prevent-focus");
            getElement({self.drawer.id}).toggle();
            if (!aside.classList.contains("q-drawer--mobile")) emit(!shown);
            else if (!shown) setTimeout(() => aside.querySelector(".parley-new-chat")?.focus());
        }}''')

    def _toggled(self, event: events.GenericEventArguments) -> None:
        if isinstance(event.args, bool):
            remember(SIDEBAR_OPEN, event.args)

    def _changed(self, owner: str | None) -> None:
        if visible_to(self.user_id, owner):  # another user's rename or delete is none of this list's business
            self.render()

    def render(self) -> None:
        """List the first page anew; the list changes only when a conversation is added, renamed, deleted or moved."""
        current = self.current()
        if current and self.engine.repository.get_conversation(current, user_id=self.user_id) is None:
            if current not in self.deleted_here:  # deleted here, the page is on its way to a new chat already
                self.on_gone()
            return
        self.touches.clear()  # the list is read anew: it has them
        # As many as the reader has loaded by scrolling: renaming an old chat, or a new day, must not take the older
        # entries (the renamed one among them) away from under the pointer.
        conversations = self._fetch(None, limit=min(max(PAGE, len(self.entries.entries)), KEEP_AT_MOST))
        self.read = conversations
        now = utcnow()
        self.day = local_date(now, self.zone)
        self.entries.show([self._entry(c, now) for c in conversations], more=self.oldest is not None,
                          current=current)

    def _more(self) -> None:
        """The end of the list came into view: add the next page of older entries."""
        if self.oldest is None:
            return
        now = utcnow()
        conversations = self._fetch(self.oldest)
        self.entries.extend([self._entry(c, now) for c in conversations], more=self.oldest is not None)

    def _fetch(self, before: datetime | None, limit: int = PAGE) -> list[Conversation]:
        """Up to `limit` conversations older than `before`; remembers where the next page starts, if any."""
        conversations = self.engine.repository.list_conversations(user_id=self.user_id, limit=limit, before=before)
        self.oldest = conversations[-1].updated_at if len(conversations) == limit else None
        return conversations

    def _entry(self, conversation: Conversation, now: datetime) -> Entry:
        return {'id': conversation.id, 'title': conversation.title or 'Untitled',
                'group': group_of(conversation.updated_at, now, self.zone)}

    async def _ask_zone(self) -> None:
        """Group by the browser's days once it says which they are, if they move any heading of the list."""
        try:
            zone = zone_named(await self.entries.client.run_javascript(ASK_ZONE, timeout=5))
        except TimeoutError:
            return
        if zone is None or self.entries.is_deleted:
            return
        now = utcnow()
        before = [group_of(c.updated_at, now, self.zone) for c in self.read]
        self.zone, self.day = zone, local_date(now, zone)
        if [group_of(c.updated_at, now, zone) for c in self.read] != before:
            self.render()

    def _follow_the_day(self) -> None:
        """A page left open past the reader's midnight: yesterday's Today becomes Yesterday."""
        if self.day is not None and local_date(utcnow(), self.zone) != self.day:
            self.render()

    def _touched(self, conversation: Conversation) -> None:
        """A conversation got a message: its entry moves to the top, now or with the next batch (TOUCH_EVERY)."""
        if not visible_to(self.user_id, conversation.user_id):  # every page hears every user's event
            return
        self.touches.pop(conversation.id, None)
        self.touches[conversation.id] = conversation
        if self.touch_task is not None:
            return
        wait = self.touched_at + TOUCH_EVERY - time.monotonic()
        if wait <= 0:
            self._apply_touches()
        else:
            self.touch_task = background_tasks.create(self._apply_touches_later(wait), name='sidebar touches')

    async def _apply_touches_later(self, wait: float) -> None:
        await asyncio.sleep(wait)
        self.touch_task = None
        if not self.entries.is_deleted and not self.entries.client.is_deleted:
            self._apply_touches()

    def _apply_touches(self) -> None:
        self.touched_at = time.monotonic()
        touches = list(self.touches.values())
        self.touches.clear()
        if not touches:  # the list was read anew while the batch waited: it has them
            return
        now = utcnow()
        # self.touches runs oldest first; the list takes them newest first.
        self.entries.put_first([self._entry(conversation, now) for conversation in reversed(touches)],
                               current=self.current())

    def preview(self, prefix: str) -> list[PreviewEntry]:
        """The first page of entries for ui/page_preview.py (links under `prefix`, the page's path prefix)."""
        now, current, group = utcnow(), self.current(), None
        entries = []
        for conversation in self.read:
            entry = self._entry(conversation, now)  # the same title and heading the list will show
            entries.append(PreviewEntry(entry['title'], f'{prefix}/c/{entry["id"]}',
                                        entry['group'] if entry['group'] != group else None, entry['id'] == current))
            group = entry['group']
        return entries

    def _act(self, action: str, conversation_id: str) -> None:
        """Rename or Delete chosen in an entry's menu (the id comes from the browser: look it up as this user's)."""
        conversation = self.engine.repository.get_conversation(conversation_id, user_id=self.user_id)
        if conversation is None:
            return
        if action == 'rename':
            self._rename(conversation)
        else:
            self._delete(conversation)

    def _rename(self, conversation: Conversation) -> None:
        # Dialogs live in the drawer: the list's changes must not touch an open dialog.
        with self.drawer, ui.dialog() as dialog, ui.card().classes('parley-dialog'):
            dialog.props['aria-label'] = names.RENAME_DIALOG  # what a screen reader says as the dialog opens
            ui.label(names.RENAME_DIALOG).classes('text-h6')
            # Said, not done silently: an empty title would leave the entry nameless, so it is refused in words.
            field = ui.input(value=conversation.title,
                             validation={EMPTY_TITLE: lambda value: bool((value or '').strip())})
            field.props('autofocus outlined').classes('w-full')
            field.props['aria-label'] = names.TITLE

            def save() -> None:
                if not field.validate():
                    return
                self.engine.rename(conversation.id, field.value.strip(), user_id=self.user_id)
                dialog.close()

            field.on('keydown.enter', save)
            with ui.row().classes('justify-end w-full'):
                ui.button(names.CANCEL, on_click=dialog.close).props('flat no-caps')
                ui.button(names.SAVE, on_click=save).props('unelevated no-caps')
        # The old title selected, as in the chat apps people know: typing replaces it, an arrow key keeps it.
        dialog.on('show', js_handler=f'() => getElement({field.id})?.$refs.qRef?.select()')
        dialog.on('hide', dialog.delete)
        dialog.open()

    def _delete(self, conversation: Conversation) -> None:
        with self.drawer, ui.dialog() as dialog, ui.card().classes('parley-dialog'):
            dialog.props['aria-label'] = names.DELETE_DIALOG
            ui.label(f'{names.DELETE_DIALOG}?').classes('text-h6')
            ui.label(f'“{conversation.title or "Untitled"}” and all its messages will be deleted for good.')

            def delete() -> None:
                dialog.close()
                self.deleted_here.add(conversation.id)
                self.on_deleted(conversation.id)
                self.engine.delete(conversation.id, user_id=self.user_id)

            with ui.row().classes('justify-end w-full'):
                # Focus on Cancel: Enter or Space right after the dialog opens must not delete for good.
                ui.button(names.CANCEL, on_click=dialog.close).props('flat no-caps autofocus')
                ui.button(names.DELETE, on_click=delete).props('unelevated no-caps color=negative')
        # Deleted, its entry's button is gone: focus goes to the entry beside it (assets/conversation_list.js).
        dialog.on('hide', js_handler=f'() => getElement({self.entries.id})?.focusNeighbour()')
        dialog.on('hide', dialog.delete)
        dialog.open()
