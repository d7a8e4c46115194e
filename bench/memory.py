"""`memory`: Parley's resident memory (psutil RSS) over many pages and answers.

20 open-stream-close page cycles to settle, then 200 more, then 1000 finished answers spread over 20 pages that
each stay open (with --quick: 20, 40 and 100). RSS never shrinks once Python has touched the memory, so growth after
the warm-up is the figure: a leak per page or per answer shows as a steady slope over the samples.
"""

from __future__ import annotations

import sys
import time

import psutil
from playwright.sync_api import BrowserContext
from playwright.sync_api import Error as PlaywrightError

from .checks import Check, Result, Run, last_answer_id, open_page, send, timed, wait_answer, wait_next_answer, watch
from .report import Figure, key

MB = 1024 * 1024
ANSWER = 'Memory [[tokens=60]]'
FULL = (20, 200, 1000, 20)  # page cycles to settle, page cycles measured, answers, pages they are spread over
QUICK = (20, 40, 100, 5)
SETTLE = 5.0  # seconds for closed pages' clients to be deleted (NiceGUI: 3 s after the socket closes)


def rss(pid: int) -> float:
    return psutil.Process(pid).memory_info().rss / MB


def progress(what: str, mb: float) -> None:
    """A line on stderr per sample: a run cut short still tells how memory went."""
    print(f'        memory: after {what}: RSS {mb:.1f} MB', file=sys.stderr, flush=True)


def cycle(context: BrowserContext, url: str) -> bool:
    """Open a new chat, stream a short answer, close the page; False if the answer did not come (counted, and the
    run goes on: one slow page on a loaded machine must not lose half an hour of samples)."""
    page = context.new_page()
    try:
        open_page(page, url)
        watch(page)  # wait_answer waits for the page's own record of the answer complete
        send(page, ANSWER)
        wait_answer(page, 1, timeout=60_000)
        return True
    except PlaywrightError as error:
        print(f'        memory: a page cycle failed: {str(error).splitlines()[0]}', file=sys.stderr, flush=True)
        return False
    finally:
        page.close()


def slope(samples: list[tuple[int, float]]) -> float | None:
    """Least-squares MB per 100 units (cycles or answers) over (count, MB) samples."""
    if len(samples) < 3:
        return None
    n = len(samples)
    mean_x = sum(x for x, _ in samples) / n
    mean_y = sum(y for _, y in samples) / n
    var = sum((x - mean_x) ** 2 for x, _ in samples)
    return round(100 * sum((x - mean_x) * (y - mean_y) for x, y in samples) / var, 2) if var else None


@timed
def run(context: Run) -> Result:
    warm, cycles, answers, pages = QUICK if context.quick else FULL
    with context.parley() as (app, _), context.context() as browser_context:
        pid = app.process.pid
        result: Result = {'rss_start_mb': round(rss(pid), 1)}
        failed = 0
        for _ in range(warm):
            failed += not cycle(browser_context, app.url)
        time.sleep(SETTLE)
        settled = rss(pid)
        result['rss_after_warmup_mb'] = round(settled, 1)
        progress(f'{warm} page cycles, settled', settled)
        samples = []
        for n in range(1, cycles + 1):
            failed += not cycle(browser_context, app.url)
            if n % 20 == 0:
                samples.append((n, rss(pid)))
                progress(f'{n} page cycles', samples[-1][1])
        time.sleep(SETTLE)
        result['rss_after_cycles_mb'] = round(rss(pid), 1)
        result['cycle_slope_mb_per_100'] = slope(samples)
        open_pages = [browser_context.new_page() for _ in range(pages)]
        for page in open_pages:
            open_page(page, app.url)
            watch(page)
        samples, done = [], 0
        for _ in range(answers // pages):
            previous = [last_answer_id(page) for page in open_pages]
            for page in open_pages:
                send(page, ANSWER)
            for page, answer in zip(open_pages, previous, strict=True):
                wait_next_answer(page, answer)
            done += pages
            if done % 100 == 0:
                samples.append((done, rss(pid)))
                progress(f'{done} answers', samples[-1][1])
        for page in open_pages:
            page.close()
        time.sleep(SETTLE)
        final = rss(pid)
        result.update(cycles=cycles, failed_cycles=failed, answers=done, rss_after_answers_mb=round(final, 1),
                      answer_slope_mb_per_100=slope(samples), growth_mb=round(final - settled, 1))
    return result


CHECK = Check('memory', '200 open-stream-close pages and 1000 answers after 20 to settle: server RSS', run, (
    Figure('RSS after the first 20 pages MB', key('rss_after_warmup_mb')),
    Figure('  after the page cycles MB', key('rss_after_cycles_mb')),
    Figure('  after the answers MB', key('rss_after_answers_mb')),
    Figure('growth since the first 20 MB', key('growth_mb'), 50, '<= 50'),
    Figure('  slope over page cycles MB / 100', key('cycle_slope_mb_per_100')),
    Figure('  slope over answers MB / 100', key('answer_slope_mb_per_100')),
))
