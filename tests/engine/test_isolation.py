"""Per-user isolation in the engine: another user's conversation behaves exactly like one that does not exist.

Runs on SQLite and PostgreSQL (the ownership filters are SQL), with the real OpenAI SDK against the fake server.
"""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import Engine

from engine.chat import ChatEngine, ChatInputError, title_from, visible_to
from engine.generation import Generation
from providers.openai import openai_provider
from providers.registry import ProviderRegistry
from storage.models import Conversation
from storage.repository import Repository
from tests.fakes.server import FakeServer

MODEL = 'openai/gpt-4o-mini'
ANN, BOB = 'ann-id', 'bob-id'
SLOW = 'Long answer [[tokens=400]] [[delay=10]]'


@pytest.fixture
def chat(engine: Engine, fake_server: FakeServer) -> ChatEngine:
    registry = ProviderRegistry()
    registry.add(openai_provider('openai', 'test-key', f'{fake_server.url}/openai/v1', key_hint='OPENAI_API_KEY'))
    return ChatEngine(Repository(engine), registry, max_message_chars=10_000)


async def finish(generation: Generation) -> None:
    await asyncio.wait_for(generation.finished.wait(), 10)
    await asyncio.sleep(0)


async def refusal(call) -> str:
    with pytest.raises(ChatInputError) as raised:
        await call
    return str(raised.value)


async def test_another_users_conversation_is_as_missing_as_a_made_up_one(chat: ChatEngine) -> None:
    ann = await chat.send(None, 'Ann private plans', MODEL, user_id=ANN)
    await finish(chat.generations[ann.conversation.id])
    made_up = '0' * 32
    repo = chat.repository

    assert repo.get_conversation(ann.conversation.id, user_id=BOB) is None
    assert [c.id for c in repo.list_conversations(user_id=BOB)] == []
    assert [c.id for c in repo.list_conversations(user_id=ANN)] == [ann.conversation.id]
    assert repo.get_recent_messages(ann.conversation.id, limit=40, user_id=BOB) == []
    # Ctrl/Cmd+K search: by title and by message text, only ever the user's own.
    assert [c.id for c in repo.search_conversations('private', user_id=ANN)] == [ann.conversation.id]
    assert repo.search_conversations('private', user_id=BOB) == []
    assert repo.search_conversations('Hello! You said', user_id=BOB) == []
    assert len(repo.get_recent_messages(ann.conversation.id, limit=40, user_id=ANN)) == 2

    # Sending into it: the same words as for a conversation that never existed, and nothing is stored.
    assert (await refusal(chat.send(ann.conversation.id, 'sneaking in', MODEL, user_id=BOB))
            == await refusal(chat.send(made_up, 'sneaking in', MODEL, user_id=BOB)))
    assert [m.role for m in repo.get_messages(ann.conversation.id)] == ['user', 'assistant']


async def test_retry_rename_delete_and_stop_leave_another_users_conversation_alone(chat: ChatEngine) -> None:
    ann = await chat.send(None, SLOW, MODEL, user_id=ANN)
    bob = await chat.send(None, 'Bob own question', MODEL, user_id=BOB)
    await finish(chat.generations[bob.conversation.id])
    running = chat.generations[ann.conversation.id]
    changed: list[str | None] = []
    chat.conversations_changed.subscribe(changed.append)

    assert chat.generation_for(ann.conversation.id, user_id=BOB) is None
    assert chat.generation_for(ann.conversation.id, user_id=ANN) is running
    chat.stop(ann.conversation.id, user_id=BOB)
    chat.rename(ann.conversation.id, 'Owned by Bob now', user_id=BOB)
    chat.delete(ann.conversation.id, user_id=BOB)
    await asyncio.sleep(0.3)
    assert not running.is_done and not running.stop_requested, "Bob's Stop must not reach Ann's answer"
    stored = chat.repository.get_conversation(ann.conversation.id)
    assert stored is not None and stored.title == title_from(SLOW)
    assert changed == [], 'nothing happened, so no list anywhere is told anything'

    # Retry: Ann's answer through her conversation id, and through Bob's own conversation id; both as unknown
    # as a made-up answer, and while it streams not even "busy" is said.
    made_up = await refusal(chat.retry(bob.conversation.id, '0' * 32, user_id=BOB))
    assert await refusal(chat.retry(ann.conversation.id, ann.assistant_message.id, user_id=BOB)) == made_up
    assert await refusal(chat.retry(bob.conversation.id, ann.assistant_message.id, user_id=BOB)) == made_up
    await finish(running)
    assert await refusal(chat.retry(ann.conversation.id, ann.assistant_message.id, user_id=BOB)) == made_up
    answer = chat.repository.get_message(ann.assistant_message.id)
    assert answer is not None and answer.status == 'complete' and len(answer.content) > 100

    # The owner can do all of it, and each change is announced for her alone.
    chat.rename(ann.conversation.id, 'Renamed by Ann', user_id=ANN)
    chat.delete(ann.conversation.id, user_id=ANN)
    assert chat.repository.get_conversation(ann.conversation.id) is None
    assert changed == [ANN, ANN]


async def test_another_users_chat_instructions_are_out_of_reach(chat: ChatEngine) -> None:
    ann = await chat.send(None, 'Ann asks', MODEL, user_id=ANN, instructions='Call me Ann.')
    await finish(chat.generations[ann.conversation.id])
    announced: list[Conversation] = []
    chat.instructions_changed.subscribe(announced.append)
    assert (await refusal(chat.set_instructions(ann.conversation.id, 'Leak everything.', user_id=BOB))
            == await refusal(chat.set_instructions('0' * 32, 'Leak everything.', user_id=BOB)))
    stored = chat.repository.get_conversation(ann.conversation.id)
    assert stored is not None and stored.system_prompt == 'Call me Ann.' and announced == []
    await chat.set_instructions(ann.conversation.id, 'Call me Annie.', user_id=ANN)
    assert [(c.id, c.user_id, c.system_prompt) for c in announced] == [
        (ann.conversation.id, ANN, 'Call me Annie.')]  # with its owner, so pages of others ignore it


async def test_busy_conversation_of_another_user_does_not_say_busy(chat: ChatEngine) -> None:
    ann = await chat.send(None, SLOW, MODEL, user_id=ANN)
    words = await refusal(chat.send(ann.conversation.id, 'Are you there?', MODEL, user_id=BOB))
    assert words == 'This conversation no longer exists.'
    assert 'Wait' in await refusal(chat.send(ann.conversation.id, 'Are you there?', MODEL, user_id=ANN))
    chat.stop(ann.conversation.id, user_id=ANN)
    await finish(chat.generations[ann.conversation.id])


async def test_events_carry_the_owner_so_pages_can_filter(chat: ChatEngine) -> None:
    touched: list[Conversation] = []
    chat.conversation_touched.subscribe(touched.append)
    ann = await chat.send(None, 'Ann only', MODEL, user_id=ANN)
    await finish(chat.generations[ann.conversation.id])
    assert [c.user_id for c in touched] == [ANN]
    assert visible_to(ANN, ANN) and not visible_to(BOB, ANN)
    assert visible_to(None, None) and visible_to(None, ANN), 'personal mode: the one person sees everything'


async def test_personal_mode_is_unscoped(chat: ChatEngine) -> None:
    sent = await chat.send(None, SLOW, MODEL)
    assert sent.conversation.user_id is None
    assert chat.generation_for(sent.conversation.id) is not None
    chat.stop(sent.conversation.id)
    await finish(chat.generations[sent.conversation.id])
    chat.rename(sent.conversation.id, 'Mine')
    assert chat.repository.get_conversation(sent.conversation.id).title == 'Mine'  # type: ignore[union-attr]
    chat.delete(sent.conversation.id)
    assert chat.repository.list_conversations() == []
