"""What a conversation's answers have used: tokens and estimated cost, versions kept aside included (they were
spent too)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, select
from sqlmodel import col

from .models import AnswerFields, AnswerVersion, Conversation, Message
from .store import Store


@dataclass(frozen=True)
class ChatUsage:
    answers: int = 0  # answers (each version counted) whose input and output the provider counted
    input_tokens: int = 0
    output_tokens: int = 0
    cached_tokens: int = 0
    reasoning_tokens: int = 0
    priced: int = 0  # how many of them have a price
    cost_usd: float = 0.0  # the sum of those prices

    def __add__(self, other: ChatUsage) -> ChatUsage:
        return ChatUsage(*(a + b for a, b in zip(self.__dict__.values(), other.__dict__.values(), strict=True)))


def _totals(table: type[AnswerFields]) -> list[Any]:
    total = func.coalesce
    return [func.count(), total(func.sum(table.input_tokens), 0),
            total(func.sum(table.output_tokens), 0), total(func.sum(table.cached_tokens), 0),
            total(func.sum(table.reasoning_tokens), 0), func.count(col(table.cost_usd)),
            total(func.sum(table.cost_usd), 0.0)]


def _counted(table: type[AnswerFields]) -> Any:
    """An answer counts once the provider told both its input and its output (as its own line needs)."""
    return and_(col(table.input_tokens).is_not(None), col(table.output_tokens).is_not(None))


class ChatUsages(Store):
    def conversation_usage(self, conversation_id: str, *, user_id: str | None = None) -> ChatUsage:
        """Every answer's usage in the conversation (nothing if it is not `user_id`'s, when given)."""
        owned = select(Conversation.id).where(col(Conversation.id) == conversation_id)
        if user_id is not None:
            owned = owned.where(col(Conversation.user_id) == user_id)
        in_chat = col(Message.conversation_id).in_(owned.scalar_subquery())
        shown = select(*_totals(Message)).where(in_chat, _counted(Message))
        kept = (select(*_totals(AnswerVersion)).join(Message, col(Message.id) == col(AnswerVersion.message_id))
                .where(in_chat, _counted(AnswerVersion)))
        with self._session() as session:
            return sum((ChatUsage(*session.execute(query).one()) for query in (shown, kept)), ChatUsage())
