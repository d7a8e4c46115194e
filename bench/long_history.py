"""Long and many conversations: `history200` (stream into a conversation of 200 messages), `open500` (open one of
500 messages, ~1 MB, then scroll up through it) and `history10k` (10 000 conversations, 200 000 messages: the
sidebar and opening conversations, against a small history in the same run).

Times are on the page's clock: `performance.now()` counts from the start of the navigation, so "shown after N ms"
includes the server building the page, the transfer and the browser rendering it.
"""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

from playwright.sync_api import BrowserContext, Page

from .checks import Check, Result, Run, long_tasks, open_page, send, timed, wait_answer, watch
from .report import Figure, key
from .seed import Seeded, seed

# Logs, once per page, when the sidebar first shows an entry and when the message `window.__openTarget` (set by
# the script below it) is in the viewport with its text rendered; checked every animation frame from the start.
OPEN_SCRIPT = """
(() => {
  const open = window.__open = { sidebarAt: null, lastAt: null };
  const check = () => {
    if (open.sidebarAt === null && document.querySelector('nav[aria-label="Conversations"] a')) {
      open.sidebarAt = performance.now();
    }
    const target = window.__openTarget && document.querySelector(`[data-message-id="${window.__openTarget}"]`);
    if (open.lastAt === null && target && target.innerText.trim().length > 0) {
      const box = target.getBoundingClientRect();
      if (box.bottom > 0 && box.top < window.innerHeight) open.lastAt = performance.now();
    }
    if (open.sidebarAt === null || open.lastAt === null) requestAnimationFrame(check);
  };
  requestAnimationFrame(check);
})();
"""


def target_script(message_id: str | None) -> str:
    return f'window.__openTarget = {message_id!r};' if message_id else 'window.__openTarget = null;'


def last_message_id(data_dir: Path, conversation_id: str) -> str:
    import sqlite3

    with sqlite3.connect(data_dir / 'parley.db') as db:
        return db.execute('select id from message where conversation_id = ? order by seq desc limit 1',
                          (conversation_id,)).fetchone()[0]


def open_timed(context: BrowserContext, url: str, target: str | None) -> dict[str, float | None]:
    """Open `url` in a new page; when the sidebar's first entry and the target message showed (ms)."""
    page = context.new_page()
    page.add_init_script(target_script(target))
    page.goto(url)
    condition = '() => window.__open.sidebarAt !== null' + (' && window.__open.lastAt !== null' if target else '')
    page.wait_for_function(condition, polling=50, timeout=60_000)
    times = page.evaluate('window.__open')
    # when the page's HTML had fully arrived: the server's share (building the page, with its sidebar) ends there
    html = page.evaluate('performance.getEntriesByType("navigation")[0].responseEnd')
    page.close()
    return {'sidebar_ms': round(times['sidebarAt'], 1), 'last_ms': round(times['lastAt'], 1) if target else None,
            'html_ms': round(html, 1)}


def median(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return round(statistics.median(present), 1) if present else None


# history200 ------------------------------------------------------------------------------------------------------

QUIET = """([quiet]) => {
    const tasks = window.__bench.longtasks, last = tasks[tasks.length - 1];
    return !last || performance.now() - (last[0] + last[1]) >= quiet;
}"""


def quiet(page: Page, quiet_ms: int = 1000, timeout_ms: int = 15_000) -> None:
    """Wait until no long task has ended for `quiet_ms` (opening a long conversation renders for a while), so the
    stream's long tasks are its own."""
    page.wait_for_function(QUIET, arg=[quiet_ms], polling=100, timeout=timeout_ms)


def stream_and_count(page: Page, answers: int, prompt: str) -> dict[str, Any]:
    quiet(page)
    watch(page)
    sent = send(page, prompt)
    done = wait_answer(page, answers)
    return long_tasks(page, sent, done)


@timed
def run_history200(context: Run) -> Result:
    """Stream 2000 tokens into a conversation of 200 messages: as opened (newest 40 built), then with all 200
    scrolled into the page."""
    seeded: Seeded
    with context.parley(lambda d: seed(d, conversations=1, messages_each=200, answer_size=1500)) as (app, seeded), \
            context.context() as browser_context:
        page = browser_context.new_page()
        open_page(page, f'{app.url}/c/{seeded.conversation_ids[0]}')
        page.wait_for_timeout(500)
        shown = page.locator('article').count()
        opened = long_tasks(page, 0, page.evaluate('performance.now()'))
        answers = page.locator('article[aria-label="Assistant message"]').count()
        result: Result = {'messages': seeded.messages, 'history_chars': seeded.bytes, 'built_on_open': shown,
                          'open_longtasks': opened['longtasks'], 'open_longtask_max_ms': opened['longtask_max_ms']}
        result.update(stream_and_count(page, answers + 1, 'Long history [[tokens=2000]]'))
        fresh = browser_context.new_page()  # the same answer in a new chat of the same Parley: the reference
        open_page(fresh, app.url)
        result.update({f'fresh_{name}': value for name, value in
                       stream_and_count(fresh, 1, 'Fresh chat [[tokens=2000]]').items()})
        fresh.close()
        if not context.quick:  # every message in the page: the worst case for any full re-render
            page.mouse.move(600, 400)
            page.mouse.wheel(0, -300)
            for _ in range(60):
                if page.locator('article').count() >= seeded.messages + 2:
                    break
                page.evaluate('window.scrollTo(0, 0)')
                page.wait_for_timeout(300)
            result['built_after_scrolling'] = page.locator('article').count()
            page.evaluate('window.parleyScroll && window.parleyScroll.jump()')
            page.wait_for_timeout(500)
            answers = page.locator('article[aria-label="Assistant message"]').count()
            full = stream_and_count(page, answers + 1, 'Longer history [[tokens=2000]]')
            result.update({f'all_{name}': value for name, value in full.items()})
    return result


HISTORY200 = Check('history200', 'stream 2000 tokens into a conversation that holds 200 messages', run_history200, (
    Figure('messages built on opening', key('built_on_open')),
    Figure('long tasks while streaming (> 50 ms)', key('longtasks'), 0, 'none'),
    Figure('  longest ms', key('longtask_max_ms')),
    Figure('  same answer in a new chat: long tasks', key('fresh_longtasks')),
    Figure('    longest ms', key('fresh_longtask_max_ms')),
    Figure('same, all 200 messages in the page: long tasks', key('all_longtasks'), 0, 'none'),
    Figure('  longest ms', key('all_longtask_max_ms')),
    Figure('long tasks while opening the conversation', key('open_longtasks')),
    Figure('  longest ms', key('open_longtask_max_ms')),
))


# open500 ---------------------------------------------------------------------------------------------------------

SETTLE = """([quiet, timeout]) => new Promise((resolve) => {
    const began = performance.now();
    let height = -1, since = began;
    const tick = () => {
        const now = performance.now(), h = document.scrollingElement.scrollHeight;
        if (h !== height) { height = h; since = now; }
        if (now - since >= quiet || now - began >= timeout) resolve(); else requestAnimationFrame(tick);
    };
    tick();
})"""


def settle(page: Page, quiet_ms: int = 600, timeout_ms: int = 10_000) -> None:
    """Wait until the page's height has not changed for `quiet_ms`."""
    page.evaluate(SETTLE, [quiet_ms, timeout_ms])


def scroll_up_through(page: Page, loads: int) -> dict[str, Any]:
    """Let go of the bottom, then bring the top into view `loads` times; each time older messages load above, the
    message that was first must stay where it was on screen. Returns the worst jump (px) and the load times."""
    articles = page.locator('article')
    page.mouse.move(600, 400)
    page.mouse.wheel(0, -300)
    page.wait_for_timeout(300)
    jumps, times, counts = [], [], [articles.count()]
    for _ in range(loads):
        before = page.evaluate("""() => {
            window.scrollTo(0, 0);
            const first = document.querySelector('article');
            return [first.dataset.messageId, first.getBoundingClientRect().top, performance.now()];
        }""")
        shown = counts[-1]
        try:
            page.wait_for_function('(n) => document.querySelectorAll("article").length > n', arg=shown,
                                   polling=20, timeout=15_000)
        except Exception:  # nothing older to load (or it never came): stop here, the counts tell
            break
        loaded_at = page.evaluate('performance.now()')
        settle(page)  # the inserted messages render their markdown after they arrive: wait for the final layout
        after = page.evaluate('(id) => document.querySelector(`[data-message-id="${id}"]`)'
                              '.getBoundingClientRect().top', before[0])
        jumps.append(abs(after - before[1]))
        times.append(loaded_at - before[2])
        counts.append(articles.count())
    return {'loads': len(jumps), 'jump_max_px': round(max(jumps, default=0), 1),
            'load_ms_max': round(max(times, default=0), 1), 'articles_after_scrolling': counts[-1]}


@timed
def run_open500(context: Run) -> Result:
    """Open a conversation of 500 messages (about 1 MB of markdown): time to its last message; then scroll up."""
    with context.parley(lambda d: seed(d, conversations=1, messages_each=500, answer_size=3800)) as (app, seeded), \
            context.context(OPEN_SCRIPT) as browser_context:
        conversation = seeded.conversation_ids[0]
        target = last_message_id(app.data_dir, conversation)
        url = f'{app.url}/c/{conversation}'
        open_timed(browser_context, url, target)  # warms the HTTP cache, as a returning reader has it
        timed_opens = [open_timed(browser_context, url, target) for _ in range(1 if context.quick else 3)]
        opens = [times['last_ms'] for times in timed_opens]
        page = browser_context.new_page()
        page.add_init_script(target_script(target))
        open_page(page, url)
        page.wait_for_function('() => window.__open.lastAt !== null', polling=50)
        built = page.locator('article').count()
        result: Result = {'messages': seeded.messages, 'history_chars': seeded.bytes, 'last_shown_ms': median(opens),
                          'last_shown_runs_ms': opens, 'built_on_open': built,
                          'html_ms': median([times['html_ms'] for times in timed_opens])}
        result.update(scroll_up_through(page, 2 if context.quick else 5))
        result.update({f'opening_{k}': v for k, v in long_tasks(page, 0, page.evaluate('performance.now()')).items()})
    return result


OPEN500 = Check('open500', 'open a conversation of 500 messages (~1 MB of markdown), then scroll up', run_open500, (
    Figure('last message shown after (median) ms', key('last_shown_ms'), 1500, '<= 1500'),
    Figure("  page's HTML received (server's share) ms", key('html_ms')),
    Figure('messages built on opening', key('built_on_open')),
    Figure('scrolled-up loads', key('loads')),
    Figure('  worst jump of the view px', key('jump_max_px'), 2, '<= 2 (none)'),
    Figure('  slowest load ms', key('load_ms_max')),
), quick=True)


# history10k ------------------------------------------------------------------------------------------------------

def measure_history(context: Run, conversations: int, messages_each: int, repeats: int) -> Result:
    """Sidebar and opening times for a history of `conversations` x `messages_each` messages."""
    with context.parley(lambda d: seed(d, conversations=conversations, messages_each=messages_each)) as (
            app, seeded), context.context(OPEN_SCRIPT) as browser_context:
        newest, oldest = seeded.conversation_ids[0], seeded.conversation_ids[-1]
        targets = {name: last_message_id(app.data_dir, c) for name, c in (('newest', newest), ('oldest', oldest))}
        open_timed(browser_context, app.url, None)  # warm-up: HTTP cache, first page build
        home = [open_timed(browser_context, app.url, None) for _ in range(repeats)]
        sidebar = [times['sidebar_ms'] for times in home]
        opened = {name: [open_timed(browser_context, f'{app.url}/c/{c}', targets[name])['last_ms']
                         for _ in range(repeats)] for name, c in (('newest', newest), ('oldest', oldest))}
        page = browser_context.new_page()
        page.add_init_script(target_script(None))
        open_page(page, app.url)
        links = page.locator('nav[aria-label="Conversations"] a')
        first = links.count()
        page.locator('nav[aria-label="Conversations"]').hover()
        for _ in range(8 if context.quick else 20):
            page.mouse.wheel(0, 3000)
            page.wait_for_timeout(200)
        return {'conversations': conversations, 'messages': seeded.messages, 'seed_s': round(seeded.seconds, 1),
                'sidebar_ms': median(sidebar), 'html_ms': median([times['html_ms'] for times in home]),
                'open_newest_ms': median(opened['newest']),
                'open_oldest_ms': median(opened['oldest']), 'sidebar_entries': first,
                'sidebar_entries_after_scrolling': links.count()}


@timed
def run_history10k(context: Run) -> Result:
    """10 000 conversations of 20 messages (1000 with --quick) against 10 conversations, in the same run."""
    repeats = 2 if context.quick else 5
    big = measure_history(context, 1000 if context.quick else 10_000, 20, repeats)
    small = measure_history(context, 10, 20, repeats)
    result: Result = {**big, **{f'small_{name}': value for name, value in small.items()}}
    for name in ('sidebar_ms', 'html_ms', 'open_newest_ms', 'open_oldest_ms'):
        if big[name] and small[name]:
            result[f'{name}_vs_small'] = round(big[name] / small[name], 2)
    return result


HISTORY10K = Check('history10k', '10 000 conversations, 200 000 messages: sidebar and opening, vs a small history',
                   run_history10k, (
    Figure('conversations', key('conversations')),
    Figure('sidebar first entries shown ms', key('sidebar_ms'), 200, '<= 200'),
    Figure('  small history ms', key('small_sidebar_ms')),
    Figure("  page's HTML received (server's share) ms", key('html_ms')),
    Figure('    vs small history', key('html_ms_vs_small'), 1.25, '<= 1.25x'),
    Figure('open newest conversation ms', key('open_newest_ms')),
    Figure('  vs small history', key('open_newest_ms_vs_small'), 1.25, '<= 1.25x'),
    Figure('open oldest conversation ms', key('open_oldest_ms')),
    Figure('  vs small history', key('open_oldest_ms_vs_small'), 1.25, '<= 1.25x'),
    Figure('sidebar entries, then after scrolling it', lambda r, f: r.get('sidebar_entries_after_scrolling')),
    Figure('  built at first', key('sidebar_entries')),
), quick=True)
