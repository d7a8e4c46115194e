"""A fake of api.openai.com's chat completions and models endpoints, playing `script_for` on the real wire format.

Every OpenAI-compatible server (Ollama, LM Studio, vLLM, OpenRouter) speaks this dialect too; reasoning arrives as
`delta.reasoning_content`, the way DeepSeek and vLLM send it.
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
CREATED = 1_715_000_000

MODELS = ['gpt-4o-mini', 'gpt-4o', 'gpt-4.1', 'o3-mini', 'text-embedding-3-small', 'whisper-1', 'tts-1',
          'dall-e-3', 'omni-moderation-latest', 'gpt-4o-realtime-preview', 'gpt-4o-mini-transcribe', 'davinci-002',
          'babbage-002', 'gpt-image-1', 'gpt-4o-audio-preview', 'gpt-4o-search-preview']

# (type, code, message) of the real error bodies, by status; {model} is filled in
ERRORS: dict[int, tuple[str, str | None, str]] = {
    400: ('invalid_request_error', 'context_length_exceeded',
          "This model's maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens."),
    404: ('invalid_request_error', 'model_not_found',
          'The model `{model}` does not exist or you do not have access to it.'),
    429: ('requests', 'rate_limit_exceeded',
          'Rate limit reached for {model} on requests per min (RPM): Limit 3, Used 3, Requested 1.'),
    500: ('server_error', None, 'The server had an error while processing your request. Sorry about that!'),
    503: ('server_error', None, 'The engine is currently overloaded, please try again later.'),
}


class DroppedConnection(Exception):
    """Raised inside a response body so the server aborts the connection mid-stream, as a dropped link would."""


def error_response(status: int, model: str = '', retry_after: float | None = None) -> JSONResponse:
    kind, code, message = ERRORS.get(status, ('api_error', None, f'Fake failure with status {status}.'))
    headers = {'retry-after': f'{retry_after:g}'} if retry_after is not None else {}
    text = message.format(model=model or 'gpt-4o-mini')
    body = {'error': {'message': text, 'type': kind, 'param': None, 'code': code}}
    return JSONResponse(body, status_code=status, headers=headers)


def auth_failure(request: Request) -> JSONResponse | None:
    """The real 401 for the bad key; None when the key is acceptable."""
    if request.headers.get('authorization', '') != f'Bearer {BAD_KEY}':
        return None
    body = {'error': {'message': f'Incorrect API key provided: {BAD_KEY}. You can find your API key at '
                                 'https://platform.openai.com/account/api-keys.',
                      'type': 'invalid_request_error', 'param': None, 'code': 'invalid_api_key'}}
    return JSONResponse(body, status_code=401)


def text_of(content: Any) -> str:
    """Message content is a string or a list of typed parts; only the text parts matter here."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return ''.join(part.get('text', '') for part in content if isinstance(part, dict))
    return ''


def usage(script: Script) -> dict[str, Any]:
    completion = len(script.sent_tokens) + len(script.reasoning)
    return {
        'prompt_tokens': script.input_tokens + script.cached, 'completion_tokens': completion,
        'total_tokens': script.input_tokens + script.cached + completion,
        'prompt_tokens_details': {'cached_tokens': script.cached, 'audio_tokens': 0},
        'completion_tokens_details': {'reasoning_tokens': len(script.reasoning), 'audio_tokens': 0,
                                      'accepted_prediction_tokens': 0, 'rejected_prediction_tokens': 0},
    }


class ChunkWriter:
    """Formats `chat.completion.chunk` SSE lines the way the real API does (same id and timestamp throughout)."""

    def __init__(self, model: str, include_usage: bool) -> None:
        self.model = model
        self.include_usage = include_usage
        self.id = f'chatcmpl-fake{time.monotonic_ns()}'

    def line(self, payload: dict[str, Any]) -> str:
        return f"data: {json.dumps(payload, separators=(',', ':'))}\n\n"

    def chunk(self, delta: dict[str, Any], finish_reason: str | None = None) -> str:
        payload: dict[str, Any] = {
            'id': self.id, 'object': 'chat.completion.chunk', 'created': CREATED, 'model': self.model,
            'system_fingerprint': 'fp_fake', 'choices': [
                {'index': 0, 'delta': delta, 'logprobs': None, 'finish_reason': finish_reason}],
        }
        if self.include_usage:
            payload['usage'] = None
        return self.line(payload)

    def usage_chunk(self, script: Script) -> str:
        return self.line({'id': self.id, 'object': 'chat.completion.chunk', 'created': CREATED, 'model': self.model,
                          'system_fingerprint': 'fp_fake', 'choices': [], 'usage': usage(script)})


async def stream_body(script: Script, writer: ChunkWriter, recorder: Recorder, message: str) -> AsyncIterator[str]:
    yield writer.chunk({'role': 'assistant', 'content': '', 'refusal': None})
    for piece in script.reasoning:
        yield writer.chunk({'content': None, 'reasoning_content': piece})
    for index, token in enumerate(script.sent_tokens):
        if index == script.fail_after and script.stall:
            await asyncio.sleep(script.stall)
        if index and script.delay:
            await asyncio.sleep(script.delay)
        yield writer.chunk({'content': token})
    if script.fail == 'error':
        kind, code, text = ERRORS[500]
        yield writer.line({'error': {'message': text, 'type': kind, 'param': None, 'code': code}})
        return
    if script.fail == 'malformed':
        yield 'data: {not json\n\n'
        return
    if script.fail:
        raise DroppedConnection(f'fake connection drop after {script.fail_after} tokens')
    if script.stall and len(script.tokens) <= script.fail_after:
        await asyncio.sleep(script.stall)
    yield writer.chunk({}, finish_reason='stop')
    if writer.include_usage:
        yield writer.usage_chunk(script)
    yield 'data: [DONE]\n\n'
    recorder.last_byte[message] = time.monotonic()


def completion(script: Script, model: str) -> dict[str, Any]:
    """The non-streaming answer: one `chat.completion` object."""
    message: dict[str, Any] = {'role': 'assistant', 'content': script.text, 'refusal': None, 'annotations': []}
    if script.reasoning:
        message['reasoning_content'] = ''.join(script.reasoning)
    return {'id': f'chatcmpl-fake{time.monotonic_ns()}', 'object': 'chat.completion', 'created': CREATED,
            'model': model, 'system_fingerprint': 'fp_fake', 'usage': usage(script),
            'choices': [{'index': 0, 'message': message, 'logprobs': None, 'finish_reason': 'stop'}]}


def routes(recorder: Recorder) -> list[Route]:
    async def chat_completions(request: Request) -> Response:
        body = await request.json()
        recorder.record('openai', request.url.path, body, dict(request.headers))
        if refused := auth_failure(request):
            return refused
        messages = body.get('messages') or []
        model = str(body.get('model', ''))
        message = next((text_of(m.get('content')) for m in reversed(messages) if m.get('role') == 'user'), '')
        # a rough word count stands in for a tokenizer; tests only need it stable and non-zero
        input_tokens = sum(len(text_of(m.get('content')).split()) for m in messages) or 1
        script = script_for(message, input_tokens=input_tokens)
        if script.status:
            return error_response(script.status, model, script.retry_after)
        if not body.get('stream'):
            recorder.last_byte[message] = time.monotonic()
            return JSONResponse(completion(script, model))
        include_usage = bool((body.get('stream_options') or {}).get('include_usage'))
        writer = ChunkWriter(model, include_usage)
        return StreamingResponse(stream_body(script, writer, recorder, message), media_type='text/event-stream',
                                 headers={'cache-control': 'no-cache', 'x-request-id': f'req_{writer.id}'})

    async def list_models(request: Request) -> Response:
        recorder.record('openai', request.url.path, {}, dict(request.headers))
        await asyncio.sleep(recorder.openai_list_delay)
        if refused := auth_failure(request):
            return refused
        data = [{'id': name, 'object': 'model', 'created': CREATED, 'owned_by': 'openai'}
                for name in MODELS]
        return JSONResponse({'object': 'list', 'data': data})

    return [
        Route('/v1/chat/completions', chat_completions, methods=['POST']),
        Route('/v1/models', list_models, methods=['GET']),
    ]
