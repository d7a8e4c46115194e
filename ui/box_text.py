"""Actions (Send, Sign in, Test and Save a connection, Add user) that carry the text of the boxes they act on, so
they cannot overtake it.

Until a page's socket has finished its handshake NiceGUI holds the page's events back and then lets each go on its
own 10 ms timer, so an action taken in that moment (a password manager's fill and a quick Enter, a message typed
while a busy server connects the page) can reach the server before the boxes' value events. The server would then
act on empty boxes: a message dropped as blank, a sign-in refused.
"""

from __future__ import annotations

from nicegui import ui
from nicegui.events import GenericEventArguments


def emit_text_of(*boxes: ui.input) -> str:
    """A `js_handler` that sends the event with the boxes' text as the browser has it (input.js's `inputValue`)."""
    ids = ', '.join(str(box.id) for box in boxes)
    return f'() => emit(...[{ids}].map((id) => {{ const b = getElement(id); return b ? b.inputValue : null; }}))'


def text_of(event: GenericEventArguments, *boxes: ui.input) -> list[str]:
    """The boxes' text as the event carried it, taken into the boxes; the server's copy where it carried none."""
    carried = event.args if isinstance(event.args, list) else [event.args]
    texts = []
    for index, box in enumerate(boxes):
        text = carried[index] if index < len(carried) else None
        if isinstance(text, str):
            box.set_value(text)  # its own value event may still be on the way; the same text then changes nothing
        texts.append(box.value or '')
    return texts
