"""What the repository stores and gives back, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import Engine

from storage import Conversation, MessageRole, MessageStatus, Repository, utcnow

TEXTS = {
    'emoji': 'Hi 👋🏽 👨‍👩‍👧‍👦 🇯🇵 ❤️‍🔥',
    'rtl': 'مرحبا بالعالم \u200f שלום עולם \u202bembedded\u202c',
    'cjk': '你好\uff0c世界 こんにちは 안녕하세요 𠀋',
    'control': 'tab\tcr\rlf\nbell\x07esc\x1b[31mdel\x7f\u2028\u2029\ufeff',
    'combining': 'e\u0301 Z̵̡̢a̸l̷g̴o',
    'megabyte': ('lorem ipsum ✓ ' * 80_000)[:1_000_000],
}


def new_conversation(repo: Repository, title: str = 'Chat', user_id: str | None = None) -> Conversation:
    return repo.create_conversation(title=title, provider='openai', model='gpt-test', user_id=user_id)


def test_conversation_round_trip(repo: Repository) -> None:
    created = repo.create_conversation(title='Plans', provider='anthropic', model='claude-test', user_id='ann',
                                       system_prompt='Be brief.')
    stored = repo.get_conversation(created.id)
    assert stored == created
    assert (stored.title, stored.provider, stored.model, stored.user_id, stored.system_prompt) == (
        'Plans', 'anthropic', 'claude-test', 'ann', 'Be brief.')
    assert len(stored.id) == 32 and stored.id != new_conversation(repo).id
    assert stored.created_at.tzinfo is None and stored.created_at == stored.updated_at
    assert abs(utcnow() - stored.created_at) < timedelta(minutes=1)


def test_missing_conversation_is_none(repo: Repository) -> None:
    assert repo.get_conversation('0' * 32) is None


@pytest.mark.parametrize('name', TEXTS)
def test_text_round_trips(repo: Repository, name: str) -> None:
    value = TEXTS[name]
    conversation = repo.create_conversation(title=value, provider='p', model='m', system_prompt=value)
    message = repo.add_message(conversation.id, role='user', content=value)
    repo.update_message(message.id, reasoning=value, error=value)
    stored = repo.get_conversation(conversation.id)
    assert (stored.title, stored.system_prompt) == (value, value)
    [stored_message] = repo.get_messages(conversation.id)
    assert (stored_message.content, stored_message.reasoning, stored_message.error) == (value, value, value)


def test_text_neither_backend_can_hold_is_replaced(repo: Repository) -> None:
    # PostgreSQL rejects NUL and no UTF-8 store takes a lone surrogate; a streamed answer must still be saved.
    conversation = repo.create_conversation(title='a\x00b', provider='p', model='m')
    message = repo.add_message(conversation.id, role='assistant', content='x\x00y\ud83dz')
    repo.update_message(message.id, reasoning='r\x00')
    assert repo.get_conversation(conversation.id).title == 'a\ufffdb'
    stored = repo.get_message(message.id)
    assert (stored.content, stored.reasoning) == ('x\ufffdy\ufffdz', 'r\ufffd')


def test_list_is_newest_updated_first(repo: Repository) -> None:
    first, second, third = (new_conversation(repo, title) for title in ('first', 'second', 'third'))
    assert [c.id for c in repo.list_conversations()] == [third.id, second.id, first.id]
    repo.touch_conversation(first.id)
    assert [c.id for c in repo.list_conversations()] == [first.id, third.id, second.id]
    repo.add_message(second.id, role='user', content='hello')
    assert [c.id for c in repo.list_conversations()] == [second.id, first.id, third.id]


def test_list_pages_with_limit_and_before(repo: Repository) -> None:
    conversations = [new_conversation(repo, f'#{n}') for n in range(5)]
    newest_first = [c.id for c in reversed(conversations)]
    page = repo.list_conversations(limit=2)
    assert [c.id for c in page] == newest_first[:2]
    rest = repo.list_conversations(limit=10, before=page[-1].updated_at)
    assert [c.id for c in rest] == newest_first[2:]


def test_user_scoping(repo: Repository) -> None:
    ann, bob = new_conversation(repo, user_id='ann'), new_conversation(repo, user_id='bob')
    assert repo.get_conversation(ann.id, user_id='ann') == ann
    assert repo.get_conversation(ann.id, user_id='bob') is None
    assert [c.id for c in repo.list_conversations(user_id='bob')] == [bob.id]
    assert repo.list_conversations(user_id='cat') == []
    assert {c.id for c in repo.list_conversations()} == {ann.id, bob.id}


def test_rename_and_set_model(repo: Repository) -> None:
    conversation = new_conversation(repo)
    repo.rename_conversation(conversation.id, 'Renamed ✨')
    renamed = repo.get_conversation(conversation.id)
    assert renamed.title == 'Renamed ✨' and renamed.updated_at == conversation.updated_at
    repo.set_conversation_model(conversation.id, 'gemini', 'gemini-test')
    stored = repo.get_conversation(conversation.id)
    assert (stored.title, stored.provider, stored.model) == ('Renamed ✨', 'gemini', 'gemini-test')
    assert stored.updated_at > conversation.updated_at and stored.created_at == conversation.created_at


def test_instructions_are_set_cleared_and_only_by_their_owner(repo: Repository) -> None:
    conversation = repo.create_conversation(title='t', provider='p', model='m', user_id='ann')
    assert repo.set_system_prompt(conversation.id, 'Be brief.\x00', user_id='ann')
    assert not repo.set_system_prompt(conversation.id, 'Mine now', user_id='bob')
    stored = repo.get_conversation(conversation.id)
    assert stored.system_prompt == 'Be brief.\ufffd' and stored.updated_at == conversation.updated_at
    assert repo.set_system_prompt(conversation.id, None)
    assert repo.get_conversation(conversation.id).system_prompt is None


def test_a_rename_keeps_the_conversation_in_its_place(repo: Repository) -> None:
    """Renaming is not using: an old conversation renamed stays among the old ones, as in ChatGPT and Claude."""
    older, newer = new_conversation(repo), new_conversation(repo)
    repo.rename_conversation(older.id, 'A better name')
    assert [c.id for c in repo.list_conversations()][:2] == [newer.id, older.id]


def test_delete_conversation_deletes_its_messages(repo: Repository) -> None:
    doomed, kept = new_conversation(repo), new_conversation(repo)
    doomed_message = repo.add_message(doomed.id, role='user', content='bye')
    kept_message = repo.add_message(kept.id, role='user', content='stay')
    repo.delete_conversation(doomed.id)
    assert repo.get_conversation(doomed.id) is None
    assert repo.get_message(doomed_message.id) is None and repo.get_messages(doomed.id) == []
    assert repo.get_messages(kept.id) == [kept_message]


def test_a_deleted_conversations_tokens_stay_counted(engine: Engine, repo: Repository) -> None:
    """Deleting a chat does not give back what its answers spent (the daily token budget counts it), and a restart,
    here a new repository on the same database, does not forget it."""
    since = utcnow() - timedelta(hours=1)

    def answered(user_id: str, input_tokens: int, output_tokens: int) -> Conversation:
        conversation = repo.create_conversation(title='t', provider='openai', model='m', user_id=user_id)
        answer = repo.add_message(conversation.id, role='assistant', content='x')
        repo.update_message(answer.id, input_tokens=input_tokens, output_tokens=output_tokens)
        return conversation

    kept, doomed, bobs = answered('ann', 7, 5), answered('ann', 10, 20), answered('bob', 3, 0)
    assert repo.tokens_used_since('ann', since) == 42
    assert not repo.delete_conversation(doomed.id, user_id='bob', keep_tokens_since=since)  # not his: nothing moves
    assert repo.delete_conversation(doomed.id, user_id='ann', keep_tokens_since=since)
    assert repo.get_conversation(doomed.id) is None
    restarted = Repository(engine)
    assert restarted.tokens_used_since('ann', since) == 42
    assert (restarted.tokens_used_since('bob', since), restarted.tokens_used_since(None, since)) == (3, 45)
    assert restarted.tokens_used_since('ann', utcnow() + timedelta(seconds=1)) == 0  # a new day counts afresh
    assert repo.delete_conversation(bobs.id, keep_tokens_since=since)  # personal mode's call: no owner given
    assert repo.delete_conversation(kept.id, keep_tokens_since=since)
    assert (restarted.tokens_used_since('bob', since), restarted.tokens_used_since('ann', since)) == (3, 42)


def test_message_round_trip(repo: Repository) -> None:
    conversation = new_conversation(repo)
    question = repo.add_message(conversation.id, role=MessageRole.USER, content='Why?')
    answer = repo.add_message(conversation.id, role='assistant', content='', status=MessageStatus.STREAMING,
                              provider='openai', model='gpt-test', parent_id=question.id)
    assert repo.get_message(answer.id) == answer
    assert (answer.seq, answer.parent_id, answer.status, answer.role) == (2, question.id, 'streaming', 'assistant')
    assert (answer.reasoning, answer.error, answer.stop_reason, answer.input_tokens) == ('', None, None, None)
    assert repo.get_message('f' * 32) is None


def test_messages_are_ordered_by_seq_per_conversation(repo: Repository) -> None:
    one, two = new_conversation(repo), new_conversation(repo)
    for n in range(4):
        repo.add_message(one.id, role='user', content=f'one {n}')
        repo.add_message(two.id, role='user', content=f'two {n}')
    messages = repo.get_messages(one.id)
    assert [m.seq for m in messages] == [1, 2, 3, 4]
    assert [m.content for m in messages] == [f'one {n}' for n in range(4)]


def test_add_message_bumps_the_conversation(repo: Repository) -> None:
    conversation = new_conversation(repo)
    message = repo.add_message(conversation.id, role='user', content='hi')
    assert repo.get_conversation(conversation.id).updated_at == message.created_at > conversation.updated_at


def test_add_message_to_missing_conversation_raises(repo: Repository) -> None:
    with pytest.raises(LookupError):
        repo.add_message('0' * 32, role='user', content='hi')


def test_concurrent_appends_get_distinct_seqs(repo: Repository) -> None:
    conversation = new_conversation(repo)
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda n: repo.add_message(conversation.id, role='user', content=str(n)), range(40)))
    assert [m.seq for m in repo.get_messages(conversation.id)] == list(range(1, 41))


@pytest.mark.parametrize(('field', 'value'), [
    ('content', 'Final answer'),
    ('reasoning', 'Thinking it over'),
    ('status', MessageStatus.ERROR),
    ('error', 'The provider rejected the API key. Set it in Settings.'),
    ('stop_reason', 'max_tokens'),
    ('input_tokens', 1234),
    ('output_tokens', 567),
    ('reasoning_tokens', 89),
])
def test_update_message_sets_each_field(repo: Repository, field: str, value: object) -> None:
    conversation = new_conversation(repo)
    message = repo.add_message(conversation.id, role='assistant', content='partial', status='streaming')
    repo.update_message(message.id, **{field: value})
    stored = repo.get_message(message.id)
    assert getattr(stored, field) == value
    assert stored.updated_at > message.updated_at
    untouched = {name: getattr(message, name) for name in ('content', 'status', 'seq', 'role') if name != field}
    assert {name: getattr(stored, name) for name in untouched} == untouched


def test_update_message_rejects_unknown_fields_and_ignores_missing_messages(repo: Repository) -> None:
    message = repo.add_message(new_conversation(repo).id, role='user', content='hi')
    with pytest.raises(TypeError, match='seq'):
        repo.update_message(message.id, seq=7)
    repo.update_message('0' * 32, content='nobody home')  # e.g. the conversation was deleted mid-stream


def test_mark_interrupted(repo: Repository) -> None:
    one, two = new_conversation(repo), new_conversation(repo)
    streaming = [repo.add_message(c.id, role='assistant', content='half', status='streaming') for c in (one, two)]
    done = repo.add_message(one.id, role='assistant', content='whole')
    stopped = repo.add_message(two.id, role='assistant', content='cut', status=MessageStatus.STOPPED)
    assert repo.mark_interrupted() == 2
    assert [repo.get_message(m.id).status for m in streaming] == ['interrupted', 'interrupted']
    assert repo.get_message(streaming[0].id).content == 'half'
    assert (repo.get_message(done.id).status, repo.get_message(stopped.id).status) == ('complete', 'stopped')
    assert repo.mark_interrupted() == 0


def test_delete_messages_after(repo: Repository) -> None:
    conversation, other = new_conversation(repo), new_conversation(repo)
    for n in range(4):
        repo.add_message(conversation.id, role='user' if n % 2 == 0 else 'assistant', content=str(n))
    other_message = repo.add_message(other.id, role='user', content='other')
    repo.delete_messages_after(conversation.id, 3)
    assert [m.content for m in repo.get_messages(conversation.id)] == ['0', '1']
    assert repo.get_messages(other.id) == [other_message]
    assert repo.add_message(conversation.id, role='assistant', content='retry').seq == 3


def test_recent_messages_page_backwards_through_a_long_history(repo: Repository) -> None:
    conversation = repo.create_conversation(title='long', provider='openai', model='m')
    for i in range(25):
        repo.add_message(conversation.id, role='user' if i % 2 == 0 else 'assistant', content=f'message {i}')
    newest = repo.get_recent_messages(conversation.id, limit=10)
    assert [m.content for m in newest] == [f'message {i}' for i in range(15, 25)]
    older = repo.get_recent_messages(conversation.id, limit=10, before_seq=newest[0].seq)
    assert [m.content for m in older] == [f'message {i}' for i in range(5, 15)]
    oldest = repo.get_recent_messages(conversation.id, limit=10, before_seq=older[0].seq)
    assert [m.content for m in oldest] == [f'message {i}' for i in range(5)]
    assert repo.get_recent_messages(conversation.id, limit=10, before_seq=oldest[0].seq) == []
