// A long table rendered in chunks of TABLE_CHUNK_ROWS rows, so neither rendering nor layout is ever one long task.
//
// Each chunk is its own <table> (the first shows the header; the others keep it for screen readers) inside a box
// that skips layout and paint while off screen (`content-visibility: auto`). All chunks share fixed column widths
// taken from the first chunk (`table-layout: fixed` with a <colgroup>), so the columns line up as in one table.
// Every chunk is markdown-it and DOMPurify output of the header plus its rows: sanitised like everything else, and
// checked to be exactly one table of those rows; anything else (a row markdown-it would not take) reports INVALID
// and the caller renders the block as usual. While a table streams, finished chunks stay as they are and only the last one is
// re-rendered; the same object then finishes the frozen block, so no row is rendered for good twice. Each call
// looks only at the rows after the last finished chunk, never at the whole table again.

import { renderFragment } from "markdown_html";
import { element } from "markdown_decorate";

export const TABLE_CHUNK_ROWS = 100;
export const INVALID = "invalid";
export const PARTIAL = "partial";
export const DONE = "done";

const DELIMITER = /^\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$/;
const MAX_COLUMN_CH = 48;
const ROW_EM = 2.3; // a one-line row, for the height of a chunk that has never been laid out

export class TableChunks {
  /** `start`: where the block starts in the text; `decorate(fragment)` adds images (see markdown_decorate.js). */
  constructor(start, decorate) {
    this.start = start;
    this.decorate = decorate;
    this.element = element("div", "pm-table-scroll pm-table-chunks");
    this.head = null; // the header and delimiter lines
    this.next = 0; // where the rows of the next chunk start in the source
    this.done = 0; // chunks rendered for good
    this.live = null; // the last chunk while the table streams, re-rendered as rows arrive
    this.widths = null;
  }

  /**
   * Show the table `source` (final: the block is complete) until `timeUp()`.
   * Returns DONE, PARTIAL (call again) or INVALID (not a table this can chunk: render it as usual).
   */
  update(source, final, timeUp) {
    if (this.head === null ? !this.begin(source, final) : !source.startsWith(this.head)) return INVALID;
    for (;;) {
      if (timeUp()) return PARTIAL; // checked before each chunk: the caller's slice may be spent already
      const taken = takeRows(source, this.next, TABLE_CHUNK_ROWS, final);
      if (taken === null) return INVALID;
      const { rows } = taken;
      if (rows.length === TABLE_CHUNK_ROWS || (final && rows.length > 0)) {
        const box = this.chunk(rows, this.done === 0);
        if (box === null) return INVALID;
        this.replaceLive(null);
        this.element.append(box);
        this.done += 1;
        this.next = taken.next;
        continue;
      }
      const box = rows.length > 0 ? this.chunk(rows, this.done === 0) : null;
      if (rows.length > 0 && box === null) return INVALID;
      this.replaceLive(box);
      return DONE;
    }
  }

  // Only a table of more than one chunk of rows, each starting with "|", is chunked.
  begin(source, final) {
    const headerEnd = source.indexOf("\n");
    const delimiterEnd = source.indexOf("\n", headerEnd + 1);
    // (A delimiter row is short; a long one is not worth the regular expression's time.)
    if (source[0] !== "|" || headerEnd < 0 || delimiterEnd < 0 || delimiterEnd - headerEnd > 2000
      || !DELIMITER.test(source.slice(headerEnd + 1, delimiterEnd))) return false;
    const probe = takeRows(source, delimiterEnd + 1, TABLE_CHUNK_ROWS + 1, final);
    if (probe === null || probe.rows.length <= TABLE_CHUNK_ROWS) return false;
    this.head = source.slice(0, delimiterEnd + 1);
    this.next = delimiterEnd + 1;
    return true;
  }

  replaceLive(box) {
    if (this.live !== null) this.live.remove();
    this.live = box;
    if (box !== null) this.element.append(box);
  }

  chunk(rows, first) {
    const fragment = renderFragment(this.head + rows.join("\n") + "\n");
    const table = fragment.firstElementChild;
    if (fragment.childElementCount !== 1 || table.tagName !== "TABLE" || table.tBodies.length !== 1
      || table.tBodies[0].rows.length !== rows.length) return null;
    this.decorate(fragment);
    if (this.widths === null) this.widths = columnWidths(table);
    if (!first) headForReadersOnly(table.tHead);
    const width = `calc(${this.widths.reduce((sum, w) => sum + w, 0)}ch + ${this.widths.length * 1.7}em)`;
    const colgroup = document.createElement("colgroup");
    for (const w of this.widths) {
      const col = document.createElement("col");
      col.style.width = `calc(${w}ch + 1.7em)`;
      colgroup.append(col);
    }
    table.prepend(colgroup);
    Object.assign(table.style, { tableLayout: "fixed", width });
    const box = element("div", "pm-table-chunk");
    box.append(table);
    Object.assign(box.style, { width, contentVisibility: "auto",
      containIntrinsicBlockSize: `auto ${(rows.length + (first ? 1 : 0)) * ROW_EM}em` });
    return box;
  }
}

/**
 * A later chunk keeps the header for screen readers, which announce each cell with its column's header, but shows
 * none: each header cell's content moves into a visually hidden box and the row takes no height (markdown.css).
 */
function headForReadersOnly(head) {
  if (!head) return;
  head.classList.add("pm-head-for-readers");
  for (const cell of head.querySelectorAll("th")) {
    const label = element("span", "pm-sr-only");
    label.append(...cell.childNodes);
    cell.append(label);
  }
}

/**
 * Up to `count` row lines of `source` from offset `at`: {rows, next (after the last one), ended (no row follows)};
 * null if a line there is not a row. While streaming (not `final`), a half-written last line waits for its end.
 */
function takeRows(source, at, count, final) {
  const rows = [];
  let pos = at;
  while (rows.length < count) {
    const newline = source.indexOf("\n", pos);
    if (newline < 0 && !final) return { rows, next: pos, ended: false };
    const line = newline < 0 ? source.slice(pos) : source.slice(pos, newline);
    if (line.trim() === "") return { rows, next: pos, ended: true };
    if (line[0] !== "|") return null;
    rows.push(line);
    pos = newline < 0 ? source.length : newline + 1;
    if (newline < 0) return { rows, next: pos, ended: true };
  }
  return { rows, next: pos, ended: final && source.slice(pos).trim() === "" };
}

/** Column widths in `ch` from the longest cell text of each column of `table` (header included), capped. */
function columnWidths(table) {
  const widths = [];
  for (const row of table.rows) {
    [...row.cells].forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 3, Math.min(MAX_COLUMN_CH, Math.ceil(cell.textContent.length * 1.1) + 1));
    });
  }
  return widths;
}
