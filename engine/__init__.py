"""The conversation engine between providers/, storage/ and ui/: settings, running answers, and their events."""

from __future__ import annotations

from .chat import ChatEngine, ChatInputError
from .generation import Generation
from .settings import Settings

__all__ = ['ChatEngine', 'ChatInputError', 'Generation', 'Settings']
