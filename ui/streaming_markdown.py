"""StreamingMarkdown: an answer rendered as markdown in the browser, fed by offset-tagged text deltas.

The browser side is assets/streaming_markdown.js (Vue) around assets/markdown_renderer.js and the modules it
imports (markdown-it, highlight.js and DOMPurify from assets/vendor/, served by this app: nothing loads from a CDN).
"""

from __future__ import annotations

import re
import time
from collections import deque
from pathlib import Path
from typing import Any

import nicegui
from nicegui import dependencies, events, ui

from .browser_call import call_method

ASSETS = Path(__file__).resolve().parent.parent / 'assets'
# The renderer's ES modules in assets/, imported by bare name (see markdown_renderer.js for who does what).
RENDERER_MODULES = ('markdown_renderer', 'block_scanner', 'freeze_jobs', 'markdown_html', 'markdown_math',
                    'markdown_footnotes', 'markdown_decorate', 'table_chunks', 'render_budget', 'arrival_mark')


# Imported as parley-vendor/NAME and preloaded with the page; katex.min.js is not: it loads with a page's first formula.
VENDOR_MODULES = ('markdown-it.min.js', 'highlight.min.js', 'purify.min.js', 'texmath.js')


# Text that may hold a formula (see assets/markdown_math.js), outside code: a page showing such a message loads KaTeX
# with itself. A `$` followed by a digit or a space is a price ("$5 and $10"), not a formula.
MATH_HINT = re.compile(r'\$\$|\$[^\s$\d][^$\n]*\$|\\\(|\\\[')
CODE = re.compile(r'^ {0,3}(`{3,}|~{3,}).*?(?:^ {0,3}\1|\Z)|`[^`\n]*`', re.MULTILINE | re.DOTALL)


def may_hold_math(text: str) -> bool:
    return MATH_HINT.search(CODE.sub('', text)) is not None


def vendor_url(prefix: str, name: str) -> str:
    key = next(key for key, module in dependencies.esm_modules.items() if module.name == 'parley-vendor')
    return f'{prefix}/_nicegui/{nicegui.__version__}/esm/{key}/{name}'


def renderer_module_urls(prefix: str) -> list[str]:
    """Where the browser finds the renderer's modules and vendored libraries: the URLs of NiceGUI's import map."""
    base = f'{prefix}/_nicegui/{nicegui.__version__}'
    urls = [f'{base}/libraries/{key}' for key, library in dependencies.libraries.items()
            if library.name in RENDERER_MODULES]
    urls += [f'{base}/esm/{key}/{name}' for key, module in dependencies.esm_modules.items()
             if module.name == 'parley-vendor' for name in VENDOR_MODULES]
    return urls


# Flow control: at most UNSHOWN deltas of a streaming answer are on their way or waiting in the browser; the next
# waits until the browser reports one shown (or SHOWN_TIMEOUT passed), so a page whose renderer falls behind (a slow
# device) gets fewer, bigger updates instead of a backlog.
# The browser reports only the deltas the server asks about, every ASK_EVERY-th: each report is a message up the
# socket and an event for the server, and the ones between would release nothing. A full window then holds an asked
# delta sent at least one flush interval before the newest, so its report has two intervals to come back before the
# next delta is due. (A window of two, asking about the delta that filled it, left one: with twenty pages streaming
# on two cores, 8% of deltas waited for a report, about 90 ms each, and those waits made the slowest tokens.)
UNSHOWN = 3
ASK_EVERY = UNSHOWN - 1
SHOWN_TIMEOUT = 1.0


def utf16_length(text: str) -> int:
    """Length as JavaScript counts it: the wire offsets are in UTF-16 code units, Python's in code points."""
    return len(text.encode('utf-16-le')) // 2


class StreamingMarkdown(
    ui.element,
    component='../assets/streaming_markdown.js',
    # Each module is in the import map under its file name (`import ... from "table_chunks"`), served from 'self'.
    dependencies=[f'../assets/{name}.js' for name in RENDERER_MODULES],
    esm={'parley-vendor': '../assets/vendor'},  # importmap prefix: parley-vendor/
    default_classes='parley-markdown',
):
    """Markdown that grows by deltas: `append` while streaming, `finish` at the end, `reset` to start over."""

    def __init__(self, content: str = '', *, streaming: bool = False) -> None:
        super().__init__()
        self._props['content'] = content
        self._props['streaming'] = streaming
        self._wire_length = utf16_length(content)
        # (text length after, monotonic time) per call not shown yet; bounded, for an element whose reports never
        # come (a reasoning box that is never opened): flow control needs only its first UNSHOWN entries.
        self._unshown: deque[tuple[int, float]] = deque(maxlen=8 * UNSHOWN)
        self._appends = 0  # counts the calls to `append` that sent text: every ASK_EVERY-th asks for a report
        self.add_resource(ASSETS)  # markdown.css (and the highlight.js themes it imports)
        self.on('report', self._handle_report)  # see assets/streaming_markdown.js

    @property
    def text(self) -> str:
        """The full text the server has given this element."""
        return self._props['content']

    @property
    def streaming(self) -> bool:
        return self._props['streaming']

    def ready_for_more(self) -> bool:
        """True while fewer than UNSHOWN calls wait to be shown, or the oldest has waited SHOWN_TIMEOUT (a report
        lost to a reconnect must not stall the stream)."""
        unshown = self._unshown
        return len(unshown) < UNSHOWN or time.monotonic() - unshown[0][1] >= SHOWN_TIMEOUT

    def append(self, offset: int, delta: str) -> None:
        """Add `delta`, which starts at `offset` (in characters) of the text; only the new part is sent."""
        text = self.text
        if offset > len(text):
            raise ValueError(f'append at {offset} would leave a gap: the text has {len(text)} characters')
        fresh = delta[len(text) - offset:]
        if not fresh:
            return
        # Keep the prop whole for any later full re-send of the element, but do not trigger one now.
        with self._props.suspend_updates():
            self._props['content'] = text + fresh
        start = self._wire_length
        self._wire_length += utf16_length(fresh)
        self._unshown.append((self._wire_length, time.monotonic()))
        self._appends += 1
        # By count, not by how full the window is: a report lost to a reconnect cannot stop the next one being asked.
        self._call('append', start, fresh, self._appends % ASK_EVERY == 0)

    def finish(self) -> None:
        """The answer is final: the browser renders its tail as a finished block (highlighted, frozen)."""
        with self._props.suspend_updates():
            self._props['streaming'] = False
        self._call('finish', self._wire_length)

    def reset(self, content: str, *, streaming: bool) -> None:
        """Replace the whole text (a full resync)."""
        with self._props.suspend_updates():
            self._props['content'] = content
            self._props['streaming'] = streaming
        self._wire_length = utf16_length(content)
        self._unshown.clear()
        self._unshown.append((self._wire_length, time.monotonic()))
        self._call('reset', content, streaming)

    def _call(self, method: str, *args: Any) -> None:
        call_method(self, method, *args)  # a method of its own: the tests' flaky-wire harness overrides it

    def _handle_report(self, event: events.GenericEventArguments) -> None:
        args = event.args if isinstance(event.args, dict) else {}
        if args.get('kind') == 'shown':
            shown = args.get('length')
            while isinstance(shown, int) and self._unshown and self._unshown[0][0] <= shown:
                self._unshown.popleft()
            return
        if args.get('length') == self._wire_length and args.get('streaming') == self._props['streaming']:
            return
        if args.get('kind') == 'mounted':
            # The browser built the element from a full state while calls were on their way: those sent after it
            # reach it in order, any that came before it were lost. While streaming, a later call (the finish at
            # the latest) carries its offset and shows such a loss as a gap. Once finished, the report is often
            # just late (a busy server finishes a short answer before it comes): ask again with a finish of no
            # text rather than resend all of it; the browser reports a gap if it has less. More than the server
            # has is another text (a reset lost before the mount): only a resend mends that.
            length = args.get('length')
            if isinstance(length, int) and length > self._wire_length:
                self.reset(self.text, streaming=self._props['streaming'])
            elif not self._props['streaming']:
                self._call('finish', self._wire_length)
            return
        self.reset(self.text, streaming=self._props['streaming'])  # the browser saw a gap: send everything
