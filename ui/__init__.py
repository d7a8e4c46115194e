"""NiceGUI pages and components. Renders what the engine and storage hold; no provider SDK is imported here."""

from __future__ import annotations

from .chat_page import register
from .theme import serve_assets

__all__ = ['register', 'serve_assets']
