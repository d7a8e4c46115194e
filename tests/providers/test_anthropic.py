"""The Anthropic adapter driving the real `anthropic` SDK against the local fake of the Messages API."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from types import SimpleNamespace

import pytest

from providers.anthropic import DEFAULT_MAX_TOKENS, AnthropicProvider, _Tally, anthropic_provider
from providers.base import (
    ChatMessage,
    Done,
    Error,
    GenerationParams,
    Provider,
    ReasoningDelta,
    TextDelta,
    Usage,
    collect,
)
from providers.errors import (
    HOST_URL,
    AddressError,
    AuthenticationError,
    ContextTooLongError,
    ModelNotFoundError,
    NetworkError,
    OverloadedError,
    ProviderError,
    RateLimitError,
    ServerError,
    StreamError,
)
from tests.fakes.script import script_for
from tests.fakes.server import BAD_KEY, FakeServer, free_port

MODEL = 'claude-sonnet-5-5'


@pytest.fixture
async def provider(fake_server: FakeServer) -> AsyncIterator[AnthropicProvider]:
    provider = anthropic_provider('test-key', f'{fake_server.url}/anthropic')
    yield provider
    await provider.client.close()


def ask(text: str) -> list[ChatMessage]:
    return [ChatMessage('user', text)]


def sent_body(fake_server: FakeServer, message: str) -> dict:
    """The last /v1/messages body whose final turn carried `message`."""
    for recorded in reversed(fake_server.recorder.requests):
        if recorded.provider == 'anthropic' and message in str(recorded.body.get('messages', [])[-1:]):
            return recorded.body
    raise AssertionError(f'no request carried {message!r}')


async def test_text_arrives_in_several_deltas_with_usage_and_stop_reason(provider: AnthropicProvider) -> None:
    assert isinstance(provider, Provider)
    message = 'count for me [[tokens=30]]'
    answer = await collect(provider.stream(ask(message), MODEL))
    assert answer.error is None
    assert answer.text == script_for(message).text
    assert sum(isinstance(event, TextDelta) for event in answer.events) == 30
    assert answer.stop_reason == 'end_turn'
    assert answer.usage == Usage(input_tokens=4, output_tokens=30, cached_tokens=0, cache_write_tokens=0)
    assert isinstance(answer.events[-1], Done) and isinstance(answer.events[-2], Usage)


async def test_input_counts_the_tokens_read_from_and_written_to_the_prompt_cache(
        provider: AnthropicProvider) -> None:
    # Anthropic's input_tokens leaves them out; Parley's input count is every token the model read, as elsewhere.
    plain = await collect(provider.stream(ask('cache me [[cached=0]] [[cache-write=0]]'), MODEL))
    cached = await collect(provider.stream(ask('cache me [[cached=700]] [[cache-write=300]]'), MODEL))
    assert plain.usage is not None and cached.usage is not None and plain.usage.input_tokens is not None
    assert cached.usage.input_tokens == plain.usage.input_tokens + 1000
    assert (cached.usage.cached_tokens, cached.usage.cache_write_tokens) == (700, 300)


def test_a_deltas_counts_add_to_message_starts_and_one_it_leaves_out_keeps_its_value() -> None:
    def counts(uncached: int | None, read: int | None, written: int | None) -> SimpleNamespace:
        return SimpleNamespace(input_tokens=uncached, cache_read_input_tokens=read, cache_creation_input_tokens=written)

    tally = _Tally()
    tally.count_input(counts(10, 700, 300))  # message_start
    tally.count_input(counts(12, None, None))  # a message_delta that leaves the cache counts out
    assert (tally.input_tokens, tally.cached_tokens, tally.cache_write_tokens) == (1012, 700, 300)
    tally.count_input(counts(None, None, None))  # one without any input count
    assert tally.input_tokens == 1012


async def test_system_prompt_is_top_level_and_turns_alternate(provider: AnthropicProvider,
                                                              fake_server: FakeServer) -> None:
    messages = [ChatMessage('system', 'Answer in French.'), ChatMessage('user', 'first'),
                ChatMessage('assistant', 'one'), ChatMessage('assistant', ''), ChatMessage('user', 'second'),
                ChatMessage('user', 'system-check [[echo]]')]
    answer = await collect(provider.stream(messages, MODEL, GenerationParams(system_prompt='Be brief.')))
    assert answer.text == 'second\n\nsystem-check'
    body = sent_body(fake_server, 'system-check')
    assert body['system'] == 'Be brief.\n\nAnswer in French.'
    assert [turn['role'] for turn in body['messages']] == ['user', 'assistant', 'user']
    assert body['messages'][-1]['content'] == 'second\n\nsystem-check [[echo]]'
    assert body['max_tokens'] == DEFAULT_MAX_TOKENS and 'temperature' not in body
    assert body['stream'] is True


async def test_generation_params_are_sent(provider: AnthropicProvider, fake_server: FakeServer) -> None:
    await collect(provider.stream(ask('params-check'), MODEL, GenerationParams(temperature=0.3, max_tokens=100)))
    body = sent_body(fake_server, 'params-check')
    assert body['temperature'] == 0.3 and body['max_tokens'] == 100 and 'system' not in body


async def test_thinking_arrives_as_reasoning_deltas(provider: AnthropicProvider) -> None:
    message = 'think first [[reasoning]]'
    answer = await collect(provider.stream(ask(message), MODEL))
    script = script_for(message)
    assert answer.reasoning == ''.join(script.reasoning)
    assert answer.text == script.text
    kinds = [event.kind for event in answer.events if isinstance(event, TextDelta | ReasoningDelta)]
    assert kinds == ['reasoning'] * len(script.reasoning) + ['text'] * len(script.tokens)
    assert answer.usage is not None and answer.usage.reasoning_tokens == len(script.reasoning)


async def test_bad_key_names_the_setting(fake_server: FakeServer) -> None:
    provider = anthropic_provider(BAD_KEY, f'{fake_server.url}/anthropic')
    answer = await collect(provider.stream(ask('hello'), MODEL))
    assert isinstance(answer.error, AuthenticationError)
    assert 'ANTHROPIC_API_KEY' in answer.error.message and answer.error.status == 401
    assert answer.events == [Error(answer.error)]
    await provider.client.close()


@pytest.mark.parametrize(('directive', 'error_class'), [
    ('[[status=529]]', OverloadedError),
    ('[[status=400]]', ContextTooLongError),
    ('[[status=404]]', ModelNotFoundError),
    ('[[status=500]]', ServerError),
    ('[[fail=error]][[after=0]]', OverloadedError),  # an error event before any text is the error itself
])
async def test_failures_before_text_map_to_the_taxonomy(provider: AnthropicProvider, directive: str,
                                                         error_class: type[ProviderError]) -> None:
    answer = await collect(provider.stream(ask(f'fail please {directive}'), MODEL))
    assert type(answer.error) is error_class
    assert answer.text == '' and len(answer.events) == 1


async def test_rate_limit_carries_retry_after(provider: AnthropicProvider) -> None:
    answer = await collect(provider.stream(ask('[[status=429]][[retry-after=7]]'), MODEL))
    assert isinstance(answer.error, RateLimitError)
    assert answer.error.retry_after == 7 and 'rate limit' in answer.error.detail


async def test_unreachable_server_is_a_network_error() -> None:
    provider = anthropic_provider('test-key', f'http://127.0.0.1:{free_port()}')
    answer = await collect(provider.stream(ask('hello'), MODEL))
    assert isinstance(answer.error, NetworkError)
    await provider.client.close()


@pytest.mark.parametrize('kind', ['error', 'drop', 'malformed'])
async def test_mid_stream_failure_keeps_the_partial_text(provider: AnthropicProvider, kind: str) -> None:
    message = f'break please [[tokens=20]][[fail={kind}]][[after=6]]'
    answer = await collect(provider.stream(ask(message), MODEL))
    assert answer.text == ''.join(script_for(message).sent_tokens)
    assert sum(isinstance(event, TextDelta) for event in answer.events) == 6
    assert isinstance(answer.events[-1], Error) and isinstance(answer.error, StreamError)
    if kind == 'error':
        assert 'overloaded' in answer.error.message.lower()


async def test_list_models_skips_retired_ones(provider: AnthropicProvider) -> None:
    models = await provider.list_models()
    assert models[:3] == ['claude-opus-5-5', 'claude-sonnet-5-5', 'claude-haiku-5-5']
    assert 'claude-3-haiku-20240307' not in models


async def test_list_models_raises_a_provider_error(fake_server: FakeServer) -> None:
    provider = anthropic_provider(BAD_KEY, f'{fake_server.url}/anthropic')
    with pytest.raises(AuthenticationError):
        await provider.list_models()
    await provider.client.close()
    provider = anthropic_provider('test-key', f'{fake_server.url}/anthropic/nowhere')
    with pytest.raises(AddressError, match=re.escape(HOST_URL)):
        await provider.list_models()
    await provider.client.close()


async def test_cancelled_consumer_closes_the_request(provider: AnthropicProvider, fake_server: FakeServer) -> None:
    message = 'stop me [[tokens=10]][[after=3]][[stall=0.6]]'
    seen: list[str] = []

    async def consume() -> None:
        async for event in provider.stream(ask(message), MODEL):
            if isinstance(event, TextDelta):
                seen.append(event.text)

    task = asyncio.create_task(consume())
    while len(seen) < 3:
        await asyncio.sleep(0.01)
    task.cancel()  # during the fake's stall, as Stop would
    with pytest.raises(asyncio.CancelledError):
        await task
    # had the connection stayed open, the fake would have written the rest of the answer after its stall
    await asyncio.sleep(0.9)
    assert message not in fake_server.recorder.last_byte
    assert len(seen) == 3
