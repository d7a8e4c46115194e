"""A fake of api.anthropic.com's Messages and Models endpoints, playing `script_for` on the real wire format.

Streams are named SSE events (`event: content_block_delta` + `data: {...}`) in the order the real API sends them:
message_start, then one content block per kind (thinking, then text), message_delta, message_stop, with a ping.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from .script import Script, script_for

if TYPE_CHECKING:
    from .server import Recorder

BAD_KEY = 'bad-key'  # the same value as server.BAD_KEY; importing it would be circular

# (error.type, error.message) of the real error bodies, by status; {model} is filled in
ERRORS: dict[int, tuple[str, str]] = {
    400: ('invalid_request_error', 'prompt is too long: 210000 tokens > 200000 maximum'),
    401: ('authentication_error', 'invalid x-api-key'),
    403: ('permission_error', 'Your API key does not have permission to use the specified resource.'),
    404: ('not_found_error', 'model: {model}'),
    413: ('request_too_large', 'Request exceeds the maximum allowed number of bytes.'),
    429: ('rate_limit_error', 'This request would exceed the rate limit for your organization of 50 requests per '
                              'minute. For details, refer to: https://docs.claude.com/en/api/rate-limits.'),
    500: ('api_error', 'Internal server error'),
    503: ('overloaded_error', 'Overloaded'),
    529: ('overloaded_error', 'Overloaded'),
}

# the models endpoint lists retired models too, as the historical record; adapters should skip them
MODELS: list[tuple[str, str, str, str]] = [
    ('claude-opus-5-5', 'Claude Opus 5.5', '2026-05-14T00:00:00Z', 'active'),
    ('claude-sonnet-5-5', 'Claude Sonnet 5.5', '2026-05-14T00:00:00Z', 'active'),
    ('claude-haiku-5-5', 'Claude Haiku 5.5', '2026-05-14T00:00:00Z', 'active'),
    ('claude-sonnet-4-5-20250929', 'Claude Sonnet 4.5', '2025-09-29T00:00:00Z', 'deprecated'),
    ('claude-3-haiku-20240307', 'Claude Haiku 3', '2024-03-07T00:00:00Z', 'retired'),
]


class DroppedConnection(Exception):
    """Raised inside a response body so the server aborts the connection mid-stream, as a dropped link would."""


def error_body(kind: str, message: str) -> dict[str, Any]:
    return {'type': 'error', 'error': {'type': kind, 'message': message}}


def error_response(status: int, model: str = '', retry_after: float | None = None) -> JSONResponse:
    kind, message = ERRORS.get(status, ('api_error', f'Fake failure with status {status}.'))
    headers = {'request-id': request_id(), 'x-should-retry': 'true' if status in (429, 500, 529) else 'false'}
    if retry_after is not None:
        headers['retry-after'] = f'{retry_after:g}'
    return JSONResponse(error_body(kind, message.format(model=model)), status_code=status, headers=headers)


def auth_failure(request: Request) -> JSONResponse | None:
    """The real 401 for the bad key; None when the key is acceptable.

    The API takes the key as `x-api-key` or as a bearer token; SDK 2.x sends `Authorization: Bearer`.
    """
    if request.headers.get('x-api-key') == BAD_KEY:
        message = ERRORS[401][1]
    elif request.headers.get('authorization') == f'Bearer {BAD_KEY}':
        message = 'Invalid bearer token'
    else:
        return None
    body = error_body('authentication_error', message)
    return JSONResponse(body, status_code=401, headers={'request-id': request_id()})


def request_id() -> str:
    return f'req_fake{time.monotonic_ns()}'


def text_of(content: Any) -> str:
    """Content is a string or a list of typed blocks; only the text blocks matter here."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return ''.join(block.get('text', '') for block in content if isinstance(block, dict))
    return ''


def usage(script: Script, output_tokens: int) -> dict[str, Any]:
    # Anthropic's input_tokens leaves out what was read from or written to the prompt cache.
    return {'input_tokens': script.input_tokens, 'cache_creation_input_tokens': script.cache_write,
            'cache_read_input_tokens': script.cached,
            'output_tokens': output_tokens, 'service_tier': 'standard'}


def event(name: str, payload: dict[str, Any]) -> str:
    return f'event: {name}\ndata: {json.dumps(payload)}\n\n'


def message_shell(script: Script, model: str) -> dict[str, Any]:
    """The `message` object of message_start: no content yet, input usage already known."""
    return {'id': f'msg_fake{time.monotonic_ns()}', 'type': 'message', 'role': 'assistant', 'model': model,
            'content': [], 'stop_reason': None, 'stop_sequence': None, 'usage': usage(script, 1)}


def thinking_block(script: Script, index: int) -> list[str]:
    """A whole thinking block; the real API closes each one with a signature_delta."""
    events = [event('content_block_start', {'type': 'content_block_start', 'index': index,
                                            'content_block': {'type': 'thinking', 'thinking': '', 'signature': ''}})]
    for piece in script.reasoning:
        events.append(event('content_block_delta', {'type': 'content_block_delta', 'index': index,
                                                    'delta': {'type': 'thinking_delta', 'thinking': piece}}))
    events.append(event('content_block_delta', {'type': 'content_block_delta', 'index': index,
                                                'delta': {'type': 'signature_delta', 'signature': 'EqQBCgIYAhIMfake'}}))
    events.append(event('content_block_stop', {'type': 'content_block_stop', 'index': index}))
    return events


def text_delta(index: int, text: str) -> str:
    return event('content_block_delta', {'type': 'content_block_delta', 'index': index,
                                         'delta': {'type': 'text_delta', 'text': text}})


async def stream_body(script: Script, model: str, recorder: Recorder, message: str) -> AsyncIterator[str]:
    yield event('message_start', {'type': 'message_start', 'message': message_shell(script, model)})
    index = 0
    if script.reasoning:
        for line in thinking_block(script, index):
            yield line
        index += 1
    yield event('content_block_start', {'type': 'content_block_start', 'index': index,
                                        'content_block': {'type': 'text', 'text': ''}})
    yield event('ping', {'type': 'ping'})
    for position, token in enumerate(script.sent_tokens):
        if position == script.fail_after and script.stall:
            await asyncio.sleep(script.stall)
        if position and script.delay:
            await asyncio.sleep(script.delay)
        yield text_delta(index, token)
    if script.fail == 'error':
        # mid-stream overload is the error the real API sends most, after a 200 and some text
        yield event('error', error_body('overloaded_error', 'Overloaded'))
        return
    if script.fail == 'malformed':
        yield 'event: content_block_delta\ndata: {not json\n\n'
        return
    if script.fail:
        raise DroppedConnection(f'fake connection drop after {script.fail_after} tokens')
    if script.stall and len(script.tokens) <= script.fail_after:
        await asyncio.sleep(script.stall)
    yield event('content_block_stop', {'type': 'content_block_stop', 'index': index})
    yield event('message_delta', {'type': 'message_delta',
                                  'delta': {'stop_reason': 'end_turn', 'stop_sequence': None},
                                  'usage': delta_usage(script)})
    yield event('message_stop', {'type': 'message_stop'})
    recorder.last_byte[message] = time.monotonic()


def delta_usage(script: Script) -> dict[str, Any]:
    """message_delta's usage: cumulative output tokens, with the thinking share broken out."""
    output = len(script.tokens) + len(script.reasoning)
    result: dict[str, Any] = {'output_tokens': output}
    if script.reasoning:
        result['output_tokens_details'] = {'thinking_tokens': len(script.reasoning)}
    return result


def whole_message(script: Script, model: str) -> dict[str, Any]:
    """The non-streaming answer: one `message` object with every block complete."""
    content: list[dict[str, Any]] = []
    if script.reasoning:
        content.append({'type': 'thinking', 'thinking': ''.join(script.reasoning), 'signature': 'EqQBCgIYAhIMfake'})
    content.append({'type': 'text', 'text': script.text})
    message = message_shell(script, model)
    message.update(content=content, stop_reason='end_turn', usage=usage(script, delta_usage(script)['output_tokens']))
    return message


def routes(recorder: Recorder) -> list[Route]:
    async def messages(request: Request) -> Response:
        body = await request.json()
        recorder.record('anthropic', request.url.path, body, dict(request.headers))
        if refused := auth_failure(request):
            return refused
        turns = body.get('messages') or []
        model = str(body.get('model', ''))
        message = next((text_of(m.get('content')) for m in reversed(turns) if m.get('role') == 'user'), '')
        # a rough word count stands in for a tokenizer; tests only need it stable and non-zero
        words = sum(len(text_of(m.get('content')).split()) for m in turns) + len(text_of(body.get('system')).split())
        script = script_for(message, input_tokens=words or 1)
        if script.status:
            return error_response(script.status, model, script.retry_after)
        if not body.get('stream'):
            recorder.last_byte[message] = time.monotonic()
            return JSONResponse(whole_message(script, model), headers={'request-id': request_id()})
        return StreamingResponse(stream_body(script, model, recorder, message), media_type='text/event-stream',
                                 headers={'cache-control': 'no-cache', 'request-id': request_id()})

    async def list_models(request: Request) -> Response:
        recorder.record('anthropic', request.url.path, {}, dict(request.headers))
        if refused := auth_failure(request):
            return refused
        data = [{'type': 'model', 'id': model_id, 'display_name': name, 'created_at': created, 'lifecycle': stage}
                for model_id, name, created, stage in MODELS]
        return JSONResponse({'data': data, 'has_more': False, 'first_id': data[0]['id'], 'last_id': data[-1]['id']})

    return [
        Route('/v1/messages', messages, methods=['POST']),
        Route('/v1/models', list_models, methods=['GET']),
    ]
