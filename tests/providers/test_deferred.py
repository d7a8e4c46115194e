"""Providers are built on first use: Parley starts without importing an SDK, and a deferred provider streams,
lists, fails and closes exactly as the adapter it stands in for."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

from engine.provider_setup import build_registry
from engine.settings import Settings
from providers.base import ChatMessage, Done, Error, Event, GenerationParams, Provider, TextDelta, Usage, collect
from providers.deferred import DeferredProvider
from providers.errors import AuthenticationError
from providers.registry import ProviderRegistry
from tests.fakes.server import FakeServer

ROOT = Path(__file__).resolve().parents[2]
SDKS = ('openai', 'anthropic', 'google.genai')
# What app.py imports before it serves (main() and the modules it names), then the registry it builds from keys.
START_PATH = """
import sys
import app
from engine.chat import ChatEngine
from engine.provider_setup import add_local_ollama, build_registry
from engine.settings import Settings
from storage.repository import Repository
from ui import register, serve_assets
from ui.team import setup_team
registry = build_registry(Settings(openai_api_key='k', anthropic_api_key='k', gemini_api_key='k',
                                   compatible_base_url='http://127.0.0.1:9/v1', ollama_url='', _env_file=None))
assert sorted(registry.providers) == ['anthropic', 'google', 'local', 'openai'], registry.providers
print(' '.join(sdk for sdk in %r if sdk in sys.modules))
"""


def test_starting_parley_imports_no_sdk() -> None:
    """The SDKs' types are most of the start-up's imports; they load when a provider is first used instead."""
    done = subprocess.run([sys.executable, '-c', START_PATH % (SDKS,)], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ''


async def test_a_deferred_provider_streams_and_lists_through_its_sdk(fake_server: FakeServer) -> None:
    settings = Settings(anthropic_api_key='test-key', anthropic_base_url=f'{fake_server.url}/anthropic',
                        ollama_url='', _env_file=None)
    provider = build_registry(settings).get('anthropic')
    assert isinstance(provider, DeferredProvider)
    assert provider.fallback_models == ['claude-sonnet-5-5', 'claude-opus-5-5', 'claude-haiku-5-5']
    assert provider.prices_as is None  # known once the adapter exists
    try:
        answer = await collect(provider.stream([ChatMessage('user', '[[echo]] hello there')], 'claude-sonnet-5-5'))
        assert answer.error is None and answer.text == 'hello there'
        assert isinstance(answer.events[-1], Done) and any(isinstance(e, Usage) for e in answer.events)
        assert provider.prices_as == {'provider_id': 'anthropic'}
        assert 'claude-sonnet-5-5' in await provider.list_models()
    finally:
        await provider.aclose()


class Recording:
    """An adapter that counts how often it was built and whether its stream was closed."""

    builds = 0

    def __init__(self) -> None:
        Recording.builds += 1
        self.name = 'rec'
        self.fallback_models: list[str] = []
        self.closed = False

    async def stream(self, messages: list[ChatMessage], model: str,
                     params: GenerationParams | None = None) -> AsyncIterator[Event]:
        try:
            for word in ('one ', 'two ', 'three'):
                yield TextDelta(word)
                await asyncio.sleep(0)
            yield Done('stop')
        finally:
            self.closed = True

    async def list_models(self) -> list[str]:
        return ['m']


async def test_concurrent_first_uses_build_the_adapter_once() -> None:
    Recording.builds = 0
    provider = DeferredProvider('rec', 'REC_KEY', ['m'], Recording)
    listed = await asyncio.gather(*(provider.list_models() for _ in range(5)))
    assert listed == [['m']] * 5 and Recording.builds == 1


async def test_a_stream_left_early_closes_the_adapters_stream() -> None:
    provider = DeferredProvider('rec', 'REC_KEY', ['m'], Recording)
    events = provider.stream([ChatMessage('user', 'hi')], 'm')
    assert await anext(events) == TextDelta('one ')
    await events.aclose()  # what a Stop does
    built = await provider.built()
    assert isinstance(built, Recording) and built.closed


async def test_an_adapter_that_cannot_be_built_is_an_error_event_not_an_exception() -> None:
    def refuse() -> Provider:
        raise AuthenticationError('google', 'No API key was provided.', fix='Set GEMINI_API_KEY.')

    provider = DeferredProvider('google', 'GEMINI_API_KEY', ['gemini-2.5-flash'], refuse)
    answer = await collect(provider.stream([ChatMessage('user', 'hi')], 'gemini-2.5-flash'))
    assert isinstance(answer.error, AuthenticationError) and 'No API key' in answer.error.message
    assert answer.text == '' and not any(isinstance(e, Done) for e in answer.events)
    await provider.aclose()  # nothing was built, nothing to close
    assert isinstance(answer.events[-1], Error)


async def test_an_sdk_that_fails_to_load_is_said_in_the_model_list_and_the_answer() -> None:
    def broken() -> Provider:
        raise ImportError("cannot import name 'AsyncAnthropic' from 'anthropic'")

    registry = ProviderRegistry()
    registry.add(DeferredProvider('anthropic', 'ANTHROPIC_API_KEY', ['claude-sonnet-5-5'], broken))
    await registry.refresh()  # must not raise: the other providers' lists go on
    assert [m.key for m in registry.models()] == ['anthropic/claude-sonnet-5-5']
    assert 'could not load' in registry.problems()['anthropic'] and 'AsyncAnthropic' in registry.problems()['anthropic']
    provider = registry.get('anthropic')
    assert provider is not None
    answer = await collect(provider.stream([ChatMessage('user', 'hi')], 'claude-sonnet-5-5'))
    assert answer.error is not None and 'could not load' in answer.error.message
