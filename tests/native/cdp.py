"""Just enough of the Chrome DevTools Protocol to read and type into the page inside Qt WebEngine.

Playwright's `connect_over_cdp` needs browser-context commands that Qt WebEngine does not implement, so the test
talks to the page target directly (QTWEBENGINE_REMOTE_DEBUGGING opens the port).
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from websockets.sync.client import ClientConnection, connect


class Page:
    """One page target: evaluate script, read the accessibility tree, type like a keyboard."""

    def __init__(self, socket: ClientConnection) -> None:
        self.socket = socket
        self.ids = itertools.count(1)

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        request_id = next(self.ids)
        self.socket.send(json.dumps({'id': request_id, 'method': method, 'params': params}))
        while True:  # events arrive in between; only the answer to this request matters here
            message = json.loads(self.socket.recv(timeout=30))
            if message.get('id') == request_id:
                if 'error' in message:
                    raise RuntimeError(f'{method}: {message["error"]}')
                return message['result']

    def evaluate(self, expression: str) -> Any:
        return self.call('Runtime.evaluate', expression=expression, returnByValue=True)['result'].get('value')

    def accessible(self) -> set[tuple[str, str]]:
        """(role, name) of every node a screen reader would announce."""
        nodes = self.call('Accessibility.getFullAXTree')['nodes']
        return {(node.get('role', {}).get('value', ''), node.get('name', {}).get('value', ''))
                for node in nodes if not node.get('ignored')}

    def wait_for(self, role: str, name: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while (role, name) not in self.accessible():
            if time.monotonic() > deadline:
                raise AssertionError(f'no {role} named {name!r} in the window after {timeout} s')
            time.sleep(0.2)

    def type_and_enter(self, selector: str, text: str) -> None:
        self.evaluate(f'document.querySelector({json.dumps(selector)}).focus()')
        self.call('Input.insertText', text=text)
        for kind in ('keyDown', 'keyUp'):
            self.call('Input.dispatchKeyEvent', type=kind, key='Enter', code='Enter', windowsVirtualKeyCode=13,
                      **({'text': '\r'} if kind == 'keyDown' else {}))


@contextmanager
def page_at(debug_port: int, url: str, timeout: float = 40) -> Iterator[Page]:
    """Attach to the page whose address starts with `url` once the web view has opened it."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            targets = httpx.get(f'http://127.0.0.1:{debug_port}/json/list', timeout=2).json()
            target = next(t for t in targets if t.get('type') == 'page' and t.get('url', '').startswith(url))
            break
        except (httpx.HTTPError, StopIteration, ValueError):
            if time.monotonic() > deadline:
                raise AssertionError(f'the native window did not open {url} within {timeout} s') from None
            time.sleep(0.2)
    with connect(target['webSocketDebuggerUrl'], max_size=None, open_timeout=10) as socket:
        yield Page(socket)
