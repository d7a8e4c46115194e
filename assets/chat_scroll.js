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
let followQueued = false;
let touchY = null;
let anchor = null;  // the oldest message shown, and its place in the page: older ones inserted above it must
let anchorTop = 0;  // not move the view (Parley sets overflow-anchor: none, and WebKit has no anchoring at all)

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
  }
  updateClasses();
}

function pageTop(node) {
  return node.getBoundingClientRect().top + scroller().scrollTop;
}

// Older messages arrive above the oldest one shown (the reader scrolled up to load them): shift the view by what
// was inserted, so the text under the reader's eyes stays put.
function keepAnchor() {
  if (!observedLog) return;
  if (!pinned && anchor?.isConnected) {
    const shift = pageTop(anchor) - anchorTop;
    if (Math.abs(shift) > MOVE_EPSILON_PX) {
      const el = scroller();
      el.scrollTo({ top: el.scrollTop + shift, behavior: 'instant' });
      lastTop = el.scrollTop;
      expectedTop = lastTop;
    }
  }
  anchor = observedLog.querySelector('[role="article"]');
  if (anchor) anchorTop = pageTop(anchor);
}

function follow() {
  const el = scroller();
  keepAnchor();
  // Scroll events are dispatched once per frame, so a reader's move may not have been reported yet: honour it
  // before pinning, or the pin would undo it.
  if (Math.abs(el.scrollTop - lastTop) > MOVE_EPSILON_PX) noticeReaderMove(el.scrollTop, el);
  if (pinned && distanceToBottom(el) > 0) scrollToBottom();
  seenHeight = el.scrollHeight;
  updateClasses();
}

function queueFollow() {
  if (followQueued) return;
  followQueued = true;
  requestAnimationFrame(() => {
    followQueued = false;
    follow();
  });
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
    // animation frame would otherwise show the jump). Following the bottom, it waits for the frame: measuring
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
