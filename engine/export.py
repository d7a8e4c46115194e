"""A conversation as one Markdown document: what a person takes away from Parley, in the format answers are written in.

Plain text in, plain text out: nothing here is rendered, so hostile text in an answer stays text in the file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from storage.models import Conversation, Message, MessageStatus
from storage.usage import ChatUsage

from .usage_words import NBSP, answer_usage, chat_usage

NOTES = {
    MessageStatus.STOPPED: 'Stopped.',
    MessageStatus.INTERRUPTED: 'Interrupted: Parley stopped while writing this answer.',
    MessageStatus.STREAMING: 'Still being written when this was exported.',
}


def conversation_markdown(conversation: Conversation, messages: Iterable[Message],
                          usage: ChatUsage | None = None) -> str:
    """The title, the chat's instructions if it has any, then every message under a heading that says who wrote it
    (and which model), each answer's tokens and cost as the page shows them, and the chat's total (`usage`) last."""
    parts = [f'# {one_line(conversation.title) or "Untitled"}',
             f'*Exported from Parley · {conversation.created_at:%Y-%m-%d %H:%M} UTC*']
    if conversation.system_prompt:  # what the model was told before every answer: part of what it wrote
        parts.append(quoted('Instructions', conversation.system_prompt))
    for message in messages:
        if message.role == 'user':
            parts.append('## You')
        else:
            model = message.written_by
            parts.append(f'## Assistant{f" ({model})" if model else ""}')
            if message.reasoning:
                parts.append(quoted('Reasoning', message.reasoning))
        parts.append(message.content.strip('\n') or '*(no text)*')
        if message.status == MessageStatus.ERROR:
            parts.append(f'*Failed: {one_line(message.error or "the answer failed.")}*')
        elif note := NOTES.get(message.status):  # type: ignore[call-overload]
            parts.append(f'*{note}*')
        if message.role != 'user' and (spent := answer_usage(message)):
            parts.append(f'*{spent.replace(NBSP, " ")}*')  # a file is searched for "about $0.05", with a space
    if usage is not None and (total := chat_usage(usage)):
        parts.append(f'*{total.words.replace(NBSP, " ")}*')
    return '\n\n'.join(parts) + '\n'


def export_filename(title: str) -> str:
    """A file name from the title that every system accepts: letters, digits and dashes, at most 60 of them."""
    stem = re.sub(r'[^\w]+', '-', title, flags=re.UNICODE).strip('-_')[:60].strip('-_')
    return f'{stem or "conversation"}.md'


def quoted(heading: str, text: str) -> str:
    """`text` as a block quote under a bold heading."""
    lines = [f'**{heading}**', '', *text.splitlines()]
    return '\n'.join(f'> {line}'.rstrip() for line in lines)


def one_line(text: str) -> str:
    return ' '.join(text.split())
