"""The one streaming interface every provider adapter implements, and the events it yields."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Literal, Protocol, runtime_checkable

from .errors import ProviderError

Role = Literal['system', 'user', 'assistant']


@dataclass(frozen=True, slots=True)
class ChatMessage:
    role: Role
    content: str


@dataclass(frozen=True, slots=True)
class GenerationParams:
    """Per-request knobs; None means the provider's own default."""

    temperature: float | None = None
    max_tokens: int | None = None
    system_prompt: str | None = None


@dataclass(frozen=True, slots=True)
class TextDelta:
    text: str
    kind: Literal['text'] = 'text'


@dataclass(frozen=True, slots=True)
class ReasoningDelta:
    text: str
    kind: Literal['reasoning'] = 'reasoning'


@dataclass(frozen=True, slots=True)
class Usage:
    """Tokens of one answer, counted alike for every provider: input includes the cached and cache-written tokens,
    output includes the reasoning tokens."""

    input_tokens: int | None = None
    output_tokens: int | None = None
    reasoning_tokens: int | None = None
    cached_tokens: int | None = None  # read from the provider's prompt cache (cheaper)
    cache_write_tokens: int | None = None  # written to it (Anthropic; dearer)
    kind: Literal['usage'] = 'usage'


@dataclass(frozen=True, slots=True)
class Done:
    stop_reason: str | None = None
    kind: Literal['done'] = 'done'


@dataclass(frozen=True, slots=True)
class Error:
    error: ProviderError
    kind: Literal['error'] = 'error'


Event = TextDelta | ReasoningDelta | Usage | Done | Error


@dataclass(frozen=True, slots=True)
class ModelInfo:
    provider: str
    model: str
    label: str = ''

    @property
    def key(self) -> str:
        """The `provider/model` name the picker and settings use."""
        return f'{self.provider}/{self.model}'


@runtime_checkable
class Provider(Protocol):
    """A model vendor behind one streaming method.

    `stream` never raises for provider trouble: it yields an `Error` event (after any text it already yielded)
    and stops. A stream that ends normally yields exactly one `Done` last.
    """

    name: str
    fallback_models: list[str]

    def stream(self, messages: list[ChatMessage], model: str,
               params: GenerationParams | None = None) -> AsyncIterator[Event]: ...

    async def list_models(self) -> list[str]: ...


@dataclass(slots=True)
class CollectedAnswer:
    """What a whole stream amounted to (handy for tests and non-streaming callers)."""

    text: str = ''
    reasoning: str = ''
    usage: Usage | None = None
    stop_reason: str | None = None
    error: ProviderError | None = None
    events: list[Event] = field(default_factory=list)


async def collect(events: AsyncIterator[Event]) -> CollectedAnswer:
    """Drain a stream into one `CollectedAnswer`."""
    answer = CollectedAnswer()
    async for event in events:
        answer.events.append(event)
        match event:
            case TextDelta(text=text):
                answer.text += text
            case ReasoningDelta(text=text):
                answer.reasoning += text
            case Usage():
                answer.usage = event
            case Done(stop_reason=reason):
                answer.stop_reason = reason
            case Error(error=error):
                answer.error = error
    return answer
