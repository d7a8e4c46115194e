"""Which providers this process talks to: from the settings, from connections saved on the Settings page, and a
look for a local Ollama. `Connections` adds, tests and removes saved ones while Parley runs."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from providers import fallbacks
from providers.base import Provider
from providers.deferred import DeferredProvider
from providers.errors import NetworkError
from providers.registry import ProviderRegistry, loaded
from storage.connections import ConnectionStore

from .secrets import SecretBox, UndecryptableError, keep_out_of_logs, mask
from .settings import Settings, secret

log = logging.getLogger(__name__)

OLLAMA_PROBE_TIMEOUT = 0.5
FOUND_LOCALLY = 'found on this machine'
FROM_SETTINGS = 'settings'


def build_registry(settings: Settings) -> ProviderRegistry:
    """One provider per configured key or server; nothing configured is fine (the page says how to add one)."""
    registry = ProviderRegistry()
    for key in (settings.openai_api_key, settings.anthropic_api_key, settings.gemini_api_key,
                settings.compatible_api_key):
        keep_out_of_logs(secret(key))

    def hint(variable: str) -> str:
        return server_hint(variable, settings)

    if key := secret(settings.openai_api_key):
        registry.add(provider_for('openai', 'openai', key, settings.openai_base_url, key_hint=hint('OPENAI_API_KEY')))
    if key := secret(settings.anthropic_api_key):
        registry.add(provider_for('anthropic', 'anthropic', key, settings.anthropic_base_url,
                                  key_hint=hint('ANTHROPIC_API_KEY')))
    if key := secret(settings.gemini_api_key):
        registry.add(provider_for('google', 'google', key, settings.gemini_base_url, key_hint=hint('GEMINI_API_KEY')))
    if settings.compatible_base_url:
        registry.add(provider_for('openai_compatible', settings.compatible_name, secret(settings.compatible_api_key),
                                  settings.compatible_base_url, key_hint=hint('PARLEY_OPENAI_COMPATIBLE_API_KEY')))
    return registry


def server_hint(variable: str, settings: Settings) -> str:
    """What a refused key's message tells the reader to check, for a key or address set on the server."""
    return for_team(f'{variable} on the server') if settings.team_mode else variable


ASK_AN_ADMINISTRATOR = ' (ask an administrator)'  # what an administrator's own pages leave out (as_read_by)


def for_team(key_hint: str) -> str:
    """A key hint as a team's member reads it: the keys are the administrator's to change, not theirs."""
    return key_hint + ASK_AN_ADMINISTRATOR


def as_read_by(text: str, *, admin: bool) -> str:
    """A provider's error as its reader should take it: an administrator is not told to ask one (the keys are theirs
    to mend). Errors are stored as a member reads them, the same for everyone who sees the chat."""
    return text.replace(ASK_AN_ADMINISTRATOR, '') if admin else text


async def add_local_ollama(registry: ProviderRegistry, settings: Settings) -> bool:
    """Register Ollama if it answers on its usual port; a quick probe so start-up never waits on it."""
    if not settings.ollama_url or 'ollama' in registry.providers:
        return False
    base = settings.ollama_url.rstrip('/')
    try:
        async with httpx.AsyncClient(timeout=OLLAMA_PROBE_TIMEOUT) as client:
            response = await client.get(f'{base}/api/tags')
            response.raise_for_status()
    except httpx.HTTPError:
        return False
    registry.add(provider_for('openai_compatible', 'ollama', None, f'{base}/v1',
                              key_hint=server_hint('PARLEY_OLLAMA_URL', settings)),
                 FOUND_LOCALLY)
    log.info('found a local Ollama at %s', base)
    return True


# Kinds of connection the Settings page offers, with the words it shows; the default name is the usual prefix.
KINDS = {'openai': 'OpenAI', 'anthropic': 'Anthropic', 'google': 'Gemini', 'openai_compatible': 'OpenAI-compatible'}
DEFAULT_NAMES = {'openai': 'openai', 'anthropic': 'anthropic', 'google': 'google'}
# A name becomes the `name/` prefix of model keys, so no slash, and short enough to read in the picker.
VALID_NAME = re.compile(r'^[a-z0-9][a-z0-9._-]{0,39}$')
SETTINGS_KEY_HINT = 'the API key on the Settings page'
TEST_TIMEOUT = 15.0


def connection_name(typed: str) -> str:
    """The name a connection is saved under: 'Local LM' is local-lm (it prefixes every model: local-lm/...)."""
    return '-'.join(typed.lower().split())


class ConnectionInputError(ValueError):
    """A form value that cannot work, in words for the Settings page."""


@dataclass(frozen=True)
class SavedConnection:
    """What the Settings page may show of a saved connection: never the key, only its mask."""

    name: str
    kind: str
    base_url: str | None
    key_mask: str
    problem: str | None = None  # why it is not in use (its key cannot be decrypted)


def provider_for(kind: str, name: str, api_key: str | None, base_url: str | None, *,
                 key_hint: str = SETTINGS_KEY_HINT) -> Provider:
    """A provider of `kind` called `name` (its models appear as `name/model`). Nothing is imported or sent until it
    is used: its SDK loads then (providers/deferred.py)."""
    if kind not in KINDS:
        raise ConnectionInputError(f'Unknown provider kind {kind!r}.')

    def build() -> Provider:
        provider: Provider
        if kind in ('openai', 'openai_compatible'):
            from providers.openai import openai_provider
            return openai_provider(name, api_key, base_url, key_hint=key_hint, official=kind == 'openai')
        if kind == 'anthropic':
            from providers.anthropic import anthropic_provider
            provider = anthropic_provider(api_key or '', base_url)
        else:
            from providers.google import google_provider
            provider = google_provider(api_key, base_url)
        # The adapters name themselves after their vendor; a saved connection may be called anything.
        provider.name = name  # type: ignore[misc]
        provider.key_hint = key_hint  # type: ignore[attr-defined]
        return provider

    fallback = {'anthropic': fallbacks.ANTHROPIC, 'google': fallbacks.GOOGLE}.get(kind, [])
    return DeferredProvider(name, key_hint, fallback, build)


class Connections:
    """Saved provider connections: stored encrypted, registered with the running registry, tested on demand."""

    def __init__(self, store: ConnectionStore, registry: ProviderRegistry, box: Callable[[], SecretBox], *,
                 team: bool = False) -> None:
        self.store = store
        self.key_hint = for_team(SETTINGS_KEY_HINT) if team else SETTINGS_KEY_HINT  # said in chats when refused
        self.registry = registry
        self._make_box = box
        self._box: SecretBox | None = None
        self.problems: dict[str, str] = {}

    @classmethod
    def for_settings(cls, store: ConnectionStore, registry: ProviderRegistry, settings: Settings) -> Connections:
        """A bad PARLEY_SECRET_KEY fails here, at start-up; the key file is only made when a key is first saved."""
        configured = secret(settings.secret_key)
        if configured:
            box = SecretBox.load(Path(settings.data_dir), configured)
            return cls(store, registry, lambda: box, team=settings.team_mode)
        return cls(store, registry, lambda: SecretBox.load(Path(settings.data_dir)), team=settings.team_mode)

    @property
    def box(self) -> SecretBox:
        if self._box is None:
            self._box = self._make_box()
        return self._box

    def load(self) -> int:
        """At start-up: register every saved connection (a saved one wins over the environment's of that name)."""
        loaded = 0
        for saved in self.store.list():
            try:
                key = self.box.decrypt(saved.api_key_encrypted) if saved.api_key_encrypted else None
            except UndecryptableError as error:
                self.problems[saved.name] = str(error)
                log.warning('saved connection %s is not used: %s', saved.name, error)
                continue
            keep_out_of_logs(key)
            if self.registry.sources.get(saved.name, FROM_SETTINGS) != FROM_SETTINGS:
                log.info('the saved connection %s replaces the one from the %s', saved.name,
                         self.registry.sources[saved.name])
            self.registry.add(provider_for(saved.kind, saved.name, key, saved.base_url, key_hint=self.key_hint),
                              FROM_SETTINGS)
            loaded += 1
        return loaded

    def saved(self) -> list[SavedConnection]:
        found = []
        for saved in self.store.list():
            try:
                shown = mask(self.box.decrypt(saved.api_key_encrypted)) if saved.api_key_encrypted else ''
            except UndecryptableError:
                shown = ''
            found.append(SavedConnection(saved.name, saved.kind, saved.base_url, shown, self.problems.get(saved.name)))
        return found

    def from_environment(self) -> dict[str, str]:
        """Providers configured outside the Settings page (read-only there), with where they came from."""
        return {name: source for name, source in self.registry.sources.items() if source != FROM_SETTINGS}

    def check(self, kind: str, name: str, base_url: str, api_key: str) -> tuple[str, str | None, str | None]:
        """The form's values cleaned up (name, base URL, key); raises ConnectionInputError with what to change."""
        if kind not in KINDS:
            raise ConnectionInputError('Choose a provider.')
        name = connection_name(name) or DEFAULT_NAMES.get(kind, '')
        if not name:
            raise ConnectionInputError('Give the connection a name: its models appear as name/model.')
        if not VALID_NAME.match(name):
            raise ConnectionInputError('A connection name uses letters, digits, ".", "-" or "_" (up to 40).')
        source = self.registry.sources.get(name)
        if source is not None and source != FROM_SETTINGS:
            raise ConnectionInputError(f'"{name}" is already configured ({source}); pick another name.')
        url = base_url.strip() or None
        if url is None and kind == 'openai_compatible':
            raise ConnectionInputError('An OpenAI-compatible connection needs its base URL, e.g. '
                                       'http://localhost:1234/v1.')
        if url is not None and not re.match(r'^https?://[^\s/]+', url):
            raise ConnectionInputError('The base URL starts with http:// or https://.')
        key = api_key.strip() or self._saved_key(name, kind, url)
        if not key and kind != 'openai_compatible':
            raise ConnectionInputError(f'{KINDS[kind]} needs an API key.')
        return name, url, key

    def _saved_key(self, name: str, kind: str, url: str | None) -> str | None:
        """An empty key field keeps the key already saved under that name, but only for the same provider and
        address: otherwise Test connection would send a saved key to any server typed into the form."""
        saved = self.store.get(name)
        if saved is None or not saved.api_key_encrypted:
            return None
        if (saved.kind, saved.base_url) != (kind, url):
            raise ConnectionInputError('The provider or base URL changed: enter the API key again.')
        try:
            return self.box.decrypt(saved.api_key_encrypted)
        except UndecryptableError as error:
            raise ConnectionInputError(str(error)) from error

    async def test(self, kind: str, name: str, base_url: str, api_key: str) -> list[str]:
        """The models the connection offers, through the real adapter; raises a ProviderError in plain words."""
        name, url, key = self.check(kind, name, base_url, api_key)
        keep_out_of_logs(key)  # a typed key is not in use yet, but a failure's traceback may quote it
        provider = provider_for(kind, name, key, url, key_hint=self.key_hint)
        try:
            return await self._list(provider)
        finally:
            await _close(provider)

    async def save(self, kind: str, name: str, base_url: str, api_key: str) -> tuple[str, list[str]]:
        """Test, then store (encrypted) and register: its models are in every picker at once. Nothing broken is
        saved: a refused key or an unreachable server raises before anything is written."""
        name, url, key = self.check(kind, name, base_url, api_key)
        keep_out_of_logs(key)
        provider = provider_for(kind, name, key, url, key_hint=self.key_hint)
        try:
            models = await self._list(provider)
        except BaseException:
            await _close(provider)
            raise
        encrypted = self.box.encrypt(key) if key else None
        await asyncio.to_thread(self.store.save, kind=kind, name=name, base_url=url, api_key_encrypted=encrypted)
        self.problems.pop(name, None)
        self.registry.add(provider, FROM_SETTINGS, models=models)
        log.info('saved provider connection %s (%s)', name, KINDS[kind])
        return name, models

    async def remove(self, name: str) -> bool:
        """Delete the saved connection and take its models away from every picker."""
        removed = await asyncio.to_thread(self.store.remove, name)
        self.problems.pop(name, None)
        if self.registry.sources.get(name) == FROM_SETTINGS:
            self.registry.remove(name)
        if removed:
            log.info('removed provider connection %s', name)
        return removed

    @staticmethod
    async def _list(provider: Provider) -> list[str]:
        await loaded(provider)
        try:
            return await asyncio.wait_for(provider.list_models(), TEST_TIMEOUT)
        except TimeoutError as error:
            raise NetworkError(provider.name, f'no answer within {TEST_TIMEOUT:.0f} s',
                               fix='Check the base URL and that the server is running.') from error


async def _close(provider: Provider) -> None:
    if close := getattr(provider, 'aclose', None):
        await close()
