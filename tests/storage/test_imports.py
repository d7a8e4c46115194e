"""An imported conversation is stored whole with its own dates, and only once per person (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import datetime

from storage.imports import Stored
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
    assert repo.store_imported(*chat('ann'))[0] == Stored.NEW
    assert repo.store_imported(*chat('ann'))[0] == Stored.ALREADY, 'the same chat again is left alone'
    assert repo.store_imported(*chat('bob'))[0] == Stored.NEW, "Ann's copy is not Bob's"
    assert repo.store_imported(*chat('ann', title='Another title'))[0] == Stored.NEW
    assert repo.store_imported(*chat(None))[0] == Stored.NEW  # personal mode
    assert repo.store_imported(*chat(None))[0] == Stored.ALREADY
    [stored] = [c for c in repo.list_conversations(user_id='ann') if c.title == 'Imported']
    assert (stored.created_at, stored.updated_at) == (STARTED, datetime(2025, 12, 2))
    messages = repo.get_messages(stored.id)
    assert [(m.role, m.content, m.parent_id) for m in messages] == [
        ('user', 'Hi', None), ('assistant', 'Hello', messages[0].id)]


def known(user_id: str, turns: list[tuple[str, str]], updated: datetime) -> tuple[Conversation, list[Message]]:
    """A chat known by its ChatGPT id, with `turns` (role, text), answers linked to their questions."""
    conversation = Conversation(title='Known', provider='chatgpt', model='gpt-4o', user_id=user_id,
                                imported_from='chatgpt:abc', created_at=STARTED, updated_at=updated)
    messages: list[Message] = []
    for seq, (role, content) in enumerate(turns, start=1):
        parent = messages[-1].id if role == 'assistant' and messages else None
        messages.append(Message(conversation_id=conversation.id, seq=seq, role=role, content=content,
                                parent_id=parent, created_at=STARTED))
    return conversation, messages


def test_a_chat_gone_on_in_the_other_app_gets_its_new_turns_unless_parley_changed_it(repo: Repository) -> None:
    begun = [('user', 'Hi'), ('assistant', 'Hello')]
    assert repo.store_imported(*known('ann', begun, datetime(2025, 12, 2)))[0] == Stored.NEW
    went_on = [*begun, ('user', 'And then?'), ('assistant', 'Then this.')]
    stored_as, added = repo.store_imported(*known('ann', went_on, datetime(2025, 12, 9)))
    assert stored_as == Stored.EXTENDED and [m.content for m in added] == ['And then?', 'Then this.']
    [stored] = repo.list_conversations(user_id='ann')
    assert stored.updated_at == datetime(2025, 12, 9)  # moved to where its last turn puts it
    messages = repo.get_messages(stored.id)
    assert [(m.seq, m.role, m.content) for m in messages] == [(1, 'user', 'Hi'), (2, 'assistant', 'Hello'),
                                                               (3, 'user', 'And then?'), (4, 'assistant', 'Then this.')]
    assert [m.parent_id for m in messages] == [None, messages[0].id, None, messages[2].id]
    assert repo.store_imported(*known('ann', went_on, datetime(2025, 12, 9)))[0] == Stored.ALREADY  # nothing new

    # Taken up in Parley: the export's newer turns would not follow what is here, so nothing changes.
    repo.add_message(stored.id, role='user', content='Asked in Parley')
    further = [*went_on, ('user', 'Asked in ChatGPT'), ('assistant', 'Answered there')]
    assert repo.store_imported(*known('ann', further, datetime(2025, 12, 10)))[0] == Stored.CHANGED_HERE
    assert [m.content for m in repo.get_messages(stored.id)][-1] == 'Asked in Parley'
    # An answer changed in ChatGPT (a new branch there) is not the one Parley holds: left alone too.
    assert repo.store_imported(*known('bob', begun, datetime(2025, 12, 2)))[0] == Stored.NEW
    changed = [('user', 'Hi'), ('assistant', 'Hello again'), ('user', 'More')]
    assert repo.store_imported(*known('bob', changed, datetime(2025, 12, 3)))[0] == Stored.CHANGED_HERE


def test_an_answer_to_a_question_held_before_is_linked_to_it(repo: Repository) -> None:
    asked = [('user', 'Hi'), ('assistant', 'Hello'), ('user', 'Still there?')]  # exported before it was answered
    repo.store_imported(*known('ann', asked, datetime(2025, 12, 2)))
    answered = [*asked, ('assistant', 'Yes.')]
    assert repo.store_imported(*known('ann', answered, datetime(2025, 12, 3)))[0] == Stored.EXTENDED
    [stored] = repo.list_conversations(user_id='ann')
    messages = repo.get_messages(stored.id)
    assert [m.content for m in messages] == ['Hi', 'Hello', 'Still there?', 'Yes.']
    assert messages[3].parent_id == messages[2].id  # the question Parley held, not the export's copy of it
