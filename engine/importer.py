"""Import a person's chats from ChatGPT or Claude: their export's `conversations.json`, or the zip it comes in.

The file is read one conversation at a time (engine/export_reader.py), and each conversation is stored in its own
transaction: a file that breaks off keeps what came before it.
"""

from __future__ import annotations

import asyncio
import logging
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import ijson
from sqlalchemy.exc import IntegrityError

from storage.imports import Stored
from storage.models import Conversation, Message, MessageStatus, utcnow
from storage.text import storable

from .chat import ChatEngine, title_from
from .export_reader import ImportRefused, conversations_in
from .import_formats import IMAGE_NOTE, ImportedConversation, read_conversation

log = logging.getLogger(__name__)

__all__ = ['ImportRefused', 'ImportResult', 'import_chats']

UNTITLED = 'Imported chat'
DAMAGED_AT_ONCE = 'The file breaks off or is damaged before its first conversation, so nothing was imported.'
ALREADY_IMPORTING = ('An import of yours is still running (from another tab, or from before a reload). Wait until it '
                     'has finished, then import again: chats already here are skipped.')

# Whose import is running, process-wide: two at once would each find a chat missing and store it twice, and would
# race for the same database rows besides.
_importing: set[str | None] = set()


@dataclass
class ImportResult:
    """How far an import has come; a page shows it while the import runs (it is updated from the import's thread)."""

    imported: int = 0
    extended: int = 0  # imported before and gone on since in the other app: the new turns were added
    already_here: int = 0  # imported before, with nothing new
    changed_here: int = 0  # imported before and gone on there, but taken up or changed in Parley: left alone
    unreadable: int = 0  # entries that are not a conversation either reader knows, or that have no turn to keep
    added: list[Message] = field(default_factory=list)  # the turns added to chats already here, to show where open

    @property
    def read(self) -> int:
        """Conversations read so far, whatever became of them."""
        return self.imported + self.extended + self.already_here + self.changed_here


async def import_chats(engine: ChatEngine, path: Path, *, user_id: str | None, model_key: str | None,
                       result: ImportResult) -> ImportResult:
    """Import the export at `path` into the person's history; every page's list hears of the new conversations.
    They continue with `model_key` (the model picked when importing) if it is configured."""
    if user_id in _importing:
        raise ImportRefused(ALREADY_IMPORTING)
    _importing.add(user_id)
    resolved = engine.providers.resolve(model_key)
    model = (resolved[0].name, resolved[1]) if resolved else None
    try:
        await asyncio.to_thread(import_file, engine, path, user_id, model, result)
    finally:
        _importing.discard(user_id)
        if result.imported or result.extended:
            engine.conversations_changed.emit(user_id)
        for message in result.added:  # an open page of a chat brought up to date shows its new turns at once
            engine.message_added.emit(message)
        result.added.clear()
    return result


def import_file(engine: ChatEngine, path: Path, user_id: str | None, model: tuple[str, str] | None,
                result: ImportResult) -> None:
    with conversations_in(path) as items:
        try:
            for item in items:
                try:
                    conversation = read_conversation(item)
                except (AttributeError, TypeError, ValueError, KeyError):  # an entry in a shape neither app writes
                    conversation = None
                if conversation is None:
                    result.unreadable += 1
                else:
                    store(engine, conversation, user_id, model, result)
        except (ijson.JSONError, UnicodeDecodeError, zipfile.BadZipFile, zlib.error, EOFError) as error:
            read = result.read
            if not read:
                raise ImportRefused(DAMAGED_AT_ONCE) from error
            raise ImportRefused(f'The file breaks off or is damaged after {read:,} conversation'
                                f'{"" if read == 1 else "s"}; those were kept.') from error


def store(engine: ChatEngine, conversation: ImportedConversation, user_id: str | None,
          model: tuple[str, str] | None, result: ImportResult) -> None:
    try:
        stored, added = engine.repository.store_imported(*rows(conversation, user_id, model))
    except IntegrityError:  # a chat deleted or written to at that very moment: left as it is, the import goes on
        log.warning('an imported chat collided with a change made meanwhile; left as it was', exc_info=True)
        stored, added = Stored.CHANGED_HERE, []
    if stored == Stored.NEW:
        result.imported += 1
    elif stored == Stored.EXTENDED:
        result.extended += 1
        result.added.extend(added)
    elif stored == Stored.CHANGED_HERE:
        result.changed_here += 1
    else:
        result.already_here += 1


def rows(imported: ImportedConversation, user_id: str | None,
         model: tuple[str, str] | None) -> tuple[Conversation, list[Message]]:
    """The conversation and message rows of an imported conversation, with its own dates."""
    # A title from the first question's words, not from the note of an image that opened it
    first_question = next((m.content.replace(IMAGE_NOTE, '') for m in imported.messages if m.role == 'user'), '')
    dates = [m.created_at for m in imported.messages if m.created_at]
    started = imported.created_at or (dates[0] if dates else None) or utcnow()
    provider, model_name = model or (imported.source, next((m.model for m in imported.messages if m.model), ''))
    conversation = Conversation(title=storable(imported.title.strip() or title_from(first_question) or UNTITLED),
                                provider=provider, model=model_name, user_id=user_id,
                                imported_from=f'{imported.source}:{imported.source_id}' if imported.source_id else None,
                                system_prompt=storable(imported.system_prompt) if imported.system_prompt else None,
                                created_at=started, updated_at=imported.updated_at or (dates[-1] if dates else started))
    messages: list[Message] = []
    question: Message | None = None
    for seq, message in enumerate(imported.messages, start=1):
        at = message.created_at or started
        row = Message(conversation_id=conversation.id, seq=seq, role=message.role, content=storable(message.content),
                      reasoning=storable(message.reasoning), status=MessageStatus.COMPLETE.value,
                      created_at=at, updated_at=at)
        if message.role == 'assistant':
            row.provider, row.model = imported.source, message.model
            row.parent_id = question.id if question else None
        else:
            question = row
        messages.append(row)
    return conversation, messages
