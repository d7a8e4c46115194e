"""Edit the user's last message: it becomes a box in place, and Save has it answered again.

The Edit button is made by the browser (assets/message_edit.js); the server opens this editor when it is pressed.
The old question and its answer are not lost: together they become the answer's earlier version
(storage/versions.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from nicegui import ui
from nicegui.events import GenericEventArguments

from . import names
from .box_text import emit_text_of, text_of
from .composer import ENTER_SENDS

# Esc leaves the editor, and only the editor: the page's own Esc (assets/keyboard.js) would also stop an answer.
ESC_CANCELS = '(e) => { if (e.key === "Escape") { e.stopPropagation(); emit(); } }'
# Where the keyboard's focus goes once the box is gone (after Vue has rendered the page without it): `selector`, or
# the message box when that is hidden (Edit is, while an answer is being written).
MESSAGE_BOX = 'textarea[aria-label="Message"]'
FOCUS_LATER = ('setTimeout(() => {{ const target = document.querySelector({selector!r});'
               ' (target?.getClientRects().length ? target : document.querySelector({box!r}))?.focus(); }}, 50)')


class MessageEditor:
    """The box that replaces the text of one user message (`article`, showing `text`) until saved or cancelled."""

    def __init__(self, article: ui.element, text: ui.label, on_save: Callable[[str], Awaitable[bool]],
                 on_close: Callable[[], None]) -> None:
        self.article, self.text, self.on_save, self.on_close = article, text, on_save, on_close
        self.saving = False
        self.text.visible = False
        article.classes(add='parley-editing')
        with article, ui.element('div').classes('parley-edit') as self.root:
            self.box = ui.textarea(value=text.text).props('autogrow outlined dense autofocus')
            self.box.classes('parley-edit-box')
            self.box.props['aria-label'] = names.EDITED_QUESTION
            self.box.on('keydown', self._save, js_handler=ENTER_SENDS)  # Enter saves, as it sends in the composer
            self.box.on('keydown', self.close, js_handler=ESC_CANCELS)
            with ui.element('div').classes('parley-edit-actions'):
                ui.button(names.CANCEL, on_click=self.close).props('flat no-caps')
                save = ui.button(names.SAVE).props('unelevated no-caps')
                save.on('click', self._save, js_handler=emit_text_of(self.box))

    def close(self, *, saved: bool = False, refocus: bool = True) -> None:
        """Put the text back in place of the box; `refocus` when the reader closed it (Save, Cancel, Esc)."""
        if self.root.is_deleted or (self.saving and not saved):
            return  # a save in flight closes it itself, once it is through
        self.root.delete()
        self.article.classes(remove='parley-editing')
        self.text.visible = True
        self.on_close()
        if not refocus:
            return
        # Saved: on to the message box, as after sending; left: back to the Edit button it came from.
        selector = MESSAGE_BOX if saved else f'#c{self.article.id} > .parley-edit-message'
        ui.run_javascript(FOCUS_LATER.format(selector=selector, box=MESSAGE_BOX))

    async def _save(self, event: GenericEventArguments) -> None:
        if self.saving or self.root.is_deleted:
            return  # Enter twice, or Save clicked twice: one edit
        [text] = text_of(event, self.box)
        self.saving = True
        try:
            saved = await self.on_save(text)
            if saved:
                self.close(saved=True)
        finally:
            self.saving = False
