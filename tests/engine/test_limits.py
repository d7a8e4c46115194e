"""Per-user limits: messages a minute, answers at once, a daily token budget; refused plainly, nothing stored."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

import pytest

from engine.chat import ChatEngine, ChatInputError
from engine.limits import LimitSettings, UsageLimits, limit_settings, midnight_utc
from providers.openai import openai_provider
from providers.registry import ProviderRegistry
from storage.database import create_db_engine, migrate
from storage.repository import Repository
from tests.fakes.server import FakeServer

MODEL = 'openai/gpt-4o-mini'
ANN, BOB = 'ann-id', 'bob-id'


def make_chat(tmp_path: Path, fake_server: FakeServer, settings: LimitSettings) -> ChatEngine:
    database = create_db_engine(f'sqlite:///{tmp_path / "parley.db"}')
    migrate(database)
    repository = Repository(database)
    registry = ProviderRegistry()
    registry.add(openai_provider('openai', 'test-key', f'{fake_server.url}/openai/v1', key_hint='OPENAI_API_KEY'))
    return ChatEngine(repository, registry, max_message_chars=10_000,
                      limits=UsageLimits(settings, repository.tokens_used_since))


async def finish_all(chat: ChatEngine) -> None:
    await asyncio.gather(*(asyncio.wait_for(g.finished.wait(), 10) for g in list(chat.generations.values())))
    await asyncio.sleep(0)


def test_defaults_apply_in_team_mode_only() -> None:
    assert limit_settings(None, None, None, team=True) == LimitSettings(20, 2, None)
    assert limit_settings(None, None, None, team=False) == LimitSettings(0, 0, None)
    assert limit_settings(5, 0, 1000, team=False) == LimitSettings(5, 0, 1000)
    assert limit_settings(0, 1, 0, team=True) == LimitSettings(0, 1, None)


async def test_messages_per_minute_per_user(tmp_path: Path, fake_server: FakeServer) -> None:
    chat = make_chat(tmp_path, fake_server, LimitSettings(messages_per_minute=3))
    for n in range(3):
        await chat.send(None, f'Question {n}', MODEL, user_id=ANN)
    await finish_all(chat)
    with pytest.raises(ChatInputError, match=r'sent 3 messages in the last minute.*Try again in \d+ s'):
        await chat.send(None, 'One too many', MODEL, user_id=ANN)
    assert len(chat.repository.list_conversations(user_id=ANN)) == 3, 'a refused first message creates nothing'
    await chat.send(None, 'Bob is not Ann', MODEL, user_id=BOB)  # each user has their own minute
    await finish_all(chat)


async def test_answers_at_once_per_user(tmp_path: Path, fake_server: FakeServer) -> None:
    chat = make_chat(tmp_path, fake_server, LimitSettings(answers_at_once=2))
    slow = 'Long [[tokens=300]] [[delay=10]]'
    first = await chat.send(None, slow, MODEL, user_id=ANN)
    await chat.send(None, slow, MODEL, user_id=ANN)
    with pytest.raises(ChatInputError, match='2 answers are still being written'):
        await chat.send(None, slow, MODEL, user_id=ANN)
    await chat.send(None, 'Bob is free', MODEL, user_id=BOB)  # Ann's limit is not his
    chat.stop(first.conversation.id, user_id=ANN)
    await asyncio.wait_for(chat.generations[first.conversation.id].finished.wait(), 5)
    await asyncio.sleep(0)
    await chat.send(None, slow, MODEL, user_id=ANN)  # a place is free again
    for conversation_id in list(chat.generations):
        chat.stop(conversation_id)
    await finish_all(chat)


async def test_concurrent_sends_cannot_overrun_answers_at_once(tmp_path: Path, fake_server: FakeServer) -> None:
    chat = make_chat(tmp_path, fake_server, LimitSettings(answers_at_once=1))
    results = await asyncio.gather(*(chat.send(None, f'Race {n} [[tokens=50]] [[delay=10]]', MODEL, user_id=ANN)
                                     for n in range(4)), return_exceptions=True)
    assert sum(not isinstance(result, Exception) for result in results) == 1
    assert all(isinstance(r, ChatInputError) for r in results if isinstance(r, Exception))
    await finish_all(chat)


async def test_daily_token_budget(tmp_path: Path, fake_server: FakeServer) -> None:
    chat = make_chat(tmp_path, fake_server, LimitSettings(daily_token_budget=60))
    first = await chat.send(None, 'Spend some [[tokens=40]]', MODEL, user_id=ANN)
    await finish_all(chat)
    used = chat.limits.tokens_today(ANN)  # type: ignore[union-attr]
    assert used >= 40, 'input and output tokens are counted'
    await chat.send(first.conversation.id, 'And more [[tokens=30]]', MODEL, user_id=ANN)
    await finish_all(chat)
    with pytest.raises(ChatInputError, match=r'used your 60 tokens for today.*renews at midnight UTC'):
        await chat.send(None, 'Over budget', MODEL, user_id=ANN)
    # Deleting the conversation does not give the tokens back, nor does a restart after it (the same database, a
    # new engine); another user has their own budget.
    chat.delete(first.conversation.id, user_id=ANN)
    with pytest.raises(ChatInputError, match='tokens for today'):
        await chat.send(None, 'Still over', MODEL, user_id=ANN)
    restarted = make_chat(tmp_path, fake_server, LimitSettings(daily_token_budget=60))
    with pytest.raises(ChatInputError, match='tokens for today'):
        await restarted.send(None, 'Still over after a restart', MODEL, user_id=ANN)
    await restarted.send(None, 'Bob has his own', MODEL, user_id=BOB)
    await finish_all(restarted)


def test_tokens_are_counted_from_midnight_utc(tmp_path: Path) -> None:
    database = create_db_engine(f'sqlite:///{tmp_path / "parley.db"}')
    migrate(database)
    repo = Repository(database)
    conversation = repo.create_conversation(title='t', provider='openai', model='m', user_id=ANN)
    answer = repo.add_message(conversation.id, role='assistant', content='x')
    repo.update_message(answer.id, input_tokens=7, output_tokens=5)
    assert repo.tokens_used_since(ANN, midnight_utc()) == 12
    assert repo.tokens_used_since(BOB, midnight_utc()) == 0
    assert repo.tokens_used_since(ANN, datetime(2999, 1, 1)) == 0
    assert midnight_utc(datetime(2026, 11, 26, 23, 59, 59)) == datetime(2026, 11, 26)
