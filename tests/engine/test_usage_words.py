"""The words of an answer's and a chat's usage line (no browser)."""

from __future__ import annotations

from engine.usage_words import COUNTED_HINT, ESTIMATE_HINT, NBSP, UsageLine, answer_usage, chat_usage, dollars
from storage.models import AnswerFields
from storage.usage import ChatUsage


def plain(words: str | None) -> str | None:
    """The words with their no-break spaces as plain ones (they only keep "about $0.01" on one line)."""
    return None if words is None else words.replace(NBSP, ' ')


def total(usage: ChatUsage) -> tuple[str | None, str] | None:
    line = chat_usage(usage)
    return None if line is None else (plain(line.words), line.hint)


def test_costs_read_as_dollars_rounded_to_what_matters() -> None:
    assert [dollars(x) for x in (0, 0.00004, 0.00123, 0.0437, 0.0996, 0.7, 12.346, 1234.5)] == [
        '$0', f'under{NBSP}$0.0001', f'about{NBSP}$0.0012', f'about{NBSP}$0.044', f'about{NBSP}$0.10',
        f'about{NBSP}$0.70', f'about{NBSP}$12.35', f'about{NBSP}$1,234.50']


def test_an_answer_line_says_what_the_provider_counted_and_no_more() -> None:
    assert answer_usage(AnswerFields()) is None  # imported, stopped before the count, or never counted
    assert answer_usage(AnswerFields(input_tokens=1204)) is None  # half a count is no line
    assert answer_usage(AnswerFields(input_tokens=1204, output_tokens=356)) == '1,204 tokens in, 356 out'
    counted = AnswerFields(input_tokens=1204, output_tokens=356, cached_tokens=800, reasoning_tokens=120,
                           cost_usd=0.0041)
    assert plain(answer_usage(counted)) == '1,204 tokens in (800 cached), 356 out (120 reasoning), about $0.0041'


def test_a_chat_total_says_what_was_counted_and_what_of_it_has_a_price() -> None:
    assert chat_usage(ChatUsage(answers=1, input_tokens=10, output_tokens=5)) is None
    assert total(ChatUsage(answers=3, input_tokens=3000, output_tokens=500, priced=3, cost_usd=0.05)) == (
        'This chat: 3,000 tokens in, 500 out, about $0.05 (3 answers counted)', ESTIMATE_HINT)
    assert total(ChatUsage(answers=3, input_tokens=3000, output_tokens=500, priced=2, cost_usd=0.05)) == (
        'This chat: 3,000 tokens in, 500 out (3 answers counted); about $0.05 for the 2 with a known price',
        ESTIMATE_HINT)
    assert total(ChatUsage(answers=3, input_tokens=3000, output_tokens=500, priced=1, cost_usd=0.05)) == (
        'This chat: 3,000 tokens in, 500 out (3 answers counted); about $0.05 for the one with a known price',
        ESTIMATE_HINT)
    assert total(ChatUsage(answers=2, input_tokens=20, output_tokens=8)) == (
        'This chat: 20 tokens in, 8 out (2 answers counted)', COUNTED_HINT)
    assert isinstance(chat_usage(ChatUsage(answers=2, input_tokens=20, output_tokens=8)), UsageLine)
