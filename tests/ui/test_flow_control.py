"""A page that renders slowly gets fewer, bigger deltas, not a backlog: with UNSHOWN deltas not yet shown, the server
waits for the browser's report (ui/streaming_markdown.py) before it sends the next. The browser reports only the deltas
the server waits for."""

from __future__ import annotations

import itertools

import pytest
from playwright.sync_api import Page

from ui.streaming_markdown import SHOWN_TIMEOUT

from .conftest import ParleyApp
from .helpers import answers, conversation_id, open_parley, send, stored, wait_for_status

pytestmark = pytest.mark.browser

SLOW_FRAME_MS = 400
# Every animation frame first burns SLOW_FRAME_MS: a page on a machine that cannot keep up.
SLOW_FRAMES = f'''
const burn = () => {{
  const end = performance.now() + {SLOW_FRAME_MS};
  while (performance.now() < end);
  requestAnimationFrame(burn);
}};
requestAnimationFrame(burn);
'''
PROMPT = 'Flow control [[tokens=800]] [[delay=5]]'  # about 4 s at 200 tokens a second


def frame_times(page: Page, event: str, *markers: str) -> list[float]:
    """When each websocket frame of `event` (CDP's Network.webSocketFrameReceived or ...Sent) holding every marker
    passed; the list fills in as they come."""
    times: list[float] = []
    session = page.context.new_cdp_session(page)
    session.send('Network.enable')
    session.on(event, lambda frame: all(marker in frame['response']['payloadData'] for marker in markers)
               and times.append(frame['timestamp']))
    return times


def record_appends(page: Page) -> list[float]:
    """When each `append` call (a delta of the streaming answer) reached the page."""
    return frame_times(page, 'Network.webSocketFrameReceived', 'runMethod', '\\"append\\"')


def record_shown_reports(page: Page) -> list[float]:
    """When the page told the server that what it received is on screen."""
    return frame_times(page, 'Network.webSocketFrameSent', '\\"kind\\":\\"shown\\"')


def test_a_slow_page_gets_fewer_bigger_deltas_and_the_whole_answer(page: Page, parley: ParleyApp) -> None:
    slow = page
    fast = page.context.new_page()
    slow.add_init_script(SLOW_FRAMES)
    slow_appends, fast_appends = record_appends(slow), record_appends(fast)
    for each in (slow, fast):
        open_parley(each, parley)
    for each in (slow, fast):  # the same answer at the same time, in two chats
        send(each, PROMPT)
    for each in (slow, fast):
        wait_for_status(answers(each).last, 'complete', timeout=60_000)

    # Unthrottled, the flush timer sends both pages a delta every 64 characters (about 10-15 a second at this speed);
    # the slow page shows two deltas at most per 400 ms frame, and the server waits for it.
    assert len(fast_appends) > 20
    assert len(slow_appends) <= 0.7 * len(fast_appends), (len(slow_appends), len(fast_appends))
    # Nothing is lost on the way: each page's renderer holds exactly the stored answer.
    for each in (slow, fast):
        text = stored(parley, conversation_id(each))[-1][1]
        renderer_text = answers(each).last.locator('.parley-markdown').first.evaluate('e => e.parleyRenderer.text')
        assert renderer_text == text
    fast.close()


def test_the_page_reports_only_the_deltas_the_server_waits_for(page: Page, parley: ParleyApp) -> None:
    appends, reports = record_appends(page), record_shown_reports(page)
    open_parley(page, parley)
    send(page, PROMPT)
    wait_for_status(answers(page).last, 'complete', timeout=60_000)
    page.wait_for_timeout(200)  # lets the last CDP events arrive

    assert len(appends) > 20
    # The window is two deltas: the server asks about every other one. (Each new element reports its first render.)
    answered = [at for at in reports if at > appends[0]]
    assert 1 <= len(answered) <= len(appends) // 2 + 1, (len(answered), len(appends))
    # It never waited for a report that did not come: no gap between deltas as long as the timeout it would take.
    assert max(later - earlier for earlier, later in itertools.pairwise(appends)) < SHOWN_TIMEOUT
    text = stored(parley, conversation_id(page))[-1][1]
    assert answers(page).last.locator('.parley-markdown').first.evaluate('e => e.parleyRenderer.text') == text
