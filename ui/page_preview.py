"""The page as plain HTML, painted before NiceGUI's app has mounted: the sidebar's links and the header's bar.

NiceGUI builds a page in the browser, so nothing shows until Vue, Quasar and every element have loaded and mounted
(0.6-0.8 s on a 2-core machine, whatever the server's speed). The server already has what the sidebar lists, so the
page's HTML carries it: the reader sees their conversations (and can open one: they are plain links) at the first
paint. assets/page_preview.js removes the preview as soon as the app has mounted; the two are never both there.

Titles are written by people and by models: Jinja's autoescape keeps them text. That also matters to ui/csp.py,
which gives every `<script` tag of a page's HTML its nonce.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import jinja2
from nicegui import ui

from . import names

TEMPLATES = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).resolve().parent / 'templates'),
                               autoescape=True, trim_blocks=True, lstrip_blocks=True)


@dataclass(frozen=True)
class PreviewEntry:
    title: str
    href: str
    heading: str | None = None  # the group this entry opens (Today, ..., a month, a year), if it is the first of it
    current: bool = False


def add_preview(entries: list[PreviewEntry], *, dark: bool | None, sidebar_open: bool, home: str) -> None:
    """Put the preview into the current page's HTML. `dark`: None as the reader's system is. `sidebar_open`: shown
    where there is room, as the drawer is (ui/sidebar.py); else closed."""
    sidebar = 'auto' if sidebar_open else 'closed'
    html = TEMPLATES.get_template('page_preview.html').render(
        entries=entries, dark=dark, sidebar=sidebar, home=home, names=names, empty=not entries)
    ui.add_body_html(html)
