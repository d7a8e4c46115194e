"""Messages typed but not sent, kept per conversation in the browser (assets/drafts.js): this page's part."""

from __future__ import annotations

import hashlib

from nicegui import ui

from .theme import asset_url


def add_drafts(user_id: str | None) -> None:
    """Keep this page's unsent message, as `user_id`'s: in team mode each person's drafts are their own."""
    ui.add_head_html(f'<meta name="parley-drafts" content="{draft_scope(user_id)}">'
                     f'<script type="module" src="{asset_url("drafts.js")}"></script>')


def draft_scope(user_id: str | None) -> str:
    """Whose drafts a page keeps: a hash, so the page does not carry the account's id."""
    return hashlib.sha256(f'parley-drafts:{user_id}'.encode()).hexdigest()[:16] if user_id else 'local'
