"""The frame of a page beside the chat (Settings, an address Parley does not have): the theme in the reader's
light or dark, and a header with the way back to the chat they left and the page's title."""

from __future__ import annotations

from nicegui import ui

from . import names
from .preferences import add_dark_mode
from .theme import BACK_TO_LAST_CHAT, add_head, asset_url


def side_page(title: str) -> None:
    add_head()
    add_dark_mode()
    ui.add_head_html(f'<link rel="stylesheet" href="{asset_url("personal.css")}">')
    with ui.header().classes('parley-header'):
        back = ui.button(icon='arrow_back').props('flat round dense')
        back.on('click', js_handler=BACK_TO_LAST_CHAT)
        back.props['aria-label'] = names.BACK_TO_CHAT
        ui.label(title).classes('parley-page-title')
