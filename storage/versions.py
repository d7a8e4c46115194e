"""Answer versions: writing an answer again keeps the one it replaces, and any kept version can be shown again.

The message row always holds the version shown (the one the model sees in later turns and the page renders);
the others wait in AnswerVersion. Showing another swaps the two, so every other read stays a plain message read.
An edited question is part of its answer's version: each kept version holds the question it answered, and showing it
puts that question back into the user's message.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlmodel import col

from .models import AnswerFields, AnswerVersion, Conversation, Message, MessageStatus, utcnow
from .store import Store
from .text import storable

# What a version is made of, on the message row and in AnswerVersion alike (besides when its tokens were spent).
VERSION_FIELDS = tuple(AnswerFields.model_fields)


class AnswerVersions(Store):
    def write_again(self, message_id: str, *, provider: str, model: str, question: str | None = None) -> Message | None:
        """Make the answer `message_id` streaming and empty for a new version, keeping the shown one first if it
        has anything to keep (an empty failed answer has not). With `question`, the user's message it answers
        becomes that text (an edit), and the old text stays with the kept version. None if the message is gone."""
        with self._session() as session:
            message = session.get(Message, message_id, with_for_update=True)
            if message is None:
                return None
            asked = session.get(Message, message.parent_id) if message.parent_id else None
            edited = question is not None and asked is not None and question != asked.content
            if message.content or message.reasoning or edited:  # an edit keeps the old question, even unanswered
                session.add(AnswerVersion(message_id=message_id, number=message.version, spent_at=message.updated_at,
                                          question=asked.content if asked else None,
                                          **{name: getattr(message, name) for name in VERSION_FIELDS}))
                message.versions += 1
                message.version = message.versions
            for name, value in dict(content='', reasoning='', error=None, status=MessageStatus.STREAMING.value,
                                    stop_reason=None, input_tokens=None, output_tokens=None, reasoning_tokens=None,
                                    cached_tokens=None, cost_usd=None, provider=provider, model=model).items():
                setattr(message, name, value)
            message.updated_at = utcnow()
            if question is not None and asked is not None:
                asked.content = storable(question)
        return message

    def show_version(self, message_id: str, number: int) -> Message | None:
        """Show version `number` of the answer in place of the one shown, which is kept, unless it holds nothing at
        all (an attempt that failed before its first word): that one is dropped, as Retry would have replaced it.
        None if either is gone or the answer is being written."""
        with self._session() as session:
            message = session.get(Message, message_id, with_for_update=True)
            if message is None or message.status == MessageStatus.STREAMING:
                return None
            if number == message.version:
                return message
            kept = session.scalars(select(AnswerVersion).where(col(AnswerVersion.message_id) == message_id,
                                                               col(AnswerVersion.number) == number)).one_or_none()
            if kept is None:
                return None
            empty = not (message.content or message.reasoning or message.input_tokens or message.output_tokens)
            asked = session.get(Message, message.parent_id) if message.parent_id else None
            # An empty attempt at an edited question still holds that question: kept, so the text typed is not lost.
            same_question = asked is None or kept.question in (None, asked.content)
            shown_number = message.version
            for name in VERSION_FIELDS:
                shown = getattr(message, name)
                setattr(message, name, getattr(kept, name))
                setattr(kept, name, shown)
            message.updated_at, kept.spent_at = kept.spent_at, message.updated_at
            if asked is not None:  # its question comes back with it (None: kept before questions were, the same)
                kept.question, asked.content = asked.content, kept.question or asked.content
            message.version = number
            if empty and same_question and shown_number == message.versions:  # only ever the newest: a switch drops it
                session.delete(kept)
                message.versions -= 1
            else:
                kept.number = shown_number
        return message

    def get_versions(self, message_id: str) -> list[AnswerVersion]:
        """The versions kept aside for the answer (not the one shown), in the order they were written."""
        query = (select(AnswerVersion).where(col(AnswerVersion.message_id) == message_id)
                 .order_by(col(AnswerVersion.number)))
        with self._session() as session:
            return list(session.scalars(query))


def version_tokens_query(since: datetime) -> Any:
    """Tokens spent since `since` by versions kept aside; joined to Conversation, as the messages' own query is."""
    return (select(func.coalesce(func.sum(func.coalesce(AnswerVersion.input_tokens, 0)
                                          + func.coalesce(AnswerVersion.output_tokens, 0)), 0))
            .join(Message, col(Message.id) == col(AnswerVersion.message_id))
            .join(Conversation, col(Conversation.id) == col(Message.conversation_id))
            .where(col(AnswerVersion.spent_at) >= since))
