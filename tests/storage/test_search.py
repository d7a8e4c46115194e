"""Searching conversations by title and message text, on SQLite and PostgreSQL, scoped to one user."""

from __future__ import annotations

from storage import Repository


def test_search_matches_titles_and_messages_case_insensitively_newest_first(repo: Repository) -> None:
    picnic = repo.create_conversation(title='Picnic plans', provider='openai', model='m')
    taxes = repo.create_conversation(title='Taxes', provider='openai', model='m')
    repo.add_message(taxes.id, role='user', content='Can I deduct the PICNIC basket?')
    other = repo.create_conversation(title='Other', provider='openai', model='m')
    repo.add_message(other.id, role='user', content='nothing to see')
    assert [c.title for c in repo.search_conversations('picnic', user_id=None)] == ['Taxes', 'Picnic plans']
    assert [c.id for c in repo.search_conversations('picnic', user_id=None, limit=1)] == [taxes.id]
    assert repo.search_conversations('absent', user_id=None) == []
    assert picnic.id in {c.id for c in repo.search_conversations('PLANS', user_id=None)}


def test_wildcards_are_literal(repo: Repository) -> None:
    repo.create_conversation(title='100% sure', provider='openai', model='m')
    repo.create_conversation(title='1000 times', provider='openai', model='m')
    repo.create_conversation(title='snake_case', provider='openai', model='m')
    repo.create_conversation(title='snakeXcase', provider='openai', model='m')
    assert [c.title for c in repo.search_conversations('100%', user_id=None)] == ['100% sure']
    assert [c.title for c in repo.search_conversations('e_c', user_id=None)] == ['snake_case']


def test_search_is_scoped_to_the_user(repo: Repository) -> None:
    mine = repo.create_conversation(title='Secret plan', provider='openai', model='m', user_id='ann')
    theirs = repo.create_conversation(title='Other', provider='openai', model='m', user_id='bob')
    repo.add_message(theirs.id, role='user', content='my secret plan')
    assert [c.id for c in repo.search_conversations('secret', user_id='ann')] == [mine.id]
    assert [c.id for c in repo.search_conversations('secret', user_id='bob')] == [theirs.id]
    assert len(repo.search_conversations('secret', user_id=None)) == 2


def test_search_ignores_the_case_of_letters_beyond_ascii(repo: Repository) -> None:
    trip = repo.create_conversation(title='Über die Straße nach Österreich', provider='openai', model='m')
    menu = repo.create_conversation(title='Menu', provider='openai', model='m')
    repo.add_message(menu.id, role='user', content='ÉLAN café, ΣΟΦΙΑ')
    for query, found in (('über', trip), ('ÜBER', trip), ('österreich', trip), ('élan', menu), ('Café', menu),
                         ('σοφια', menu), ('straße', trip)):
        assert [c.id for c in repo.search_conversations(query, user_id=None)] == [found.id], query
