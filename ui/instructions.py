"""A chat's instructions (its system prompt): the header's button, marked when the chat has some, and its dialog.

The model reads them before every answer of the chat. A person may keep instructions for new chats too (remembered
with their other preferences); a new chat starts with those, or with what they set in its dialog before the first
message, and keeps its own from then on: changing the ones for new chats never changes an existing chat.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from nicegui import background_tasks, ui
from nicegui.events import GenericEventArguments, ValueChangeEventArguments

from engine.chat import ChatEngine, ChatInputError, visible_to
from storage.errors import describe
from storage.models import Conversation

from . import names
from .box_text import emit_text_of, text_of
from .preferences import NEW_CHAT_INSTRUCTIONS, remember, remembered

log = logging.getLogger(__name__)

HINT = ('The model reads these before each answer in this chat: who you are, what you need, how it should answer. '
        'They apply from the next answer on.')
PLACEHOLDER = 'For example: I teach physics to 15-year-olds. Answer briefly, in SI units, and show the steps.'
DRAFT_NOTE = 'Not saved yet: this is the text you left with Esc. Save keeps it; Cancel drops it.'
MARKED = 'This chat has instructions'  # read after the button's name by screen readers, shown on hover


class Instructions:
    """The instructions of the chat `conversation_id()` shows (`instructions` as the page opens), or of the new chat
    the page will start (None); `add_button` makes the button that opens their dialog."""

    def __init__(self, engine: ChatEngine, user_id: str | None, conversation_id: Callable[[], str | None],
                 instructions: str | None) -> None:
        self.engine, self.user_id, self.conversation_id = engine, user_id, conversation_id
        self.set_here = False  # a new chat's were set in its dialog (not the ones for new chats, taken as they are)
        self.draft: str | None = None  # typed in the dialog and left with Esc, unsaved: the dialog opens with it
        # What the button shows: a new chat starts with exactly these, so the model is told what the page says.
        self.shown = instructions if conversation_id() else (remembered(NEW_CHAT_INSTRUCTIONS, '') or None)

    def add_button(self) -> None:
        self.button = ui.button(icon='tune').props('flat round dense').classes('parley-instructions')
        self.button.props['aria-label'] = names.CHAT_INSTRUCTIONS
        with self.button:
            self.tip = ui.tooltip(names.CHAT_INSTRUCTIONS)
        self.button.on('click', self.open)
        self._mark(self.shown)
        self.engine.instructions_changed.subscribe(self._changed)

    def adopt(self, conversation: Conversation) -> None:
        """The page's new chat now exists: instructions saved in its dialog while its first message was on its way
        (after they were read for it) are given to it now, so the chat has what the button shows."""
        if self.shown != conversation.system_prompt:
            background_tasks.create(self._save(self.shown or ''), name='instructions of a new chat')

    def _mark(self, instructions: str | None) -> None:
        self.shown = instructions
        if instructions:
            self.button.classes(add='parley-instructions-set')
            self.button.props['aria-description'] = MARKED
        else:
            self.button.classes(remove='parley-instructions-set')
            self.button.props.pop('aria-description', None)
        self.tip.text = f'{names.CHAT_INSTRUCTIONS} ({MARKED.lower()})' if instructions else names.CHAT_INSTRUCTIONS
        self.button.update()

    def _changed(self, conversation: Conversation) -> None:  # set in this chat's dialog, here or in another tab
        if conversation.id == self.conversation_id() and visible_to(self.user_id, conversation.user_id):
            self._mark(conversation.system_prompt)

    def open(self) -> None:
        for_new_chats = remembered(NEW_CHAT_INSTRUCTIONS, '')
        if self.conversation_id() is None and not self.set_here:
            self._mark(for_new_chats or None)  # changed in another tab since this page opened
        text = self.draft if self.draft is not None else (self.shown or '')
        self.tip.run_method('hide')  # a touch screen leaves it shown after the tap, over the dialog's title
        # A click beside it does not throw away what was typed; Esc and Cancel still leave (Esc keeping the text).
        with ui.dialog().props('no-backdrop-dismiss') as dialog, \
                ui.card().classes('parley-dialog parley-instructions-dialog'):
            dialog.props['aria-label'] = names.CHAT_INSTRUCTIONS
            ui.label('Instructions for this chat').classes('text-h6')
            hint = ui.label(HINT).classes('parley-dialog-hint')
            described = f'c{hint.id}'
            if self.draft is not None:
                draft_note = ui.label(DRAFT_NOTE).classes('parley-dialog-hint parley-instructions-draft')
                described += f' c{draft_note.id}'  # a screen reader hears it with the box, not only the eye
            box = ui.textarea(value=text, placeholder=PLACEHOLDER).props('outlined autogrow dense autofocus')
            box.classes('w-full parley-instructions-box')
            box.props['aria-label'] = names.INSTRUCTIONS
            box.props['aria-describedby'] = described
            box.props['dir'] = 'auto'  # right-to-left text sits on the right
            # Ticked while the text is the one for new chats, until the person ticks or unticks it themselves: an
            # edit of one chat's text then leaves the ones for new chats alone, and only an untick clears them.
            kept = bool(for_new_chats) and text.strip() == for_new_chats
            for_new = ui.checkbox(names.FOR_NEW_CHATS, value=kept)
            touched = False

            def follow(event: ValueChangeEventArguments) -> None:
                if not touched:
                    for_new.value = bool(for_new_chats) and (event.value or '').strip() == for_new_chats

            def touch() -> None:
                nonlocal touched
                touched = True

            box.on_value_change(follow)
            for_new.on('update:model-value', touch)
            problem = ui.label().classes('parley-problem parley-dialog-problem')
            problem.props['role'] = 'alert'

            async def save(event: GenericEventArguments) -> None:
                if not save_button.enabled:
                    return  # a second click while the first is saved
                [typed] = text_of(event, box)
                save_button.disable()
                try:
                    problem.text = await self._save(typed)
                finally:
                    save_button.enable()
                if not problem.text:
                    self.draft = None  # saved, even if Esc closed the dialog meanwhile
                if problem.text or dialog.is_deleted:
                    return  # the dialog stays, with the text as typed (or was closed: nothing more to do)
                if for_new.value:
                    remember(NEW_CHAT_INSTRUCTIONS, (typed or '').strip())
                elif touched and remembered(NEW_CHAT_INSTRUCTIONS, '') == for_new_chats:
                    remember(NEW_CHAT_INSTRUCTIONS, '')  # unticked, and not changed elsewhere meanwhile
                close()

            def close(typed: str | None = None) -> None:
                # Left with Esc (`typed` given), the text is kept for the next opening: a long one is easily lost
                # that way. Cancel and Save leave nothing behind.
                unsaved = typed is not None and typed.strip() != (self.shown or '').strip()
                self.draft = typed if unsaved else None
                dialog.close()

            with ui.row().classes('justify-end w-full'):
                ui.button(names.CANCEL, on_click=lambda: close()).props('flat no-caps')
                save_button = ui.button(names.SAVE).props('unelevated no-caps')
                save_button.on('click', save, js_handler=emit_text_of(box))
            # Enter is a new line here (instructions are paragraphs); Ctrl/Cmd+Enter saves, as in most editors.
            box.on('keydown', save, js_handler='(e) => { if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {'
                                               f' e.preventDefault(); ({emit_text_of(box)})(); }} }}')
        # With the text as the browser has it: the box's own value events may still be on their way.
        dialog.on('escape-key', lambda event: close(*text_of(event, box)), js_handler=emit_text_of(box))
        # Opened with the mouse, the button kept the focus: the box takes it, as when opened from the keyboard.
        dialog.on('show', js_handler=f'() => getElement({box.id})?.$refs.qRef?.focus()')
        dialog.on('hide', dialog.delete)
        dialog.open()

    async def _save(self, text: str) -> str:
        """Store `text` as the chat's instructions (a new chat's until its first message); what went wrong, or ''."""
        try:
            instructions = self.engine.validate_instructions(text)
            if (conversation_id := self.conversation_id()) is None:
                self.set_here = True
                self._mark(instructions)
            else:
                await self.engine.set_instructions(conversation_id, text, user_id=self.user_id)
        except ChatInputError as error:
            return str(error)
        except Exception as error:  # storage failed: the dialog keeps the text and says so
            log.exception('saving instructions failed')
            return f'Parley could not save the instructions ({describe(error)}). Try again in a moment.'
        return ''
