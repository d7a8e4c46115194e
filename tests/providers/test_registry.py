"""The provider registry: model lists from each provider, cached, with a fallback that never blocks."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from engine.provider_setup import add_local_ollama, build_registry
from engine.settings import Settings
from providers.base import Event, GenerationParams
from providers.errors import NetworkError
from providers.registry import ProviderRegistry
from tests.fakes.server import FakeServer, free_port


class Slow:
    """A provider whose listing hangs or fails, to prove one provider never stalls the others."""

    def __init__(self, name: str, behaviour: str) -> None:
        self.name = name
        self.behaviour = behaviour
        self.fallback_models = [f'{name}-fallback']

    async def list_models(self) -> list[str]:
        if self.behaviour == 'hang':
            await asyncio.sleep(60)
        if self.behaviour == 'fail':
            raise NetworkError(self.name, 'connection refused')
        return [f'{self.name}-listed']

    def stream(self, messages, model, params: GenerationParams | None = None) -> AsyncIterator[Event]:
        raise NotImplementedError


async def test_lists_are_fetched_and_failures_fall_back_with_a_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr('providers.registry.MODEL_LIST_TIMEOUT', 0.2)
    registry = ProviderRegistry()
    for name, behaviour in (('good', 'ok'), ('down', 'fail'), ('stuck', 'hang')):
        registry.add(Slow(name, behaviour))
    assert [m.key for m in registry.models()] == ['good/good-fallback', 'down/down-fallback', 'stuck/stuck-fallback']
    await asyncio.wait_for(registry.refresh(), 2)
    assert [m.key for m in registry.models()] == ['good/good-listed', 'down/down-fallback', 'stuck/stuck-fallback']
    assert 'connection refused' in registry.problems()['down']
    assert 'timed out' in registry.problems()['stuck']


def test_resolve_splits_only_the_provider_prefix() -> None:
    registry = ProviderRegistry()
    registry.add(Slow('local', 'ok'))
    provider, model = registry.resolve('local/meta-llama/Llama-3.1-8B') or (None, None)
    assert provider is registry.get('local') and model == 'meta-llama/Llama-3.1-8B'
    assert registry.resolve('nobody/model') is None and registry.resolve('plain') is None
    assert registry.default_model('nobody/x') == 'local/local-fallback'
    assert registry.default_model('local/other') == 'local/other'


async def test_configured_providers_list_their_models(fake_server: FakeServer) -> None:
    settings = Settings(openai_api_key='test-key', openai_base_url=f'{fake_server.url}/openai/v1',
                        anthropic_api_key='test-key', anthropic_base_url=f'{fake_server.url}/anthropic',
                        gemini_api_key='test-key', gemini_base_url=f'{fake_server.url}/gemini', ollama_url='',
                        _env_file=None)
    registry = build_registry(settings)
    assert sorted(registry.providers) == ['anthropic', 'google', 'openai']
    await registry.refresh()
    keys = {m.key for m in registry.models()}
    assert {'openai/gpt-4o-mini', 'anthropic/claude-sonnet-5-5', 'google/gemini-2.5-flash'} <= keys
    assert 'openai/text-embedding-3-small' not in keys and registry.problems() == {}


def test_nothing_configured_is_an_empty_registry() -> None:
    assert not build_registry(Settings(ollama_url='', _env_file=None))


@pytest.fixture
def fake_ollama() -> Iterator[str]:
    app = Starlette(routes=[Route('/api/tags', lambda request: JSONResponse({'models': [{'name': 'llama3.2'}]})),
                            Route('/v1/models', lambda request: JSONResponse(
                                {'object': 'list', 'data': [{'id': 'llama3.2', 'object': 'model', 'created': 0,
                                                             'owned_by': 'library'}]}))])
    server = uvicorn.Server(uvicorn.Config(app, host='127.0.0.1', port=free_port(), log_level='warning'))
    thread = threading.Thread(target=lambda: asyncio.run(server.serve()), daemon=True)
    thread.start()
    while not server.started:
        threading.Event().wait(0.02)
    yield f'http://127.0.0.1:{server.config.port}'
    server.should_exit = True
    thread.join(5)


async def test_local_ollama_is_found_without_configuration(fake_ollama: str) -> None:
    registry = ProviderRegistry()
    assert await add_local_ollama(registry, Settings(ollama_url=fake_ollama, _env_file=None))
    await registry.refresh()
    assert [m.key for m in registry.models()] == ['ollama/llama3.2']


async def test_no_ollama_is_no_provider_and_no_wait() -> None:
    registry = ProviderRegistry()
    nowhere = Settings(ollama_url=f'http://127.0.0.1:{free_port()}', _env_file=None)
    found = await asyncio.wait_for(add_local_ollama(registry, nowhere), 2)
    assert not found and not registry
