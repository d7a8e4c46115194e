"""Answer versions, on both backends: writing an answer again keeps the old one, and any kept one can be shown."""

from __future__ import annotations

from datetime import timedelta

from alembic import command
from sqlalchemy import Engine, text

from storage import Repository, migrate
from storage.database import alembic_config
from storage.models import MessageStatus, utcnow


def answered(repo: Repository, content: str = 'First answer', **fields: object) -> tuple[str, str]:
    conversation = repo.create_conversation(title='Chat', provider='p', model='m', user_id='ann')
    question = repo.add_message(conversation.id, role='user', content='Why?')
    answer = repo.add_message(conversation.id, role='assistant', content='', provider='p', model='m',
                              parent_id=question.id)
    repo.update_message(answer.id, content=content, status=MessageStatus.COMPLETE, **fields)
    return conversation.id, answer.id


def written(repo: Repository, message_id: str, content: str, **fields: object) -> None:
    again = repo.write_again(message_id, provider='q', model='m2')
    assert again is not None and (again.content, again.status) == ('', 'streaming')
    repo.update_message(message_id, content=content, status=MessageStatus.COMPLETE, **fields)


def test_writing_an_answer_again_keeps_the_old_one(repo: Repository) -> None:
    _, answer_id = answered(repo, reasoning='hmm', input_tokens=3, output_tokens=4)
    again = repo.write_again(answer_id, provider='q', model='m2')
    assert again is not None
    assert (again.content, again.reasoning, again.input_tokens) == ('', '', None)
    assert (again.provider, again.model) == ('q', 'm2')
    assert (again.version, again.versions) == (2, 2)
    [kept] = repo.get_versions(answer_id)
    assert (kept.number, kept.content, kept.reasoning, kept.status) == (1, 'First answer', 'hmm', 'complete')
    assert (kept.provider, kept.model, kept.input_tokens, kept.output_tokens) == ('p', 'm', 3, 4)
    stored = repo.get_message(answer_id)
    assert stored is not None and (stored.content, stored.status, stored.version) == ('', 'streaming', 2)


def test_an_empty_failed_answer_is_not_kept(repo: Repository) -> None:
    _, answer_id = answered(repo, content='', error='Bad key')
    again = repo.write_again(answer_id, provider='p', model='m')
    assert again is not None and (again.version, again.versions, again.error) == (1, 1, None)
    assert repo.get_versions(answer_id) == []


def test_any_kept_version_can_be_shown_again_and_none_is_lost(repo: Repository) -> None:
    _, answer_id = answered(repo)
    written(repo, answer_id, 'Second answer')
    written(repo, answer_id, 'Third answer')
    shown = repo.show_version(answer_id, 1)
    assert shown is not None and (shown.content, shown.provider, shown.version, shown.versions) == (
        'First answer', 'p', 1, 3)
    assert repo.get_message(answer_id).content == 'First answer'
    assert [(v.number, v.content, v.provider) for v in repo.get_versions(answer_id)] == [
        (2, 'Second answer', 'q'), (3, 'Third answer', 'q')]
    assert repo.show_version(answer_id, 3).content == 'Third answer'
    assert [(v.number, v.content) for v in repo.get_versions(answer_id)] == [(1, 'First answer'), (2, 'Second answer')]
    assert repo.show_version(answer_id, 3).content == 'Third answer'  # already shown: nothing moves
    assert repo.show_version(answer_id, 4) is None  # no such version
    assert repo.show_version('f' * 32, 1) is None
    written(repo, answer_id, 'Fourth answer')  # written again while the third is shown: the third is kept
    assert [(v.number, v.content) for v in repo.get_versions(answer_id)] == [
        (1, 'First answer'), (2, 'Second answer'), (3, 'Third answer')]
    assert (repo.get_message(answer_id).version, repo.get_message(answer_id).versions) == (4, 4)


def test_no_version_is_shown_in_place_of_one_being_written(repo: Repository) -> None:
    _, answer_id = answered(repo)
    repo.write_again(answer_id, provider='p', model='m')
    assert repo.show_version(answer_id, 1) is None
    assert repo.get_message(answer_id).status == 'streaming'


def test_versions_go_with_their_conversation(engine: Engine, repo: Repository) -> None:
    conversation_id, answer_id = answered(repo)
    written(repo, answer_id, 'Second answer')
    assert repo.delete_conversation(conversation_id)
    assert repo.get_versions(answer_id) == []


def test_the_tokens_of_every_version_count_against_the_day(repo: Repository) -> None:
    since = utcnow() - timedelta(seconds=1)
    conversation_id, answer_id = answered(repo, input_tokens=10, output_tokens=5)
    written(repo, answer_id, 'Second answer', input_tokens=10, output_tokens=7)
    assert repo.tokens_used_since('ann', since) == 32
    repo.show_version(answer_id, 1)  # switching spends nothing
    assert repo.tokens_used_since('ann', since) == 32
    assert repo.tokens_used_since('bob', since) == 0
    assert repo.tokens_used_since('ann', utcnow() + timedelta(seconds=1)) == 0
    assert repo.delete_conversation(conversation_id, user_id='ann', keep_tokens_since=since)
    assert repo.tokens_used_since('ann', since) == 32


def test_existing_answers_are_version_one_of_one_after_the_migration(blank_engine: Engine) -> None:
    with blank_engine.connect() as connection:  # a database as the release before answer versions left it
        command.upgrade(alembic_config(connection), '0003')
        connection.commit()
    with blank_engine.begin() as connection:
        connection.execute(text("INSERT INTO conversation (id, title, provider, model, created_at, updated_at) "
                                "VALUES ('c', 'Old chat', 'p', 'm', '2026-12-01', '2026-12-01')"))
        connection.execute(text("INSERT INTO message (id, conversation_id, seq, role, content, reasoning, status, "
                                "provider, model, created_at, updated_at) VALUES ('a', 'c', 1, 'assistant', "
                                "'Old answer', '', 'complete', 'p', 'm', '2026-12-01', '2026-12-01')"))
    migrate(blank_engine)
    repo = Repository(blank_engine)
    message = repo.get_message('a')
    assert message is not None and (message.content, message.version, message.versions) == ('Old answer', 1, 1)
    written(repo, 'a', 'New answer')
    assert [(v.number, v.content) for v in repo.get_versions('a')] == [(1, 'Old answer')]


def test_an_empty_failed_attempt_is_dropped_when_another_version_is_shown(repo: Repository) -> None:
    _, answer_id = answered(repo)
    repo.write_again(answer_id, provider='p', model='m')
    repo.update_message(answer_id, status=MessageStatus.ERROR, error='Bad key')  # failed before its first word
    shown = repo.show_version(answer_id, 1)
    assert shown is not None and (shown.content, shown.version, shown.versions) == ('First answer', 1, 1)
    assert repo.get_versions(answer_id) == []


def test_an_edited_question_goes_with_its_answers_version(repo: Repository) -> None:
    conversation_id, answer_id = answered(repo)
    question_id = repo.get_message(answer_id).parent_id
    again = repo.write_again(answer_id, provider='p', model='m', question='Why not?')
    assert again is not None and repo.get_message(question_id).content == 'Why not?'
    repo.update_message(answer_id, content='Because.', status=MessageStatus.COMPLETE)
    [kept] = repo.get_versions(answer_id)
    assert (kept.question, kept.content) == ('Why?', 'First answer')
    repo.show_version(answer_id, 1)  # the first answer comes back with the question it answered
    assert [(m.role, m.content) for m in repo.get_messages(conversation_id)] == [
        ('user', 'Why?'), ('assistant', 'First answer')]
    repo.show_version(answer_id, 2)
    assert [(m.role, m.content) for m in repo.get_messages(conversation_id)] == [
        ('user', 'Why not?'), ('assistant', 'Because.')]


def test_an_edit_keeps_the_old_question_even_when_it_had_no_answer(repo: Repository) -> None:
    _, answer_id = answered(repo, content='', error='Bad key')
    repo.write_again(answer_id, provider='p', model='m', question='Why not?')
    [kept] = repo.get_versions(answer_id)
    assert (kept.question, kept.content, kept.error) == ('Why?', '', 'Bad key')


def test_an_empty_attempt_at_an_edited_question_keeps_the_question(repo: Repository) -> None:
    conversation_id, answer_id = answered(repo)
    repo.write_again(answer_id, provider='p', model='m', question='Why not?')
    repo.update_message(answer_id, status=MessageStatus.STOPPED)  # stopped before its first word
    shown = repo.show_version(answer_id, 1)
    assert shown is not None and (shown.content, shown.version, shown.versions) == ('First answer', 1, 2)
    assert [(v.number, v.question, v.content) for v in repo.get_versions(answer_id)] == [(2, 'Why not?', '')]
    assert repo.get_messages(conversation_id)[0].content == 'Why?'


def test_versions_kept_before_questions_were_get_the_question_they_answered(blank_engine: Engine) -> None:
    with blank_engine.connect() as connection:
        command.upgrade(alembic_config(connection), '0004')
        connection.commit()
    with blank_engine.begin() as connection:
        connection.execute(text("INSERT INTO conversation (id, title, provider, model, created_at, updated_at) "
                                "VALUES ('c', 'Old chat', 'p', 'm', '2026-12-01', '2026-12-01')"))
        for id_, seq, role, content, parent in (('q', 1, 'user', 'Old question', None),
                                                ('a', 2, 'assistant', 'Second answer', 'q')):
            connection.execute(text("INSERT INTO message (id, conversation_id, seq, parent_id, role, content, "
                                    "reasoning, status, provider, model, created_at, updated_at, version, versions) "
                                    "VALUES (:id, 'c', :seq, :parent, :role, :content, '', 'complete', 'p', 'm', "
                                    "'2026-12-01', '2026-12-01', 2, 2)"),
                               dict(id=id_, seq=seq, parent=parent, role=role, content=content))
        connection.execute(text("INSERT INTO answerversion (id, message_id, number, content, reasoning, status, "
                                "provider, model, spent_at) VALUES ('v', 'a', 1, 'First answer', '', 'complete', "
                                "'p', 'm', '2026-12-01')"))
    migrate(blank_engine)
    repo = Repository(blank_engine)
    assert [(v.number, v.question) for v in repo.get_versions('a')] == [(1, 'Old question')]
    repo.write_again('a', provider='p', model='m', question='New question')
    repo.update_message('a', content='Third answer', status=MessageStatus.COMPLETE)
    repo.show_version('a', 1)  # the old answer comes back under the question it answered
    assert [(m.content) for m in repo.get_messages('c')] == ['Old question', 'First answer']
