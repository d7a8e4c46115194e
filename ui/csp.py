"""Content-Security-Policy for every page: script runs only from this app or from the page template itself.

NiceGUI's page template (nicegui/templates/index.html) has inline scripts without nonces: the import map, the
`addStyle` helper and the module that boots Vue. Rather than allow 'unsafe-inline', `CspMiddleware` gives every
HTML response a fresh nonce, writes it into each `<script` tag the server rendered and names it in the header.
A script that appears later (injected into the DOM, or smuggled in through content) has no nonce and never runs.

Adding the nonce to every `<script` tag of the response is safe only because no content reaches that HTML
unescaped: NiceGUI writes element data into the boot script with `<`, `>`, `&`, `` ` `` and `$` escaped
(client.HTML_ESCAPE_TABLE), and Jinja escapes the title. tests/ui/test_csp.py checks a page full of hostile
messages has exactly the template's scripts.
"""

from __future__ import annotations

import re
import secrets

from fastapi import FastAPI
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SCRIPT_TAG = re.compile(rb'<script(?=[\s>/])', re.IGNORECASE)
# A Host header goes into the policy only if it is plainly a host and port; otherwise 'self' alone covers the socket.
VALID_HOST = re.compile(r'^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$')

ALWAYS = {
    'X-Content-Type-Options': 'nosniff',  # a JSON or text response is never sniffed into HTML or script
    'Referrer-Policy': 'no-referrer',  # links in answers and loaded images never learn which chat they came from
}


def policy(nonce: str, host: str | None) -> str:
    """The policy for one response; `host` is the request's Host header (for the websocket origin)."""
    sockets = f' ws://{host} wss://{host}' if host and VALID_HOST.match(host) else ''
    directives = {
        'default-src': "'self'",  # fonts, media, manifests, workers: this app only
        # 'self' for NiceGUI's, Vue's and Parley's script files; the nonce for the template's inline scripts;
        # 'unsafe-eval' because Vue compiles component templates at runtime and NiceGUI evaluates `js_handler`s
        # and run_javascript code with eval/new Function. No 'unsafe-inline': inline script from content never runs.
        'script-src': f"'self' 'nonce-{nonce}' 'unsafe-eval'",
        # Quasar and Vue set style attributes (positions of menus, transitions) and NiceGUI adds <style> elements at
        # runtime; none can carry a nonce. CSS cannot run script in any current browser, and model output never
        # keeps a style attribute or <style> tag (DOMPurify removes them in assets/markdown_html.js); the style
        # attributes of a drawn formula are KaTeX's, from its layout code (assets/markdown_math.js).
        'style-src': "'self' 'unsafe-inline'",
        # Remote images are the reader's choice: the renderer keeps every remote image out of the page until its
        # "Load image" button is clicked, so https: here is what makes that click work. Plain http: stays blocked
        # (it would leak the image request, and the reader's address, to anyone on the way).
        'img-src': "'self' data: https:",
        'connect-src': f"'self'{sockets}",  # the socket.io connection back to this app, nothing else
        'object-src': "'none'",  # no plugins
        'base-uri': "'self'",  # a <base> tag cannot re-point relative script URLs elsewhere
        'frame-ancestors': "'none'",  # no other site can frame Parley (clickjacking)
        'form-action': "'self'",  # a form, should one ever get through, cannot post the page's content away
    }
    return '; '.join(f'{name} {value}' for name, value in directives.items())


def add_nonce(html: bytes, nonce: str) -> bytes:
    """Give every `<script` tag of `html` the nonce attribute."""
    return SCRIPT_TAG.sub(b'<script nonce="' + nonce.encode() + b'"', html)


class CspMiddleware:
    """ASGI middleware: security headers on every response; on HTML, a per-response nonce in the CSP and the tags."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope['type'] != 'http':
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        body: list[bytes] = []

        async def send_with_policy(message: Message) -> None:
            nonlocal start
            if message['type'] == 'http.response.start':
                headers = MutableHeaders(scope=message)
                headers.update(ALWAYS)
                if not headers.get('content-type', '').startswith('text/html'):
                    await send(message)
                    return
                start = message  # hold it back until the whole page is here, to fix its length
                return
            if start is None or message['type'] != 'http.response.body':
                await send(message)
                return
            body.append(message.get('body', b''))
            if message.get('more_body', False):
                return
            nonce = secrets.token_urlsafe(18)
            page = b''.join(body)
            html = add_nonce(page, nonce)
            headers = MutableHeaders(scope=start)
            headers['Content-Security-Policy'] = policy(nonce, _host(scope))
            if 'content-length' in headers:  # grown by the nonces (a HEAD response keeps its GET length plus 0)
                headers['Content-Length'] = str(int(headers['content-length']) + len(html) - len(page))
            await send(start)
            await send({'type': 'http.response.body', 'body': html, 'more_body': False})

        await self.app(scope, receive, send_with_policy)


def _host(scope: Scope) -> str | None:
    for name, value in scope.get('headers', []):
        if name == b'host':
            return value.decode('latin-1')
    return None


def install_csp(app: FastAPI) -> None:
    """Add the middleware to NiceGUI's FastAPI app (before `ui.run`, which adds gzip outside it)."""
    app.add_middleware(CspMiddleware)
