"""A page that renders slowly gets fewer, bigger deltas, not a backlog: the server waits until the browser reports
the last delta shown (ui/streaming_markdown.py, SHOWN_TIMEOUT) before it sends the next."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from .conftest import ParleyApp
from .helpers import answers, conversation_id, open_parley, send, stored, wait_for_status

pytestmark = pytest.mark.browser

SLOW_FRAME_MS = 300
# Every animation-frame callback (the renderer's included) first burns SLOW_FRAME_MS: a page on a machine that
# cannot keep up.
SLOW_FRAMES = f'''
const requestFrame = window.requestAnimationFrame.bind(window);
window.requestAnimationFrame = (callback) => requestFrame((time) => {{
  const end = performance.now() + {SLOW_FRAME_MS};
  while (performance.now() < end);
  callback(time);
}});
'''


def test_a_slow_page_gets_fewer_bigger_deltas_and_the_whole_answer(page: Page, parley: ParleyApp) -> None:
    appends: list[float] = []
    session = page.context.new_cdp_session(page)
    session.send('Network.enable')
    session.on('Network.webSocketFrameReceived', lambda event: 'runMethod' in event['response']['payloadData']
               and '\\"append\\"' in event['response']['payloadData'] and appends.append(event['timestamp']))
    page.add_init_script(SLOW_FRAMES)
    open_parley(page, parley)
    send(page, 'Flow control [[tokens=800]] [[delay=5]]')  # about 4 s at 200 tokens a second
    answer = answers(page).last
    wait_for_status(answer, 'complete', timeout=60_000)

    duration = appends[-1] - appends[0]
    assert duration > 2, f'the answer should stream for a few seconds, its deltas came within {duration:.2f} s'
    rate = (len(appends) - 1) / duration
    # Unthrottled, the flush timer sends a delta every 64 characters (about 15 a second at this speed); waiting for
    # each to be shown, and each frame taking 300 ms, leaves at most about three a second.
    assert rate <= 1000 / SLOW_FRAME_MS + 0.5, f'{len(appends)} deltas in {duration:.2f} s'
    # Nothing is lost on the way: the page's renderer holds exactly the stored answer.
    text = stored(parley, conversation_id(page))[-1][1]
    assert answer.locator('.parley-markdown').first.evaluate('element => element.parleyRenderer.text') == text
