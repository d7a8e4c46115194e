"""Scenarios that are not one answer streamed into a fresh chat: typing while an answer streams, long and many
conversations, memory over many pages. Each starts its own Parley (on its own data directory, seeded first where
needed), measures, and returns its figures; `python -m bench --scenario NAME` runs one, `--quick` the cheap variants.
"""

from __future__ import annotations

import contextlib
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Page

from tests.fakes.server import FakeServer
from tests.ui.conftest import ParleyApp, start_parley

from .measure import INIT_SCRIPT, percentile
from .report import Figure
from .scenarios import ANSWER

BODY = ':scope > .parley-markdown'
Result = dict[str, Any]


@dataclass(frozen=True)
class Check:
    name: str
    description: str
    run: Callable[[Run], Result]
    figures: tuple[Figure, ...]
    quick: bool = False  # part of `--quick` (in its cheap variant)


@dataclass
class Run:
    """What a check gets: the shared browser and fake provider, and whether to run the cheap variant."""

    browser: Browser
    fake: FakeServer
    quick: bool

    @contextlib.contextmanager
    def parley(self, prepare: Callable[[Path], Any] | None = None) -> Iterator[tuple[ParleyApp, Any]]:
        """A fresh Parley on its own data directory; `prepare(data_dir)` runs (and seeds) before it starts."""
        with tempfile.TemporaryDirectory(prefix='bench-parley-') as data_dir:
            prepared = prepare(Path(data_dir)) if prepare else None
            app = start_parley(self.fake, Path(data_dir))
            try:
                yield app, prepared
            finally:
                app.stop()

    @contextlib.contextmanager
    def context(self, *scripts: str) -> Iterator[BrowserContext]:
        """A browser context whose pages run the benchmark's init script (long tasks, answer log) and `scripts`."""
        context = self.browser.new_context(viewport={'width': 1200, 'height': 800})
        context.add_init_script(INIT_SCRIPT)
        for script in scripts:
            context.add_init_script(script)
        context.set_default_timeout(60_000)
        try:
            yield context
        finally:
            context.close()


def open_page(page: Page, url: str) -> None:
    page.goto(url)
    page.get_by_role('textbox', name='Message').wait_for()


def send(page: Page, text: str) -> float:
    """Type `text` and click Send; returns the page's performance.now() just before the click."""
    page.get_by_role('textbox', name='Message').fill(text)
    page.get_by_role('button', name='Send').wait_for()
    at = page.evaluate('performance.now()')
    page.get_by_role('button', name='Send').click()
    return at


def wait_answer(page: Page, count: int, timeout: float = 120_000) -> float:
    """Wait until the page holds `count` answers, the last complete and settled; returns performance.now()."""
    page.locator(ANSWER).nth(count - 1).wait_for(state='attached', timeout=timeout)
    page.wait_for_function('(q) => window.__bench.settled(q)', arg=250, polling=50, timeout=timeout)
    return page.evaluate('performance.now()')


def last_answer_id(page: Page) -> str | None:
    return page.evaluate('(answer) => { const all = document.querySelectorAll(answer);'
                         ' return all.length ? all[all.length - 1].dataset.messageId : null; }', ANSWER)


def wait_next_answer(page: Page, previous: str | None, timeout: float = 120_000) -> None:
    """Wait until the page's newest answer is another than `previous`, complete and settled (by id, not by count:
    a page that follows a long chat sheds its oldest messages)."""
    page.wait_for_function(
        '([answer, previous]) => { const all = document.querySelectorAll(answer);'
        ' const last = all[all.length - 1]; return !!last && last.dataset.messageId !== previous; }',
        arg=[ANSWER, previous], polling=50, timeout=timeout)
    page.wait_for_function('(q) => window.__bench.settled(q)', arg=250, polling=50, timeout=timeout)


def watch(page: Page) -> None:
    page.evaluate('([answer, body]) => window.__bench.watch(answer, body)', [ANSWER, BODY])


def long_tasks(page: Page, start: float, end: float) -> dict[str, Any]:
    """Long tasks (> 50 ms) overlapping [start, end] on the page's clock (ms)."""
    tasks = [(s, d) for s, d in page.evaluate('window.__bench.longtasks') if s + d >= start and s <= end]
    return {'longtasks': len(tasks), 'longtask_max_ms': round(max((d for _, d in tasks), default=0), 1),
            'longtask_ms': round(sum(d for _, d in tasks), 1)}


def stats(values: list[float], prefix: str) -> dict[str, float | None]:
    """p50, p95 and max of `values` (ms), rounded, under `prefix_p50_ms` and so on."""
    if not values:
        return {f'{prefix}_p50_ms': None, f'{prefix}_p95_ms': None, f'{prefix}_max_ms': None}
    return {f'{prefix}_p50_ms': round(percentile(values, 0.5), 1),
            f'{prefix}_p95_ms': round(percentile(values, 0.95), 1), f'{prefix}_max_ms': round(max(values), 1)}


def load_average() -> float:
    import os

    return round(os.getloadavg()[0], 2)


def timed(run: Callable[[Run], Result]) -> Callable[[Run], Result]:
    """Add the run's wall time and the load average before and after (timings mean little on a loaded machine)."""
    def wrapper(context: Run) -> Result:
        began, load = time.monotonic(), load_average()
        result = run(context)
        result.update(load_before=load, load_after=load_average(), wall_s=round(time.monotonic() - began, 1))
        return result
    wrapper.__doc__ = run.__doc__
    return wrapper
