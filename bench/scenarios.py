"""What the benchmark runs: the scenarios, the two apps under test, and one stream (or twenty) measured end to end.

A run per (scenario, app): a fresh app process, a browser context whose HTTP cache is warmed by one short answer
(each further page of a many-page scenario in a context of its own), then a fresh page (a new chat, as a returning
user opens one) in which the measured answer streams.
"""

from __future__ import annotations

import bisect
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Browser, BrowserContext, Page, expect
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.fakes.server import FakeServer, free_port
from tests.ui.conftest import start_parley

from .measure import INIT_SCRIPT, PageProbe, PageTimeline, RunQueueWait, cpu_seconds, max_in_window, percentile

ROOT = Path(__file__).resolve().parent.parent
ANSWER = 'article[aria-label="Assistant message"]'
WARM_UP = 'warm up [[tokens=30]]'
SentTimes = dict[str, list[tuple[float, int]]]  # prompt -> [(monotonic send time, answer length so far)]
QUIET_MS = 250  # the answer counts as settled once complete and unchanged this long


def code_and_tables() -> str:
    """An answer with 40 fenced code blocks and 10 tables between short paragraphs (about 12 KB of markdown)."""
    parts = []
    for i in range(40):
        parts.append(f'Step {i + 1}: the function below adds a little to its argument.\n\n')
        parts.append(f'```python\ndef step_{i}(value: int) -> int:\n    """Step {i}."""\n    result = value + {i}\n'
                     f'    return result * 2\n```\n\n')
        if i % 4 == 3:
            rows = ''.join(f'| row {r} | {r * i} | {"yes" if r % 2 else "no"} |\n' for r in range(5))
            parts.append(f'| name | value | flag |\n| --- | ---: | :---: |\n{rows}\n')
    return ''.join(parts)


def numbered_words(page: int, count: int) -> str:
    """Plain prose of numbered words: renders as one paragraph whose text is exactly the source."""
    return f'page{page:02d} ' + ' '.join(f'w{i:04d}' for i in range(1, count + 1))


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    prompts: tuple[str, ...]  # one per page
    quick: bool = False
    echoed: str | None = None  # the prompt text the answer echoes (its bytes reach the page as the user's message)
    body_suffix: str = ''  # narrows the answer body (' p': the single paragraph of the numbered words)

    @property
    def pages(self) -> int:
        return len(self.prompts)


STREAM_WORDS = 400  # 2407 characters: 602 tokens of 4, 12 s at 50 tokens/s

SCENARIOS = [
    Scenario('tokens-500', '500 tokens, full speed', ('Benchmark [[tokens=500]]',), quick=True),
    Scenario('tokens-2000', '2000 tokens, full speed', ('Benchmark [[tokens=2000]]',), quick=True),
    Scenario('tokens-8000', '8000 tokens, full speed', ('Benchmark [[tokens=8000]]',)),
    Scenario('paced-2000', '2000 tokens at 100 tokens/s', ('Benchmark [[tokens=2000]] [[delay=10]]',)),
    Scenario('code-tables', '40 code blocks and 10 tables (echo), full speed',
             (f'[[echo]]\n{code_and_tables()}',), echoed=code_and_tables()),
    Scenario('streams-20', '20 pages at once, 50 tokens/s each (echo of numbered words)',
             tuple(f'[[echo]] [[delay=20]] {numbered_words(p, STREAM_WORDS)}' for p in range(20)),
             body_suffix=' p'),
]


@dataclass
class AppUnderTest:
    name: str
    url: str
    pid: int
    body: str  # selector of the answer's markdown, relative to the answer article
    stop: Callable[[], None]
    log: Path | None = None  # Parley logs the monotonic time its adapter's stream ended

    def last_event_at(self) -> float | None:
        """When the provider adapter yielded its last event for the latest answer (measuring.md's "last byte")."""
        found = LAST_EVENT.findall(self.log.read_text()) if self.log and self.log.exists() else []
        return float(found[-1]) if found else None


LAST_EVENT = re.compile(r'provider stream ended at monotonic ([0-9.]+)')


def start_parley_app(fake: FakeServer, data_dir: Path) -> AppUnderTest:
    app = start_parley(fake, data_dir)
    return AppUnderTest('parley', app.url, app.process.pid, ':scope > .parley-markdown', app.stop, app.log)


def start_naive_app(fake: FakeServer, data_dir: Path) -> AppUnderTest:
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.endswith(('_API_KEY', '_BASE_URL'))}
    env.update(fake.env, NICEGUI_STORAGE_PATH=str(data_dir / 'nicegui'), PYTHONUNBUFFERED='1')
    log = (data_dir / 'naive.log').open('ab')
    process = subprocess.Popen([sys.executable, str(ROOT / 'bench' / 'naive_app.py'), str(port)], cwd=data_dir,
                               env=env, stdout=log, stderr=subprocess.STDOUT)

    def stop() -> None:
        process.kill()  # a naive server may be minutes behind on rendering: no graceful wait
        process.wait()

    url = f'http://127.0.0.1:{port}'
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(f'{url}/healthz', timeout=1).status_code == 200:
                return AppUnderTest('naive', url, process.pid, ':scope > .nicegui-markdown', stop)
        except httpx.HTTPError:
            time.sleep(0.1)
    stop()
    raise RuntimeError(f'the naive baseline did not start: {(data_dir / "naive.log").read_text()[-2000:]}')


STARTERS = {'parley': start_parley_app, 'naive': start_naive_app}


@dataclass
class Stream:
    """One page about to stream one answer."""

    page: Page
    probe: PageProbe
    prompt: str
    body: str  # selector of the text to watch inside the answer
    keep_frames: bool = False
    sent_at: float = 0.0
    offset: float = 0.0
    loads: int = 0
    opened: int = 0
    closed: int = 0
    finished: bool = False
    visible: float | None = None  # when the final text and status showed (monotonic)
    error: str | None = None
    timeline: PageTimeline | None = None


def open_chat(page: Page, url: str) -> None:
    page.goto(url)
    page.get_by_role('textbox', name='Message').wait_for()


def send(page: Page, text: str) -> None:
    page.get_by_role('textbox', name='Message').fill(text)
    page.get_by_role('button', name='Send').click()


def prepare(page: Page, app: AppUnderTest, scenario: Scenario, prompt: str, keep_frames: bool) -> Stream:
    """A fresh chat page with its probe and the prompt typed in: ready for the click on Send."""
    probe = PageProbe(page)
    body = app.body + scenario.body_suffix
    open_chat(page, app.url)
    page.evaluate('([answer, body]) => window.__bench.watch(answer, body)', [ANSWER, body])
    page.get_by_role('textbox', name='Message').fill(prompt)
    expect(page.get_by_role('button', name='Send')).to_be_enabled()
    return Stream(page, probe, prompt, body, keep_frames)


def click_send(stream: Stream) -> None:
    probe = stream.probe
    stream.loads, stream.opened, stream.closed = probe.loads, probe.sockets_opened, probe.sockets_closed
    stream.sent_at = time.monotonic()
    try:
        stream.page.get_by_role('button', name='Send').click(timeout=10_000)
    except PlaywrightError as error:  # e.g. the page reloaded while others streamed, and lost its prompt
        stream.error = f'could not send: {str(error).splitlines()[0]}'


def wait_complete(streams: list[Stream], deadline: float) -> None:
    """Wait until every page shows its answer complete and settled, or the deadline passes."""
    for stream in streams:
        if stream.error:
            continue
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return
        try:
            stream.page.wait_for_function('(q) => window.__bench.settled(q)', arg=QUIET_MS, polling=50,
                                          timeout=remaining * 1000)
            stream.finished = stream.probe.loads == stream.loads
        except PlaywrightTimeout:
            return
        except PlaywrightError as error:  # the page navigated while we waited: it reloaded
            stream.error = str(error).splitlines()[0]


def read_stream(stream: Stream, fake: FakeServer) -> dict[str, Any]:
    """Figures of one page, taken from its timeline and frames (all on the monotonic clock).

    A page that did not finish is not asked anything: its main thread may be busy for minutes.
    """
    probe = stream.probe
    probe.page.wait_for_timeout(100)  # lets Playwright deliver the last CDP events
    reloaded = probe.loads > stream.loads
    dropped = probe.sockets_opened > stream.opened or probe.sockets_closed > stream.closed
    result: dict[str, Any] = {'finished': False, 'reloaded': reloaded, 'disconnected': dropped}
    if stream.error:
        result['error'] = stream.error
    if reloaded or dropped:
        result['events_ms'] = [[round((at - stream.sent_at) * 1000), name] for at, name in probe.events
                               if at >= stream.sent_at]
    if not stream.finished or reloaded:
        return result
    try:
        probe.wait_quiet(0.1, timeout=2)
        after = probe.calibrate()
        timeline = PageTimeline.read(probe, (stream.offset + after) / 2)
    except PlaywrightError as error:  # the page navigated away (reloaded) while we read it
        result.update(reloaded=True, error=str(error).splitlines()[0])
        return result
    visible = timeline.visible_at()
    result.update({'finished': visible is not None, 'clock_alignment_ms': round(abs(after - stream.offset) * 1000, 2),
                   'cdp_clock_ok': probe.frame_clock_ok})
    if visible is None:
        return result
    frames = probe.frames_between(stream.sent_at, visible)
    duration = visible - stream.sent_at
    chars = stream.page.evaluate(
        '([answer, body]) => { const all = document.querySelectorAll(answer);'
        ' return all[all.length - 1].querySelector(body).innerText.length; }', [ANSWER, stream.body])
    tasks = [(start, length) for start, length in timeline.longtasks
             if start + length >= stream.sent_at and start <= visible]
    last_byte = fake.recorder.last_byte.get(stream.prompt)
    result.update({
        'seconds': round(duration, 3), 'chars': chars, 'bytes': sum(frame.size for frame in frames),
        'frames': len(frames), 'frames_per_s': round(len(frames) / duration, 1),
        'frames_max_1s': max_in_window([frame.at for frame in frames]),
        'last_token_ms': round((visible - last_byte) * 1000, 1) if last_byte else None,
        'longtasks': len(tasks), 'longtask_ms': round(sum(length for _, length in tasks) * 1000, 1),
        'longtask_max_ms': round(max((length for _, length in tasks), default=0) * 1000, 1),
    })
    result['bytes_per_char'] = round(result['bytes'] / max(chars, 1), 3)
    # Full resends of the answer's text (`reset`, the answer to a resync): a stale "mounted" report makes the
    # server send everything again, which alone can push a short answer over its wire budget.
    resets = [frame for frame in frames if '\\"reset\\"' in frame.text]
    result.update(resets=len(resets), reset_bytes=sum(frame.size for frame in resets))
    if stream.keep_frames:
        keep = int(os.environ.get('BENCH_FRAME_CHARS', '120'))  # how much of each frame to keep
        result['frame_log'] = [[round((frame.at - stream.sent_at) * 1000, 1), frame.size, frame.text[:keep]]
                               for frame in frames]
        result['page_log'] = [[round((t - stream.sent_at) * 1000, 1), length, status] for t, length, status in
                              timeline.log]
        result['longtask_log'] = [[round((start - stream.sent_at) * 1000, 1), round(length * 1000, 1)]
                                  for start, length in tasks]
        if last_byte:
            result['last_byte_at_ms'] = round((last_byte - stream.sent_at) * 1000, 1)
    stream.timeline = timeline
    stream.visible = visible
    return result


def run(browser: Browser, app: AppUnderTest, scenario: Scenario, fake: FakeServer, sent_times: SentTimes,
        limit: float, keep_frames: bool = False) -> dict[str, Any]:
    """Stream the scenario's answers in fresh pages of warmed-up contexts; figures for each page and in total.

    Several pages are several people, so each gets a browser context of its own (its own window): tabs of one
    window are background tabs to Chromium, which gives them one animation frame a second (measured: 1-6 frames a
    second in 19 of 20 tabs, 40-46 in each of 20 windows), and no one watches an answer stream in a background tab.
    """
    contexts: list[BrowserContext] = []

    def new_context() -> BrowserContext:
        context = browser.new_context(viewport={'width': 1200, 'height': 800})
        context.add_init_script(INIT_SCRIPT)
        context.set_default_timeout(30_000)
        contexts.append(context)
        return context

    try:
        first = new_context()
        warm = first.new_page()
        open_chat(warm, app.url)
        send(warm, WARM_UP)
        warm.locator(f'{ANSWER}[data-status=complete]').wait_for()
        warm.close()
        streams = []
        for number, prompt in enumerate(scenario.prompts):
            context = first if number == 0 else new_context()
            streams.append(prepare(context.new_page(), app, scenario, prompt, keep_frames))
        for stream in streams:
            stream.probe.wait_quiet()
            stream.offset = stream.probe.calibrate()
        cpu_before = cpu_seconds(app.pid)
        waits = RunQueueWait(app.pid).start()
        for stream in streams:
            click_send(stream)
        started = streams[0].sent_at
        wait_complete(streams, started + limit)
        cpu = cpu_seconds(app.pid) - cpu_before
        cpu_waits = waits.stop(since=started)
        pages = [read_stream(stream, fake) for stream in streams]
        finished = all(page['finished'] for page in pages)
        result: dict[str, Any] = {'finished': finished, 'limit_s': limit, 'cpu_s': round(cpu, 3),
                                  'reloads': sum(page['reloaded'] for page in pages),
                                  'disconnects': sum(page['disconnected'] for page in pages), **cpu_waits}
        done = [(stream, page) for stream, page in zip(streams, pages, strict=True) if page['finished']]
        result['pages_finished'] = len(done)
        if not done or (not finished and app.name == 'naive'):
            result['elapsed_s'] = round(time.monotonic() - started, 1)
            app.stop()  # before closing its pages: a backlogged server would keep their main threads busy
            result['pages'] = pages
            return result
        if len(pages) == 1:
            result.update({key: value for key, value in pages[0].items() if key not in result})
            last_event, visible = app.last_event_at(), streams[0].visible
            if last_event and visible:
                result['last_event_ms'] = round((visible - last_event) * 1000, 1)
            if scenario.echoed:
                echo_bytes = len(json.dumps(scenario.echoed).encode())  # its JSON string in the user-message frame
                result['bytes_per_char_answer'] = round((result['bytes'] - echo_bytes) / result['chars'], 3)
        else:  # figures over the pages that finished; the others count as disconnects or reloads
            result.update(token_delays([stream for stream, _ in done], sent_times))
            finished_pages = [page for _, page in done]
            result['frames_max_1s'] = max(page['frames_max_1s'] for page in finished_pages)
            result['longtasks'] = sum(page['longtasks'] for page in finished_pages)
            result['longtask_max_ms'] = max(page['longtask_max_ms'] for page in finished_pages)
            result['last_token_ms'] = max(page['last_token_ms'] or 0 for page in finished_pages)
            result['pages'] = pages
        return result
    finally:
        for context in contexts:
            context.close()


WORD = re.compile(r'\S+')
NUMBERED = re.compile(r'w(\d{4})')
USER_TEXT = ('parley-user-text', 'naive-user-text')  # frames that carry the prompt, not the answer


def token_delays(streams: list[Stream], sent_times: SentTimes) -> dict[str, Any]:
    """Per numbered word: fake sent the token completing it -> browser received a frame with it -> page showed it.

    Word j ends at character E_j of the answer. The page 'showed' it at the first moment its paragraph had >= E_j
    characters (the text before that word is shorter, so this cannot happen early). The token that completed it is
    the first whose cumulative length reached E_j, with its send time recorded inside the fake. Receipt is the first
    WebSocket frame naming that word or a later one (CDP timestamp), frames that carry the prompt itself excluded.
    """
    total, network, browser = [], [], []
    by_second: dict[int, list[float]] = {}  # when in the stream the delays happen (seconds after the first send)
    started = min(stream.sent_at for stream in streams)
    for stream in streams:
        text = stream.prompt.split(']] ', 2)[-1]
        tokens = sent_times[stream.prompt]
        token_lengths = [length for _, length in tokens]
        received: list[tuple[float, int]] = []
        high = 0
        for frame in stream.probe.frames_between(stream.sent_at, float('inf')):
            if any(marker in frame.text for marker in USER_TEXT):
                continue
            numbers = [int(n) for n in NUMBERED.findall(frame.text)]
            if numbers and max(numbers) > high:
                high = max(numbers)
                received.append((frame.at, high))
        timeline = stream.timeline
        assert timeline is not None
        for number, match in enumerate(WORD.finditer(text)):
            if number == 0:
                continue  # the page marker: not a numbered word
            end = match.end()
            token = tokens[bisect.bisect_left(token_lengths, end)][0]
            shown = timeline.shown_at(end)
            got = next((at for at, high in received if high >= number), None)
            if shown is None:
                continue
            total.append(shown - token)
            by_second.setdefault(int(token - started), []).append(shown - token)
            if got is not None:
                network.append(got - token)
                browser.append(shown - got)
    ms = lambda values, q: round(percentile(values, q) * 1000, 1) if values else None  # noqa: E731
    return {'words': len(total), 'token_delay_p50_ms': ms(total, 0.5), 'token_delay_p95_ms': ms(total, 0.95),
            'token_delay_max_ms': ms(total, 1.0), 'to_browser_p95_ms': ms(network, 0.95),
            'in_browser_p95_ms': ms(browser, 0.95),
            'token_delay_p95_by_second_ms': {second: ms(values, 0.95) for second, values in sorted(by_second.items())}}


def run_app(browser: Browser, name: str, scenario: Scenario, fake: FakeServer, sent_times: SentTimes,
            limit: float, keep_frames: bool = False) -> dict[str, Any]:
    """Start a fresh `name` app, run the scenario in it, stop it."""
    with tempfile.TemporaryDirectory(prefix=f'bench-{name}-') as data_dir:
        app = STARTERS[name](fake, Path(data_dir))
        try:
            return run(browser, app, scenario, fake, sent_times, limit, keep_frames)
        finally:
            app.stop()
