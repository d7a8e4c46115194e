"""What one streaming page costs Chromium, against a bare page doing the same appends; long tasks in 20 bare windows.

`python -m bench.page_cost` (run it on an idle machine: it sums the CPU of every Chromium process on it). It tells
apart what Parley can change from what any page pays on two cores:

- Parley: one fresh chat streaming the `streams-20` answer (400 numbered words at 50 tokens/s), Chromium's CPU
  (browser, renderer, GPU and utility processes, psutil) from the click on Send to the answer complete.
- A bare page: a sidebar, a centred column and a focused textarea, and a script that appends the same words to one
  paragraph at the same rate and cadence (about 25 characters every 125 ms, as Parley sends them); no socket.
- Twenty bare pages at once, each in a window of its own as in `streams-20`: their long tasks (> 50 ms).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import psutil
from playwright.sync_api import Browser, Page, sync_playwright

from tests.conftest import CHROMIUM_ARGS, chromium_executable
from tests.fakes.server import running_fake_server

from .scenarios import ANSWER, STREAM_WORDS, WARM_UP, numbered_words, open_chat, send, start_parley_app

VIEWPORT = {'width': 1200, 'height': 800}
CHARS_PER_APPEND = 25  # 50 tokens/s of ~4 characters, sent every 125 ms
APPEND_EVERY_MS = 125

BARE_PAGE = """<!doctype html><html><body style="margin: 0; font: 16px/1.6 sans-serif">
<div style="display: flex; height: 100vh"><nav style="width: 260px; background: #f4f4f4"></nav>
<main style="flex: 1; overflow: auto"><div style="max-width: 46rem; margin: auto"><p id="p"></p></div></main></div>
<textarea style="position: fixed; bottom: 20px; left: 400px; width: 600px"></textarea>
<script>
window.longTasks = [];
new PerformanceObserver((list) => { for (const e of list.getEntries()) window.longTasks.push(e.duration); })
  .observe({ type: 'longtask' });
document.querySelector('textarea').focus();
window.stream = (text, chars, every) => {
  const p = document.getElementById('p');
  let at = 0;
  const timer = setInterval(() => {
    const next = Math.min(text.length, at + chars);
    p.append(text.slice(at, next));
    at = next;
    if (at >= text.length) { clearInterval(timer); document.title = 'done'; }
  }, every);
};
</script></body></html>"""
BARE_DONE = '() => document.title === "done"'  # the bare page's stream has ended


def chromium_cpu() -> float:
    """CPU seconds of every Chromium process on the machine (user + system)."""
    total = 0.0
    for process in psutil.process_iter(['cmdline']):
        try:
            if process.info['cmdline'] and 'chrom' in Path(process.info['cmdline'][0]).name:
                times = process.cpu_times()
                total += times.user + times.system
        except psutil.Error:
            continue
    return total


def parley_stream(browser: Browser, url: str, prompt: str) -> tuple[float, float]:
    """(Chromium CPU s, wall s) of one answer streaming in a fresh chat of a warmed-up context."""
    page = browser.new_context(viewport=VIEWPORT).new_page()
    open_chat(page, url)
    send(page, WARM_UP)
    page.locator(f'{ANSWER}[data-status=complete]').wait_for()
    open_chat(page, url)
    complete = f'() => document.querySelector(\'{ANSWER}[data-status="complete"]\')'
    return measured(page, lambda: send(page, prompt), complete)


def bare_page(browser: Browser) -> Page:
    page = browser.new_context(viewport=VIEWPORT).new_page()
    page.set_content(BARE_PAGE)
    return page


def bare_stream(browser: Browser, text: str) -> tuple[float, float]:
    page = bare_page(browser)
    return measured(page, lambda: start_bare_stream(page, text), BARE_DONE)


def measured(page: Page, start: Callable[[], None], done: str) -> tuple[float, float]:
    """(Chromium CPU s, wall s) from `start()` until the page's `done` condition holds; then the window closes."""
    page.wait_for_timeout(1000)  # the page settles first: its loading is not the stream's cost
    before, started = chromium_cpu(), time.monotonic()
    start()
    wait_rarely(page, done)
    result = chromium_cpu() - before, time.monotonic() - started
    page.context.close()
    return result


def start_bare_stream(page: Page, text: str) -> None:
    page.evaluate('([text, chars, every]) => window.stream(text, chars, every)',
                  [text, CHARS_PER_APPEND, APPEND_EVERY_MS])


def wait_rarely(page: Page, condition: str) -> None:
    # Polled once a second: a poll per animation frame would be work of its own in the page measured.
    page.wait_for_function(condition, polling=1000, timeout=120_000)


def bare_windows(browser: Browser, text: str, count: int) -> list[list[float]]:
    """Long tasks (ms) of `count` bare pages streaming at once, each in a window of its own."""
    pages = [bare_page(browser) for _ in range(count)]
    time.sleep(2)
    for page in pages:
        start_bare_stream(page, text)
    for page in pages:
        wait_rarely(page, BARE_DONE)
    tasks = [page.evaluate('window.longTasks') for page in pages]
    for page in pages:
        page.context.close()
    return tasks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog='python -m bench.page_cost', description=__doc__.splitlines()[0])
    parser.add_argument('--runs', type=int, default=3, help='streams of each kind (default 3)')
    parser.add_argument('--windows', type=int, default=20, help='bare pages streaming at once (default 20)')
    args = parser.parse_args(argv)
    text = numbered_words(0, STREAM_WORDS)  # what the fake echoes back, word for word
    prompt = f'[[echo]] [[delay=20]] {text}'
    with running_fake_server() as fake, sync_playwright() as playwright, tempfile.TemporaryDirectory() as data:
        app = start_parley_app(fake, Path(data))
        try:
            browser = playwright.chromium.launch(executable_path=chromium_executable(), headless=True,
                                                 args=CHROMIUM_ARGS)
            parley, bare = [], []
            for _ in range(args.runs):  # alternately, so that a machine getting busier hits both alike
                parley.append(parley_stream(browser, app.url, prompt))
                bare.append(bare_stream(browser, text))
            tasks = bare_windows(browser, text, args.windows)
            browser.close()
        finally:
            app.stop()
    for name, runs in (('Parley, one streaming chat', parley), ('bare page, same appends', bare)):
        cpu = ', '.join(f'{c:.2f}' for c, _ in runs)
        print(f'{name}: Chromium CPU {cpu} s (median {statistics.median(c for c, _ in runs):.2f} s) over '
              f'{statistics.median(w for _, w in runs):.1f} s')
    ratio = statistics.median(c for c, _ in parley) / statistics.median(c for c, _ in bare)
    print(f'Parley / bare page: {ratio:.2f}x')
    durations = [d for page in tasks for d in page]
    print(f'{args.windows} bare pages at once: {len(durations)} long tasks (> 50 ms), longest '
          f'{max(durations, default=0):.0f} ms; per page {[len(page) for page in tasks]}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
