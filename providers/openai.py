"""OpenAI chat completions, and every server that copies them (Ollama, LM Studio, vLLM, OpenRouter)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import anyio
import httpx2
import openai
from openai._streaming import SSEDecoder  # plain-Python SSE parsing, without the SDK's per-chunk pydantic models

from .base import ChatMessage, Done, Error, Event, GenerationParams, ReasoningDelta, TextDelta, Usage
from .errors import (
    VERSIONED_URL,
    NetworkError,
    ProviderError,
    StreamError,
    error_for_status,
    listing_error,
    parse_retry_after,
)

# Local models can take a while to load and reasoning models think silently, so reads wait long; connecting doesn't.
DEFAULT_TIMEOUT = openai.Timeout(300.0, connect=10.0)
NO_KEY = 'not-needed'

# api.openai.com lists every model the key can use; these ids are not chat models
NON_CHAT = re.compile(r'embedding|whisper|tts|dall-e|davinci|babbage|moderation|transcribe|realtime|image|audio|search')
# A compatible server's ids are whatever it was given, but no server chats with these kinds (Ollama's
# nomic-embed-text, LM Studio's text-embedding-…, a reranker, speech in or out): picking one could only fail.
NO_CHAT_ANYWHERE = re.compile(r'embed|rerank|whisper|moderation|(?:^|[-_/:.])tts(?:$|[-_:.])')

# What the SDK counts as a broken connection while reading a body (openai._httpx2.request_exceptions): httpx2's
# request errors plus the TLS and end-of-stream failures httpx2 does not wrap yet.
TRANSPORT_ERRORS: tuple[type[Exception], ...] = (httpx2.RequestError, ssl.SSLError, anyio.EndOfStream)
# After [DONE], how long to read on so HTTP/1.1 can reuse the connection (the SDK's own drain waits as long).
DRAIN_SECONDS = 0.1


def openai_provider(name: str, api_key: str | None, base_url: str | None, key_hint: str,
                    fallback_models: list[str] | None = None,
                    timeout: float | openai.Timeout = DEFAULT_TIMEOUT, official: bool | None = None) -> OpenAIProvider:
    """Build the SDK client for `base_url` (None: OPENAI_BASE_URL or api.openai.com) and wrap it."""
    # An explicit key, even a placeholder, stops the SDK reading OPENAI_API_KEY and sending it to another vendor.
    client = openai.AsyncOpenAI(api_key=api_key or NO_KEY, base_url=base_url, timeout=timeout, max_retries=0)
    return OpenAIProvider(name, client, key_hint, fallback_models or [], official=official)


def is_chat_model(model_id: str, *, official: bool = True) -> bool:
    return not (NON_CHAT if official else NO_CHAT_ANYWHERE).search(model_id.lower())


class OpenAIProvider:
    """Streams chat completions through an `openai.AsyncOpenAI` client (tests point it at a fake by base URL)."""

    def __init__(self, name: str, client: openai.AsyncOpenAI, key_hint: str,
                 fallback_models: list[str] | None = None, *, official: bool | None = None) -> None:
        self.name = name
        # OpenAI itself (not a compatible server): filter its model list, use its newer parameter names. A
        # connection saved on the Settings page may be OpenAI under another name, so this can be said explicitly.
        self.official = name == 'openai' if official is None else official
        self.client = client
        # How genai-prices finds this server's prices (engine/usage.py): a compatible server by its address, which it
        # knows for OpenRouter, Groq and the like and not for a local Ollama, which is then left unpriced.
        self.prices_as = {'provider_id': 'openai'} if self.official else {'provider_api_url': str(client.base_url)}
        self.key_hint = key_hint
        self.fallback_models = list(fallback_models or [])

    async def stream(self, messages: list[ChatMessage], model: str,
                     params: GenerationParams | None = None) -> AsyncIterator[Event]:
        """Yield text, reasoning, usage and one `Done`; or an `Error` (after any text) instead of raising."""
        request = self.request(messages, model, params or GenerationParams())
        tally = _Tally()
        answered = False  # a 2xx arrived: from then on every failure means the stream broke off
        try:
            # The SDK sends the request and raises its status errors; the body is read here as plain JSON, which
            # costs a fraction of the SDK's model per chunk. Leaving the `async with` closes the HTTP response, so a
            # cancelled consumer (Stop) ends the request too.
            async with self.client.chat.completions.with_streaming_response.create(**request) as response:
                answered = True
                async for chunk in payloads_of(response.http_response):
                    for event in self.events_of(chunk, tally):
                        yield event
                    if tally.failure:
                        break
        except (openai.OpenAIError, ValueError) as exc:
            tally.failure = self.error(exc, streaming=answered)
        if tally.failure is None and tally.finish_reason is None:
            # A body may stop early without [DONE]; only a missing finish_reason tells.
            tally.failure = StreamError(self.name, 'The stream ended before the answer was complete.')
        if tally.failure:
            yield Error(tally.failure)
            return
        if tally.usage:
            yield tally.usage
        yield Done(stop_reason=tally.finish_reason)

    def events_of(self, chunk: dict[str, Any], tally: _Tally) -> list[Event]:
        """The events of one `chat.completion.chunk`; an `error` object in it (after a 200) ends the answer."""
        if error := chunk.get('error'):
            tally.failure = StreamError(self.name, error_message_of(error), fix='Try again.')
            return []
        if usage := chunk.get('usage'):
            tally.usage = usage_of(usage)
        events: list[Event] = []
        for choice in chunk.get('choices') or ():
            if choice.get('index', 0) != 0:
                continue
            events += deltas_of(choice.get('delta') or {})
            tally.finish_reason = choice.get('finish_reason') or tally.finish_reason
        return events

    def request(self, messages: list[ChatMessage], model: str, params: GenerationParams) -> dict[str, Any]:
        """The keyword arguments for `chat.completions.create`; unset knobs are left to the server's defaults."""
        wire = [{'role': m.role, 'content': m.content} for m in messages]
        if params.system_prompt:
            wire.insert(0, {'role': 'system', 'content': params.system_prompt})
        request: dict[str, Any] = {'model': model, 'messages': wire, 'stream': True,
                                   'stream_options': {'include_usage': True}}
        if params.temperature is not None:
            request['temperature'] = params.temperature
        if params.max_tokens is not None:
            # OpenAI's reasoning models refuse `max_tokens`; compatible servers mostly know only that name.
            limit_name = 'max_completion_tokens' if self.official else 'max_tokens'
            request[limit_name] = params.max_tokens
        return request

    async def aclose(self) -> None:
        """Close the SDK client's connection pool; the SDK's own fallback is a task scheduled at garbage collection."""
        await self.client.close()

    async def list_models(self) -> list[str]:
        """Model ids the server offers that can chat; raises a ProviderError on failure."""
        try:
            ids = {model.id async for model in self.client.models.list()}
        except (openai.OpenAIError, ValueError) as exc:
            raise listing_error(self.error(exc, streaming=False), VERSIONED_URL) from exc
        return sorted(model_id for model_id in ids if is_chat_model(model_id, official=self.official))

    def error(self, exc: Exception, *, streaming: bool) -> ProviderError:
        """Map an SDK failure onto the taxonomy; once the stream has started, every failure means it broke off."""
        if isinstance(exc, openai.APIStatusError):
            return error_for_status(self.name, exc.status_code, detail_of(exc), key_hint=self.key_hint,
                                    retry_after=retry_after_of(exc))
        if isinstance(exc, openai.APIConnectionError):
            # The SDK's own words are just "Connection error."; the transport's cause says what happened.
            cause = str(exc.__cause__ or '') or exc.message
            if streaming:
                return StreamError(self.name, cause, fix='Try again.')
            return NetworkError(self.name, cause, fix=f'Check that {self.client.base_url} is reachable.')
        if isinstance(exc, openai.APIError) and streaming:
            return StreamError(self.name, exc.message, fix='Try again.')
        if streaming:
            return StreamError(self.name, f'Unreadable data from the server: {exc}', fix='Try again.')
        return ProviderError(self.name, str(exc))


@dataclass
class _Tally:
    """What the stream has told us so far, kept across chunks until the body ends."""

    finish_reason: str | None = None
    usage: Usage | None = None
    failure: ProviderError | None = None


async def payloads_of(response: httpx2.Response) -> AsyncIterator[dict[str, Any]]:
    """Each SSE `data:` payload of the body as a plain dict, up to `[DONE]`; transport failures are raised as the
    SDK's own `APIConnectionError` / `APITimeoutError`, as its stream would have raised them."""
    events = SSEDecoder().aiter_bytes(response.aiter_bytes())
    try:
        async for sse in events:
            if not sse.data:  # an event with no data (a bare `event:` or `id:`) is not dispatched (SSE spec)
                continue
            if sse.data.startswith('[DONE]'):
                if response.http_version == 'HTTP/1.1':
                    await drain(events)
                return
            payload = json.loads(sse.data)
            if not isinstance(payload, dict):
                raise ValueError(f'expected a JSON object, got {sse.data[:200]!r}')
            yield payload
    except httpx2.TimeoutException as exc:
        raise openai.APITimeoutError(request=response.request) from exc
    except TRANSPORT_ERRORS as exc:
        raise openai.APIConnectionError(request=response.request) from exc


async def drain(events: AsyncIterator[Any]) -> None:
    """Read what follows [DONE] (normally just the end of the body) so the connection goes back to the pool; a
    server that holds the body open only costs that reuse, never the answer."""
    with contextlib.suppress(TimeoutError, ValueError, *TRANSPORT_ERRORS):
        async with asyncio.timeout(DRAIN_SECONDS):
            async for _ in events:
                pass


def error_message_of(error: Any) -> str:
    """The words of an `error` object sent inside the stream, the way the SDK's `APIError` took them."""
    message = error.get('message') if isinstance(error, dict) else None
    return message if isinstance(message, str) and message else 'An error occurred during streaming'


def deltas_of(delta: dict[str, Any]) -> list[Event]:
    """Reasoning first, then text, as one chunk would have produced them."""
    events: list[Event] = []
    # Compatible servers send reasoning as an extra field: DeepSeek and vLLM `reasoning_content`, others `reasoning`.
    reasoning = delta.get('reasoning_content') or delta.get('reasoning')
    if isinstance(reasoning, str) and reasoning:
        events.append(ReasoningDelta(reasoning))
    if (content := delta.get('content')) and isinstance(content, str):
        events.append(TextDelta(content))
    if (refusal := delta.get('refusal')) and isinstance(refusal, str):
        events.append(TextDelta(refusal))
    return events


def usage_of(usage: dict[str, Any]) -> Usage:
    """Token counts of the final chunk; either details object may be null or missing (compatible servers)."""
    completion_details = usage.get('completion_tokens_details') or {}
    prompt_details = usage.get('prompt_tokens_details') or {}
    return Usage(input_tokens=count(usage.get('prompt_tokens')), output_tokens=count(usage.get('completion_tokens')),
                 reasoning_tokens=count(completion_details.get('reasoning_tokens')),
                 cached_tokens=count(prompt_details.get('cached_tokens')),
                 cache_write_tokens=count(prompt_details.get('cache_write_tokens')))  # OpenRouter's


def count(value: Any) -> int | None:
    """A token count as a compatible server sent it, if it is one: anything else would fail the answer's save."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def detail_of(exc: openai.APIStatusError) -> str:
    """The provider's own words: OpenAI nests them in `error.message`; Ollama and others send a bare string."""
    body = exc.body
    if isinstance(body, dict) and isinstance(body.get('message'), str):
        return body['message']
    if isinstance(body, str) and body:
        return body[:500]
    return exc.message


def retry_after_of(exc: openai.APIStatusError) -> float | None:
    headers = exc.response.headers
    if millis := parse_retry_after(headers.get('retry-after-ms')):
        return millis / 1000
    return parse_retry_after(headers.get('retry-after'))
