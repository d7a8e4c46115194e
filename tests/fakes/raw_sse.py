"""A bare HTTP/1.1 server that answers every POST with a 200 event stream written byte for byte as a test gives it.

The scripted fakes (`openai_server.py`) speak well-formed SSE; this one lets a test send what real servers also send:
a payload cut across network reads (even inside a UTF-8 character), CRLF line ends, comments, multi-line `data:`,
an `error` object mid-stream, a body that ends or stalls wherever the test says. Each piece is its own chunk of the
chunked body, written after a short pause, so the client reads it on its own.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Literal

PAUSE = 0.01  # between pieces: long enough for the client to read each one separately

# what happens after the last piece: the body ends properly, the server says nothing more but keeps the connection,
# or the connection is cut without ending the body
Ending = Literal['end', 'hold', 'abort']


@dataclass
class RawSSEServer:
    """Serves `pieces` (then `ending`) to every request on a keep-alive connection; counts connections."""

    pieces: list[bytes] = field(default_factory=list)
    ending: Ending = 'end'
    port: int = 0
    connections: int = 0
    requests: int = 0
    handlers: set[asyncio.Task[None]] = field(default_factory=set)

    @property
    def base_url(self) -> str:
        return f'http://127.0.0.1:{self.port}/v1'

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        if task := asyncio.current_task():
            self.handlers.add(task)
        try:
            while await self.answer_one(reader, writer):
                pass
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def answer_one(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        """Read one request and stream the answer; False when the connection should close."""
        head = await reader.readuntil(b'\r\n\r\n')
        length = next((int(line.split(b':', 1)[1]) for line in head.split(b'\r\n')
                       if line.lower().startswith(b'content-length:')), 0)
        await reader.readexactly(length)
        self.requests += 1
        writer.write(b'HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n')
        for piece in self.pieces:
            writer.write(b'%x\r\n%s\r\n' % (len(piece), piece))
            await writer.drain()
            await asyncio.sleep(PAUSE)
        if self.ending == 'hold':
            await reader.read()  # until the client gives up and closes
            return False
        if self.ending == 'abort':
            writer.transport.abort()
            return False
        writer.write(b'0\r\n\r\n')
        await writer.drain()
        return True


@contextlib.asynccontextmanager
async def raw_sse_server(pieces: list[bytes], ending: Ending = 'end') -> AsyncIterator[RawSSEServer]:
    """Run a `RawSSEServer` on a free local port for the duration of the block."""
    fake = RawSSEServer(pieces, ending)
    server = await asyncio.start_server(fake.serve, '127.0.0.1', 0)
    fake.port = server.sockets[0].getsockname()[1]
    try:
        yield fake
    finally:
        server.close()
        for handler in fake.handlers:  # a held connection the client never closed
            handler.cancel()
        await asyncio.gather(*fake.handlers, return_exceptions=True)
