"""Claude through the official `anthropic` SDK: the Messages API's stream events mapped onto Parley's events."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, ClassVar

import anthropic
import httpx2

from . import fallbacks
from .base import ChatMessage, Done, Error, Event, GenerationParams, ReasoningDelta, TextDelta, Usage
from .errors import (
    HOST_URL,
    NetworkError,
    ProviderError,
    StreamError,
    error_for_status,
    listing_error,
    parse_retry_after,
)

DEFAULT_MAX_TOKENS = 8192
FALLBACK_MODELS = fallbacks.ANTHROPIC
# Streams stay busy (the API pings while the model thinks), so a long read timeout only trips on a dead link.
DEFAULT_TIMEOUT = anthropic.Timeout(300.0, connect=10.0)

# The status each `error.type` arrives with over HTTP; a mid-stream `error` event comes after a 200.
STATUS_OF_ERROR_TYPE = {
    'invalid_request_error': 400, 'authentication_error': 401, 'billing_error': 402, 'permission_error': 403,
    'not_found_error': 404, 'request_too_large': 413, 'rate_limit_error': 429, 'api_error': 500,
    'overloaded_error': 529,
}


@dataclass
class _Tally:
    """What the stream has told us so far, gathered across events until message_stop."""

    uncached_tokens: int | None = None  # Anthropic's input_tokens: without what the prompt cache read or wrote
    cached_tokens: int | None = None
    cache_write_tokens: int | None = None
    output_tokens: int | None = None
    reasoning_tokens: int | None = None
    stop_reason: str | None = None
    started: bool = False
    finished: bool = False

    @property
    def input_tokens(self) -> int | None:
        """Every token the model read, as OpenAI and Gemini count them: the cache's included."""
        if self.uncached_tokens is None:
            return None
        return self.uncached_tokens + (self.cached_tokens or 0) + (self.cache_write_tokens or 0)

    def count_input(self, usage: Any) -> None:
        """Merge the input counts of message_start or a message_delta: a delta's counts are cumulative, and one it
        leaves out keeps its earlier value (as the SDK's own accumulator does)."""
        if usage.input_tokens is not None:
            self.uncached_tokens = usage.input_tokens
        if usage.cache_read_input_tokens is not None:
            self.cached_tokens = usage.cache_read_input_tokens
        if usage.cache_creation_input_tokens is not None:
            self.cache_write_tokens = usage.cache_creation_input_tokens


class AnthropicProvider:
    """Anthropic's Messages API behind Parley's `Provider` protocol."""

    name = 'anthropic'
    key_hint = 'ANTHROPIC_API_KEY'
    prices_as: ClassVar[dict[str, str]] = {'provider_id': 'anthropic'}  # see engine/usage.py

    def __init__(self, client: anthropic.AsyncAnthropic, fallback_models: list[str] | None = None) -> None:
        self.client = client
        self.fallback_models = list(fallback_models or FALLBACK_MODELS)

    async def aclose(self) -> None:
        """Close the SDK's HTTP client (at shutdown)."""
        await self.client.close()

    async def stream(self, messages: list[ChatMessage], model: str,
                     params: GenerationParams | None = None) -> AsyncIterator[Event]:
        """Stream one answer; provider trouble ends the stream with an `Error` event instead of raising."""
        tally = _Tally()
        try:
            response = await self.client.messages.create(**request_arguments(messages, model, params), stream=True)
            # `async with` closes the HTTP response however we leave, so cancelling the consumer cancels the request
            async with response:
                async for raw in response:
                    for event in self._translate(raw, tally):
                        tally.started = tally.started or isinstance(event, TextDelta | ReasoningDelta)
                        yield event
        except (anthropic.APIError, httpx2.HTTPError, ValueError) as failure:
            yield Error(self._error(failure, tally.started))
            return
        if not tally.finished:
            yield Error(StreamError(self.name, 'the stream ended before message_stop'))

    def _translate(self, raw: Any, tally: _Tally) -> list[Event]:
        """Parley's events for one SDK stream event (most map to none or one)."""
        match raw.type:
            case 'message_start':
                tally.count_input(raw.message.usage)
            case 'content_block_delta' if raw.delta.type == 'text_delta' and raw.delta.text:
                return [TextDelta(raw.delta.text)]
            case 'content_block_delta' if raw.delta.type == 'thinking_delta' and raw.delta.thinking:
                return [ReasoningDelta(raw.delta.thinking)]
            case 'message_delta':
                tally.stop_reason = raw.delta.stop_reason or tally.stop_reason
                tally.output_tokens = raw.usage.output_tokens
                tally.count_input(raw.usage)
                if details := raw.usage.output_tokens_details:
                    tally.reasoning_tokens = details.thinking_tokens
            case 'message_stop':
                tally.finished = True
                return [Usage(input_tokens=tally.input_tokens, output_tokens=tally.output_tokens,
                              reasoning_tokens=tally.reasoning_tokens, cached_tokens=tally.cached_tokens,
                              cache_write_tokens=tally.cache_write_tokens),
                        Done(tally.stop_reason)]
        return []

    def _error(self, failure: Exception, started: bool) -> ProviderError:
        """Map an SDK or transport failure onto the taxonomy; once text has shown, any failure is a broken stream."""
        if isinstance(failure, anthropic.APIStatusError):
            return self._status_error(failure, started)
        if isinstance(failure, anthropic.APIConnectionError | httpx2.HTTPError):
            # the SDK's own words are generic ("Connection error."); the transport's cause says which failure
            cause = str(failure.__cause__ or failure.__context__ or '')
            detail = str(failure) if not cause or cause in str(failure) else f'{failure} {cause}'
            if started:
                return StreamError(self.name, f'the connection dropped: {detail}', fix='Try again.')
            return NetworkError(self.name, detail, fix='Check your connection or the base URL.')
        if isinstance(failure, ValueError):
            return StreamError(self.name, f'the server sent data that is not JSON: {failure}', fix='Try again.')
        return ProviderError(self.name, str(failure))

    def _status_error(self, failure: anthropic.APIStatusError, started: bool) -> ProviderError:
        kind = failure.type or ''
        detail = failure.api_message or str(failure.body or failure.message)[:300]
        if started:
            overloaded = kind == 'overloaded_error'
            return StreamError(self.name, detail or kind, status=failure.status_code,
                               fix='The service is overloaded; try again in a minute.' if overloaded else 'Try again.')
        status = failure.status_code
        # an overloaded body means overloaded whatever the status; an `error` event arrives after a 200
        if kind == 'overloaded_error' or status < 400:
            status = STATUS_OF_ERROR_TYPE.get(kind, 500)
        retry_after = parse_retry_after(failure.response.headers.get('retry-after'))
        return error_for_status(self.name, status, detail, key_hint=self.key_hint, retry_after=retry_after)

    async def list_models(self) -> list[str]:
        """Model ids this key can use, newest first; raises a `ProviderError` (the caller falls back)."""
        try:
            return [model.id async for model in self.client.models.list(limit=1000)
                    if getattr(model, 'lifecycle', None) != 'retired']
        except (anthropic.APIError, httpx2.HTTPError, ValueError) as failure:
            raise listing_error(self._error(failure, started=False), HOST_URL) from failure


def request_arguments(messages: list[ChatMessage], model: str, params: GenerationParams | None) -> dict[str, Any]:
    """The keyword arguments of `messages.create` for a Parley conversation."""
    params = params or GenerationParams()
    system_parts = [params.system_prompt or ''] + [m.content for m in messages if m.role == 'system']
    system = '\n\n'.join(part.strip() for part in system_parts if part.strip())
    arguments: dict[str, Any] = {
        'model': model,
        'messages': alternating_turns(messages),
        'max_tokens': params.max_tokens or DEFAULT_MAX_TOKENS,
    }
    if system:
        arguments['system'] = system
    if params.temperature is not None:
        # this SDK's `create()` has no `temperature` keyword, yet the API still accepts the field
        arguments['extra_body'] = {'temperature': params.temperature}
    return arguments


def alternating_turns(messages: list[ChatMessage]) -> list[dict[str, str]]:
    """User and assistant turns, merged where one role repeats, since the API wants them alternating.

    Empty turns (say, an answer stopped before its first token) are dropped: the API rejects empty text.
    """
    turns: list[dict[str, str]] = []
    for message in messages:
        if message.role == 'system' or not message.content.strip():
            continue
        if turns and turns[-1]['role'] == message.role:
            turns[-1]['content'] += '\n\n' + message.content
        else:
            turns.append({'role': message.role, 'content': message.content})
    return turns


def anthropic_provider(api_key: str, base_url: str | None = None, *,
                       timeout: float | anthropic.Timeout = DEFAULT_TIMEOUT,
                       fallback_models: list[str] | None = None) -> AnthropicProvider:
    """An `AnthropicProvider` on a fresh client; the SDK's own retries are off because Parley retries itself."""
    client = anthropic.AsyncAnthropic(api_key=api_key, base_url=base_url, timeout=timeout, max_retries=0)
    return AnthropicProvider(client, fallback_models)
