"""Which providers this process talks to, decided from the settings (and a look for a local Ollama)."""

from __future__ import annotations

import logging

import httpx

from providers.anthropic import anthropic_provider
from providers.google import google_provider
from providers.openai import openai_provider
from providers.registry import ProviderRegistry

from .settings import Settings, secret

log = logging.getLogger(__name__)

OLLAMA_PROBE_TIMEOUT = 0.5


def build_registry(settings: Settings) -> ProviderRegistry:
    """One provider per configured key or server; nothing configured is fine (the page says how to add one)."""
    registry = ProviderRegistry()
    if key := secret(settings.openai_api_key):
        registry.add(openai_provider('openai', key, settings.openai_base_url, key_hint='OPENAI_API_KEY'))
    if key := secret(settings.anthropic_api_key):
        registry.add(anthropic_provider(key, settings.anthropic_base_url))
    if key := secret(settings.gemini_api_key):
        registry.add(google_provider(key, settings.gemini_base_url))
    if settings.compatible_base_url:
        registry.add(openai_provider(settings.compatible_name, secret(settings.compatible_api_key),
                                     settings.compatible_base_url, key_hint='PARLEY_OPENAI_COMPATIBLE_API_KEY'))
    return registry


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
    registry.add(openai_provider('ollama', None, f'{base}/v1', key_hint='PARLEY_OLLAMA_URL'))
    log.info('found a local Ollama at %s', base)
    return True
