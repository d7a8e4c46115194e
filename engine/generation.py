"""One answer being produced on the server: it belongs to the conversation, not to any browser tab."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt, wait_random_exponential

from providers.base import ChatMessage, Done, Error, Event, GenerationParams, Provider, ReasoningDelta, TextDelta, Usage
from providers.errors import ProviderError, StreamError
from storage.models import MessageStatus

from .usage import cost_of

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
    cost_usd: float | None = None  # the usage priced (engine/usage.py); None when the price list does not know it
    started_at: float = field(default_factory=time.monotonic)
    finished: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None
    stopped_as: str = MessageStatus.STOPPED  # a server shutdown marks the answer interrupted instead
    running: bool = False
    stop_requested: bool = False
    notice: str | None = None       # why the answer is waiting (a transient error about to be retried)
    last_event_at: float | None = None  # monotonic time the provider's stream ended (the benchmark reads the log)
    retry_at: float | None = None   # monotonic time of the next try
    # Regenerate: the version shown before this one, shown again if this one is stopped before its first word.
    restore_version: int | None = None

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
        return {'content': self.text, 'reasoning': self.reasoning, 'status': self.status, 'error': self.error,
                'stop_reason': self.stop_reason, **self.counts()}

    def counts(self) -> dict[str, int | float | None]:
        """The answer's tokens and cost, as the message row holds them."""
        usage = self.usage or Usage()
        return {'input_tokens': usage.input_tokens, 'output_tokens': usage.output_tokens,
                'reasoning_tokens': usage.reasoning_tokens, 'cached_tokens': usage.cached_tokens,
                'cost_usd': self.cost_usd}


Saver = Callable[[Generation], Awaitable[None]]


@dataclass(frozen=True)
class StreamPolicy:
    """How hard to try: transient failures before the first token are retried; a silent stream is cut off."""

    attempts: int = 4            # tries in all, for a transient error that came before any text
    idle_timeout: float = 90.0   # seconds without any event before the stream counts as stalled
    max_wait: float = 60.0       # the longest backoff (or Retry-After) honoured between tries


class _RetryableFailure(Exception):
    """A transient provider error that came before any text: another try may succeed."""

    def __init__(self, error: ProviderError) -> None:
        super().__init__(error.message)
        self.error = error


async def produce(generation: Generation, provider: Provider, history: list[ChatMessage],
                  params: GenerationParams, save: Saver, policy: StreamPolicy | None = None) -> None:
    """Read the provider's stream into `generation`, saving the partial answer every SAVE_INTERVAL and at the end."""
    policy = policy or StreamPolicy()
    generation.running = True
    try:
        if generation.stop_requested:
            raise asyncio.CancelledError
        await _read_with_retries(generation, provider, history, params, save, policy)
        if generation.status == MessageStatus.STREAMING:
            generation.status = MessageStatus.COMPLETE
    except asyncio.CancelledError:
        generation.status = generation.stopped_as
    except Exception as error:  # an adapter bug must still leave a finished, explained message behind
        log.exception('generation %s failed', generation.message_id)
        generation.status = MessageStatus.ERROR
        generation.error = f'Parley failed while reading the answer ({type(error).__name__}: {error}).'
    finally:
        generation.notice = None
        log.info('answer %s %s: %d chars; provider stream ended at monotonic %s', generation.message_id,
                 generation.status, len(generation.text),
                 f'{generation.last_event_at:.6f}' if generation.last_event_at else '-')
        try:
            await save(generation)
        finally:
            generation.finished.set()


async def _read_with_retries(generation: Generation, provider: Provider, history: list[ChatMessage],
                             params: GenerationParams, save: Saver, policy: StreamPolicy) -> None:
    backoff = wait_random_exponential(multiplier=1, max=policy.max_wait)

    def wait(state: RetryCallState) -> float:
        failure = state.outcome.exception() if state.outcome else None
        retry_after = getattr(getattr(failure, 'error', None), 'retry_after', None)
        return min(retry_after, policy.max_wait) if retry_after else backoff(state)

    async def announce_and_sleep(seconds: float) -> None:
        generation.retry_at = time.monotonic() + seconds
        try:
            await asyncio.sleep(seconds)  # Stop cancels the task here as anywhere
        finally:
            generation.retry_at = None
            generation.notice = None

    def before_sleep(state: RetryCallState) -> None:
        failure = state.outcome.exception() if state.outcome else None
        if isinstance(failure, _RetryableFailure):
            generation.notice = failure.error.message

    retrying = AsyncRetrying(stop=stop_after_attempt(policy.attempts), wait=wait, sleep=announce_and_sleep,
                             retry=retry_if_exception_type(_RetryableFailure), before_sleep=before_sleep,
                             reraise=True)
    try:
        async for attempt in retrying:
            with attempt:
                await _read_once(generation, provider, history, params, save, policy)
    except _RetryableFailure as failure:
        generation.status = MessageStatus.ERROR
        generation.error = failure.error.message


async def _read_once(generation: Generation, provider: Provider, history: list[ChatMessage],
                     params: GenerationParams, save: Saver, policy: StreamPolicy) -> None:
    """One request: events into `generation`; a transient error before any text raises _RetryableFailure."""
    stream = provider.stream(history, generation.model, params)
    last_save = time.monotonic()
    watch = _StallWatch(policy.idle_timeout)
    try:
        while True:
            try:
                event = await watch.next(stream)
            except StopAsyncIteration:
                generation.last_event_at = time.monotonic()
                return
            except TimeoutError:
                event = Error(StreamError(provider.name, f'no data for {policy.idle_timeout:g} s',
                                          fix='The provider stalled; try again.'))
            match event:
                case TextDelta(text=text):
                    generation.text += text
                case ReasoningDelta(text=text):
                    generation.reasoning += text
                case Usage():
                    generation.usage = event
                    generation.cost_usd = cost_of(provider, generation.model, event)
                case Done(stop_reason=reason):
                    generation.stop_reason = reason
                case Error(error=error):
                    if error.transient and not generation.text and not generation.reasoning:
                        raise _RetryableFailure(error)
                    generation.status = MessageStatus.ERROR
                    generation.error = error.message
                    return
            if time.monotonic() - last_save >= SAVE_INTERVAL:
                last_save = time.monotonic()
                await save(generation)
    finally:
        watch.close()
        close = getattr(stream, 'aclose', None)
        if close is not None:
            await close()


class _StallWatch:
    """Raises TimeoutError in the reading task once it has waited `idle` seconds for an event.

    One timer per idle period instead of `asyncio.timeout` around every read: that made a context and a timer handle
    per chunk (about 8% of the event loop with twenty answers streaming, py-spy; a quarter of the server's CPU for an
    8000-token answer at full speed). The cancellation works as asyncio.timeout's does: a Stop arriving at the same
    moment stays a cancellation.
    """

    def __init__(self, idle: float) -> None:
        self.idle = idle
        self.loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        assert task is not None, 'a stream is read in a task'
        self.task = task
        self.cancelling = task.cancelling()
        self.waiting_since: float | None = None
        self.stalled = False
        self.handle = self.loop.call_later(idle, self._check)

    def _check(self) -> None:
        since = self.waiting_since
        due = (since if since is not None else self.loop.time()) + self.idle
        if since is not None and self.loop.time() >= due:
            self.stalled = True
            self.task.cancel()
        else:  # an event came meanwhile, or the task is busy elsewhere (saving): look again when it could be due
            self.handle = self.loop.call_at(due, self._check)

    async def next(self, stream: AsyncIterator[Event]) -> Event:
        self.waiting_since = self.loop.time()
        try:
            return await anext(stream)
        except asyncio.CancelledError:
            if self.stalled and self.task.uncancel() <= self.cancelling:
                raise TimeoutError from None
            raise
        finally:
            self.waiting_since = None

    def close(self) -> None:
        self.handle.cancel()
