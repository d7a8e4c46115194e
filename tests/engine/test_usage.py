"""An answer's tokens and estimated cost, priced from genai-prices' list as it ends and stored with it."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.chat import ChatEngine
from engine.usage import cost_of
from providers.anthropic import anthropic_provider
from providers.base import Usage
from providers.openai import openai_provider
from tests.engine.test_chat_engine import finish, sqlite_chat_engine
from tests.fakes.server import FakeServer

MILLION = 1_000_000


@pytest.fixture
def engine(tmp_path: Path, fake_server: FakeServer) -> ChatEngine:
    return sqlite_chat_engine(tmp_path, fake_server)


def test_a_known_model_is_priced_at_its_list_prices_cached_input_at_the_cached_rate() -> None:
    # gpt-4o-mini's list prices: $0.15 per million input tokens, $0.075 cached, $0.60 output.
    openai = openai_provider('openai', 'key', 'http://127.0.0.1:9/v1', key_hint='OPENAI_API_KEY')
    usage = Usage(input_tokens=MILLION, output_tokens=MILLION, cached_tokens=MILLION // 2)
    assert cost_of(openai, 'gpt-4o-mini', usage) == pytest.approx(0.5 * 0.15 + 0.5 * 0.075 + 0.60)
    assert cost_of(openai, 'gpt-4o-mini', Usage(input_tokens=MILLION, output_tokens=0)) == pytest.approx(0.15)
    # claude-3-5-haiku: $0.80 in, $4 out, $1 per million written to the cache, $0.08 read from it
    anthropic = anthropic_provider('key', 'http://127.0.0.1:9')
    usage = Usage(input_tokens=3 * MILLION, output_tokens=MILLION, cached_tokens=MILLION, cache_write_tokens=MILLION)
    assert cost_of(anthropic, 'claude-3-5-haiku-latest', usage) == pytest.approx(0.80 + 1.0 + 0.08 + 4.0)


def test_nothing_is_made_up_for_a_model_or_server_the_list_does_not_know() -> None:
    local = openai_provider('ollama', None, 'http://127.0.0.1:11434/v1', key_hint='')
    assert cost_of(local, 'llama3.2', Usage(input_tokens=10, output_tokens=10)) is None
    openai = openai_provider('openai', 'key', 'http://127.0.0.1:9/v1', key_hint='OPENAI_API_KEY')
    assert cost_of(openai, 'my-fine-tune-that-nobody-lists', Usage(input_tokens=10, output_tokens=10)) is None
    assert cost_of(openai, 'gpt-4o-mini', None) is None
    assert cost_of(openai, 'gpt-4o-mini', Usage(input_tokens=10)) is None  # no output count: no whole price


def test_counts_the_price_list_refuses_leave_the_answer_unpriced_not_failed() -> None:
    openai = openai_provider('openai', 'key', 'http://127.0.0.1:9/v1', key_hint='OPENAI_API_KEY')
    assert cost_of(openai, 'gpt-4o-mini', Usage(input_tokens=10, output_tokens=5, cached_tokens=20)) is None
    assert cost_of(openai, 'gpt-4o-mini', Usage(input_tokens=-1, output_tokens=5)) is None


def test_a_compatible_server_the_list_knows_is_priced_by_its_address() -> None:
    router = openai_provider('openrouter', 'key', 'https://openrouter.ai/api/v1', key_hint='')
    priced = cost_of(router, 'openai/gpt-4o-mini', Usage(input_tokens=MILLION, output_tokens=MILLION))
    assert priced == pytest.approx(0.75)


async def test_each_answer_keeps_its_tokens_and_cost_and_the_chat_adds_them_up(engine: ChatEngine) -> None:
    sent = await engine.send(None, 'Cost me [[cached=400]] [[tokens=20]]', 'openai/gpt-4o-mini')
    await finish(engine, sent.conversation.id)
    first = engine.repository.get_message(sent.assistant_message.id)
    assert first is not None and first.input_tokens is not None
    assert (first.cached_tokens, first.output_tokens) == (400, 20)
    uncached = first.input_tokens - 400
    assert first.cost_usd == pytest.approx((uncached * 0.15 + 400 * 0.075 + 20 * 0.60) / MILLION)
    await engine.retry(sent.conversation.id, first.id, 'anthropic/claude-3-5-haiku-latest')  # $0.80 / $0.08 / $4
    await finish(engine, sent.conversation.id)
    second = engine.repository.get_message(first.id)
    assert second is not None and second.version == 2 and second.output_tokens
    # The same question, asked of Anthropic: its cache reads are counted into the input, as OpenAI counts them.
    assert (second.input_tokens, second.cached_tokens) == (first.input_tokens, 400)
    assert second.cost_usd == pytest.approx((uncached * 0.80 + 400 * 0.08 + second.output_tokens * 4.0) / MILLION)
    total = engine.repository.conversation_usage(sent.conversation.id)
    assert (total.answers, total.priced) == (2, 2)
    assert total.input_tokens == first.input_tokens + second.input_tokens
    assert total.cost_usd == pytest.approx(first.cost_usd + second.cost_usd)


async def test_an_answer_from_an_unpriced_model_keeps_its_tokens_without_a_cost(engine: ChatEngine,
                                                                                 fake_server: FakeServer) -> None:
    engine.providers.add(openai_provider('ollama', None, f'{fake_server.url}/openai/v1', key_hint=''))
    sent = await engine.send(None, 'Local [[tokens=5]]', 'ollama/llama3.2')
    await finish(engine, sent.conversation.id)
    answer = engine.repository.get_message(sent.assistant_message.id)
    assert answer is not None and answer.status == 'complete'
    assert (answer.output_tokens, answer.cost_usd) == (5, None)
