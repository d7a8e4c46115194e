// How a finished block becomes what MarkdownRenderer appends to `.pm-frozen`, if need be over several tasks.
//
// A job is {end, element, step(timeUp)}: `step` does some work and returns true once `element` is whole. Most
// blocks are rendered in one go. A long table goes a chunk of rows at a time (table_chunks.js), continuing the
// chunks the tail already shows if it streamed. A long code fence at column 0 is plain text (too long to
// highlight): its opening and closing lines are rendered alone and the code is filled in 64 KB at a time,
// continuing the code element the open tail grew while it streamed. Either way the result is exactly what
// rendering the whole block at once gives.

import { HIGHLIGHT_MAX_CHARS } from "markdown_html";
import { fillCode } from "markdown_decorate";
import { DONE, INVALID, TableChunks } from "table_chunks";

/** The job that freezes the block from `renderer.frozenEnd` to `end`. */
export function freezeJob(renderer, end) {
  const start = renderer.frozenEnd;
  const source = renderer.text.slice(start, end);
  const fence = longFence(renderer, start, end);
  if (fence !== null) return fenceJob(renderer, fence, end);
  if (source[0] === "|") {
    const live = renderer.liveTable;
    const table = live?.start === start ? live : new TableChunks(start, renderer.decorateImages);
    const job = { end, element: table.element };
    job.step = (timeUp) => {
      const state = table.update(source, true, timeUp);
      if (state !== INVALID) return state === DONE;
      job.element = renderer.render(source, -1);
      return true;
    };
    return job;
  }
  return { start, end, element: renderer.render(source, -1), step: () => true }; // start: see linkReferences
}

/** The fence that is exactly the block [start, end): at column 0, closed, plain and long; or null. */
function longFence({ text, scanner }, start, end) {
  const fence = scanner.lastFence;
  if (fence === null || fence.start !== start) return null;
  let close = fence.close;
  const lineStart = text.lastIndexOf("\n", end - 1) + 1;
  if (close < 0 && end === text.length && scanner.fence === fence
    && scanner.closesFence(text.slice(lineStart, end))) close = lineStart; // closed without a line end, at finish
  const bodyStart = text.indexOf("\n", start) + 1;
  if (close < 0 || close >= end || bodyStart === 0 || close - bodyStart <= HIGHLIGHT_MAX_CHARS) return null;
  if (/[\r\0]/.test(text.slice(bodyStart, end))) return null; // markdown-it would change those
  return { start, bodyStart, close };
}

function fenceJob(renderer, { start, bodyStart, close }, end) {
  const { text } = renderer;
  const open = renderer.openCode;
  let code;
  let shown;
  let block;
  if (open !== null && open.start === start && open.frozenEnd === start && open.shown <= close) {
    ({ code, shown } = open);
    block = code.closest(".pm-code");
  } else {
    block = renderer.render(text.slice(start, bodyStart) + text.slice(close, end), -1).firstElementChild;
    code = block.querySelector("pre code");
    shown = bodyStart;
  }
  const step = (timeUp) => (shown = fillCode(code, text, shown, close, timeUp)) === close;
  return { end, element: block, step };
}
