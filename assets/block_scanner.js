// Finds where finished markdown blocks end in a growing text, scanning each complete line once.
//
// A block ends at a line that starts at column 0 after a blank line, or right after the closing line of a fence
// at column 0. Fences are tracked so blank lines inside code never end a block. Used by markdown_renderer.js.

// A fence may follow list markers on its line ("- ```js"); the prefix length tells whether it is at column 0.
// Each space belongs to exactly one part of the prefix: nested quantifiers over the same spaces backtrack
// exponentially, and one model-written line of "-  -  -  …" would freeze the page.
const FENCE_OPEN = /^([ \t]*(?:(?:[-*+]|\d{1,9}[.)])[ \t]+)*)(`{3,}|~{3,})([^\n]*)$/;
const FENCE_CLOSE = /^[ \t]*(`{3,}|~{3,})[ \t\r]*$/;
const BLANK = /^[ \t\r]*$/;

export class BlockScanner {
  constructor() {
    this.reset();
  }

  reset() {
    this.pos = 0; // start of the first line not yet scanned
    this.hasContent = false; // the open block has a non-blank line
    this.blankAt = -1; // start of a blank line run after content, or -1
    this.fence = null; // {char, length, indent, start, close} of the open fenced code block
    this.lastFence = null; // the latest fence at column 0, open or closed (close: start of its closing line)
  }

  /** Return the offsets at which newly finished blocks end (each is where the next block starts). */
  scan(text) {
    const ends = [];
    const boundary = (at) => {
      ends.push(at);
      this.hasContent = false;
      this.blankAt = -1;
    };
    for (;;) {
      const start = this.pos;
      const newline = text.indexOf("\n", start);
      if (newline < 0) {
        // The last line is incomplete, but its first character already says whether it is indented.
        if (!this.fence && this.blankAt >= 0 && start < text.length && !/[ \t\r]/.test(text[start])) boundary(start);
        return ends;
      }
      const line = text.slice(start, newline);
      this.pos = newline + 1;
      if (this.fence) {
        if (this.closesFence(line)) {
          const { indent } = this.fence;
          this.fence.close = start;
          this.fence = null;
          // A fence at column 0 cannot be continued by anything after its closing line: freeze it now.
          if (indent === 0) boundary(this.pos);
        }
        continue;
      }
      if (BLANK.test(line)) {
        if (this.hasContent && this.blankAt < 0) this.blankAt = start;
        continue;
      }
      if (this.blankAt >= 0) {
        // An indented line after a blank one continues a list item (or indented code): same block.
        if (/^[ \t]/.test(line)) this.blankAt = -1;
        else boundary(start);
      }
      this.hasContent = true;
      this.fence = this.opensFence(line, start);
      if (this.fence?.indent === 0) this.lastFence = this.fence;
    }
  }

  opensFence(line, start) {
    const match = FENCE_OPEN.exec(line);
    if (!match || (match[2][0] === "`" && match[3].includes("`"))) return null;
    return { char: match[2][0], length: match[2].length, indent: match[1].length, start, close: -1 };
  }

  /** Whether `line` closes the open fence. */
  closesFence(line) {
    const match = FENCE_CLOSE.exec(line);
    return match !== null && match[1][0] === this.fence.char && match[1].length >= this.fence.length;
  }
}
