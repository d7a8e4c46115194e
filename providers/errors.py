"""The small taxonomy every SDK's failures are mapped to, each with words a person understands and a fix."""

from __future__ import annotations

from typing import ClassVar


def without_keys(text: str) -> str:
    """`text` with every key in use masked: some gateways quote the caller's key when they refuse it, and the
    provider's words are shown on pages and stored with the answer."""
    from engine.secrets import redact  # late: the engine package imports providers

    return redact(text)


class ProviderError(Exception):
    """Base of every provider failure. `message` is shown to the user; `detail` is the provider's own cause."""

    code: ClassVar[str] = 'provider'
    summary: ClassVar[str] = 'The provider reported a problem.'
    transient: ClassVar[bool] = False

    def __init__(self, provider: str, detail: str = '', *, fix: str = '', status: int | None = None,
                 retry_after: float | None = None) -> None:
        self.provider = provider
        self.detail = without_keys(detail.strip())
        self.fix = fix
        self.status = status
        self.retry_after = retry_after  # seconds the provider asked us to wait (429, 503, 529), if it said
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """One or two plain sentences: what went wrong, the provider's words, and what to do."""
        parts = [f'{self.provider}: {self.summary}']
        if self.detail:
            parts.append(f'({self.detail})')
        if self.fix:
            parts.append(self.fix)
        return ' '.join(parts)


class AuthenticationError(ProviderError):
    code = 'authentication'
    summary = 'The API key was refused.'


class RateLimitError(ProviderError):
    code = 'rate_limit'
    summary = 'Too many requests right now.'
    transient = True

    def __init__(self, provider: str, detail: str = '', *, fix: str = '', status: int | None = None,
                 retry_after: float | None = None) -> None:
        if not fix:
            fix = f'Try again in {retry_after:.0f} s.' if retry_after else 'Wait a moment and try again.'
        super().__init__(provider, detail, fix=fix, status=status, retry_after=retry_after)


class OverloadedError(ProviderError):
    code = 'overloaded'
    summary = 'The service is overloaded.'
    transient = True


class BadRequestError(ProviderError):
    code = 'bad_request'
    summary = 'The request was rejected.'


class ModelNotFoundError(BadRequestError):
    code = 'model_not_found'
    summary = 'That model does not exist or is not available to this key.'


class AddressError(BadRequestError):
    code = 'address'
    summary = 'Nothing answers at this address.'


# What a base URL looks like, by SDK: OpenAI's includes the version, Anthropic's and Gemini's add their own.
VERSIONED_URL = 'Check the base URL (an OpenAI-compatible server\'s usually ends in /v1).'
HOST_URL = 'Check the base URL: the server\'s address alone, without a version path such as /v1.'


def listing_error(error: ProviderError, fix: str) -> ProviderError:
    """A failure to list models in words for listing: a 404 there names no model, so the address is wrong (found
    by QA: a base URL ending in /v2 was said to be a model that does not exist). `fix`: what to check."""
    if isinstance(error, ModelNotFoundError):
        return AddressError(error.provider, error.detail, status=error.status, fix=fix)
    return error


class ContextTooLongError(BadRequestError):
    code = 'context_too_long'
    summary = 'The conversation is too long for this model.'


class NetworkError(ProviderError):
    code = 'network'
    summary = 'Could not reach the server.'
    transient = True


class ServerError(ProviderError):
    code = 'server'
    summary = 'The server failed.'
    transient = True


class StreamError(ProviderError):
    """The answer broke off part-way (dropped connection, error event, malformed chunk)."""

    code = 'stream'
    summary = 'The answer broke off.'
    transient = True


CONTEXT_WORDS = ('context length', 'context_length', 'maximum context', 'too many tokens', 'prompt is too long',
                 'input is too long', 'exceeds the maximum', 'token limit')


def looks_like_context_overflow(text: str) -> bool:
    """Providers report overflow as a plain 400; its wording is the only tell."""
    lowered = text.lower()
    return any(word in lowered for word in CONTEXT_WORDS)


def error_for_status(provider: str, status: int | None, detail: str, *, key_hint: str = '',
                     retry_after: float | None = None) -> ProviderError:
    """Map an HTTP status (and the provider's words) onto the taxonomy; shared by every adapter."""
    if status in (401, 403):
        return AuthenticationError(provider, detail, status=status,
                                   fix=f'Check {key_hint}.' if key_hint else 'Check the API key.')
    if status == 429:
        return RateLimitError(provider, detail, status=status, retry_after=retry_after)
    if status in (503, 529):
        return OverloadedError(provider, detail, status=status, fix='Try again in a minute.', retry_after=retry_after)
    if status == 404:
        return ModelNotFoundError(provider, detail, status=status, fix='Pick another model.')
    if status in (400, 413, 422):
        if status == 413 or looks_like_context_overflow(detail):
            return ContextTooLongError(provider, detail, status=status,
                                       fix='Start a new chat or pick a model with a larger context window.')
        return BadRequestError(provider, detail, status=status)
    if status is not None and status >= 500:
        return ServerError(provider, detail, status=status, fix='Try again; if it persists, the provider is down.',
                           retry_after=retry_after)
    return ProviderError(provider, detail, status=status)


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (the date form is rare from LLM APIs and ignored)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None
