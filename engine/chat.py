"""The conversation engine: stores the user's message, starts the answer's task, and tells every page about it."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass

from nicegui import Event

from providers.base import ChatMessage, GenerationParams, Provider
from providers.registry import ProviderRegistry
from storage.models import Conversation, Message, MessageStatus, utcnow
from storage.repository import Repository

from .generation import Generation, StreamPolicy, produce
from .limits import UsageLimits, midnight_utc

log = logging.getLogger(__name__)

TITLE_LENGTH = 60


class ChatInputError(ValueError):
    """A message that cannot be sent, with the reason in plain words."""


def visible_to(user_id: str | None, owner: str | None) -> bool:
    """Whether the page of `user_id` may see what belongs to `owner`.

    A team-mode page always has a user and sees only its own; personal mode (None) has one person, who owns it all.
    """
    return user_id is None or owner == user_id


@dataclass(frozen=True)
class Sent:
    conversation: Conversation
    user_message: Message
    assistant_message: Message


def unavailable(model_key: str) -> ChatInputError:
    """A message or a regeneration refused for a model whose connection was removed (it stays in the picker)."""
    return ChatInputError(f'{model_key} is not available any more: its connection was removed. Pick another model.')


def title_from(text: str) -> str:
    """The first line of the first message, cut at a word boundary."""
    line = ' '.join(text.split())
    if len(line) <= TITLE_LENGTH:
        return line
    cut = line[:TITLE_LENGTH].rsplit(' ', 1)[0] or line[:TITLE_LENGTH]
    return cut.rstrip(',.;:') + '…'


class ChatEngine:
    """Owns every running generation (one per conversation, process-wide) and the events pages subscribe to.

    Every operation takes the user it acts for (None in personal mode): a conversation of another user behaves
    exactly like one that does not exist, so not even its existence leaks.
    """

    def __init__(self, repository: Repository, providers: ProviderRegistry, *, max_message_chars: int,
                 policy: StreamPolicy | None = None, limits: UsageLimits | None = None, team: bool = False) -> None:
        self.repository = repository
        self.providers = providers
        self.max_message_chars = max_message_chars
        # The limit as refusals say it: a team's members cannot change the server's setting, so it is not named.
        self.limit_words = f'{max_message_chars:,}' if team else f'{max_message_chars:,} (PARLEY_MAX_MESSAGE_CHARS)'
        self.policy = policy or StreamPolicy()
        self.limits = limits
        self.generations: dict[str, Generation] = {}
        self.owners: dict[str, str | None] = {}  # conversation id -> user of each running generation
        self.starting: Counter[str | None] = Counter()  # answers admitted but not started yet, per user
        self.claimed: set[str] = set()  # conversations whose answer is being started (see _claimed)
        # Events run each subscriber in its own page's context and unsubscribe it when that page goes away.
        # Subscribers filter by owner (visible_to): an event about one user's conversation is never shown to another.
        self.conversations_changed: Event[[str | None]] = Event()  # renamed or deleted (by owner): lists rebuild
        self.conversation_touched: Event[[Conversation]] = Event()  # new, or a new message: its entry moves up
        self.message_added: Event[[Message]] = Event()
        self.message_changed: Event[[Message]] = Event()  # written again, or another version shown: pages redraw it
        self.instructions_changed: Event[[Conversation]] = Event()  # its system prompt was set: pages show it
        self.generation_started: Event[[Generation]] = Event()
        self.generation_finished: Event[[Generation]] = Event()

    def generation_for(self, conversation_id: str | None, *, user_id: str | None = None) -> Generation | None:
        """The answer being written in the conversation, if there is one and it is the user's."""
        generation = self.generations.get(conversation_id) if conversation_id else None
        if generation is None or not visible_to(user_id, self.owners.get(generation.conversation_id)):
            return None
        return generation

    def validate(self, text: str) -> str:
        if not text.strip():
            raise ChatInputError('Type a message first.')
        if len(text) > self.max_message_chars:
            raise ChatInputError(f'This message has {len(text):,} characters; the limit is {self.limit_words}.')
        return text

    def validate_instructions(self, text: str) -> str | None:
        """The instructions as stored: None for none (blank), refused in words when too long."""
        text = text.strip()  # what is trimmed anyway does not count against the limit
        if len(text) > self.max_message_chars:
            raise ChatInputError(f'These instructions have {len(text):,} characters; the limit is {self.limit_words}.')
        return text or None

    async def send(self, conversation_id: str | None, text: str, model_key: str | None, *,
                   user_id: str | None = None, on_created: Callable[[Conversation], None] | None = None,
                   instructions: str | None = None) -> Sent:
        """Store the user's message (creating the conversation if needed), then start the answer.

        `on_created` runs as soon as a new conversation exists, before any event about it is emitted, so the
        page that sent the first message can take the conversation's id and receive those events itself.
        `instructions` are a new conversation's system prompt (an existing one keeps its own).
        """
        self.validate(text)
        instructions = self.validate_instructions(instructions or '')
        resolved = self.providers.resolve(model_key)
        if resolved is None and model_key:
            raise unavailable(model_key)
        if resolved is None:
            raise ChatInputError('No model is selected. Configure a provider (see the README) and pick a model.')
        provider, model = resolved
        repo = self.repository
        with self._claimed(conversation_id) as refuse_if_busy:
            conversation = (await asyncio.to_thread(repo.get_conversation, conversation_id, user_id=user_id)
                            if conversation_id else None)
            if conversation_id and conversation is None:
                raise ChatInputError('This conversation no longer exists.')
            refuse_if_busy('Wait for the current answer to finish, or stop it.')
            async with self._admitted(user_id):
                return await self._send(conversation, text, provider, model, user_id, on_created, instructions)

    async def _send(self, conversation: Conversation | None, text: str, provider: Provider, model: str,
                    user_id: str | None, on_created: Callable[[Conversation], None] | None,
                    instructions: str | None) -> Sent:
        repo = self.repository
        if conversation is None:
            conversation = await asyncio.to_thread(repo.create_conversation, title=title_from(text),
                                                   provider=provider.name, model=model, user_id=user_id,
                                                   system_prompt=instructions)
            if on_created:
                on_created(conversation)
        elif (conversation.provider, conversation.model) != (provider.name, model):
            await asyncio.to_thread(repo.set_conversation_model, conversation.id, provider.name, model)
        user_message = await asyncio.to_thread(repo.add_message, conversation.id, role='user', content=text)
        answer = await asyncio.to_thread(repo.add_message, conversation.id, role='assistant', content='',
                                         status=MessageStatus.STREAMING, provider=provider.name, model=model,
                                         parent_id=user_message.id)
        history = await asyncio.to_thread(self._history, conversation, answer)
        self.message_added.emit(user_message)
        self.message_added.emit(answer)
        self._start(conversation, answer, history, provider, model)
        conversation.updated_at = answer.created_at  # as stored: read before, it still had the last use's time
        self.conversation_touched.emit(conversation)
        return Sent(conversation, user_message, answer)

    async def retry(self, conversation_id: str, message_id: str, model_key: str | None = None, *,
                    user_id: str | None = None) -> Generation:
        """Answer again in place of an answer of the user's conversation: Retry after a failure, a stop or a crash
        (any answer), or Regenerate (a finished one, the conversation's last: the turns after an earlier one were
        written to it). The answer it replaces is kept as an earlier version if it has anything to keep."""
        with self._claimed(conversation_id) as refuse_if_busy:
            conversation, message = await self._message_of(conversation_id, message_id, user_id)
            refuse_if_busy('An answer is already being written.')
            if message.status == MessageStatus.COMPLETE:
                last = await asyncio.to_thread(self.repository.get_recent_messages, conversation_id, limit=1)
                if last[-1].id != message_id:
                    raise ChatInputError('Only the last answer can be written again.')
            return await self._write_again(conversation, message, model_key, user_id)

    async def edit(self, conversation_id: str, message_id: str, text: str, model_key: str | None = None, *,
                   user_id: str | None = None) -> Generation:
        """Change the user's last message to `text` and answer it again; the old question and its answer are kept
        together as an earlier version of the answer."""
        self.validate(text)
        with self._claimed(conversation_id) as refuse_if_busy:
            conversation, _ = await self._message_of(conversation_id, message_id, user_id, role='user')
            last = await asyncio.to_thread(self.repository.get_recent_messages, conversation_id, limit=2)
            if not (len(last) == 2 and last[0].id == message_id and last[1].parent_id == message_id):
                raise ChatInputError('Only your last message can be edited.')
            refuse_if_busy('Wait for the current answer to finish, or stop it.')
            return await self._write_again(conversation, last[1], model_key, user_id, question=text)

    async def _write_again(self, conversation: Conversation, message: Message, model_key: str | None,
                           user_id: str | None, question: str | None = None) -> Generation:
        resolved = (self.providers.resolve(model_key)
                    or self.providers.resolve(f'{message.provider}/{message.model}'))
        if resolved is None:
            raise unavailable(f'{message.provider}/{message.model}')
        provider, model = resolved
        async with self._admitted(user_id):
            again = await asyncio.to_thread(self.repository.write_again, message.id, provider=provider.name,
                                            model=model, question=question)
            if again is None:
                raise ChatInputError('That answer no longer exists.')
            await asyncio.to_thread(self.repository.touch_conversation, conversation.id)
            conversation.updated_at = utcnow()  # its list entry goes under Today, not under its last use's day
            history = await asyncio.to_thread(self._history, conversation, again)
            await self._changed(again)
            generation = self._start(conversation, again, history, provider, model)
            if again.versions > message.versions:  # the answer read before was kept
                generation.restore_version = message.version
            self.conversation_touched.emit(conversation)  # in use again: up to the top of its list
            return generation

    async def show_version(self, conversation_id: str, message_id: str, number: int, *,
                           user_id: str | None = None) -> Message:
        """Show another kept version of an answer in every page (and to the model in later turns)."""
        # Held like a retry: a switch must never cross an answer being started in the same row.
        with self._claimed(conversation_id) as refuse_if_busy:
            _, message = await self._message_of(conversation_id, message_id, user_id)
            running = self.generations.get(conversation_id)
            if message.status == MessageStatus.STREAMING or (running and running.message_id == message_id):
                raise ChatInputError('Wait for this answer to finish, or stop it.')
            refuse_if_busy('Wait for the answer being written to finish, or stop it.')
            shown = await asyncio.to_thread(self.repository.show_version, message_id, number)
            if shown is None:
                raise ChatInputError('That version of the answer no longer exists.')
            await self._changed(shown)
            return shown

    async def _changed(self, answer: Message) -> None:
        """Tell every page the answer changed, and its question: an edit, or a version that answered another."""
        if answer.parent_id and (asked := await asyncio.to_thread(self.repository.get_message, answer.parent_id)):
            self.message_changed.emit(asked)
        self.message_changed.emit(answer)

    async def _message_of(self, conversation_id: str, message_id: str, user_id: str | None, *,
                          role: str = 'assistant') -> tuple[Conversation, Message]:
        conversation = await asyncio.to_thread(self.repository.get_conversation, conversation_id, user_id=user_id)
        message = await asyncio.to_thread(self.repository.get_message, message_id) if conversation else None
        # The message must be of this very conversation: an id from elsewhere is as unknown as a made-up one.
        if (conversation is None or message is None or message.conversation_id != conversation.id
                or message.role != role):
            raise ChatInputError('That answer no longer exists.' if role == 'assistant'
                                 else 'That message no longer exists.')
        return conversation, message

    def rename(self, conversation_id: str, title: str, *, user_id: str | None = None) -> None:
        """Rename the user's conversation; someone else's (or a missing one) is left alone, without a word."""
        conversation = self.repository.get_conversation(conversation_id, user_id=user_id)
        if conversation and self.repository.rename_conversation(conversation_id, title.strip()[:200], user_id=user_id):
            self.conversations_changed.emit(conversation.user_id)

    async def set_instructions(self, conversation_id: str, text: str, *, user_id: str | None = None) -> Conversation:
        """Give the user's conversation instructions (blank: none), read by the model from its next answer on; an
        answer being written keeps the ones it started with."""
        instructions = self.validate_instructions(text)
        repo = self.repository
        conversation = await asyncio.to_thread(repo.get_conversation, conversation_id, user_id=user_id)
        if conversation is None or not await asyncio.to_thread(repo.set_system_prompt, conversation_id, instructions,
                                                               user_id=user_id):
            raise ChatInputError('This conversation no longer exists.')
        conversation.system_prompt = instructions
        self.instructions_changed.emit(conversation)
        return conversation

    def delete(self, conversation_id: str, *, user_id: str | None = None) -> None:
        """Delete the user's conversation for good; an answer still being written is stopped first."""
        conversation = self.repository.get_conversation(conversation_id, user_id=user_id)
        if conversation is None:
            return
        if generation := self.generations.pop(conversation_id, None):
            generation.stop()
        # Its answers' tokens were spent: they still count against today's budget, after a restart too.
        self.repository.delete_conversation(conversation_id, user_id=user_id, keep_tokens_since=midnight_utc())
        self.conversations_changed.emit(conversation.user_id)

    def stop(self, conversation_id: str, *, user_id: str | None = None) -> None:
        if generation := self.generation_for(conversation_id, user_id=user_id):
            generation.stop()

    def stop_all(self, user_id: str, *, again_after: float = 2.0) -> int:
        """Stop every answer being written for the user (disabled, or their password reset): they may not spend
        tokens any more. Returns how many were stopped. An answer admitted just before, still being started (its
        rows written), is stopped by a second sweep `again_after` seconds later."""
        running = [self.generations[conversation] for conversation, owner in list(self.owners.items())
                   if owner == user_id and conversation in self.generations]
        for generation in running:
            generation.stop()
        if self.starting[user_id] and again_after > 0:
            asyncio.get_running_loop().call_later(again_after, self.stop_all, user_id, again_after=0)
        return len(running)

    @contextmanager
    def _claimed(self, conversation_id: str | None) -> Iterator[Callable[[str], None]]:
        """Hold the conversation from the call until its answer has started (or failed to): two sends or retries
        at once, from two tabs or a double click, cannot both start an answer into it, even when the first one's
        answer fails at once, before the second has read the database.

        It is claimed before the first await; whether it was free is told by the function yielded, which the
        caller runs after checking ownership: "busy" for another user's conversation would tell that it exists.
        """
        busy = conversation_id is not None and (conversation_id in self.generations
                                                or conversation_id in self.claimed)

        def refuse_if_busy(message: str) -> None:
            if busy:
                raise ChatInputError(message)

        # Nothing to hold: a new conversation (nobody else can know it yet), or one held already.
        if conversation_id is None or busy:
            yield refuse_if_busy
            return
        self.claimed.add(conversation_id)
        try:
            yield refuse_if_busy
        finally:
            self.claimed.discard(conversation_id)

    @asynccontextmanager
    async def _admitted(self, user_id: str | None) -> AsyncIterator[None]:
        """Check the user's limits and hold a place among their answers until this one has started (or failed)."""
        if self.limits:
            spent = await asyncio.to_thread(self.limits.tokens_today, user_id) if self.limits.budgeted else 0
            # No await from here to the reservation: two sends at once cannot both take the last place.
            running = sum(1 for owner in self.owners.values() if owner == user_id) + self.starting[user_id]
            if reason := self.limits.refusal(user_id, running=running, tokens_today=spent):
                raise ChatInputError(reason)
        self.starting[user_id] += 1
        try:
            yield
        finally:
            self.starting[user_id] -= 1
            if not self.starting[user_id]:
                del self.starting[user_id]

    def _history(self, conversation: Conversation, answer: Message) -> list[ChatMessage]:
        """What the model sees: every finished turn before the answer being written."""
        history: list[ChatMessage] = []
        for message in self.repository.get_messages(conversation.id):
            if message.seq >= answer.seq:
                break
            if message.role == 'user' or (message.role == 'assistant' and message.content):
                history.append(ChatMessage(message.role, message.content))  # type: ignore[arg-type]
        return history

    def _start(self, conversation: Conversation, answer: Message, history: list[ChatMessage], provider: Provider,
               model: str) -> Generation:
        # The provider resolved before the awaits: a connection removed on the Settings page meanwhile still
        # answers this once, rather than leaving the stored answer 'streaming' with nothing writing it.
        generation = Generation(conversation.id, answer.id, provider.name, model)
        params = GenerationParams(system_prompt=conversation.system_prompt)
        self.generations[conversation.id] = generation
        self.owners[conversation.id] = conversation.user_id
        generation.task = asyncio.create_task(self._run(generation, provider, history, params),
                                              name=f'generation {answer.id}')
        self.generation_started.emit(generation)
        return generation

    async def _run(self, generation: Generation, provider, history: list[ChatMessage],
                   params: GenerationParams) -> None:
        try:
            await produce(generation, provider, history, params, self._save, self.policy)
            if (generation.restore_version and generation.status == MessageStatus.STOPPED
                    and not (generation.text or generation.reasoning)):
                # Stopped before its first word: nothing to keep, and an empty answer would leave the turn out of
                # what the model sees next. The answer read before comes back (the empty one is dropped).
                shown = await asyncio.to_thread(self.repository.show_version, generation.message_id,
                                                generation.restore_version)
                if shown is not None:
                    await self._changed(shown)
        finally:
            if self.generations.get(generation.conversation_id, generation) is generation:
                self.generations.pop(generation.conversation_id, None)
                self.owners.pop(generation.conversation_id, None)
            self.generation_finished.emit(generation)

    async def _save(self, generation: Generation) -> None:
        write = asyncio.ensure_future(asyncio.to_thread(self.repository.update_message, generation.message_id,
                                                        **generation.snapshot()))
        cancelled = False
        while not write.done():
            try:
                await asyncio.wait([write])
            except asyncio.CancelledError:
                # Stop: a thread cannot be cancelled, so this write lands anyway; the final save must come after
                # it, or a stale 'streaming' save would overwrite the stopped answer.
                cancelled = True
        if failure := write.exception():  # the answer stays in memory and the next save tries again
            log.error('saving the answer %s failed', generation.message_id, exc_info=failure)
        if cancelled:
            raise asyncio.CancelledError

    async def shutdown(self) -> None:
        """Stop every answer and let each save what it has (as interrupted, so Retry is offered) before exit."""
        running = list(self.generations.values())
        for generation in running:
            generation.stop(MessageStatus.INTERRUPTED)
        await asyncio.gather(*(g.finished.wait() for g in running), return_exceptions=True)
        await self.providers.aclose()
