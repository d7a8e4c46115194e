"""Conversations brought in from another chat app's export, stored whole, with their own dates."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import col

from .models import Conversation, Message
from .store import Store


class ImportedChats(Store):
    def store_imported(self, conversation: Conversation, messages: list[Message]) -> bool:
        """Store a conversation and its messages in one transaction, unless this person already has it (an export
        imported twice, or two that overlap): the same id in the same app (`imported_from`), or, for an export
        without ids, the same title started at the same moment. False then."""
        owner = (col(Conversation.user_id).is_(None) if conversation.user_id is None
                 else col(Conversation.user_id) == conversation.user_id)
        if conversation.imported_from:
            same = select(Conversation.id).where(owner, col(Conversation.imported_from) == conversation.imported_from)
        else:
            same = select(Conversation.id).where(owner, col(Conversation.title) == conversation.title,
                                                 col(Conversation.created_at) == conversation.created_at)
        same = same.limit(1)
        with self._session() as session:
            if session.scalar(same) is not None:
                return False
            session.add(conversation)
            session.flush()  # the conversation's row first: the messages' foreign key points at it
            session.add_all(messages)
        return True
