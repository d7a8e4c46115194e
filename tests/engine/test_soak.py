"""Nothing lost, nothing executed: a soak of many concurrent conversations with random provider faults.

200 conversations of 5 exchanges across OpenAI, Anthropic and Gemini (the real SDKs against the fake server),
16 conversations at a time, with a fault in 10 % of the exchanges: a transient error before the first token, a
permanent error, a stream broken mid-answer, a stall past the idle timeout, or Stop part-way. Afterwards what
storage holds is audited. Run with `.venv/bin/pytest -m slow tests/engine/test_soak.py -s`; the plan is seeded
(printed), and PARLEY_SOAK_SEED=<seed> replays it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from engine.chat import ChatEngine
from engine.generation import StreamPolicy
from providers.anthropic import anthropic_provider
from providers.google import google_provider
from providers.openai import openai_provider
from providers.registry import ProviderRegistry
from storage.database import create_db_engine, migrate
from storage.models import MessageStatus
from storage.repository import Repository
from tests.engine.soak_helpers import FAULTS, Exchange, audit, plan
from tests.fakes.script import script_for
from tests.fakes.server import FakeServer
from tests.storage.conftest import fresh_postgres_database

CONVERSATIONS, EXCHANGES, AT_ONCE = 200, 5, 16
# The idle timeout must stay well above the event loop's own lag under this load (about 0.5 s at worst with 16
# conversations streaming on two cores), or healthy answers count as stalled; [[stall=4]] is well beyond it.
POLICY = StreamPolicy(idle_timeout=2.0)
LONGEST_EXCHANGE = 30.0  # seconds; far beyond the slowest planned answer


@pytest.fixture(params=[pytest.param('sqlite'), pytest.param('postgres', marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty, migrated database: a SQLite file (WAL) or a fresh PostgreSQL database dropped afterwards."""
    if request.param == 'sqlite':
        engine = create_db_engine(f'sqlite:///{tmp_path / "parley.db"}')
        migrate(engine)
        yield engine
        engine.dispose()
        return
    with fresh_postgres_database() as engine:
        migrate(engine)
        yield engine


@pytest.fixture
async def engine(database: Engine, fake_server: FakeServer) -> AsyncIterator[ChatEngine]:
    registry = ProviderRegistry()
    registry.add(openai_provider('openai', 'test-key', f'{fake_server.url}/openai/v1', key_hint='OPENAI_API_KEY'))
    registry.add(anthropic_provider('test-key', f'{fake_server.url}/anthropic'))
    registry.add(google_provider('test-key', f'{fake_server.url}/gemini'))
    yield ChatEngine(Repository(database), registry, max_message_chars=1000, policy=POLICY)
    for provider in registry.providers.values():  # in this loop: a client collected later logs an error in another
        close = getattr(provider, 'aclose', None) or provider.client.close  # type: ignore[attr-defined]
        await close()


async def converse(engine: ChatEngine, exchanges: list[Exchange], planned: dict[str, list[Exchange]],
                   problems: list[str]) -> None:
    """One conversation, exchange by exchange, each answer finished (and checked in storage) before the next."""
    conversation_id: str | None = None
    for exchange in exchanges:
        sent = await engine.send(conversation_id, exchange.text, exchange.model,
                                 on_created=lambda c: planned.__setitem__(c.id, exchanges))
        conversation_id = sent.conversation.id
        generation = engine.generation_for(conversation_id)
        assert generation is not None, f'{exchange.text!r}: no generation after send'
        if exchange.stop_after is not None:
            await asyncio.sleep(exchange.stop_after)
            engine.stop(conversation_id)
        await asyncio.wait_for(generation.finished.wait(), LONGEST_EXCHANGE)
        # Once an answer is finished, a page built from storage must show exactly what the engine has.
        stored = await asyncio.to_thread(engine.repository.get_message, sent.assistant_message.id)
        if stored is None or (stored.status, stored.content) != (generation.status, generation.text):
            problems.append(f'{exchange.text!r}: finished as {generation.status!r} with {len(generation.text)} '
                            f'chars, but storage holds {stored and (stored.status, len(stored.content))}')


worst = [0.0]


async def worst_lag() -> None:
    """Track the event loop's worst lag (how late a 50 ms sleep wakes up) for the summary."""
    while True:
        started = time.monotonic()
        await asyncio.sleep(0.05)
        worst[0] = max(worst[0], time.monotonic() - started - 0.05)


@pytest.mark.slow
@pytest.mark.timeout(600)
async def test_nothing_lost_nothing_doubled(engine: ChatEngine, database: Engine,
                                            caplog: pytest.LogCaptureFixture) -> None:
    seed = int(os.environ.get('PARLEY_SOAK_SEED') or random.randrange(2**32))
    backend = database.dialect.name
    print(f'\nsoak seed {seed} on {backend} (replay with PARLEY_SOAK_SEED={seed})')
    # The backend and a per-run nonce make every message unique, so [[flaky]] counts always start from zero.
    conversations = plan(seed, f'soak {backend} {seed} {time.monotonic_ns()}', CONVERSATIONS, EXCHANGES)
    planned: dict[str, list[Exchange]] = {}
    problems: list[str] = []
    limit = asyncio.Semaphore(AT_ONCE)

    async def one(exchanges: list[Exchange]) -> None:
        async with limit:
            await converse(engine, exchanges, planned, problems)

    lag = asyncio.create_task(worst_lag())
    started = time.monotonic()
    with caplog.at_level(logging.WARNING):
        outcomes = await asyncio.gather(*(one(exchanges) for exchanges in conversations), return_exceptions=True)
    seconds = time.monotonic() - started
    lag.cancel()
    for exchanges, outcome in zip(conversations, outcomes, strict=True):
        if isinstance(outcome, BaseException):
            problems.append(f'{exchanges[0].text!r}...: {type(outcome).__name__}: {outcome}')
    problems += [f'logged: {record.getMessage()} {record.exc_text or ""}'.strip() for record in caplog.records
                 if record.levelno >= logging.ERROR and not record.name.startswith('uvicorn')]
    audited, statuses = audit(engine.repository, database, planned)
    problems += audited

    exchanges = [exchange for conversation in conversations for exchange in conversation]
    faults = Counter(exchange.fault for exchange in exchanges if exchange.fault)
    detail = Counter(exchange.kind for exchange in exchanges if exchange.fault)
    print(f'soak ({backend}, seed {seed}): {len(planned)} conversations, {len(exchanges)} exchanges, '
          f'{sum(faults.values())} faults ({", ".join(f"{kind} {faults[kind]}" for kind in FAULTS)}); '
          f'answers {", ".join(f"{status} {count}" for status, count in statuses.most_common())}; '
          f'{seconds:.1f} s, worst event-loop lag {worst[0]:.2f} s')
    print('fault detail: ' + ', '.join(f'{kind} {count}' for kind, count in sorted(detail.items())))
    assert not problems, f'{len(problems)} problems (seed {seed}):\n' + '\n'.join(problems[:40])


class SlowStreamingSaves(Repository):
    """Saves of a still-streaming answer take 0.3 s to land, as when another writer holds SQLite's lock."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self.slow_save_started = threading.Event()
        self.slow_save_landed = threading.Event()

    def update_message(self, message_id: str, **fields: Any) -> None:
        slow = fields.get('status') == MessageStatus.STREAMING
        if slow:
            self.slow_save_started.set()
            time.sleep(0.3)
        super().update_message(message_id, **fields)
        if slow:
            self.slow_save_landed.set()


async def test_stop_during_a_save_leaves_the_answer_stopped(engine: ChatEngine) -> None:
    """Found by the soak: Stop while a periodic save was writing let that stale 'streaming' save land last."""
    repository = engine.repository = SlowStreamingSaves(engine.repository.engine)
    prompt = 'Long [[tokens=1000]] [[delay=5]]'
    sent = await engine.send(None, prompt, 'openai/gpt-4o-mini')
    generation = engine.generation_for(sent.conversation.id)
    assert generation is not None
    assert await asyncio.to_thread(repository.slow_save_started.wait, 10)  # the first periodic save, at 0.5 s
    engine.stop(sent.conversation.id)
    await asyncio.wait_for(generation.finished.wait(), 5)
    assert await asyncio.to_thread(repository.slow_save_landed.wait, 5)
    stored = repository.get_message(sent.assistant_message.id)
    assert stored is not None and (stored.status, stored.content) == ('stopped', generation.text)
    assert script_for(prompt).text.startswith(stored.content)
