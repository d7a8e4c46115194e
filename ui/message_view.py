"""One message on the page: the user's as plain text, the assistant's as markdown that can follow a live answer."""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable

from nicegui import ui

from engine.generation import Generation
from engine.provider_setup import as_read_by
from engine.usage_words import answer_usage
from storage.models import AnswerFields, Message, MessageStatus

from . import names
from .message_edit import MessageEditor
from .streaming_markdown import StreamingMarkdown
from .version_switch import VersionSwitch

PUMP_INTERVAL = 0.04  # at most 25 updates a second per stream, however fast the provider is
# A slow stream is sent in chunks of at least MIN_CHUNK characters (or whatever arrived within MAX_DELAY): every
# update costs ~90 bytes of framing, which would otherwise outweigh the few characters a fast tick carries.
MIN_CHUNK = 64
MAX_DELAY = 0.12

STATUS_WORDS = {
    MessageStatus.COMPLETE: names.STATUS_COMPLETE,
    MessageStatus.STOPPED: names.STATUS_STOPPED,
    MessageStatus.ERROR: names.STATUS_FAILED,
    MessageStatus.INTERRUPTED: names.STATUS_INTERRUPTED,
}
THINKING = 'Thinking…'
RETRYABLE = {MessageStatus.ERROR, MessageStatus.STOPPED, MessageStatus.INTERRUPTED}


class MessageView:
    """An `article` for one message; `attach` makes an assistant message follow a running generation."""

    def __init__(self, message: Message, *, on_retry: Callable[[str], Awaitable[None]],
                 on_version: Callable[[str, int], Awaitable[None]], on_finished: Callable[[Generation], None],
                 admin: bool) -> None:
        """`admin`: the reader is an administrator, who is not told to ask one (about a refused key, say)."""
        self.message_id = message.id
        self.admin = admin
        self.seq = message.seq
        self.role = message.role
        self.version, self.versions = message.version, message.versions
        self.model = message.written_by
        self.usage = answer_usage(message)
        self.switch: VersionSwitch | None = None
        self.on_retry = on_retry
        self.on_version = on_version
        self.on_finished = on_finished
        self.timer: ui.timer | None = None
        self.reasoning: StreamingMarkdown | None = None
        self.reasoning_box: ui.expansion | None = None
        is_user = message.role == 'user'
        with ui.element('article').classes(f'parley-message parley-{message.role}') as self.root:
            self.root.props['role'] = 'article'
            self.root.props['aria-label'] = names.USER_MESSAGE if is_user else names.ASSISTANT_MESSAGE
            self.root.props['data-status'] = message.status
            self.root.props['data-message-id'] = message.id
            if is_user:
                # Vue sets this as text, never as HTML: what the user typed is shown exactly and runs nothing.
                self.text = ui.label(message.content).classes('parley-user-text')
                self.editor: MessageEditor | None = None
                return
            if message.reasoning:
                self._show_reasoning(message.reasoning, streaming=False)
            streaming = message.status == MessageStatus.STREAMING
            self.thinking: ui.element | None = None  # made for an answer that streams, not in every finished one
            if streaming:
                self.thinking = self._add_thinking()
            self.body = StreamingMarkdown(message.content, streaming=streaming)
            self.footer = ui.element('div').classes('parley-message-footer')
        self.show_status(message.status, message.error)

    def attach(self, generation: Generation) -> None:
        """Follow a running answer from what this page already has; the timer dies with the page."""
        self.generation = generation
        self.final_sent = False
        self.last_sent_at = time.monotonic()
        if self.body.text != generation.text or not self.body.streaming:
            self.body.reset(generation.text, streaming=True)
        self.sent_reasoning = 0
        self.show_status(MessageStatus.STREAMING, None)
        if self.thinking is None:
            self.thinking = self._add_thinking(before=self.body)
        self.thinking.visible = generation.waiting
        if self.timer is None:
            # Inside the article, which is usually being sent anyway (new, or its status just changed): a timer
            # in the page's root would resend the root's list of children with it.
            with self.root:
                self.timer = ui.timer(PUMP_INTERVAL, self._pump)
        self.timer.active = True

    @property
    def following(self) -> bool:
        """True while this view follows a running answer."""
        return self.timer is not None and self.timer.active

    def _add_thinking(self, before: ui.element | None = None) -> ui.element:
        """The hidden 'thinking' line, at the end of the article so far or just above `before`."""
        with self.root:
            thinking = ui.element('div').classes('parley-thinking')
            with thinking:
                ui.element('span').classes('parley-dots')
                self.thinking_label = ui.label(THINKING)
            thinking.visible = False
        if before is not None:
            thinking.move(self.root, target_index=self.root.default_slot.children.index(before))
        return thinking

    def _pump(self) -> None:
        generation = self.generation
        if self.final_sent:
            # One tick after the last text: NiceGUI sends element updates before method calls within a flush,
            # so the status changes only once the browser has the whole answer.
            self._stop_following()
            self.usage = answer_usage(AnswerFields(**generation.counts()))  # not the whole text again
            self.show_status(generation.status, generation.error)
            self.on_finished(generation)
            return
        done = generation.is_done  # read before the text, so the last delta is never missed
        if generation.reasoning and len(generation.reasoning) > self.sent_reasoning:
            if self.reasoning is None:
                self._show_reasoning('', streaming=True)
            assert self.reasoning is not None
            self.reasoning.append(self.sent_reasoning, generation.reasoning[self.sent_reasoning:])
            self.sent_reasoning = len(generation.reasoning)
        sent = len(self.body.text)
        pending = len(generation.text) - sent
        now = time.monotonic()
        due = done or pending >= MIN_CHUNK or now - self.last_sent_at >= MAX_DELAY
        if pending and due and (done or self.body.ready_for_more()):
            self.body.append(sent, generation.text[sent:])
            self.last_sent_at = now
        assert self.thinking is not None  # attach() made it
        if self.thinking.visible and not generation.waiting:
            self.thinking.visible = False
        self._show_waiting(generation)
        if done:
            self.thinking.visible = False
            self.body.finish()
            if self.reasoning is not None:
                self.reasoning.finish()
            self.final_sent = True

    def _stop_following(self) -> None:
        # A finished answer needs neither its timer nor its thinking line (a retry makes new ones). Kept, an
        # inactive timer still wakes 25 times a second for as long as the page is open, one per answer it saw.
        for element in (self.timer, self.thinking):
            if element is not None:
                element.delete()
        self.timer = self.thinking = None

    def _show_waiting(self, generation: Generation) -> None:
        """Before the first token: thinking, or why it waits and when it tries again (changes once a second)."""
        if not generation.waiting:
            return
        text = THINKING
        if generation.retry_at is not None and generation.notice:
            seconds = max(1, math.ceil(generation.retry_at - time.monotonic()))
            text = f'{generation.notice} Retrying in {seconds} s…'
        if self.thinking_label.text != text:
            self.thinking_label.text = text

    def _show_reasoning(self, text: str, *, streaming: bool) -> None:
        # Made when there is reasoning to show, not as an empty slot in every answer (that slot was sent with each
        # new message and each page); reasoning that arrives mid-stream is moved to the top of its answer.
        with self.root, ui.expansion(names.REASONING, icon='psychology').classes('parley-reasoning') as box:
            box.props['aria-label'] = names.REASONING
            self.reasoning = StreamingMarkdown(text, streaming=streaming)
        self.reasoning_box = box
        if self.root.default_slot.children.index(box) != 0:
            box.move(self.root, target_index=0)

    def open_editor(self, on_save: Callable[[str], Awaitable[bool]]) -> None:
        """Put this user message into a box to be edited (Edit pressed on it); one editor at a time."""
        if self.editor is None:
            self.editor = MessageEditor(self.root, self.text, on_save, on_close=self._editor_closed)

    def close_editor(self) -> None:
        """Changed elsewhere: the box goes without taking the keyboard's focus from wherever it is."""
        if self.editor is not None:
            self.editor.close(refocus=False)

    def _editor_closed(self) -> None:
        self.editor = None

    def redraw(self, message: Message) -> None:
        """Show the message as stored now: an edited question; another version of an answer, or an answer empty
        and about to be written again."""
        if message.role == 'user':
            if self.text.text != message.content:
                self.text.text = message.content
                self.close_editor()  # edited elsewhere (another tab, a version switched): this box is stale
            return
        streaming = message.status == MessageStatus.STREAMING
        if self.following and not streaming:
            # This page had not yet shown the end of the answer another page has switched away from: finish here
            # first, or the next tick would append that answer's last words to the version drawn now.
            self._stop_following()
            self.on_finished(self.generation)
        self.version, self.versions = message.version, message.versions
        self.model = message.written_by
        self.usage = answer_usage(message)
        if self.body.text != message.content or self.body.streaming != streaming:
            self.body.reset(message.content, streaming=streaming)
        if self.reasoning is not None and self.reasoning_box is not None and (
                not message.reasoning or self.reasoning.text != message.reasoning):
            self.reasoning_box.delete()
            self.reasoning = self.reasoning_box = None
        if message.reasoning and self.reasoning is None:
            self._show_reasoning(message.reasoning, streaming=False)
        # A failure of a version looked at again is not news: said in the footer, not announced as an alert.
        self.show_status(message.status, message.error, announce=False)

    def show_status(self, status: str, error: str | None, *, announce: bool = True) -> None:
        self.root.props['data-status'] = status
        if self.root.props.get('aria-label') == names.USER_MESSAGE:
            return
        self.root.props['aria-busy'] = 'true' if status == MessageStatus.STREAMING else 'false'
        for child in list(self.footer.default_slot.children):  # all but the switch, which keeps its focus
            if self.switch is None or child is not self.switch.root:
                child.delete()
        if self.versions > 1 and self.switch is None:
            with self.footer:
                self.switch = VersionSwitch(lambda number: self.on_version(self.message_id, number))
        elif self.versions <= 1 and self.switch is not None:  # a regeneration stopped before its first word: gone
            self.switch.root.delete()
            self.switch = None
        if self.switch is not None:
            self.switch.show(self.version, self.versions, self.model, writing=status == MessageStatus.STREAMING)
        if status == MessageStatus.STREAMING:
            return
        with self.footer:
            if status == MessageStatus.ERROR:
                why = ui.label(as_read_by(error or 'The answer failed.', admin=self.admin)).classes('parley-error')
                if announce:
                    why.props['role'] = 'alert'
            elif status == MessageStatus.STOPPED:
                ui.label('Stopped.').classes('parley-note')
            elif status == MessageStatus.INTERRUPTED:
                ui.label('Interrupted: Parley stopped while writing this answer.').classes('parley-note')
            if status in RETRYABLE:
                retry = ui.button(names.RETRY, icon='refresh', on_click=lambda: self.on_retry(self.message_id))
                retry.props('flat dense no-caps').classes('parley-retry').props['aria-label'] = names.RETRY
            if self.usage:
                ui.label(self.usage).classes('parley-usage')
