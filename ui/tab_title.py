"""The browser tab (and its history entry, a bookmark) names the conversation, as in the chat apps people know."""

from __future__ import annotations

from nicegui import ui

from storage.models import Conversation


class TabTitle:
    """'<title> · Parley' for the conversation a page shows; `show` again after a rename."""

    def __init__(self) -> None:
        self.shown: str | None = None

    def show(self, conversation: Conversation) -> None:
        title = f'{conversation.title or "Untitled"} · Parley'
        if title != self.shown:  # each change is a call to the browser
            self.shown = title
            ui.page_title(title)
