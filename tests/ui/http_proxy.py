"""An HTTP reverse proxy for tests, doing what nginx does in front of Parley: serve it under a path prefix that
it strips (adding X-Forwarded-Prefix if asked), pass websocket upgrades through, and optionally answer some
requests itself (e.g. a provider that echoes the caller's key in an error, as some gateways do).

One request per connection: the upstream request gets `Connection: close`, so after the head is rewritten the
bytes can simply be piped both ways, whether the exchange is a plain response or an upgraded websocket.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from tests.fakes.server import free_port

HOP_BY_HOP = {'connection', 'keep-alive', 'proxy-connection'}  # the rest (Upgrade, Transfer-Encoding) pass on


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    content_type: str = 'application/json'


# (method, path without the prefix, lower-cased headers) -> a reply of the proxy's own, or None to forward
Intercept = Callable[[str, str, dict[str, str]], Reply | None]


class HttpProxy:
    """Forwards 127.0.0.1:port{prefix}/... to 127.0.0.1:target_port/..., as `location /prefix/ {proxy_pass ...}`."""

    def __init__(self, target_port: int, *, prefix: str = '', forwarded_prefix: bool = False,
                 intercept: Intercept | None = None) -> None:
        self.target_port = target_port
        self.prefix = prefix.rstrip('/')
        self.forwarded_prefix = forwarded_prefix
        self.intercept = intercept
        self.port = free_port()
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.paths: list[str] = []  # every path asked for, prefix included: tests check nothing escaped it

    @property
    def url(self) -> str:
        return f'http://127.0.0.1:{self.port}{self.prefix}'

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    @staticmethod
    def _reply(writer: asyncio.StreamWriter, status: int, body: bytes, headers: dict[str, str]) -> None:
        head = [f'HTTP/1.1 {status} X', f'Content-Length: {len(body)}', 'Connection: close']
        head += [f'{name}: {value}' for name, value in headers.items()]
        writer.write(('\r\n'.join(head) + '\r\n\r\n').encode('latin-1') + body)

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b'\r\n\r\n')
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            writer.close()
            return
        request_line, *lines = head.decode('latin-1').split('\r\n')
        method, target, version = request_line.split(' ', 2)
        self.paths.append(target)
        headers = [(name.strip(), value.strip()) for name, _, value in (line.partition(':') for line in lines if line)]
        lowered = {name.lower(): value for name, value in headers}
        if target == self.prefix:  # nginx answers /parley with a redirect to /parley/
            self._reply(writer, 301, b'', {'Location': self.prefix + '/'})
            await writer.drain()
            writer.close()
            return
        if self.prefix and not target.startswith(self.prefix + '/'):
            self._reply(writer, 404, b'outside the proxied prefix', {'Content-Type': 'text/plain'})
            await writer.drain()
            writer.close()
            return
        path = target[len(self.prefix):]
        if self.intercept and (own := self.intercept(method, path, lowered)):
            self._reply(writer, own.status, own.body, {'Content-Type': own.content_type})
            await writer.drain()
            writer.close()
            return
        upgrade = 'upgrade' in lowered.get('connection', '').lower()
        forwarded = [(name, value) for name, value in headers if name.lower() not in HOP_BY_HOP or upgrade]
        if not upgrade:
            forwarded.append(('Connection', 'close'))
        if self.forwarded_prefix and self.prefix:
            forwarded.append(('X-Forwarded-Prefix', self.prefix))
        forwarded.append(('X-Forwarded-For', '127.0.0.1'))
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection('127.0.0.1', self.target_port)
        except OSError:
            self._reply(writer, 502, b'upstream refused', {'Content-Type': 'text/plain'})
            writer.close()
            return
        new_head = f'{method} {path} {version}\r\n' + ''.join(f'{n}: {v}\r\n' for n, v in forwarded) + '\r\n'
        upstream_writer.write(new_head.encode('latin-1'))
        with contextlib.suppress(asyncio.CancelledError):  # the proxy is shutting down with this connection open
            await asyncio.gather(self._pipe(reader, upstream_writer), self._pipe(upstream_reader, writer))

    def run(self) -> None:
        asyncio.set_event_loop(self.loop)
        server = self.loop.run_until_complete(asyncio.start_server(self._client, '127.0.0.1', self.port))
        self.ready.set()
        self.loop.run_forever()
        server.close()
        # Connections still open (the page's websocket) are cancelled and closed before the loop goes.
        pending = [task for task in asyncio.all_tasks(self.loop) if not task.done()]
        for task in pending:
            task.cancel()
        self.loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        self.loop.close()


@contextmanager
def http_proxy(target_port: int, *, prefix: str = '', forwarded_prefix: bool = False,
               intercept: Intercept | None = None) -> Iterator[HttpProxy]:
    proxy = HttpProxy(target_port, prefix=prefix, forwarded_prefix=forwarded_prefix, intercept=intercept)
    thread = threading.Thread(target=proxy.run, daemon=True)
    thread.start()
    proxy.ready.wait(5)
    try:
        yield proxy
    finally:
        proxy.loop.call_soon_threadsafe(proxy.loop.stop)
        thread.join(5)
