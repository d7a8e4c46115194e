"""A TCP proxy the tests can cut: Playwright's offline mode leaves open websockets alone, a real drop does not."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from tests.fakes.server import free_port


class CuttableProxy:
    """Forwards 127.0.0.1:port to the target; `cut()` drops every connection and refuses new ones until `heal()`."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = free_port()
        self.loop = asyncio.new_event_loop()
        self.cut_off = False
        self.writers: set[asyncio.StreamWriter] = set()
        self.ready = threading.Event()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.cut_off:
            writer.transport.abort()
            return
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection('127.0.0.1', self.target_port)
        except OSError:
            writer.transport.abort()
            return
        self.writers |= {writer, upstream_writer}
        await asyncio.gather(self._pipe(reader, upstream_writer), self._pipe(upstream_reader, writer))
        self.writers -= {writer, upstream_writer}

    def _abort_all(self) -> None:
        self.cut_off = True
        for writer in list(self.writers):
            writer.transport.abort()
        self.writers.clear()

    def cut(self) -> None:
        self.loop.call_soon_threadsafe(self._abort_all)

    def heal(self) -> None:
        self.loop.call_soon_threadsafe(setattr, self, 'cut_off', False)

    def run(self) -> None:
        asyncio.set_event_loop(self.loop)
        server = self.loop.run_until_complete(asyncio.start_server(self._client, '127.0.0.1', self.port))
        self.ready.set()
        self.loop.run_forever()
        server.close()
        # Connections still open (the page's websocket) are cancelled and closed before the loop goes: left to the
        # garbage collector, their pipes tried to close on a closed loop and pytest reported it.
        pending = [task for task in asyncio.all_tasks(self.loop) if not task.done()]
        for task in pending:
            task.cancel()
        self.loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        self.loop.close()


@contextmanager
def cuttable_proxy(target_port: int) -> Iterator[CuttableProxy]:
    proxy = CuttableProxy(target_port)
    thread = threading.Thread(target=proxy.run, daemon=True)
    thread.start()
    proxy.ready.wait(5)
    try:
        yield proxy
    finally:
        proxy.loop.call_soon_threadsafe(proxy.loop.stop)
        thread.join(5)
