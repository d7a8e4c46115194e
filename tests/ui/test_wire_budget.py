"""What a streamed answer costs the page, in figures that do not depend on the machine's speed (issue 4).

Bytes on the websocket per character of answer, frames per second while it streams, and DOM nodes per rendered
block. `python -m bench` measures the timing figures (see bench/README.md); these guard the budgets in every run.
"""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Page, expect

from ui import names

from .conftest import ParleyApp
from .helpers import answers, new_window, open_parley, send, wait_for_status

pytestmark = pytest.mark.browser

Frames = list[tuple[float, int]]  # (CDP timestamp in seconds, payload bytes) of every frame the page received

COUNT_NODES = """(answer) => ({
    answer: answer.querySelectorAll('*').length,
    document: document.querySelectorAll('*').length,
    blocks: answer.querySelectorAll('p, li, pre, tr, h1, h2, h3, h4, h5, h6, blockquote, hr').length,
})"""


def record_frames(page: Page) -> Frames:
    """Every websocket frame the page receives from now on (the session must exist before the socket opens)."""
    frames: Frames = []
    session = page.context.new_cdp_session(page)
    session.send('Network.enable')
    session.on('Network.webSocketFrameReceived', lambda event: _received(frames, event))
    return frames


def _received(frames: Frames, event: dict) -> None:
    payload = event['response']['payloadData']
    frames.append((event['timestamp'], len(payload.encode())))


def wait_quiet(page: Page, frames: Frames, quiet: float = 0.3, timeout: float = 10.0) -> int:
    """Wait until no frame has arrived for `quiet` seconds; returns how many frames there are so far."""
    deadline = time.monotonic() + timeout
    count, since = -1, time.monotonic()
    while time.monotonic() < deadline:
        page.wait_for_timeout(50)  # lets Playwright deliver pending CDP events
        if len(frames) != count:
            count, since = len(frames), time.monotonic()
        elif time.monotonic() - since >= quiet:
            return count
    raise AssertionError(f'the page kept receiving frames for {timeout} s')


def stream_answer(page: Page, frames: Frames, prompt: str) -> tuple[Frames, int]:
    """Send `prompt` in the page's current chat; the frames from Send until the page is quiet after the answer
    completed (so a late resync counts too), and the answer's visible length."""
    start = wait_quiet(page, frames)
    before = answers(page).count()
    send(page, prompt)
    expect(answers(page)).to_have_count(before + 1)
    answer = answers(page).nth(before)  # not `.last`: until the new answer exists, that is the previous one
    wait_for_status(answer, 'complete')
    end = wait_quiet(page, frames)
    return frames[start:end], len(answer.locator('.parley-markdown').inner_text())


@pytest.mark.parametrize(('tokens', 'min_chars'), [(500, 2500), (2000, 10_000)])
def test_an_answer_costs_at_most_three_bytes_per_character(page: Page, parley: ParleyApp, tokens: int,
                                                           min_chars: int) -> None:
    frames = record_frames(page)
    open_parley(page, parley)
    # Start the conversation first: creating one also re-sends the sidebar, a cost that grows with the number of
    # conversations the session's other tests left behind, not with the answer (the benchmark reports it).
    stream_answer(page, frames, 'Start [[tokens=5]]')
    received, chars = stream_answer(page, frames, f'Wire budget [[tokens={tokens}]]')
    sent = sum(size for _, size in received)
    assert chars > min_chars
    assert sent / chars <= 3, f'{sent} bytes in {len(received)} frames for {chars} characters'


def test_an_exchange_has_a_small_fixed_cost(page: Page, parley: ParleyApp) -> None:
    frames = record_frames(page)
    open_parley(page, parley)
    stream_answer(page, frames, 'Start [[tokens=5]]')
    received, chars = stream_answer(page, frames, 'Fixed cost [[tokens=1]]')
    sent = sum(size for _, size in received)
    # The two new messages (~1.5 KB), the answer's delta and end, its status, and Send/Stop. Emptying the box and
    # Send's enabled state are the browser's business: done on the server they resent the textarea and the button
    # with all their props and listeners (~1.3 KB more, which made short answers cost over 3 bytes a character).
    # The page's new address and tab title go with a new chat's first message only (they went with every one
    # sent from a page opened as a new chat: 2740 bytes, then 2830 with the title; 2595 without). Then the answer's
    # usage line (~80 bytes) and, this being the chat's second answer, its total shown for the first time (~290
    # bytes; ~115 for its new text with each later answer): 3087.
    assert sent <= 3150, f'{sent} bytes in {len(received)} frames for a {chars}-character answer'


def test_a_stream_sends_at_most_thirty_frames_a_second(page: Page, parley: ParleyApp) -> None:
    frames = record_frames(page)
    open_parley(page, parley)
    received, _ = stream_answer(page, frames, 'Frame rate [[tokens=2000]] [[delay=2]]')
    # The whole exchange, Send to the last frame: the flush timer bounds the rate however fast tokens arrive.
    duration = received[-1][0] - received[0][0]
    assert duration > 2, f'the stream should last a few seconds, it took {duration:.2f} s'
    rate = (len(received) - 1) / duration
    assert rate <= 30, f'{len(received)} frames in {duration:.2f} s: {rate:.1f} a second'


def count_nodes(page: Page, parley: ParleyApp, prompt: str) -> dict[str, int]:
    """Nodes in the answer and growth of the whole document, for `prompt` answered in a new chat."""
    open_parley(page, parley)
    before = page.evaluate('document.querySelectorAll("*").length')
    send(page, prompt)
    answer = answers(page).last
    wait_for_status(answer, 'complete')
    counts = answer.evaluate(COUNT_NODES)
    counts['document'] -= before
    return counts


def test_dom_grows_with_blocks_not_tokens(page: Page, parley: ParleyApp) -> None:
    short = count_nodes(page, parley, 'Nodes [[tokens=200]]')
    long = count_nodes(page, parley, 'Nodes [[tokens=2000]]')
    extra_blocks = long['blocks'] - short['blocks']
    extra_nodes = long['answer'] - short['answer']
    # The same kind of answer, ten times longer: 1800 more tokens but only ~60 more blocks (paragraphs, list items,
    # code blocks). A few elements per block is markup (a code block has its highlight spans and copy button); a
    # node per token (a span per delta, a leftover per re-render) would add ~1800 and fail both bounds.
    assert extra_blocks > 20, f'the long answer should render many more blocks: {short} vs {long}'
    assert extra_nodes <= 8 * extra_blocks, f'{extra_nodes} more nodes for {extra_blocks} more blocks'
    assert extra_nodes < 1800 / 4
    # Outside the answer the page must not grow either: only the new message pair and one more sidebar entry.
    assert long['document'] - short['document'] <= extra_nodes + 30, f'document grew: {short} vs {long}'


def test_a_new_chat_elsewhere_costs_a_watching_page_one_small_frame(page: Page, parley: ParleyApp) -> None:
    # Every open page lists every conversation (personal mode): a chat started in another tab moves one entry to
    # the top of this page's list. That is one call of a few hundred bytes (ui/conversation_list.py), not the
    # entry's elements built anew for each page (~1.5 KB, and the server's time while twenty answers start).
    frames = record_frames(page)
    open_parley(page, parley)
    other = new_window(page)
    open_parley(other, parley)
    start = wait_quiet(page, frames)
    send(other, 'A chat in another tab [[tokens=3]]')
    nav = page.get_by_role('navigation', name=names.CONVERSATIONS)
    expect(nav.get_by_role('link').first).to_have_text('A chat in another tab [[tokens=3]]')
    wait_for_status(answers(other).last, 'complete')
    received = frames[start:wait_quiet(page, frames)]
    assert len(received) == 1 and received[0][1] <= 400, f'{len(received)} frames: {received}'


def test_chats_started_together_elsewhere_reach_a_watching_page_in_one_batch(page: Page, parley: ParleyApp) -> None:
    # After one list change a page takes the next ones in batches (ui/sidebar.py TOUCH_EVERY); a batch is one
    # call, not a call per entry: each call is a frame and a re-render of the list in every open page, and twenty
    # answers starting together made that the twenty pages' largest cost (bench streams-20).
    frames = record_frames(page)
    open_parley(page, parley)
    browser = page.context.browser
    assert browser is not None
    # Windows of their own: a background tab gets one animation frame a second, which slows each click to a second.
    contexts = [browser.new_context() for _ in range(4)]
    others = [other.new_page() for other in contexts]
    topics = [f'Together {number} [[tokens=3]]' for number in range(4)]
    for other, topic in zip(others, topics, strict=True):
        open_parley(other, parley)
        other.get_by_role('textbox', name=names.MESSAGE).fill(topic)
    start = wait_quiet(page, frames)
    nav = page.get_by_role('navigation', name=names.CONVERSATIONS)
    others[0].get_by_role('button', name=names.SEND).click()
    expect(nav.get_by_role('link').first).to_have_text(topics[0])  # moved at once: the next ones wait for a batch
    for other in others[1:]:
        other.get_by_role('button', name=names.SEND).click()
    for topic in topics:  # the server may create the last three in any order
        expect(nav.get_by_role('link', name=topic)).to_have_count(1)
    assert sorted(nav.get_by_role('link').all_inner_texts()[:4]) == topics
    for other in others:
        wait_for_status(answers(other).last, 'complete')
    for other in contexts:
        other.close()
    received = [frame for frame in frames[start:wait_quiet(page, frames)] if frame[1] > 1]  # not pings
    # One for the first chat, one for the batch of three (two if the clicks straddled a batch's end).
    assert len(received) <= 3, f'{len(received)} frames for 4 chats: {received}'
