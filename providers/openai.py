"""OpenAI chat completions, and every server that copies them (Ollama, LM Studio, vLLM, OpenRouter)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import openai

from .base import ChatMessage, Done, Error, Event, GenerationParams, ReasoningDelta, TextDelta, Usage
from .errors import NetworkError, ProviderError, StreamError, error_for_status, parse_retry_after

# Local models can take a while to load and reasoning models think silently, so reads wait long; connecting doesn't.
DEFAULT_TIMEOUT = openai.Timeout(300.0, connect=10.0)
NO_KEY = 'not-needed'

# api.openai.com lists every model the key can use; these ids are not chat models
NON_CHAT = re.compile(r'embedding|whisper|tts|dall-e|davinci|babbage|moderation|transcribe|realtime|image|audio|search')


def openai_provider(name: str, api_key: str | None, base_url: str | None, key_hint: str,
                    fallback_models: list[str] | None = None,
                    timeout: float | openai.Timeout = DEFAULT_TIMEOUT, official: bool | None = None) -> OpenAIProvider:
    """Build the SDK client for `base_url` (None: OPENAI_BASE_URL or api.openai.com) and wrap it."""
    # An explicit key, even a placeholder, stops the SDK reading OPENAI_API_KEY and sending it to another vendor.
    client = openai.AsyncOpenAI(api_key=api_key or NO_KEY, base_url=base_url, timeout=timeout, max_retries=0)
    return OpenAIProvider(name, client, key_hint, fallback_models or [], official=official)


def is_chat_model(model_id: str) -> bool:
    return not NON_CHAT.search(model_id.lower())


class OpenAIProvider:
    """Streams chat completions through an `openai.AsyncOpenAI` client (tests point it at a fake by base URL)."""

    def __init__(self, name: str, client: openai.AsyncOpenAI, key_hint: str,
                 fallback_models: list[str] | None = None, *, official: bool | None = None) -> None:
        self.name = name
        # OpenAI itself (not a compatible server): filter its model list, use its newer parameter names. A
        # connection saved on the Settings page may be OpenAI under another name, so this can be said explicitly.
        self.official = name == 'openai' if official is None else official
        self.client = client
        self.key_hint = key_hint
        self.fallback_models = list(fallback_models or [])

    async def stream(self, messages: list[ChatMessage], model: str,
                     params: GenerationParams | None = None) -> AsyncIterator[Event]:
        """Yield text, reasoning, usage and one `Done`; or an `Error` (after any text) instead of raising."""
        request = self.request(messages, model, params or GenerationParams())
        try:
            chunks = await self.client.chat.completions.create(**request)
        except (openai.OpenAIError, ValueError) as exc:
            yield Error(self.error(exc, streaming=False))
            return
        finish_reason: str | None = None
        usage: Usage | None = None
        # Closing the stream closes the HTTP response, so a cancelled consumer (Stop) ends the request too.
        async with chunks:
            try:
                async for chunk in chunks:
                    if chunk.usage:
                        usage = usage_of(chunk.usage)
                    for choice in chunk.choices:
                        if choice.index != 0:
                            continue
                        for event in deltas_of(choice.delta):
                            yield event
                        finish_reason = choice.finish_reason or finish_reason
            except (openai.OpenAIError, ValueError) as exc:
                yield Error(self.error(exc, streaming=True))
                return
        if finish_reason is None:
            # The SDK ends quietly when the body stops early without [DONE]; only a missing finish_reason tells.
            yield Error(StreamError(self.name, 'The stream ended before the answer was complete.'))
            return
        if usage:
            yield usage
        yield Done(stop_reason=finish_reason)

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
        """Model ids the server offers (chat models only, for OpenAI itself); raises a ProviderError on failure."""
        try:
            ids = {model.id async for model in self.client.models.list()}
        except (openai.OpenAIError, ValueError) as exc:
            raise self.error(exc, streaming=False) from exc
        if self.official:
            ids = {model_id for model_id in ids if is_chat_model(model_id)}
        return sorted(ids)

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


def deltas_of(delta: Any) -> list[Event]:
    """Reasoning first, then text, as one chunk would have produced them."""
    events: list[Event] = []
    # Compatible servers send reasoning as an extra field: DeepSeek and vLLM `reasoning_content`, others `reasoning`.
    reasoning = getattr(delta, 'reasoning_content', None) or getattr(delta, 'reasoning', None)
    if isinstance(reasoning, str) and reasoning:
        events.append(ReasoningDelta(reasoning))
    if delta.content:
        events.append(TextDelta(delta.content))
    if delta.refusal:
        events.append(TextDelta(delta.refusal))
    return events


def usage_of(usage: Any) -> Usage:
    completion_details = usage.completion_tokens_details
    prompt_details = usage.prompt_tokens_details
    return Usage(input_tokens=usage.prompt_tokens, output_tokens=usage.completion_tokens,
                 reasoning_tokens=completion_details.reasoning_tokens if completion_details else None,
                 cached_tokens=prompt_details.cached_tokens if prompt_details else None)


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
