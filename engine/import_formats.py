"""Other chat apps' exports, read into plain conversations: ChatGPT's and Claude's `conversations.json`.

Each reader takes one conversation of the export (a dict, as the JSON has it) and returns what Parley keeps of it:
the turns the person saw, in order, with the model's reasoning and the chat's custom instructions where the export
has them. What Parley cannot show (images, tool calls and their output, searches) is left out; an image leaves a
note in its place, so a question that showed one still says so.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

# Plain text, as questions are shown as typed (not as markdown); the model reads them in later turns too.
IMAGE_NOTE = '(An image was here; Parley imported the text only.)'
FILE_NOTE = '(A file was attached here: {name}. Parley imported the text only.)'
ATTACHED = '[Attached: {name}]'
# In answers (markdown):
IMAGE_MADE = '*(An image was made here; Parley imported the text only.)*'
CANVAS_EDITED = '*(The canvas document was edited here.)*'
ARTIFACT_EDITED = '*(The artifact was edited here.)*'
NO_ANSWER = '*(No answer in words was imported here: it was made with a tool Parley does not import.)*'
# ChatGPT's web-search citations are private-use characters around a reference: \ue200cite\ue202turn0search0\ue201
CITATION = re.compile('\ue200[^\ue201]*\ue201|[\ue200-\ue206]')


@dataclass
class ImportedMessage:
    role: str  # 'user' or 'assistant'
    content: str
    reasoning: str = ''
    model: str = ''
    created_at: datetime | None = None


@dataclass
class ImportedConversation:
    title: str
    source: str  # 'chatgpt' or 'claude': the provider name its answers are shown with
    source_id: str = ''  # its id in that app, if the export gives one
    created_at: datetime | None = None
    updated_at: datetime | None = None
    system_prompt: str | None = None
    messages: list[ImportedMessage] = field(default_factory=list)


def read_conversation(item: Any) -> ImportedConversation | None:
    """One conversation of either export, or None for something that is neither (or has no turn to keep)."""
    if not isinstance(item, dict):
        return None
    if isinstance(item.get('mapping'), dict):
        conversation = from_chatgpt(item)
    elif isinstance(item.get('chat_messages'), list):
        conversation = from_claude(item)
    else:
        return None
    return conversation if conversation.messages else None


# ChatGPT


def from_chatgpt(item: dict[str, Any]) -> ImportedConversation:
    """The branch the person last saw (from `current_node` up to the root): edits and regenerations left other
    branches in the tree, which ChatGPT itself no longer shows."""
    conversation = ImportedConversation(title=text_of(item.get('title')), source='chatgpt',
                                        source_id=text_of(item.get('conversation_id')) or text_of(item.get('id')),
                                        created_at=timestamp(item.get('create_time')),
                                        updated_at=timestamp(item.get('update_time')))
    for node in shown_branch(item['mapping'], item.get('current_node')):
        message = node.get('message')
        if isinstance(message, dict):
            take_chatgpt_message(conversation, message)
    return conversation


def shown_branch(mapping: dict[str, Any], current: Any) -> list[dict[str, Any]]:
    """The nodes from the root to `current`; without a usable `current_node`, the root's latest children."""
    if not isinstance(current, str) or current not in mapping:
        roots = [node for node in mapping.values() if isinstance(node, dict) and node.get('parent') not in mapping]
        current = roots[0].get('id') if roots else None
        seen: set[Any] = set()
        while isinstance(current, str) and current not in seen and isinstance(mapping.get(current), dict):
            seen.add(current)
            children = [c for c in mapping[current].get('children') or [] if c in mapping]
            if not children:
                break
            current = children[-1]
    branch: list[dict[str, Any]] = []
    seen = set()
    while isinstance(current, str) and current not in seen and isinstance(mapping.get(current), dict):
        seen.add(current)  # a cycle in a damaged file ends the walk instead of looping
        branch.append(mapping[current])
        current = mapping[current].get('parent')
    branch.reverse()
    return branch


def take_chatgpt_message(conversation: ImportedConversation, message: dict[str, Any]) -> None:
    role = (message.get('author') or {}).get('role')
    content = message.get('content') if isinstance(message.get('content'), dict) else {}
    metadata = message.get('metadata') if isinstance(message.get('metadata'), dict) else {}
    kind = content.get('content_type')
    if kind == 'user_editable_context' or (role == 'system' and metadata.get('is_user_system_message')):
        conversation.system_prompt = custom_instructions(content, metadata) or conversation.system_prompt
        return
    if metadata.get('is_visually_hidden_from_conversation'):
        return  # the hidden system turn, and what ChatGPT itself does not show
    parts = content.get('parts') if isinstance(content.get('parts'), list) else []
    if role == 'tool':  # a tool's output is for the model, except an image it made, which the person saw
        if any(isinstance(part, dict) and part.get('content_type') == 'image_asset_pointer' for part in parts):
            add_turn(conversation, ImportedMessage('assistant', IMAGE_MADE))
        return
    recipient = message.get('recipient')
    if role == 'assistant' and isinstance(recipient, str) and recipient.startswith('canmore.'):
        add_turn(conversation, ImportedMessage('assistant', canvas(recipient, text_of(content.get('text'))),
                                               model=text_of(metadata.get('model_slug'))))
        return
    if role not in ('user', 'assistant') or (role == 'assistant' and recipient not in (None, 'all')):
        return  # a call to a tool (code, search, images): not words to the person
    text, reasoning = '', ''
    if kind in ('text', 'multimodal_text'):
        text = paragraphs(map(chatgpt_part, parts))
        if role == 'assistant':
            text = CITATION.sub('', text)
    elif kind == 'code' and text_of(content.get('text')):
        text = fenced(text_of(content.get('text')), text_of(content.get('language')))
    elif kind == 'thoughts':
        reasoning = paragraphs(text_of(thought.get('content')) for thought in content.get('thoughts') or []
                               if isinstance(thought, dict))
    if role == 'user':  # files attached to the question: their names, where their text is not in the export
        attached = metadata.get('attachments') if isinstance(metadata.get('attachments'), list) else []
        notes = [FILE_NOTE.format(name=text_of(a.get('name')) or 'a file') for a in attached if isinstance(a, dict)]
        text = paragraphs([text, *notes])
    if not (text.strip() or reasoning.strip()):
        return
    add_turn(conversation, ImportedMessage(role, text, reasoning, text_of(metadata.get('model_slug')),
                                           timestamp(message.get('create_time'))))


def chatgpt_part(part: Any) -> str:
    if isinstance(part, str):
        return part
    if not isinstance(part, dict):
        return ''
    if part.get('content_type') == 'audio_transcription':
        return text_of(part.get('text'))
    if part.get('content_type') == 'image_asset_pointer':
        return IMAGE_NOTE
    return ''


def canvas(recipient: str, call: str) -> str:
    """A canvas document ChatGPT wrote (its `canmore.create_textdoc` call), titled; code as a code block."""
    try:
        document = json.loads(call)
    except ValueError:
        document = None
    if recipient != 'canmore.create_textdoc' or not isinstance(document, dict):
        return CANVAS_EDITED
    kind = text_of(document.get('type'))
    return titled(text_of(document.get('name')) or 'Canvas', text_of(document.get('content')),
                  kind.removeprefix('code/') if kind.startswith('code/') else None)


def custom_instructions(content: dict[str, Any], metadata: dict[str, Any]) -> str:
    """ChatGPT's custom instructions ("about you", "how to answer"), as one system prompt: the person's own words,
    without the text ChatGPT wraps them in for its model."""
    data = metadata.get('user_context_message_data')
    data = data if isinstance(data, dict) else {}
    about, how = text_of(data.get('about_user_message')), text_of(data.get('about_model_message'))
    if not (about.strip() or how.strip()):  # only the wrapped text: the person's words are in its code fence
        about = unwrapped(text_of(content.get('user_profile')))
        how = unwrapped(text_of(content.get('user_instructions')))
    parts = [f'{label}\n{text.strip()}' for label, text in (('About me:', about), ('How to respond:', how))
             if text.strip()]
    return '\n\n'.join(parts)


def unwrapped(text: str) -> str:
    """The inside of the first ``` fence of `text`, or all of it when it has none."""
    fence = re.search(r'```(.*?)```', text, re.DOTALL)
    return fence.group(1) if fence else text


# Claude


def from_claude(item: dict[str, Any]) -> ImportedConversation:
    conversation = ImportedConversation(title=text_of(item.get('name')), source='claude',
                                        source_id=text_of(item.get('uuid')),
                                        created_at=timestamp(item.get('created_at')),
                                        updated_at=timestamp(item.get('updated_at')))
    for message in claude_branch([m for m in item['chat_messages'] if isinstance(m, dict)]):
        role = {'human': 'user', 'assistant': 'assistant'}.get(text_of(message.get('sender')))
        blocks = [block for block in message.get('content') or [] if isinstance(block, dict)]
        text = paragraphs(map(claude_block, blocks))
        reasoning = paragraphs(text_of(b.get('thinking')) for b in blocks if b.get('type') == 'thinking')
        text = text or text_of(message.get('text'))
        for attachment in message.get('attachments') or []:  # pasted or uploaded text: part of the question
            if isinstance(attachment, dict) and text_of(attachment.get('extracted_content')).strip():
                name = text_of(attachment.get('file_name')) or 'a file'
                text += '\n\n' + ATTACHED.format(name=name) + '\n' + text_of(attachment['extracted_content']).strip()
        for file in message.get('files') or []:
            if isinstance(file, dict):
                text += '\n\n' + FILE_NOTE.format(name=text_of(file.get('file_name')) or 'a file')
        if role and (text.strip() or reasoning.strip()):
            add_turn(conversation, ImportedMessage(role, text.strip(), reasoning,
                                                   created_at=timestamp(message.get('created_at'))))
    return conversation


def claude_branch(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The branch that ends with the last message written: an answer written again or an edited question leaves
    the earlier one in the export, linked by `parent_message_uuid` (older exports are one line, in order)."""
    by_id = {m.get('uuid'): m for m in messages if isinstance(m.get('uuid'), str)}
    if not messages or not any(m.get('parent_message_uuid') in by_id for m in messages):
        return messages
    branch, seen, current = [], set(), messages[-1]
    while isinstance(current, dict) and id(current) not in seen:
        seen.add(id(current))
        branch.append(current)
        current = by_id.get(current.get('parent_message_uuid'))
    return branch[::-1]


def claude_block(block: dict[str, Any]) -> str:
    """A block's words: its text, or an artifact Claude wrote (titled; code as a code block)."""
    if block.get('type') == 'text':
        return text_of(block.get('text'))
    made = block.get('input') if block.get('type') == 'tool_use' and block.get('name') == 'artifacts' else None
    if not isinstance(made, dict) or made.get('command') not in ('create', 'rewrite'):
        return ARTIFACT_EDITED if isinstance(made, dict) else ''
    language = text_of(made.get('language'))
    code = made.get('type') == 'application/vnd.ant.code' or language
    return titled(text_of(made.get('title')) or 'Artifact', text_of(made.get('content')), language if code else None)


# Shared


def add_turn(conversation: ImportedConversation, message: ImportedMessage) -> None:
    """Append `message`, joined to the last answer when that spoke twice in a row (an answer that used a tool comes
    in several pieces); two questions in a row get a note between them (Parley shows questions and answers taking
    turns, and a question is never glued to the next)."""
    last = conversation.messages[-1] if conversation.messages else None
    if last is not None and last.role == message.role == 'user':  # an answer left out: say so, keep the turns
        conversation.messages.append(ImportedMessage('assistant', NO_ANSWER, created_at=message.created_at))
        last = conversation.messages[-1]
    if last is None or last.role != message.role:
        conversation.messages.append(message)
        return
    last.content = paragraphs([last.content, message.content])
    last.reasoning = paragraphs([last.reasoning, message.reasoning])
    last.model = last.model or message.model


def paragraphs(parts: Iterable[str]) -> str:
    """The parts that have text, a blank line between each."""
    return '\n\n'.join(part for part in parts if part)


def titled(title: str, body: str, language: str | None) -> str:
    """A document an assistant wrote beside its answer (a canvas, an artifact): its title in bold, then its text, as
    a code block when it is code (`language` not None, possibly '')."""
    return f'**{title}**\n\n{fenced(body, language) if language is not None else body}'


def fenced(text: str, language: str = '') -> str:
    """`text` as a code block whose fence no backtick run inside it can close."""
    longest = max((len(run) for run in re.findall(r'`+', text)), default=0)
    fence = '`' * max(3, longest + 1)
    return f'{fence}{language}\n{text.rstrip()}\n{fence}'


def text_of(value: Any) -> str:
    return value if isinstance(value, str) else ''


def timestamp(value: Any) -> datetime | None:
    """A naive UTC datetime from ChatGPT's epoch seconds or Claude's ISO 8601 text; None if it is neither."""
    try:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return datetime.fromtimestamp(value, UTC).replace(tzinfo=None)
        if isinstance(value, str) and value:
            parsed = datetime.fromisoformat(value.replace('Z', '+00:00'))
            return parsed.astimezone(UTC).replace(tzinfo=None) if parsed.tzinfo else parsed
    except (ValueError, OverflowError, OSError):
        pass
    return None
