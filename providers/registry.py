"""The providers this process talks to, and their model lists (cached, with a fallback when listing fails)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from .base import ModelInfo, Provider
from .errors import ProviderError

log = logging.getLogger(__name__)

MODEL_LIST_TTL = 600.0
MODEL_LIST_TIMEOUT = 8.0


@dataclass
class ModelList:
    models: list[str]
    fetched_at: float
    problem: str | None = None  # why the list is a fallback, in plain words


async def loaded(provider: Provider) -> None:
    """Wait until a deferred provider's SDK is loaded (providers/deferred.py): a time limit on the server's answer
    must not count the import, which takes seconds on a slow machine while pages load beside it."""
    if built := getattr(provider, 'built', None):
        await built()


@dataclass
class ProviderRegistry:
    """Looks providers up by name and keeps each one's model list fresh without ever blocking a page."""

    providers: dict[str, Provider] = field(default_factory=dict)
    lists: dict[str, ModelList] = field(default_factory=dict)
    # where each provider came from, in words for the Settings page: 'environment', 'settings', 'found locally'
    sources: dict[str, str] = field(default_factory=dict)
    # called after a provider is added or removed while Parley runs (pages refresh their model pickers)
    listeners: list[Callable[[], None]] = field(default_factory=list)

    def add(self, provider: Provider, source: str = 'environment', models: list[str] | None = None) -> None:
        """Add (or replace) a provider, with its model list if just fetched; a replaced one's list goes with it."""
        self.lists.pop(provider.name, None)
        if models is not None:
            self.lists[provider.name] = ModelList(sorted(models) or list(provider.fallback_models), time.monotonic())
        self.providers[provider.name] = provider
        self.sources[provider.name] = source
        self._changed()

    def remove(self, name: str) -> Provider | None:
        """Forget the provider and its models. Its client is not closed here: an answer still streaming through it
        finishes; the SDK closes an unreferenced client when it is garbage-collected."""
        provider = self.providers.pop(name, None)
        self.lists.pop(name, None)
        self.sources.pop(name, None)
        if provider is None:
            return None
        self._changed()
        return provider

    def on_change(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call `listener` after every add or remove; returns the function that stops it (call it when a page goes)."""
        self.listeners.append(listener)

        def stop() -> None:
            if listener in self.listeners:
                self.listeners.remove(listener)
        return stop

    def _changed(self) -> None:
        for listener in list(self.listeners):
            try:
                listener()
            except Exception:  # one broken page must not stop the others from hearing about it
                log.exception('a provider-change listener failed')

    def get(self, name: str) -> Provider | None:
        return self.providers.get(name)

    def __bool__(self) -> bool:
        return bool(self.providers)

    async def refresh(self, *, force: bool = False) -> None:
        """Fetch every stale model list concurrently; a slow or broken provider only affects itself."""
        now = time.monotonic()
        stale = [p for name, p in self.providers.items()
                 if force or name not in self.lists or now - self.lists[name].fetched_at > MODEL_LIST_TTL]
        await asyncio.gather(*(self._refresh_one(provider) for provider in stale))

    async def _refresh_one(self, provider: Provider) -> None:
        try:
            await loaded(provider)
            models = await asyncio.wait_for(provider.list_models(), MODEL_LIST_TIMEOUT)
            self.lists[provider.name] = ModelList(sorted(models) or list(provider.fallback_models), time.monotonic())
        except (ProviderError, TimeoutError) as error:
            problem = error.message if isinstance(error, ProviderError) else 'listing models timed out'
            log.warning('model list of %s unavailable: %s', provider.name, problem)
            self.lists[provider.name] = ModelList(list(provider.fallback_models), time.monotonic(), problem)

    async def aclose(self) -> None:
        """Close every provider's HTTP client (at shutdown), so no connection outlives the event loop."""
        for provider in self.providers.values():
            if close := getattr(provider, 'aclose', None):
                try:
                    await close()
                except Exception:  # closing is best effort: the process is going away
                    log.debug('closing %s failed', provider.name, exc_info=True)

    def models(self) -> list[ModelInfo]:
        """Every known model, from the cache or the fallback lists; never waits on the network."""
        found: list[ModelInfo] = []
        for name, provider in self.providers.items():
            listed = self.lists.get(name)
            for model in (listed.models if listed else provider.fallback_models):
                found.append(ModelInfo(name, model))
        return found

    def problems(self) -> dict[str, str]:
        """Providers whose models could not be listed, with the reason."""
        return {name: listed.problem for name, listed in self.lists.items() if listed.problem}

    def resolve(self, key: str | None) -> tuple[Provider, str] | None:
        """`provider/model` to a provider and model id; model ids may themselves contain slashes."""
        if not key or '/' not in key:
            return None
        name, model = key.split('/', 1)
        provider = self.providers.get(name)
        return (provider, model) if provider and model else None

    def default_model(self, preferred: str | None = None) -> str | None:
        """The preferred model if its provider is configured, otherwise the first model of the first provider."""
        if preferred and self.resolve(preferred):
            return preferred
        models = self.models()
        return models[0].key if models else None
