"""The OpenAI adapter driving the real `openai` SDK against the local fake of api.openai.com."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest

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
from providers.openai import OpenAIProvider, is_chat_model, openai_provider, usage_of
from tests.fakes.script import script_for
from tests.fakes.server import BAD_KEY, FakeServer, free_port

MODEL = 'gpt-4o-mini'


MakeProvider = Callable[..., OpenAIProvider]


@pytest.fixture
async def make_provider(fake_server: FakeServer) -> AsyncIterator[MakeProvider]:
    """Builds providers aimed at the fake (or elsewhere) and closes their clients while the loop still runs."""
    made: list[OpenAIProvider] = []

    def make(name: str = 'openai', key: str | None = 'test-key', base_url: str = '') -> OpenAIProvider:
        made.append(openai_provider(name, key, base_url or f'{fake_server.url}/openai/v1', 'OPENAI_API_KEY',
                                    [MODEL], timeout=5.0))
        return made[-1]

    yield make
    for provider in made:
        await provider.aclose()


@pytest.fixture
def provider(make_provider: MakeProvider) -> OpenAIProvider:
    return make_provider()


def ask(text: str) -> list[ChatMessage]:
    return [ChatMessage('user', text)]


def test_a_compatible_servers_counts_are_taken_only_as_counts() -> None:
    # OpenRouter reports cache writes (priced above plain input); a careless server may send anything at all.
    told = {'prompt_tokens': 1000, 'completion_tokens': 50,
            'prompt_tokens_details': {'cached_tokens': 600, 'cache_write_tokens': 300}}
    assert usage_of(told) == Usage(input_tokens=1000, output_tokens=50, cached_tokens=600, cache_write_tokens=300)
    odd = {'prompt_tokens': '1000', 'completion_tokens': -3, 'completion_tokens_details': {'reasoning_tokens': True}}
    assert usage_of(odd) == Usage()


async def test_cached_prompt_tokens_are_part_of_the_input(provider: OpenAIProvider) -> None:
    plain = await collect(provider.stream(ask('cache me [[cached=0]]'), MODEL))
    cached = await collect(provider.stream(ask('cache me [[cached=700]]'), MODEL))
    assert plain.usage is not None and cached.usage is not None and plain.usage.input_tokens is not None
    assert (cached.usage.input_tokens, cached.usage.cached_tokens) == (plain.usage.input_tokens + 700, 700)


async def test_it_is_a_provider(provider: OpenAIProvider) -> None:
    assert isinstance(provider, Provider)
    assert provider.name == 'openai'
    assert provider.fallback_models == [MODEL]


async def test_streams_the_whole_answer_in_pieces(provider: OpenAIProvider) -> None:
    message = 'stream test [[tokens=12]]'
    answer = await collect(provider.stream(ask(message), MODEL))
    assert answer.error is None
    assert answer.text == script_for(message).text
    assert [type(e) for e in answer.events].count(TextDelta) == 12
    assert answer.stop_reason == 'stop'
    assert isinstance(answer.events[-1], Done)
    assert answer.usage is not None
    assert answer.usage.output_tokens == 12
    assert answer.usage.input_tokens and answer.usage.input_tokens > 0
    assert (answer.usage.reasoning_tokens, answer.usage.cached_tokens) == (0, 0)


async def test_sends_system_prompt_first_and_keeps_roles(provider: OpenAIProvider, fake_server: FakeServer) -> None:
    messages = [ChatMessage('user', 'first'), ChatMessage('assistant', 'a reply'), ChatMessage('user', 'second')]
    params = GenerationParams(temperature=0.3, max_tokens=64, system_prompt='Be brief.')
    answer = await collect(provider.stream(messages, MODEL, params))
    assert answer.error is None
    body = fake_server.recorder.last('openai').body
    assert [(m['role'], m['content']) for m in body['messages']] == [
        ('system', 'Be brief.'), ('user', 'first'), ('assistant', 'a reply'), ('user', 'second')]
    assert body['model'] == MODEL
    assert body['stream'] is True
    assert body['stream_options'] == {'include_usage': True}
    assert (body['temperature'], body['max_completion_tokens']) == (0.3, 64)


async def test_leaves_unset_knobs_to_the_server(make_provider: MakeProvider, fake_server: FakeServer) -> None:
    compatible = make_provider(name='ollama', key=None)
    await collect(compatible.stream(ask('defaults'), 'llama3.2'))
    body = fake_server.recorder.last('openai').body
    assert [m['role'] for m in body['messages']] == ['user']
    assert not {'temperature', 'max_tokens', 'max_completion_tokens'} & body.keys()
    # compatible servers know the older name of the output limit
    await collect(compatible.stream(ask('limits'), 'llama3.2', GenerationParams(max_tokens=10)))
    assert fake_server.recorder.last('openai').body['max_tokens'] == 10


async def test_reasoning_arrives_before_the_text(provider: OpenAIProvider) -> None:
    message = 'think first [[reasoning]]'
    script = script_for(message)
    answer = await collect(provider.stream(ask(message), MODEL))
    assert answer.reasoning == ''.join(script.reasoning)
    assert answer.text == script.text
    kinds = [e.kind for e in answer.events if isinstance(e, ReasoningDelta | TextDelta)]
    assert kinds == ['reasoning'] * len(script.reasoning) + ['text'] * len(script.tokens)
    assert answer.usage is not None
    assert answer.usage.reasoning_tokens == len(script.reasoning)


async def only_error(provider: OpenAIProvider, message: str) -> ProviderError:
    answer = await collect(provider.stream(ask(message), MODEL))
    assert len(answer.events) == 1 and isinstance(answer.events[0], Error), answer.events
    assert answer.error is not None
    return answer.error


async def test_a_bad_key_names_the_setting_that_fixes_it(make_provider: MakeProvider) -> None:
    error = await only_error(make_provider(key=BAD_KEY), 'hello')
    assert isinstance(error, AuthenticationError)
    assert error.status == 401
    assert 'OPENAI_API_KEY' in error.message
    assert 'Incorrect API key provided' in error.detail


@pytest.mark.parametrize(('directive', 'expected'), [
    ('[[status=503]]', OverloadedError),
    ('[[status=400]]', ContextTooLongError),
    ('[[status=404]]', ModelNotFoundError),
    ('[[status=500]]', ServerError),
])
async def test_statuses_map_onto_the_taxonomy(provider: OpenAIProvider, directive: str,
                                              expected: type[ProviderError]) -> None:
    error = await only_error(provider, f'fail please {directive}')
    assert type(error) is expected
    assert error.status == int(directive.strip('[]').split('=')[1])
    assert error.detail and 'Error code' not in error.detail  # the provider's own words, not the SDK's wrapper


async def test_rate_limit_carries_retry_after(provider: OpenAIProvider) -> None:
    error = await only_error(provider, 'slow down [[status=429]] [[retry-after=7]]')
    assert isinstance(error, RateLimitError)
    assert error.retry_after == 7
    assert '7 s' in error.message


async def test_an_unreachable_server_is_a_network_error(make_provider: MakeProvider) -> None:
    nowhere = make_provider(name='ollama', key=None, base_url=f'http://127.0.0.1:{free_port()}/v1')
    error = await only_error(nowhere, 'anyone there?')
    assert isinstance(error, NetworkError)
    assert error.transient


@pytest.mark.parametrize('kind', ['error', 'drop', 'malformed'])
async def test_a_broken_stream_keeps_the_text_before_the_break(provider: OpenAIProvider, kind: str) -> None:
    message = f'break [[tokens=10]] [[fail={kind}]] [[after=4]]'
    script = script_for(message)
    answer = await collect(provider.stream(ask(message), MODEL))
    assert answer.text == ''.join(script.sent_tokens)
    assert [type(e) for e in answer.events] == [TextDelta] * 4 + [Error]
    assert isinstance(answer.error, StreamError)


async def test_list_models_keeps_only_chat_models(provider: OpenAIProvider) -> None:
    assert await provider.list_models() == ['gpt-4.1', 'gpt-4o', 'gpt-4o-mini', 'o3-mini']


async def test_compatible_servers_list_all_but_the_kinds_no_server_chats_with(make_provider: MakeProvider) -> None:
    models = await make_provider(name='vllm').list_models()
    # a compatible server names its models as it likes: only what can never chat is left out
    assert {'gpt-4o-mini', 'dall-e-3', 'gpt-4o-realtime-preview', 'davinci-002', 'gpt-4o-search-preview'} <= set(models)
    assert not {'text-embedding-3-small', 'whisper-1', 'tts-1', 'omni-moderation-latest'} & set(models)


@pytest.mark.parametrize(('model_id', 'chats'), [
    ('nomic-embed-text:latest', False), ('mxbai-embed-large', False), ('text-embedding-nomic-embed-text-v1.5', False),
    ('bge-reranker-v2-m3', False), ('kokoro-tts', False), ('tts-1-hd', False),
    ('llama3.1:8b', True), ('qwen2.5-coder:7b', True), ('mistral-small3.2', True), ('deepseek-r1:14b', True),
    ('gpt-4o-mini', True), ('meta-llama/llama-3.3-70b-instruct', True), ('gpt-4o-audio-preview', True),
])
def test_what_a_compatible_server_lists_as_chat_models(model_id: str, chats: bool) -> None:
    assert is_chat_model(model_id, official=False) is chats


async def test_list_models_raises_a_provider_error(make_provider: MakeProvider) -> None:
    with pytest.raises(AuthenticationError, match='OPENAI_API_KEY'):
        await make_provider(key=BAD_KEY).list_models()


async def test_a_wrong_path_is_a_wrong_address_not_a_missing_model(make_provider: MakeProvider,
                                                                   fake_server: FakeServer) -> None:
    with pytest.raises(AddressError) as raised:
        await make_provider(name='lab', base_url=f'{fake_server.url}/openai/v2').list_models()
    assert raised.value.message.startswith('lab: Nothing answers at this address.')
    assert raised.value.message.endswith("Check the base URL (an OpenAI-compatible server's usually ends in /v1).")


async def test_closing_the_stream_cancels_the_request(provider: OpenAIProvider, fake_server: FakeServer) -> None:
    message = 'stop me [[tokens=10]] [[delay=20]]'
    events = provider.stream(ask(message), MODEL)
    assert isinstance(await anext(events), TextDelta)
    await events.aclose()
    await asyncio.sleep(0.4)  # twice as long as the whole answer would take
    assert message not in fake_server.recorder.last_byte


async def test_cancelling_the_consumer_stops_cleanly(provider: OpenAIProvider, fake_server: FakeServer) -> None:
    message = 'cancel me [[tokens=10]] [[delay=20]]'
    started = asyncio.Event()

    async def consume() -> None:
        async for _ in provider.stream(ask(message), MODEL):
            started.set()

    task = asyncio.create_task(consume())
    await asyncio.wait_for(started.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await asyncio.sleep(0.4)
    assert message not in fake_server.recorder.last_byte
