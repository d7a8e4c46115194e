"""The message log of one conversation, built from storage and kept live by the engine's events."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from nicegui import background_tasks, events, ui

from engine.chat import ChatEngine, ChatInputError
from engine.generation import Generation
from engine.usage_words import answer_usage, chat_usage
from storage.models import Conversation, Message, MessageStatus
from storage.usage import ChatUsage

from . import names
from .current_user import is_admin
from .message_view import STATUS_WORDS, MessageView
from .streaming_markdown import may_hold_math
from .theme import math_preloads

PAGE = 40  # messages shown on opening; older ones load as the reader scrolls up


class ConversationView:
    """Shows `conversation_id` of `user_id` (None: a new chat, adopted when its first message is sent).

    Every read is scoped by the user as well as by the conversation, so a stray id can never show another's text.
    """

    def __init__(self, engine: ChatEngine, conversation_id: str | None, user_id: str | None, *,
                 on_busy: Callable[[bool], None], model: Callable[[], str | None]) -> None:
        self.engine = engine
        self.conversation_id = conversation_id
        self.user_id = user_id
        self.on_busy = on_busy
        self.model = model
        self.admin = is_admin()  # read in the page's request: a refused key's message reads as theirs to mend
        self.views: dict[str, MessageView] = {}
        self.oldest_seq: int | None = None
        self.sentinel: ui.element | None = None
        with ui.element('div').classes('parley-column') as column:
            # On the column, not the log: the log is sent again with every message added, listeners and all.
            column.on('parley-regenerate', self._regenerate, args=['detail'])  # the browser-made buttons
            column.on('parley-edit', self._open_editor, args=['detail'])
            self.empty = ui.element('div').classes('parley-empty')
            self.log = ui.element('div').classes('parley-log')
            self.log.props['role'] = 'log'
            self.log.props['aria-label'] = names.MESSAGES
            self.log.on('parley-trim', self._trim, args=['detail'])
            # The text is a child of its own: a change sends that text alone, not the note's name and hint again.
            with ui.element('div').classes('parley-chat-usage') as self.usage_note:
                self.usage_note.props['role'] = 'note'
                self.usage_note.props['aria-label'] = names.CHAT_USAGE
                self.usage_text = ui.label()
            self.usage_note.visible = False
            # Announced once per answer (start and end), never per token.
            self.status = ui.element('div').classes('parley-sr-only')
            self.status.props['role'] = 'status'
            self.status.props['aria-label'] = names.ANSWER_STATUS
            with self.status:
                self.status_text = ui.label('')
        self._load()
        engine.message_added.subscribe(self._on_message_added)
        engine.message_changed.subscribe(self._on_message_changed)
        engine.generation_started.subscribe(self._on_generation_started)

    def adopt(self, conversation: Conversation) -> None:
        """The new chat on this page just became `conversation`."""
        self.conversation_id = conversation.id

    def _load(self) -> None:
        if self.conversation_id is None:
            return
        messages = self.engine.repository.get_recent_messages(self.conversation_id, limit=PAGE, user_id=self.user_id)
        generation = self.engine.generation_for(self.conversation_id, user_id=self.user_id)
        for message in messages:
            self._add(message)
        if any(may_hold_math(message.content) or may_hold_math(message.reasoning) for message in messages):
            ui.add_head_html(math_preloads())
        self._older_available(messages)
        if generation and generation.message_id in self.views:
            self._attach(generation)
        elif any(m.status == MessageStatus.STREAMING for m in messages):
            self._reload_finished(messages)
        self._show_usage()

    def _show_usage(self, usage: ChatUsage | None = None) -> None:
        """The chat's total below its last answer (every answer's tokens and cost, earlier versions included)."""
        if usage is None and self.conversation_id is not None:
            usage = self.engine.repository.conversation_usage(self.conversation_id, user_id=self.user_id)
        line = chat_usage(usage) if usage is not None else None
        if line:
            self.usage_text.text = line.words
            if self.usage_note.props.get('title') != line.hint:
                self.usage_note.props['title'] = line.hint
                self.usage_note.update()
        self.usage_note.visible = line is not None

    async def _update_usage(self) -> None:
        # Off the event loop: every tab of the chat asks at once when an answer ends, while others may be streaming.
        if self.conversation_id is None:
            return
        usage = await asyncio.to_thread(self.engine.repository.conversation_usage, self.conversation_id,
                                        user_id=self.user_id)
        if not self.usage_note.is_deleted:
            self._show_usage(usage)

    def _older_available(self, loaded: list[Message]) -> None:
        """Put a sentinel above the oldest message while older ones exist; it loads them when scrolled to."""
        self._show_sentinel(loaded[0].seq if len(loaded) == PAGE else None)

    def _show_sentinel(self, oldest_seq: int | None) -> None:
        """A new sentinel above the message `oldest_seq` (none if None): the one before it has done its work."""
        if self.sentinel is not None:
            self.sentinel.delete()
            self.sentinel = None
        if oldest_seq is None:
            return
        self.oldest_seq = oldest_seq
        with self.log:
            self.sentinel = ui.element('div').classes('parley-load-more')
            self.sentinel.on('parley-visible', self._load_older)
        self.sentinel.move(self.log, target_index=0)

    def _load_older(self) -> None:
        if self.conversation_id is None or self.oldest_seq is None:
            return
        older = self.engine.repository.get_recent_messages(self.conversation_id, limit=PAGE,
                                                           before_seq=self.oldest_seq, user_id=self.user_id)
        for index, message in enumerate(older):
            self._add(message).root.move(self.log, target_index=index + 1)  # after the sentinel, in order
        self._older_available(older)

    def _trim(self, event: events.GenericEventArguments) -> None:
        """The browser follows the bottom of a long chat: drop the oldest messages it asks for (those far above the
        view), keeping at least a page, so a chat left open all day holds a bounded page in browser and server alike;
        they load again, from storage, if the reader scrolls up."""
        args = event.args if isinstance(event.args, dict) else {}
        detail = args.get('detail')
        count = detail.get('count') if isinstance(detail, dict) else None
        if not isinstance(count, int) or count <= 0:
            return
        views = sorted(self.views.values(), key=lambda view: view.seq)
        drop = [view for view in views[:min(count, len(views) - PAGE)] if not view.following]
        if not drop or drop != views[:len(drop)]:
            return  # only a run of the oldest, none of them still streaming
        for view in drop:
            del self.views[view.message_id]
            view.root.delete()
        self._show_sentinel(views[len(drop)].seq)

    def _reload_finished(self, messages: list[Message]) -> None:
        """An answer finished between reading storage and looking for its generation: show what was saved."""
        for message in messages:
            if message.status == MessageStatus.STREAMING and (saved := self.engine.repository.get_message(message.id)):
                view = self.views[message.id]
                view.body.reset(saved.content, streaming=False)
                view.usage = answer_usage(saved)
                view.show_status(saved.status, saved.error)

    def _add(self, message: Message) -> MessageView:
        with self.log:
            view = MessageView(message, on_retry=self.retry, on_version=self.show_version,
                               on_finished=self._on_finished, admin=self.admin)
        self.views[message.id] = view
        self.empty.visible = False
        return view

    def _attach(self, generation: Generation) -> None:
        self.views[generation.message_id].attach(generation)
        self.status_text.text = names.STATUS_RESPONDING
        self.on_busy(True)

    def _on_message_added(self, message: Message) -> None:
        if message.conversation_id == self.conversation_id and message.id not in self.views:
            for view in self.views.values():  # a newer question: none before it can be edited now
                if view.role == 'user':
                    view.close_editor()
            self._add(message)

    def _on_message_changed(self, message: Message) -> None:
        if message.conversation_id == self.conversation_id and (view := self.views.get(message.id)):
            view.redraw(message)

    def _on_generation_started(self, generation: Generation) -> None:
        # Every page hears every answer start; only the owner's pages of that conversation attach to it.
        if (generation.conversation_id == self.conversation_id and generation.message_id in self.views
                and self.engine.generation_for(generation.conversation_id, user_id=self.user_id) is generation):
            self._attach(generation)

    def _on_finished(self, generation: Generation) -> None:
        self.status_text.text = STATUS_WORDS.get(generation.status, names.STATUS_COMPLETE)
        self.on_busy(False)
        background_tasks.create(self._update_usage(), name='chat usage')

    async def retry(self, message_id: str) -> None:
        if self.conversation_id is None:
            return
        try:
            await self.engine.retry(self.conversation_id, message_id, self.model(), user_id=self.user_id)
        except ChatInputError as error:
            ui.notify(str(error), type='warning')

    async def _regenerate(self, event: events.GenericEventArguments) -> None:
        detail = event.args.get('detail') if isinstance(event.args, dict) else None
        message_id = detail.get('id') if isinstance(detail, dict) else None
        if isinstance(message_id, str) and message_id in self.views:
            await self.retry(message_id)

    def _open_editor(self, event: events.GenericEventArguments) -> None:
        detail = event.args.get('detail') if isinstance(event.args, dict) else None
        message_id = detail.get('id') if isinstance(detail, dict) else None
        view = self.views.get(message_id) if isinstance(message_id, str) else None
        # The last question only (followed by its answer); the engine checks again when it is saved.
        if view is not None and view.role == 'user' and view.seq == max(v.seq for v in self.views.values()) - 1:
            view.open_editor(lambda text: self.edit(view.message_id, text))

    async def edit(self, message_id: str, text: str) -> bool:
        """Send the edited question; False (the editor stays, with the text) if it was refused."""
        if self.conversation_id is None:
            return False
        try:
            await self.engine.edit(self.conversation_id, message_id, text, self.model(), user_id=self.user_id)
        except ChatInputError as error:
            ui.notify(str(error), type='warning')
            return False
        return True

    async def show_version(self, message_id: str, number: int) -> None:
        if self.conversation_id is None:
            return
        try:
            await self.engine.show_version(self.conversation_id, message_id, number, user_id=self.user_id)
        except ChatInputError as error:
            ui.notify(str(error), type='warning')
