"""Small exports in the shapes ChatGPT and Claude write them (`conversations.json`), for the import tests."""

from __future__ import annotations

import json
from typing import Any

# 2025-12-01 09:00:00 UTC and on, as ChatGPT writes times (epoch seconds, with a fraction)
T0 = 1_764_579_600.25


def node(node_id: str, parent: str | None, children: list[str], message: dict[str, Any] | None) -> dict[str, Any]:
    return {'id': node_id, 'message': message, 'parent': parent, 'children': children}


def chatgpt_message(node_id: str, role: str, content: dict[str, Any], *, at: float | None = None,
                    recipient: str = 'all', **metadata: Any) -> dict[str, Any]:
    return {'id': node_id, 'author': {'role': role, 'name': None, 'metadata': {}}, 'create_time': at,
            'update_time': None, 'content': content, 'status': 'finished_successfully', 'end_turn': True,
            'weight': 1.0, 'metadata': metadata, 'recipient': recipient}


def text(*parts: Any) -> dict[str, Any]:
    return {'content_type': 'text', 'parts': list(parts)}


def chatgpt_conversation() -> dict[str, Any]:
    """Custom instructions, a question with an image, an answer regenerated once (the second kept), and a question
    answered with reasoning, a run of Python and words after it."""
    mapping = {
        'root': node('root', None, ['sys'], None),
        'sys': node('sys', 'root', ['ctx'], chatgpt_message('sys', 'system', text(''),
                                                              is_visually_hidden_from_conversation=True)),
        'ctx': node('ctx', 'sys', ['q1'], chatgpt_message('ctx', 'user', {
            'content_type': 'user_editable_context',
            'user_profile': 'The user provided the following information about themselves. This user profile is '
                            'shown to you in all conversations they have.\nUser profile:\n```I teach physics.```',
            'user_instructions': 'The user provided the additional info about how they would like you to respond:\n'
                                 '```Answer briefly, in SI units.```'}, is_visually_hidden_from_conversation=True)),
        'q1': node('q1', 'ctx', ['a1-old', 'a1'], chatgpt_message('q1', 'user', {
            'content_type': 'multimodal_text',
            'parts': [{'content_type': 'image_asset_pointer', 'asset_pointer': 'file-service://file-1'},
                      'What is on this slide?']}, at=T0)),
        'a1-old': node('a1-old', 'q1', [], chatgpt_message('a1-old', 'assistant', text('A first try.'), at=T0 + 5,
                                                           model_slug='gpt-4o')),
        'a1': node('a1', 'q1', ['q2'], chatgpt_message('a1', 'assistant', text('Newton\'s second law: $F = ma$.'),
                                                       at=T0 + 9, model_slug='gpt-4o')),
        'q2': node('q2', 'a1', ['think'], chatgpt_message('q2', 'user', text('Compute 2**10 <script>x</script>'),
                                                          at=T0 + 60)),
        'think': node('think', 'q2', ['call'], chatgpt_message('think', 'assistant', {
            'content_type': 'thoughts', 'thoughts': [{'summary': 'Plan', 'content': 'Use Python.'}],
            'source_analysis_msg_id': 'x'}, at=T0 + 61, model_slug='o3')),
        'call': node('call', 'think', ['out'], chatgpt_message('call', 'assistant', {
            'content_type': 'code', 'language': 'unknown', 'text': 'print(2**10)'}, at=T0 + 62, recipient='python',
            model_slug='o3')),
        'out': node('out', 'call', ['a2'], chatgpt_message('out', 'tool', {
            'content_type': 'execution_output', 'text': '1024'}, at=T0 + 63)),
        'a2': node('a2', 'out', [], chatgpt_message('a2', 'assistant', text('It is **1024**.'), at=T0 + 64,
                                                    model_slug='o3')),
    }
    return {'title': 'Physics slide', 'create_time': T0, 'update_time': T0 + 64, 'mapping': mapping,
            'current_node': 'a2', 'conversation_id': 'c-1', 'id': 'c-1', 'is_archived': False}


def claude_conversation() -> dict[str, Any]:
    """A question with a pasted file and an uploaded image, answered with thinking."""
    return {
        'uuid': 'd-1', 'name': 'Log question', 'created_at': '2026-12-02T10:00:00.000000Z',
        'updated_at': '2026-12-02T10:01:00.000000Z', 'account': {'uuid': 'acct'},
        'chat_messages': [
            {'uuid': 'm1', 'sender': 'human', 'text': 'Why does this fail?',
             'content': [{'type': 'text', 'text': 'Why does this fail?'}],
             'attachments': [{'file_name': 'app.log', 'file_type': 'txt', 'file_size': 40,
                              'extracted_content': 'ERROR ```boom``` at line 3'}],
             'files': [{'file_name': 'screen.png'}],
             'created_at': '2026-12-02T10:00:00.000000Z', 'updated_at': '2026-12-02T10:00:00.000000Z'},
            {'uuid': 'm2', 'sender': 'assistant', 'text': '',
             'content': [{'type': 'thinking', 'thinking': 'The log shows a fence.'},
                         {'type': 'text', 'text': 'Line 3 raises.'}],
             'attachments': [], 'files': [],
             'created_at': '2026-12-02T10:00:30+00:00', 'updated_at': '2026-12-02T10:00:30+00:00'},
        ],
    }


def chatgpt_with_tools() -> dict[str, Any]:
    """A canvas essay, an image made with DALL-E, a question whose only answer was a run of code, a file attached to
    a question, and a searched answer with its citation markers."""
    turns = [
        ('sys', chatgpt_message('sys', 'system', text('wrapped'), is_user_system_message=True,
                                user_context_message_data={'about_model_message': 'Be kind.'})),
        ('q1', chatgpt_message('q1', 'user', text('Write my essay in canvas'), at=T0)),
        ('c1', chatgpt_message('c1', 'assistant', {'content_type': 'code', 'language': 'json', 'text': json.dumps(
            {'name': 'Essay', 'type': 'document', 'content': 'Cats are *great*.'})}, at=T0 + 1,
            recipient='canmore.create_textdoc', model_slug='gpt-4o')),
        ('q2', chatgpt_message('q2', 'user', text('Now draw a cat'), at=T0 + 10)),
        ('d2', chatgpt_message('d2', 'assistant', {'content_type': 'code', 'language': 'json', 'text': '{"prompt": 1}'},
                               at=T0 + 11, recipient='dalle.text2im')),
        ('i2', chatgpt_message('i2', 'tool', {'content_type': 'multimodal_text', 'parts': [
            {'content_type': 'image_asset_pointer', 'asset_pointer': 'file-service://file-2'}]}, at=T0 + 12)),
        ('q3', chatgpt_message('q3', 'user', text('Plot it'), at=T0 + 20)),
        ('p3', chatgpt_message('p3', 'assistant', {'content_type': 'code', 'language': 'python', 'text': 'plot()'},
                               at=T0 + 21, recipient='python')),
        ('q4', chatgpt_message('q4', 'user', text('Where is Paris?'), at=T0 + 30,
                               attachments=[{'id': 'file-3', 'name': 'map.pdf'}])),
        ('a4', chatgpt_message('a4', 'assistant', text('In France.\ue200cite\ue202turn0search0\ue201'), at=T0 + 31,
                               model_slug='gpt-4o')),
    ]
    mapping = {}
    for index, (node_id, message) in enumerate(turns):
        parent = turns[index - 1][0] if index else None
        child = [turns[index + 1][0]] if index + 1 < len(turns) else []
        mapping[node_id] = node(node_id, parent, child, message)
    return {'title': 'Tools', 'create_time': T0, 'update_time': T0 + 31, 'mapping': mapping, 'current_node': 'a4'}


def claude_with_branches() -> dict[str, Any]:
    """An answer written again (both kept in the export, the second shown), with an artifact, then an edit of it."""
    def message(uuid: str, parent: str, sender: str, content: list[dict[str, Any]]) -> dict[str, Any]:
        return {'uuid': uuid, 'parent_message_uuid': parent, 'sender': sender, 'text': '', 'content': content,
                'attachments': [], 'files': [], 'created_at': '2026-12-03T10:00:00Z'}
    code = {'command': 'create', 'id': 'x', 'type': 'application/vnd.ant.code', 'language': 'python',
            'title': 'Hello script', 'content': 'print("hi")'}
    return {'uuid': 'e-1', 'name': 'Script', 'created_at': '2026-12-03T10:00:00Z', 'updated_at': '2026-12-03T10:05:00Z',
            'chat_messages': [
                message('h1', '00000000-0000-4000-8000-000000000000', 'human', [{'type': 'text', 'text': 'A script?'}]),
                message('a1', 'h1', 'assistant', [{'type': 'text', 'text': 'First try.'}]),
                message('a1b', 'h1', 'assistant', [{'type': 'text', 'text': 'Here it is:'},
                                                   {'type': 'tool_use', 'name': 'artifacts', 'input': code},
                                                   {'type': 'tool_result', 'content': [{'type': 'text', 'text': 'OK'}]},
                                                   {'type': 'text', 'text': 'Run it.'}]),
                message('h2', 'a1b', 'human', [{'type': 'text', 'text': 'Shorter?'}]),
                message('a2', 'h2', 'assistant', [{'type': 'tool_use', 'name': 'artifacts', 'input': {
                    'command': 'update', 'id': 'x', 'old_str': 'hi', 'new_str': 'yo'}}]),
            ]}
