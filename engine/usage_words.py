"""Tokens and cost in words: under each answer, and for the whole chat below its last one.

Words and commas rather than symbols, so a line reads the same on screen and aloud. The chat's total comes with the
hint shown on hover, where its figures come from ("about" says as much under each answer, whose every byte is sent
with every answer).
"""

from __future__ import annotations

from typing import NamedTuple

from storage.models import AnswerFields
from storage.usage import ChatUsage

ESTIMATE_HINT = 'Estimated from list prices; your bill may differ.'
COUNTED_HINT = 'As the providers counted them.'


class UsageLine(NamedTuple):
    words: str
    hint: str


NBSP = '\u00a0'  # keeps "about $0.0041" and "3 answers" on one line where a line wraps (phones)


def dollars(amount: float) -> str:
    if amount == 0:
        return '$0'  # a free model (OpenRouter's :free ones): not "under" anything
    if amount < 0.0001:
        return f'under{NBSP}$0.0001'
    # Two significant figures below ten cents (cents would round most answers to nothing), cents above.
    figures = f'{amount:.2g}'
    return f'about{NBSP}${figures}' if float(figures) < 0.1 else f'about{NBSP}${amount:,.2f}'


def _tokens(input_tokens: int, output_tokens: int, cached: int | None, reasoning: int | None) -> str:
    words = f'{input_tokens:,} tokens in'
    if cached:
        words += f' ({cached:,} cached)'
    words += f', {output_tokens:,} out'
    if reasoning:
        words += f' ({reasoning:,} reasoning)'
    return words


def answer_usage(answer: AnswerFields) -> str | None:
    """'1,204 tokens in (800 cached), 356 out, about $0.0041'; None when the provider did not count them."""
    if answer.input_tokens is None or answer.output_tokens is None:
        return None
    words = _tokens(answer.input_tokens, answer.output_tokens, answer.cached_tokens, answer.reasoning_tokens)
    return words if answer.cost_usd is None else f'{words}, {dollars(answer.cost_usd)}'


def chat_usage(usage: ChatUsage) -> UsageLine | None:
    """The chat's total once it has more than one counted answer (with one, that answer's own line says it all)."""
    if usage.answers < 2:
        return None
    # "Counted", not "written": an answer stopped or cut off has no count from its provider, so it is not in here.
    words = f'This chat: {_tokens(usage.input_tokens, usage.output_tokens, usage.cached_tokens, None)}'
    counted = f'({usage.answers}{NBSP}answers counted)'
    if usage.priced == usage.answers:
        words += f', {dollars(usage.cost_usd)} {counted}'
    elif usage.priced:
        which = 'the one' if usage.priced == 1 else f'the {usage.priced}'
        words += f' {counted}; {dollars(usage.cost_usd)} for {which} with a known price'
    else:
        words += f' {counted}'
    return UsageLine(words, ESTIMATE_HINT if usage.priced else COUNTED_HINT)
