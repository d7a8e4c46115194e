"""Import a person's chats from ChatGPT or Claude: their export's `conversations.json`, or the zip it comes in.

The file is read one conversation at a time (ijson), so an export of hundreds of megabytes never sits in memory
whole, and each conversation is stored in its own transaction: a file that breaks off keeps what came before.
"""

from __future__ import annotations

import asyncio
import json
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import ijson

from storage.models import Conversation, Message, MessageStatus, utcnow
from storage.text import storable

from .chat import ChatEngine, title_from
from .import_formats import ImportedConversation, read_conversation

NOT_AN_EXPORT = ('This file is not a ChatGPT or Claude export. Choose the zip the export came in, or the '
                 'conversations.json inside it.')
NO_CONVERSATIONS = 'This zip has no conversations.json: is it a ChatGPT or Claude export?'
UNTITLED = 'Imported chat'


class ImportRefused(ValueError):
    """A file that cannot be imported (or no further), with the reason in plain words."""


@dataclass
class ImportResult:
    """How far an import has come; a page shows it while the import runs (it is updated from the import's thread)."""

    imported: int = 0
    already_here: int = 0  # imported before: left as they are
    unreadable: int = 0  # entries that are not a conversation either reader knows, or that have no turn to keep


async def import_chats(engine: ChatEngine, path: Path, *, user_id: str | None, model_key: str | None,
                       result: ImportResult) -> ImportResult:
    """Import the export at `path` into the person's history; every page's list hears of the new conversations.
    They continue with `model_key` (the model picked when importing) if it is configured."""
    resolved = engine.providers.resolve(model_key)
    model = (resolved[0].name, resolved[1]) if resolved else None
    try:
        await asyncio.to_thread(import_file, engine, path, user_id, model, result)
    finally:
        if result.imported:
            engine.conversations_changed.emit(user_id)
    return result


def import_file(engine: ChatEngine, path: Path, user_id: str | None, model: tuple[str, str] | None,
                result: ImportResult) -> None:
    with conversations_in(path) as items:
        try:
            for item in items:
                conversation = read_conversation(item)
                if conversation is None:
                    result.unreadable += 1
                elif engine.repository.store_imported(*rows(conversation, user_id, model)):
                    result.imported += 1
                else:
                    result.already_here += 1
        except (ijson.JSONError, UnicodeDecodeError) as error:
            read = result.imported + result.already_here
            why = str(error).splitlines()[0] if str(error) else type(error).__name__
            raise ImportRefused(f'The file breaks off or is damaged after {read:,} conversation'
                                f'{"" if read == 1 else "s"} ({why}); those were kept.') from error


@contextmanager
def conversations_in(path: Path) -> Iterator[Iterator[Any]]:
    """The conversations of an export file, one by one, as the JSON has them."""
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            # The export's own file, not one in a folder of per-conversation copies or another app's data.
            names = sorted((n for n in archive.namelist() if n.rsplit('/', 1)[-1] == 'conversations.json'),
                           key=lambda n: (n.count('/'), n))
            if not names:
                raise ImportRefused(NO_CONVERSATIONS)
            with archive.open(names[0]) as file:
                yield items_of(file)
        return
    with path.open('rb') as file:
        yield items_of(file)


def items_of(file: IO[bytes]) -> Iterator[Any]:
    """A JSON list is read item by item; an object is one conversation, or holds them under `conversations`."""
    head = file.read(1024).lstrip()
    if head.startswith(b'\xef\xbb\xbf'):  # a byte-order mark, as some editors save JSON
        head = head[3:].lstrip()
    rest = _Rejoined(head, file)
    if head.startswith(b'['):
        return ijson.items(rest, 'item', use_float=True)
    if head.startswith(b'{'):
        try:
            whole = json.loads(rest.read())
        except (ValueError, UnicodeDecodeError) as error:
            raise ImportRefused(NOT_AN_EXPORT) from error
        listed = whole.get('conversations')
        return iter(listed if isinstance(listed, list) else [whole])
    raise ImportRefused(NOT_AN_EXPORT)


class _Rejoined:
    """The bytes already read to look at the file's start, then the rest of the file (zip members cannot seek)."""

    def __init__(self, head: bytes, file: IO[bytes]) -> None:
        self.head, self.file = head, file

    def read(self, size: int = -1) -> bytes:
        if not self.head:
            return self.file.read(size)
        if size < 0:
            data, self.head = self.head + self.file.read(), b''
            return data
        data, self.head = self.head[:size], self.head[size:]
        return data


def rows(imported: ImportedConversation, user_id: str | None,
         model: tuple[str, str] | None) -> tuple[Conversation, list[Message]]:
    """The conversation and message rows of an imported conversation, with its own dates."""
    first_question = next((m.content for m in imported.messages if m.role == 'user'), '')
    dates = [m.created_at for m in imported.messages if m.created_at]
    started = imported.created_at or (dates[0] if dates else None) or utcnow()
    provider, model_name = model or (imported.source, next((m.model for m in imported.messages if m.model), ''))
    conversation = Conversation(title=storable(imported.title.strip() or title_from(first_question) or UNTITLED),
                                provider=provider, model=model_name, user_id=user_id,
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
