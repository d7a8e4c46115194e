"""Histories for the long-history scenarios, written straight into a data directory before Parley starts.

Rows go in through SQLAlchemy core, many per statement and in one transaction: 200 000 messages take seconds,
where the repository's one-message-per-transaction `add_message` would take many minutes.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from storage.database import create_db_engine, default_database_url, migrate
from storage.models import Conversation, Message, utcnow
from storage.repository import Repository

MODEL = {'provider': 'openai', 'model': 'gpt-4o-mini'}  # the fake's model, as the benchmark's Parley is set up
BATCH = 5000  # rows per INSERT: SQLite binds at most 32 766 parameters per statement


def answer(i: int, size: int) -> str:
    """An answer of about `size` characters: a short line when small (many conversations), markdown otherwise."""
    return f'Step {i} checks its input against the plan and reports what does not pass.' if size < 200 else \
        answer_text(i, size)


def user_text(i: int) -> str:
    return f'Question {i}: how does step {i} of the plan work, and what should I check before moving on?'


def answer_text(i: int, size: int) -> str:
    """Markdown of about `size` characters: a heading, paragraphs, a list, a code block and a small table."""
    parts = [f'## Answer {i}\n\n']
    paragraph = (f'Step {i} takes the output of the previous step and checks it against the plan. It keeps what '
                 'passes, reports what does not, and moves on only when the report is empty. ')
    parts.append(paragraph * 2 + '\n\n- first, read the input\n- then, compare it\n- last, write the report\n\n')
    parts.append(f'```python\ndef step_{i}(items: list[str]) -> list[str]:\n'
                 '    return [x for x in items if x]\n```\n\n')
    parts.append(f'| check | result |\n| --- | --- |\n| input | ok |\n| step {i} | ok |\n\n')
    text = ''.join(parts)
    while len(text) < size:
        text += paragraph + '\n\n'
    return text


@dataclass
class Seeded:
    conversation_ids: list[str]  # newest first
    messages: int
    bytes: int  # characters of message content
    seconds: float


def _rows(conversation_id: str, count: int, answer_size: int, start: datetime) -> list[dict[str, Any]]:
    rows = []
    for seq in range(1, count + 1):
        role = 'user' if seq % 2 else 'assistant'
        at = start + timedelta(seconds=seq)
        rows.append({'id': uuid.uuid4().hex, 'conversation_id': conversation_id, 'seq': seq, 'parent_id': None,
                     'role': role, 'content': user_text(seq) if role == 'user' else answer(seq, answer_size),
                     'reasoning': '', 'status': 'complete', 'error': None, 'provider': MODEL['provider'],
                     'model': MODEL['model'], 'stop_reason': None, 'input_tokens': None, 'output_tokens': None,
                     'reasoning_tokens': None, 'created_at': at, 'updated_at': at})
    return rows


def seed(data_dir: Path, *, conversations: int, messages_each: int, answer_size: int = 100,
         title: str = 'Seeded conversation') -> Seeded:
    """`conversations` conversations of `messages_each` messages (user and assistant in turn), newest first."""
    import time

    began = time.monotonic()
    engine = create_db_engine(default_database_url(data_dir))
    migrate(engine)
    now = utcnow()
    ids, total, size = [], 0, 0
    pending: list[dict[str, Any]] = []
    with engine.begin() as connection:
        conversation_rows = []
        for n in range(conversations):
            conversation_id = uuid.uuid4().hex
            ids.append(conversation_id)
            touched = now - timedelta(hours=n)  # one an hour back in time: every sidebar group gets entries
            conversation_rows.append({'id': conversation_id, 'user_id': None, 'title': f'{title} {n:05d}',
                                      'system_prompt': None, 'created_at': touched, 'updated_at': touched, **MODEL})
        for start in range(0, len(conversation_rows), BATCH):
            connection.execute(insert(Conversation.__table__), conversation_rows[start:start + BATCH])
        for n, conversation_id in enumerate(ids):
            rows = _rows(conversation_id, messages_each, answer_size, now - timedelta(hours=n, minutes=30))
            total += len(rows)
            size += sum(len(row['content']) for row in rows)
            pending.extend(rows)
            if len(pending) >= BATCH:
                connection.execute(insert(Message.__table__), pending)
                pending = []
        if pending:
            connection.execute(insert(Message.__table__), pending)
    engine.dispose()
    return Seeded(ids, total, size, time.monotonic() - began)


def add_small_conversation(data_dir: Path, title: str = 'A short chat') -> str:
    """One conversation of two messages through the repository (the way Parley itself writes)."""
    repository = Repository(create_db_engine(default_database_url(data_dir)))
    conversation = repository.create_conversation(title=title, **MODEL)
    repository.add_message(conversation.id, role='user', content=user_text(1))
    repository.add_message(conversation.id, role='assistant', content=answer_text(2, 400))
    repository.engine.dispose()
    return conversation.id
