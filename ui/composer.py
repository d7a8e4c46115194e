"""The message box: Enter sends, Shift+Enter breaks the line, Stop replaces Send while an answer streams.

On a touch screen (a phone, a tablet) Enter breaks the line, as in the chat apps people know there: the on-screen
keyboard has no Shift+Enter, and a message of several lines must be possible; Send sends, and so does Ctrl/Cmd+Enter
from a keyboard case.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from nicegui import ui
from nicegui.events import GenericEventArguments

from . import names
from .box_text import emit_text_of, text_of

# Enter sends unless Shift is held, an input method is composing (CJK) or the screen is touched rather than pointed
# at (there Ctrl/Cmd+Enter sends); decided in the browser, so the textarea never receives the newline and the server
# only hears "send", with the text (ui/box_text.py says why).
ENTER_SENDS = ('(e) => { if (e.key === "Enter" && !e.shiftKey && !e.isComposing && (e.ctrlKey || e.metaKey'
               ' || !matchMedia("(hover: none) and (pointer: coarse)").matches)) {'
               ' e.preventDefault(); emit(e.target.value); } }')
# Send is enabled while the box holds more than blanks, decided in the browser on every change of the text: a
# server-side toggle would resend the whole button (~400 bytes) at least twice per message. The handler sets the
# button's prop in NiceGUI's reactive element store, so Vue renders it exactly as a server update would.
SEND_FOLLOWS_TEXT = ('(value) => {{ const b = mounted_app.elements[{send}];'
                     ' if (b) b.props.disable = !(value || "").trim(); }}')
# After an accepted message the browser empties the box (its component reports '' back, which also disables
# Send) and focuses it: setting the value on the server would resend the textarea with all its props and
# listeners (~850 bytes) plus an `updateValue` call, for every message. The message is no longer a draft either
# (assets/drafts.js).
CLEAR_AND_FOCUS = ('(b => {{ if (b) {{ window.parleyDrafts?.clear(b.inputValue); b.inputValue = "";'
                   ' b.$refs.qRef.focus(); }} }})(getElement({box}))')

# Enter pressed while an answer is written: the text stays in the box for later.
BUSY = 'An answer is being written: your message stays in the box. Send it when the answer ends, or stop it (Esc).'


class Composer:
    """`on_send(text)` returns True when the message was accepted; the text is cleared only then."""

    def __init__(self, on_send: Callable[[str], Awaitable[bool]], on_stop: Callable[[], None]) -> None:
        self.on_send = on_send
        self.on_stop = on_stop
        self.busy = False
        self.sending = False
        with ui.element('div').classes('parley-composer') as self.root:
            self.textarea = ui.textarea(placeholder='Message Parley…').props('autogrow outlined dense autofocus')
            self.textarea.classes('parley-textarea')
            self.textarea.props['aria-label'] = names.MESSAGE
            self.textarea.on('keydown', self.send, js_handler=ENTER_SENDS)
            self.send_button = ui.button(icon='arrow_upward').props('round unelevated')
            self.send_button.on('click', self.send, js_handler=emit_text_of(self.textarea))
            self.send_button.props['aria-label'] = names.SEND
            self.send_button.props['disable'] = True  # the box starts empty
            self.send_button.classes('parley-send')
            self.textarea.on('update:value', js_handler=SEND_FOLLOWS_TEXT.format(send=self.send_button.id))
            self.textarea.on_value_change(self._follow_text)
            self.stop_button = ui.button(icon='stop', on_click=on_stop).props('round unelevated color=negative')
            self.stop_button.props['aria-label'] = names.STOP
            self.stop_button.classes('parley-stop')

    async def send(self, event: GenericEventArguments) -> None:
        [text] = text_of(event, self.textarea)
        if self.busy and text.strip():  # Send is hidden then, but Enter still asks: say why nothing happens
            ui.notify(BUSY, type='info')
            return
        if self.sending or not text.strip():
            return
        self.sending = True
        try:
            accepted = await self.on_send(text)
        finally:
            self.sending = False
        if accepted:
            self.textarea.client.run_javascript(CLEAR_AND_FOCUS.format(box=self.textarea.id))
        else:
            self.textarea.run_method('focus')

    def set_busy(self, busy: bool) -> None:
        self.busy = busy
        # Which of Send and Stop shows is a class on the small wrapper (parley.css): toggling the buttons
        # themselves would resend both, with all their props and listeners, twice for every answer.
        if busy:
            self.root.classes(add='parley-busy')
        else:
            self.root.classes(remove='parley-busy')

    def _follow_text(self) -> None:
        # The browser already shows Send's state (SEND_FOLLOWS_TEXT); keep the server's copy in step without
        # sending it, so that a later full resend of the button carries the right state.
        with self.send_button.props.suspend_updates():
            self.send_button.props['disable'] = not (self.textarea.value or '').strip()
