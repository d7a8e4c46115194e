"""Conversations brought in from another chat app's export, stored whole, with their own dates."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import select
from sqlmodel import Session, col

from .models import Conversation, Message
from .store import Store


class Stored(StrEnum):
    NEW = 'new'
    EXTENDED = 'extended'  # imported before: the turns added since in the other app were added here
    ALREADY = 'already'  # imported before, and left as it is (nothing new, or continued or changed in Parley)


class ImportedChats(Store):
    def store_imported(self, conversation: Conversation, messages: list[Message]) -> Stored:
        """Store a conversation and its messages in one transaction, unless this person already has it (an export
        imported twice, or two that overlap): the same id in the same app (`imported_from`), or, for an export
        without ids, the same title started at the same moment. A chat known by its id that has gone on in the other
        app since gets the new turns, as long as what Parley holds is exactly how the export begins."""
        owner = (col(Conversation.user_id).is_(None) if conversation.user_id is None
                 else col(Conversation.user_id) == conversation.user_id)
        if conversation.imported_from:
            same = select(Conversation).where(owner, col(Conversation.imported_from) == conversation.imported_from)
        else:
            same = select(Conversation).where(owner, col(Conversation.title) == conversation.title,
                                              col(Conversation.created_at) == conversation.created_at)
        with self._session() as session:
            if (existing := session.scalars(same.limit(1)).first()) is not None:
                if conversation.imported_from and _extend(session, existing, conversation, messages):
                    return Stored.EXTENDED
                return Stored.ALREADY
            session.add(conversation)
            session.flush()  # the conversation's row first: the messages' foreign key points at it
            session.add_all(messages)
        return Stored.NEW


def _extend(session: Session, existing: Conversation, imported: Conversation, messages: list[Message]) -> bool:
    """Add the turns of `messages` beyond those `existing` holds, if it holds exactly their beginning. A chat taken
    up, regenerated or edited in Parley differs from it, and is left alone: nothing written here is ever replaced."""
    held = list(session.scalars(select(Message).where(col(Message.conversation_id) == existing.id)
                                .order_by(col(Message.seq))))
    if len(held) >= len(messages) or any((old.role, old.content) != (new.role, new.content)
                                         for old, new in zip(held, messages, strict=False)):
        return False
    same_as = {new.id: old.id for old, new in zip(held, messages, strict=False)}
    last_seq = held[-1].seq if held else 0
    for offset, message in enumerate(messages[len(held):], start=1):
        message.conversation_id, message.seq = existing.id, last_seq + offset
        message.parent_id = same_as.get(message.parent_id, message.parent_id) if message.parent_id else None
        session.add(message)
    existing.updated_at = max(existing.updated_at, imported.updated_at)  # where its last turn puts it in the list
    return True
