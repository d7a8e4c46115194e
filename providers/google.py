"""Google Gemini through the google-genai SDK: roles, thought summaries, usage and Google's error bodies."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import os
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, ClassVar

from google import genai
from google.genai import errors as genai_errors
from google.genai import types

from . import fallbacks
from .base import ChatMessage, Done, Error, Event, GenerationParams, ReasoningDelta, TextDelta, Usage
from .errors import (
    HOST_URL,
    AuthenticationError,
    BadRequestError,
    NetworkError,
    ProviderError,
    StreamError,
    error_for_status,
    listing_error,
)

KEY_HINT = 'GEMINI_API_KEY'
BASE_URL_ENV = 'GOOGLE_GEMINI_BASE_URL'
FALLBACK_MODELS = fallbacks.GOOGLE
# Silence allowed between two chunks (and before the first): thinking models can be quiet for minutes.
DEFAULT_TIMEOUT = 300.0

# Asking a model that cannot think for thoughts is a 400 ("Thinking is not enabled for models/..."), so only these
# families are asked; a refusal is remembered and the request repeated without the thinking config.
THINKING_MODEL = re.compile(r'gemini-(2\.5|[3-9])|thinking')
REFUSES_THOUGHTS = re.compile(r'think|thought', re.IGNORECASE)
DURATION = re.compile(r'^\s*(\d+(?:\.\d+)?)s\s*$')


def _transport_errors() -> tuple[type[BaseException], ...]:
    """Connection failures of whichever HTTP stack the SDK picked (aiohttp when installed, else httpx or httpx2)."""
    found: list[type[BaseException]] = [OSError]
    for module, name in (('aiohttp', 'ClientError'), ('httpx', 'TransportError'), ('httpx2', 'TransportError')):
        with contextlib.suppress(ImportError, AttributeError):
            found.append(getattr(importlib.import_module(module), name))
    return tuple(found)


TRANSPORT_ERRORS = _transport_errors()
FAILURES = (genai_errors.APIError, ValueError, TimeoutError, *TRANSPORT_ERRORS)


def google_provider(api_key: str | None, base_url: str | None = None, *, timeout: float = DEFAULT_TIMEOUT,
                    fallback_models: list[str] | None = None) -> GoogleProvider:
    """Build the SDK client for `base_url` (None: GOOGLE_GEMINI_BASE_URL, else Google's endpoint) and wrap it."""
    options = types.HttpOptions(
        # The SDK reads the variable itself too; resolving it here keeps the precedence visible: argument > env.
        base_url=base_url or os.environ.get(BASE_URL_ENV) or None,
        # One attempt: Parley retries itself. Without retry options the SDK's aiohttp path also quietly sleeps
        # 1-10 s and reconnects once after a connection failure.
        retry_options=types.HttpRetryOptions(attempts=1),
    )
    try:
        # vertexai=False: GOOGLE_GENAI_USE_VERTEXAI in the environment must not reroute a Gemini API key.
        client = genai.Client(api_key=api_key or None, vertexai=False, http_options=options)
    except ValueError as exc:  # the SDK's "No API key was provided"
        raise AuthenticationError('google', str(exc), fix=f'Set {KEY_HINT}.') from exc
    return GoogleProvider(client, fallback_models=fallback_models, timeout=timeout)


@dataclass
class Progress:
    """What one stream has produced so far; decides how a failure is reported."""

    started: bool = False  # any text or reasoning was yielded
    usage: Usage | None = None
    finish: str | None = None
    blocked: bool = False


class GoogleProvider:
    """Streams `generate_content_stream` through a `google.genai.Client` (tests point it at a fake by base URL)."""

    name = 'google'
    prices_as: ClassVar[dict[str, str]] = {'provider_id': 'google'}  # see engine/usage.py
    key_hint = KEY_HINT

    def __init__(self, client: genai.Client, *, fallback_models: list[str] | None = None,
                 timeout: float = DEFAULT_TIMEOUT) -> None:
        self.client = client
        self.fallback_models = list(fallback_models or FALLBACK_MODELS)
        self.timeout = timeout
        self.no_thoughts: set[str] = set()  # models that refused the thinking config once

    async def stream(self, messages: list[ChatMessage], model: str,
                     params: GenerationParams | None = None) -> AsyncIterator[Event]:
        """Yield reasoning, text, usage and one `Done`; or an `Error` (after any text) instead of raising."""
        params = params or GenerationParams()
        thoughts = bool(THINKING_MODEL.search(model.lower())) and model not in self.no_thoughts
        progress = Progress()
        try:
            # aclosing: when our consumer stops, `_events` must stop its reader now, not when the GC gets round to it
            async with contextlib.aclosing(self._events(model, messages, config_of(messages, params, thoughts),
                                                        progress)) as events:
                async for event in events:
                    yield event
        except FAILURES as exc:
            if thoughts and not progress.started and refuses_thoughts(exc):
                self.no_thoughts.add(model)
                async with contextlib.aclosing(self.stream(messages, model, params)) as retried:
                    async for event in retried:
                        yield event
                return
            yield Error(self.error(exc, streaming=progress.started))
            return
        if progress.blocked:
            return
        if progress.finish is None:
            # A body that ends cleanly but early parses fine; only the missing finishReason tells.
            yield Error(StreamError(self.name, 'The stream ended before the answer was complete.', fix='Try again.'))
            return
        if progress.usage:
            yield progress.usage
        yield Done(stop_reason=progress.finish)

    async def _events(self, model: str, messages: list[ChatMessage], config: types.GenerateContentConfig,
                      progress: Progress) -> AsyncIterator[Event]:
        chunks = await self.client.aio.models.generate_content_stream(
            model=model, contents=contents_of(messages), config=config)
        # The SDK's generators hold the HTTP response in a reference cycle, so closing them leaves the connection
        # open until the cyclic GC runs. A task that is always awaiting the next chunk can instead be cancelled,
        # which unwinds the whole chain and closes the response at once: that is what makes Stop stop the request.
        queue: asyncio.Queue[types.GenerateContentResponse | BaseException | None] = asyncio.Queue()
        pump = asyncio.create_task(_pump(chunks, queue))
        try:
            while True:
                async with asyncio.timeout(self.timeout):
                    item = await queue.get()
                if item is None:
                    return
                if isinstance(item, BaseException):
                    raise item
                for event in events_of(item, progress, self.name):
                    yield event
        finally:
            pump.cancel()
            await asyncio.wait([pump], timeout=1)

    async def list_models(self) -> list[str]:
        """Ids (without `models/`) of the models that can chat; raises a ProviderError on failure."""
        try:
            pager = await self.client.aio.models.list()
            ids = {model.name.removeprefix('models/') async for model in pager
                   if model.name and 'generateContent' in (model.supported_actions or [])}
        except FAILURES as exc:
            raise listing_error(self.error(exc, streaming=False), HOST_URL) from exc
        return sorted(ids)

    async def aclose(self) -> None:
        """Close the SDK's async HTTP session (aiohttp warns about unclosed ones)."""
        await self.client.aio.aclose()

    def error(self, exc: BaseException, *, streaming: bool) -> ProviderError:
        """Map an SDK failure onto the taxonomy; once output has arrived, every failure means it broke off."""
        if isinstance(exc, genai_errors.APIError):
            detail = exc.message or str(exc)
            if streaming:
                return StreamError(self.name, detail, fix='Try again.')
            if is_bad_key(exc):
                # Google answers a wrong key with 400 INVALID_ARGUMENT, not 401: only the reason tells.
                return AuthenticationError(self.name, detail, status=exc.code, fix=f'Check {self.key_hint}.')
            return error_for_status(self.name, exc.code, detail, key_hint=self.key_hint,
                                    retry_after=retry_delay_of(exc))
        if isinstance(exc, TimeoutError):
            silence = f'No data from the server for {self.timeout:g} s.'
            if streaming:
                return StreamError(self.name, silence, fix='Try again.')
            return NetworkError(self.name, silence, fix='Check the network, or try again later.')
        if isinstance(exc, TRANSPORT_ERRORS):
            detail = str(exc) or type(exc).__name__
            if streaming:
                return StreamError(self.name, detail, fix='Try again.')
            return NetworkError(self.name, detail, fix=f'Check the network connection and {BASE_URL_ENV} if set.')
        if isinstance(exc, genai_errors.UnknownApiResponseError):
            return StreamError(self.name, f'Unreadable data from the server: {exc}'[:500], fix='Try again.')
        return ProviderError(self.name, str(exc))


async def _pump(chunks: AsyncIterator[types.GenerateContentResponse],
                queue: asyncio.Queue[types.GenerateContentResponse | BaseException | None]) -> None:
    """Move chunks into the (unbounded) queue, then None; a failure is passed on as the item itself."""
    try:
        async for chunk in chunks:
            queue.put_nowait(chunk)
    except Exception as exc:  # the reader re-raises it and decides what it means
        queue.put_nowait(exc)
    else:
        queue.put_nowait(None)


def config_of(messages: list[ChatMessage], params: GenerationParams,
              thoughts: bool) -> types.GenerateContentConfig:
    """The request's config; unset knobs are left out so the model's own defaults apply."""
    system = [params.system_prompt or ''] + [m.content for m in messages if m.role == 'system']
    config = types.GenerateContentConfig(
        # Parley passes no tools; switching the SDK's automatic function calling off skips its tool loop.
        automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True))
    if instruction := '\n\n'.join(part for part in system if part):
        config.system_instruction = instruction
    if params.temperature is not None:
        config.temperature = params.temperature
    if params.max_tokens is not None:
        config.max_output_tokens = params.max_tokens
    if thoughts:
        config.thinking_config = types.ThinkingConfig(include_thoughts=True)
    return config


def contents_of(messages: list[ChatMessage]) -> list[types.Content]:
    """Gemini calls the assistant 'model', takes system text separately and rejects empty parts."""
    return [types.Content(role='model' if m.role == 'assistant' else 'user', parts=[types.Part(text=m.content)])
            for m in messages if m.role != 'system' and m.content]


def events_of(chunk: types.GenerateContentResponse, progress: Progress, provider: str) -> list[Event]:
    """Thought parts become reasoning, other text parts text; usage and the finish reason are kept for the end."""
    events: list[Event] = []
    if chunk.usage_metadata:
        progress.usage = usage_of(chunk.usage_metadata)
    feedback = chunk.prompt_feedback
    if feedback and feedback.block_reason and not chunk.candidates:
        progress.blocked = True
        reason = getattr(feedback.block_reason, 'value', feedback.block_reason)
        return [Error(BadRequestError(provider, f'The prompt was blocked ({reason}).', fix='Rephrase the message.'))]
    for candidate in chunk.candidates or []:
        if candidate.index not in (None, 0):
            continue
        for part in (candidate.content.parts if candidate.content else None) or []:
            if part.text:
                events.append(ReasoningDelta(part.text) if part.thought else TextDelta(part.text))
        if candidate.finish_reason:
            progress.finish = str(getattr(candidate.finish_reason, 'value', candidate.finish_reason))
    progress.started = progress.started or bool(events)
    return events


def usage_of(meta: types.GenerateContentResponseUsageMetadata) -> Usage:
    # Like OpenAI's and Anthropic's counts, output includes the (billed) thinking tokens.
    thoughts, written = meta.thoughts_token_count, meta.candidates_token_count
    # Thinking can use up the whole output limit, leaving no candidate count: those tokens were billed all the same.
    output = None if written is None and thoughts is None else (written or 0) + (thoughts or 0)
    return Usage(input_tokens=meta.prompt_token_count, output_tokens=output, reasoning_tokens=thoughts,
                 cached_tokens=meta.cached_content_token_count)


def error_details(exc: genai_errors.APIError) -> list[dict[str, Any]]:
    """The google.rpc detail objects (ErrorInfo, RetryInfo...) of an error body."""
    body = exc.details
    if isinstance(body, dict) and isinstance(body.get('error'), dict):
        body = body['error']
    items = body.get('details') if isinstance(body, dict) else None
    return [item for item in items or [] if isinstance(item, dict)]


def is_bad_key(exc: genai_errors.APIError) -> bool:
    if any(item.get('reason') == 'API_KEY_INVALID' for item in error_details(exc)):
        return True
    return exc.code == 400 and 'api key not valid' in (exc.message or '').lower()


def retry_delay_of(exc: genai_errors.APIError) -> float | None:
    """Seconds from the RetryInfo detail ('13s'); Gemini sends no Retry-After header."""
    for item in error_details(exc):
        is_retry_info = str(item.get('@type', '')).endswith('google.rpc.RetryInfo')
        if is_retry_info and (match := DURATION.match(str(item.get('retryDelay', '')))):
            return float(match.group(1))
    return None


def refuses_thoughts(exc: BaseException) -> bool:
    if not isinstance(exc, genai_errors.APIError) or exc.code != 400:
        return False
    return bool(REFUSES_THOUGHTS.search(exc.message or ''))
