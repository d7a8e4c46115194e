// The time budget every markdown renderer on the page shares: about SLICE_MS of work per task, then yield.
//
// Chromium runs script, style, layout and paint of a page on one thread; a task over 50 ms is a page that does
// not answer. Renderers do their work in units (a block, a hundred table rows, 64 KB of code) and check the
// budget between units; what is left continues in a later task (see MarkdownRenderer.continueSoon).
//
// Process-wide on purpose: forty answers mounting in one task, or several renderers flushing in the same
// animation frame, share one slice instead of taking one each. A new slice starts at most once per task.

const SLICE_MS = 20;

let sliceEnd = 0;
let sliceStartedThisTask = false;

/** The moment (performance.now()) the current slice ends; starts a new one if the last has run out. */
export function deadline() {
  const now = performance.now();
  if (now >= sliceEnd && !sliceStartedThisTask) {
    sliceEnd = now + SLICE_MS;
    sliceStartedThisTask = true;
    setTimeout(() => (sliceStartedThisTask = false), 0);
  }
  return sliceEnd;
}

/** A `timeUp()` for the slice ending at `end`. */
export function until(end) {
  return () => performance.now() >= end;
}
