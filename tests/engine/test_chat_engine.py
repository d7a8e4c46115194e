"""The conversation engine against real storage and the real OpenAI SDK talking to the fake server."""

from __future__ import annotations

import asyncio
import contextvars
import threading
from pathlib import Path

import pytest

from engine.chat import ChatEngine, ChatInputError, title_from
from engine.generation import Generation, StreamPolicy
from providers.anthropic import anthropic_provider
from providers.openai import openai_provider
from providers.registry import ProviderRegistry
from storage.database import create_db_engine, migrate
from storage.models import Message
from storage.repository import Repository
from tests.fakes.script import script_for
from tests.fakes.server import FakeServer

MODEL = 'openai/gpt-4o-mini'


@pytest.fixture
def engine(tmp_path: Path, fake_server: FakeServer) -> ChatEngine:
    return sqlite_chat_engine(tmp_path, fake_server)


def sqlite_chat_engine(tmp_path: Path, fake_server: FakeServer) -> ChatEngine:
    """The conversation engine on a fresh SQLite database, with OpenAI and Anthropic pointed at the fakes."""
    database = create_db_engine(f'sqlite:///{tmp_path / "parley.db"}')
    migrate(database)
    registry = ProviderRegistry()
    registry.add(openai_provider('openai', 'test-key', f'{fake_server.url}/openai/v1', key_hint='OPENAI_API_KEY'))
    registry.add(anthropic_provider('test-key', f'{fake_server.url}/anthropic'))
    return ChatEngine(Repository(database), registry, max_message_chars=1000)


async def finish(engine: ChatEngine, conversation_id: str) -> Generation:
    generation = engine.generation_for(conversation_id)
    assert generation is not None
    await asyncio.wait_for(generation.finished.wait(), 10)
    if generation.task is not None:  # and its own clean-up (the conversation is free again after it)
        await asyncio.wait_for(generation.task, 10)
    return generation


async def test_user_message_is_stored_before_the_provider_is_called(engine: ChatEngine) -> None:
    prompt = 'Hi there [[tokens=30]] [[delay=20]]'
    sent = await engine.send(None, prompt, MODEL)
    stored = engine.repository.get_messages(sent.conversation.id)
    assert [(m.role, m.content, m.status) for m in stored] == [('user', prompt, 'complete'),
                                                                ('assistant', '', 'streaming')]
    await finish(engine, sent.conversation.id)
    answer = engine.repository.get_message(sent.assistant_message.id)
    assert answer is not None
    assert (answer.content, answer.status, answer.provider, answer.model) == (
        script_for(prompt).text, 'complete', 'openai', 'gpt-4o-mini')
    assert answer.output_tokens == 30
    assert engine.generation_for(sent.conversation.id) is None


async def test_partial_answer_is_saved_while_streaming(engine: ChatEngine) -> None:
    sent = await engine.send(None, 'Slowly [[tokens=60]] [[delay=25]]', MODEL)
    await asyncio.sleep(1.1)
    partial = engine.repository.get_message(sent.assistant_message.id)
    assert partial is not None and partial.status == 'streaming'
    assert len(partial.content) > 20, 'the growing answer reaches storage at least once a second'
    await finish(engine, sent.conversation.id)


async def test_stop_keeps_the_partial_answer(engine: ChatEngine) -> None:
    prompt = 'Long [[tokens=500]] [[delay=10]]'
    sent = await engine.send(None, prompt, MODEL)
    await asyncio.sleep(0.5)
    engine.stop(sent.conversation.id)
    generation = await finish(engine, sent.conversation.id)
    stored = engine.repository.get_message(sent.assistant_message.id)
    assert stored is not None and stored.status == 'stopped'
    assert stored.content == generation.text and stored.content
    assert script_for(prompt).text.startswith(stored.content) and stored.content != script_for(prompt).text


async def test_stop_all_stops_only_that_users_answers(engine: ChatEngine) -> None:
    prompt = 'Long [[tokens=300]] [[delay=10]]'
    sent = [await engine.send(None, prompt, MODEL, user_id=user) for user in ('dave', 'dave', 'erin')]
    running = [engine.generation_for(each.conversation.id, user_id=user)
               for each, user in zip(sent, ('dave', 'dave', 'erin'), strict=True)]
    await asyncio.sleep(0.3)
    assert engine.stop_all('dave') == 2
    for generation in running:
        assert generation is not None
        await asyncio.wait_for(generation.finished.wait(), 10)
    statuses = [engine.repository.get_message(each.assistant_message.id).status for each in sent]
    assert statuses == ['stopped', 'stopped', 'complete']  # erin's went on to its end


async def test_permanent_error_fails_at_once_and_retry_answers(engine: ChatEngine,
                                                                fake_server: FakeServer) -> None:
    prompt = 'Try twice [[flaky]] [[status=401]]'
    sent = await engine.send(None, prompt, MODEL)
    await finish(engine, sent.conversation.id)
    failed = engine.repository.get_message(sent.assistant_message.id)
    assert failed is not None and failed.status == 'error'
    assert failed.error and 'OPENAI_API_KEY' in failed.error
    assert sum(r.body.get('messages', [{}])[-1].get('content') == prompt for r in fake_server.recorder.requests) == 1
    await engine.retry(sent.conversation.id, failed.id)
    await finish(engine, sent.conversation.id)
    answered = engine.repository.get_message(failed.id)
    assert answered is not None and answered.status == 'complete' and answered.error is None
    assert answered.content.startswith('Hello! You said: Try twice')


async def test_transient_errors_before_the_first_token_are_retried(engine: ChatEngine) -> None:
    sent = await engine.send(None, 'Busy server [[flaky=2]] [[retry-after=0.3]]', MODEL)
    generation = engine.generation_for(sent.conversation.id)
    assert generation is not None
    notices: list[str] = []
    while not generation.is_done:
        if generation.notice and generation.retry_at:
            notices.append(generation.notice)
        await asyncio.sleep(0.02)
    assert generation.status == 'complete' and generation.text.startswith('Hello! You said: Busy server')
    assert notices and 'overloaded' in notices[0].lower()


async def test_retries_are_bounded(engine: ChatEngine, fake_server: FakeServer) -> None:
    engine.policy = StreamPolicy(attempts=3, idle_timeout=5, max_wait=0.05)
    prompt = 'Always down [[status=503]]'
    sent = await engine.send(None, prompt, MODEL)
    await finish(engine, sent.conversation.id)
    stored = engine.repository.get_message(sent.assistant_message.id)
    assert stored is not None and stored.status == 'error' and 'overloaded' in (stored.error or '').lower()
    asked = [r for r in fake_server.recorder.requests if r.body.get('messages', [{}])[-1].get('content') == prompt]
    assert len(asked) == 3


async def test_stop_cancels_the_wait_before_a_retry(engine: ChatEngine) -> None:
    sent = await engine.send(None, 'Slow down [[status=429]] [[retry-after=30]]', MODEL)
    generation = engine.generation_for(sent.conversation.id)
    assert generation is not None
    while generation.retry_at is None:
        await asyncio.sleep(0.02)
    engine.stop(sent.conversation.id)
    await asyncio.wait_for(generation.finished.wait(), 2)
    stored = engine.repository.get_message(sent.assistant_message.id)
    assert stored is not None and stored.status == 'stopped'


async def test_a_stalled_stream_fails_and_keeps_its_text(engine: ChatEngine) -> None:
    engine.policy = StreamPolicy(attempts=2, idle_timeout=0.5)
    prompt = 'Stall [[tokens=20]] [[stall=5]] [[after=6]]'
    sent = await engine.send(None, prompt, MODEL)
    await finish(engine, sent.conversation.id)
    stored = engine.repository.get_message(sent.assistant_message.id)
    assert stored is not None and stored.status == 'error' and 'no data for' in (stored.error or '')
    assert stored.content == ''.join(script_for(prompt).tokens[:6])


async def test_history_and_model_switch(engine: ChatEngine, fake_server: FakeServer) -> None:
    sent = await engine.send(None, 'First question', MODEL)
    await finish(engine, sent.conversation.id)
    await engine.send(sent.conversation.id, 'Second question', 'anthropic/claude-sonnet-5-5')
    await finish(engine, sent.conversation.id)
    body = fake_server.recorder.last('anthropic').body
    assert [(m['role'], m['content'] if isinstance(m['content'], str) else m['content'][0]['text'])
            for m in body['messages']] == [('user', 'First question'),
                                           ('assistant', 'Hello! You said: First question'),
                                           ('user', 'Second question')]
    conversation = engine.repository.get_conversation(sent.conversation.id)
    assert conversation is not None and (conversation.provider, conversation.model) == ('anthropic',
                                                                                      'claude-sonnet-5-5')


async def test_events_reach_subscribers_in_order(engine: ChatEngine) -> None:
    seen: list[str] = []
    engine.message_added.subscribe(lambda message: seen.append(f'added {message.role}'))
    engine.generation_started.subscribe(lambda generation: seen.append('started'))
    engine.generation_finished.subscribe(lambda generation: seen.append(f'finished {generation.status}'))
    engine.conversation_touched.subscribe(lambda conversation: seen.append('list'))
    created: list[str] = []
    sent = await engine.send(None, 'Hello', MODEL, on_created=lambda c: created.append(c.id))
    await finish(engine, sent.conversation.id)
    assert created == [sent.conversation.id]
    assert seen == ['added user', 'added assistant', 'started', 'list', 'finished complete']


@pytest.mark.parametrize(('text', 'reason'), [('', 'Type a message'), ('   \n\t', 'Type a message'),
                                               ('x' * 1001, 'limit is 1,000')])
async def test_empty_blank_and_huge_messages_are_refused(engine: ChatEngine, text: str, reason: str) -> None:
    with pytest.raises(ChatInputError, match=reason):
        await engine.send(None, text, MODEL)
    assert engine.repository.list_conversations() == []


async def test_the_limit_names_its_setting_to_whoever_can_change_it(engine: ChatEngine) -> None:
    # Alone, the reader runs the server and can raise the limit; a team's member cannot, so the setting is not named.
    with pytest.raises(ChatInputError) as refused:
        await engine.send(None, 'x' * 1001, MODEL)
    assert str(refused.value) == 'This message has 1,001 characters; the limit is 1,000 (PARLEY_MAX_MESSAGE_CHARS).'
    team = ChatEngine(engine.repository, engine.providers, max_message_chars=1000, team=True)
    with pytest.raises(ChatInputError) as refused:
        await team.send(None, 'x' * 1001, MODEL, user_id='someone')
    assert str(refused.value) == 'This message has 1,001 characters; the limit is 1,000.'
    with pytest.raises(ChatInputError) as refused:
        team.validate_instructions('y' * 1001)
    assert str(refused.value) == 'These instructions have 1,001 characters; the limit is 1,000.'


async def test_unknown_model_is_refused_plainly(engine: ChatEngine) -> None:
    with pytest.raises(ChatInputError, match='No model is selected'):
        await engine.send(None, 'Hello', None)
    with pytest.raises(ChatInputError, match=r'^nobody/nothing is not available any more: .* Pick another model\.$'):
        await engine.send(None, 'Hello', 'nobody/nothing')
    assert engine.repository.list_conversations() == []


async def test_rename_and_delete_a_conversation_while_it_streams(engine: ChatEngine) -> None:
    sent = await engine.send(None, 'Long [[tokens=500]] [[delay=10]]', MODEL)
    generation = engine.generation_for(sent.conversation.id)
    assert generation is not None
    engine.rename(sent.conversation.id, '  New title  ')
    stored = engine.repository.get_conversation(sent.conversation.id)
    assert stored is not None and stored.title == 'New title'
    engine.delete(sent.conversation.id)
    await asyncio.wait_for(generation.finished.wait(), 5)
    assert engine.repository.get_conversation(sent.conversation.id) is None
    assert engine.repository.get_messages(sent.conversation.id) == []


async def test_two_sends_at_once_start_one_answer(engine: ChatEngine) -> None:
    """Two tabs (or a double click) sending into one conversation at the same moment: one answer, one refusal."""
    first = await engine.send(None, 'Hello [[tokens=3]]', MODEL)
    await finish(engine, first.conversation.id)
    results = await asyncio.gather(engine.send(first.conversation.id, 'One [[tokens=40]] [[delay=10]]', MODEL),
                                   engine.send(first.conversation.id, 'Two [[tokens=40]] [[delay=10]]', MODEL),
                                   return_exceptions=True)
    refused = [r for r in results if isinstance(r, ChatInputError)]
    assert len(refused) == 1 and 'Wait for the current answer' in str(refused[0])
    await finish(engine, first.conversation.id)
    stored = engine.repository.get_messages(first.conversation.id)
    assert [(m.role, m.status) for m in stored] == [('user', 'complete'), ('assistant', 'complete')] * 2


async def test_retry_twice_at_once_writes_one_answer(engine: ChatEngine) -> None:
    sent = await engine.send(None, 'Fails [[status=400]]', MODEL)
    await finish(engine, sent.conversation.id)
    results = await asyncio.gather(engine.retry(sent.conversation.id, sent.assistant_message.id),
                                   engine.retry(sent.conversation.id, sent.assistant_message.id),
                                   return_exceptions=True)
    assert sum(isinstance(r, ChatInputError) for r in results) == 1
    assert sum(isinstance(r, Generation) for r in results) == 1


async def test_a_double_clicked_retry_is_refused_even_when_the_first_fails_before_the_second_reads(
        engine: ChatEngine) -> None:
    """The race behind a flaky run of the test above: the second click's database read is slow (here: it waits)
    while the first retry runs and fails again at once; the second must still not ask the provider again."""
    sent = await engine.send(None, 'Fails [[status=400]]', MODEL)
    await finish(engine, sent.conversation.id)
    second_click, first_done = contextvars.ContextVar('second_click', default=False), threading.Event()
    read_message = engine.repository.get_message

    def read_then_wait(message_id: str) -> Message | None:
        message = read_message(message_id)
        if second_click.get() and not first_done.is_set():  # asyncio.to_thread carries the task's context
            assert first_done.wait(5)
        return message

    engine.repository.get_message = read_then_wait  # type: ignore[method-assign]
    first = asyncio.create_task(engine.retry(sent.conversation.id, sent.assistant_message.id))
    late = contextvars.copy_context()
    late.run(second_click.set, True)
    second = asyncio.create_task(engine.retry(sent.conversation.id, sent.assistant_message.id), context=late)
    assert isinstance(await asyncio.wait_for(first, 5), Generation)
    assert (await finish(engine, sent.conversation.id)).status == 'error'
    first_done.set()
    with pytest.raises(ChatInputError, match='already being written'):
        await asyncio.wait_for(second, 5)
    assert engine.generation_for(sent.conversation.id) is None


async def test_shutdown_marks_running_answers_interrupted(engine: ChatEngine) -> None:
    sent = await engine.send(None, 'Long [[tokens=500]] [[delay=10]]', MODEL)
    await asyncio.sleep(0.3)
    await engine.shutdown()
    stored: Message | None = engine.repository.get_message(sent.assistant_message.id)
    assert stored is not None and stored.status == 'interrupted' and stored.content


def test_title_is_the_first_message_shortened() -> None:
    assert title_from('  Plan a\npicnic  ') == 'Plan a picnic'
    long = title_from('word ' * 40)
    assert long.endswith('…') and len(long) <= 61 and ' ' not in long[-2:]


async def test_regenerate_keeps_the_old_answer_and_any_version_can_be_shown(engine: ChatEngine,
                                                                            fake_server: FakeServer) -> None:
    changed: list[Message] = []
    engine.message_changed.subscribe(changed.append)
    sent = await engine.send(None, 'Pick a name [[take]] [[delay=5]]', MODEL)
    conversation_id, answer_id = sent.conversation.id, sent.assistant_message.id
    await finish(engine, conversation_id)
    await engine.retry(conversation_id, answer_id)
    assert [(m.id, m.content, m.status, m.version, m.versions) for m in changed if m.role == 'assistant'] == [
        (answer_id, '', 'streaming', 2, 2)]
    await finish(engine, conversation_id)
    assert engine.repository.get_message(answer_id).content == 'Take 2: Hello! You said: Pick a name'
    # The model was asked the same question again, without the answer it replaces.
    assert [m['role'] for m in fake_server.recorder.requests[-1].body['messages']] == ['user']
    with pytest.raises(ChatInputError, match='no longer exists'):
        await engine.show_version(conversation_id, answer_id, 3)
    shown = await engine.show_version(conversation_id, answer_id, 1)
    assert (shown.content, shown.version, shown.versions) == ('Take 1: Hello! You said: Pick a name', 1, 2)
    assert [(m.id, m.content, m.version) for m in changed[2:] if m.role == 'assistant'] == [
        (answer_id, shown.content, 1)]  # pages hear it
    # What the model sees next is the version shown.
    await engine.send(conversation_id, 'And another?', MODEL)
    await finish(engine, conversation_id)
    history = fake_server.recorder.requests[-1].body['messages']
    assert history[1] == {'role': 'assistant', 'content': 'Take 1: Hello! You said: Pick a name'}


async def test_no_version_switch_while_the_answer_is_written_nor_in_anothers_chat(engine: ChatEngine) -> None:
    sent = await engine.send(None, 'Pick a name [[take]] [[tokens=400]] [[delay=5]]', MODEL, user_id='ann')
    conversation_id, answer_id = sent.conversation.id, sent.assistant_message.id
    await finish(engine, conversation_id)
    generation = await engine.retry(conversation_id, answer_id, user_id='ann')
    with pytest.raises(ChatInputError, match='Wait for this answer'):
        await engine.show_version(conversation_id, answer_id, 1, user_id='ann')
    while not generation.text:  # stopped with words written: a version to keep (without, the first comes back)
        await asyncio.sleep(0.01)
    engine.stop(conversation_id, user_id='ann')
    await finish(engine, conversation_id)
    with pytest.raises(ChatInputError, match='no longer exists'):
        await engine.show_version(conversation_id, answer_id, 1, user_id='bob')
    assert engine.repository.get_message(answer_id).status == 'stopped'
    assert (await engine.show_version(conversation_id, answer_id, 1, user_id='ann')).status == 'complete'


async def test_only_the_last_finished_answer_is_regenerated_and_a_switch_waits_for_a_running_answer(
        engine: ChatEngine) -> None:
    sent = await engine.send(None, 'First question [[take]]', MODEL)
    conversation_id, first = sent.conversation.id, sent.assistant_message.id
    await finish(engine, conversation_id)
    await engine.retry(conversation_id, first)
    await finish(engine, conversation_id)
    later = await engine.send(conversation_id, 'Second question [[tokens=400]] [[delay=5]]', MODEL)
    with pytest.raises(ChatInputError, match='Wait for the answer being written'):
        await engine.show_version(conversation_id, first, 1)
    engine.stop(conversation_id)
    await finish(engine, conversation_id)
    # An earlier finished answer is not written again: the turns after it were written to it.
    with pytest.raises(ChatInputError, match='Only the last answer'):
        await engine.retry(conversation_id, first)
    assert (await engine.show_version(conversation_id, first, 1)).content == 'Take 1: Hello! You said: First question'
    assert engine.repository.get_message(later.assistant_message.id).status == 'stopped'
    await engine.retry(conversation_id, later.assistant_message.id)  # a stopped one is retried, last or not
    await finish(engine, conversation_id)


async def test_a_switch_and_a_retry_at_once_never_cross(engine: ChatEngine) -> None:
    sent = await engine.send(None, 'Pick a name [[take]]', MODEL)
    conversation_id, answer_id = sent.conversation.id, sent.assistant_message.id
    await finish(engine, conversation_id)
    await engine.retry(conversation_id, answer_id)
    await finish(engine, conversation_id)
    results = await asyncio.gather(engine.retry(conversation_id, answer_id),
                                   engine.show_version(conversation_id, answer_id, 1), return_exceptions=True)
    assert sum(isinstance(result, ChatInputError) for result in results) == 1, results
    await finish(engine, conversation_id)
    stored = engine.repository.get_message(answer_id)
    kept = engine.repository.get_versions(answer_id)
    assert (stored.status, stored.version, stored.versions, len(kept)) == ('complete', 3, 3, 2)
    assert sorted(v.content for v in kept) == ['Take 1: Hello! You said: Pick a name',
                                                'Take 2: Hello! You said: Pick a name']


async def test_a_regeneration_stopped_before_its_first_word_gives_the_answer_read_back(engine: ChatEngine) -> None:
    repo = engine.repository
    conversation = repo.create_conversation(title='Slow', provider='openai', model='gpt-4o-mini')
    question = repo.add_message(conversation.id, role='user', content='Slow start [[stall=5]] [[after=0]]')
    answer = repo.add_message(conversation.id, role='assistant', content='The answer read', provider='openai',
                              model='gpt-4o-mini', parent_id=question.id)
    changed: list[Message] = []
    engine.message_changed.subscribe(changed.append)
    await engine.retry(conversation.id, answer.id)
    await asyncio.sleep(0.3)
    engine.stop(conversation.id)
    await finish(engine, conversation.id)  # the answer read comes back just after the stop is saved
    stored = repo.get_message(answer.id)
    assert (stored.content, stored.status, stored.version, stored.versions) == ('The answer read', 'complete', 1, 1)
    assert repo.get_versions(answer.id) == []
    assert [(m.content, m.version, m.versions) for m in changed if m.role == 'assistant'] == [
        ('', 2, 2), ('The answer read', 1, 1)]


async def test_an_edited_last_question_is_answered_again_and_the_old_pair_kept(engine: ChatEngine,
                                                                             fake_server: FakeServer) -> None:
    first = await engine.send(None, 'Capital of France? [[echo]]', MODEL)
    conversation_id = first.conversation.id
    await finish(engine, conversation_id)
    last = await engine.send(conversation_id, 'Capital of Spain? [[echo]]', MODEL)
    await finish(engine, conversation_id)
    with pytest.raises(ChatInputError, match='Only your last message'):
        await engine.edit(conversation_id, first.user_message.id, 'Capital of Italy? [[echo]]', MODEL)
    with pytest.raises(ChatInputError, match='Type a message'):
        await engine.edit(conversation_id, last.user_message.id, '   ', MODEL)
    with pytest.raises(ChatInputError, match='no longer exists'):
        await engine.edit(conversation_id, last.user_message.id, 'Capital of Peru?', MODEL, user_id='bob')
    changed: list[Message] = []
    engine.message_changed.subscribe(changed.append)
    await engine.edit(conversation_id, last.user_message.id, 'Capital of Portugal? [[echo]]', MODEL)
    await finish(engine, conversation_id)
    assert [m.content for m in changed] == ['Capital of Portugal? [[echo]]', '']  # the question, then its answer
    stored = [(m.role, m.content) for m in engine.repository.get_messages(conversation_id)]
    assert stored[2:] == [('user', 'Capital of Portugal? [[echo]]'), ('assistant', 'Capital of Portugal?')]
    # The model was asked the new question after the earlier turns, never the old one.
    sent = fake_server.recorder.requests[-1].body['messages']
    assert [m['content'] for m in sent] == ['Capital of France? [[echo]]', 'Capital of France?',
                                            'Capital of Portugal? [[echo]]']
    await engine.show_version(conversation_id, last.assistant_message.id, 1)
    stored = [(m.role, m.content) for m in engine.repository.get_messages(conversation_id)]
    assert stored[2:] == [('user', 'Capital of Spain? [[echo]]'), ('assistant', 'Capital of Spain?')]
    assert [m.content for m in changed[-2:]] == ['Capital of Spain? [[echo]]', 'Capital of Spain?']


async def test_instructions_reach_the_model_from_the_next_answer_on(engine: ChatEngine,
                                                                   fake_server: FakeServer) -> None:
    def told() -> list[tuple[str, str]]:  # (role, content) of the system turns of the last request
        return [(m['role'], m['content']) for m in fake_server.recorder.requests[-1].body['messages']
                if m['role'] == 'system']

    first = await engine.send(None, 'Hello', MODEL, instructions='  Be brief.\n')
    conversation_id = first.conversation.id
    await finish(engine, conversation_id)
    assert told() == [('system', 'Be brief.')]
    stored = engine.repository.get_conversation(conversation_id)
    assert stored is not None and stored.system_prompt == 'Be brief.'

    changed: list[str | None] = []
    engine.instructions_changed.subscribe(lambda conversation: changed.append(conversation.system_prompt))
    await engine.set_instructions(conversation_id, 'Answer in French.', user_id=None)
    await engine.send(conversation_id, 'And now?', MODEL, instructions='ignored: the chat has its own')
    await finish(engine, conversation_id)
    assert told() == [('system', 'Answer in French.')]
    await engine.retry(conversation_id, (await asyncio.to_thread(engine.repository.get_messages,
                                                                 conversation_id))[-1].id, MODEL)
    await finish(engine, conversation_id)
    assert told() == [('system', 'Answer in French.')], 'an answer written again reads them too'

    await engine.set_instructions(conversation_id, ' \n ')  # blank: none at all, not an empty system turn
    await engine.send(conversation_id, 'Plain now', MODEL)
    await finish(engine, conversation_id)
    assert told() == []
    assert changed == ['Answer in French.', None]
    stored = engine.repository.get_conversation(conversation_id)
    assert stored is not None and stored.system_prompt is None


async def test_instructions_too_long_or_for_a_missing_chat_are_refused_in_words(engine: ChatEngine) -> None:
    with pytest.raises(ChatInputError, match='1,001 characters; the limit is 1,000'):
        await engine.send(None, 'Hello', MODEL, instructions='x' * 1001)
    assert engine.repository.list_conversations() == [], 'nothing is stored for a refused first message'
    sent = await engine.send(None, 'Hello', MODEL, instructions='Be brief.')
    await finish(engine, sent.conversation.id)
    with pytest.raises(ChatInputError, match='1,001 characters'):
        await engine.set_instructions(sent.conversation.id, 'y' * 1001)
    with pytest.raises(ChatInputError, match='no longer exists'):
        await engine.set_instructions('0' * 32, 'Be brief.')
    stored = engine.repository.get_conversation(sent.conversation.id)
    assert stored is not None and stored.system_prompt == 'Be brief.'
