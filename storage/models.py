"""The stored shape of Parley's history: conversations and their messages, as SQLModel tables."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import DateTime, Index, MetaData, Text
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

# Naive UTC on purpose (see utcnow); SQLModel would otherwise declare TIMESTAMP WITH TIME ZONE.
TIMESTAMP = DateTime(timezone=False)

# Named constraints let later SQLite batch migrations find and drop them; unnamed ones cannot be addressed.
NAMING_CONVENTION = {
    'ix': 'ix_%(column_0_label)s',
    'uq': 'uq_%(table_name)s_%(column_0_name)s',
    'ck': 'ck_%(table_name)s_%(constraint_name)s',
    'fk': 'fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s',
    'pk': 'pk_%(table_name)s',
}


def utcnow() -> datetime:
    """Now as a naive UTC datetime: both backends store it the same way and comparisons never mix zones."""
    return datetime.now(UTC).replace(tzinfo=None)


def new_id() -> str:
    """A random, unguessable id (team mode puts conversation ids in URLs)."""
    return uuid.uuid4().hex


class MessageRole(StrEnum):
    USER = 'user'
    ASSISTANT = 'assistant'
    SYSTEM = 'system'


class MessageStatus(StrEnum):
    COMPLETE = 'complete'
    STREAMING = 'streaming'
    STOPPED = 'stopped'  # the user pressed Stop; the partial answer is kept
    ERROR = 'error'  # the provider failed; `error` holds the plain-words reason
    INTERRUPTED = 'interrupted'  # the app died while streaming (set by mark_interrupted at start-up)


class StorageModel(SQLModel, registry=registry(metadata=MetaData(naming_convention=NAMING_CONVENTION))):
    """Base of Parley's tables, on its own metadata so nothing else registered with SQLModel leaks into migrations."""


class Conversation(StorageModel, table=True):
    id: str = Field(default_factory=new_id, primary_key=True)
    user_id: str | None = Field(default=None, index=True)  # None in single-user mode
    title: str = ''
    provider: str
    model: str
    system_prompt: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=TIMESTAMP)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=TIMESTAMP, index=True)
    # 'chatgpt:<id>' or 'claude:<uuid>' for a conversation imported from an export (storage/imports.py)
    imported_from: str | None = Field(default=None, index=True)


class AnswerFields(StorageModel):
    """What one version of an answer is made of: the message row holds the version shown, AnswerVersion the others,
    and showing another swaps exactly these (storage/versions.py)."""

    content: str = Field(default='', sa_type=Text)
    reasoning: str = Field(default='', sa_type=Text)
    status: str = MessageStatus.COMPLETE.value
    error: str | None = Field(default=None, sa_type=Text)
    provider: str = ''
    model: str = ''
    stop_reason: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    reasoning_tokens: int | None = None
    cached_tokens: int | None = None  # of input_tokens, read from the provider's prompt cache
    cost_usd: float | None = None  # estimated when the answer ended (engine/usage.py); None when no price was known

    @property
    def written_by(self) -> str:
        """'provider/model' of an answer, as the model picker names it; '' for a message no model wrote, and the
        provider alone for one imported from an export that does not say which model wrote it."""
        return f'{self.provider}/{self.model}' if self.provider and self.model else self.provider


class Message(AnswerFields, table=True):
    # Unique so two writers can never give a conversation the same position twice; it also serves lookups by
    # conversation_id alone, so that column needs no index of its own.
    __table_args__ = (Index('ix_message_conversation_id_seq', 'conversation_id', 'seq', unique=True),)

    id: str = Field(default_factory=new_id, primary_key=True)
    conversation_id: str = Field(foreign_key='conversation.id', ondelete='CASCADE')
    seq: int
    # Deleting a message never fails because another was branched from it; the branch just loses its link.
    parent_id: str | None = Field(default=None, foreign_key='message.id', ondelete='SET NULL')
    role: str
    # An answer written again keeps its earlier versions (AnswerVersion): this row holds the one shown, number
    # `version` of `versions`, so a page shows the switch without reading the versions table.
    version: int = Field(default=1, sa_column_kwargs={'server_default': '1'})
    versions: int = Field(default=1, sa_column_kwargs={'server_default': '1'})
    created_at: datetime = Field(default_factory=utcnow, sa_type=TIMESTAMP)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=TIMESTAMP)


class AnswerVersion(AnswerFields, table=True):
    """A version of an answer that is not the one shown: written before a Regenerate or Retry, or set aside when the
    reader switched to another. Showing it swaps it with the message's own fields (see storage/versions.py)."""

    __table_args__ = (Index('ix_answerversion_message_id_number', 'message_id', 'number', unique=True),)

    id: str = Field(default_factory=new_id, primary_key=True)
    message_id: str = Field(foreign_key='message.id', ondelete='CASCADE')
    number: int  # its place among the answer's versions, 1 = the first written
    spent_at: datetime = Field(default_factory=utcnow, sa_type=TIMESTAMP)  # when its tokens were spent
    # The question it answered (the text of the user's message it follows), which an edit may have changed since.
    question: str | None = Field(default=None, sa_type=Text)


class User(StorageModel, table=True):
    """A team-mode account; personal mode has none (conversations keep user_id None)."""

    id: str = Field(default_factory=new_id, primary_key=True)
    name: str = Field(unique=True)
    password_hash: str | None = None  # None for accounts that only sign in through the trusted proxy header
    is_admin: bool = False
    disabled: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_type=TIMESTAMP)


class ProviderConnection(StorageModel, table=True):
    """A provider added on the Settings page; its key is stored encrypted (see engine/secrets.py)."""

    id: str = Field(default_factory=new_id, primary_key=True)
    kind: str  # 'openai', 'anthropic', 'google' or 'openai_compatible'
    name: str = Field(unique=True)  # the provider name shown in model options, e.g. 'openai' or 'ollama'
    base_url: str | None = None
    api_key_encrypted: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=TIMESTAMP)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=TIMESTAMP)


class SpentTokens(StorageModel, table=True):
    """Tokens that answers of a since-deleted conversation spent: deleting a chat must not give back what its answers
    used (the daily token budget counts them), whether or not the server restarts in between."""

    id: str = Field(default_factory=new_id, primary_key=True)
    user_id: str | None = Field(default=None, index=True)  # None in single-user mode
    tokens: int
    spent_at: datetime = Field(default_factory=utcnow, sa_type=TIMESTAMP, index=True)  # when it was deleted
