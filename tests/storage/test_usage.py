"""A conversation's usage, on both backends: every answer's tokens and cost, kept versions included, owner-scoped."""

from __future__ import annotations

import pytest

from storage import Repository
from storage.usage import ChatUsage
from tests.storage.test_versions import answered, written


def test_a_chat_adds_up_every_answer_and_every_version(repo: Repository) -> None:
    conversation_id, first = answered(repo, input_tokens=1000, output_tokens=200, cached_tokens=600,
                                      reasoning_tokens=50, cost_usd=0.01)
    written(repo, first, 'Again', input_tokens=1000, output_tokens=300, cost_usd=0.02)  # the first version is kept
    unpriced = repo.add_message(conversation_id, role='assistant', content='', provider='ollama', model='llama')
    repo.update_message(unpriced.id, content='Local', status='complete', input_tokens=10, output_tokens=5)
    repo.add_message(conversation_id, role='assistant', content='Imported, no counts', provider='chatgpt')
    half = repo.add_message(conversation_id, role='assistant', content='', provider='p', model='m')
    repo.update_message(half.id, content='Input told, output not', status='complete', input_tokens=99)
    usage = repo.conversation_usage(conversation_id, user_id='ann')
    assert usage == ChatUsage(answers=3, input_tokens=2010, output_tokens=505, cached_tokens=600,
                              reasoning_tokens=50, priced=2, cost_usd=pytest.approx(0.03))


def test_another_persons_chat_uses_nothing_that_can_be_seen(repo: Repository) -> None:
    conversation_id, _ = answered(repo, input_tokens=1000, output_tokens=200, cost_usd=0.01)
    assert repo.conversation_usage(conversation_id, user_id='bob') == ChatUsage()
    assert repo.conversation_usage('no-such-chat') == ChatUsage()
    assert repo.conversation_usage(conversation_id).answers == 1  # personal mode: no owner to check
