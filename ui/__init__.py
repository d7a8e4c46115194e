"""NiceGUI pages and components. Renders what the engine and storage hold; no provider SDK is imported here."""

from __future__ import annotations

from engine.chat import ChatEngine
from engine.provider_setup import Connections
from engine.settings import Settings
from storage.connections import ConnectionStore

from .chat_page import register as register_chat
from .export import register_export
from .import_page import register_import
from .not_found import register_not_found
from .settings_page import register_settings
from .theme import serve_assets


def register(engine: ChatEngine, settings: Settings) -> None:
    """Add every page to the app; connections saved on the Settings page join the providers here, at start-up."""
    connections = Connections.for_settings(ConnectionStore(engine.repository.engine), engine.providers, settings)
    connections.load()
    register_chat(engine, settings)
    register_export(engine)
    register_import(engine, settings)
    register_settings(connections)
    register_not_found()

__all__ = ['register', 'serve_assets']
