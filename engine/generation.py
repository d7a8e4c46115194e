"""One answer being produced on the server: it belongs to the conversation, not to any browser tab."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from providers.base import ChatMessage, Done, Error, GenerationParams, Provider, ReasoningDelta, TextDelta, Usage
from storage.models import MessageStatus

log = logging.getLogger(__name__)

SAVE_INTERVAL = 0.5  # a crash loses at most this much of an answer


@dataclass
class Generation:
    """The growing answer. Pages read `text` from any offset; the task writes it and saves it to storage."""

    conversation_id: str
    message_id: str
    provider: str
    model: str
    text: str = ''
    reasoning: str = ''
    status: str = MessageStatus.STREAMING
    error: str | None = None
    stop_reason: str | None = None
    usage: Usage | None = None
    started_at: float = field(default_factory=time.monotonic)
    finished: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None
    stopped_as: str = MessageStatus.STOPPED  # a server shutdown marks the answer interrupted instead
    running: bool = False
    stop_requested: bool = False

    @property
    def is_done(self) -> bool:
        return self.finished.is_set()

    @property
    def waiting(self) -> bool:
        """True until the first token arrives (the page shows a thinking indicator)."""
        return not self.text and not self.reasoning and not self.is_done

    def stop(self, status: str = MessageStatus.STOPPED) -> None:
        self.stopped_as = status
        self.stop_requested = True
        # A task cancelled before its first step never runs its body (so nothing would save or finish it):
        # until it runs, the request is a flag that `produce` checks first.
        if self.running and self.task and not self.task.done():
            self.task.cancel()

    def snapshot(self) -> dict[str, object]:
        """What storage should hold right now."""
        usage = self.usage or Usage()
        return {'content': self.text, 'reasoning': self.reasoning, 'status': self.status, 'error': self.error,
                'stop_reason': self.stop_reason, 'input_tokens': usage.input_tokens,
                'output_tokens': usage.output_tokens, 'reasoning_tokens': usage.reasoning_tokens}


Saver = Callable[[Generation], Awaitable[None]]


async def produce(generation: Generation, provider: Provider, history: list[ChatMessage],
                  params: GenerationParams, save: Saver) -> None:
    """Read the provider's stream into `generation`, saving the partial answer every SAVE_INTERVAL and at the end."""
    last_save = time.monotonic()
    generation.running = True
    try:
        if generation.stop_requested:
            raise asyncio.CancelledError
        async for event in provider.stream(history, generation.model, params):
            match event:
                case TextDelta(text=text):
                    generation.text += text
                case ReasoningDelta(text=text):
                    generation.reasoning += text
                case Usage():
                    generation.usage = event
                case Done(stop_reason=reason):
                    generation.stop_reason = reason
                case Error(error=error):
                    generation.status = MessageStatus.ERROR
                    generation.error = error.message
            if time.monotonic() - last_save >= SAVE_INTERVAL:
                last_save = time.monotonic()
                await save(generation)
        if generation.status == MessageStatus.STREAMING:
            generation.status = MessageStatus.COMPLETE
    except asyncio.CancelledError:
        generation.status = generation.stopped_as
    except Exception as error:  # an adapter bug must still leave a finished, explained message behind
        log.exception('generation %s failed', generation.message_id)
        generation.status = MessageStatus.ERROR
        generation.error = f'Parley failed while reading the answer ({type(error).__name__}: {error}).'
    finally:
        try:
            await save(generation)
        finally:
            generation.finished.set()
