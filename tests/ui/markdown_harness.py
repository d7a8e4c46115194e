"""A tiny NiceGUI app for the StreamingMarkdown browser tests: `python -m tests.ui.markdown_harness PORT`.

`/` streams ANSWER into one element at 25 deltas a second (Start), with buttons that make the wire misbehave
(replay, lose or overlap a delta) and a second element that renders the same text at once, for comparison.
`/late` streams and finishes an answer before its elements mount. `/hostile` shows model output that tries to run
script and load things, finished and streaming.
"""

from __future__ import annotations

import asyncio
import base64
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from fastapi import Request
from fastapi.responses import PlainTextResponse, Response
from nicegui import app, events, ui

from tests.fakes.server import free_port
from ui.streaming_markdown import StreamingMarkdown

CHUNK = 16  # characters per delta
INTERVAL = 0.04  # seconds between deltas

CODE = '''import os

def greet(name: str) -> str:
    """Say hello."""
    return f"Hello, {name}!"  # from {os.name}
'''

ANSWER = f'''# Streaming answer

Parley renders **markdown** in the browser, with *emphasis*, `inline code` and a
[link](https://example.com/docs). Emoji take two UTF-16 units 🚀 and must not shift offsets.

## A list

- First item
- Second item with `code`
  - Nested item
- Third item

1. One
2. Two
3. Three

## A table

| Language | Typing | Speed |
| :------- | :----: | ----: |
| Python | dynamic | medium |
| Rust | static | fast |

## Code

```python
{CODE}```

> A blockquote closes the answer,
> over two lines.

Done.
'''

SHORTER = 'Another version, shorter.'  # what the /late page's third element ends up showing

PIXEL = base64.b64decode('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNk+A8AAQUBAScY42YAAAAASUVORK5CYII=')


def hostile_text(base_url: str) -> str:
    return f'''## Hostile output

<script>window.__pwned = 'script'; alert('script')</script>

<img src="x" onerror="window.__pwned = 'img'">

<svg onload="window.__pwned = 'svg'"></svg>

<iframe src="javascript:window.__pwned = 'iframe'"></iframe>

<form action="https://evil.example/"><input name="secret"></form>

[a javascript link](javascript:window.__pwned='link'), [a data link](data:text/html;base64,PHNjcmlwdD4=),
[a vbscript link](vbscript:msgbox(1)) and a [normal link](https://example.com/).

![a local pixel]({base_url}/pixel.png)

![a remote cat](https://images.example.invalid/cat.png)

![inline data](data:image/png;base64,{base64.b64encode(PIXEL).decode()})
'''


ROOT = Path(__file__).resolve().parents[2]

# Renders a text two ways in the page of either harness page: all at once, and streamed a character at a time with
# one unit of work per flush (past the time budget). Returns both as HTML; both renderers stay in `window.twoWays`.
TWO_WAYS = '''async (text) => {
  const { MarkdownRenderer } = await import('markdown_renderer');
  const once = new MarkdownRenderer(document.createElement('div'));
  once.reset(text, { streaming: false });
  const streamed = new MarkdownRenderer(document.createElement('div'));
  for (let i = 0; i < text.length; i++) {
    streamed.append(i, text[i]);
    streamed.flush({ atLeastOne: true });
  }
  streamed.finish(text.length);
  await Promise.all([once.settled(), streamed.settled()]);
  window.twoWays = { once, streamed };
  return { once: once.root.innerHTML, streamed: streamed.root.innerHTML, blocks: streamed.stats.frozenBlocks };
}'''


@contextmanager
def running_harness(log_dir: Path) -> Iterator[str]:
    """Start this harness as its own process on a free port; yields its base URL."""
    port = free_port()
    log = log_dir / 'harness.log'
    # Without PYTEST_CURRENT_TEST, or NiceGUI would take the harness for its own screen test and ignore the port.
    env = {key: value for key, value in os.environ.items() if key != 'PYTEST_CURRENT_TEST'}
    process = subprocess.Popen([sys.executable, '-m', 'tests.ui.markdown_harness', str(port)], cwd=ROOT, env=env,
                               stdout=log.open('wb'), stderr=subprocess.STDOUT)
    url = f'http://127.0.0.1:{port}'
    deadline = time.monotonic() + 90  # a loaded machine can take long to import NiceGUI
    try:
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f'markdown harness did not start (exit code {process.poll()}):\n'
                                   f'{log.read_text()[-3000:]}')
            try:
                if httpx.get(f'{url}/healthz', timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class FlakyWireMarkdown(StreamingMarkdown):
    """StreamingMarkdown whose outgoing appends can be lost, overlapped or replayed, as over a flaky socket."""

    def __init__(self, content: str = '', *, streaming: bool = False) -> None:
        super().__init__(content, streaming=streaming)
        self.fault: str | None = None
        self.last_append: tuple[Any, ...] = ()
        self.resets = 0
        self.held: list[events.GenericEventArguments] | None = None  # reports kept back, as by a busy server
        self.reported = asyncio.Event()  # a report is held
        self.deaf = False  # calls are lost while reports are held: as if they came before the element existed

    def hold_reports(self, *, deaf: bool = False) -> None:
        self.held = []
        self.deaf = deaf

    def release_reports(self) -> None:
        held, self.held, self.deaf = self.held or [], None, False
        for event in held:
            self._handle_report(event)

    def _handle_report(self, event: events.GenericEventArguments) -> None:
        if self.held is not None:
            self.held.append(event)
            self.reported.set()
        else:
            super()._handle_report(event)

    def _call(self, method: str, *args: Any) -> None:
        if self.deaf:
            return
        if method == 'append':
            fault, self.fault = self.fault, None
            previous, self.last_append = self.last_append, args
            if fault == 'lose':
                return
            if fault == 'overlap' and previous:
                args = (previous[0], previous[1] + args[1], *args[2:])  # the previous delta again, in front
        elif method == 'reset':
            self.resets += 1
        super()._call(method, *args)

    def replay(self) -> None:
        if self.last_append:
            super()._call('append', *self.last_append)


@app.get('/healthz')
def healthz() -> PlainTextResponse:
    return PlainTextResponse('ok')


@app.get('/pixel.png')
def pixel() -> Response:
    return Response(PIXEL, media_type='image/png', headers={'Cache-Control': 'no-store'})


@ui.page('/')
def streaming_page(dark: bool = False) -> None:
    ui.dark_mode(dark)
    with ui.column().classes('w-full max-w-3xl mx-auto p-4 gap-3'):
        with ui.row().classes('gap-2'):
            start = ui.button('Start')
            replay = ui.button('Replay last delta')
            lose = ui.button('Lose next delta')
            overlap = ui.button('Overlap next delta')
            finish = ui.button('Finish')
        status = ui.label()
        answer = FlakyWireMarkdown(streaming=True).props('data-testid=stream')
        ui.separator()
        ui.label('Rendered at once').classes('text-caption')
        StreamingMarkdown(ANSWER).props('data-testid=reference')

    def tick() -> None:
        sent = len(answer.text)
        if sent < len(ANSWER):
            answer.append(sent, ANSWER[sent:sent + CHUNK])
        else:
            timer.active = False
        status.text = f'Sent {len(answer.text)} of {len(ANSWER)}. Resyncs: {answer.resets}'

    timer = ui.timer(INTERVAL, tick, active=False)
    tick()
    start.on_click(lambda: timer.activate())
    replay.on_click(answer.replay)
    lose.on_click(lambda: setattr(answer, 'fault', 'lose'))
    overlap.on_click(lambda: setattr(answer, 'fault', 'overlap'))
    finish.on_click(answer.finish)


@ui.page('/late')
def late_page() -> None:
    """An answer streamed whole and finished before its elements mount: the mount reports come after the end."""
    with ui.column().classes('w-full max-w-3xl mx-auto p-4 gap-3'):
        answer = ui.button('Answer at once')
        status = ui.label()
        answers = ui.column().classes('w-full')
        ui.separator()
        StreamingMarkdown(ANSWER).props('data-testid=reference')

    async def answer_at_once() -> None:
        with answers:
            whole = FlakyWireMarkdown(streaming=True).props('data-testid=whole')
            lost = FlakyWireMarkdown(streaming=True).props('data-testid=lost')
            longer = FlakyWireMarkdown(ANSWER, streaming=True).props('data-testid=longer')
        whole.hold_reports()
        lost.hold_reports(deaf=True)
        longer.hold_reports(deaf=True)
        # Two mounted empty and streaming (their reports say so), then the whole answer before those reports; the
        # third mounted with the whole answer, which a reset to a shorter one (lost) then replaced.
        await asyncio.wait_for(asyncio.gather(whole.reported.wait(), lost.reported.wait(), longer.reported.wait()),
                               timeout=10)
        for element in (whole, lost):
            element.append(0, ANSWER)
            element.finish()
            element.release_reports()
        longer.reset(SHORTER, streaming=True)
        longer.release_reports()
        ui.timer(0.1, lambda: status.set_text(f'Resyncs: {whole.resets}, {lost.resets} and {longer.resets}'))

    answer.on_click(answer_at_once)


@ui.page('/hostile')
def hostile_page(request: Request, dark: bool = False) -> None:
    ui.dark_mode(dark)
    text = hostile_text(str(request.base_url).rstrip('/'))
    with ui.column().classes('w-full max-w-3xl mx-auto p-4 gap-3'):
        StreamingMarkdown(text).props('data-testid=hostile')
        ui.separator()
        streamed = StreamingMarkdown(streaming=True).props('data-testid=hostile-stream')
    ui.timer(INTERVAL, lambda: streamed.append(0, text), once=True)  # rendered as the open tail


if __name__ in {'__main__', '__mp_main__'}:
    port = int(sys.argv[1] if len(sys.argv) > 1 else os.environ.get('PORT', '8765'))
    ui.run(host='127.0.0.1', port=port, show=False, reload=False, title='Markdown harness')
