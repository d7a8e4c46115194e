"""Chat auto-scroll follower (assets/chat_scroll.js) in Chromium, on a static page that mimics the chat layout."""

from __future__ import annotations

import functools
import http.server
import itertools
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
GAP_PX = 2  # the brief's tolerance for "at the bottom" and "steady"


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope='module')
def harness_url() -> Iterator[str]:
    """Serve the repository on a free port: ES modules do not load from file://."""
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), functools.partial(QuietHandler, directory=str(REPO)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f'http://127.0.0.1:{server.server_port}/tests/ui/scroll_harness.html'
    server.shutdown()
    server.server_close()


@pytest.fixture
def chat(page: Page, harness_url: str) -> Page:
    """The harness page, loaded, with its conversation pinned at the bottom."""
    page.goto(harness_url)
    page.wait_for_function(f'window.harnessReady && window.parleyScroll && window.gap() <= {GAP_PX}')
    return page


def is_pinned(page: Page) -> bool:
    return page.evaluate('window.parleyScroll.isPinned()')


def jump_button(page: Page):
    return page.get_by_role('button', name='Jump to latest')


def stream_until_grown(page: Page, pixels: int = 300) -> None:
    """Start streaming and wait until the content has grown by `pixels`."""
    start = page.evaluate('document.scrollingElement.scrollHeight')
    page.evaluate('window.startStream()')
    page.wait_for_function(f'document.scrollingElement.scrollHeight > {start + pixels}')


def assert_follows(page: Page, frames: int = 20) -> None:
    """While streaming, every frame that grew the content was painted with the view at the bottom."""
    page.evaluate('window.startRecording(); window.startStream()')
    page.wait_for_function(f'window.recording.gaps.length >= {frames}')
    record = page.evaluate('window.stopRecording()')
    assert record['heights'][-1] - record['heights'][0] > 200, 'content did not grow'
    assert max(record['gaps']) <= GAP_PX, record['gaps']
    assert is_pinned(page)


def assert_steady(page: Page, seconds: float) -> float:
    """While content keeps arriving, scrollTop stays put; returns it."""
    page.evaluate('window.startRecording()')
    page.wait_for_timeout(seconds * 1000)  # measuring steadiness over time is the point here
    record = page.evaluate('window.stopRecording()')
    tops = record['tops']
    assert record['heights'][-1] - record['heights'][0] > 100, 'content did not keep arriving'
    assert max(tops) - min(tops) <= GAP_PX, tops
    return tops[-1]


def detach_and_settle(page: Page, action) -> float:
    """Do `action` while streaming; the follower must let go at once and never pull the view back down."""
    stream_until_grown(page, 100)
    page.evaluate('window.startRecording()')
    action()
    page.wait_for_function('!window.parleyScroll.isPinned()', timeout=1000)
    top = page.evaluate('window.settled()')
    tops = page.evaluate('window.stopRecording()')['tops']
    moved_up = next((i for i in range(1, len(tops)) if tops[i] < tops[i - 1] - GAP_PX), None)
    assert moved_up is not None, f'the view did not move up: {tops}'
    rises = [b - a for a, b in itertools.pairwise(tops[moved_up - 1:]) if b - a > GAP_PX]
    assert not rises, f'view was pulled back down after the reader scrolled up: {tops}'
    assert page.evaluate('window.gap()') > 20
    return top


def wheel_up(page: Page) -> None:
    page.mouse.move(600, 400)
    page.mouse.wheel(0, -300)


def test_follows_while_streaming_and_hides_jump_button(chat: Page) -> None:
    requests: list[str] = []
    chat.on('request', lambda request: requests.append(request.url))
    expect(jump_button(chat)).to_be_hidden()
    assert chat.evaluate('getComputedStyle(document.documentElement).overflowAnchor') == 'none'
    assert_follows(chat, frames=40)
    expect(jump_button(chat)).to_be_hidden()
    assert requests == [], 'the follower must not talk to the server'


def test_wheel_up_detaches_holds_position_and_jump_returns(chat: Page) -> None:
    detach_and_settle(chat, lambda: wheel_up(chat))
    assert_steady(chat, 1.0)
    expect(jump_button(chat)).to_be_visible()
    jump_button(chat).click()
    chat.wait_for_function(f'window.parleyScroll.isPinned() && window.gap() <= {GAP_PX}')
    assert_follows(chat)
    expect(jump_button(chat)).to_be_hidden()


@pytest.mark.parametrize('key', ['PageUp', 'ArrowUp', 'Home', 'Shift+Space'])
def test_upward_keys_detach(chat: Page, key: str) -> None:
    chat.evaluate('document.activeElement.blur()')
    detach_and_settle(chat, lambda: chat.keyboard.press(key))
    assert_steady(chat, 0.3)
    expect(jump_button(chat)).to_be_visible()


def test_keys_in_the_composer_do_not_detach(chat: Page) -> None:
    chat.get_by_role('textbox', name='Message').fill('line one\nline two')
    for key in ('ArrowUp', 'PageUp', 'Home', 'Shift+Space'):
        chat.keyboard.press(key)
    assert_follows(chat)


def test_scrollbar_drag_detaches(chat: Page) -> None:
    # A scrollbar drag moves scrollTop with no wheel, key or touch event.
    detach_and_settle(chat, lambda: chat.evaluate('document.scrollingElement.scrollTop -= 400'))
    assert_steady(chat, 1.0)
    expect(jump_button(chat)).to_be_visible()


def test_reaching_the_bottom_by_hand_reattaches(chat: Page) -> None:
    detach_and_settle(chat, lambda: wheel_up(chat))
    chat.evaluate('window.stopStream(false)')
    chat.mouse.wheel(0, 5000)
    chat.wait_for_function(f'window.parleyScroll.isPinned() && window.gap() <= {GAP_PX}')
    expect(jump_button(chat)).to_be_hidden()
    assert_follows(chat)


def test_scrolling_to_the_bottom_while_streaming_reattaches(chat: Page) -> None:
    detach_and_settle(chat, lambda: chat.evaluate('document.scrollingElement.scrollTop -= 400'))
    chat.evaluate('document.scrollingElement.scrollTop = document.scrollingElement.scrollHeight')
    chat.wait_for_function('window.parleyScroll.isPinned()')
    assert_follows(chat)


def test_pin_reattaches(chat: Page) -> None:
    detach_and_settle(chat, lambda: wheel_up(chat))
    chat.evaluate('window.parleyScroll.pin()')
    assert is_pinned(chat)
    assert_follows(chat)
    expect(jump_button(chat)).to_be_hidden()


def test_nothing_moves_when_a_pinned_answer_ends(chat: Page) -> None:
    stream_until_grown(chat, 100)
    chat.evaluate('window.startRecording()')
    chat.evaluate('window.stopStream()')
    chat.evaluate('window.settled()')
    tops = chat.evaluate('window.stopRecording()')['tops']
    assert tops == sorted(tops), f'the view moved up when the answer ended: {tops}'
    assert chat.evaluate('window.gap()') <= GAP_PX
    assert is_pinned(chat)


def test_nothing_moves_when_a_detached_answer_ends(chat: Page) -> None:
    top = detach_and_settle(chat, lambda: wheel_up(chat))
    chat.evaluate('window.stopStream()')
    assert chat.evaluate('window.settled()') == pytest.approx(top, abs=GAP_PX)
    assert not is_pinned(chat)
    expect(jump_button(chat)).to_be_visible()


def test_upward_wheel_touch_and_key_detach_before_the_page_moves(chat: Page) -> None:
    # Synthetic events move nothing, so only the intent itself can detach here.
    wheel = "new WheelEvent('wheel', {deltaY: -100, bubbles: true})"
    assert chat.evaluate(f"document.querySelector('[role=log] p').dispatchEvent({wheel}); parleyScroll.isPinned()") \
        is False
    chat.evaluate('window.parleyScroll.pin()')
    touch_script = """() => {
        const target = document.querySelector('[role=log] p');
        const at = (y) => [new Touch({identifier: 1, target, clientX: 300, clientY: y})];
        target.dispatchEvent(new TouchEvent('touchstart', {touches: at(300), bubbles: true}));
        target.dispatchEvent(new TouchEvent('touchmove', {touches: at(340), bubbles: true}));
        return window.parleyScroll.isPinned();
    }"""
    assert chat.evaluate(touch_script) is False
    chat.evaluate('window.parleyScroll.pin()')
    key = "new KeyboardEvent('keydown', {key: 'PageUp', bubbles: true})"
    assert chat.evaluate(f'document.body.dispatchEvent({key}); parleyScroll.isPinned()') is False


def test_upward_scroll_made_inside_a_frame_still_detaches(chat: Page) -> None:
    # Another script's animation frame scrolls up and content grows before the scroll event is dispatched
    # (next frame): the follower must see the move when it pins in this frame, not undo it.
    chat.evaluate("""requestAnimationFrame(() => {
        document.scrollingElement.scrollTop -= 400;
        document.querySelector('[role=log]').append(Object.assign(document.createElement('p'), {textContent: 'new'}));
    })""")
    chat.wait_for_function('!window.parleyScroll.isPinned()', timeout=1000)
    assert chat.evaluate('window.gap()') > 300


def test_wheel_inside_a_scrolled_inner_block_does_not_detach(chat: Page) -> None:
    # A tall code block that scrolls itself takes the wheel; the page does not move, so the pin holds.
    is_pinned_after_wheel = """() => {
        const block = document.createElement('pre');
        block.style.cssText = 'height: 60px; overflow-y: auto';
        block.textContent = 'line\\n'.repeat(40);
        document.querySelector('[role=log]').append(block);
        block.scrollTop = 200;
        block.dispatchEvent(new WheelEvent('wheel', {deltaY: -100, bubbles: true}));
        return window.parleyScroll.isPinned();
    }"""
    assert chat.evaluate(is_pinned_after_wheel) is True
    assert_follows(chat)
