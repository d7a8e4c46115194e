"""The Gemini adapter driving the real google-genai SDK against the fake Gemini server."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator
from contextlib import aclosing

import pytest
import pytest_asyncio
from google import genai
from google.genai import types

from providers.base import ChatMessage, Done, Error, GenerationParams, ReasoningDelta, TextDelta, Usage, collect
from providers.errors import (
    HOST_URL,
    AddressError,
    AuthenticationError,
    ContextTooLongError,
    ModelNotFoundError,
    NetworkError,
    OverloadedError,
    RateLimitError,
    ServerError,
    StreamError,
)
from providers.google import GoogleProvider, google_provider, usage_of
from tests.fakes.gemini_server import includes_thoughts
from tests.fakes.script import script_for
from tests.fakes.server import BAD_KEY, FakeServer, free_port

MODEL = 'gemini-2.5-flash'


def unique(directives: str) -> str:
    """A user message the recorder can tell apart from every other test's."""
    return f'{directives} {uuid.uuid4().hex[:8]}'


def ask(text: str) -> list[ChatMessage]:
    return [ChatMessage('user', text)]


# One event loop and one shared provider for the module: building an SDK client loads the CA bundle three times.
pytestmark = pytest.mark.asyncio(loop_scope='module')


@pytest_asyncio.fixture(scope='module', loop_scope='module')
async def provider(fake_server: FakeServer) -> AsyncIterator[GoogleProvider]:
    provider = google_provider('test-key', f'{fake_server.url}/gemini')
    yield provider
    await provider.aclose()


async def test_streams_text_in_pieces_with_usage(fake_server: FakeServer) -> None:
    # the seam as the brief describes it: a ready SDK client pointed at the fake by base URL
    options = types.HttpOptions(base_url=f'{fake_server.url}/gemini', retry_options=types.HttpRetryOptions(attempts=1))
    provider = GoogleProvider(genai.Client(api_key='test-key', http_options=options))
    message = unique('[[tokens=30]]')
    answer = await collect(provider.stream(ask(message), MODEL))
    await provider.aclose()
    assert answer.error is None
    assert answer.text == script_for(message).text
    assert sum(isinstance(event, TextDelta) for event in answer.events) == 30
    assert answer.usage == Usage(input_tokens=len(message.split()), output_tokens=30, reasoning_tokens=None,
                                 cached_tokens=None)
    assert answer.stop_reason == 'STOP'
    assert isinstance(answer.events[-1], Done) and isinstance(answer.events[-2], Usage)
    assert message in fake_server.recorder.last_byte


async def test_request_carries_roles_system_prompt_and_knobs(provider: GoogleProvider,
                                                           fake_server: FakeServer) -> None:
    history = [ChatMessage('user', 'first'), ChatMessage('assistant', 'an earlier answer'),
               ChatMessage('user', unique('[[echo]] again'))]
    params = GenerationParams(temperature=0.25, max_tokens=77, system_prompt='Be brief.')
    answer = await collect(provider.stream(history, MODEL, params))
    assert answer.error is None
    sent = fake_server.recorder.last('gemini')
    assert sent.path.endswith(f'/models/{MODEL}:streamGenerateContent')
    assert sent.headers['x-goog-api-key'] == 'test-key'
    assert sent.body['systemInstruction']['parts'] == [{'text': 'Be brief.'}]
    assert [turn['role'] for turn in sent.body['contents']] == ['user', 'model', 'user']
    assert sent.body['contents'][1]['parts'] == [{'text': 'an earlier answer'}]
    config = sent.body['generationConfig']
    assert config['temperature'] == 0.25 and config['maxOutputTokens'] == 77
    assert includes_thoughts(sent.body)


async def test_unset_knobs_are_not_sent(provider: GoogleProvider, fake_server: FakeServer) -> None:
    await collect(provider.stream(ask(unique('plain')), 'gemini-2.0-flash'))
    sent = fake_server.recorder.last('gemini')
    assert 'systemInstruction' not in sent.body
    assert not sent.body.get('generationConfig')  # no temperature, limit or thinking config for a non-thinker


async def test_thinking_that_used_up_the_output_limit_is_still_output() -> None:
    meta = types.GenerateContentResponseUsageMetadata(prompt_token_count=5, thoughts_token_count=700)
    assert usage_of(meta) == Usage(input_tokens=5, output_tokens=700, reasoning_tokens=700)
    assert usage_of(types.GenerateContentResponseUsageMetadata(prompt_token_count=5)).output_tokens is None


async def test_cached_prompt_tokens_are_part_of_the_input(provider: GoogleProvider) -> None:
    plain = await collect(provider.stream(ask(unique('[[cached=0]]')), MODEL))
    cached = await collect(provider.stream(ask(unique('[[cached=700]]')), MODEL))
    assert plain.usage is not None and cached.usage is not None and plain.usage.input_tokens is not None
    assert (cached.usage.input_tokens, cached.usage.cached_tokens) == (plain.usage.input_tokens + 700, 700)


async def test_reasoning_arrives_before_text(provider: GoogleProvider) -> None:
    message = unique('[[reasoning]] think first')
    answer = await collect(provider.stream(ask(message), MODEL))
    kinds = [event.kind for event in answer.events]
    assert answer.reasoning == 'Let me think about this.'
    assert sum(isinstance(event, ReasoningDelta) for event in answer.events) == 4
    assert kinds.index('text') > max(i for i, kind in enumerate(kinds) if kind == 'reasoning')
    assert answer.text == script_for(message).text
    assert answer.usage is not None and answer.usage.reasoning_tokens == 4 and answer.usage.output_tokens == 9


async def test_model_that_refuses_thoughts_is_asked_again_without(provider: GoogleProvider,
                                                                  fake_server: FakeServer) -> None:
    model = 'gemini-2.5-flash-image'  # looks like a thinker by name, refuses includeThoughts like the real one
    before = len(fake_server.recorder.requests)
    answer = await collect(provider.stream(ask(unique('draw')), model))
    assert answer.error is None and answer.stop_reason == 'STOP'
    sent = fake_server.recorder.requests[before:]
    assert [includes_thoughts(r.body) for r in sent] == [True, False]
    await collect(provider.stream(ask(unique('again')), model))
    assert len(fake_server.recorder.requests) == before + 3  # remembered: no second refusal


@pytest.mark.parametrize(('directive', 'model', 'expected'), [
    ('[[status=429]]', MODEL, RateLimitError),
    ('[[status=503]]', MODEL, OverloadedError),
    ('[[status=400]]', MODEL, ContextTooLongError),
    ('[[status=404]]', MODEL, ModelNotFoundError),
    ('', 'no-such-model', ModelNotFoundError),
    ('[[status=500]]', MODEL, ServerError),
])
async def test_http_errors_map_to_the_taxonomy(provider: GoogleProvider, directive: str, model: str,
                                               expected: type) -> None:
    answer = await collect(provider.stream(ask(unique(directive)), model))
    assert type(answer.error) is expected
    assert answer.text == '' and answer.stop_reason is None
    assert [event.kind for event in answer.events] == ['error']


async def test_rate_limit_takes_retry_after_from_retry_info(provider: GoogleProvider) -> None:
    answer = await collect(provider.stream(ask(unique('[[status=429]]')), MODEL))
    assert isinstance(answer.error, RateLimitError) and answer.error.retry_after == 13
    answer = await collect(provider.stream(ask(unique('[[status=429]][[retry-after=2.5]]')), MODEL))
    assert isinstance(answer.error, RateLimitError) and answer.error.retry_after == 2.5


async def test_bad_key_is_an_authentication_error_naming_the_variable(fake_server: FakeServer) -> None:
    provider = google_provider(BAD_KEY, f'{fake_server.url}/gemini')
    answer = await collect(provider.stream(ask(unique('hello')), MODEL))
    with pytest.raises(AuthenticationError) as raised:
        await provider.list_models()
    await provider.aclose()
    assert isinstance(answer.error, AuthenticationError) and answer.error.status == 400
    assert 'GEMINI_API_KEY' in answer.error.message and 'API key not valid' in answer.error.message
    assert 'GEMINI_API_KEY' in raised.value.message


async def test_a_wrong_path_is_a_wrong_address(fake_server: FakeServer) -> None:
    provider = google_provider('test-key', f'{fake_server.url}/nowhere')
    with pytest.raises(AddressError, match=re.escape(HOST_URL)):
        await provider.list_models()
    await provider.aclose()


async def test_unreachable_server_is_a_network_error() -> None:
    provider = google_provider('test-key', f'http://127.0.0.1:{free_port()}/gemini')
    answer = await collect(provider.stream(ask('hello'), MODEL))
    with pytest.raises(NetworkError):
        await provider.list_models()
    await provider.aclose()
    assert isinstance(answer.error, NetworkError)


@pytest.mark.parametrize('kind', ['error', 'drop', 'malformed'])
async def test_mid_stream_failure_keeps_the_partial_text(provider: GoogleProvider, kind: str) -> None:
    message = unique(f'[[tokens=20]][[fail={kind}]][[after=7]]')
    answer = await collect(provider.stream(ask(message), MODEL))
    assert answer.text == ''.join(script_for(message).sent_tokens)
    assert sum(isinstance(event, TextDelta) for event in answer.events) == 7
    assert isinstance(answer.error, StreamError)
    assert isinstance(answer.events[-1], Error) and answer.stop_reason is None


async def test_silence_longer_than_the_timeout_breaks_the_stream(provider: GoogleProvider) -> None:
    impatient = GoogleProvider(provider.client, timeout=0.3)
    message = unique('[[tokens=10]][[stall=2]][[after=3]]')
    answer = await collect(impatient.stream(ask(message), MODEL))
    assert answer.text == ''.join(script_for(message).tokens[:3])
    assert isinstance(answer.error, StreamError) and '0.3 s' in answer.error.message


async def test_list_models_keeps_chat_models_without_prefix(provider: GoogleProvider) -> None:
    models = await provider.list_models()
    assert 'gemini-2.5-flash' in models and 'gemini-2.5-pro' in models
    assert 'gemini-embedding-001' not in models
    assert not any(model.startswith('models/') for model in models)


@pytest.mark.parametrize('how', ['cancel', 'close'])
async def test_stopping_the_consumer_stops_the_request(provider: GoogleProvider, fake_server: FakeServer,
                                                       how: str) -> None:
    message = unique('[[tokens=12]][[delay=25]]')  # 0.3 s when read to the end
    got: list[str] = []
    started = asyncio.Event()

    async def consume() -> None:
        async with aclosing(provider.stream(ask(message), MODEL)) as events:
            async for event in events:
                if isinstance(event, TextDelta):
                    got.append(event.text)
                if len(got) == 3:
                    started.set()
                    if how == 'close':
                        return  # leaving the block closes the stream, as a consumer that stops reading does

    task = asyncio.create_task(consume())
    await asyncio.wait_for(started.wait(), 5)
    if how == 'cancel':
        task.cancel()
    with pytest.raises(asyncio.CancelledError) if how == 'cancel' else _no_error():
        await task
    await asyncio.sleep(0.5)  # long enough for the whole answer, had the server kept writing
    assert message not in fake_server.recorder.last_byte
    assert len(got) < 6


class _no_error:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> bool:
        return False


async def test_base_url_comes_from_the_environment(fake_server: FakeServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('GOOGLE_GEMINI_BASE_URL', f'{fake_server.url}/gemini')
    provider = google_provider('test-key')
    answer = await collect(provider.stream(ask(unique('from env')), MODEL))
    await provider.aclose()
    assert answer.error is None and answer.text.startswith('Hello! You said: from env')


async def test_missing_key_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ('GEMINI_API_KEY', 'GOOGLE_API_KEY'):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(AuthenticationError, match='GEMINI_API_KEY'):
        google_provider(None, 'http://127.0.0.1:9/gemini')
