"""Every read and write of conversations and messages; callers get detached plain objects back."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlmodel import col

from .database import UNICODE_LOWER, is_sqlite
from .imports import ImportedChats
from .models import Conversation, Message, MessageStatus, SpentTokens, utcnow
from .text import storable
from .usage import ChatUsages
from .versions import AnswerVersions, version_tokens_query

UPDATABLE_MESSAGE_FIELDS = frozenset({
    'content', 'reasoning', 'status', 'error', 'stop_reason', 'input_tokens', 'output_tokens', 'reasoning_tokens',
    'cached_tokens', 'cost_usd', 'provider', 'model',  # a retry may answer with another model
})


class Repository(AnswerVersions, ImportedChats, ChatUsages):
    """Synchronous storage API; safe to call from the event loop and worker threads (one session per call)."""

    # Conversations

    def create_conversation(self, *, title: str, provider: str, model: str, user_id: str | None = None,
                            system_prompt: str | None = None) -> Conversation:
        now = utcnow()
        conversation = Conversation(title=storable(title), provider=provider, model=model, user_id=user_id,
                                    system_prompt=None if system_prompt is None else storable(system_prompt),
                                    created_at=now, updated_at=now)
        with self._session() as session:
            session.add(conversation)
        return conversation

    def get_conversation(self, conversation_id: str, *, user_id: str | None = None) -> Conversation | None:
        """The conversation, or None; with user_id given, only if it belongs to that user."""
        query = select(Conversation).where(col(Conversation.id) == conversation_id)
        if user_id is not None:
            query = query.where(col(Conversation.user_id) == user_id)
        with self._session() as session:
            return session.scalars(query).one_or_none()

    def list_conversations(self, *, user_id: str | None = None, limit: int = 200,
                           before: datetime | None = None) -> list[Conversation]:
        """Most recently updated first; `before` pages on by updated_at; user_id=None lists everyone's."""
        query = select(Conversation).order_by(col(Conversation.updated_at).desc(), col(Conversation.id)).limit(limit)
        if user_id is not None:
            query = query.where(col(Conversation.user_id) == user_id)
        if before is not None:
            query = query.where(col(Conversation.updated_at) < before)
        with self._session() as session:
            return list(session.scalars(query))

    def rename_conversation(self, conversation_id: str, title: str, *, user_id: str | None = None) -> bool:
        """Rename it; with user_id given, only that user's. False if there was no such conversation."""
        # Not a use of it: it keeps its place in the list (updated_at), as in the chat apps people know.
        return self._update_conversation(conversation_id, user_id=user_id, touch=False, title=storable(title))

    def set_system_prompt(self, conversation_id: str, text: str | None, *, user_id: str | None = None) -> bool:
        """Set the instructions the model reads before every answer of the conversation (None: none); with user_id
        given, only that user's. False if there was no such conversation."""
        # Not a use of it either: instructions change what comes next, not where the chat stands in the list.
        value = storable(text) if text else None
        return self._update_conversation(conversation_id, user_id=user_id, touch=False, system_prompt=value)

    def set_conversation_model(self, conversation_id: str, provider: str, model: str) -> None:
        self._update_conversation(conversation_id, provider=provider, model=model)

    def touch_conversation(self, conversation_id: str) -> None:
        """Mark the conversation as just used, moving it to the top of the list."""
        self._update_conversation(conversation_id)

    def delete_conversation(self, conversation_id: str, *, user_id: str | None = None,
                            keep_tokens_since: datetime | None = None) -> bool:
        """Delete it (the database cascades to its messages); with user_id given, only that user's. With
        keep_tokens_since, what its answers spent since then stays counted by `tokens_used_since`, written in the
        same transaction: there is no moment when the conversation is gone and its tokens are not counted.

        False if there was no such conversation.
        """
        with self._session() as session:
            conversation = session.get(Conversation, conversation_id)
            if conversation is None or (user_id is not None and conversation.user_id != user_id):
                return False
            if keep_tokens_since is not None:
                spent = sum(session.scalar(query.where(col(Conversation.id) == conversation_id)) or 0
                            for query in self._tokens_queries(keep_tokens_since))
                if spent:
                    # Rows from before keep_tokens_since count for nothing any more: the table keeps about a day.
                    session.execute(delete(SpentTokens).where(col(SpentTokens.spent_at) < keep_tokens_since))
                    session.add(SpentTokens(user_id=conversation.user_id, tokens=spent))
            session.execute(delete(Conversation).where(col(Conversation.id) == conversation_id))
            return True

    def _update_conversation(self, conversation_id: str, *, user_id: str | None = None, touch: bool = True,
                             **values: Any) -> bool:
        # The owner is part of the statement, not a separate check before it: nothing can slip in between.
        query = update(Conversation).where(col(Conversation.id) == conversation_id)
        if user_id is not None:
            query = query.where(col(Conversation.user_id) == user_id)
        with self._session() as session:
            if touch:
                values['updated_at'] = utcnow()
            return session.execute(query.values(**values)).rowcount > 0  # type: ignore[attr-defined]

    # Messages

    def add_message(self, conversation_id: str, *, role: str, content: str, status: str = MessageStatus.COMPLETE,
                    provider: str = '', model: str = '', parent_id: str | None = None) -> Message:
        """Append a message (seq = last + 1) and bump the conversation's updated_at.

        Raises LookupError if the conversation does not exist.
        """
        now = utcnow()
        with self._session() as session:
            # Updating the conversation first takes its row lock (the write lock on SQLite), so concurrent
            # appends to one conversation queue here and each then reads the seq the previous one wrote.
            bumped = session.execute(update(Conversation).where(col(Conversation.id) == conversation_id)
                                     .values(updated_at=now))
            if bumped.rowcount == 0:  # type: ignore[attr-defined]
                raise LookupError(f'no conversation {conversation_id!r}')
            last = session.scalar(select(func.max(Message.seq)).where(col(Message.conversation_id) == conversation_id))
            message = Message(conversation_id=conversation_id, seq=(last or 0) + 1, parent_id=parent_id,
                              role=str(role), content=storable(content), status=str(status), provider=provider,
                              model=model, created_at=now, updated_at=now)
            session.add(message)
        return message

    def update_message(self, message_id: str, **fields: Any) -> None:
        """Set any of UPDATABLE_MESSAGE_FIELDS (and updated_at); a message deleted meanwhile is ignored."""
        unknown = fields.keys() - UPDATABLE_MESSAGE_FIELDS
        if unknown:
            raise TypeError(f'update_message cannot set {", ".join(sorted(unknown))}')
        values = {name: storable(value) if isinstance(value, str) else value for name, value in fields.items()}
        with self._session() as session:
            session.execute(update(Message).where(col(Message.id) == message_id).values(updated_at=utcnow(), **values))

    def get_message(self, message_id: str) -> Message | None:
        with self._session() as session:
            return session.get(Message, message_id)

    def get_messages(self, conversation_id: str) -> list[Message]:
        """The conversation's messages in order (by seq)."""
        query = select(Message).where(col(Message.conversation_id) == conversation_id).order_by(col(Message.seq))
        with self._session() as session:
            return list(session.scalars(query))

    def get_recent_messages(self, conversation_id: str, *, limit: int, before_seq: int | None = None,
                            user_id: str | None = None) -> list[Message]:
        """Up to `limit` messages just before `before_seq` (or the newest), in order: a page of a long history.

        With user_id given, none unless the conversation is that user's.
        """
        query = select(Message).where(col(Message.conversation_id) == conversation_id)
        if user_id is not None:
            owned = select(Conversation.id).where(col(Conversation.id) == conversation_id,
                                                  col(Conversation.user_id) == user_id)
            query = query.where(col(Message.conversation_id).in_(owned.scalar_subquery()))
        if before_seq is not None:
            query = query.where(col(Message.seq) < before_seq)
        query = query.order_by(col(Message.seq).desc()).limit(limit)
        with self._session() as session:
            return list(reversed(list(session.scalars(query))))

    def tokens_used_since(self, user_id: str | None, since: datetime) -> int:
        """Input plus output tokens of the user's answers written since `since` (naive UTC), those of conversations
        deleted since included; None: everyone's.

        By updated_at, not created_at: a retry spends its tokens when it runs, not when the message was first made.
        """
        answers = self._tokens_queries(since)
        deleted = select(func.coalesce(func.sum(SpentTokens.tokens), 0)).where(col(SpentTokens.spent_at) >= since)
        if user_id is not None:
            answers = [query.where(col(Conversation.user_id) == user_id) for query in answers]
            deleted = deleted.where(col(SpentTokens.user_id) == user_id)
        with self._session() as session:
            return sum(int(session.scalar(query) or 0) for query in [*answers, deleted])

    @staticmethod
    def _tokens_queries(since: datetime) -> list[Any]:
        """The shown answers' tokens and those of versions kept aside (a regenerated answer's tokens were spent)."""
        shown = (select(func.coalesce(func.sum(func.coalesce(Message.input_tokens, 0)
                                               + func.coalesce(Message.output_tokens, 0)), 0))
                 .join(Conversation, col(Conversation.id) == col(Message.conversation_id))
                 .where(col(Message.updated_at) >= since))
        return [shown, version_tokens_query(since)]

    def mark_interrupted(self) -> int:
        """At start-up: every message still 'streaming' was cut off by a crash; mark it so. Returns how many."""
        with self._session() as session:
            result = session.execute(update(Message).where(col(Message.status) == MessageStatus.STREAMING)
                                     .values(status=MessageStatus.INTERRUPTED.value, updated_at=utcnow()))
            return result.rowcount  # type: ignore[attr-defined]

    def delete_messages_after(self, conversation_id: str, seq: int) -> None:
        """Delete the conversation's messages from seq on (inclusive), e.g. a failed answer before a retry."""
        with self._session() as session:
            session.execute(delete(Message).where(col(Message.conversation_id) == conversation_id,
                                                  col(Message.seq) >= seq))

    # Search

    def search_conversations(self, query: str, *, user_id: str | None, limit: int = 20) -> list[Conversation]:
        """Conversations whose title or any message contains `query` (any case), most recent first.

        user_id None searches everyone's (personal mode); otherwise only that user's.
        """
        # LIKE wildcards typed by the person are literal text, not patterns.
        pattern = '%' + query.replace('\\', '\\\\').replace('%', '\\%').replace('_', '\\_') + '%'
        if is_sqlite(self.engine) and not query.isascii():  # SQLite's own folding knows ASCII letters only
            def contains(column: Any) -> Any:
                return getattr(func, UNICODE_LOWER)(column).like(pattern.lower(), escape='\\')
        else:  # ASCII, in C; or PostgreSQL, by its locale
            def contains(column: Any) -> Any:
                return col(column).ilike(pattern, escape='\\')
        in_messages = select(Message.conversation_id).where(contains(Message.content))
        found = (select(Conversation)
                 .where(contains(Conversation.title) | col(Conversation.id).in_(in_messages))
                 .order_by(col(Conversation.updated_at).desc(), col(Conversation.id)).limit(limit))
        if user_id is not None:
            found = found.where(col(Conversation.user_id) == user_id)
        with self._session() as session:
            return list(session.scalars(found))
