"""A provider whose SDK is imported, and whose client is built, the first time it is used, in a worker thread.

The three SDKs' request and response types are most of what Parley imports (about 4.5 s of an 8 s start on a slow
2-core machine, `python -X importtime`). Deferring them lets the page open first; the start-up model listing then
builds each one off the event loop, so no page stalls while an SDK loads. A model listing waits for the build
before its own time limit starts (providers/registry.py), so a slow import is not taken for a slow server.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from .base import ChatMessage, Error, Event, GenerationParams, Provider
from .errors import ProviderError

log = logging.getLogger(__name__)

# One thread of its own builds every adapter, one at a time: the SDKs import the same pydantic, httpx and typing
# modules, and CPython can hand a thread a half-initialised module when two threads import one at once. Waiting
# builds queue here, not on threads of the default pool, which the chat's database calls need meanwhile.
_BUILDER = ThreadPoolExecutor(max_workers=1, thread_name_prefix='parley-sdk')


class BuildError(ProviderError):
    summary = 'Parley could not load this provider.'


class DeferredProvider:
    """Stands in for the adapter `build` returns: it has the name, key hint and fallback models at once, and builds
    the adapter (importing its SDK) when a stream or a model listing first needs it."""

    def __init__(self, name: str, key_hint: str, fallback_models: list[str], build: Callable[[], Provider]) -> None:
        self.name = name
        self.key_hint = key_hint
        self.fallback_models = list(fallback_models)
        self._build = build
        self._built: Provider | None = None

    @property
    def prices_as(self) -> dict[str, str] | None:
        """How genai-prices knows the adapter's server (engine/usage.py); it is known once the adapter exists."""
        return getattr(self._built, 'prices_as', None)

    async def built(self) -> Provider:
        """The adapter, built now if it is the first use; a ProviderError if it cannot be (a Gemini key missing, a
        broken SDK install)."""
        if self._built is None:
            await asyncio.get_running_loop().run_in_executor(_BUILDER, self._build_once)
        assert self._built is not None
        return self._built

    def _build_once(self) -> None:
        if self._built is not None:  # built while this call waited its turn
            return
        try:
            self._built = self._build()
        except ProviderError:
            raise
        except Exception as error:  # an SDK that fails to import or to make its client: said, not a crash
            log.exception('building the %s provider failed', self.name)
            raise BuildError(self.name, f'{type(error).__name__}: {error}',
                             fix='Check that its Python package is installed (./parley installs it).') from error

    async def stream(self, messages: list[ChatMessage], model: str,
                     params: GenerationParams | None = None) -> AsyncIterator[Event]:
        try:
            provider = await self.built()
        except ProviderError as error:
            yield Error(error)
            return
        async with contextlib.aclosing(provider.stream(messages, model, params)) as events:  # type: ignore[type-var]
            async for event in events:
                yield event

    async def list_models(self) -> list[str]:
        return await (await self.built()).list_models()

    async def aclose(self) -> None:
        """Close the adapter's HTTP client, if it was ever built."""
        close: Any = getattr(self._built, 'aclose', None)
        if close is not None:
            await close()
