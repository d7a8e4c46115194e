"""The chat page at `/` (a new chat) and `/c/{id}` (one conversation): header, sidebar, messages, composer."""

from __future__ import annotations

import json
import logging

from nicegui import ui
from starlette.requests import Request
from starlette.responses import RedirectResponse

from engine.chat import ChatEngine, ChatInputError, visible_to
from engine.settings import Settings
from storage.errors import describe
from storage.models import Conversation

from . import names
from .composer import Composer
from .conversation_view import ConversationView
from .current_user import current_user_id
from .drafts import add_drafts
from .header import Header
from .instructions import Instructions
from .keyboard import add_keyboard
from .page_preview import add_preview
from .preferences import LAST_MODEL, new_chat_model, remember
from .sidebar import Sidebar
from .streaming_markdown import StreamingMarkdown
from .tab_title import TabTitle
from .theme import add_head, asset_url, page_prefix, redirect_to

log = logging.getLogger(__name__)

NO_PROVIDER = '''**No model provider is configured yet.**

Open **Settings** in the header to add OpenAI, Anthropic, Gemini or any OpenAI-compatible server: it works at
once, no restart. Or add a key to a `.env` file next to `app.py` (or to the environment) and restart Parley:

- `OPENAI_API_KEY=...` for OpenAI
- `ANTHROPIC_API_KEY=...` for Anthropic
- `GEMINI_API_KEY=...` for Google Gemini
- `PARLEY_OPENAI_COMPATIBLE_BASE_URL=http://localhost:1234/v1` for LM Studio, vLLM, OpenRouter or any
  OpenAI-compatible server (Ollama on its usual port is found by itself)

`.env.example` lists every setting.'''

# A link to a conversation that is not there (deleted, or never this person's) opens a new chat with this notice.
GONE = 'gone'
GONE_NOTICE = 'That conversation is not here: it was deleted, or the link is not yours. This is a new chat.'
# The conversation a page showed was deleted elsewhere (another tab or window): the page opens a new chat, saying why.
DELETED = 'deleted'
DELETED_NOTICE = 'The conversation you had open was deleted in another tab or window. This is a new chat.'


def register(engine: ChatEngine, settings: Settings) -> None:
    """Add the chat pages to the app."""

    @ui.page('/', title='Parley')
    def new_chat(request: Request) -> None:
        notices = {GONE: GONE_NOTICE, DELETED: DELETED_NOTICE}
        notice = next((text for key, text in notices.items() if key in request.query_params), None)
        chat_page(engine, settings, None, current_user_id(), notice=notice)
        if notice:
            ui.run_javascript('history.replaceState(null, "", location.pathname)')  # a reload is just a new chat

    @ui.page('/c/{conversation_id}', title='Parley')
    def conversation(conversation_id: str, request: Request) -> RedirectResponse | None:
        user_id = current_user_id()
        # Deleted, never existed or someone else's: all three get the same new chat and notice, so an id tells
        # nothing; the notice says why the link did not open what it promised.
        if engine.repository.get_conversation(conversation_id, user_id=user_id) is None:
            return redirect_to(f'/?{GONE}', request)
        chat_page(engine, settings, conversation_id, user_id)
        return None


def _to_a_new_chat(notice: str) -> None:
    """The chat open here is gone: a new chat says why, with what the message box held waiting in its box."""
    ui.run_javascript('window.parleyDrafts?.carryToNewChat()')
    ui.navigate.to(f'/?{notice}')


def chat_page(engine: ChatEngine, settings: Settings, conversation_id: str | None, user_id: str | None,
              notice: str | None = None) -> None:
    """The page of `conversation_id` (already checked to be the user's) or of a new chat, with `notice` under its
    welcome (in the page, not a toast over the header: it goes with the welcome as the chat starts)."""
    add_head()
    ui.query('body').classes(add='parley-chat-page')  # its warnings sit above the composer (parley.css)
    conversation = engine.repository.get_conversation(conversation_id, user_id=user_id) if conversation_id else None
    model = (f'{conversation.provider}/{conversation.model}' if conversation
             else new_chat_model(engine.providers, settings.default_model))
    tab = TabTitle()
    if conversation:
        tab.show(conversation)
    view: ConversationView | None = None
    instructions = Instructions(engine, user_id, lambda: view.conversation_id if view else conversation_id,
                                conversation.system_prompt if conversation else None)
    header = Header(engine.providers, model, beside_model=instructions.add_button,
                    default=None if conversation else lambda: new_chat_model(engine.providers, settings.default_model))
    sidebar = Sidebar(engine, user_id, current=lambda: view.conversation_id if view else conversation_id,
                      on_deleted=lambda deleted: deleted == (view and view.conversation_id) and ui.navigate.to('/'),
                      on_gone=lambda: _to_a_new_chat(DELETED))
    sidebar.toggled_by(header.sidebar_button)
    composer: Composer | None = None
    view = ConversationView(engine, conversation_id, user_id, model=lambda: header.model,
                            on_busy=lambda busy: composer and composer.set_busy(busy))
    # Load the markdown component (and markdown-it, highlight.js, DOMPurify) with the page, not at the first
    # answer: otherwise its first deltas race the component's mount and the first frame of text is a long task.
    StreamingMarkdown('').classes('hidden')
    if conversation_id is None:
        with view.empty:
            ui.label('What can I help with?').classes('parley-welcome')
            if notice:
                ui.label(notice).classes('parley-welcome-notice').props['role'] = 'status'
            if not engine.providers:
                ui.markdown(NO_PROVIDER).classes('parley-notice')

    def created(conversation: Conversation) -> None:  # the page's first message made its new chat a conversation
        view.adopt(conversation)
        instructions.adopt(conversation)

    async def send(text: str) -> bool:
        new_chat = view.conversation_id is None  # this message makes it a conversation (the page's first only)
        try:
            sent = await engine.send(view.conversation_id, text, header.model, user_id=user_id,
                                     on_created=created,
                                     instructions=instructions.shown if new_chat else None)
        except ChatInputError as error:
            ui.notify(str(error), type='warning')
            return False
        except Exception as error:  # storage failed: keep the text in the composer and say so
            log.exception('sending failed')
            ui.notify(f'Parley could not save your message ({describe(error)}), so it was not sent. '
                      'Your text is still in the box: try again in a moment.', type='negative', multi_line=True,
                      timeout=10_000)
            return False
        remember(LAST_MODEL, header.model)  # the next new chat starts with it
        header.automatic = None  # the chat has its model: the picker no longer follows the default
        ui.run_javascript('window.parleyScroll && window.parleyScroll.pin()')
        if new_chat:
            path = json.dumps(f'/c/{sent.conversation.id}')
            ui.run_javascript(f'history.replaceState(null, "", (window.path_prefix || "") + {path})')
            tab.show(sent.conversation)
        return True

    def stop() -> None:
        if view.conversation_id:
            engine.stop(view.conversation_id, user_id=user_id)

    with ui.footer().classes('parley-footer'):
        composer = Composer(send, stop)
        # In the footer, which spans the chat column's area (not the sidebar's): centred there, above the box.
        jump = ui.button(icon='arrow_downward').props('round unelevated').classes('parley-jump')
        jump.props['aria-label'] = names.JUMP_TO_LATEST
        jump.on('click', js_handler='() => window.parleyScroll && window.parleyScroll.jump()')
    composer.set_busy(engine.generation_for(view.conversation_id, user_id=user_id) is not None)

    def retitle(owner: str | None) -> None:  # a conversation was renamed (or deleted: the sidebar handles that)
        shown = (engine.repository.get_conversation(view.conversation_id, user_id=user_id)
                 if view.conversation_id and visible_to(user_id, owner) else None)
        if shown:
            tab.show(shown)

    engine.conversations_changed.subscribe(retitle)
    add_keyboard(engine.repository)  # shortcuts, the Ctrl/Cmd+K search and the shortcuts dialog
    ui.add_head_html(f'<script type="module" src="{asset_url("last_chat.js")}"></script>')  # for "Back to chat"
    add_drafts(user_id)
    ui.add_head_html(f'<script type="module" src="{asset_url("message_edit.js")}"></script>')  # Edit on a question
    add_preview(sidebar.preview(page_prefix()), dark=header.dark, sidebar_open=sidebar.starts_open,
                home=page_prefix())
