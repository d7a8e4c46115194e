"""Importing ChatGPT's and Claude's exports: what is kept of each conversation, and how a file is stored."""

from __future__ import annotations

import asyncio
import json
import zipfile
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError

from engine import export_reader
from engine.chat import ChatEngine
from engine.export_reader import NO_CONVERSATIONS, NOT_AN_EXPORT, ImportRefused
from engine.import_formats import ARTIFACT_EDITED, FILE_NOTE, IMAGE_MADE, IMAGE_NOTE, NO_ANSWER, read_conversation
from engine.importer import ALREADY_IMPORTING, DAMAGED_AT_ONCE, ImportResult, import_chats
from storage.models import Conversation, Message
from tests.fakes.server import FakeServer

from .export_samples import chatgpt_conversation, chatgpt_with_tools, claude_conversation, claude_with_branches
from .test_chat_engine import sqlite_chat_engine


@pytest.fixture
def engine(tmp_path: Path, fake_server: FakeServer) -> ChatEngine:
    return sqlite_chat_engine(tmp_path, fake_server)


def test_chatgpt_keeps_the_branch_shown_with_instructions_reasoning_and_words_not_tool_calls() -> None:
    conversation = read_conversation(chatgpt_conversation())
    assert conversation is not None
    assert (conversation.title, conversation.source, conversation.created_at) == (
        'Physics slide', 'chatgpt', datetime(2025, 12, 1, 9, 0, 0, 250000))
    assert conversation.system_prompt == 'About me:\nI teach physics.\n\nHow to respond:\nAnswer briefly, in SI units.'
    assert [(m.role, m.content, m.reasoning, m.model) for m in conversation.messages] == [
        ('user', f'{IMAGE_NOTE}\n\nWhat is on this slide?', '', ''),
        ('assistant', "Newton's second law: $F = ma$.", '', 'gpt-4o'),  # the regenerated answer, not the first try
        ('user', 'Compute 2**10 <script>x</script>', '', ''),
        ('assistant', 'It is **1024**.', 'Use Python.', 'o3'),  # the code sent to Python and its output left out
    ]


def test_chatgpt_tools_leave_their_documents_images_and_notes_and_never_glue_questions() -> None:
    conversation = read_conversation(chatgpt_with_tools())
    assert conversation is not None and conversation.system_prompt == 'How to respond:\nBe kind.'
    assert [(m.role, m.content) for m in conversation.messages] == [
        ('user', 'Write my essay in canvas'), ('assistant', '**Essay**\n\nCats are *great*.'),
        ('user', 'Now draw a cat'), ('assistant', IMAGE_MADE),
        ('user', 'Plot it'), ('assistant', NO_ANSWER),
        ('user', 'Where is Paris?\n\n' + FILE_NOTE.format(name='map.pdf')), ('assistant', 'In France.')]


def test_claude_shows_the_branch_last_written_with_its_artifacts() -> None:
    conversation = read_conversation(claude_with_branches())
    assert conversation is not None
    assert [(m.role, m.content) for m in conversation.messages] == [
        ('user', 'A script?'),
        ('assistant', 'Here it is:\n\n**Hello script**\n\n```python\nprint("hi")\n```\n\nRun it.'),
        ('user', 'Shorter?'), ('assistant', ARTIFACT_EDITED)]


def test_chatgpt_without_a_current_node_follows_the_latest_answers() -> None:
    export = chatgpt_conversation()
    del export['current_node']
    conversation = read_conversation(export)
    assert conversation is not None
    assert [m.content for m in conversation.messages][1] == "Newton's second law: $F = ma$."


def test_claude_keeps_attachments_text_files_names_and_thinking() -> None:
    conversation = read_conversation(claude_conversation())
    assert conversation is not None
    assert (conversation.title, conversation.source, conversation.created_at, conversation.system_prompt) == (
        'Log question', 'claude', datetime(2026, 12, 2, 10, 0), None)
    [question, answer] = conversation.messages
    assert question.content == ('Why does this fail?\n\n[Attached: app.log]\nERROR ```boom``` at line 3\n\n'
                                + FILE_NOTE.format(name='screen.png'))
    assert (answer.role, answer.content, answer.reasoning, answer.created_at) == (
        'assistant', 'Line 3 raises.', 'The log shows a fence.', datetime(2026, 12, 2, 10, 0, 30))


@pytest.mark.parametrize('entry', [None, 3, 'text', {}, {'mapping': {}}, {'chat_messages': []},
                                   {'mapping': {'a': {'id': 'a', 'parent': 'a', 'children': ['a']}},
                                    'current_node': 'a'}])
def test_entries_that_are_no_conversation_give_none(entry: object) -> None:
    assert read_conversation(entry) is None


def write(path: Path, items: list[object]) -> Path:
    path.write_text(json.dumps(items), encoding='utf-8')
    return path


async def test_an_export_is_stored_with_its_dates_once_however_often_it_is_imported(engine: ChatEngine,
                                                                                    tmp_path: Path) -> None:
    changed: list[str | None] = []
    engine.conversations_changed.subscribe(changed.append)
    export = write(tmp_path / 'conversations.json', [chatgpt_conversation(), {'not': 'a chat'}, claude_conversation()])
    result = await import_chats(engine, export, user_id='ann', model_key='openai/gpt-4o-mini', result=ImportResult())
    assert (result.imported, result.already_here, result.unreadable) == (2, 0, 1)
    assert changed == ['ann']

    repo = engine.repository
    claude, chatgpt = repo.list_conversations(user_id='ann')  # by when each was last used, in its own app
    assert (chatgpt.title, chatgpt.provider, chatgpt.model, chatgpt.created_at, chatgpt.system_prompt) == (
        'Physics slide', 'openai', 'gpt-4o-mini', datetime(2025, 12, 1, 9, 0, 0, 250000),
        'About me:\nI teach physics.\n\nHow to respond:\nAnswer briefly, in SI units.')  # and the model picked
    messages = repo.get_messages(chatgpt.id)
    assert [(m.seq, m.role, m.written_by, m.status) for m in messages] == [
        (1, 'user', '', 'complete'), (2, 'assistant', 'chatgpt/gpt-4o', 'complete'),
        (3, 'user', '', 'complete'), (4, 'assistant', 'chatgpt/o3', 'complete')]
    assert [m.parent_id for m in messages] == [None, messages[0].id, None, messages[2].id]
    assert messages[3].reasoning == 'Use Python.'
    assert [m.written_by for m in repo.get_messages(claude.id)] == ['', 'claude']
    assert repo.search_conversations('second law', user_id='ann') == [chatgpt]
    assert repo.list_conversations(user_id='bob') == []

    again = await import_chats(engine, export, user_id='ann', model_key=None, result=ImportResult())
    assert (again.imported, again.already_here) == (0, 2)
    assert len(repo.list_conversations(user_id='ann')) == 2 and changed == ['ann']
    bob = await import_chats(engine, export, user_id='bob', model_key=None, result=ImportResult())
    assert bob.imported == 2, "Ann's copy is not Bob's"
    [bobs_chatgpt] = [c for c in repo.list_conversations(user_id='bob') if c.title == 'Physics slide']
    assert (bobs_chatgpt.provider, bobs_chatgpt.model) == ('chatgpt', 'gpt-4o')  # no model picked: its own


async def test_a_zip_is_read_for_its_own_conversations_json(engine: ChatEngine, tmp_path: Path) -> None:
    archive = tmp_path / 'export.zip'
    with zipfile.ZipFile(archive, 'w') as zipped:
        zipped.writestr('chat.html', '<html></html>')
        zipped.writestr('conversations/c-1/conversations.json', json.dumps([claude_conversation()]))
        zipped.writestr('conversations.json', json.dumps([chatgpt_conversation()]))
    result = await import_chats(engine, archive, user_id=None, model_key=None, result=ImportResult())
    assert result.imported == 1
    assert [c.title for c in engine.repository.list_conversations()] == ['Physics slide']

    empty = tmp_path / 'photos.zip'
    with zipfile.ZipFile(empty, 'w') as zipped:
        zipped.writestr('a.txt', 'x')
    with pytest.raises(ImportRefused, match=NO_CONVERSATIONS.split(':')[0]):
        await import_chats(engine, empty, user_id=None, model_key=None, result=ImportResult())


async def test_a_damaged_file_keeps_what_came_before_and_says_so(engine: ChatEngine, tmp_path: Path) -> None:
    whole = json.dumps([claude_conversation(), chatgpt_conversation()])
    cut = tmp_path / 'cut.json'
    cut.write_text(whole[:len(whole) - 200], encoding='utf-8')
    result = ImportResult()
    with pytest.raises(ImportRefused) as refused:
        await import_chats(engine, cut, user_id=None, model_key=None, result=result)
    assert str(refused.value) == 'The file breaks off or is damaged after 1 conversation; those were kept.'
    assert result.imported == 1
    assert [c.title for c in engine.repository.list_conversations()] == ['Log question']
    (tmp_path / 'start.json').write_text('{"a": ', encoding='utf-8')
    with pytest.raises(ImportRefused) as refused:
        await import_chats(engine, tmp_path / 'start.json', user_id=None, model_key=None, result=ImportResult())
    assert str(refused.value) == DAMAGED_AT_ONCE


@pytest.mark.parametrize('content', [b'hello', b'', b'\x89PNG\r\n', '\ufeff["x"]'.encode(), b'[' * 100_000])
async def test_a_file_that_is_no_export_is_refused_in_words(engine: ChatEngine, tmp_path: Path,
                                                            content: bytes) -> None:
    path = tmp_path / 'file'
    path.write_bytes(content)
    try:
        result = await import_chats(engine, path, user_id=None, model_key=None, result=ImportResult())
    except ImportRefused as refused:
        assert str(refused) == NOT_AN_EXPORT
    else:  # a list of things that are no conversation: read, and none kept
        assert (result.imported, result.unreadable) == (0, 1)
    assert engine.repository.list_conversations() == []


async def test_one_conversation_on_its_own_and_a_list_under_conversations(engine: ChatEngine,
                                                                          tmp_path: Path) -> None:
    single = tmp_path / 'one.json'
    single.write_text(json.dumps(chatgpt_conversation()), encoding='utf-8')
    wrapped = tmp_path / 'wrapped.json'
    wrapped.write_text(json.dumps({'conversations': [claude_conversation()]}), encoding='utf-8')
    for path in (single, wrapped):
        assert (await import_chats(engine, path, user_id=None, model_key=None, result=ImportResult())).imported == 1
    assert len(engine.repository.list_conversations()) == 2


@pytest.mark.parametrize('limit', ['MAX_STRING_BYTES', 'MAX_ITEM_CHARS'])
async def test_a_conversation_too_large_stops_the_import_there(engine: ChatEngine, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch, limit: str) -> None:
    """Bounded memory whatever the file: one huge text (read whole by the parser) or one huge conversation."""
    monkeypatch.setattr(export_reader, limit, 3000)
    huge = {**claude_conversation(), 'name': 'Huge'}
    huge['chat_messages'][0]['text'] = 'x' * 4000
    export = write(tmp_path / 'conversations.json', [chatgpt_conversation(), huge, claude_conversation()])
    result = ImportResult()
    with pytest.raises(ImportRefused) as refused:
        await import_chats(engine, export, user_id=None, model_key=None, result=result)
    assert str(refused.value) == export_reader.TOO_BIG_ITEM
    kept = [c.title for c in engine.repository.list_conversations()]
    # What came before is kept: the text's bound is checked as the file is read, a megabyte at a time, so there
    # the refusal comes before the conversations read with it.
    assert kept == (['Physics slide'] if limit == 'MAX_ITEM_CHARS' else [])


async def test_an_entry_in_an_odd_shape_is_counted_not_fatal(engine: ChatEngine, tmp_path: Path) -> None:
    odd = chatgpt_conversation()
    odd['mapping']['q1']['message']['author'] = 'me'  # a string where both apps write an object
    unhashable = {**chatgpt_conversation(), 'title': 'Unhashable', 'current_node': ['a2']}
    export = write(tmp_path / 'conversations.json', [odd, unhashable, claude_conversation()])
    result = await import_chats(engine, export, user_id=None, model_key=None, result=ImportResult())
    assert (result.imported, result.unreadable) == (2, 1)


async def test_a_renamed_chat_is_known_by_its_id_and_one_import_runs_at_a_time(engine: ChatEngine,
                                                                              tmp_path: Path) -> None:
    export = write(tmp_path / 'conversations.json', [chatgpt_conversation(), claude_conversation()])
    first = asyncio.create_task(import_chats(engine, export, user_id='ann', model_key=None, result=ImportResult()))
    await asyncio.sleep(0)  # the first has begun
    with pytest.raises(ImportRefused) as refused:  # a second tab, or the page again after a reload
        await import_chats(engine, export, user_id='ann', model_key=None, result=ImportResult())
    assert str(refused.value) == ALREADY_IMPORTING
    bob = await import_chats(engine, export, user_id='bob', model_key=None, result=ImportResult())
    assert (await first).imported == bob.imported == 2, "another person's import is not held up"

    [claude] = [c for c in engine.repository.list_conversations(user_id='ann') if c.title == 'Log question']
    engine.rename(claude.id, 'Renamed here', user_id='ann')
    untitled = {**chatgpt_conversation(), 'create_time': None, 'title': None}  # no date, no title: by its id
    write(export, [untitled, claude_conversation()])
    again = await import_chats(engine, export, user_id='ann', model_key=None, result=ImportResult())
    assert (again.imported, again.already_here) == (0, 2)
    assert len(engine.repository.list_conversations(user_id='ann')) == 2


async def test_a_chat_gone_on_since_the_last_export_gets_its_new_turns(engine: ChatEngine, tmp_path: Path) -> None:
    export = write(tmp_path / 'conversations.json', [chatgpt_conversation(), claude_conversation()])
    await import_chats(engine, export, user_id='ann', model_key=None, result=ImportResult())
    changed: list[str | None] = []
    engine.conversations_changed.subscribe(changed.append)
    later = claude_conversation()
    later['updated_at'] = '2026-12-05T08:00:00.000000Z'
    later['chat_messages'] += [
        {'uuid': 'm3', 'sender': 'human', 'text': 'And line 4?', 'content': [{'type': 'text', 'text': 'And line 4?'}],
         'attachments': [], 'files': [], 'created_at': '2026-12-05T07:59:00Z', 'updated_at': '2026-12-05T07:59:00Z'},
        {'uuid': 'm4', 'sender': 'assistant', 'text': 'Fine.', 'content': [{'type': 'text', 'text': 'Fine.'}],
         'attachments': [], 'files': [], 'created_at': '2026-12-05T08:00:00Z', 'updated_at': '2026-12-05T08:00:00Z'}]
    write(export, [chatgpt_conversation(), later])
    shown: list[str] = []
    engine.message_added.subscribe(lambda message: shown.append(message.content))
    result = await import_chats(engine, export, user_id='ann', model_key=None, result=ImportResult())
    assert (result.imported, result.extended, result.already_here) == (0, 1, 1)
    assert changed == ['ann']  # the lists hear of it: the chat moves up to where its new turns put it
    assert shown == ['And line 4?', 'Fine.']  # and a page open on it shows them
    claude, _ = engine.repository.list_conversations(user_id='ann')
    assert claude.title == 'Log question' and claude.updated_at == datetime(2026, 12, 5, 8, 0)
    assert [(m.role, m.content) for m in engine.repository.get_messages(claude.id)][2:] == [
        ('user', 'And line 4?'), ('assistant', 'Fine.')]


async def test_a_chat_changed_at_that_very_moment_is_left_and_the_import_goes_on(
        engine: ChatEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = engine.repository.store_imported

    def collides(conversation: Conversation, messages: list[Message]) -> object:
        if conversation.title == 'Log question':  # deleted, or written to from a page, as its turns were added
            raise IntegrityError('INSERT', {}, Exception('UNIQUE constraint failed: message.conversation_id, seq'))
        return store(conversation, messages)

    monkeypatch.setattr(engine.repository, 'store_imported', collides)
    export = write(tmp_path / 'conversations.json', [claude_conversation(), chatgpt_conversation()])
    result = await import_chats(engine, export, user_id='ann', model_key=None, result=ImportResult())
    assert (result.imported, result.changed_here) == (1, 1)
    assert [c.title for c in engine.repository.list_conversations(user_id='ann')] == ['Physics slide']
