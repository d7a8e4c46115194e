"""What every page loads: Parley's stylesheets, the scroll follower, and the shared static route."""

from __future__ import annotations

from pathlib import Path

from nicegui import app, ui

ASSETS = Path(__file__).resolve().parent.parent / 'assets'
ASSETS_ROUTE = '/assets'
STYLESHEETS = ('parley.css', 'chat_scroll.css')  # markdown.css comes with its element
MODULES = ('chat_scroll.js', 'load_more.js')


def serve_assets() -> None:
    """Serve assets/ (CSS, scripts, vendored libraries) from this app: nothing loads from a CDN."""
    app.add_static_files(ASSETS_ROUTE, ASSETS)


def add_head() -> None:
    """Link the stylesheets and scripts into the current page."""
    links = [f'<link rel="stylesheet" href="{ASSETS_ROUTE}/{name}">' for name in STYLESHEETS]
    scripts = [f'<script type="module" src="{ASSETS_ROUTE}/{name}"></script>' for name in MODULES]
    ui.add_head_html('\n'.join(links + scripts))
