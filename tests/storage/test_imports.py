"""An imported conversation is stored whole with its own dates, and only once per person (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import datetime

from storage.models import Conversation, Message
from storage.repository import Repository

STARTED = datetime(2025, 12, 1, 9, 0, 0, 123457)  # microseconds: both backends must give back exactly this


def chat(user_id: str | None, title: str = 'Imported') -> tuple[Conversation, list[Message]]:
    conversation = Conversation(title=title, provider='chatgpt', model='gpt-4o', user_id=user_id,
                                created_at=STARTED, updated_at=datetime(2025, 12, 2))
    question = Message(conversation_id=conversation.id, seq=1, role='user', content='Hi', created_at=STARTED)
    answer = Message(conversation_id=conversation.id, seq=2, role='assistant', content='Hello', provider='chatgpt',
                     model='gpt-4o', parent_id=question.id, created_at=STARTED)
    return conversation, [question, answer]


def test_stored_whole_with_its_dates_and_once_per_person(repo: Repository) -> None:
    assert repo.store_imported(*chat('ann'))
    assert not repo.store_imported(*chat('ann')), 'the same chat again is left alone'
    assert repo.store_imported(*chat('bob')), "Ann's copy is not Bob's"
    assert repo.store_imported(*chat('ann', title='Another title'))
    assert repo.store_imported(*chat(None)) and not repo.store_imported(*chat(None))  # personal mode
    [stored] = [c for c in repo.list_conversations(user_id='ann') if c.title == 'Imported']
    assert (stored.created_at, stored.updated_at) == (STARTED, datetime(2025, 12, 2))
    messages = repo.get_messages(stored.id)
    assert [(m.role, m.content, m.parent_id) for m in messages] == [
        ('user', 'Hi', None), ('assistant', 'Hello', messages[0].id)]
