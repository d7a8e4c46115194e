"""A page that renders slowly gets fewer, bigger deltas, not a backlog: with UNSHOWN deltas not yet shown, the server
waits for the browser's report (ui/streaming_markdown.py) before it sends the next."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

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


def record_appends(page: Page) -> list[float]:
    """When each `append` call (a delta of the streaming answer) reached the page."""
    appends: list[float] = []
    session = page.context.new_cdp_session(page)
    session.send('Network.enable')
    session.on('Network.webSocketFrameReceived', lambda event: 'runMethod' in event['response']['payloadData']
               and '\\"append\\"' in event['response']['payloadData'] and appends.append(event['timestamp']))
    return appends


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
