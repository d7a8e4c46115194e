"""A fake of generativelanguage.googleapis.com (the Gemini API), playing `script_for` on the real wire format.

Paths are served under both `v1` (the google-genai SDK's default) and `v1beta` (the REST docs'). Streams are SSE
`data: {GenerateContentResponse}` events separated by CRLF pairs, as Google sends them; thought summaries are parts
with `"thought": true`. Model ids that do not start with `gemini-` or `gemma-` get the real 404, and a model the list
marks as not thinking refuses `includeThoughts` with the real 400, so adapters can be tested against both.
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
VERSIONS = ('v1', 'v1beta')
RETRY_DELAY = 13.0  # what a real 429 on the free tier typically asks for

# (name, display name, methods, input limit, output limit, thinks)
MODELS: list[tuple[str, str, list[str], int, int, bool]] = [
    ('gemini-2.5-flash', 'Gemini 2.5 Flash', ['generateContent', 'countTokens', 'createCachedContent',
                                              'batchGenerateContent'], 1_048_576, 65_536, True),
    ('gemini-2.5-pro', 'Gemini 2.5 Pro', ['generateContent', 'countTokens', 'createCachedContent',
                                          'batchGenerateContent'], 1_048_576, 65_536, True),
    ('gemini-2.5-flash-lite', 'Gemini 2.5 Flash-Lite', ['generateContent', 'countTokens', 'createCachedContent'],
     1_048_576, 65_536, True),
    ('gemini-2.0-flash', 'Gemini 2.0 Flash', ['generateContent', 'countTokens', 'createCachedContent'],
     1_048_576, 8_192, False),
    ('gemini-2.5-flash-image', 'Nano Banana', ['generateContent', 'countTokens', 'batchGenerateContent'],
     32_768, 32_768, False),
    ('gemini-embedding-001', 'Gemini Embedding 001', ['embedContent', 'countTextTokens', 'countTokens'],
     2_048, 1, False),
]
NOT_THINKING = {name for name, *_, thinks in MODELS if not thinks}

# (status name, message) of the real error bodies, by HTTP status; {model} and {version} are filled in
ERRORS: dict[int, tuple[str, str]] = {
    400: ('INVALID_ARGUMENT', 'The input token count (1200000) exceeds the maximum number of tokens allowed '
                              '(1048576).'),
    403: ('PERMISSION_DENIED', 'Method doesn\'t allow unregistered callers (callers without established identity). '
                               'Please use API Key or other form of API consumer identity to call this API.'),
    404: ('NOT_FOUND', 'models/{model} is not found for API version {version}, or is not supported for '
                       'generateContent. Call ListModels to see the list of available models and their supported '
                       'methods.'),
    429: ('RESOURCE_EXHAUSTED', 'You exceeded your current quota, please check your plan and billing details. For more '
                                'information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.'),
    500: ('INTERNAL', 'An internal error has occurred. Please retry or report in '
                      'https://developers.generativeai.google/guide/troubleshooting'),
    503: ('UNAVAILABLE', 'The model is overloaded. Please try again later.'),
    504: ('DEADLINE_EXCEEDED', 'Deadline expired before operation could complete.'),
}


class DroppedConnection(Exception):
    """Raised inside a response body so the server aborts the connection mid-stream, as a dropped link would."""


def error_body(status: int, model: str = '', version: str = 'v1beta', retry_after: float | None = None,
               message: str | None = None) -> dict[str, Any]:
    name, text = ERRORS.get(status, ('UNKNOWN', f'Fake failure with status {status}.'))
    error: dict[str, Any] = {'code': status, 'message': message or text.format(model=model, version=version),
                             'status': name}
    if status == 429:
        delay = RETRY_DELAY if retry_after is None else retry_after
        error['details'] = [
            {'@type': 'type.googleapis.com/google.rpc.QuotaFailure', 'violations': [{
                'quotaMetric': 'generativelanguage.googleapis.com/generate_content_free_tier_requests',
                'quotaId': 'GenerateRequestsPerMinutePerProjectPerModel-FreeTier',
                'quotaDimensions': {'location': 'global', 'model': model}, 'quotaValue': '10'}]},
            {'@type': 'type.googleapis.com/google.rpc.Help', 'links': [
                {'description': 'Learn more about Gemini API quotas',
                 'url': 'https://ai.google.dev/gemini-api/docs/rate-limits'}]},
            {'@type': 'type.googleapis.com/google.rpc.RetryInfo', 'retryDelay': f'{delay:g}s'},
        ]
    return {'error': error}


def error_response(status: int, **kwargs: Any) -> JSONResponse:
    return JSONResponse(error_body(status, **kwargs), status_code=status)


def key_failure(request: Request) -> JSONResponse | None:
    """The real answers for a missing or invalid key (a 400, not a 401); None when the key is acceptable."""
    key = request.headers.get('x-goog-api-key') or request.query_params.get('key')
    if not key:
        return error_response(403)
    if key != BAD_KEY:
        return None
    text = 'API key not valid. Please pass a valid API key.'
    details = [{'@type': 'type.googleapis.com/google.rpc.ErrorInfo', 'reason': 'API_KEY_INVALID',
                'domain': 'googleapis.com', 'metadata': {'service': 'generativelanguage.googleapis.com'}},
               {'@type': 'type.googleapis.com/google.rpc.LocalizedMessage', 'locale': 'en-US', 'message': text}]
    body = {'error': {'code': 400, 'message': text, 'status': 'INVALID_ARGUMENT', 'details': details}}
    return JSONResponse(body, status_code=400)


def text_of(content: Any) -> str:
    parts = content.get('parts') if isinstance(content, dict) else None
    return ''.join(str(part.get('text', '')) for part in parts or [] if isinstance(part, dict))


def includes_thoughts(body: dict[str, Any]) -> bool:
    """Google parses proto JSON, which accepts both spellings; the SDK sends nested fields in snake_case."""
    thinking = (body.get('generationConfig') or {}).get('thinkingConfig') or {}
    return bool(thinking.get('includeThoughts') or thinking.get('include_thoughts'))


def usage(script: Script, sent: int) -> dict[str, Any]:
    prompt = script.input_tokens + script.cached
    result: dict[str, Any] = {'promptTokenCount': prompt, 'candidatesTokenCount': sent,
                              'totalTokenCount': prompt + sent + len(script.reasoning),
                              'promptTokensDetails': [{'modality': 'TEXT', 'tokenCount': prompt}]}
    if script.cached:
        result['cachedContentTokenCount'] = script.cached
    if script.reasoning:
        result['thoughtsTokenCount'] = len(script.reasoning)
    return result


def response(parts: list[dict[str, Any]], script: Script, model: str, sent: int,
             finish: str | None = None) -> dict[str, Any]:
    """One GenerateContentResponse; only the last carries finishReason and the complete usage."""
    candidate: dict[str, Any] = {'content': {'parts': parts, 'role': 'model'}, 'index': 0}
    if finish:
        candidate['finishReason'] = finish
    meta = usage(script, sent) if finish else {'promptTokenCount': script.input_tokens,
                                               'totalTokenCount': script.input_tokens}
    return {'candidates': [candidate], 'usageMetadata': meta, 'modelVersion': model,
            'responseId': f'fake{time.monotonic_ns()}'}


def sse(payload: dict[str, Any]) -> str:
    return f'data: {json.dumps(payload)}\r\n\r\n'


async def stream_body(script: Script, model: str, recorder: Recorder, message: str) -> AsyncIterator[str]:
    for piece in script.reasoning:
        if script.delay:
            await asyncio.sleep(script.delay)
        yield sse(response([{'text': piece, 'thought': True}], script, model, 0))
    for position, token in enumerate(script.sent_tokens):
        if position == script.fail_after and script.stall:
            await asyncio.sleep(script.stall)
        if position and script.delay:
            await asyncio.sleep(script.delay)
        yield sse(response([{'text': token}], script, model, position + 1))
    if script.fail == 'error':
        # Gemini reports a failure after the 200 as a bare error object on a data line
        yield sse(error_body(500))
        return
    if script.fail == 'malformed':
        yield 'data: {"candidates": [{"content": {"parts": [{"text": \r\n\r\n'
        return
    if script.fail:
        raise DroppedConnection(f'fake connection drop after {script.fail_after} tokens')
    if script.stall and len(script.tokens) <= script.fail_after:
        await asyncio.sleep(script.stall)
    # the real last chunk carries an empty text part alongside the finish reason
    yield sse(response([{'text': ''}], script, model, len(script.tokens), finish='STOP'))
    recorder.last_byte[message] = time.monotonic()


def whole_response(script: Script, model: str) -> dict[str, Any]:
    parts: list[dict[str, Any]] = []
    if script.reasoning:
        parts.append({'text': ''.join(script.reasoning), 'thought': True})
    parts.append({'text': script.text})
    return response(parts, script, model, len(script.tokens), finish='STOP')


def model_entry(name: str, display: str, methods: list[str], limit_in: int, limit_out: int,
                thinks: bool) -> dict[str, Any]:
    entry: dict[str, Any] = {
        'name': f'models/{name}', 'version': '001', 'displayName': display,
        'description': f'Fake {display}', 'inputTokenLimit': limit_in, 'outputTokenLimit': limit_out,
        'supportedGenerationMethods': methods}
    if 'generateContent' in methods:
        entry.update(temperature=1, topP=0.95, topK=64, maxTemperature=2, thinking=thinks)
    return entry


def routes(recorder: Recorder) -> list[Route]:
    async def generate(request: Request) -> Response:
        body = await request.json()
        recorder.record('gemini', request.url.path, body, dict(request.headers))
        if refused := key_failure(request):
            return refused
        version, model = request.path_params['version'], request.path_params['model']
        if version not in VERSIONS or not model.startswith(('gemini-', 'gemma-')):
            return error_response(404, model=model, version=version)
        if includes_thoughts(body) and model in NOT_THINKING:
            return error_response(400, message=f'Thinking is not enabled for models/{model}')
        turns = body.get('contents') or []
        message = next((text_of(turn) for turn in reversed(turns) if turn.get('role', 'user') == 'user'), '')
        # a rough word count stands in for a tokenizer; tests only need it stable and non-zero
        words = sum(len(text_of(turn).split()) for turn in turns) + len(text_of(body.get('systemInstruction')).split())
        script = script_for(message, input_tokens=words or 1)
        if script.status:
            return error_response(script.status, model=model, version=version, retry_after=script.retry_after)
        if request.url.path.endswith(':generateContent'):
            recorder.last_byte[message] = time.monotonic()
            return JSONResponse(whole_response(script, model))
        return StreamingResponse(stream_body(script, model, recorder, message), media_type='text/event-stream',
                                 headers={'cache-control': 'no-cache', 'x-content-type-options': 'nosniff'})

    async def list_models(request: Request) -> Response:
        recorder.record('gemini', request.url.path, {}, dict(request.headers))
        if refused := key_failure(request):
            return refused
        if request.path_params['version'] not in VERSIONS:
            return error_response(404, model='', version=request.path_params['version'])
        return JSONResponse({'models': [model_entry(*model) for model in MODELS]})

    return [
        Route('/{version}/models/{model}:streamGenerateContent', generate, methods=['POST']),
        Route('/{version}/models/{model}:generateContent', generate, methods=['POST']),
        Route('/{version}/models', list_models, methods=['GET']),
    ]
