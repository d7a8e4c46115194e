// Chat auto-scroll follower. Keeps the window at the newest message while the reader is at the bottom, and lets
// go the moment they show any intent to read further up. Pure browser code: it sends nothing to the server.
//
// Contract with the chat page: the WINDOW scrolls (document.scrollingElement); the message list is
// [role="log"][aria-label="Messages"] and may appear (or be re-rendered by Vue) after this module runs; a button
// with class `parley-jump` calls window.parleyScroll.jump(). State lives on <html>, never on Vue-owned elements:
//   parley-detached     the reader has let go (isPinned() is false)
//   parley-scrolled-up  the view is not at the bottom; chat_scroll.css shows .parley-jump only then
//
// window.parleyScroll = {
//   pin()       re-attach and go to the bottom (the page calls it when the user sends a message)
//   jump()      what "Jump to latest" does: go to the bottom and re-attach
//   isPinned()  true while the view follows new content
// }
//
// Detection rules (see tests/ui/test_chat_scroll.py):
// - Upward intent detaches at once: wheel deltaY < 0, touch drag downwards (content moving up), ArrowUp / PageUp /
//   Home / Shift+Space outside text fields, and any upward scroll this script did not cause (scrollbar drag,
//   find-in-page, focus). Programmatic scrolls are flagged by the position they set, so they never count.
// - Only the reader re-attaches: a scroll of theirs that moves down and ends within REATTACH_SLACK_PX of the
//   bottom as last painted (content that streamed in meanwhile does not make them miss it), the End key, pin()
//   or jump(). Content shrinking under a detached view (a clamp) does not re-attach.
// - While attached, a ResizeObserver (body and log) puts the view back at the bottom in the same frame, after
//   layout and before paint, so no gap is ever painted. A MutationObserver finds the log and covers pages whose
//   body does not change size. `overflow-anchor: none` (chat_scroll.css) stops Chromium's anchoring from
//   fighting, but nothing here depends on it, so WebKit behaves the same.

const LOG_SELECTOR = '[role="log"][aria-label="Messages"]';
// A page that follows a long-running chat sheds the messages far above it (they load again on scrolling up): the
// server is asked to drop the oldest once more than TRIM_AT are shown, only those over two screens above the view.
const TRIM_AT = 60;
const TRIM_KEEP_SCREENS = 2;
const TRIM_MIN = 10;
const REATTACH_SLACK_PX = 4;  // "at the bottom" when this close: re-attaching and hiding the jump button
const MOVE_EPSILON_PX = 1;  // sub-pixel noise from zoom and fractional scroll offsets is not a move
const UP_KEYS = new Set(['ArrowUp', 'PageUp', 'Home']);
const TEXT_FIELDS = 'input, textarea, select, [contenteditable]:not([contenteditable="false"])';

const scroller = () => document.scrollingElement || document.documentElement;

let pinned = true;
let lastTop = 0;  // the last scrollTop seen or set, to tell which way a move went
let expectedTop = null;  // the scrollTop this script set whose scroll event has not arrived yet
let seenHeight = 0;  // scrollHeight at the last layout this script saw, i.e. the bottom the reader last saw
let observedLog = null;
let followTimer = 0;  // the follow() queueFollow asked for, if it has not run yet
let touchY = null;
let anchor = null;  // the first message the detached reader sees, and its place in the page: messages inserted
let anchorTop = 0;  // or removed above it must not move the view (overflow-anchor is none; WebKit has none at all)
let trimAskedAt = -Infinity;

function distanceToBottom(el = scroller()) {
  return el.scrollHeight - el.clientHeight - el.scrollTop;
}

function updateClasses() {
  const root = document.documentElement;
  root.classList.toggle('parley-detached', !pinned);
  root.classList.toggle('parley-scrolled-up', distanceToBottom() > REATTACH_SLACK_PX);
}

function scrollToBottom() {
  const el = scroller();
  const before = el.scrollTop;
  // 'instant' so a page-wide `scroll-behavior: smooth` cannot turn the pin into a lagging animation.
  el.scrollTo({ top: el.scrollHeight, behavior: 'instant' });
  lastTop = el.scrollTop;
  if (lastTop !== before) expectedTop = lastTop;
}

function detach() {
  if (!pinned) return;
  pinned = false;
  noteAnchor();
  updateClasses();
}

function pin() {
  pinned = true;
  scrollToBottom();
  updateClasses();
  queueFollow();  // the page usually renders the sent message right after calling pin()
}

// A move by the reader (or the browser on their behalf): up detaches, down to the bottom re-attaches.
// "The bottom" is the one the reader saw: content streamed in after their drag began must not make them miss it.
function noticeReaderMove(top, el) {
  const moved = top - lastTop;
  lastTop = top;
  expectedTop = null;
  const seenBottom = Math.min(el.scrollHeight, seenHeight) - el.clientHeight;
  if (moved < -MOVE_EPSILON_PX && distanceToBottom(el) > MOVE_EPSILON_PX) {
    detach();
  } else if (moved > MOVE_EPSILON_PX && top >= seenBottom - REATTACH_SLACK_PX && !pinned) {
    pinned = true;
    scrollToBottom();
  }
}

function onScroll() {
  const el = scroller();
  const top = el.scrollTop;
  if (expectedTop !== null && Math.abs(top - expectedTop) <= MOVE_EPSILON_PX) {
    expectedTop = null;  // our own scroll arriving
    lastTop = top;
  } else {
    noticeReaderMove(top, el);
    if (!pinned) noteAnchor();  // the reader moved: anchor to what they see now
  }
  updateClasses();
}

function pageTop(node) {
  return node.getBoundingClientRect().top + scroller().scrollTop;
}

function articles() {
  return observedLog ? observedLog.querySelectorAll(':scope > [role="article"]') : [];
}

// The first message whose bottom is below `y` (viewport coordinates), by binary search: they are in page order.
function firstBelow(list, y) {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (list[middle].getBoundingClientRect().bottom > y) high = middle;
    else low = middle + 1;
  }
  return low;
}

function noteAnchor() {
  const list = articles();
  anchor = list.length ? list[Math.min(firstBelow(list, 0), list.length - 1)] : null;
  if (anchor) anchorTop = pageTop(anchor);
}

// Messages arrive (older ones, loaded as the reader scrolls up) or leave (see askTrim) above the one the reader
// sees: shift the view by that much, so the text under the reader's eyes stays put.
function keepAnchor() {
  if (pinned || !observedLog) return;
  if (anchor?.isConnected) {
    const shift = pageTop(anchor) - anchorTop;
    if (Math.abs(shift) > MOVE_EPSILON_PX) {
      const el = scroller();
      el.scrollTo({ top: el.scrollTop + shift, behavior: 'instant' });
      lastTop = el.scrollTop;
      expectedTop = lastTop;
    }
  }
  noteAnchor();
}

// Following the bottom of a chat that keeps growing: ask the server to drop the oldest messages, those more than
// TRIM_KEEP_SCREENS screens above the view (so the "load more" sentinel that replaces them stays out of reach).
function askTrim() {
  if (!pinned || !observedLog || observedLog.childElementCount <= TRIM_AT) return;
  const now = performance.now();
  if (now - trimAskedAt < 1000) return;
  trimAskedAt = now;
  const list = articles();
  const count = firstBelow(list, -TRIM_KEEP_SCREENS * window.innerHeight);
  if (count >= TRIM_MIN) observedLog.dispatchEvent(new CustomEvent('parley-trim', { detail: { count } }));
}

function follow() {
  if (followTimer) clearTimeout(followTimer);  // run by the ResizeObserver first: the queued one has nothing to do
  followTimer = 0;
  const el = scroller();
  keepAnchor();
  // Scroll events are dispatched once per frame, so a reader's move may not have been reported yet: honour it
  // before pinning, or the pin would undo it.
  if (Math.abs(el.scrollTop - lastTop) > MOVE_EPSILON_PX) noticeReaderMove(el.scrollTop, el);
  if (pinned && distanceToBottom(el) > 0) scrollToBottom();
  seenHeight = el.scrollHeight;
  updateClasses();
  askTrim();
}

// A timer, not an animation frame: growth is followed by the ResizeObserver in the frame it happens, so this is
// only the safety net for changes that resize nothing, and a frame requested for it would be drawn for every
// streamed delta (measured: 1.4 more frames per delta, each a compositor frame on the renderer's and GPU's threads).
function queueFollow() {
  if (!followTimer) followTimer = setTimeout(follow, 0);
}

// True when an element between the target and the page would take an upward scroll itself (a tall code block).
function innerScrollerTakesUp(target) {
  let node = target instanceof Element ? target : target?.parentElement;
  for (; node && node !== document.body && node !== document.documentElement; node = node.parentElement) {
    if (node.scrollTop > 0 && node.scrollHeight > node.clientHeight
        && /auto|scroll/.test(getComputedStyle(node).overflowY)) return true;
  }
  return false;
}

function canScrollUp(target) {
  return scroller().scrollTop > 0 && !innerScrollerTakesUp(target);
}

function onWheel(event) {
  if (pinned && event.deltaY < 0 && !event.ctrlKey && canScrollUp(event.target)) detach();
}

function onTouchStart(event) {
  touchY = event.touches.length === 1 ? event.touches[0].clientY : null;
}

function onTouchMove(event) {
  if (touchY === null || event.touches.length !== 1) return;
  const y = event.touches[0].clientY;
  // A finger moving down drags the content down, i.e. scrolls up.
  if (y > touchY + 2 && pinned && canScrollUp(event.target)) detach();
  touchY = y;
}

function onKeyDown(event) {
  if (event.defaultPrevented || event.altKey || event.target?.closest?.(TEXT_FIELDS)) return;
  if (UP_KEYS.has(event.key) || (event.key === ' ' && event.shiftKey)) {
    if (canScrollUp(event.target)) detach();
  } else if (event.key === 'End') {
    pin();
  }
}

// The log comes and goes with Vue renders; observe whichever one is in the page now.
function watchLog(resizeObserver) {
  if (observedLog?.isConnected) return;
  if (observedLog) resizeObserver.unobserve(observedLog);
  observedLog = document.querySelector(LOG_SELECTOR);
  if (observedLog) resizeObserver.observe(observedLog);
}

function install() {
  const resizeObserver = new ResizeObserver(follow);
  resizeObserver.observe(document.body);
  new MutationObserver(() => {
    watchLog(resizeObserver);
    // A reader who let go: whatever grew above them is made up for now, before paint (a render that ran in an
    // animation frame would otherwise show the jump). Following the bottom, it waits (queueFollow): measuring
    // here would force a layout per streamed delta.
    if (!pinned) keepAnchor();
    queueFollow();
  }).observe(document.body, { childList: true, subtree: true, characterData: true });
  watchLog(resizeObserver);

  const passive = { passive: true };
  window.addEventListener('scroll', onScroll, passive);
  window.addEventListener('wheel', onWheel, passive);
  window.addEventListener('touchstart', onTouchStart, passive);
  window.addEventListener('touchmove', onTouchMove, passive);
  window.addEventListener('keydown', onKeyDown);
  window.addEventListener('resize', queueFollow, passive);
  lastTop = scroller().scrollTop;
  follow();
}

if (!window.parleyScroll) {
  window.parleyScroll = Object.freeze({ pin, jump: pin, isPinned: () => pinned });
  if (document.body) install();
  else document.addEventListener('DOMContentLoaded', install, { once: true });
}
