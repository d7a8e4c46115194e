"""A conversation as Markdown: who wrote what, with which model, how each answer ended; text stays text."""

from __future__ import annotations

from datetime import datetime

from engine.export import conversation_markdown, export_filename
from storage.models import Conversation, Message
from storage.usage import ChatUsage


def test_every_message_under_who_wrote_it_with_how_each_answer_ended() -> None:
    conversation = Conversation(id='c', title='Trip  to\nLisbon', provider='openai', model='gpt',
                                created_at=datetime(2026, 12, 6, 9, 30))
    messages = [
        Message(conversation_id='c', seq=1, role='user', content='Plan <b>3</b> days\n'),
        Message(conversation_id='c', seq=2, role='assistant', provider='openai', model='gpt',
                content='## Day 1\n\n<script>alert(1)</script> Alfama', reasoning='First the map.\nThen food.',
                input_tokens=1204, output_tokens=356, cached_tokens=800, cost_usd=0.0041),
        Message(conversation_id='c', seq=3, role='user', content='More?'),
        Message(conversation_id='c', seq=4, role='assistant', provider='anthropic', model='claude', content='Day 4',
                status='stopped', input_tokens=10, output_tokens=2),
        Message(conversation_id='c', seq=5, role='user', content='Again'),
        Message(conversation_id='c', seq=6, role='assistant', provider='openai', model='gpt', content='',
                status='error', error='Bad key:\nset OPENAI_API_KEY'),
    ]
    usage = ChatUsage(answers=3, input_tokens=1214, output_tokens=358, cached_tokens=800, priced=2, cost_usd=0.005)
    assert conversation_markdown(conversation, messages, usage) == '\n\n'.join([
        '# Trip to Lisbon',
        '*Exported from Parley · 2026-12-06 09:30 UTC*',
        '## You', 'Plan <b>3</b> days',
        '## Assistant (openai/gpt)', '> **Reasoning**\n>\n> First the map.\n> Then food.',
        '## Day 1\n\n<script>alert(1)</script> Alfama', '*1,204 tokens in (800 cached), 356 out, about $0.0041*',
        '## You', 'More?',
        '## Assistant (anthropic/claude)', 'Day 4', '*Stopped.*', '*10 tokens in, 2 out*',
        '## You', 'Again',
        '## Assistant (openai/gpt)', '*(no text)*', '*Failed: Bad key: set OPENAI_API_KEY*',
        '*This chat: 1,214 tokens in (800 cached), 358 out (3 answers counted); about $0.005 for the 2 with a '
        'known price*',  # plain spaces in a file: it is searched for "about $0.005"
    ]) + '\n'


def test_the_chats_instructions_come_first_quoted() -> None:
    conversation = Conversation(id='c', title='Physics', provider='openai', model='gpt',
                                created_at=datetime(2026, 12, 7, 8, 0), system_prompt='Be brief.\n\nUse SI units.')
    messages = [Message(conversation_id='c', seq=1, role='user', content='g?'),
                Message(conversation_id='c', seq=2, role='assistant', provider='openai', model='gpt', content='9.8')]
    assert conversation_markdown(conversation, messages).split('\n\n')[2:4] == [
        '> **Instructions**\n>\n> Be brief.\n>\n> Use SI units.', '## You']


def test_the_file_name_comes_from_the_title_and_is_safe_everywhere() -> None:
    assert export_filename('Trip to Lisbon: 3 days?') == 'Trip-to-Lisbon-3-days.md'
    assert export_filename('../../etc/passwd') == 'etc-passwd.md'
    assert export_filename('Café über 東京') == 'Café-über-東京.md'
    assert export_filename('???') == 'conversation.md'
    assert len(export_filename('x' * 500)) == 63
