"""How each figure is taken: websocket frames over CDP, page-side timestamps, long tasks, CPU and token send times.

Clocks: everything is converted to this machine's monotonic clock (CLOCK_MONOTONIC, Python's `time.monotonic`).
CDP's `Network.webSocketFrameReceived.timestamp` is Chromium's TimeTicks, which on Linux is that same clock (checked
at run time, see `PageProbe.frame_clock_ok`); the page's `performance.now()` has its own origin, so each page is
aligned with a bracketed round trip (`PageProbe.calibrate`, error at most half the round trip, a millisecond or two).
"""

from __future__ import annotations

import base64
import bisect
import contextlib
import itertools
import json
import math
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import psutil
from playwright.sync_api import Page

# Installed in every page before its scripts run. `watch` logs [performance.now(), text length, status] of the last
# answer whenever a DOM mutation changes either: the moment text is in the DOM (paint follows within a frame).
INIT_SCRIPT = """
(() => {
  const bench = window.__bench = { log: [], longtasks: [], loadedAt: performance.now() };
  try {
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) bench.longtasks.push([entry.startTime, entry.duration]);
    }).observe({ type: 'longtask', buffered: true });
  } catch (error) { bench.longtaskError = String(error); }
  bench.watch = (answerSelector, bodySelector) => {
    bench.watching = true;
    let last = null;
    const record = () => {
      const answers = document.querySelectorAll(answerSelector);
      const answer = answers[answers.length - 1];
      if (!answer) return;
      const body = answer.querySelector(bodySelector);
      const length = body ? body.textContent.length : 0;
      const status = answer.getAttribute('data-status');
      if (last && last[1] === length && last[2] === status) return;
      last = [performance.now(), length, status];
      bench.log.push(last);
    };
    new MutationObserver(record).observe(document.body, { subtree: true, childList: true, characterData: true,
                                                          attributes: true, attributeFilter: ['data-status'] });
    record();
  };
  bench.settled = (quietMs) => {
    if (!bench.watching) return true;  // the page was reloaded: nothing more will come (the probe counts the load)
    const last = bench.log[bench.log.length - 1];
    return !!last && last[2] === 'complete' && performance.now() - last[0] >= quietMs;
  };
})();
"""


@dataclass
class Frame:
    at: float  # monotonic seconds (CDP timestamp)
    size: int  # payload bytes
    text: str


@dataclass
class PageProbe:
    """One page's CDP session: every websocket frame received, sockets opened and closed, main-frame loads."""

    page: Page
    frames: list[Frame] = field(default_factory=list)
    dispatch_lag: list[float] = field(default_factory=list)  # Python receipt minus CDP timestamp (clock check)
    sockets_opened: int = 0
    sockets_closed: int = 0
    loads: int = 0
    events: list[tuple[float, str]] = field(default_factory=list)  # (monotonic, what): sockets and loads

    def __post_init__(self) -> None:
        session = self.page.context.new_cdp_session(self.page)
        session.send('Network.enable')
        session.on('Network.webSocketFrameReceived', self._on_frame)
        session.on('Network.webSocketCreated', lambda _: self._count('sockets_opened'))
        session.on('Network.webSocketClosed', lambda _: self._count('sockets_closed'))
        self.page.on('load', lambda _: self._count('loads'))

    def _count(self, name: str) -> None:
        setattr(self, name, getattr(self, name) + 1)
        self.events.append((time.monotonic(), name))

    def _on_frame(self, event: dict[str, Any]) -> None:
        response = event['response']
        data = response.get('payloadData', '')
        # opcode 1 is text (UTF-8 on the wire); binary payloads arrive base64-encoded
        size = len(data.encode()) if response.get('opcode') == 1 else len(base64.b64decode(data))
        self.frames.append(Frame(event['timestamp'], size, data))
        self.dispatch_lag.append(time.monotonic() - event['timestamp'])

    @property
    def frame_clock_ok(self) -> bool:
        """CDP timestamps are on our monotonic clock if every frame reached Python shortly after its timestamp."""
        return bool(self.dispatch_lag) and min(self.dispatch_lag) >= -0.005 and sorted(self.dispatch_lag)[
            len(self.dispatch_lag) // 2] < 1.0

    def calibrate(self) -> float:
        """Offset that turns the page's performance.now() (ms) into monotonic seconds: mono = offset + now / 1000."""
        best = (math.inf, 0.0)
        for _ in range(5):
            before = time.monotonic()
            now = self.page.evaluate('performance.now()')
            after = time.monotonic()
            best = min(best, (after - before, (before + after) / 2 - now / 1000))
        return best[1]

    def wait_quiet(self, quiet: float = 0.25, timeout: float = 10.0) -> None:
        """Wait until no frame has arrived for `quiet` seconds (the page has settled)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.page.wait_for_timeout(50)  # lets Playwright dispatch pending CDP events
            if not self.frames or time.monotonic() - self.frames[-1].at >= quiet:
                return

    def frames_between(self, start: float, end: float) -> list[Frame]:
        return [frame for frame in self.frames if start <= frame.at <= end]


@dataclass
class PageTimeline:
    """The page's own record, on the monotonic clock: (time, text length, status) changes and long tasks."""

    log: list[tuple[float, int, str]]
    longtasks: list[tuple[float, float]]  # (start, duration) in seconds

    @classmethod
    def read(cls, probe: PageProbe, offset: float) -> PageTimeline:
        data = probe.page.evaluate('({log: window.__bench.log, longtasks: window.__bench.longtasks})')
        return cls([(offset + t / 1000, length, status) for t, length, status in data['log']],
                   [(offset + start / 1000, duration / 1000) for start, duration in data['longtasks']])

    @property
    def final_length(self) -> int:
        return self.log[-1][1] if self.log else 0

    def visible_at(self) -> float | None:
        """First moment the answer showed its final text and the status `complete` together."""
        return next((t for t, length, status in self.log
                     if length == self.final_length and status == 'complete'), None)

    def first_at_least(self) -> tuple[list[float], list[int]]:
        """(times, running maximum of length), for 'when did the page first show >= L characters' lookups."""
        times, highs, high = [], [], -1
        for t, length, _ in self.log:
            if length > high:
                high = length
                times.append(t)
                highs.append(length)
        return times, highs

    def shown_at(self, length: int) -> float | None:
        times, highs = self.first_at_least()
        index = bisect.bisect_left(highs, length)
        return times[index] if index < len(times) else None


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its waited-for children."""
    times = psutil.Process(pid).cpu_times()
    return times.user + times.system + times.children_user + times.children_system


class RunQueueWait:
    """How long a process's main thread was runnable but waiting for a CPU, second by second (Linux schedstat).

    The server needs a fifth of a core for twenty streams; when the pages' renderers keep both cores busy, what
    delays its tokens is this wait, not its own work. Elsewhere (no /proc) every figure is None.
    """

    def __init__(self, pid: int, every: float = 0.25) -> None:
        self.path = f'/proc/{pid}/task/{pid}/schedstat'
        self.every = every
        # (monotonic, on CPU s, waiting for a CPU s, times it got a CPU: every wake-up, and every resume after
        # being preempted; the wait divided by it is how long each queued on average)
        self.samples: list[tuple[float, float, float, int]] = []
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _read(self) -> tuple[float, float, float, int] | None:
        try:
            with open(self.path) as file:
                run, wait, slices = file.read().split()
        except (OSError, ValueError):
            return None
        return time.monotonic(), int(run) / 1e9, int(wait) / 1e9, int(slices)

    def _run(self) -> None:
        while not self.stopped.wait(self.every):
            if (sample := self._read()) is not None:
                self.samples.append(sample)

    def start(self) -> RunQueueWait:
        if (sample := self._read()) is not None:
            self.samples.append(sample)
            self.thread.start()
        return self

    def stop(self, since: float) -> dict[str, Any]:
        """Totals, and the wait in each whole second after `since` (monotonic), as JSON-ready figures."""
        self.stopped.set()
        if self.thread.is_alive():
            self.thread.join()
        if len(self.samples) < 2:
            return {'server_cpu_wait_s': None, 'server_main_run_s': None, 'server_main_slices': None,
                    'server_cpu_wait_by_second_s': None}
        first, last = self.samples[0], self.samples[-1]
        by_second: dict[str, float] = {}
        for (_, _, w0, _), (t1, _, w1, _) in itertools.pairwise(self.samples):
            if t1 > since:
                second = str(int((t1 - since) // 1))
                by_second[second] = round(by_second.get(second, 0.0) + w1 - w0, 3)
        return {'server_cpu_wait_s': round(last[2] - first[2], 3), 'server_main_run_s': round(last[1] - first[1], 3),
                'server_main_slices': last[3] - first[3], 'server_cpu_wait_by_second_s': by_second}


def max_in_window(times: list[float], window: float = 1.0) -> int:
    """Most events in any `window`-second interval."""
    times = sorted(times)
    best, start = 0, 0
    for end, t in enumerate(times):
        while t - times[start] > window:
            start += 1
        best = max(best, end - start + 1)
    return best


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def sdk_floor(base_url: str, messages: list[str], last_byte: dict[str, float]) -> dict[str, float]:
    """CPU seconds of the plain SDK loop (bench/sdk_floor.py) reading the same streams concurrently, and how long
    after the fake's last byte it had parsed everything (`lag_ms`, the latest stream's)."""
    result = subprocess.run([sys.executable, '-m', 'bench.sdk_floor', base_url], input=json.dumps(messages),
                            capture_output=True, text=True, timeout=600, check=True)
    floor = json.loads(result.stdout)
    floor['lag_ms'] = round((floor.pop('ended_at') - max(last_byte[m] for m in messages)) * 1000, 1)
    return floor


@contextlib.contextmanager
def token_send_times() -> Iterator[dict[str, list[tuple[float, int]]]]:
    """Record when the in-process OpenAI fake hands each chunk to the server: message -> [(time, text so far)].

    The fake keeps only the last byte's time; this wraps its stream generator (without editing it) so every
    token's send time is known exactly, whatever `asyncio.sleep` drift the fake's pacing has under load.
    """
    from tests.fakes import openai_server

    sent: dict[str, list[tuple[float, int]]] = {}
    original = openai_server.stream_body

    def timed(script, writer, recorder, message):  # same signature as openai_server.stream_body
        async def body():
            record = sent.setdefault(message, [])
            length = 0
            async for chunk in original(script, writer, recorder, message):
                if chunk.startswith('data: {'):
                    choices = json.loads(chunk[6:]).get('choices') or [{}]
                    content = (choices[0].get('delta') or {}).get('content')
                    if content:
                        length += len(content)
                        record.append((time.monotonic(), length))
                yield chunk
        return body()

    openai_server.stream_body = timed
    try:
        yield sent
    finally:
        openai_server.stream_body = original
