"""One local HTTP server that speaks the OpenAI, Anthropic and Gemini wire protocols under three prefixes.

    /openai/v1/...     OpenAI chat completions (base URL for the SDK: http://host:port/openai/v1)
    /anthropic/v1/...  Anthropic messages     (base URL: http://host:port/anthropic)
    /gemini/v1beta/... Gemini generateContent (base URL: http://host:port/gemini)

Any API key is accepted except `bad-key`, which gets each provider's real 401 answer.
Run it alone with `python -m tests.fakes` (prints the base URLs) for manual use and the benchmark.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.routing import Mount

from . import anthropic_server, gemini_server, openai_server

BAD_KEY = 'bad-key'


@dataclass
class Recorded:
    provider: str
    path: str
    body: dict[str, Any]
    headers: dict[str, str]


@dataclass
class Recorder:
    """Every request the fakes received, so tests can assert what the adapters sent."""

    requests: list[Recorded] = field(default_factory=list)
    # monotonic time of the last byte each stream wrote, keyed by the user message (the benchmark reads it)
    last_byte: dict[str, float] = field(default_factory=dict)
    # seconds the OpenAI fake waits before it lists its models: a provider slow to list (or an SDK slow to load)
    openai_list_delay: float = 0.0

    def record(self, provider: str, path: str, body: dict[str, Any], headers: dict[str, str]) -> None:
        self.requests.append(Recorded(provider, path, body, dict(headers)))

    def last(self, provider: str) -> Recorded:
        return [r for r in self.requests if r.provider == provider][-1]


def build_app(recorder: Recorder) -> Starlette:
    return Starlette(routes=[
        Mount('/openai', routes=openai_server.routes(recorder)),
        Mount('/anthropic', routes=anthropic_server.routes(recorder)),
        Mount('/gemini', routes=gemini_server.routes(recorder)),
    ])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


@dataclass
class FakeServer:
    port: int
    recorder: Recorder

    @property
    def url(self) -> str:
        return f'http://127.0.0.1:{self.port}'

    @property
    def env(self) -> dict[str, str]:
        """Environment that points all three real SDKs (and Parley) at this server."""
        return {
            'OPENAI_BASE_URL': f'{self.url}/openai/v1', 'OPENAI_API_KEY': 'test-key',
            'ANTHROPIC_BASE_URL': f'{self.url}/anthropic', 'ANTHROPIC_API_KEY': 'test-key',
            'GOOGLE_GEMINI_BASE_URL': f'{self.url}/gemini', 'GEMINI_API_KEY': 'test-key',
        }


@contextmanager
def running_fake_server(port: int | None = None) -> Iterator[FakeServer]:
    """Start the fakes in a background thread with their own event loop; stop them on exit."""
    recorder = Recorder()
    port = port or free_port()
    config = uvicorn.Config(build_app(recorder), host='127.0.0.1', port=port, log_level='warning',
                            lifespan='off', timeout_graceful_shutdown=1)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=lambda: asyncio.run(server.serve()), daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError('the fake provider server did not start')
        time.sleep(0.02)
    try:
        yield FakeServer(port, recorder)
    finally:
        server.should_exit = True
        thread.join(timeout=5)
