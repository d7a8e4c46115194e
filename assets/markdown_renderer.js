// Streaming markdown renderer: turns offset-tagged text deltas into sanitised HTML, at most once per frame.
//
// Finished blocks are rendered once and appended to `.pm-frozen`, never touched again; only the open tail is
// re-rendered into `.pm-tail`. Model output is hostile input: markdown-it runs with raw HTML off, every HTML
// string goes through DOMPurify before it reaches the page, and images load only when the reader asks.
// No Vue here: assets/streaming_markdown.js wraps this class for NiceGUI.

import markdownit from "parley-vendor/markdown-it.min.js";
import hljs from "parley-vendor/highlight.min.js";
import DOMPurify from "parley-vendor/purify.min.js";

const COPY_LABEL = "Copy code";
const LINK_PROTOCOLS = ["http:", "https:", "mailto:"];
const IMAGE_PROTOCOLS = ["http:", "https:"];
const HIGHLIGHT_CACHE_SIZE = 64;
// highlight.js takes seconds on a megabyte; past this a code block stays plain text.
const HIGHLIGHT_MAX_CHARS = 30000;
// A longer code block is split into line-aligned chunks that skip layout while off screen.
const CODE_CHUNK_CHARS = 16384;
const RESYNC_RETRY_MS = 2000;

// A fence may follow list markers on its line ("- ```js"); the prefix length tells whether it is at column 0.
// Each space belongs to exactly one part of the prefix: nested quantifiers over the same spaces backtrack
// exponentially, and one model-written line of "-  -  -  …" would freeze the page.
const FENCE_OPEN = /^([ \t]*(?:(?:[-*+]|\d{1,9}[.)])[ \t]+)*)(`{3,}|~{3,})([^\n]*)$/;
const BLANK = /^[ \t\r]*$/;

// One private sanitiser for the process: its hooks must not leak into NiceGUI's or anyone else's DOMPurify.
const purify = DOMPurify(window);
const SANITIZE = {
  USE_PROFILES: { html: true }, // no SVG, no MathML
  FORBID_TAGS: ["style", "form", "input", "button", "textarea", "select", "option", "iframe", "frame", "object",
    "embed", "link", "meta", "base", "video", "audio", "source", "track", "picture", "dialog", "template"],
  FORBID_ATTR: ["style", "srcset", "action", "formaction", "background", "poster", "ping"],
  ALLOW_DATA_ATTR: false,
  RETURN_DOM_FRAGMENT: true,
};

function safeUrl(raw, protocols) {
  try {
    const url = new URL(raw, document.baseURI);
    return protocols.includes(url.protocol) ? url.href : null;
  } catch {
    return null;
  }
}

purify.addHook("afterSanitizeAttributes", (node) => {
  if (node.nodeName === "A" && node.hasAttribute("href")) {
    const href = safeUrl(node.getAttribute("href"), LINK_PROTOCOLS);
    if (href === null) {
      node.removeAttribute("href");
    } else {
      node.setAttribute("target", "_blank");
      node.setAttribute("rel", "noopener noreferrer");
    }
  } else if (node.nodeName === "IMG") {
    // The source is parked where the browser never looks; decorate() turns the image into a "Load image" button.
    const src = node.getAttribute("src");
    node.removeAttribute("src");
    const url = src === null ? null : safeUrl(src, IMAGE_PROTOCOLS);
    if (url !== null) node.setAttribute("data-parley-src", url);
  }
});

/** Sanitise an HTML string into a DocumentFragment of an inert document (nothing in it loads or runs). */
export function sanitizeToFragment(html) {
  return purify.sanitize(html, SANITIZE);
}

function createMarkdown() {
  const md = markdownit({ html: false, linkify: true, typographer: false });
  const cache = new Map();
  const highlight = (code, language) => {
    const key = `${language}\n${code}`;
    let html = cache.get(key);
    if (html === undefined) {
      html = hljs.highlight(code, { language, ignoreIllegals: true }).value;
      if (cache.size >= HIGHLIGHT_CACHE_SIZE) cache.delete(cache.keys().next().value);
      cache.set(key, html);
    }
    return html;
  };
  md.renderer.rules.fence = (tokens, idx, options, env) => {
    const token = tokens[idx];
    const language = md.utils.unescapeAll(token.info).trim().split(/\s+/)[0];
    // A fence still being written shows plain text; it is highlighted once its closing line has arrived.
    const isOpen = env.openFenceLine === token.map[0];
    const known = language && !isOpen && token.content.length <= HIGHLIGHT_MAX_CHARS && hljs.getLanguage(language);
    const body = known ? highlight(token.content, language) : md.utils.escapeHtml(token.content);
    const cls = language ? `hljs language-${md.utils.escapeHtml(language)}` : "hljs";
    return `<pre><code class="${cls}">${body}</code></pre>\n`;
  };
  // GFM column alignment arrives as style attributes, which the sanitiser forbids: use classes instead.
  md.core.ruler.push("parley_align", (state) => {
    for (const token of state.tokens) {
      if (token.type !== "th_open" && token.type !== "td_open") continue;
      const align = /text-align:(\w+)/.exec(token.attrGet("style") || "");
      token.attrs = (token.attrs || []).filter(([name]) => name !== "style");
      if (align) token.attrJoin("class", `pm-align-${align[1]}`);
    }
  });
  return md;
}

const md = createMarkdown(); // process-wide: configuration only, no per-message state

/** Finds where finished blocks end in a growing text; scans each complete line once. */
export class BlockScanner {
  constructor() {
    this.reset();
  }

  reset() {
    this.pos = 0; // start of the first line not yet scanned
    this.hasContent = false; // the open block has a non-blank line
    this.blankAt = -1; // start of a blank line run after content, or -1
    this.fence = null; // {char, length, indent, start} of the open fenced code block
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
    }
  }

  opensFence(line, start) {
    const match = FENCE_OPEN.exec(line);
    if (!match || (match[2][0] === "`" && match[3].includes("`"))) return null;
    return { char: match[2][0], length: match[2].length, indent: match[1].length, start };
  }

  closesFence(line) {
    const match = /^[ \t]*(`{3,}|~{3,})[ \t\r]*$/.exec(line);
    return match !== null && match[1][0] === this.fence.char && match[1].length >= this.fence.length;
  }
}

/** Renders a growing markdown text into `root`; see the module comment for the design. */
export class MarkdownRenderer {
  constructor(root, { onGap = () => {} } = {}) {
    this.root = root;
    this.onGap = onGap;
    this.frozen = Object.assign(document.createElement("div"), { className: "pm-frozen" });
    this.tail = Object.assign(document.createElement("div"), { className: "pm-tail" });
    root.replaceChildren(this.frozen, this.tail);
    this.approvedImages = new Set(); // sources the reader chose to load; the tail re-renders them as images
    this.stats = { appends: 0, replays: 0, gaps: 0, frames: 0, frozenBlocks: 0 };
    this.onClick = this.onClick.bind(this);
    root.addEventListener("click", this.onClick);
    this.frame = 0;
    this.reset("", { streaming: true });
  }

  get length() {
    return this.text.length;
  }

  /** Replace everything with `text` and render it now. */
  reset(text, { streaming }) {
    this.text = text;
    this.finished = !streaming;
    this.scanner = new BlockScanner();
    this.frozenEnd = 0;
    this.renderedTail = null;
    this.openCode = null; // {start, frozenEnd, code, shown}: the open fence growing in place (see growOpenFence)
    this.gapReportedAt = null;
    this.frozen.replaceChildren();
    this.tail.replaceChildren();
    this.flush();
  }

  /** Add `delta` at UTF-16 `offset`: replays are skipped, overlaps trimmed, gaps reported (see onGap). */
  append(offset, delta) {
    this.stats.appends += 1;
    if (offset > this.text.length) {
      this.stats.gaps += 1;
      this.reportGap();
      return;
    }
    const fresh = delta.slice(this.text.length - offset);
    if (!fresh) {
      this.stats.replays += 1;
      return;
    }
    this.text += fresh;
    this.schedule();
  }

  /** The answer is complete at `length`: render the tail as a finished block (or ask for what is missing). */
  finish(length = this.text.length) {
    if (length > this.text.length) {
      this.reportGap();
      return;
    }
    this.finished = true;
    this.flush(); // at once, not next frame: the final text is on screen before the status says complete
  }

  /** Compare with the text the server last sent as a prop; resync only if they disagree. */
  sync(text, streaming) {
    if (text.startsWith(this.text)) this.append(this.text.length, text.slice(this.text.length));
    else if (!this.text.startsWith(text)) this.reset(text, { streaming });
    if (!streaming) this.finish(text.length);
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

  /** Freeze newly finished blocks and re-render the open tail; runs at most once per animation frame. */
  flush() {
    if (this.frame) cancelAnimationFrame(this.frame);
    this.frame = 0;
    this.stats.frames += 1;
    for (const end of this.scanner.scan(this.text)) this.freeze(end);
    if (this.finished) this.freeze(this.text.length);
    const tail = this.text.slice(this.frozenEnd);
    if (tail === this.renderedTail) return;
    this.renderedTail = tail;
    const [source, openLine] = this.openTail(tail);
    if (openLine >= 0 && this.growOpenFence(source)) return;
    this.openCode = null;
    this.tail.replaceChildren(this.render(source, openLine));
    if (openLine >= 0) this.trackOpenFence(source);
  }

  // Re-rendering a growing fence every frame costs its whole length each time: a fence at column 0 that is
  // still open shows new text by appending it to its code element instead (it is plain, not highlighted).
  trackOpenFence(source) {
    const fence = this.scanner.fence;
    const code = [...this.tail.querySelectorAll("pre code")].at(-1);
    const bodyStart = this.text.indexOf("\n", fence.start) + 1;
    const shown = this.frozenEnd + source.length;
    if (fence.indent !== 0 || !code || bodyStart === 0 || bodyStart > shown) return;
    // Only where markdown-it shows the lines as they are (no \r or NUL normalised away).
    if (code.textContent === this.text.slice(bodyStart, shown)) {
      this.openCode = { start: fence.start, frozenEnd: this.frozenEnd, code, shown };
    }
  }

  growOpenFence(source) {
    const open = this.openCode;
    if (!open || this.scanner.fence?.start !== open.start || open.frozenEnd !== this.frozenEnd) return false;
    const end = this.frozenEnd + source.length;
    if (end <= open.shown) return true; // only a possible closing line is new: wait until it is whole
    const fresh = this.text.slice(open.shown, end);
    if (/[\r\0]/.test(fresh)) return false;
    appendCode(open.code, fresh);
    open.shown = end;
    return true;
  }

  freeze(end) {
    if (end <= this.frozenEnd) return;
    this.frozen.append(this.render(this.text.slice(this.frozenEnd, end), -1));
    this.frozenEnd = end;
    this.stats.frozenBlocks += 1;
  }

  /** The tail to render and the line of its still-open fence (-1 if none). */
  openTail(tail) {
    const fence = this.scanner.fence;
    if (!fence || fence.start < this.frozenEnd) return [tail, -1];
    const lastLine = tail.slice(tail.lastIndexOf("\n") + 1);
    if (this.scanner.closesFence(lastLine)) return [tail, -1];
    // Half a closing fence ("``") would flash as code text for a frame: leave it out until the line is whole.
    if (/^[ \t]*[`~]{1,}$/.test(lastLine) && lastLine.trim()[0] === fence.char) {
      tail = tail.slice(0, tail.length - lastLine.length);
    }
    const before = this.text.slice(this.frozenEnd, fence.start);
    return [tail, before.split("\n").length - 1];
  }

  render(source, openFenceLine) {
    const env = { openFenceLine };
    const tokens = md.parse(source, env);
    // Past maxNesting markdown-it silently drops the rest of the block: show such a block as plain text instead.
    const tooDeep = tokens.some((token) => token.level >= md.options.maxNesting - 1);
    const html = tooDeep ? `<p>${md.utils.escapeHtml(source).replace(/\n/g, "<br>\n")}</p>`
      : md.renderer.render(tokens, md.options, env);
    const fragment = sanitizeToFragment(html);
    this.decorate(fragment);
    return fragment;
  }

  /** Add what markdown-it does not make: code headers, table scrollers, click-to-load images. */
  decorate(fragment) {
    for (const pre of fragment.querySelectorAll("pre")) {
      const code = pre.querySelector("code");
      const language = [...(code?.classList || [])].find((c) => c.startsWith("language-"))?.slice(9) || "";
      const block = element("div", "pm-code");
      const header = element("div", "pm-code-header");
      header.append(element("span", "pm-code-lang", language || "code"), copyButton());
      pre.replaceWith(block);
      block.append(header, pre);
      if (code && !code.firstElementChild && code.textContent.length > CODE_CHUNK_CHARS) {
        code.replaceChildren(...codeChunks(code.textContent));
      }
    }
    for (const table of fragment.querySelectorAll("table")) {
      const scroller = element("div", "pm-table-scroll");
      table.replaceWith(scroller);
      scroller.append(table);
    }
    for (const img of fragment.querySelectorAll("img")) {
      const url = img.getAttribute("data-parley-src");
      if (url === null) img.replaceWith(element("span", "pm-image-blocked", img.alt || "image"));
      else if (this.approvedImages.has(url)) img.replaceWith(loadedImage(url, img.alt));
      else img.replaceWith(loadImageButton(url, img.alt));
    }
  }

  // One delegated listener for every control in the message: no inline handlers anywhere.
  onClick(event) {
    const button = event.target.closest?.("button");
    if (!button || !this.root.contains(button)) return;
    if (button.classList.contains("pm-copy")) {
      copyCode(button);
    } else if (button.classList.contains("pm-load-image")) {
      const url = button.dataset.src;
      this.approvedImages.add(url);
      button.replaceWith(loadedImage(url, button.dataset.alt || ""));
    }
  }

  destroy() {
    if (this.frame) cancelAnimationFrame(this.frame);
    this.root.removeEventListener("click", this.onClick);
  }
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function codeChunks(text) {
  const chunks = [];
  for (let start = 0; start < text.length;) {
    const newline = text.indexOf("\n", start + CODE_CHUNK_CHARS);
    const end = newline < 0 ? text.length : newline + 1;
    const chunk = element("span", "pm-code-chunk", text.slice(start, end));
    // Off screen, a chunk is skipped by layout and paint; as wide as its longest line, so nothing is clipped.
    Object.assign(chunk.style, { display: "block", width: "max-content", minWidth: "100%",
      contentVisibility: "auto", containIntrinsicHeight: `auto ${chunk.textContent.split("\n").length * 1.5}em` });
    chunks.push(chunk);
    start = end;
  }
  return chunks;
}

/** Append text to a plain code element, chunking it once it is long (the last chunk is re-cut, never more). */
function appendCode(code, text) {
  const last = code.lastElementChild;
  if (last === null) {
    if (code.textContent.length + text.length <= CODE_CHUNK_CHARS) code.append(text);
    else code.replaceChildren(...codeChunks(code.textContent + text));
    return;
  }
  const rest = last.textContent + text;
  last.remove();
  code.append(...codeChunks(rest));
}

function copyButton() {
  const button = element("button", "pm-copy", "Copy");
  button.type = "button";
  button.setAttribute("aria-label", COPY_LABEL);
  return button;
}

function loadImageButton(url, alt) {
  const host = new URL(url).host;
  const button = element("button", "pm-load-image", alt ? `Load image: ${alt}` : "Load image");
  button.type = "button";
  button.dataset.src = url;
  button.dataset.alt = alt;
  button.title = alt ? `${alt} (${host})` : host;
  button.setAttribute("aria-label", `Load image from ${host}`);
  return button;
}

function loadedImage(url, alt) {
  const img = document.createElement("img");
  img.referrerPolicy = "no-referrer";
  img.alt = alt;
  img.src = url;
  return img;
}

async function copyCode(button) {
  const text = button.closest(".pm-code")?.querySelector("pre code")?.textContent ?? "";
  let copied = false;
  if (navigator.clipboard && window.isSecureContext) {
    try {
      await navigator.clipboard.writeText(text);
      copied = true;
    } catch {
      copied = false;
    }
  }
  if (!copied) copied = copyWithTextarea(text);
  button.textContent = copied ? "Copied" : "Copy failed";
  setTimeout(() => (button.textContent = "Copy"), 1500);
}

// Plain http on a LAN address is not a secure context: the Clipboard API is missing there.
function copyWithTextarea(text) {
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.style.position = "fixed";
  area.style.opacity = "0";
  document.body.append(area);
  area.select();
  let copied = false;
  try {
    copied = document.execCommand("copy");
  } catch {
    copied = false;
  }
  area.remove();
  return copied;
}
