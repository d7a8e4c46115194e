"""The message box: Enter sends, Shift+Enter breaks the line, Stop replaces Send while an answer streams."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from nicegui import ui

from . import names

# Enter sends unless Shift is held or an input method is composing (CJK); decided in the browser, so the
# textarea never receives the newline and the server only hears "send".
ENTER_SENDS = '(e) => { if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); emit(); } }'


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
            self.textarea.on_value_change(self._update_buttons)
            self.send_button = ui.button(icon='arrow_upward', on_click=self.send).props('round unelevated')
            self.send_button.props['aria-label'] = names.SEND
            self.send_button.classes('parley-send')
            self.stop_button = ui.button(icon='stop', on_click=on_stop).props('round unelevated color=negative')
            self.stop_button.props['aria-label'] = names.STOP
            self.stop_button.classes('parley-stop')
        self._update_buttons()

    async def send(self) -> None:
        text = self.textarea.value or ''
        if self.busy or self.sending or not text.strip():
            return
        self.sending = True
        try:
            accepted = await self.on_send(text)
        finally:
            self.sending = False
        if accepted:
            self.textarea.value = ''
        self.textarea.run_method('focus')

    def set_busy(self, busy: bool) -> None:
        self.busy = busy
        self._update_buttons()

    def _update_buttons(self) -> None:
        # Which of Send and Stop shows is a class on the small wrapper (parley.css): toggling the buttons
        # themselves would resend both, with all their props and listeners, twice for every answer.
        if self.busy:
            self.root.classes(add='parley-busy')
        else:
            self.root.classes(remove='parley-busy')
        self.send_button.enabled = bool((self.textarea.value or '').strip())
