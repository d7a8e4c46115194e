"""The naive baseline: a minimal NiceGUI chat that re-renders the whole answer with `ui.markdown` on every token.

It streams exactly like NiceGUI's chat examples do (`set_content` of the whole text per token, rendered by markdown2
on the server), pointed at the same fake provider as Parley. The page mirrors just enough of Parley's markup for
the benchmark to read it the same way: a textbox and a button named "Message" and "Send", and an `article` named
"Assistant message" whose `data-status` turns `complete` after the last token.

    python bench/naive_app.py PORT      (OPENAI_BASE_URL and OPENAI_API_KEY from the environment)
"""

from __future__ import annotations

import sys

from nicegui import app, ui
from openai import AsyncOpenAI

MODEL = 'gpt-4o-mini'


@app.get('/healthz')
def health() -> dict[str, str]:
    return {'status': 'ok'}


@ui.page('/')
def index() -> None:
    client = AsyncOpenAI()
    messages = ui.column().classes('w-full')

    async def send() -> None:
        question = box.value or ''
        box.value = ''
        with messages:
            ui.chat_message(text=question, name='You', sent=True).classes('naive-user-text')
            with ui.element('article') as answer:
                answer.props['aria-label'] = 'Assistant message'
                answer.props['data-status'] = 'streaming'
                markdown = ui.markdown('')
        response = ''
        stream = await client.chat.completions.create(
            model=MODEL, messages=[{'role': 'user', 'content': question}], stream=True)
        async for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                response += chunk.choices[0].delta.content
                markdown.set_content(response)
        answer.props['data-status'] = 'complete'

    box = ui.textarea(placeholder='message').classes('w-full')
    box.props['aria-label'] = 'Message'
    ui.button('Send', on_click=send)


if __name__ in {'__main__', '__mp_main__'}:
    ui.run(host='127.0.0.1', port=int(sys.argv[1]), show=False, reload=False, show_welcome_message=False)
