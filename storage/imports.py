"""Conversations brought in from another chat app's export, stored whole, with their own dates."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import func, select, update
from sqlmodel import Session, col

from .models import Conversation, Message
from .store import Store


class Stored(StrEnum):
    NEW = 'new'
    EXTENDED = 'extended'  # imported before: the turns added since in the other app were added here
    ALREADY = 'already'  # imported before, with nothing new
    CHANGED_HERE = 'changed here'  # imported before and gone on there, but taken up or changed in Parley: left alone


class ImportedChats(Store):
    def store_imported(self, conversation: Conversation, messages: list[Message]) -> tuple[Stored, list[Message]]:
        """Store a conversation and its messages in one transaction, unless this person already has it (an export
        imported twice, or two that overlap): the same id in the same app (`imported_from`), or, for an export
        without ids, the same title started at the same moment. A chat known by its id that has gone on in the other
        app since gets the new turns, as long as what Parley holds is exactly how the export begins.
        Returns what became of it and the messages added to a chat already here (to be shown where it is open)."""
        owner = (col(Conversation.user_id).is_(None) if conversation.user_id is None
                 else col(Conversation.user_id) == conversation.user_id)
        if conversation.imported_from:
            same = select(Conversation.id).where(owner, col(Conversation.imported_from) == conversation.imported_from)
        else:
            same = select(Conversation.id).where(owner, col(Conversation.title) == conversation.title,
                                                 col(Conversation.created_at) == conversation.created_at)
        with self._session() as session:
            if (existing_id := session.scalars(same.limit(1)).first()) is not None:
                if not conversation.imported_from:
                    return Stored.ALREADY, []
                return _extend(session, existing_id, conversation, messages)
            session.add(conversation)
            session.flush()  # the conversation's row first: the messages' foreign key points at it
            session.add_all(messages)
        return Stored.NEW, []


def _extend(session: Session, conversation_id: str, imported: Conversation,
            messages: list[Message]) -> tuple[Stored, list[Message]]:
    """Add the turns of `messages` beyond those the conversation holds, if it holds exactly their beginning. A chat
    taken up, regenerated or edited in Parley differs from it, and is left alone: nothing written here is replaced."""
    # The conversation's row lock first (the write lock on SQLite), as add_message takes it: a message sent into this
    # chat meanwhile waits, rather than taking the position one of these turns is about to take.
    locked = session.execute(update(Conversation).where(col(Conversation.id) == conversation_id)
                             .values(updated_at=col(Conversation.updated_at)))  # changes nothing; locks
    if locked.rowcount == 0:  # type: ignore[attr-defined]  # deleted since it was found
        return Stored.ALREADY, []
    in_chat = col(Message.conversation_id) == conversation_id
    if session.scalar(select(func.count()).select_from(Message).where(in_chat)) >= len(messages):  # no text read
        return Stored.ALREADY, []
    held = session.execute(select(Message.id, Message.seq, Message.role, Message.content).where(in_chat)
                           .order_by(col(Message.seq))).all()
    if any((old.role, old.content) != (new.role, new.content) for old, new in zip(held, messages, strict=False)):
        return Stored.CHANGED_HERE, []
    same_as = {new.id: old.id for old, new in zip(held, messages, strict=False)}
    last_seq = held[-1].seq if held else 0
    added = messages[len(held):]
    for offset, message in enumerate(added, start=1):
        message.conversation_id, message.seq = conversation_id, last_seq + offset
        message.parent_id = same_as.get(message.parent_id, message.parent_id)
    session.add_all(added)
    chat = session.get(Conversation, conversation_id)
    if chat is not None:  # where its last turn puts it in the list
        chat.updated_at = max(chat.updated_at, imported.updated_at)
    return Stored.EXTENDED, added
