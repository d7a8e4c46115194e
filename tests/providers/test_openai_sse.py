"""The OpenAI adapter reading the event stream itself: the byte-level cases the scripted fake never sends.

The adapter lets the SDK send the request but decodes the SSE body into plain dicts; these tests hold it to what the
SDK's own stream did, on bytes written exactly as given (tests/fakes/raw_sse.py).
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from providers.base import ChatMessage, CollectedAnswer, Done, Error, ReasoningDelta, TextDelta, collect
from providers.errors import StreamError
from providers.openai import openai_provider
from tests.fakes.raw_sse import Ending, RawSSEServer, raw_sse_server

MODEL = 'gpt-4o-mini'
Ask = Callable[..., Any]


def chunk(delta: dict[str, Any] | None = None, finish_reason: str | None = None, index: int = 0) -> dict[str, Any]:
    return {'id': 'chatcmpl-raw', 'object': 'chat.completion.chunk', 'created': 1, 'model': MODEL,
            'choices': [{'index': index, 'delta': delta or {}, 'finish_reason': finish_reason}]}


def event(payload: dict[str, Any] | str) -> bytes:
    data = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)  # raw UTF-8, as vLLM sends
    return f'data: {data}\n\n'.encode()


def usage_chunk(**usage: Any) -> dict[str, Any]:
    return {'id': 'chatcmpl-raw', 'object': 'chat.completion.chunk', 'created': 1, 'model': MODEL, 'choices': [],
            'usage': {'prompt_tokens': 3, 'completion_tokens': 2, 'total_tokens': 5, **usage}}


DONE = b'data: [DONE]\n\n'
FINISH = event(chunk(finish_reason='stop'))


@pytest.fixture
async def ask() -> AsyncIterator[Ask]:
    """Serve the given bytes, stream one answer from them, and hand back (answer, server)."""
    async def run(pieces: list[bytes], ending: Ending = 'end', timeout: float = 5.0,
                  answers: int = 1) -> tuple[CollectedAnswer, RawSSEServer]:
        async with raw_sse_server(pieces, ending) as server:
            provider = openai_provider('vllm', 'test-key', server.base_url, 'KEY', timeout=timeout)
            try:
                for _ in range(answers):
                    answer = await collect(provider.stream([ChatMessage('user', 'hi')], MODEL))
            finally:
                await provider.aclose()
        return answer, server

    yield run


async def test_a_payload_cut_across_reads_arrives_whole(ask: Ask) -> None:
    whole = event(chunk({'content': 'naïve café ✓'}))
    cut = whole.index('✓'.encode()) + 1  # inside the three bytes of one character
    pieces = [whole[:7], whole[7:cut], whole[cut:-1], whole[-1:], FINISH, DONE[:9], DONE[9:]]
    answer, _ = await ask(pieces)
    assert answer.error is None
    assert answer.text == 'naïve café ✓'
    assert answer.stop_reason == 'stop'


async def test_crlf_comments_named_events_and_multiline_data(ask: Ask) -> None:
    first = json.dumps(chunk({'content': 'one '}), indent=1).split('\n')  # JSON over several `data:` lines
    pieces = [b': keep-alive\r\n\r\n', b'event: message\r\n',
              ''.join(f'data: {line}\r\n' for line in first).encode() + b'\r\n',
              b'id: 7\r\n\r\n',  # no data: nothing to dispatch
              event(chunk({'content': 'two'})).replace(b'\n', b'\r'), FINISH, DONE]
    answer, _ = await ask(pieces)
    assert answer.error is None
    assert answer.text == 'one two'


async def test_reasoning_refusal_and_other_choices(ask: Ask) -> None:
    pieces = [event(chunk({'reasoning': 'Thinking. '})), event(chunk({'reasoning_content': 'More.'})),
              event(chunk({'content': 'ignored'}, index=1)),
              event(chunk({'content': None, 'refusal': "I can't help with that."})),
              event(chunk(finish_reason='length', index=1)), event(chunk(finish_reason='content_filter')), DONE]
    answer, _ = await ask(pieces)
    assert [type(e) for e in answer.events] == [ReasoningDelta, ReasoningDelta, TextDelta, Done]
    assert answer.reasoning == 'Thinking. More.'
    assert answer.text == "I can't help with that."
    assert answer.stop_reason == 'content_filter'


@pytest.mark.parametrize(('details', 'expected'), [
    ({'completion_tokens_details': None, 'prompt_tokens_details': None}, (None, None)),
    ({}, (None, None)),
    ({'completion_tokens_details': {'reasoning_tokens': 4}, 'prompt_tokens_details': {}}, (4, None)),
    ({'completion_tokens_details': {}, 'prompt_tokens_details': {'cached_tokens': 9}}, (None, 9)),
])
async def test_usage_details_may_be_null_or_missing(ask: Ask, details: dict[str, Any],
                                                    expected: tuple[int | None, int | None]) -> None:
    answer, _ = await ask([event(chunk({'content': 'ok'})), FINISH, event(usage_chunk(**details)), DONE])
    assert answer.error is None
    assert answer.usage is not None
    assert (answer.usage.input_tokens, answer.usage.output_tokens) == (3, 2)
    assert (answer.usage.reasoning_tokens, answer.usage.cached_tokens) == expected
    assert isinstance(answer.events[-1], Done)


@pytest.mark.parametrize(('error', 'words'), [
    ({'message': 'The server had an error while processing your request.', 'type': 'server_error'},
     'The server had an error while processing your request.'),
    ({'code': 502}, 'An error occurred during streaming'),
    ('upstream timed out', 'An error occurred during streaming'),
])
async def test_an_error_object_mid_stream_ends_the_answer_after_its_text(ask: Ask, error: Any, words: str) -> None:
    pieces = [event(chunk({'content': 'partial '})), event({'error': error}), event(chunk({'content': 'never'})),
              FINISH, DONE]
    answer, _ = await ask(pieces)
    assert answer.text == 'partial '
    assert [type(e) for e in answer.events] == [TextDelta, Error]
    assert isinstance(answer.error, StreamError)
    assert answer.error.detail == words
    assert answer.error.fix == 'Try again.'


@pytest.mark.parametrize('payload', ['{"choices": [', '[1, 2]', 'null'])
async def test_unreadable_data_mid_stream_keeps_the_text(ask: Ask, payload: str) -> None:
    answer, _ = await ask([event(chunk({'content': 'kept'})), event(payload), FINISH, DONE])
    assert answer.text == 'kept'
    assert [type(e) for e in answer.events] == [TextDelta, Error]
    assert isinstance(answer.error, StreamError)
    assert 'Unreadable data' in answer.error.detail


async def test_a_body_that_ends_without_finish_reason_is_incomplete(ask: Ask) -> None:
    answer, _ = await ask([event(chunk({'content': 'cut '})), event(chunk({'content': 'short'}))])
    assert answer.text == 'cut short'
    assert isinstance(answer.error, StreamError)
    assert 'ended before the answer was complete' in answer.error.detail


async def test_a_cut_connection_names_the_transport_failure(ask: Ask) -> None:
    answer, _ = await ask([event(chunk({'content': 'half'}))], ending='abort')
    assert answer.text == 'half'
    assert isinstance(answer.error, StreamError)
    assert 'incomplete chunked read' in answer.error.detail  # httpx2's words, not the SDK's "Connection error."
    assert answer.error.fix == 'Try again.'


async def test_a_silent_server_times_out_as_a_broken_stream(ask: Ask) -> None:
    answer, _ = await ask([event(chunk({'content': 'waiting'}))], ending='hold', timeout=0.3)
    assert answer.text == 'waiting'
    assert isinstance(answer.error, StreamError)
    assert answer.error.fix == 'Try again.'


async def test_a_body_held_open_after_done_still_finishes_at_once(ask: Ask) -> None:
    started = time.monotonic()
    answer, _ = await ask([event(chunk({'content': 'done'})), FINISH, DONE], ending='hold', timeout=5.0)
    assert answer.error is None and answer.stop_reason == 'stop'
    assert time.monotonic() - started < 2  # the read timeout (5 s) never comes into it


async def test_answers_in_a_row_reuse_one_connection(ask: Ask) -> None:
    answer, server = await ask([event(chunk({'content': 'again'})), FINISH, DONE], answers=3)
    assert answer.error is None and answer.text == 'again'
    assert (server.requests, server.connections) == (3, 1)

