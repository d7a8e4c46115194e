// Streaming markdown renderer: turns offset-tagged text deltas into sanitised HTML, a little work at a time.
//
// Finished blocks are rendered once and appended to `.pm-frozen`, never touched again; only the open tail is
// re-rendered into `.pm-tail`, at most once per animation frame, and where it only grew (a paragraph streaming in)
// just its new text is added to the page (growInPlace). While text streams in, no task does unbounded
// work: blocks are frozen one by one under a shared time budget (render_budget.js) and what is left continues in
// the next task, however big the delta; a long table is rendered a hundred rows at a time (table_chunks.js) and a
// long plain code fence 64 KB at a time, while streaming and when frozen, without rendering anything twice (a
// whole message set with `reset` renders its ordinary blocks at once, see there). A block being built in pieces
// is shown in the tail and moves to `.pm-frozen` once whole (freeze_jobs.js). Markdown to HTML and sanitising:
// markdown_html.js; code headers, images and links: markdown_decorate.js; block ends: block_scanner.js; whether
// text is arriving: arrival_mark.js. No Vue here: assets/streaming_markdown.js wraps this class for NiceGUI.

import { ArrivalMark } from "arrival_mark";
import { BlockScanner } from "block_scanner";
import { freezeJob } from "freeze_jobs";
import { referencesIn, renderFragment } from "markdown_html";
import { sameFormula } from "markdown_math";
import { CODE_CHUNK_CHARS, decorateCode, decorateImages, fillCode, handleClick, wrapTables } from "markdown_decorate";
import { deadline, until } from "render_budget";
import { DONE, INVALID, TableChunks } from "table_chunks";

export { sanitizeToFragment } from "markdown_html";

const RESYNC_RETRY_MS = 2000;
// `reset` renders a message's ordinary blocks in the same task, but a message this slow to render goes on later.
const MESSAGE_AT_ONCE_MS = 250;
const HALF_CLOSING_FENCE = /^[ \t]*[`~]{1,}$/;
const BRACKETS = /\[[^\]\n]*\]/;

// Finished messages of a page being opened wait for their first render here, the newest last: they are rendered
// newest first under the shared budget, so the messages the reader sees are on screen at the first paint and the
// ones far above follow in later tasks (see renderSoon).
const firstRenders = [];
let firstRendersQueued = false;

function renderQueued() {
  const timeUp = until(deadline());
  let first = true;
  while (firstRenders.length > 0 && (first || !timeUp())) {
    try {
      firstRenders.pop().renderWaiting();
    } catch (error) {
      console.error("Parley: a message could not be rendered", error); // the messages queued after it still are
    }
    first = false;
  }
  if (firstRenders.length > 0) setTimeout(renderQueued, 0);
  else firstRendersQueued = false;
}

/**
 * Make `target` show what `fresh` holds when the only difference is text that grew at the end of its text runs (a
 * paragraph being streamed, most deltas): the new text goes in as text nodes of its own after the old ones, and
 * nothing else is touched. Chromium then lays out, paints and rasters the new words only; replacing the tail
 * re-rendered the whole block each frame. Anything else changed (a new element, an attribute, text that is no
 * longer a prefix): false, and `target` is left as it was. Either way the page reads exactly as `fresh` does.
 */
function growInPlace(target, fresh) {
  const appends = [];
  if (!sameButLonger(target, fresh, appends)) return false;
  for (const [last, text] of appends) last.after(text);
  return true;
}

function sameButLonger(old, fresh, appends) {
  const oldNodes = old.childNodes;
  let index = 0;
  for (const node of fresh.childNodes) {
    if (node.nodeType === Node.TEXT_NODE) {
      let text = "";
      let last = null;
      for (; index < oldNodes.length && oldNodes[index].nodeType === Node.TEXT_NODE; index += 1) {
        last = oldNodes[index];
        text += last.data;
      }
      if (last === null || !node.data.startsWith(text)) return false;
      if (node.data.length > text.length) appends.push([last, node.data.slice(text.length)]);
    } else {
      const other = oldNodes[index];
      index += 1;
      if (node.nodeType !== Node.ELEMENT_NODE || other?.nodeType !== Node.ELEMENT_NODE || !sameTag(other, node)
        || !(sameFormula(node) || sameButLonger(other, node, appends))) return false;
    }
  }
  return index === oldNodes.length;
}

function sameTag(a, b) {
  if (a.tagName !== b.tagName || a.attributes.length !== b.attributes.length) return false;
  for (const { name, value } of b.attributes) if (a.getAttribute(name) !== value) return false;
  return true;
}

/** Renders a growing markdown text into `root`; see the module comment for the design. */
export class MarkdownRenderer {
  constructor(root, { onGap = () => {}, onShown = () => {} } = {}) {
    this.root = root;
    this.onGap = onGap;
    this.onShown = onShown; // (length): a streaming text is on screen up to `length` (see reportShown)
    this.frozen = Object.assign(document.createElement("div"), { className: "pm-frozen" });
    this.tail = Object.assign(document.createElement("div"), { className: "pm-tail" });
    root.replaceChildren(this.frozen, this.tail);
    this.approvedImages = new Set(); // sources the reader chose to load; the tail re-renders them as images
    this.stats = { appends: 0, replays: 0, gaps: 0, frames: 0, frozenBlocks: 0, slices: 0, grown: 0 };
    this.complete = false; // see markComplete
    this.onClick = this.onClick.bind(this);
    root.addEventListener("click", this.onClick);
    this.frame = 0;
    this.timer = 0;
    this.waiting = null; // text whose first render is queued (renderSoon)
    this.arrival = new ArrivalMark(this.tail); // while text arrives, the answer's closing dot stays still
    this.reset("", { streaming: true });
  }

  get length() {
    return this.waiting ?? this.text.length;
  }

  /**
   * Show the finished `text` soon rather than now: after every message mounting in this task is known, newest
   * first (a page opening with forty messages would otherwise render them all before its first paint). Only for
   * a view that follows the bottom: assets/chat_scroll.js keeps a reader's place when older messages load above
   * by measuring them whole in the task that inserts them, so those are rendered with `reset`.
   */
  renderSoon(text) {
    this.waiting = text;
    firstRenders.push(this);
    if (!firstRendersQueued) {
      firstRendersQueued = true;
      queueMicrotask(renderQueued);
    }
  }

  renderWaiting() {
    if (this.waiting === null) return;
    const text = this.waiting;
    this.waiting = null;
    this.reset(text, { streaming: false });
  }

  /**
   * Replace everything with `text` and render it now; only long tables and code fences (and whatever follows
   * MESSAGE_AT_ONCE_MS of work) go on in later tasks. A message inserted into the page is whole in the same task,
   * as before the budget: assets/chat_scroll.js keeps the view still when older messages load above by measuring
   * in that task (blocks rendered later would move it).
   */
  reset(text, { streaming }) {
    this.waiting = null;
    this.text = text;
    this.finished = !streaming;
    this.scanner = new BlockScanner();
    this.pending = []; // ends of finished blocks not frozen yet
    this.job = null; // {end, element, step(timeUp)}: the block being frozen in pieces
    this.frozenEnd = 0;
    this.renderedTail = null;
    this.openCode = null; // {start, frozenEnd, code, shown}: the open fence growing in place (see growOpenFence)
    this.liveTable = null; // TableChunks of a long table in the tail
    this.references = text ? referencesIn(text) : null; // link references the text defines (see linkReferences)
    this.unlinked = []; // {start, end, nodes} of frozen blocks that may use a reference defined further down
    this.gapReportedAt = null;
    this.arrival.stop();
    this.askedFor = text.length; // a new text: its first render is reported (the server counts it as unshown)
    this.frozen.replaceChildren();
    this.tail.replaceChildren();
    this.root.classList.toggle("pm-empty", !text); // an answer without text has nothing to copy (parley.css)
    this.complete = false; // a new text is not complete until its own blocks are frozen (a flush may yield first)
    this.root.classList.remove("pm-complete");
    this.flush({ everyBlock: true });
  }

  /**
   * Add `delta` at UTF-16 `offset`: replays are skipped, overlaps trimmed, gaps reported (see onGap). With `ask`,
   * the server waits to hear that the text up to the delta's end is on screen (see reportShown).
   */
  append(offset, delta, ask = false) {
    this.renderWaiting();
    this.stats.appends += 1;
    if (offset > this.text.length) {
      this.stats.gaps += 1;
      this.reportGap();
      return;
    }
    if (ask) this.askedFor = Math.max(this.askedFor ?? 0, offset + delta.length);
    const fresh = delta.slice(this.text.length - offset);
    if (!fresh) {
      this.stats.replays += 1;
      if (!this.frame && !this.timer) this.reportShown(); // nothing new to draw: it is on screen already
      return;
    }
    if (!this.text) this.root.classList.remove("pm-empty");
    this.text += fresh;
    this.arrival.arrived();
    this.schedule();
  }

  /** The answer is complete at `length`: render the tail as a finished block (or ask for what is missing). */
  finish(length = this.length) {
    this.renderWaiting();
    if (length > this.text.length) {
      this.reportGap();
      return;
    }
    this.finished = true;
    this.arrival.stop(); // a finished text's DOM is then the same however it came
    this.linkReferences();
    // At once, not next frame: the final text is on screen before the status says complete (if it fits the budget).
    this.flush({ atLeastOne: true });
  }

  /** Compare with the text the server last sent as a prop; resync only if they disagree. */
  sync(text, streaming) {
    this.renderWaiting();
    if (text.startsWith(this.text)) this.append(this.text.length, text.slice(this.text.length));
    else if (!this.text.startsWith(text)) this.reset(text, { streaming });
    if (!streaming) this.finish(text.length);
  }

  /** Resolves once everything received is rendered (no work is left for a later task). */
  settled() {
    return new Promise((resolve) => {
      const check = () => (this.frame || this.timer || this.waiting !== null ? setTimeout(check, 0) : resolve());
      check();
    });
  }

  reportGap() {
    const now = performance.now();
    if (this.gapReportedAt !== null && now - this.gapReportedAt < RESYNC_RETRY_MS) return;
    this.gapReportedAt = now;
    this.onGap(this.text.length);
  }

  schedule() {
    if (!this.frame) this.frame = requestAnimationFrame(() => this.flush());
  }

  /** More work than the budget allowed: go on in the next task, after the browser had its turn. */
  continueSoon() {
    if (!this.timer) this.timer = setTimeout(() => this.flush(), 0);
  }

  /**
   * Freeze newly finished blocks and re-render the open tail, within the time budget: at least one block if
   * `atLeastOne`; with `everyBlock`, every block whose job is one step for up to MESSAGE_AT_ONCE_MS (the long
   * ones still yield to the shared budget).
   */
  flush({ atLeastOne = false, everyBlock = false } = {}) {
    if (this.frame) cancelAnimationFrame(this.frame);
    if (this.timer) clearTimeout(this.timer);
    this.frame = 0;
    this.timer = 0;
    this.stats.frames += 1;
    const timeUp = until(deadline());
    const blocksTimeUp = everyBlock ? until(performance.now() + MESSAGE_AT_ONCE_MS) : timeUp;
    if (!atLeastOne && blocksTimeUp()) return this.continueSoon();
    this.stats.slices += 1;
    this.pending.push(...this.scanner.scan(this.text));
    const lastEnd = this.pending.at(-1) ?? this.frozenEnd;
    if (this.finished && lastEnd < this.text.length) this.pending.push(this.text.length);
    let first = atLeastOne;
    while (this.pending.length > 0) {
      if (!first && blocksTimeUp()) return this.continueSoon();
      first = false;
      if (!this.freezeStep(this.pending[0], timeUp)) return this.continueSoon();
      this.pending.shift();
    }
    // The tail is not budgeted as a whole (it is what the reader watches), only its long parts are.
    if (!this.renderTail(timeUp)) this.continueSoon();
    else this.reportShown();
    this.markComplete();
  }

  /**
   * `pm-complete` on the root once every block is frozen and the tail empty, so the last block's bottom margin goes
   * (markdown.css). A class that changes once per answer, not `:has(> .pm-tail:empty)`: with that, every time the
   * tail was emptied and refilled (a block frozen, a formula closed) Chromium restyled the whole answer, frozen
   * blocks and all. Streaming 340 formulas in Parley's page took 12.8 s of style recalculation, 0.8 s with the class.
   */
  markComplete() {
    const complete = this.finished && this.pending.length === 0 && this.job === null
      && this.tail.childNodes.length === 0;
    if (complete === this.complete) return;
    this.complete = complete;
    this.root.classList.toggle("pm-complete", complete);
  }

  // Everything received is on screen. Only when the server asked (a reset, or a delta sent with `ask`): it sends a
  // streaming answer's next deltas only after this (or after a timeout), so a page that renders slowly gets fewer,
  // bigger deltas rather than a backlog; reports it did not ask for would be messages and events for nothing.
  reportShown() {
    if (this.finished || this.askedFor === null || this.text.length < this.askedFor) return;
    this.askedFor = null;
    this.onShown(this.text.length);
  }

  /**
   * A streamed answer's link references are usually defined at its end, after the blocks that use them were frozen:
   * once it is finished, render those blocks again with them (the only time a frozen block changes), and the rest
   * of the answer with them from here on.
   */
  linkReferences() {
    const references = referencesIn(this.text);
    const unlinked = this.unlinked;
    this.unlinked = [];
    if (references === null) return;
    this.references = references;
    this.renderedTail = null;
    for (const { start, end, nodes } of unlinked) {
      nodes[0].before(this.render(this.text.slice(start, end), -1));
      for (const node of nodes) node.remove();
    }
  }

  /** Freeze the block ending at `end`, or a piece of it; true once it is in `.pm-frozen`. */
  freezeStep(end, timeUp) {
    if (this.job === null) this.job = freezeJob(this, end);
    if (!this.job.step(timeUp)) {
      if (this.job.element.parentNode !== this.tail) this.showInTail(this.job.element);
      return false;
    }
    const { element, start } = this.job;
    // Brackets left as text may be a "[text][label]" whose definition is still to come (see linkReferences). Only a
    // block rendered in one go has a `start` (freeze_jobs.js): a table or fence built in pieces is not rendered again.
    const nodes = start !== undefined && !this.finished && BRACKETS.test(element.textContent)
      ? [...element.childNodes] : null;
    this.frozen.append(element);
    if (nodes !== null && nodes.length > 0) this.unlinked.push({ start, end, nodes });
    this.job = null;
    this.frozenEnd = end;
    this.stats.frozenBlocks += 1;
    this.showInTail(null); // the tail started where this block did: render it anew
    return true;
  }

  showInTail(node) {
    this.renderedTail = null;
    this.openCode = null;
    this.liveTable = null;
    if (node === null) this.tail.replaceChildren();
    else this.tail.replaceChildren(node);
  }

  /** Render the open tail; false if a long part of it is not all shown yet (call again soon). */
  renderTail(timeUp) {
    const tail = this.text.slice(this.frozenEnd);
    if (tail === this.renderedTail) return true;
    const [source, openLine] = this.openTail(tail);
    const done = this.renderTailSource(source, openLine, timeUp);
    if (done) this.renderedTail = tail;
    return done;
  }

  renderTailSource(source, openLine, timeUp) {
    if (openLine >= 0) {
      const grown = this.openCode === null ? null : this.growOpenFence(source, timeUp);
      if (grown !== null) return grown;
      if (this.startLongOpenFence(source, openLine)) return this.growOpenFence(source, timeUp) ?? true;
    } else if (source[0] === "|") {
      const state = this.showLiveTable(source, timeUp);
      if (state !== INVALID) return state === DONE;
    }
    const fragment = this.render(source, openLine);
    this.openCode = null;
    this.liveTable = null;
    if (growInPlace(this.tail, fragment)) this.stats.grown += 1;
    else this.showInTail(fragment);
    if (openLine >= 0) this.trackOpenFence(this.frozenEnd + source.length);
    return true;
  }

  showLiveTable(source, timeUp) {
    const live = this.liveTable?.start === this.frozenEnd ? this.liveTable : null;
    const table = live ?? new TableChunks(this.frozenEnd, this.decorateImages);
    const state = table.update(source, false, timeUp);
    if (state !== INVALID && live === null) {
      this.showInTail(table.element);
      this.liveTable = table;
    }
    return state;
  }

  // A long open fence at column 0 starts as its opening line alone; growOpenFence then fills in the code.
  startLongOpenFence(source, openLine) {
    const fence = this.scanner.fence;
    const bodyStart = this.text.indexOf("\n", fence.start) + 1;
    const end = this.frozenEnd + source.length;
    if (fence.indent !== 0 || bodyStart === 0 || end - bodyStart <= CODE_CHUNK_CHARS
      || /[\r\0]/.test(this.text.slice(bodyStart, end))) return false;
    this.showInTail(this.render(this.text.slice(this.frozenEnd, bodyStart), openLine));
    this.trackOpenFence(bodyStart);
    return this.openCode !== null;
  }

  // Re-rendering a growing fence every frame costs its whole length each time: a fence at column 0 that is
  // still open shows new text by appending it to its code element instead (it is plain, not highlighted).
  trackOpenFence(shown) {
    const fence = this.scanner.fence;
    const code = [...this.tail.querySelectorAll("pre code")].at(-1);
    const bodyStart = this.text.indexOf("\n", fence.start) + 1;
    if (fence.indent !== 0 || !code || bodyStart === 0 || bodyStart > shown) return;
    // Only where markdown-it shows the lines as they are (no \r or NUL normalised away).
    if (code.textContent === this.text.slice(bodyStart, shown)) {
      this.openCode = { start: fence.start, frozenEnd: this.frozenEnd, code, shown };
    }
  }

  /** Append what the open fence gained; true when all shown, false if more is left, null if it cannot grow. */
  growOpenFence(source, timeUp) {
    const open = this.openCode;
    if (this.scanner.fence?.start !== open.start || open.frozenEnd !== this.frozenEnd) return null;
    const end = this.frozenEnd + source.length;
    if (end <= open.shown) return true; // only a possible closing line is new: wait until it is whole
    if (/[\r\0]/.test(this.text.slice(open.shown, end))) return null;
    open.shown = fillCode(open.code, this.text, open.shown, end, timeUp);
    return open.shown === end;
  }

  /** The tail to render and the line of its still-open fence (-1 if none). */
  openTail(tail) {
    const fence = this.scanner.fence;
    if (!fence || fence.start < this.frozenEnd) return [tail, -1];
    const lastLine = tail.slice(tail.lastIndexOf("\n") + 1);
    // Half a closing fence ("``") would flash as code text for a frame, and a whole one without its line end
    // would turn a long fence into one big render: leave either out until the line is whole.
    const halfClosing = HALF_CLOSING_FENCE.test(lastLine) && lastLine.trim()[0] === fence.char;
    if (halfClosing || this.scanner.closesFence(lastLine)) {
      tail = tail.slice(0, tail.length - lastLine.length);
    }
    const before = this.text.slice(this.frozenEnd, fence.start);
    return [tail, before.split("\n").length - 1];
  }

  render(source, openFenceLine) {
    const fragment = renderFragment(source, openFenceLine, this.references);
    decorateCode(fragment);
    wrapTables(fragment);
    this.decorateImages(fragment);
    return fragment;
  }

  decorateImages = (fragment) => decorateImages(fragment, this.approvedImages);

  // One delegated listener for every control in the message: no inline handlers anywhere.
  onClick(event) {
    const button = event.target.closest?.("button");
    if (button && this.root.contains(button)) handleClick(button, this.approvedImages);
  }

  destroy() {
    this.waiting = null;
    if (this.frame) cancelAnimationFrame(this.frame);
    if (this.timer) clearTimeout(this.timer);
    this.arrival.stop();
    this.root.removeEventListener("click", this.onClick);
  }
}
