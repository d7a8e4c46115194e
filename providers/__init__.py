"""Provider adapters behind one async streaming interface. No NiceGUI here.

Each adapter (openai, anthropic, google) turns a conversation into its SDK's request and the SDK's stream into
`Event`s; `registry` keeps the configured providers and their model lists.
"""

from __future__ import annotations

from .base import (
           ChatMessage,
           Done,
           Error,
           Event,
           GenerationParams,
           ModelInfo,
           Provider,
           ReasoningDelta,
           TextDelta,
           Usage,
)
from .errors import ProviderError
from .registry import ProviderRegistry

__all__ = ['ChatMessage', 'Done', 'Error', 'Event', 'GenerationParams', 'ModelInfo', 'Provider', 'ProviderError',
           'ProviderRegistry', 'ReasoningDelta', 'TextDelta', 'Usage']
