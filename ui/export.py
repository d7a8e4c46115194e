"""`/c/<id>/export.md`: a conversation downloaded as Markdown (Export in the sidebar's menu), for its owner only."""

from __future__ import annotations

import asyncio
from urllib.parse import quote

from fastapi import HTTPException, Request, Response
from nicegui import app

from engine.chat import ChatEngine
from engine.export import conversation_markdown, export_filename

from . import auth
from .current_user import team_mode
from .not_found import FOR_PEOPLE

EXPORT_PATH = '/c/{conversation_id}/export.md'


def register_export(engine: ChatEngine) -> None:
    @app.get(EXPORT_PATH)
    async def export(conversation_id: str, request: Request) -> Response:
        setattr(request.state, FOR_PEOPLE, True)  # a link someone clicked: a 404 is a page with a way back, not JSON
        # The sign-in middleware has checked this request's account (or sent it to sign in); personal mode has none.
        user_id = getattr(request.state, auth.OWNER, None) if team_mode() else None
        if team_mode() and not user_id:
            raise HTTPException(status_code=404)
        repository = engine.repository
        conversation = await asyncio.to_thread(repository.get_conversation, conversation_id, user_id=user_id)
        if conversation is None:  # deleted, never there or someone else's: the same answer for all three
            raise HTTPException(status_code=404)
        messages = await asyncio.to_thread(repository.get_messages, conversation_id)
        usage = await asyncio.to_thread(repository.conversation_usage, conversation_id, user_id=user_id)
        if generation := engine.generation_for(conversation_id, user_id=user_id):
            for message in messages:  # storage lags the answer being written by up to half a second
                if message.id == generation.message_id:
                    message.content, message.reasoning = generation.text, generation.reasoning
        filename = export_filename(conversation.title)
        return Response(conversation_markdown(conversation, messages, usage), media_type='text/markdown; charset=utf-8',
                        headers={'Content-Disposition': f"attachment; filename*=UTF-8''{quote(filename)}",
                                 'Cache-Control': 'no-store'})
