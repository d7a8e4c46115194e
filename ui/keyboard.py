"""Keyboard shortcuts: assets/keyboard.js decides them in the browser; this adds the dialogs they open."""

from __future__ import annotations

from nicegui import ui
from nicegui.elements.mixins.text_element import TextElement

from storage.repository import Repository

from . import names
from .search_dialog import SearchDialog
from .theme import asset_url

# (keys, what they do, where), as the help dialog lists them; "Ctrl" is "Cmd" on a Mac (keyboard.js reads the
# platform). A touch screen with a keyboard (a tablet in a keyboard case) breaks the line on Enter (ui/composer.py):
# there the 'touch' rows take the place of the 'desk' ones, by CSS (assets/personal.css), as the composer decides.
SHORTCUTS = (
    (('Ctrl/Cmd', 'Shift', 'O'), 'New chat', ''),
    (('Ctrl/Cmd', 'K'), 'Search or jump to a conversation', ''),
    (('Esc',), 'Stop the answer (first closing a sidebar that covers the chat)', ''),
    (('Shift', 'Esc'), 'Focus the message box', ''),
    (('Enter',), 'Send the message', 'desk'),
    (('Shift', 'Enter'), 'New line in the message', 'desk'),
    (('Ctrl/Cmd', 'Enter'), 'Send the message', 'touch'),
    (('Enter',), 'New line in the message', 'touch'),
    (('?',), 'Show these shortcuts', ''),
)


def add_keyboard(repository: Repository) -> None:
    """Load the shortcut listener into the page and build the search and help dialogs it opens."""
    ui.add_head_html(f'<link rel="stylesheet" href="{asset_url("personal.css")}">\n'
                     f'<script type="module" src="{asset_url("keyboard.js")}"></script>')
    SearchDialog(repository)
    help_dialog()


def help_dialog() -> ui.dialog:
    """The list of shortcuts; opened by `?` (outside text fields) or the header's keyboard button."""
    with ui.dialog() as dialog, ui.card().classes('parley-dialog parley-shortcuts'):
        dialog.props['aria-label'] = names.KEYBOARD_HELP
        ui.label(names.KEYBOARD_HELP).classes('text-h6')
        with ui.element('table').classes('parley-shortcut-table'):
            for keys, action, where in SHORTCUTS:
                with ui.element('tr').classes(f'parley-{where}-only' if where else ''):
                    with ui.element('td'):
                        for index, key in enumerate(keys):
                            if index:
                                ui.label('+').classes('parley-key-plus inline')
                            TextElement(tag='kbd', text=key).classes('parley-key')
                    with ui.element('td'):
                        ui.label(action)
        with ui.row().classes('justify-end w-full'):
            ui.button(names.CLOSE, on_click=dialog.close).props('flat no-caps')
    ui.on('parley-help', dialog.open)
    return dialog
