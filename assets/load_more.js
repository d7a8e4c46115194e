// Tells the server when a "load more" sentinel scrolls into view (older messages, more conversations).
//
// Any element with class `parley-load-more` gets a `parley-visible` DOM event when it comes within a screen of the
// viewport; the page listens with `element.on('parley-visible', ...)`. The server replaces the sentinel after each
// load, so a sentinel that is still visible after a short page fires again (as a new element) without polling.

const SENTINEL = '.parley-load-more';
const seen = new WeakSet();

const visibility = new IntersectionObserver((entries) => {
  for (const entry of entries) {
    if (!entry.isIntersecting) continue;
    visibility.unobserve(entry.target);
    entry.target.dispatchEvent(new CustomEvent('parley-visible'));
  }
}, { rootMargin: '100% 0px' });

function observe(el) {
  if (seen.has(el)) return;
  seen.add(el);
  visibility.observe(el);
}

function watch(root) {
  if (root.matches?.(SENTINEL)) observe(root);
  for (const el of root.querySelectorAll(SENTINEL)) observe(el);
}

// Only what was added is searched: a streaming answer adds nodes every frame, and a search of the whole document
// each time was a renderer cost of its own with twenty pages streaming.
new MutationObserver((records) => {
  for (const record of records) {
    for (const node of record.addedNodes) {
      if (node.nodeType === Node.ELEMENT_NODE) watch(node);
    }
  }
}).observe(document.documentElement, { childList: true, subtree: true });
watch(document);
