"""Connections saved on the Settings page: tested through the real adapter, stored encrypted, loaded at start-up."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from engine.provider_setup import ConnectionInputError, Connections, build_registry
from engine.settings import Settings
from providers.base import ChatMessage
from providers.errors import AuthenticationError, NetworkError
from storage import create_db_engine, default_database_url, migrate
from storage.connections import ConnectionStore
from tests.fakes.server import FakeServer, free_port

KEY = 'sk-lab-0123456789abcdef0123456789abcdef'


def connections_for(data_dir: Path, fake: FakeServer) -> Connections:
    database = create_db_engine(default_database_url(data_dir))
    migrate(database)
    settings = Settings(_env_file=None, PARLEY_DATA_DIR=data_dir, OPENAI_API_KEY='test-key',
                        OPENAI_BASE_URL=f'{fake.url}/openai/v1')
    return Connections.for_settings(ConnectionStore(database), build_registry(settings), settings)


async def test_save_registers_at_once_and_a_restart_loads_it(tmp_path: Path, fake_server: FakeServer) -> None:
    connections = connections_for(tmp_path, fake_server)
    heard: list[bool] = []
    connections.registry.on_change(lambda: heard.append(True))
    name, models = await connections.save('openai_compatible', ' Lab ', f'{fake_server.url}/openai/v1', KEY)
    assert name == 'lab' and 'gpt-4o-mini' in models and heard
    assert 'lab/gpt-4o-mini' in {info.key for info in connections.registry.models()}
    assert connections.saved()[0].key_mask == 'sk-…cdef'
    stored = connections.store.get('lab')
    assert stored.api_key_encrypted and KEY not in stored.api_key_encrypted

    restarted = connections_for(tmp_path, fake_server)
    assert restarted.load() == 1
    assert restarted.registry.sources == {'openai': 'environment', 'lab': 'settings'}
    assert 'gpt-4o' in await restarted.registry.get('lab').list_models()

    assert await restarted.remove('lab') is True
    assert restarted.registry.get('lab') is None and restarted.store.list() == []


async def test_failures_save_nothing(tmp_path: Path, fake_server: FakeServer) -> None:
    connections = connections_for(tmp_path, fake_server)
    with pytest.raises(AuthenticationError, match='Check the API key on the Settings page'):
        await connections.save('openai_compatible', 'lab', f'{fake_server.url}/openai/v1', 'bad-key')
    with pytest.raises(NetworkError):
        await connections.save('openai_compatible', 'lab', f'http://127.0.0.1:{free_port()}/v1', KEY)
    with pytest.raises(ConnectionInputError, match='already configured'):
        await connections.save('openai', 'openai', '', KEY)
    with pytest.raises(ConnectionInputError, match='needs an API key'):
        await connections.save('anthropic', '', '', '')
    with pytest.raises(ConnectionInputError, match='letters, digits'):
        await connections.save('openai_compatible', 'a/b', 'http://x/v1', '')
    assert connections.store.list() == [] and set(connections.registry.providers) == {'openai'}


@pytest.mark.parametrize(('kind', 'path'), [('openai_compatible', '/openai/v1'), ('anthropic', '/anthropic'),
                                            ('google', '/gemini')])
async def test_a_refused_key_points_at_the_settings_page(tmp_path: Path, fake_server: FakeServer, kind: str,
                                                         path: str) -> None:
    # The key was typed on the Settings page: the message must say to check it there, not name an environment variable.
    connections = connections_for(tmp_path, fake_server)
    with pytest.raises(AuthenticationError) as refused:
        await connections.save(kind, 'lab', f'{fake_server.url}{path}', 'bad-key')
    assert refused.value.fix == 'Check the API key on the Settings page.'
    assert connections.store.list() == []


async def test_each_kind_lists_models_through_its_adapter(tmp_path: Path, fake_server: FakeServer) -> None:
    connections = connections_for(tmp_path, fake_server)
    assert await connections.test('anthropic', 'claude', f'{fake_server.url}/anthropic', KEY)
    assert await connections.test('google', 'gemini', f'{fake_server.url}/gemini', KEY)
    assert 'whisper-1' not in await connections.test('openai', 'work', f'{fake_server.url}/openai/v1', KEY)


async def test_no_log_line_carries_the_key_even_at_debug(tmp_path: Path, fake_server: FakeServer,
                                                         caplog: pytest.LogCaptureFixture) -> None:
    secret = 'sk-debug-feedfacecafebeef0123456789abcd'
    connections = connections_for(tmp_path, fake_server)
    with caplog.at_level(logging.DEBUG):  # every SDK and HTTP logger at its chattiest
        await connections.save('openai_compatible', 'lab', f'{fake_server.url}/openai/v1', secret)
        with pytest.raises(AuthenticationError):
            await connections.test('openai_compatible', 'lab', f'{fake_server.url}/openai/v1', 'bad-key')
        provider = connections.registry.get('lab')
        async for _ in provider.stream([ChatMessage('user', 'Hi [[tokens=3]]')], 'gpt-4o-mini'):
            pass
    assert caplog.records and secret not in caplog.text


async def test_in_a_team_a_refused_key_tells_members_who_can_change_it(tmp_path: Path, fake_server: FakeServer) -> None:
    # A team's members cannot set the server's keys: the message says so, and still names the setting for the admin.
    database = create_db_engine(default_database_url(tmp_path))
    migrate(database)
    settings = Settings(_env_file=None, PARLEY_DATA_DIR=tmp_path, PARLEY_AUTH='local', OPENAI_API_KEY='bad-key',
                        OPENAI_BASE_URL=f'{fake_server.url}/openai/v1')
    connections = Connections.for_settings(ConnectionStore(database), build_registry(settings), settings)
    with pytest.raises(AuthenticationError) as refused:
        await connections.registry.get('openai').list_models()
    assert refused.value.fix == 'Check OPENAI_API_KEY on the server (ask an administrator).'
    with pytest.raises(AuthenticationError) as refused:
        await connections.save('anthropic', 'lab', f'{fake_server.url}/anthropic', 'bad-key')
    assert refused.value.fix == 'Check the API key on the Settings page (ask an administrator).'
    assert connections.key_hint == 'the API key on the Settings page (ask an administrator)'
