"""`typing`: how long a keystroke in the composer takes to show while an answer streams at 100 tokens a second.

Lag of one key: from the keydown event's timestamp (when the browser got the key) to the end of the first frame
painted after the textarea's `input` event (a requestAnimationFrame, then a message-channel task: the usual way to
land just after paint). The Event Timing API's `duration` of keydown/input events (>= 16 ms, in 8 ms steps) is kept
as a cross-check. The same typing with nothing streaming, in the same page and run, is the reference.
"""

from __future__ import annotations

from playwright.sync_api import Page

from .checks import Check, Result, Run, long_tasks, open_page, send, stats, timed, wait_answer, watch
from .measure import percentile
from .report import Figure, key

TYPING_SCRIPT = """
(() => {
  const typing = window.__typing = { lags: [], events: [], pending: null };
  document.addEventListener('keydown', (e) => {
    if (e.target instanceof HTMLTextAreaElement) typing.pending = e.timeStamp;
  }, true);
  document.addEventListener('input', (e) => {
    if (!(e.target instanceof HTMLTextAreaElement) || typing.pending === null) return;
    const start = typing.pending;
    typing.pending = null;
    requestAnimationFrame(() => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => typing.lags.push([start, performance.now() - start]);
      channel.port2.postMessage(0);
    });
  }, true);
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        if (['keydown', 'keypress', 'keyup', 'input', 'beforeinput'].includes(e.name)) {
          typing.events.push([e.startTime, e.name, e.duration]);
        }
      }
    }).observe({ type: 'event', durationThreshold: 16, buffered: true });
  } catch (error) { typing.eventError = String(error); }
})();
"""
TEXT = 'the quick brown fox jumps over the lazy dog while the answer keeps streaming in below '


def type_for(page: Page, keys: int, delay_ms: int = 70) -> tuple[float, float]:
    """Type `keys` characters into the composer, one every `delay_ms`; returns the page-clock window."""
    box = page.get_by_role('textbox', name='Message')
    box.click()
    start = page.evaluate('performance.now()')
    text = (TEXT * (keys // len(TEXT) + 1))[:keys]
    page.keyboard.type(text, delay=delay_ms)
    page.wait_for_timeout(200)  # the last key's frame
    return start, page.evaluate('performance.now()')


def lags_between(page: Page, start: float, end: float) -> tuple[list[float], list[float]]:
    """(own lag measure, Event Timing durations) of keys typed in [start, end] (page clock, ms)."""
    data = page.evaluate('window.__typing')
    own = [lag for at, lag in data['lags'] if start <= at <= end]
    events = [(name, duration) for at, name, duration in data['events'] if start <= at <= end]
    return own, events


def event_timing(events: list[tuple[str, float]], keys: int, prefix: str) -> dict[str, float | None]:
    """p95 and max of the Event Timing durations of keydown events; a key with no entry took under 16 ms."""
    durations = [duration for name, duration in events if name == 'keydown']
    durations += [0.0] * max(0, keys - len(durations))
    return {f'{prefix}_keydown_p95_ms': round(percentile(durations, 0.95), 1) if durations else None,
            f'{prefix}_max_ms': max((duration for _, duration in events), default=None)}


@timed
def run(context: Run) -> Result:
    """Keys typed into the composer while a 2000-token answer streams at 100 tokens/s (600 with --quick)."""
    tokens = 600 if context.quick else 2000
    result: Result = {'tokens': tokens}
    with context.parley() as (app, _), context.context(TYPING_SCRIPT) as browser_context:
        page = browser_context.new_page()
        open_page(page, app.url)
        send(page, 'warm up [[tokens=30]]')
        wait_answer(page, 1)
        start, end = type_for(page, 40)  # nothing streaming: the reference
        idle, idle_events = lags_between(page, start, end)
        page.get_by_role('textbox', name='Message').fill('')
        watch(page)
        sent = send(page, f'Typing [[tokens={tokens}]] [[delay=10]]')
        page.locator('article[aria-busy="true"] .parley-markdown p').first.wait_for()  # text is streaming
        keys = int((tokens / 100 - 1.5) * 1000 / 70 * 0.8)  # most of the stream, leaving its end
        start, end = type_for(page, keys)
        busy = page.evaluate('document.querySelector("[aria-busy=true]") !== null')
        streaming, streaming_events = lags_between(page, start, end)
        done = wait_answer(page, 2)
        result.update(keys=len(streaming), still_streaming_after_typing=busy, **stats(streaming, 'lag'),
                      **stats(idle, 'idle_lag'),
                      **event_timing(streaming_events, len(streaming), 'event_timing'),
                      **event_timing(idle_events, len(idle), 'idle_event_timing'),
                      **long_tasks(page, sent, done))
        if result['lag_p95_ms'] and result['idle_lag_p95_ms']:
            result['lag_p95_vs_idle'] = round(result['lag_p95_ms'] / result['idle_lag_p95_ms'], 2)
    return result


CHECK = Check('typing', 'typing in the composer while 2000 tokens stream at 100 tokens/s', run, (
    Figure('keys typed during the stream', key('keys')),
    Figure('keydown -> shown p95 ms', key('lag_p95_ms'), 50, '<= 50'),
    Figure('  max ms', key('lag_max_ms'), 50, '<= 50'),
    Figure('  p50 ms', key('lag_p50_ms')),
    Figure('  same keys, nothing streaming: p95 ms', key('idle_lag_p95_ms')),
    Figure('  Event Timing keydown p95 ms (to presentation)', key('event_timing_keydown_p95_ms')),
    Figure('    same, nothing streaming', key('idle_event_timing_keydown_p95_ms')),
    Figure('long tasks (> 50 ms) during the stream', key('longtasks'), 0, 'none'),
    Figure('  longest ms', key('longtask_max_ms')),
), quick=True)
